"""自动修正 on the operator's pages, in real headless Chromium against a real ``lingong-docs serve``."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from helpers.browser import shot
from openpyxl import load_workbook
from test_web_operator import DEMO, JOB_POSTS, ROSTER, create_application, upload

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture
def messy(tmp_path):
    """The demo application, typed the way people type: a full-width phone, an old ID, a padded name."""
    folder = tmp_path / "messy"
    shutil.copytree(DEMO, folder)
    wb = load_workbook(folder / ROSTER)
    ws = wb.active
    canary = {"phone": ws["D5"].value, "id": ws["C6"].value, "name": ws["B7"].value}
    assert ws["C6"].value[6:8] == "19"
    ws["D5"] = canary["phone"].translate(FULL_WIDTH)
    ws["C6"] = canary["id"][:6] + canary["id"][8:17]               # the 15-digit form of the same ID
    ws["B7"] = f"  {canary['name']} "
    ws["K7"] = f" {canary['name']}替班 "                              # a name in free text, trimmed by fix
    canary["number_id"] = ws["C8"].value
    ws["C8"] = float(canary["number_id"][:17] + "0")               # Excel lost its digits: never guessed
    wb.save(folder / ROSTER)
    canary["old_id"] = ws["C6"].value
    canary["full_width_phone"] = ws["D5"].value
    return folder, canary


def cells(page) -> set[tuple[str, str, str]]:
    return {(r.get_attribute("data-row"), r.get_attribute("data-column"), r.get_attribute("data-code"))
            for r in page.locator("#findings tbody tr").all()}


def test_fix_lists_changes_masked_offers_the_workbooks_and_continues(server, browser, messy):
    name = "test_fix_lists_changes_masked_offers_the_workbooks_and_continues"
    folder, canary = messy
    page = browser.new_page()
    create_application(page, server)
    upload(page, folder)
    before = cells(page)
    assert ("6", "C", "id-15-digit") in before
    shot(page, name, "1-findings")
    page.click("#fix-button")
    page.wait_for_selector("#fix-changes")
    shot(page, name, "2-fixed")
    changes = {(r.get_attribute("data-cell"), r.locator("td").nth(6).inner_text())
               for r in page.locator("#fix-changes tbody tr").all()}
    assert {cell for cell, _ in changes} == {"D5", "C6", "B7", "K7"}
    kept = page.locator("#fix-kept tbody tr")
    assert [r.get_attribute("data-cell") for r in kept.all()] == ["C8"] and "无法自动恢复" in kept.inner_text()
    html = page.content()
    for value in canary.values():                                # no full personal value on the page
        assert value[:17] not in html and value.strip() not in html
    text = page.inner_text("main")                               # (the HTML holds hex tokens: text only here)
    assert not re.search(r"(?<!\d)\d{15}(?!\d)|(?<!\d)\d{17}[\dXx](?!\d)|(?<!\d)1\d{10}(?!\d)", text)
    # the corrected workbook: the cells fixed, the 修改记录 sheet inside
    with page.expect_download() as download:
        page.click("#fixed-roster")
    assert download.value.suggested_filename == ROSTER
    wb = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    ws = wb.worksheets[0]
    assert (ws["D5"].value, ws["C6"].value, ws["B7"].value) == (canary["phone"], canary["id"], canary["name"])
    assert ws["C6"].number_format == "@"
    log = wb["修改记录"]
    assert sorted(log.cell(r, 3).value for r in range(2, log.max_row + 1)) == ["B7", "C6", "D5", "K7"]
    with page.expect_download() as everything:
        page.click("#fixed-all")
    with zipfile.ZipFile(Path(everything.value.path())) as z:
        assert sorted(z.namelist()) == sorted([JOB_POSTS, ROSTER])
        assert "修改记录" in load_workbook(io.BytesIO(z.read(ROSTER))).sheetnames
    # the same data as ``lingong-docs fix --format json``
    data = page.request.get(page.url + "?format=json").json()
    assert sorted(c["cell"] for c in data["changes"]) == ["B7", "C6", "D5", "K7"] and set(data) == {
        "target", "changes", "kept", "notes"}
    # continue with the corrected workbooks: re-checked, the findings at those cells are gone
    page.click("#use-fixed")
    page.wait_for_selector("#fixed-notice")
    shot(page, name, "3-continued")
    assert page.text_content("#verdict").strip().startswith("有 1 个错误")
    assert cells(page) == {("8", "C", "id-stored-as-number")}       # only what fix refused to guess is left
    def fix_versions():
        return [v for v in (server.workspace / "apps").glob("*/history/*")
                if '"action": "fix"' in (v / "entry.json").read_text(encoding="utf-8")]
    backups = [f for v in fix_versions() for f in (v / "files").glob("*.xlsx")]
    assert [b.name for b in backups] == [ROSTER]                # the replaced workbook is a version
    page.go_back()                                               # continuing twice replaces nothing more
    page.click("#use-fixed")
    page.wait_for_selector("#fixed-notice")
    assert len(fix_versions()) == 1 and load_workbook(backups[0]).active["C6"].value == canary["old_id"]
    page.close()


def test_fix_post_without_the_csrf_token_is_refused_and_unknown_runs_are_404(server):
    from helpers.browser import Client

    client = Client(server.url)
    status, _ = client.get("/apps")
    assert status == 200
    app_id = sorted((server.workspace / "apps").iterdir())[0].name
    runs = sorted((server.workspace / "apps" / app_id).glob("fixes/*"))
    assert client.post(f"/apps/{app_id}/fix", {})[0] == 403
    assert client.get(f"/apps/{app_id}/fix/../../meta.json")[0] == 404
    assert client.get(f"/apps/{app_id}/fix/20250101-000000-abcdef")[0] == 404
    assert client.post(f"/apps/{app_id}/fix/20250101-000000-abcdef/use",
                       {"csrf": client.csrf("/apps")})[0] == 404
    assert sorted((server.workspace / "apps" / app_id).glob("fixes/*")) == runs      # nothing was run
    for _ in range(4):                                           # only the newest runs are kept (full copies)
        assert client.post(f"/apps/{app_id}/fix", {"csrf": client.csrf("/apps")})[0] == 200
    assert len(list((server.workspace / "apps" / app_id).glob("fixes/*/result.json"))) == 3
