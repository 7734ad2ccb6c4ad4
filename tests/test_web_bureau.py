"""The bureau's pages: signed accepted, tampered rejected, one acceptance for simultaneous uploads."""

from __future__ import annotations

import io
import json
import re
import threading
from pathlib import Path

import pytest
from helpers.browser import Client, chromium, running_server, shot
from helpers.intake import RECEIVED, flip_byte_in_signed_range, make_signer, sign
from openpyxl import load_workbook
from pypdf import PdfReader

KEY = "k" * 40


@pytest.fixture(scope="module")
def signer(tmp_path_factory):
    return make_signer(tmp_path_factory.mktemp("web-seal"))


@pytest.fixture(scope="module")
def server(tmp_path_factory, signer):
    root = tmp_path_factory.mktemp("web-bureau")
    _signer, cert = signer
    with running_server(root / "ws", "--role", "bureau", "--ledger", str(root / "ledger.sqlite"),
                        "--trust", str(cert), env={"LINGONG_LEDGER_KEY": KEY}) as srv:
        yield srv


def test_signed_accepted_tampered_rejected(server, signer, package_bytes, tmp_path):
    name = "test_signed_accepted_tampered_rejected"
    signed = sign(package_bytes, signer[0])
    tampered = flip_byte_in_signed_range(signed)
    (tmp_path / "已签章.pdf").write_bytes(signed)
    (tmp_path / "被改动.pdf").write_bytes(tampered)
    with chromium() as browser:
        page = browser.new_page()
        page.goto(server.url + "/bureau")
        page.set_input_files("#packages", [str(tmp_path / "已签章.pdf"), str(tmp_path / "被改动.pdf")])
        page.fill("#as_of", RECEIVED.isoformat())
        page.fill("#late_reason", "窗口纸质收件，今日补录")
        page.click("#intake", no_wait_after=True)                      # intake takes its time: wait below
        page.wait_for_selector("article.receipt", timeout=240_000)
        shot(page, name, "1-verdicts")
        verdicts = {a.locator("h3").inner_text().split(" ")[1]: a.get_attribute("class").split()[1]
                    for a in page.locator("article.receipt").all()}
        assert verdicts == {"已签章.pdf": "accepted", "被改动.pdf": "rejected"}
        rejected = page.locator("article.receipt.rejected")
        assert rejected.locator("code").count() >= 1
        assert rejected.locator(".sig-broken, .sig-modified").count() >= 1
        assert page.locator("article.receipt.accepted .sig-valid").count() >= 1
        heads = page.locator("article.receipt.accepted table.signatures th").all_inner_texts()
        assert heads == ["签章位置", "签章人", "证书颁发者", "签章时间", "状态"]
        places = page.locator("article.receipt.accepted table.signatures tbody td:first-child").all_inner_texts()
        assert places and all(re.search(r"[\u4e00-\u9fff]", p) and not re.search(r"[a-z]_[a-z]", p) for p in places)
        assert "Test Seal" in page.locator("article.receipt.accepted table.signatures").inner_text()
        assert "补录" in page.locator("article.receipt.accepted").inner_text()
        with page.expect_download() as receipt:
            page.locator("article.receipt.accepted a", has_text="PDF").click()
        assert Path(receipt.value.path()).read_bytes().startswith(b"%PDF")
        page.goto(server.url + "/bureau/ledger")
        shot(page, name, "2-ledger")
        assert page.locator("#ledger tbody tr").count() == 2
        with page.expect_download() as notice:
            page.click("#publicity")
        wb = load_workbook(io.BytesIO(Path(notice.value.path()).read_bytes()))
        cells = [str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None]
        assert any("北京示例人力资源有限公司" in c for c in cells)
        page.close()


def test_simultaneous_uploads_of_one_package_give_one_acceptance(signer, package_bytes, tmp_path):
    signed = sign(package_bytes, signer[0])
    with running_server(tmp_path / "ws", "--role", "bureau", "--ledger", str(tmp_path / "ledger.sqlite"),
                        "--trust", str(signer[1]), env={"LINGONG_LEDGER_KEY": KEY}) as server:
        results = _post_twice_at_once(server.url, signed)
    receipts = [json.loads(body)[0] for status, body in results if status == 200]
    assert len(receipts) == 2
    assert sorted(r["verdict"] for r in receipts) == ["accepted", "rejected"]
    rejected = next(r for r in receipts if r["verdict"] == "rejected")
    assert "duplicate-package" in {f["code"] for f in rejected["findings"]}


def _post_twice_at_once(url: str, package: bytes) -> list:
    clients = [Client(url) for _ in range(2)]
    tokens = [c.csrf("/bureau") for c in clients]
    results: list = [None, None]
    start = threading.Barrier(2)

    def post(i: int) -> None:
        start.wait()
        results[i] = clients[i].post("/bureau/intake", {"csrf": tokens[i], "as_of": RECEIVED.isoformat(),
                                                        "late_reason": "补录", "format": "json"},
                                     [("packages", "材料包.pdf", package)])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_pre_check_records_nothing_and_a_past_date_needs_a_reason(server, signer, package_bytes, tmp_path):
    name = "test_pre_check_records_nothing_and_a_past_date_needs_a_reason"
    (tmp_path / "预审.pdf").write_bytes(package_bytes)                   # unsigned: a pre-check still examines it
    with chromium() as browser:
        page = browser.new_page()
        page.goto(server.url + "/bureau/ledger")
        before = page.locator("#ledger tbody tr").count()
        page.goto(server.url + "/bureau")
        assert "不登记台账" in page.text_content("#precheck-hint")
        page.set_input_files("#packages", str(tmp_path / "预审.pdf"))
        page.fill("#as_of", RECEIVED.isoformat())                      # back-dated without a reason: refused
        page.click("#intake")
        page.wait_for_selector("#intake-problem")
        assert "原因" in page.text_content("#intake-problem")
        shot(page, name, "1-reason-needed")
        (tmp_path / "空文件.pdf").write_bytes(b"")                      # an empty file in the batch gets its answer too
        page.set_input_files("#packages", [str(tmp_path / "预审.pdf"), str(tmp_path / "空文件.pdf")])
        page.fill("#late_reason", "3月10日窗口收件，今日补录")
        page.check("#precheck")
        page.click("#intake", no_wait_after=True)                      # intake takes its time: wait below
        page.wait_for_selector("article.receipt", timeout=240_000)
        shot(page, name, "2-pre-checked")
        assert page.locator("article.receipt").count() == 2
        empty = page.locator("article.receipt", has_text="空文件.pdf")
        assert "不予受理" in empty.inner_text()
        article = page.locator("article.receipt", has_text="预审.pdf")
        number = article.get_attribute("data-receipt")
        assert number.startswith("YS") and "预审（未登记）" in article.inner_text()
        assert "补录，录入时间" in article.inner_text() and "3月10日窗口收件" in article.inner_text()
        with page.expect_download() as receipt:
            article.locator("a", has_text="PDF").click()
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(receipt.value.path()).read_bytes())).pages)
        flat = re.sub(r"\s", "", text)
        assert "2026年3月10日（补录，录入时间" in flat                      # printed as entered, the real time beside
        page.goto(server.url + "/bureau/ledger")
        assert page.locator("#ledger tbody tr").count() == before         # nothing recorded
        assert number not in page.content()
        page.close()
