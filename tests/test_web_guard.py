"""``serve`` refuses what is not its own: other Host names, other origins, old sessions, other users' work."""

from __future__ import annotations

import http.client
import re
import ssl
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import pytest
from helpers.browser import CHROMIUM, CHROMIUM_ARGS, Client, free_port, running_server, serve_command, shot

TOKENS = {"op1": "op1-" + "a" * 30, "op2": "op2-" + "b" * 30, "clerk": "clerk-" + "c" * 30}
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy",
                    "cache-control")


def _tokens(tmp_path: Path) -> Path:
    path = tmp_path / "tokens"
    path.write_text(f"op1 {TOKENS['op1']}\nop2 {TOKENS['op2']} operator\nclerk {TOKENS['clerk']} bureau\n",
                    encoding="utf-8")
    path.chmod(0o600)
    return path


def _raw(url: str, path: str, host: str, method: str = "GET", headers: dict | None = None,
         body: bytes = b"") -> tuple[int, dict, bytes]:
    port = int(url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers={"Host": host, **(headers or {})})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def test_other_host_names_are_refused_dns_rebinding(tmp_path):
    name = "test_other_host_names_are_refused_dns_rebinding"
    with running_server(tmp_path / "ws", "--role", "operator", "--public-name", "lingong.example.cn") as srv:
        port = srv.url.rsplit(":", 1)[1]
        client = Client(srv.url)
        app = _create(client)
        for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1:{int(port) + 1}"):
            status, headers, body = _raw(srv.url, app + "/annotated/roster", host)
            assert status == 421 and "北京" not in body.decode()
            assert all(h in headers for h in SECURITY_HEADERS)
        assert _raw(srv.url, "/apps", f"localhost:{port}")[0] in (200, 303)
        assert _raw(srv.url, "/apps", f"lingong.example.cn:{port}")[0] in (200, 303)      # --public-name
        # a post whose Origin is another site is refused even when it names this server's Host
        token = client.csrf("/apps")
        status, _h, _b = _raw(srv.url, "/apps", f"127.0.0.1:{port}", "POST",
                              {"Origin": f"http://evil.example:{port}",
                               "Content-Type": "application/x-www-form-urlencoded"}, f"csrf={token}".encode())
        assert status == 403
        # what a browser sees when a hostile name points at this machine
        from playwright.sync_api import sync_playwright

        with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, locale="zh-CN",
                args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP evil.example 127.0.0.1"])
            page = context.new_page()
            response = page.goto(f"http://evil.example:{port}/apps")
            assert response.status == 421
            assert "服务器名称与本服务器不符" in page.text_content("#error-message")
            shot(page, name, "rebinding-refused")
            context.close()


def _create(client: Client, applicant: str = "北京示例人力资源有限公司") -> str:
    token = client.csrf("/apps")
    status, body = client.post("/apps", {"csrf": token, "applicant": applicant, "uscc": "91110105MA01ABCD39",
                                         "year": "2025", "counting_mode": "按次", "date": "2026-03-05",
                                         "kind_运营经费补贴": "1"})
    assert status == 200, body[:500]
    return re.search(rb'action="(/apps/[0-9a-f]{12})/upload"', body).group(1).decode()


def _login(page, url: str, token: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=token]", token)
    page.click("form.narrow button")
    page.wait_for_load_state()


def test_logout_ends_the_session_and_each_user_sees_only_their_own(tmp_path):
    from helpers.browser import chromium

    name = "test_logout_ends_the_session_and_each_user_sees_only_their_own"
    with running_server(tmp_path / "ws", "--host", "0.0.0.0", "--allow-remote", "--tokens", str(_tokens(tmp_path)),
                        "--key-file", str(_key(tmp_path)), "--ledger", str(tmp_path / "ledger.sqlite")) as srv, \
            chromium() as browser:
        page = browser.new_page()
        _login(page, srv.url, TOKENS["op1"])
        assert page.url == srv.url + "/apps"                          # an operator only: straight to the list
        assert page.locator("header nav a", has_text="受理核验").count() == 0
        page.fill("#f-applicant", "北京一号人力资源有限公司")
        page.fill("#f-uscc", "91110105MA01ABCD39")
        page.fill("#f-year", "2025")
        page.click("#create")
        page.wait_for_url(re.compile(r"/apps/[0-9a-f]{12}$"))
        mine = page.url
        old_cookie = next(c["value"] for c in browser.cookies() if c["name"] == "lg_session")
        assert page.goto(srv.url + "/bureau").status == 403          # no bureau role
        shot(page, name, "1-no-bureau-role")
        page.goto(srv.url + "/apps")
        page.click("header button.link")                             # 退出
        page.wait_for_url(srv.url + "/login")
        # the old cookie names nothing any more
        request = urllib.request.Request(mine, headers={"Cookie": f"lg_session={old_cookie}"})
        opener = urllib.request.build_opener(_NoRedirect())
        with pytest.raises(urllib.error.HTTPError) as answer:
            opener.open(request)
        assert answer.value.code == 303 and answer.value.headers["location"] == "/login"
        _login(page, srv.url, TOKENS["op2"])
        assert "北京一号人力资源有限公司" not in page.text_content("main")  # op1's application is not listed
        assert page.goto(mine).status == 404                          # nor reachable by its address
        shot(page, name, "2-other-user")
        page.goto(srv.url + "/apps")
        page.click("header button.link")
        _login(page, srv.url, TOKENS["clerk"])
        assert page.url == srv.url + "/bureau"
        assert page.goto(srv.url + "/apps").status == 403            # a clerk has no operator pages
        shot(page, name, "3-clerk")
    audit = (tmp_path / "ws" / "audit.log").read_text(encoding="utf-8")
    assert '"action": "logout"' in audit and not any(t in audit for t in TOKENS.values())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_sign_in_attempts_are_rate_limited(tmp_path):
    from helpers.browser import chromium

    name = "test_sign_in_attempts_are_rate_limited"
    with running_server(tmp_path / "ws", "--host", "0.0.0.0", "--allow-remote",
                        "--tokens", str(_tokens(tmp_path))) as srv, chromium() as browser:
        page = browser.new_page()
        for i in range(5):
            _login(page, srv.url, f"wrong-token-{i}-" + "x" * 24)
            assert page.locator("#login-failed").count() == 1
        _login(page, srv.url, TOKENS["op1"])                           # locked: even the right token waits
        assert page.locator("#login-locked").count() == 1 and "分钟后再试" in page.text_content("#login-locked")
        shot(page, name, "locked")
        assert page.url.endswith("/login")


def test_an_internal_error_has_the_headers_and_no_traceback(tmp_path):
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "audit.log").mkdir()                          # the audit log cannot be written
    with running_server(tmp_path / "ws", "--role", "operator") as srv:
        client = Client(srv.url)
        token = client.csrf("/apps")
        request = urllib.request.Request(srv.url + "/apps", data=(
            f"csrf={token}&applicant=%E5%8C%97%E4%BA%AC&uscc=91110105MA01ABCD39&year=2025&counting_mode=%E6%8C%89%E6%AC%A1"
            "&kind_%E8%BF%90%E8%90%A5%E7%BB%8F%E8%B4%B9%E8%A1%A5%E8%B4%B4=1").encode(),
            headers={"Origin": srv.url, "Content-Type": "application/x-www-form-urlencoded"})
        with pytest.raises(urllib.error.HTTPError) as answer:
            client.opener.open(request)
        assert answer.value.code == 500
        assert all(answer.value.headers.get(h) for h in SECURITY_HEADERS)
        assert "IsADirectoryError" in answer.value.read().decode()
    log = srv.log()
    assert "内部错误（IsADirectoryError）" in log and "Traceback" not in log


def _key(tmp_path: Path, mode: int = 0o600) -> Path:
    key = tmp_path / "ledger.key"
    key.write_text("k" * 40, encoding="utf-8")
    key.chmod(mode)
    return key


def test_secret_files_must_be_private(tmp_path):
    result = subprocess.run(serve_command("--port", str(free_port()), "--workspace", str(tmp_path / "ws"),
                                          "--key-file", str(_key(tmp_path, 0o644))),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "serve-file-not-private" in result.stderr and "chmod 600" in result.stderr
    assert "k" * 40 not in result.stderr + result.stdout


def test_https_with_the_given_certificate(tmp_path):
    cert, key = _self_signed(tmp_path)
    with running_server(tmp_path / "ws", "--role", "operator", "--tls-cert", str(cert), "--tls-key", str(key)) as srv:
        url = srv.url.replace("http://", "https://")
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        with urllib.request.urlopen(url + "/apps", context=context) as r:
            assert r.status == 200
            assert r.headers["strict-transport-security"] and "Secure" in r.headers["set-cookie"]
        assert "https://127.0.0.1" in srv.log()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path
