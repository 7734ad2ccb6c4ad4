"""The operator's workspace in Chromium: uploads checked before they replace anything, versions and
restore, details in a form, states derived from the files, grouped findings, Chinese on every page."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from helpers.browser import shot
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "samples" / "demo"
BROKEN = ROOT / "samples" / "broken"
ROSTER = "附件5_撮合服务成功人员花名册.xlsx"
JOB_POSTS = "附件4_发布岗位任务明细表.xlsx"
RULE_CODE = re.compile(r"[a-z]+-[a-z]+")


def create(page, server, market: str, kinds: tuple[str, ...] = ("运营经费补贴", "就业服务补贴"),
           applicant: str = "北京示例人力资源有限公司") -> str:
    """Create an application (the demo's applicant, so its workbooks match); ``market`` tells them apart."""
    page.goto(server.url + "/apps")
    page.fill("#f-applicant", applicant)
    page.fill("#f-uscc", "91110105MA01ABCD39")
    page.fill("#f-market", market)
    page.fill("#f-date", "2026-03-05")
    page.fill("#f-year", "2025")
    page.keyboard.press("Tab")
    # the inline checks answer after each field loses focus and their messages move the form down:
    # let them land before clicking the checkboxes (a click during the shift can miss under load)
    page.wait_for_load_state("networkidle")
    for label in ("运营经费补贴", "就业服务补贴"):
        page.locator(f"input[name='kind_{label}']").set_checked(label in kinds)
    page.click("#create")
    page.wait_for_url(re.compile(r"/apps/[0-9a-f]{12}$"))
    return page.url


def upload(page, **files: Path | list[Path]) -> None:
    for field, value in files.items():
        page.set_input_files(f"#u-{field}", [str(p) for p in value] if isinstance(value, list) else str(value))
    page.click("#upload")
    page.wait_for_load_state()


def stored(server, app_url: str) -> Path:
    return server.workspace / "apps" / app_url.rsplit("/", 1)[1] / "application"


def evidence(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "支付凭证").iterdir() if p.suffix != ".txt")


def test_bad_uploads_are_kept_out_and_versions_restore(server, browser, tmp_path):
    name = "test_bad_uploads_are_kept_out_and_versions_restore"
    page = browser.new_page()
    app_url = create(page, server, "上传示例驿站")
    upload(page, job_posts=DEMO / JOB_POSTS, roster=DEMO / ROSTER, evidence=evidence(DEMO))
    assert "没有错误" in page.text_content("#verdict")
    folder = stored(server, app_url)
    good = (folder / ROSTER).read_bytes()
    # a PDF renamed .xlsx, a zip bomb's cousin (not a workbook at all) and a broken application.yaml
    fake = tmp_path / ROSTER
    shutil.copyfile(evidence(DEMO)[0], fake)
    bad_yaml = tmp_path / "application.yaml"
    bad_yaml.write_text("申请单位全称: [未闭合\n", encoding="utf-8")
    for files, said in (({"roster": fake}, "不是 Excel"), ({"application": bad_yaml}, "格式错误")):
        page.goto(app_url)
        upload(page, **files)
        assert page.text_content("#error-title") == "未做改动" and said in page.text_content("#error-message")
        shot(page, name, f"1-refused-{next(iter(files))}")
    assert (folder / ROSTER).read_bytes() == good
    page.goto(app_url + "/findings")
    assert "没有错误" in page.text_content("#verdict")                 # still the good files
    # a workbook with errors is data to fix: it replaces the roster, the old one is kept as a version
    page.goto(app_url)
    upload(page, roster=BROKEN / ROSTER)
    assert "错误" in page.text_content("#verdict")
    page.goto(app_url)
    expect(page.locator("#app-state")).to_have_attribute("data-state", "errors")
    versions = page.locator("#versions tbody tr")
    assert versions.count() >= 2 and ROSTER in versions.first.inner_text() and "上传前" in versions.first.inner_text()
    shot(page, name, "2-history")
    versions.first.locator("button").click()                        # 恢复这个版本
    page.wait_for_load_state()
    assert (folder / ROSTER).read_bytes() == good
    expect(page.locator("#app-state")).to_have_attribute("data-state", "ready")
    assert "恢复前" in page.locator("#versions tbody tr").first.inner_text()
    # an evidence file can be removed (and is kept as a version too)
    page.on("dialog", lambda d: d.accept())
    first = evidence(folder)[0].name
    page.locator(f"button[data-remove='{first}']").click()
    page.wait_for_load_state()
    assert first not in [p.name for p in evidence(folder)] and first not in page.text_content("#evidence")
    assert "移除凭证前" in page.locator("#versions tbody tr").first.inner_text()
    shot(page, name, "3-evidence-removed")
    page.close()


def test_an_empty_file_is_refused_with_its_name(server, browser, tmp_path):
    page = browser.new_page()
    app_url = create(page, server, "空文件示例驿站")
    empty = tmp_path / "0001 空回单.pdf"
    empty.write_bytes(b"")
    upload(page, evidence=[empty, evidence(DEMO)[0]])
    assert page.text_content("#error-title") == "未做改动"
    assert "0001 空回单.pdf" in page.text_content("#error-message") and "空文件" in page.text_content("#error-message")
    assert evidence(stored(server, app_url)) == []
    page.close()


def test_details_are_edited_in_a_form_and_a_broken_file_never_gives_500(server, browser):
    name = "test_details_are_edited_in_a_form_and_a_broken_file_never_gives_500"
    page = browser.new_page()
    app_url = create(page, server, "表单示例驿站")
    upload(page, job_posts=DEMO / JOB_POSTS, roster=DEMO / ROSTER, evidence=evidence(DEMO))
    folder = stored(server, app_url)
    (folder / "application.yaml").write_text("申请单位全称: [坏了\n", encoding="utf-8")   # broken on disk
    for path in ("/findings", "/figures", "/annotated/roster"):
        response = page.goto(app_url + path)
        assert response.status == 409
        assert page.text_content("#error-title") == "文件无法读取"
        assert "application.yaml" in page.text_content("#error-message")
    shot(page, name, "1-unreadable")
    page.goto(app_url)
    assert "无法读取" in page.text_content("#details-unreadable")
    page.fill("#details-form #f-applicant", "北京示例人力资源有限公司")
    page.fill("#details-form #f-uscc", "91110105MA01ABCD38")        # wrong check character: inline, then refused
    page.locator("#details-form #f-uscc").blur()
    expect(page.locator("#details-form #check-uscc")).to_contain_text("校验码")
    assert page.input_value("#details-form #f-market") == "表单示例驿站"         # filled in from what the list knows
    page.fill("#details-form #f-date", "2026-03-05")
    page.locator("#details-form input[name='kind_运营经费补贴']").check()
    page.locator("#details-form input[name='kind_就业服务补贴']").check()
    page.click("#save-details")
    page.wait_for_load_state()
    assert page.locator("#details-form .field.has-error #f-uscc").count() == 1
    shot(page, name, "2-inline-refused")
    page.fill("#details-form #f-uscc", "91110105MA01ABCD39")
    page.fill("#details-form #f-legal_rep", "王某某")
    page.click("#save-details")
    page.wait_for_load_state()
    text = (folder / "application.yaml").read_text(encoding="utf-8")
    assert "法定代表人: \"王某某\"" in text and "# 申请单位全称：与营业执照" in text     # comments kept
    page.goto(app_url + "/findings")
    assert "没有错误" in page.text_content("#verdict")
    shot(page, name, "3-fixed-by-form")
    page.close()


def test_states_are_derived_and_old_packages_are_marked_stale(server, browser):
    name = "test_states_are_derived_and_old_packages_are_marked_stale"
    page = browser.new_page()
    app_url = create(page, server, "状态示例驿站", kinds=("运营经费补贴",))
    upload(page, job_posts=DEMO / JOB_POSTS, roster=DEMO / ROSTER, evidence=evidence(DEMO))
    page.goto(app_url)
    expect(page.locator("#app-state")).to_have_attribute("data-state", "ready")
    page.click("#build-button")
    expect(page.locator("#job-progress")).to_be_visible()
    shot(page, name, "1-building")
    page.wait_for_selector("#job-files a", timeout=180_000)
    assert page.text_content("#job-state").startswith("已生成")
    assert page.locator("#job-progress").get_attribute("value") == "100"
    page.goto(app_url)
    expect(page.locator("#app-state")).to_have_attribute("data-state", "built")
    assert page.locator("#outputs-stale").count() == 0
    shot(page, name, "2-built")
    upload(page, roster=BROKEN / ROSTER)                             # new inputs: the package is now old
    page.goto(app_url)
    expect(page.locator("#app-state")).to_have_attribute("data-state", "errors")
    stale = page.text_content("#outputs-stale")
    assert "已过期" in stale and re.search(r"生成于 \d{4}-\d\d-\d\d \d\d:\d\d", stale)
    assert page.locator("#outputs .state-stale").count() == 1
    shot(page, name, "3-stale")
    page.goto(server.url + "/apps")
    row = page.locator("#app-list tr", has_text="状态示例驿站")
    assert "有错误" in row.inner_text() and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", row.inner_text())
    # a draft says it is one, with its errors
    page.goto(app_url)
    page.check("input[name=draft]")
    page.click("#build-button")
    page.wait_for_selector("#job-files a", timeout=180_000)
    assert page.text_content("#job-state").startswith("草稿已生成")
    assert re.search(r"还有 \d+ 个阻止申报的问题", page.text_content("#job-draft")) and "水印" in page.text_content("#job-draft")
    shot(page, name, "4-draft")
    # archive: gone from the list, back from the archive
    page.goto(app_url)
    page.click("#archive-form button[value=archive]")
    page.wait_for_url(server.url + "/apps")
    assert page.locator("#app-list tr", has_text="状态示例驿站").count() == 0
    page.click("#show-archived")
    assert page.locator("#app-list tr", has_text="状态示例驿站").count() == 1
    shot(page, name, "5-archived")
    page.close()


def test_delete_needs_confirmation_and_removes_everything(server, browser):
    page = browser.new_page()
    app_url = create(page, server, "删除示例驿站")
    root = stored(server, app_url).parent
    page.click("#delete")
    assert page.text_content("#error-title") == "未做改动" and root.is_dir()
    page.goto(app_url)
    page.check("#archive-form input[name=confirm]")
    page.click("#delete")
    page.wait_for_url(server.url + "/apps")
    assert not root.exists() and page.goto(app_url).status == 404
    page.close()


def test_grouped_findings_chart_and_chinese_on_every_page(server, browser):
    name = "test_grouped_findings_chart_and_chinese_on_every_page"
    page = browser.new_page()
    app_url = create(page, server, "中文示例驿站")
    upload(page, job_posts=BROKEN / JOB_POSTS, roster=BROKEN / ROSTER, evidence=evidence(BROKEN))
    rows = page.locator("#findings tbody tr[data-code='id-name-conflict']")
    assert rows.count() == 1 and rows.get_attribute("data-rows") == "46"        # the odd row only
    assert "其他1行" in rows.inner_text() and "45" in rows.inner_text()
    daily = page.locator("#findings tbody tr[data-code='hours-over-24-per-day']")
    assert daily.count() == 1 and daily.get_attribute("data-rows") == "33,34"   # one problem, two rows
    shot(page, name, "1-findings")
    pages = [app_url, app_url + "/findings", app_url + "/findings?rule=id-check-char", app_url + "/figures",
             server.url + "/apps"]
    page.click("#fix-button")
    page.wait_for_selector("#fix-summary")
    pages.append(page.url)
    page.goto(app_url)
    page.click("#build-button")
    page.wait_for_selector("#job-problems tbody tr", timeout=120_000)
    pages.append(page.url)
    shot(page, name, "2-refused-build")
    for url in pages:
        page.goto(url)
        text = page.evaluate("""() => { const b = document.body.cloneNode(true);
            b.querySelectorAll('.code, select').forEach(e => e.remove()); return b.innerText; }""")
        found = [m for m in RULE_CODE.findall(text) if m != "lingong-docs"]
        assert found == [], (url, found[:5])
        assert not re.search(r"lingong-docs [a-z]|\s--?[a-z]", text), url     # no command-line hints
    # the 补贴金额 page draws the year month by month
    page.goto(app_url)
    upload(page, job_posts=DEMO / JOB_POSTS, roster=DEMO / ROSTER, evidence=evidence(DEMO))
    page.goto(app_url + "/figures")
    chart = page.locator("#month-chart svg")
    assert chart.count() == 1 and page.locator("#month-chart polyline").count() == 2
    labels = page.locator("#month-chart text").all_text_contents()
    assert "1,000 个次" in labels and "5,000 个次" in labels and "需求人数 5,000" in labels and "12月" in labels
    december = page.locator("#month-figures tbody tr").first.locator("td").last.inner_text()
    assert december == page.text_content("#match-count").split()[0] == "5,200"
    shot(page, name, "3-chart")
    page.close()
