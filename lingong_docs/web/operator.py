"""Operator pages: create/open an application, blanks, uploads, findings, figures, build."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from lingong_docs import pipeline
from lingong_docs.core import findings as F
from lingong_docs.core.errors import LingongError
from lingong_docs.core.model import APPLICATION_FILE, Application, mask_value
from lingong_docs.core.policy import policy_for
from lingong_docs.core.tables import spec
from lingong_docs.identifiers import uscc as uscc_mod
from lingong_docs.util.money import cn_date
from lingong_docs.web.config import private_folder
from lingong_docs.web.pages import error_page, form, render, user
from lingong_docs.web.uploads import Upload
from lingong_docs.web.workspace import (
    EVIDENCE_SUFFIXES,
    EXTRA_FIELDS,
    FIX_ID,
    KIND_LABELS,
    TABLE_KINDS,
    AppRef,
    table_file,
)

CONTEXT_ROWS = 2            # rows shown above and below a finding
FINDINGS_PAGE = 500         # findings listed on one page (the JSON has them all)


# ---- inline checks (also used when the form is posted) --------------------------------------

def check_uscc(value: str) -> str | None:
    """Return the catalogue message of what is wrong with a credit code, else None."""
    code = uscc_mod.check(value)
    return None if code is None else F.make(code).message


def check_year(value: str, on: str = "") -> tuple[str | None, str, bool]:
    """Return (problem or None, the deadline sentence, late) for an application year.

    ``on`` is the application date (ISO; default today): past the deadline the year is still
    accepted here (``compute`` blocks the application), but the sentence says it is late.
    """
    try:
        year = int(value)
    except ValueError:
        return "申请年度应为四位数字，如 2025。", "", False
    policy = policy_for(year)
    try:
        day = dt.date.fromisoformat(on) if on else dt.date.today()
    except ValueError:
        day = dt.date.today()
    found = {f.code: f.message for f in policy.validity(year, day)}
    if "year-outside-policy" in found:
        return found["year-outside-policy"], "", False
    if "deadline-passed" in found:
        return None, found["deadline-passed"], True
    return None, f"{year}年度的申请截止日期：{cn_date(policy.deadline_for(year))}。", False


async def check(request: Request) -> Response:
    name, value = request.query_params.get("field", ""), request.query_params.get("value", "")
    late = False
    if name == "uscc":
        problem, note = check_uscc(value), ""
    elif name == "year":
        problem, note, late = check_year(value, request.query_params.get("date", ""))
    else:
        raise HTTPException(404)
    return JSONResponse({"ok": problem is None and not late, "message": problem or note})


# ---- the cache of validation results --------------------------------------------------------

class Checked:
    """The last read + validation of each application, redone when a file in it changed."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[tuple, Application, F.Report]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _stamp(folder: Path) -> tuple:
        return tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                            for p in folder.rglob("*") if p.is_file()))

    def get(self, ref: AppRef) -> tuple[Application, F.Report]:
        stamp = self._stamp(ref.folder)
        with self._lock:
            hit = self._cache.get(ref.id)
            if hit is not None and hit[0] == stamp:
                return hit[1], hit[2]
            app, report = pipeline.check(ref.folder)
            self._cache[ref.id] = (stamp, app, report)
            return app, report


# ---- pages ---------------------------------------------------------------------------------

def app_ref(request: Request) -> AppRef:
    ref = request.app.state.workspace.get(request.path_params["app_id"])
    if ref is None:
        raise HTTPException(404)
    return ref


async def apps(request: Request) -> Response:
    return render(request, "apps.html", {"apps": request.app.state.workspace.list(), "values": {},
                                         "errors": {}, "kinds": KIND_LABELS, "this_year": dt.date.today().year})


def _create_errors(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    if not values.get("applicant", "").strip():
        errors["applicant"] = "请填写申请单位全称（与公章一致）。"
    problem = check_uscc(values.get("uscc", ""))
    if problem:
        errors["uscc"] = problem
    problem, _, _late = check_year(values.get("year", ""), values.get("date", ""))
    if problem:
        errors["year"] = problem
    if values.get("counting_mode") not in ("按次", "按时长"):
        errors["counting_mode"] = "计次方式只能是“按次”或“按时长”。"
    return errors


async def create(request: Request) -> Response:
    upload = await form(request)
    upload.close()
    values = {k: v.strip() for k, v in upload.fields.items() if k != "csrf"}
    kinds = [k for k in KIND_LABELS if upload.fields.get(f"kind_{k}")]
    errors = _create_errors(values)
    if not kinds:
        errors["kinds"] = "请至少选择一项申请事项。"
    if errors:
        return render(request, "apps.html", {"apps": request.app.state.workspace.list(), "values": values,
                                             "errors": errors, "kinds": KIND_LABELS,
                                             "this_year": dt.date.today().year}, status=400)
    extra = {k: values.get(k, "") for k in EXTRA_FIELDS}
    ref = await run_in_threadpool(
        request.app.state.workspace.create, applicant=values["applicant"], uscc=values["uscc"],
        market=values.get("market", ""), year=int(values["year"]), extra=extra, kinds=kinds)
    request.app.state.workspace.audit(user(request), "create-application", ref.id)
    return RedirectResponse(f"/apps/{ref.id}", status_code=303)


async def app_page(request: Request) -> Response:
    ref = app_ref(request)
    files = {kind: table_file(ref.folder, kind).is_file() for kind in TABLE_KINDS}
    evidence = sorted(p.name for p in (ref.folder / "支付凭证").iterdir()
                      if p.is_file() and p.suffix.lower() in EVIDENCE_SUFFIXES)
    outputs = sorted(p.name for p in ref.out.glob("*.pdf")) if ref.out.is_dir() else []
    job = request.app.state.jobs.running_for(ref.id)
    return render(request, "app.html", {"app": ref, "files": files, "evidence": evidence, "outputs": outputs,
                                        "titles": {k: spec(k).title for k in TABLE_KINDS}, "job": job})


async def blank(request: Request) -> Response:
    """A fresh blank workbook (附件4 or 附件5) with this application's header, made by ``init``."""
    from lingong_docs.blanks import init_application

    ref = app_ref(request)
    kind = request.path_params["kind"]
    if kind not in TABLE_KINDS:
        raise HTTPException(404)
    tmp = private_folder(request.app.state.config.uploads)
    try:
        await run_in_threadpool(init_application, tmp / "a", year=ref.year, applicant=ref.applicant,
                                uscc=ref.uscc, market=ref.market)
        data = table_file(tmp / "a", kind).read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return download_response(data, spec(kind).default_file, XLSX)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_response(data: bytes, name: str, media_type: str) -> Response:
    from urllib.parse import quote

    return Response(data, media_type=media_type,
                    headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def _place(upload: Upload, ref: AppRef) -> list[str]:
    """Move the uploaded files into the application folder; return what went where (or problems)."""
    problems = []
    for kind in TABLE_KINDS:
        for f in upload.get(kind)[:1]:
            if f.suffix != ".xlsx":
                problems.append(f"“{f.name}”不是 .xlsx 文件，未使用。")
                continue
            shutil.move(str(f.path), table_file(ref.folder, kind))
    for f in upload.get("application")[:1]:
        if f.suffix not in (".yaml", ".yml"):
            problems.append(f"“{f.name}”不是申请文件（application.yaml），未使用。")
            continue
        shutil.move(str(f.path), ref.folder / APPLICATION_FILE)
    evidence = ref.folder / "支付凭证"
    for f in upload.get("evidence"):
        if f.suffix not in EVIDENCE_SUFFIXES or not f.name or f.name.startswith("."):
            problems.append(f"“{f.name}”不是 PDF/PNG/JPG 支付凭证，未使用。")
            continue
        shutil.move(str(f.path), evidence / f.name)
    return problems


async def upload_files(request: Request) -> Response:
    ref = app_ref(request)
    upload = await form(request)
    try:
        problems = _place(upload, ref)
    finally:
        upload.close()
    request.app.state.workspace.audit(user(request), "upload", ref.id, f"{len(upload.files)} files")
    if problems:
        return error_page(request, 400, "部分文件未使用", "；".join(problems))
    return RedirectResponse(f"/apps/{ref.id}/findings", status_code=303)


def _filtered(report: F.Report, severity: str, rule: str) -> list[tuple[int, F.Finding]]:
    return [(i, f) for i, f in enumerate(report.sorted())
            if (not severity or f.severity == severity) and (not rule or f.code == rule)]


def fixed_run(request: Request) -> str:
    """Return the fix run named in ``?fixed=`` (shown after 用修正后的表格继续), or ""."""
    run = request.query_params.get("fixed", "")
    return run if FIX_ID.fullmatch(run) else ""


async def findings(request: Request) -> Response:
    ref = app_ref(request)
    try:
        _app, report = await run_in_threadpool(request.app.state.checked.get, ref)
    except LingongError as e:
        return error_page(request, 400, "无法读取", e.message)
    if request.query_params.get("format") == "json":
        return JSONResponse(report.to_dict())
    severity, rule = request.query_params.get("severity", ""), request.query_params.get("rule", "")
    rows = _filtered(report, severity, rule)
    return render(request, "findings.html", {
        "app": ref, "report": report, "rows": rows[:FINDINGS_PAGE], "shown": len(rows),
        "severity": severity, "rule": rule, "fixed": fixed_run(request), "codes": sorted(report.by_code().items()),
        "tables": [k for k in TABLE_KINDS if table_file(ref.folder, k).is_file()],
        "titles": {k: spec(k).title for k in TABLE_KINDS}})


def context_rows(app: Application, finding: F.Finding) -> dict[str, Any] | None:
    """Return the header and masked rows of the workbook around ``finding`` (None: no row)."""
    table = next((t for t in app.tables if t.path.name == finding.file), None)
    if table is None or not finding.row:
        return None
    keys = [c.key for c in table.spec.columns if c.key in table.columns]
    wanted = range(finding.row - CONTEXT_ROWS, finding.row + CONTEXT_ROWS + 1)
    names = table.personal_names()       # names typed into free text (备注, 工作地点岗位) are masked too
    rows = [{"row": r.row, "cells": [mask_value(table.spec, k, r.get(k), names) for k in keys]}
            for r in table.records if r.row in wanted]
    return {"sheet": table.sheet, "columns": [table.columns[k] for k in keys],
            "headers": [table.spec.column(k).header for k in keys], "rows": rows,
            "row": finding.row, "column": finding.column}


async def context(request: Request) -> Response:
    ref = app_ref(request)
    app, report = await run_in_threadpool(request.app.state.checked.get, ref)
    try:
        finding = report.sorted()[int(request.path_params["n"])]
    except (ValueError, IndexError):
        raise HTTPException(404) from None
    return render(request, "context.html", {"ctx": context_rows(app, finding), "f": finding})


async def annotated(request: Request) -> Response:
    from lingong_docs.validate.annotate import annotate

    ref = app_ref(request)
    kind = request.path_params["kind"]
    if kind not in TABLE_KINDS or not table_file(ref.folder, kind).is_file():
        raise HTTPException(404)
    _app, report = await run_in_threadpool(request.app.state.checked.get, ref)
    source = table_file(ref.folder, kind)
    tmp = private_folder(request.app.state.config.uploads)
    try:
        target = await run_in_threadpool(annotate, source, tmp / "标注.xlsx", report.findings)
        data = target.read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    request.app.state.workspace.audit(user(request), "download-annotated", ref.id, kind)
    return download_response(data, f"{source.stem}_标注.xlsx", XLSX)


ROUTES = [
    Route("/check", check),
    Route("/apps", apps),
    Route("/apps", create, methods=["POST"]),
    Route("/apps/{app_id}", app_page),
    Route("/apps/{app_id}/blank/{kind}", blank),
    Route("/apps/{app_id}/upload", upload_files, methods=["POST"]),
    Route("/apps/{app_id}/findings", findings),
    Route("/apps/{app_id}/context/{n:int}", context),
    Route("/apps/{app_id}/annotated/{kind}", annotated),
]
