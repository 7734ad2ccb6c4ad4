"""Shared pieces of the views: templates, the CSRF-checked form, error pages."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from lingong_docs.api import __version__, yuan
from lingong_docs.core import kinds
from lingong_docs.core.findings import SEVERITY_ZH
from lingong_docs.web import uploads
from lingong_docs.web.security import Sessions, same_origin

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals.update(severity_zh=SEVERITY_ZH, version=__version__)
templates.env.filters["kind_zh"] = kinds.label
CLI_HINT = re.compile(r"lingong-docs [a-z]|(?:^|[\s，（(用加])--?[a-z]")


def page_hint(text: str | None) -> str:
    """Return a hint as the page shows it: one that tells a command-line step is left out (the page has a button)."""
    return "" if not text or CLI_HINT.search(text) else text


templates.env.filters["page_hint"] = page_hint
templates.env.filters["yuan"] = lambda text: yuan(Decimal(str(text))) if text not in (None, "") else ""

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def session(request: Request) -> tuple[str, str]:
    found = request.scope["state"].get("session")
    if found is None:
        raise HTTPException(401)
    return found


def user(request: Request) -> str:
    return session(request)[1]


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    """Render template ``name`` with the user, role and the session's CSRF token."""
    state = request.app.state
    found = request.scope["state"].get("session")
    who = found[1] if found else None
    ctx = {"user": who, "csrf": state.sessions.csrf(found[0]) if found else "",
           "config": state.config, "roles": state.config.roles_of(who) if who else frozenset()}
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    return render(request, "error.html", {"title": title, "message": message}, status=status)


async def form(request: Request) -> uploads.Upload:
    """Return the posted form (files in a private folder) after checking origin and CSRF token.

    The caller must ``close()`` the result. Raises HTTPException 403 (CSRF), 413 (too large),
    400 (malformed).
    """
    sessions: Sessions = request.app.state.sessions
    sid = session(request)[0]
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in FORM_TYPES or not same_origin(request.scope, request.app.state.config):
        raise HTTPException(403)
    root = request.app.state.config.uploads
    if ctype == "multipart/form-data":
        try:
            upload = await uploads.receive(request, root, request.app.state.config.max_upload_bytes)
        except uploads.UploadTooLarge:
            raise HTTPException(413) from None
        except uploads.BadUpload:
            raise HTTPException(400) from None
    else:
        body = await _small_body(request)
        upload = uploads.Upload(Path(root))
        from urllib.parse import parse_qsl

        upload.fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        upload.folder = root / "-"   # nothing to remove
    if not sessions.csrf_ok(sid, upload.fields.get("csrf")):
        upload.close()
        raise HTTPException(403)
    return upload


async def _small_body(request: Request, limit: int = 200_000) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413)
    return body


ERRORS = {
    400: ("请求无效", "提交的内容格式不对，请回到上一页重新提交。"),
    401: ("需要登录", "请先用访问令牌登录。"),
    403: ("请求被拒绝", "表单已过期或来自其他网站（缺少或不匹配的安全令牌）。请回到上一页，刷新后重新提交。"),
    404: ("没有找到", "没有这个页面或文件。"),
    413: ("文件太大", "上传的文件超过了本服务器允许的大小（{limit}）。请检查是否选错了文件；"
                     "确需上传更大的文件，请让管理员调高上传上限。"),
}


async def http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    title, message = ERRORS.get(status, ("出错了", "服务器遇到意外情况，请稍后重试。"))
    limit = request.app.state.config.max_upload_bytes
    message = message.format(limit=f"{limit / 1024 / 1024:g} MB")
    if request.headers.get("accept", "").startswith("application/json"):
        return Response(status_code=status)
    return error_page(request, status, title, message)
