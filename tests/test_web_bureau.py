"""The bureau's pages: signed accepted, tampered rejected, one acceptance for simultaneous uploads."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from helpers.browser import Client, chromium, running_server, shot
from helpers.intake import RECEIVED, flip_byte_in_signed_range, make_signer, sign
from openpyxl import load_workbook

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
        page.click("#intake")
        page.wait_for_selector("article.receipt")
        shot(page, name, "1-verdicts")
        verdicts = {a.locator("h3").inner_text().split(" ")[1]: a.get_attribute("class").split()[1]
                    for a in page.locator("article.receipt").all()}
        assert verdicts == {"已签章.pdf": "accepted", "被改动.pdf": "rejected"}
        rejected = page.locator("article.receipt.rejected")
        assert rejected.locator("code").count() >= 1
        assert rejected.locator(".sig-broken, .sig-modified").count() >= 1
        assert page.locator("article.receipt.accepted .sig-valid").count() >= 1
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
                                                        "format": "json"}, [("packages", "材料包.pdf", package)])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
