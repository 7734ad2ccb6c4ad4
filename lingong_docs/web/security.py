"""Safety of every request: session cookie, access tokens, CSRF tokens, response headers, access log.

- Without tokens (loopback only) everyone reaching the server is the one local user ``本机``.
- Only requests whose Host names this server (bound address and port, or ``--public-name``) are
  answered (421 otherwise: DNS rebinding); a form's Origin must be one of this server's origins.
- With tokens, a visitor is anonymous (sign-in page only) until they sign in with the token given to
  them; the session lives in the server (the cookie names it: HttpOnly, SameSite=Strict, Secure over
  HTTPS), ends at logout and expires. Bureau pages only for users given the bureau role.
- Every form carries a CSRF token derived from the session; a post without it is refused (403).
- Every response, errors included, forbids loading anything from another origin (Content-Security-
  Policy) and carries the other security headers; an unexpected error shows its type only (the
  masked traceback goes to the log with LINGONG_DEBUG=1).
- The access log names method, path (no query) and status, through the masking filter.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from lingong_docs.api import ScrubFilter
from lingong_docs.web.config import SESSION_IDLE_SECONDS, SESSION_MAX_SECONDS, ServeConfig, normal_host

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "lg_session"
LOCAL_USER = "本机"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),   # "no-referrer" would make browsers send "Origin: null"
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]
OPEN_PATHS = ("/login", "/static/", "/favicon.ico")

log = logging.getLogger("lingong_docs.web")


def access_logger() -> logging.Logger:
    """Return the access logger: one masked line per request on stderr."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.addFilter(ScrubFilter())
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


class Sessions:
    """Sessions kept by the server: a cookie ``<sid>.<mac>`` names one; logout or age ends it.

    A cookie whose session was revoked (logout), outlived ``idle`` seconds without use or ``longest``
    seconds in all, or was made by an earlier run of the server names nothing: the visitor starts a
    new, anonymous session.
    """

    MAX_SESSIONS = 10_000      # the oldest are dropped past this (a flood of anonymous visits)

    def __init__(self, secret: bytes, idle: float = SESSION_IDLE_SECONDS, longest: float = SESSION_MAX_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.secret = secret
        self.idle, self.longest, self.clock = idle, longest, clock
        self._live: dict[str, list] = {}          # sid → [user, created, last used]
        self._lock = threading.Lock()

    def _mac(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()[:40]

    def issue(self, user: str) -> str:
        sid = secrets.token_hex(16)
        now = self.clock()
        with self._lock:
            if len(self._live) >= self.MAX_SESSIONS:
                self._prune(now)
            self._live[sid] = [user, now, now]
        return f"{sid}.{self._mac(sid)}"

    def _prune(self, now: float) -> None:
        for sid in [s for s, v in self._live.items() if not self._fresh(v, now)]:
            del self._live[sid]
        while len(self._live) >= self.MAX_SESSIONS:
            del self._live[next(iter(self._live))]

    def _fresh(self, entry: list, now: float) -> bool:
        return now - entry[2] <= self.idle and now - entry[1] <= self.longest

    def read(self, cookie: str | None) -> tuple[str, str] | None:
        """Return (session id, user) of a live session this server issued, else None."""
        if not cookie or cookie.count(".") != 1:
            return None
        sid, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac(sid)):
            return None
        now = self.clock()
        with self._lock:
            entry = self._live.get(sid)
            if entry is None:
                return None
            if not self._fresh(entry, now):
                del self._live[sid]
                return None
            entry[2] = now
            return sid, entry[0]

    def revoke(self, sid: str) -> None:
        with self._lock:
            self._live.pop(sid, None)

    def csrf(self, sid: str) -> str:
        return self._mac(f"csrf|{sid}")

    def csrf_ok(self, sid: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf(sid), str(token))


class LoginLimiter:
    """Sign-in attempts per client address: past ``allowed`` failures in ``window`` seconds, wait.

    The lock-out holds for the rest of the window, the right token included, so guessing gains
    nothing; a success clears the address's count.
    """

    def __init__(self, allowed: int = 5, window: float = 600, clock: Callable[[], float] = time.monotonic) -> None:
        self.allowed, self.window, self.clock = allowed, window, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, address: str) -> int:
        """Return how long ``address`` must wait before trying again (0: it may try now)."""
        now = self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(address, []) if now - t < self.window]
            self._failures[address] = recent
            if len(recent) < self.allowed:
                return 0
            return int(recent[0] + self.window - now) + 1

    def failed(self, address: str) -> None:
        with self._lock:
            self._failures.setdefault(address, []).append(self.clock())
            if len(self._failures) > 10_000:
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)


def _cookie_of(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is no session
                return None
            morsel = jar.get(COOKIE)
            return morsel.value if morsel else None
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def same_origin(scope: Scope, config: ServeConfig) -> bool:
    """Return False when the browser says the request came from an origin other than this server's.

    The configured origins (scheme, bound address or ``--public-name``, port) are the measure, never
    the request's own Host header: a page of a hostile site whose name points at this machine sends
    a matching Host and Origin, and must still be refused.
    """
    origin = _header(scope, b"origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    if not parts.scheme or not parts.hostname:
        return False                     # "null" and the like: a sandboxed or opaque origin
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{normal_host(parts.netloc, default)}" in config.allowed_origins()


def host_allowed(scope: Scope, config: ServeConfig) -> bool:
    """Return True when the request's Host header names this server (DNS rebinding is refused)."""
    host = _header(scope, b"host")
    if not host:
        return False
    return normal_host(host, 443 if config.tls else 80) in config.allowed_hosts()


def area_of(path: str) -> str | None:
    """Return the role a path belongs to: ``bureau`` pages, ``operator`` pages, or None (shared)."""
    if path == "/bureau" or path.startswith("/bureau/"):
        return "bureau"
    if path in ("/apps", "/check") or path.startswith("/apps/"):
        return "operator"
    return None


def debug() -> bool:
    return os.environ.get("LINGONG_DEBUG", "") not in ("", "0")


class Guard:
    """ASGI middleware: Host check, session, sign-in, roles, security headers, errors, access log."""

    def __init__(self, app: ASGIApp, config: ServeConfig, sessions: Sessions) -> None:
        self.app = app
        self.config = config
        self.sessions = sessions
        self.log = access_logger()
        self.headers = list(HEADERS)
        if config.tls:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status = {"code": 0, "started": False}
        path = scope.get("path", "")
        session, new_cookie = self._session(scope)
        skip = dict(self.headers)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["started"] = message["status"], True
                headers = [h for h in message.get("headers", []) if h[0].lower() not in skip]
                headers.extend(self.headers)
                # a new session is handed out with pages only: the page's forms carry its CSRF
                # token, and a parallel style sheet or favicon request must not replace it
                if new_cookie and message["status"] == 200 and (b"content-type", b"text/html; charset=utf-8") in headers:
                    headers.append((b"set-cookie", cookie_header(new_cookie, self.config.tls).encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self._route(scope, receive, send_with_headers, session, path)
        except Exception as e:  # the visitor gets a page with the headers; no traceback
            self.log.error("内部错误（%s）%s %s", type(e).__name__, scope.get("method"), path)
            if debug():
                self.log.error("%s", "".join(traceback.format_exception(e)))
            if not status["started"]:
                await _plain(send_with_headers, 500, f"内部错误（{type(e).__name__}），未改动任何文件。请重试；"
                                                    "问题仍在时请把时间告诉管理员（服务器日志有记录）。")
        user = (session[1] if session else "") or "-"
        self.log.info("%s %s %s %s %.0fms", user, scope.get("method"), path, status["code"],
                      (time.monotonic() - started) * 1000)

    def _session(self, scope: Scope) -> tuple[tuple[str, str] | None, str | None]:
        session = self.sessions.read(_cookie_of(scope))
        new_cookie = None
        if session is None and host_allowed(scope, self.config):
            # a new visitor: the local user, or anonymous until signed in
            new_cookie = self.sessions.issue("" if self.config.tokens else LOCAL_USER)
            session = self.sessions.read(new_cookie)
        scope.setdefault("state", {})
        scope["state"]["session"] = session
        return session, new_cookie

    async def _route(self, scope: Scope, receive: Receive, send: Send, session: tuple[str, str] | None,
                     path: str) -> None:
        if not host_allowed(scope, self.config):
            await _plain(send, 421, "网址中的服务器名称与本服务器不符，请求被拒绝（防止其他网站冒用本机地址）。请用启动时显示的地址打开本页面。")
            return
        if (session is None or not session[1]) and not path.startswith(OPEN_PATHS):
            await _redirect("/login", send)
            return
        area = area_of(path)
        if area is not None and session is not None and area not in self.config.roles_of(session[1]):
            which = "区局页面只对给了区局角色（bureau）的用户开放" if area == "bureau" else \
                "申请页面只对给了经办人角色（operator）的用户开放"
            await _plain(send, 403, f"您的账户不能使用这一页面（{which}，角色写在令牌文件中）。")
            return
        await self.app(scope, receive, send)


def cookie_header(value: str, secure: bool = False) -> str:
    return f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")


async def _plain(send: Send, status: int, text: str) -> None:
    body = ("<!doctype html><html lang=zh-CN><meta charset=utf-8><title>请求被拒绝</title>"
            f"<link rel=stylesheet href=/static/style.css><main><h1 id=error-title>无法打开</h1>"
            f"<p id=error-message>{text}</p><p><a href=/>首页</a></p></main>").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _redirect(location: str, send: Send) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode()), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
