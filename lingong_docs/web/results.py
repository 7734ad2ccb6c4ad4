"""Operator pages after the upload: figures with their reasoning and chart, background builds, downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from lingong_docs import api
from lingong_docs.api import yuan
from lingong_docs.core import findings as F
from lingong_docs.core.errors import LingongError
from lingong_docs.web.chart import month_chart
from lingong_docs.web.jobs import BuildJob
from lingong_docs.web.operator import app_ref, current_state, unreadable_page
from lingong_docs.web.pages import form, render, user
from lingong_docs.web.workspace import AppRef, input_hash, record_build


def titled(found: list[dict]) -> list[dict]:
    """Return figure findings with their Chinese title (the code stays for the small grey column)."""
    catalogue = F.catalogue()
    return [{**f, "title": catalogue.get(f["code"], {}).get("title", "")} for f in found]


async def figures_page(request: Request) -> Response:
    ref = app_ref(request)
    try:
        fig = await run_in_threadpool(api.compute, ref.folder)
    except LingongError as e:
        return unreadable_page(request, ref, e)
    data = fig.to_dict()  # type: ignore[union-attr]
    if request.query_params.get("format") == "json":
        return JSONResponse(data)
    months = fig.months.to_dict() if fig.months is not None else None  # type: ignore[union-attr]
    state = await run_in_threadpool(current_state, request, ref)
    return render(request, "figures.html", {
        "app": ref, "fig": data, "state": state, "readings": [r.to_dict() for r in api.reading_amounts(fig)],  # type: ignore[arg-type]
        "blocking": titled(data["blocking"]), "warnings": titled(data["warnings"]),
        "months": months, "chart": month_chart(months) if months else None,
        "money": {k: yuan(getattr(fig, k)) for k in ("operating_subsidy", "employment_subsidy", "total")}})


def _built(ref: AppRef) -> Any:
    def done(job: BuildJob, inputs: str) -> None:
        record_build(ref, inputs, [f["name"] for f in job.files], job.draft)
    return done


async def build(request: Request) -> Response:
    ref = app_ref(request)
    upload = await form(request)
    upload.close()
    draft = upload.fields.get("draft") == "1"
    inputs = await run_in_threadpool(input_hash, ref.folder)
    job = request.app.state.jobs.start(ref.id, ref.folder, ref.out, draft=draft, done=_built(ref), inputs=inputs)
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
