"""Operator pages of ``fix``: the safe corrections in a copy, the changes listed, continue with them.

Each run of 自动修正 is ``api.fix`` (the same function as ``lingong-docs fix DIR -o OUT``) writing
into a fresh folder of the application's workspace::

    <workspace>/apps/<id>/fixes/<fix id>/application/   the corrected copy (修改记录 sheet inside)
    <workspace>/apps/<id>/fixes/<fix id>/result.json    FixResult.to_dict(), as ``fix --format json`` prints it
    <workspace>/apps/<id>/history/<version>/            workbooks replaced by 用修正后的表格继续 (restorable)

The page shows ``result.json`` as it is: the changes masked exactly as the CLI prints them (names
typed into free text included). Only the last ``KEEP_RUNS`` runs are kept: each is a full copy of
the application folder, personal data included.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import secrets
import shutil
import zipfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from lingong_docs import api
from lingong_docs.api import atomic_write_bytes
from lingong_docs.core.errors import LingongError
from lingong_docs.core.tables import spec
from lingong_docs.web.operator import XLSX, app_ref, download_response
from lingong_docs.web.pages import error_page, form, render, user
from lingong_docs.web.workspace import FIX_ID, TABLE_KINDS, AppRef, Versions, stage, table_file

RESULT_FILE = "result.json"
KEEP_RUNS = 3


def fixes_root(ref: AppRef) -> Path:
    return ref.folder.parent / "fixes"


def new_fix_id() -> str:
    return f"{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def fix_folder(ref: AppRef, fix_id: str) -> Path:
    """Return the folder of one fix run; 404 for an id the server did not make."""
    folder = fixes_root(ref) / fix_id
    if not FIX_ID.fullmatch(fix_id) or not (folder / RESULT_FILE).is_file():
        raise HTTPException(404)
    return folder


def run_fix(ref: AppRef) -> str:
    """Run ``api.fix`` on the application into a fresh folder; return the run's id."""
    fix_id = new_fix_id()
    folder = fixes_root(ref) / fix_id
    folder.mkdir(parents=True, mode=0o700)
    try:
        result = api.fix(ref.folder, folder / "application")
        data = json.dumps(result.to_dict(), ensure_ascii=False, indent=2).encode("utf-8")
        atomic_write_bytes(folder / RESULT_FILE, data)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    prune(ref)
    return fix_id


def prune(ref: AppRef, keep: int = KEEP_RUNS) -> None:
    """Remove all but the newest ``keep`` fix runs of an application (their ids sort by time)."""
    runs = sorted(p for p in fixes_root(ref).iterdir() if FIX_ID.fullmatch(p.name) and p.is_dir())
    for old in runs[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def corrected_tables(folder: Path) -> list[str]:
    """Return the table kinds whose corrected workbook exists in a fix run's copy."""
    return [k for k in TABLE_KINDS if table_file(folder / "application", k).is_file()]


async def start(request: Request) -> Response:
    ref = app_ref(request)
    upload = await form(request)
    upload.close()
    try:
        fix_id = await run_in_threadpool(run_fix, ref)
    except LingongError as e:
        return error_page(request, 400, "无法自动修正", e.message)
    request.app.state.workspace.audit(user(request), "fix", ref.id, fix_id)
    return RedirectResponse(f"/apps/{ref.id}/fix/{fix_id}", status_code=303)


async def fix_page(request: Request) -> Response:
    ref = app_ref(request)
    folder = fix_folder(ref, request.path_params["fix_id"])
    data = json.loads((folder / RESULT_FILE).read_text(encoding="utf-8"))
    if request.query_params.get("format") == "json":
        return JSONResponse(data)
    changed_files = {c["file"] for c in data["changes"]}
    return render(request, "fix.html", {
        "app": ref, "fix_id": folder.name, "data": data, "tables": corrected_tables(folder),
        "titles": {k: spec(k).title for k in TABLE_KINDS}, "changed_files": changed_files,
        "files": {k: spec(k).default_file for k in TABLE_KINDS}})


async def download(request: Request) -> Response:
    """One corrected workbook (``kind``) or all of them as a zip (``all``)."""
    ref = app_ref(request)
    folder = fix_folder(ref, request.path_params["fix_id"])
    kind = request.path_params["kind"]
    tables = corrected_tables(folder)
    request.app.state.workspace.audit(user(request), "download-fixed", ref.id, f"{folder.name} {kind}")
    if kind == "all":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for k in tables:
                z.write(table_file(folder / "application", k), spec(k).default_file)
        return download_response(buffer.getvalue(), "修正后的表格.zip", "application/zip")
    if kind not in tables:
        raise HTTPException(404)
    return download_response(table_file(folder / "application", kind).read_bytes(), spec(kind).default_file, XLSX)


def adopt(ref: AppRef, folder: Path, user: str) -> str:
    """Replace the application's workbooks with the corrected ones; the previous ones become a version."""
    staged = stage(ref)
    try:
        names = []
        for kind in corrected_tables(folder):
            shutil.copyfile(table_file(folder / "application", kind), table_file(staged, kind))
            names.append(table_file(staged, kind).name)
        return Versions(ref).replace(staged, names, user, "fix") or ""
    finally:
        shutil.rmtree(staged.parent, ignore_errors=True)


async def use(request: Request) -> Response:
    ref = app_ref(request)
    folder = fix_folder(ref, request.path_params["fix_id"])
    upload = await form(request)
    upload.close()
    stamp = await run_in_threadpool(adopt, ref, folder, user(request))
    request.app.state.workspace.audit(user(request), "use-fixed", ref.id, f"{folder.name} backup {stamp}")
    return RedirectResponse(f"/apps/{ref.id}/findings?fixed={folder.name}", status_code=303)


ROUTES = [
    Route("/apps/{app_id}/fix", start, methods=["POST"]),
    Route("/apps/{app_id}/fix/{fix_id}", fix_page),
    Route("/apps/{app_id}/fix/{fix_id}/download/{kind}", download),
    Route("/apps/{app_id}/fix/{fix_id}/use", use, methods=["POST"]),
]
