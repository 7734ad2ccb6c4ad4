"""The web application: routes of the roles served, state shared by the views, start-up sweep."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from lingong_docs.web import bureau, fixes, operator, results
from lingong_docs.web.config import ServeConfig, prepare_workspace
from lingong_docs.web.desk import Desk
from lingong_docs.web.jobs import BuildJobs
from lingong_docs.web.pages import HERE, form, http_error, render, session
from lingong_docs.web.security import Guard, LoginLimiter, Sessions, cookie_header


async def home(request: Request) -> Response:
    roles = request.app.state.config.roles_of(session(request)[1])
    if roles == {"operator"}:
        return RedirectResponse("/apps", status_code=303)
    if roles == {"bureau"}:
        return RedirectResponse("/bureau", status_code=303)
    return render(request, "home.html")


async def favicon(request: Request) -> Response:
    return Response(status_code=204)


async def login_page(request: Request) -> Response:
    return render(request, "login.html", {"failed": False})


async def login(request: Request) -> Response:
    upload = await form(request)
    upload.close()
    config: ServeConfig = request.app.state.config
    limiter: LoginLimiter = request.app.state.login_limiter
    address = request.client.host if request.client else "-"
    wait = limiter.wait_seconds(address)
    if wait:
        request.app.state.workspace.audit("-", "login", "", "locked")
        return render(request, "login.html", {"failed": False, "wait": (wait + 59) // 60}, status=429)
    name = config.user_of(upload.fields.get("token", "")) if config.tokens else None
    if name is None:
        limiter.failed(address)
        request.app.state.workspace.audit("-", "login", "", "refused")
        return render(request, "login.html", {"failed": True}, status=403)
    limiter.succeeded(address)
    request.app.state.sessions.revoke(session(request)[0])     # the anonymous session ends here
    request.app.state.workspace.audit(name, "login", "", "ok")
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", cookie_header(request.app.state.sessions.issue(name), config.tls))
    return response


async def logout(request: Request) -> Response:
    upload = await form(request)
    upload.close()
    sid, name = session(request)
    request.app.state.sessions.revoke(sid)                     # the old cookie names nothing from now on
    request.app.state.workspace.audit(name or "-", "logout", "", "ok")
    response = RedirectResponse("/login", status_code=303)
    response.headers.append("set-cookie", "lg_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict")
    return response


def create_app(config: ServeConfig) -> Starlette:
    """Return the ASGI application for ``config`` (the workspace is prepared and swept here)."""
    from lingong_docs.web.workspace import Workspace

    prepare_workspace(config.workspace)
    routes = [Route("/", home), Route("/favicon.ico", favicon), Route("/login", login_page), Route("/login", login, methods=["POST"]),
              Route("/logout", logout, methods=["POST"]),
              Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")]
    if config.operator:
        routes += operator.ROUTES + results.ROUTES + fixes.ROUTES
    if config.bureau:
        routes += bureau.ROUTES

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        desk = None
        if config.bureau:
            desk = Desk(config.ledger, config.ledger_key, app.state.workspace.receipts, config.trust)
            app.state.desk = desk
        try:
            yield
        finally:
            if desk is not None:
                desk.stop()

    sessions = Sessions(config.secret)
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(Guard, config=config, sessions=sessions)],
                    exception_handlers={HTTPException: http_error})
    app.state.config = config
    app.state.sessions = sessions
    app.state.login_limiter = LoginLimiter()
    app.state.workspace = Workspace(config.workspace)
    app.state.jobs = BuildJobs()
    app.state.checked = operator.Checked()
    return app
