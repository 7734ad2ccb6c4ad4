"""Real headless Chromium (Debian's /usr/bin/chromium through Playwright) and a real ``serve``.

``running_server`` starts ``lingong-docs serve`` in a subprocess on 127.0.0.1 and a free port;
``chromium`` opens a fresh browser profile. Screenshots go to ``tests/screenshots/<test name>/``
(ignored by git) so a reviewer can look at what the browser showed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    workspace: Path
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def serve_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "lingong-docs"), "serve", *args]


@contextlib.contextmanager
def running_server(workspace: Path, *args: str, env: dict | None = None) -> Iterator[Server]:
    """Start ``serve`` on 127.0.0.1:<free port>; stop it when the block ends."""
    port = free_port()
    workspace.mkdir(parents=True, exist_ok=True)
    log_path = workspace.parent / f"serve-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(serve_command("--port", str(port), "--workspace", str(workspace), *args),
                                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                                cwd=workspace.parent)
    server = Server(f"http://127.0.0.1:{port}", workspace, proc, log_path)
    try:
        _wait_listening(port, proc, log_path)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_listening(port: int, proc: subprocess.Popen, log_path: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("serve exited: " + log_path.read_text(encoding="utf-8", errors="replace"))
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("serve did not start listening")


PAGE_TIMEOUT_MS = 600_000


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Yield a Playwright browser context of headless Chromium with a fresh profile."""
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, accept_downloads=True,
            locale="zh-CN", viewport={"width": 1280, "height": 900})
        # What a page waits for is the server's work (validate 5,200 rows, fix, build): on a shared,
        # loaded machine that takes far longer than Playwright's 30 s default. A wait is for an
        # outcome, not a speed test; a wrong page still fails, just later.
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        context.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
        expect.set_options(timeout=PAGE_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


def shot(page, test_name: str, name: str) -> Path:
    """Save a full-page screenshot to ``tests/screenshots/<test_name>/<name>.png``."""
    folder = SCREENSHOTS / test_name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# ---- plain HTTP (for what a browser cannot do at the same moment twice) ------------------------

class Client:
    """A cookie-keeping HTTP client of one server: a session and its CSRF token, like a browser tab."""

    def __init__(self, url: str) -> None:
        import http.cookiejar
        import urllib.request

        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, bytes]:
        import urllib.error

        try:
            with self.opener.open(self.url + path) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def csrf(self, path: str) -> str:
        import re

        _status, body = self.get(path)
        return re.search(rb'name="csrf" value="([0-9a-f]+)"', body).group(1).decode()

    def post(self, path: str, fields: dict[str, str], files: list[tuple[str, str, bytes]] = ()) -> tuple[int, bytes]:
        """Post a multipart form (``files``: (field, file name, bytes)) from this server's own origin."""
        import secrets
        import urllib.error
        import urllib.request

        boundary = "----lg" + secrets.token_hex(8)
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, filename, data in files:
            head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n").encode()
            parts.append(head + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.url + path, data=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Origin": self.url,
            "Accept": "text/html"})
        try:
            with self.opener.open(request) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
