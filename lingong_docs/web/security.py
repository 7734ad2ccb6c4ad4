"""Safety of every request: session cookie, access tokens, CSRF tokens, response headers, access log.

- Without tokens (loopback only) everyone reaching the server is the one local user ``本机``.
- With tokens, a visitor is anonymous (sign-in page only) until they sign in with the token given to them; the session cookie carries the
  user name signed with the server's secret (HttpOnly, SameSite=Strict).
- Every form carries a CSRF token derived from the session; a post without it is refused (403).
- Every response forbids loading anything from another origin (Content-Security-Policy).
- The access log names method, path (no query) and status, through the masking filter.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from lingong_docs.util.pii import ScrubFilter
from lingong_docs.web.config import ServeConfig

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
    """Signed session cookies ``<sid>.<user hex>.<mac>`` and the CSRF token of each session."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def _mac(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()[:40]

    def issue(self, user: str) -> str:
        body = f"{secrets.token_hex(16)}.{user.encode().hex()}"
        return f"{body}.{self._mac(body)}"

    def read(self, cookie: str | None) -> tuple[str, str] | None:
        """Return (session id, user) of a cookie this server signed, else None."""
        if not cookie or cookie.count(".") != 2:
            return None
        sid, user_hex, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac(f"{sid}.{user_hex}")):
            return None
        try:
            return sid, bytes.fromhex(user_hex).decode()
        except ValueError:
            return None

    def csrf(self, sid: str) -> str:
        return self._mac(f"csrf|{sid}")

    def csrf_ok(self, sid: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf(sid), str(token))


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


def same_origin(scope: Scope) -> bool:
    """Return False when the browser says the request came from another origin."""
    origin = _header(scope, b"origin")
    if origin is None or origin == "null":
        return origin is None
    host = _header(scope, b"host") or ""
    return urlsplit(origin).netloc == host


class Guard:
    """ASGI middleware: session, sign-in when tokens are set, security headers, access log."""

    def __init__(self, app: ASGIApp, config: ServeConfig, sessions: Sessions) -> None:
        self.app = app
        self.config = config
        self.sessions = sessions
        self.log = access_logger()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        session = self.sessions.read(_cookie_of(scope))
        new_cookie = None
        if session is None:   # a new visitor: the local user, or anonymous until signed in
            new_cookie = self.sessions.issue("" if self.config.tokens else LOCAL_USER)
            session = self.sessions.read(new_cookie)
        scope.setdefault("state", {})
        scope["state"]["session"] = session
        status = {"code": 0}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() not in dict(HEADERS)]
                headers.extend(HEADERS)
                # a new session is handed out with pages only: the page's forms carry its CSRF
                # token, and a parallel style sheet or favicon request must not replace it
                if new_cookie and message["status"] == 200 and (b"content-type", b"text/html; charset=utf-8") in headers:
                    headers.append((b"set-cookie", cookie_header(new_cookie).encode()))
                message["headers"] = headers
            await send(message)

        path = scope.get("path", "")
        if (session is None or not session[1]) and not path.startswith(OPEN_PATHS):
            await _redirect("/login", send_with_headers)
        else:
            await self.app(scope, receive, send_with_headers)
        user = (session[1] if session else "") or "-"
        self.log.info("%s %s %s %s %.0fms", user, scope.get("method"), path, status["code"],
                      (time.monotonic() - started) * 1000)


def cookie_header(value: str) -> str:
    return f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict"


async def _redirect(location: str, send: Send) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode()), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
