"""The pieces of ``serve`` that decide who may do what, without a browser."""

from __future__ import annotations

import pytest

from lingong_docs.core.errors import ConfigError
from lingong_docs.web.config import check_bind, is_loopback, load_tokens, prepare_workspace, private_folder
from lingong_docs.web.security import Sessions

TOKEN = "x" * 30


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
                                                 ("localhost", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                                 ("::", False), ("example.org", False)])
def test_loopback_addresses(host, loopback):
    assert is_loopback(host) is loopback


def test_bind_needs_the_flag_and_tokens():
    check_bind("127.0.0.1", False, {})
    for allow, tokens in ((False, {}), (True, {}), (False, {TOKEN: "a"})):
        with pytest.raises(ConfigError) as e:
            check_bind("0.0.0.0", allow, tokens)
        assert e.value.code == "serve-remote-refused"
    check_bind("0.0.0.0", True, {TOKEN: "a"})


@pytest.mark.parametrize("text", ["a short\n", f"a {TOKEN}\na {TOKEN[::-1]}x\n", f"a {TOKEN}\nb {TOKEN}\n",
                                  f"a {TOKEN} extra\n", "# only a comment\n"])
def test_bad_token_files_refused(tmp_path, text):
    path = tmp_path / "tokens"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(ConfigError) as e:
        load_tokens(path)
    assert e.value.code == "serve-tokens-invalid" and TOKEN not in str(e.value)


def test_token_file_read(tmp_path):
    path = tmp_path / "tokens"
    path.write_text(f"# 受理窗口\nclerk1 {TOKEN}  # 一号窗口\nclerk2 {'y' * 24}\n", encoding="utf-8")
    path.chmod(0o600)
    assert load_tokens(path) == {TOKEN: "clerk1", "y" * 24: "clerk2"}


def test_session_cookie_cannot_be_forged_or_moved():
    sessions, other = Sessions(b"s" * 32), Sessions(b"t" * 32)
    cookie = sessions.issue("clerk1")
    sid, user = sessions.read(cookie)
    assert user == "clerk1"
    forged = "0" * 32 + cookie[32:]
    assert sessions.read(forged) is None and other.read(cookie) is None and sessions.read("a.b") is None
    second = sessions.read(sessions.issue("clerk1"))[0]
    assert sessions.csrf_ok(sid, sessions.csrf(sid)) and not sessions.csrf_ok(sid, sessions.csrf(second))
    assert not sessions.csrf_ok(sid, None) and not sessions.csrf_ok(sid, "")


def test_start_up_sweep_removes_only_the_servers_own_folders(tmp_path):
    (tmp_path / "uploads" / "u-stale").mkdir(parents=True)
    (tmp_path / "uploads" / "u-stale" / "f1").write_bytes(b"x")
    (tmp_path / "uploads" / "mine.txt").write_text("keep", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("keep", encoding="utf-8")
    prepare_workspace(tmp_path)
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == ["mine.txt"]
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep"
    assert (tmp_path / "uploads").stat().st_mode & 0o077 == 0


def test_start_up_sweep_keeps_the_folders_of_a_server_still_running(tmp_path):
    import os
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    uploads = tmp_path / "uploads"
    prepare_workspace(tmp_path)
    live = private_folder(uploads)                               # this process: a server still running
    assert live.name.startswith(f"u-{os.getpid()}-")
    dead = uploads / f"u-{int(gone.stdout)}-abc"
    dead.mkdir()
    (dead / "f1").write_bytes(b"x")
    (uploads / "u-stray").write_bytes(b"x")
    prepare_workspace(tmp_path)                                  # a second server starting on the workspace
    assert sorted(p.name for p in uploads.iterdir()) == [live.name]


def test_sessions_end_at_logout_and_expire():
    now = [1000.0]
    sessions = Sessions(b"s" * 32, idle=60, longest=300, clock=lambda: now[0])
    cookie = sessions.issue("clerk1")
    sid = sessions.read(cookie)[0]
    sessions.revoke(sid)
    assert sessions.read(cookie) is None                 # logged out: the old cookie names nothing
    cookie = sessions.issue("clerk1")
    now[0] += 59
    assert sessions.read(cookie) is not None             # used within the idle time
    now[0] += 61
    assert sessions.read(cookie) is None                 # idle too long
    cookie = sessions.issue("clerk1")
    for _ in range(6):
        now[0] += 55
        sessions.read(cookie)
    assert sessions.read(cookie) is None                 # no session lives longer than ``longest``


def test_login_attempts_are_limited_per_address():
    from lingong_docs.web.security import LoginLimiter

    now = [0.0]
    limiter = LoginLimiter(allowed=5, window=600, clock=lambda: now[0])
    for _ in range(5):
        assert limiter.wait_seconds("10.0.0.9") == 0
        limiter.failed("10.0.0.9")
    assert limiter.wait_seconds("10.0.0.9") > 0 and limiter.wait_seconds("10.0.0.8") == 0
    now[0] += 601
    assert limiter.wait_seconds("10.0.0.9") == 0


def test_token_file_roles(tmp_path):
    from lingong_docs.web.config import ServeConfig, load_users

    path = tmp_path / "tokens"
    path.write_text(f"op {TOKEN}\nclerk {'y' * 24} bureau\nboss {'z' * 24} operator,bureau\n", encoding="utf-8")
    path.chmod(0o600)
    tokens, roles = load_users(path)
    config = ServeConfig(workspace=tmp_path, tokens=tokens, roles=roles)
    assert config.roles_of("op") == {"operator"} and config.roles_of("clerk") == {"bureau"}
    assert config.roles_of("boss") == {"operator", "bureau"}
    assert ServeConfig(workspace=tmp_path, role="operator", tokens=tokens, roles=roles).roles_of("boss") == {"operator"}
    path.write_text(f"op {TOKEN} admin\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_users(path)


def test_hosts_and_origins_are_the_configured_ones(tmp_path):
    from lingong_docs.web.config import ServeConfig

    config = ServeConfig(workspace=tmp_path, host="127.0.0.1", port=8000, public_names=["lingong.example.cn"])
    assert {"127.0.0.1:8000", "localhost:8000", "lingong.example.cn:80", "lingong.example.cn:8000"} <= config.allowed_hosts()
    assert "evil.example:8000" not in config.allowed_hosts()
    assert "http://127.0.0.1:8000" in config.allowed_origins() and "http://evil.example:8000" not in config.allowed_origins()
