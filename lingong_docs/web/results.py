"""Operator pages after the upload: figures with their reasoning, background builds, downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

import lingong_docs as lg
from lingong_docs.compute import reading_amounts
from lingong_docs.core.errors import LingongError
from lingong_docs.util.money import yuan
from lingong_docs.web.operator import app_ref
from lingong_docs.web.pages import error_page, form, render, user


def readings(figures: Any) -> list[dict]:
    """Return, per reading of the count, the 个次 and the subsidies that reading gives (第九、十条)."""
    return [{"key": r.key, "label": r.label, "count": r.count, "passed": r.amounts.operating_passed,
             "operating": yuan(r.amounts.operating_subsidy), "employment": yuan(r.amounts.employment_subsidy),
             "same": r.same_tier} for r in reading_amounts(figures)]


async def figures_page(request: Request) -> Response:
    ref = app_ref(request)
    try:
        fig = await run_in_threadpool(lg.compute, ref.folder)
    except LingongError as e:
        return error_page(request, 400, "无法计算", e.message)
    data = fig.to_dict()  # type: ignore[union-attr]
    if request.query_params.get("format") == "json":
        return JSONResponse(data)
    return render(request, "figures.html", {"app": ref, "fig": data, "readings": readings(fig),
                                            "money": {k: yuan(getattr(fig, k)) for k in
                                                      ("operating_subsidy", "employment_subsidy", "total")}})


async def build(request: Request) -> Response:
    ref = app_ref(request)
    upload = await form(request)
    upload.close()
    draft = upload.fields.get("draft") == "1"
    job = request.app.state.jobs.start(ref.id, ref.folder, ref.out, draft=draft)
    request.app.state.workspace.audit(user(request), "build", ref.id, "draft" if draft else "final")
    return RedirectResponse(f"/apps/{ref.id}/build/{job.id}", status_code=303)


def _job(request: Request) -> Any:
    job = request.app.state.jobs.get(request.path_params["job_id"])
    if job is None or job.app_id != request.path_params["app_id"]:
        raise HTTPException(404)
    return job


async def build_page(request: Request) -> Response:
    ref = app_ref(request)
    return render(request, "build.html", {"app": ref, "job": _job(request).to_dict()})


async def build_status(request: Request) -> Response:
    app_ref(request)
    return JSONResponse(_job(request).to_dict())


async def output(request: Request) -> Response:
    """A built package; only names that are in the output folder are served."""
    ref = app_ref(request)
    name = request.path_params["name"]
    files = {p.name: p for p in ref.out.glob("*.pdf")} if ref.out.is_dir() else {}
    path: Path | None = files.get(name)
    if path is None:
        raise HTTPException(404)
    request.app.state.workspace.audit(user(request), "download-package", ref.id, path.name)
    return FileResponse(path, media_type="application/pdf", filename=path.name)


ROUTES = [
    Route("/apps/{app_id}/figures", figures_page),
    Route("/apps/{app_id}/build", build, methods=["POST"]),
    Route("/apps/{app_id}/build/{job_id}", build_page),
    Route("/apps/{app_id}/build/{job_id}/status", build_status),
    Route("/apps/{app_id}/out/{name}", output),
]
