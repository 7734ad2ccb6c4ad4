"""``serve`` is safe by default: loopback only, tokens, CSRF, upload limits, CSP, nothing personal logged."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from helpers.browser import Client, chromium, free_port, running_server, serve_command, shot
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "samples" / "broken"
ROSTER = "附件5_撮合服务成功人员花名册.xlsx"
TOKEN = "t0k3n-" + "a1b2c3d4" * 4


def _create(client: Client) -> str:
    token = client.csrf("/apps")
    status, body = client.post("/apps", {"csrf": token, "applicant": "北京示例人力资源有限公司",
                                         "uscc": "91110105MA01ABCD39", "year": "2025", "counting_mode": "按次",
                                         "date": "2026-03-05", "kind_运营经费补贴": "1"})
    assert status == 200
    return re.search(rb'action="(/apps/[0-9a-f]{12})/upload"', body).group(1).decode()


@pytest.mark.parametrize("extra", [[], ["--allow-remote"]])
def test_non_loopback_address_refused_without_tokens(tmp_path, extra):
    result = subprocess.run(serve_command("--host", "0.0.0.0", "--port", str(free_port()),
                                          "--workspace", str(tmp_path / "ws"), *extra),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "serve-remote-refused" in result.stderr and "--tokens" in result.stderr
    assert "Traceback" not in result.stderr


def test_tokens_file_readable_by_others_refused(tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text(f"clerk1 {TOKEN}\n", encoding="utf-8")
    tokens.chmod(0o644)
    result = subprocess.run(serve_command("--host", "0.0.0.0", "--allow-remote", "--tokens", str(tokens),
                                          "--port", str(free_port()), "--workspace", str(tmp_path / "ws")),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "serve-tokens-invalid" in result.stderr


def test_remote_with_tokens_needs_sign_in_and_audits_who(tmp_path):
    name = "test_remote_with_tokens_needs_sign_in_and_audits_who"
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# 区局受理窗口\nclerk1 {TOKEN}\nclerk2 {TOKEN[::-1]}\n", encoding="utf-8")
    tokens.chmod(0o600)
    with running_server(tmp_path / "ws", "--host", "0.0.0.0", "--allow-remote", "--tokens", str(tokens)) as srv, \
            chromium() as browser:
        page = browser.new_page()
        page.goto(srv.url + "/apps")
        assert page.url == srv.url + "/login"           # nothing but the sign-in page without a token
        page.fill("input[name=token]", "wrong-" + TOKEN)
        page.click("button")
        assert page.locator("#login-failed").count() == 1
        page.fill("input[name=token]", TOKEN)
        page.click("button")
        page.goto(srv.url + "/apps")
        assert page.url == srv.url + "/apps" and "clerk1" in page.text_content("header")
        shot(page, name, "signed-in")
        audit = (tmp_path / "ws" / "audit.log").read_text(encoding="utf-8")
    assert '"user": "clerk1", "action": "login"' in audit and '"result": "refused"' in audit
    assert TOKEN not in audit and TOKEN not in srv.log()


def test_oversized_upload_gets_a_clear_page_and_leaves_nothing(tmp_path):
    name = "test_oversized_upload_gets_a_clear_page_and_leaves_nothing"
    big = tmp_path / "附件5_太大.xlsx"
    big.write_bytes(os.urandom(3 * 1024 * 1024))
    with running_server(tmp_path / "ws", "--role", "operator", "--max-upload-mb", "1") as srv, \
            chromium() as browser:
        app = _create(Client(srv.url))
        page = browser.new_page()
        page.goto(srv.url + app)
        page.set_input_files("#u-roster", str(big))
        with page.expect_response(lambda r: r.url.endswith("/upload")) as answer:
            page.click("#upload")
        assert answer.value.status == 413
        assert page.text_content("#error-title") == "文件太大"
        assert "1 MB" in page.text_content("#error-message")
        shot(page, name, "too-large")
        assert list((tmp_path / "ws" / "uploads").iterdir()) == []


def test_form_without_csrf_token_or_from_elsewhere_is_refused(tmp_path):
    name = "test_form_without_csrf_token_or_from_elsewhere_is_refused"
    with running_server(tmp_path / "ws", "--role", "operator") as srv, chromium() as browser:
        client = Client(srv.url)
        token = client.csrf("/apps")
        fields = {"applicant": "北京示例人力资源有限公司", "uscc": "91110105MA01ABCD39", "year": "2025",
                  "counting_mode": "按次", "kind_运营经费补贴": "1"}
        assert client.post("/apps", fields)[0] == 403                              # no token
        assert client.post("/apps", {**fields, "csrf": "0" * 40})[0] == 403        # a wrong one
        other = Client(srv.url)
        other.get("/apps")
        assert other.post("/apps", {**fields, "csrf": token})[0] == 403            # another session's token
        assert list((tmp_path / "ws" / "apps").iterdir()) == []
        page = browser.new_page()                                                  # the browser's view of it
        page.goto(srv.url + "/apps")
        page.locator("#create-form input[name=csrf]").evaluate("e => { e.value = 'forged'; }")
        page.fill("#f-applicant", "北京示例人力资源有限公司")
        page.fill("#f-uscc", "91110105MA01ABCD39")
        page.fill("#f-year", "2025")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("#create")
        shot(page, name, "refused")
        assert answer.value.status == 403
        assert page.text_content("#error-title") == "请求被拒绝"
        shot(page, name, "refused")
        assert list((tmp_path / "ws" / "apps").iterdir()) == []


def test_pages_load_nothing_from_outside_and_log_nothing_personal(tmp_path):
    name = "test_pages_load_nothing_from_outside_and_log_nothing_personal"
    ids = {str(c.value) for c in load_workbook(BROKEN / ROSTER)["附件5"]["C"] if c.value and len(str(c.value)) >= 15}
    stale = tmp_path / "ws" / "uploads" / "u-left-by-a-crash"
    stale.mkdir(parents=True)
    requests, headers = [], []
    with running_server(tmp_path / "ws", "--key-file", str(_key(tmp_path)), "--ledger",
                        str(tmp_path / "ledger.sqlite")) as srv, chromium() as browser:
        assert not stale.exists()                                   # swept at start
        browser.on("request", lambda r: requests.append(r.url))
        browser.on("response", lambda r: headers.append(r.headers.get("content-security-policy", "")))
        page = browser.new_page()
        page.goto(srv.url + "/apps")
        page.fill("#f-applicant", "北京错误示例人力资源有限公司")
        page.fill("#f-uscc", "91110105MA01ABCD39")
        page.fill("#f-year", "2025")
        page.fill("#f-date", "2026-03-05")
        page.click("#create")
        page.set_input_files("#u-roster", str(BROKEN / ROSTER))
        page.click("#upload")
        page.wait_for_selector("#findings")
        page.locator("a[data-context]").first.click()
        page.wait_for_selector(".context")
        html = [page.content()]
        for path in ("figures", ""):
            page.goto(page.url.split("/findings")[0] + ("/" + path if path else ""))
            html.append(page.content())
        for path in ("/", "/bureau", "/bureau/ledger"):
            page.goto(srv.url + path)
            html.append(page.content())
        shot(page, name, "ledger")
        assert list((tmp_path / "ws" / "uploads").iterdir()) == []   # the upload's folder is gone
    assert requests and all(u.startswith(srv.url + "/") for u in requests)
    assert all("default-src 'none'" in h for h in headers)
    for text in html:
        assert not re.search(r"""(?:src|href|action)=["'](?:https?:)?//""", text)
    logs = srv.log() + (tmp_path / "ws" / "audit.log").read_text(encoding="utf-8")
    assert ids and not any(i in logs or i in "".join(html) for i in ids)
    assert "k" * 40 not in "".join(html) and "k" * 40 not in logs     # the ledger key never shows


def _key(tmp_path: Path) -> Path:
    key = tmp_path / "ledger.key"
    key.write_text("k" * 40, encoding="utf-8")
    key.chmod(0o600)
    return key


def test_uploaded_file_names_never_become_paths(tmp_path):
    with running_server(tmp_path / "ws", "--role", "operator") as srv:
        client = Client(srv.url)
        app = _create(client)
        names = ["../../../逃逸.pdf", "..\\..\\盘符.pdf", "\u202egpj.pdf", "/etc/passwd.pdf"]
        status, _body = client.post(app + "/upload", {"csrf": client.csrf(app)},
                                    [("evidence", n, b"%PDF-1.4 test") for n in names])
        assert status == 200
    stored = sorted(p.name for p in (tmp_path / "ws" / "apps").glob("*/application/支付凭证/*.pdf"))
    assert stored == sorted(["逃逸.pdf", "盘符.pdf", "gpj.pdf", "passwd.pdf"])
    outside = [p for p in tmp_path.rglob("*.pdf") if "支付凭证" not in p.parts]
    assert outside == []
