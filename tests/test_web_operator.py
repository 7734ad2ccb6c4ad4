"""The operator's pages in real headless Chromium against a real ``lingong-docs serve``."""

from __future__ import annotations

import io
import re
from pathlib import Path

import yaml
from helpers.browser import shot
from playwright.sync_api import expect
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "samples" / "demo"
BROKEN = ROOT / "samples" / "broken"
ROSTER = "附件5_撮合服务成功人员花名册.xlsx"
JOB_POSTS = "附件4_发布岗位任务明细表.xlsx"


def create_application(page, server, *, applicant: str = "北京示例人力资源有限公司") -> str:
    """Fill the create form as an operator would; return the application's page URL."""
    page.goto(server.url + "/apps")
    page.fill("#f-applicant", applicant)
    page.fill("#f-uscc", "91110105MA01ABCD39")
    page.fill("#f-market", "望京零工驿站")
    page.fill("#f-date", "2026-03-05")
    page.fill("#f-year", "2025")
    page.locator("#f-year").blur()
    expect(page.locator("#check-year")).to_contain_text("截止日期")
    page.click("#create")
    page.wait_for_url(re.compile(r"/apps/[0-9a-f]{12}$"))
    return page.url


def upload(page, folder: Path) -> None:
    page.set_input_files("#u-job_posts", str(folder / JOB_POSTS))
    page.set_input_files("#u-roster", str(folder / ROSTER))
    page.set_input_files("#u-evidence", sorted(str(p) for p in (folder / "支付凭证").iterdir() if p.suffix != ".txt"))
    page.click("#upload")
    page.wait_for_selector("#verdict")


def test_inline_checks_refuse_a_bad_credit_code(server, browser):
    page = browser.new_page()
    page.goto(server.url + "/apps")
    page.fill("#f-uscc", "91110105MA01ABCD38")       # last character wrong
    page.locator("#f-uscc").blur()
    expect(page.locator("#check-uscc")).to_contain_text("校验码")
    page.fill("#f-year", "2023")                     # outside the policy's years
    page.locator("#f-year").blur()
    expect(page.locator("#check-year")).to_contain_text("服务年度")
    page.fill("#f-applicant", "北京示例人力资源有限公司")
    page.click("#create")                            # the server checks again and refuses
    assert page.locator(".field.has-error #f-uscc").count() == 1
    assert page.locator(".field.has-error #f-year").count() == 1
    shot(page, "test_inline_checks_refuse_a_bad_credit_code", "refused")
    page.close()


def test_operator_happy_path_build_and_download(server, browser):
    name = "test_operator_happy_path_build_and_download"
    page = browser.new_page()
    app_url = create_application(page, server)
    shot(page, name, "1-created")
    # the blank workbooks come with this application's header
    with page.expect_download() as blank:
        page.click("#blank-roster")
    assert blank.value.suggested_filename == ROSTER
    upload(page, DEMO)
    assert "没有错误" in page.text_content("#verdict")
    shot(page, name, "2-findings")
    page.click("text=3 补贴金额")
    assert page.text_content("#match-count").startswith("5,200")
    assert page.text_content("#total").strip() == "300,000.00 元"
    readings = {tr.get_attribute("data-reading"): tr.inner_text() for tr in page.locator("#readings tbody tr").all()}
    assert "档次不同" in readings["hours_per_row"] and "档次不同" not in readings["per_record"]
    explained = page.locator("details.explain summary").all_inner_texts()
    assert any(t.startswith("撮合个次") for t in explained) and any(t.startswith("申请截止日期") for t in explained)
    shot(page, name, "3-figures")
    page.goto(app_url)
    page.click("#build-button")
    page.wait_for_selector("#job-progress")
    shot(page, name, "4-building")
    # the rest of the site answers while the build runs
    other = browser.new_page()
    other.goto(app_url + "/figures")
    assert other.text_content("#total").strip() == "300,000.00 元"
    other.close()
    page.wait_for_selector("#job-files a")
    shot(page, name, "5-built")
    links = page.locator("#job-files a").all()
    assert sorted(a.inner_text() for a in links) == ["2025年度_就业服务补贴_申请材料.pdf", "2025年度_运营经费补贴_申请材料.pdf"]
    with page.expect_download() as download:
        page.click("text=2025年度_运营经费补贴_申请材料.pdf")
    reader = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert len(reader.pages) == 173
    assert "manifest.json" in {a.name for a in reader.attachment_list}
    page.close()


def test_broken_workbook_findings_at_their_cells(server, browser):
    name = "test_broken_workbook_findings_at_their_cells"
    page = browser.new_page()
    create_application(page, server, applicant="北京错误示例人力资源有限公司")
    upload(page, BROKEN)
    shot(page, name, "1-findings")
    shown = {(row, r.get_attribute("data-column"), r.get_attribute("data-code"))
             for r in page.locator("#findings tbody tr").all()
             for row in (r.get_attribute("data-rows") or "").split(",")}           # one line per problem, its rows
    expected = yaml.safe_load((BROKEN / "expected.yaml").read_text(encoding="utf-8"))
    wanted = {(str(e["row"]), e["column"] or "", e["code"]) for e in expected if e["file"] == ROSTER}
    assert wanted and wanted <= shown
    # filter by rule: only that rule's rows remain
    page.select_option("select[name=rule]", "id-check-char")
    page.wait_for_url(re.compile(r"rule=id-check-char"))
    codes = {r.get_attribute("data-code") for r in page.locator("#findings tbody tr").all()}
    assert codes == {"id-check-char"}
    # the rows around the finding, with the ID numbers masked
    page.click("#findings tbody tr[data-row='6'] a[data-context]")
    page.wait_for_selector(".context td.hit")
    hit = page.text_content(".context td.hit")
    assert re.fullmatch(r"\d{6}\*{8}[\dX]{4}", hit.strip())
    shot(page, name, "2-context")
    html = page.content()
    assert not re.search(r"(?<!\d)\d{17}[\dXx](?!\d)", html)     # no full ID number anywhere on the page
    # the annotated workbook marks that cell
    with page.expect_download() as annotated:
        page.click("#annotated-roster")
    from openpyxl import load_workbook

    assert annotated.value.suggested_filename == "附件5_撮合服务成功人员花名册_标注.xlsx"
    wb = load_workbook(io.BytesIO(Path(annotated.value.path()).read_bytes()))
    assert wb["附件5"]["C6"].fill.fgColor.rgb.endswith("FF9999")
    # building is refused, with the reasons listed
    page.click("text=1 表格和凭证")
    page.click("#build-button")
    page.wait_for_selector("#job-problems tbody tr", timeout=60_000)
    assert page.text_content("#job-state").startswith("未生成")
    assert page.locator("#job-progress").count() == 0                    # a refused build shows no full bar
    assert "id-check-char" in {c.inner_text() for c in page.locator("#job-problems td.code").all()}
    conflict = page.locator("#job-problems tr", has=page.locator("td.code", has_text="id-name-conflict"))
    assert conflict.count() == 1 and "第46行" in conflict.inner_text()     # one line, the odd row, linked
    assert conflict.locator("a").first.get_attribute("href").endswith("rule=id-name-conflict#f-row-46")
    shot(page, name, "3-build-refused")
    page.close()
