"""The pieces of ``serve`` that decide who may do what, without a browser."""

from __future__ import annotations

import pytest

from lingong_docs.core.errors import ConfigError
from lingong_docs.web.config import check_bind, is_loopback, load_tokens, prepare_workspace
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
    forged = cookie.replace(b"clerk1".hex(), b"admin".hex())
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
