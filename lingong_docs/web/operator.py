"""Operator pages: the list, create/edit an application, uploads with versions, findings."""

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

from lingong_docs import api
from lingong_docs.core import findings as F
from lingong_docs.core import kinds as K
from lingong_docs.core.errors import LingongError
from lingong_docs.core.model import APPLICATION_FILE, Application, ApplicationInfo, mask_value
from lingong_docs.core.tables import spec
from lingong_docs.web.config import private_folder
from lingong_docs.web.pages import form, page_hint, render, user
from lingong_docs.web.state import AppState, group_findings, state_of
from lingong_docs.web.uploads import Upload
from lingong_docs.web.workspace import (
    EVIDENCE,
    EVIDENCE_SUFFIXES,
    FIX_ID,
    TABLE_KINDS,
    AppRef,
    Versions,
    input_hash,
    last_build,
    stage,
    table_file,
)

CONTEXT_ROWS = 2            # rows shown above and below a finding
FINDINGS_PAGE = 500         # findings listed on one page (the JSON has them all)
DETAIL_FIELDS = ("applicant", "uscc", "market", "year", "counting_mode", "date", "legal_rep", "contact",
                 "contact_phone", "address")


# ---- inline checks (also used when the form is posted) --------------------------------------

def check_uscc(value: str) -> str | None:
    """Return the catalogue message of what is wrong with a credit code, else None."""
    found = api.check_credit_code(value)
    return None if found is None else found.message


def check_year(value: str, on: str = "") -> tuple[str | None, str, bool]:
    """Return (problem or None, the deadline sentence, late) for an application year.

    The year's notes come from the one shared check (``init`` says the same): outside the policy
    refuses the year; past the deadline it is accepted here (``compute`` blocks the application)
    but said.
    """
    try:
        year = int(value)
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        return "申请年度应为四位数字，如 2025。", "", False
    try:
        day = dt.date.fromisoformat(on) if on else dt.date.today()
    except ValueError:
        day = dt.date.today()
    notes = api.year_notes(year, day)
    outside = next((n for n in notes if n.code == "year-outside-policy"), None)
    if outside is not None:
        return outside.message, "", False
    late = next((n for n in notes if n.code == "deadline-passed"), None)
    if late is not None:
        return None, late.message, True
    return None, f"{year}年度的申请截止日期：{api.deadline(year):%Y年%-m月%-d日}。", False


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

def read_and_check(folder: Path) -> tuple[Application, F.Report]:
    """Return the application folder as read and its report (raises ``LingongError`` when unreadable)."""
    app = api.read(folder)
    return app, api.validate(app)


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
        """Return the application and its report; raises ``LingongError`` when a file cannot be read."""
        stamp = self._stamp(ref.folder)
        with self._lock:
            hit = self._cache.get(ref.id)
            if hit is not None and hit[0] == stamp:
                return hit[1], hit[2]
        app, report = read_and_check(ref.folder)
        self.put(ref, app, report)
        return app, report

    def put(self, ref: AppRef, app: Application, report: F.Report) -> None:
        with self._lock:
            self._cache[ref.id] = (self._stamp(ref.folder), app, report)

    def peek(self, ref: AppRef) -> F.Report | None:
        """Return the report when the cache holds one for the files as they are now (no work)."""
        hit = self._cache.get(ref.id)
        return hit[2] if hit is not None and hit[0] == self._stamp(ref.folder) else None


def current_state(request: Request, ref: AppRef, *, check_now: bool = True) -> AppState:
    """Return the state of ``ref`` from its inputs as they are now (validating when asked)."""
    checked: Checked = request.app.state.checked
    problem, report = None, checked.peek(ref)
    if report is None and check_now:
        try:
            report = checked.get(ref)[1]
        except LingongError as e:
            problem = e
    return state_of(report, problem, input_hash(ref.folder), last_build(ref))


# ---- pages ---------------------------------------------------------------------------------

def may_see_all(request: Request) -> bool:
    config = request.app.state.config
    return config.shared or not config.tokens


def app_ref(request: Request) -> AppRef:
    """Return the application named in the path; 404 for one that is not there or not the user's."""
    ref = request.app.state.workspace.get(request.path_params["app_id"])
    if ref is None or not (may_see_all(request) or ref.owner == user(request)):
        raise HTTPException(404)
    return ref


def _list_context(request: Request) -> dict[str, Any]:
    refs = request.app.state.workspace.list(user(request), may_see_all(request))
    show_archived = request.query_params.get("archived") == "1"
    rows = [{"ref": r, "state": current_state(request, r, check_now=False)}
            for r in refs if r.archived == show_archived]
    return {"apps": rows, "archived_count": sum(r.archived for r in refs), "show_archived": show_archived,
            "kinds": [K.KINDS[k].label for k in K.KINDS], "this_year": dt.date.today().year}


async def apps(request: Request) -> Response:
    ctx = await run_in_threadpool(_list_context, request)
    return render(request, "apps.html", {**ctx, "values": {}, "errors": {}})


def details_from_form(fields: dict[str, str], base: ApplicationInfo | None = None) -> tuple[ApplicationInfo, dict[str, str]]:
    """Return the application details posted in a form, and what is wrong with them (field → message)."""
    values = {k: fields.get(k, "").strip() for k in DETAIL_FIELDS}
    errors = {}
    if not values["applicant"]:
        errors["applicant"] = "请填写申请单位全称（与公章一致）。"
    problem = check_uscc(values["uscc"])
    if problem:
        errors["uscc"] = problem
    problem, _, _late = check_year(values["year"], values["date"])
    if problem:
        errors["year"] = problem
    if values["counting_mode"] not in ("按次", "按时长"):
        errors["counting_mode"] = "计次方式只能是“按次”或“按时长”。"
    date = None
    if values["date"]:
        try:
            date = dt.date.fromisoformat(values["date"])
        except ValueError:
            errors["date"] = "申请日期应为日期，如 2026-03-05。"
    chosen = [k for k in K.KINDS if fields.get(f"kind_{K.KINDS[k].label}")]
    if not chosen:
        errors["kinds"] = "请至少选择一项申请事项。"
    info = ApplicationInfo() if base is None else base
    info.applicant, info.uscc, info.market = values["applicant"], values["uscc"].upper(), values["market"]
    info.year = int(values["year"]) if "year" not in errors else info.year
    info.counting_mode = values["counting_mode"] if "counting_mode" not in errors else info.counting_mode
    info.application_date = date or dt.date.today()
    info.legal_rep, info.contact = values["legal_rep"], values["contact"]
    info.contact_phone, info.address = values["contact_phone"], values["address"]
    info.kinds = chosen
    return info, errors


async def create(request: Request) -> Response:
    upload = await form(request)
    upload.close()
    info, errors = details_from_form(upload.fields)
    if errors:
        ctx = await run_in_threadpool(_list_context, request)
        values = {k: v for k, v in upload.fields.items() if k != "csrf"}
        return render(request, "apps.html", {**ctx, "values": values, "errors": errors}, status=400)
    ref = await run_in_threadpool(request.app.state.workspace.create, info, user(request))
    request.app.state.workspace.audit(user(request), "create-application", ref.id)
    return RedirectResponse(f"/apps/{ref.id}", status_code=303)


def details_values(ref: AppRef) -> tuple[dict[str, str], str | None]:
    """Return the form values of the application file as it is (or a problem reading it)."""
    try:
        details = api.application_details(ref.folder / APPLICATION_FILE)
    except LingongError as e:       # what the list knows, so the form starts filled in
        return {"applicant": ref.applicant, "uscc": ref.uscc, "market": ref.market, "year": str(ref.year or ""),
                "counting_mode": "按次"}, e.message
    i = details.info
    values = {"applicant": i.applicant or "", "uscc": i.uscc or "", "market": i.market or "",
              "year": str(i.year or ""), "counting_mode": i.counting_mode,
              "date": i.application_date.isoformat() if i.application_date else "", "legal_rep": i.legal_rep,
              "contact": i.contact, "contact_phone": i.contact_phone, "address": i.address}
    values.update({f"kind_{K.KINDS[k].label}": "1" for k in i.kinds})
    return values, None


def _app_context(request: Request, ref: AppRef) -> dict[str, Any]:
    evidence_dir = ref.folder / EVIDENCE
    evidence = sorted(p.name for p in evidence_dir.iterdir()
                      if p.is_file() and p.suffix.lower() in EVIDENCE_SUFFIXES) if evidence_dir.is_dir() else []
    values, unreadable = details_values(ref)
    build = last_build(ref)
    outputs = sorted(p.name for p in ref.out.glob("*.pdf")) if ref.out.is_dir() else []
    return {"app": ref, "files": {k: table_file(ref.folder, k).is_file() for k in TABLE_KINDS},
            "evidence": evidence, "outputs": outputs, "build": build, "titles": {k: spec(k).title for k in TABLE_KINDS},
            "job": request.app.state.jobs.running_for(ref.id), "state": current_state(request, ref),
            "versions": Versions(ref).list(), "values": values, "errors": {}, "unreadable": unreadable,
            "kinds": [K.KINDS[k].label for k in K.KINDS]}


async def app_page(request: Request) -> Response:
    ref = app_ref(request)
    ctx = await run_in_threadpool(_app_context, request, ref)
    return render(request, "app.html", ctx)


async def blank(request: Request) -> Response:
    """A fresh blank workbook (附件4 or 附件5) with this application's header, made by ``init``."""
    ref = app_ref(request)
    kind = request.path_params["kind"]
    if kind not in TABLE_KINDS:
        raise HTTPException(404)
    tmp = private_folder(request.app.state.config.uploads)
    try:
        await run_in_threadpool(api.init, tmp / "a", year=ref.year or dt.date.today().year - 1,
                                applicant=ref.applicant, uscc=ref.uscc, market=ref.market)
        data = table_file(tmp / "a", kind).read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return download_response(data, spec(kind).default_file, XLSX)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_response(data: bytes, name: str, media_type: str) -> Response:
    from urllib.parse import quote

    return Response(data, media_type=media_type,
                    headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


# ---- changes: staged, checked, kept as versions --------------------------------------------

class Refused(Exception):
    """A change that was checked in the staging copy and not made (the message says why)."""


def _place(upload: Upload, staged: Path) -> tuple[list[str], list[str]]:
    """Put the uploaded files into the staging copy; return (names changed, problems)."""
    names, problems = [], []
    for kind in TABLE_KINDS:
        for f in upload.get(kind)[:1]:
            if f.suffix != ".xlsx":
                problems.append(f"“{f.name}”不是 .xlsx 文件。")
                continue
            shutil.move(str(f.path), table_file(staged, kind))
            names.append(spec(kind).default_file)
    for f in upload.get("application")[:1]:
        if f.suffix not in (".yaml", ".yml"):
            problems.append(f"“{f.name}”不是申请文件（application.yaml）。")
            continue
        shutil.move(str(f.path), staged / APPLICATION_FILE)
        names.append(APPLICATION_FILE)
    for f in upload.get("evidence"):
        if f.suffix not in EVIDENCE_SUFFIXES or not f.name or f.name.startswith("."):
            problems.append(f"“{f.name}”不是 PDF/PNG/JPG 支付凭证。")
            continue
        (staged / EVIDENCE).mkdir(exist_ok=True)
        shutil.move(str(f.path), staged / EVIDENCE / f.name)
        names.append(f"{EVIDENCE}/{f.name}")
    empty = [f.name for f in upload.files if f.size == 0 and f.name]
    problems.extend(f"“{name}”是空文件（0 字节）。" for name in empty)
    return names, problems


def change(request: Request, ref: AppRef, edit: Any, action: str) -> str | None:
    """Apply ``edit(staged) -> names`` to a staging copy, check it, then make it; return the version id.

    Raises ``Refused`` (nothing changed) when the edit reports problems or the staged application
    cannot be read; validation findings do not refuse a change (they are what the operator fixes next).
    """
    staged = stage(ref)
    try:
        names, problems = edit(staged)
        if problems:
            raise Refused("；".join(problems))
        try:
            app, report = read_and_check(staged)
        except LingongError as e:
            raise Refused(e.message + (f"（{page_hint(e.hint)}）" if page_hint(e.hint) else "")) from None
        version = Versions(ref).replace(staged, names, user(request), action)
        request.app.state.checked.put(ref, _moved(app, staged, ref.folder), report)
        if APPLICATION_FILE in names and app.info is not None:
            request.app.state.workspace.describe(ref, app.info)
        return version
    finally:
        shutil.rmtree(staged.parent, ignore_errors=True)


def _moved(app: Application, staged: Path, folder: Path) -> Application:
    """Return ``app`` (read from the staging copy) with its paths in the application folder it now is."""
    app.folder = folder
    for table in app.tables:
        table.path = folder / table.path.relative_to(staged)
    app.evidence = [folder / p.relative_to(staged) for p in app.evidence]
    app.evidence_other = [folder / p.relative_to(staged) for p in app.evidence_other]
    return app


def refused_page(request: Request, ref: AppRef, message: str) -> Response:
    return render(request, "refused.html", {"app": ref, "message": message}, status=400)


async def upload_files(request: Request) -> Response:
    ref = app_ref(request)
    upload = await form(request)
    try:
        if not any(f.name for f in upload.files):
            return refused_page(request, ref, "没有选择任何文件。")
        version = await run_in_threadpool(change, request, ref, lambda staged: _place(upload, staged), "upload")
    except Refused as e:
        request.app.state.workspace.audit(user(request), "upload", ref.id, "refused")
        return refused_page(request, ref, str(e))
    finally:
        upload.close()
    request.app.state.workspace.audit(user(request), "upload", ref.id, f"{len(upload.files)} files {version or ''}")
    return RedirectResponse(f"/apps/{ref.id}/findings", status_code=303)


async def save_details(request: Request) -> Response:
    """The application's details edited in the form (no yaml needed), checked like an upload."""
    ref = app_ref(request)
    upload = await form(request)
    upload.close()
    base = None
    try:
        base = api.application_details(ref.folder / APPLICATION_FILE).info
    except LingongError:
        pass                     # a broken file is replaced by what the form says
    info, errors = details_from_form(upload.fields, base)
    if errors:
        ctx = await run_in_threadpool(_app_context, request, ref)
        ctx.update(values={k: v for k, v in upload.fields.items() if k != "csrf"}, errors=errors)
        return render(request, "app.html", ctx, status=400)

    def edit(staged: Path) -> tuple[list[str], list[str]]:
        api.write_application(staged / APPLICATION_FILE, info)
        return [APPLICATION_FILE], []

    return await _apply(request, ref, edit, "details", audit="edit-details", anchor="details")


async def remove_evidence(request: Request) -> Response:
    ref = app_ref(request)
    upload = await form(request)
    upload.close()
    name = upload.fields.get("name", "")
    present = {p.name for p in (ref.folder / EVIDENCE).glob("*")}
    if name not in present:
        raise HTTPException(404)

    def edit(staged: Path) -> tuple[list[str], list[str]]:
        (staged / EVIDENCE / name).unlink()
        return [f"{EVIDENCE}/{name}"], []

    return await _apply(request, ref, edit, "remove-evidence", audit="remove-evidence", anchor="files")


async def _apply(request: Request, ref: AppRef, edit: Any, action: str,
                 *, audit: str, anchor: str) -> Response:
    """Make ``edit`` on a checked copy (``change``: the old files kept as a version), note it, go back to ``anchor``."""
    try:
        await run_in_threadpool(change, request, ref, edit, action)
    except Refused as e:
        return refused_page(request, ref, str(e))
    request.app.state.workspace.audit(user(request), audit, ref.id)
    return RedirectResponse(f"/apps/{ref.id}#{anchor}", status_code=303)


async def restore(request: Request) -> Response:
    ref = app_ref(request)
    upload = await form(request)
    upload.close()
    version = upload.fields.get("version", "")
    if not FIX_ID.fullmatch(version):
        raise HTTPException(404)
    try:
        await run_in_threadpool(Versions(ref).restore, version, user(request))
    except KeyError:
        raise HTTPException(404) from None
    request.app.state.workspace.audit(user(request), "restore", ref.id, version)
    return RedirectResponse(f"/apps/{ref.id}#history", status_code=303)


async def archive(request: Request) -> Response:
    ref = app_ref(request)
    upload = await form(request)
    upload.close()
    action = upload.fields.get("action", "")
    workspace = request.app.state.workspace
    if action == "delete":
        if upload.fields.get("confirm") != "1":
            return refused_page(request, ref, "删除前请勾选“确认删除”。删除后申请的表格、历史版本和材料包都不能恢复。")
        await run_in_threadpool(workspace.delete, ref)
    elif action in ("archive", "unarchive"):
        workspace.set_archived(ref, action == "archive")
    else:
        raise HTTPException(400)
    workspace.audit(user(request), action, ref.id)
    return RedirectResponse("/apps", status_code=303)


# ---- findings ------------------------------------------------------------------------------

def fixed_run(request: Request) -> str:
    """Return the fix run named in ``?fixed=`` (shown after 用修正后的表格继续), or ""."""
    run = request.query_params.get("fixed", "")
    return run if FIX_ID.fullmatch(run) else ""


def unreadable_page(request: Request, ref: AppRef, e: LingongError) -> Response:
    """A stored file cannot be read: say which and how to fix it (never a 500)."""
    return render(request, "unreadable.html", {"app": ref, "message": e.message, "hint": e.hint,
                                                "versions": Versions(ref).list()}, status=409)


async def findings(request: Request) -> Response:
    ref = app_ref(request)
    try:
        _app, report = await run_in_threadpool(request.app.state.checked.get, ref)
    except LingongError as e:
        return unreadable_page(request, ref, e)
    if request.query_params.get("format") == "json":
        return JSONResponse(report.to_dict())
    severity, rule = request.query_params.get("severity", ""), request.query_params.get("rule", "")
    groups = [g for g in group_findings(report.sorted())
              if (not severity or g.severity == severity) and (not rule or g.code == rule)]
    titles = F.catalogue()
    codes = sorted(((code, titles.get(code, {}).get("title", code), n) for code, n in report.by_code().items()),
                   key=lambda c: c[1])
    state = await run_in_threadpool(current_state, request, ref)
    return render(request, "findings.html", {
        "app": ref, "report": report, "groups": groups[:FINDINGS_PAGE], "shown": len(groups),
        "severity": severity, "rule": rule, "fixed": fixed_run(request), "codes": codes, "state": state,
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
    try:
        app, report = await run_in_threadpool(request.app.state.checked.get, ref)
    except LingongError as e:
        return unreadable_page(request, ref, e)
    try:
        finding = report.sorted()[int(request.path_params["n"])]
    except (ValueError, IndexError):
        raise HTTPException(404) from None
    return render(request, "context.html", {"ctx": context_rows(app, finding), "f": finding})


async def annotated(request: Request) -> Response:
    ref = app_ref(request)
    kind = request.path_params["kind"]
    if kind not in TABLE_KINDS or not table_file(ref.folder, kind).is_file():
        raise HTTPException(404)
    source = table_file(ref.folder, kind)
    tmp = private_folder(request.app.state.config.uploads)
    try:
        app, report = await run_in_threadpool(request.app.state.checked.get, ref)
        written = await run_in_threadpool(api.annotate, app, report, tmp / "标注.xlsx", workbook=source)
        if len(written) != 1:
            raise HTTPException(404)
        data = written[0].read_bytes()
    except LingongError as e:
        return unreadable_page(request, ref, e)
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
    Route("/apps/{app_id}/details", save_details, methods=["POST"]),
    Route("/apps/{app_id}/evidence/remove", remove_evidence, methods=["POST"]),
    Route("/apps/{app_id}/restore", restore, methods=["POST"]),
    Route("/apps/{app_id}/archive", archive, methods=["POST"]),
    Route("/apps/{app_id}/findings", findings),
    Route("/apps/{app_id}/context/{n:int}", context),
    Route("/apps/{app_id}/annotated/{kind}", annotated),
]
