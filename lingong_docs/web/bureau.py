"""Bureau pages: receive packages (several at once), verdicts, receipts, the ledger, 公示 export."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from lingong_docs import api
from lingong_docs.api import atomic_write_bytes
from lingong_docs.core.errors import LingongError
from lingong_docs.web.config import private_folder
from lingong_docs.web.pages import error_page, form, render, user
from lingong_docs.web.security import LOCAL_USER
from lingong_docs.web.uploads import Upload


def _desk_context(request: Request, **extra: object) -> dict:
    return {"receipts": None, "today": dt.date.today().isoformat(), "values": {}, "problem": "",
            "has_ledger": request.app.state.desk.has_ledger, **extra}


async def desk_page(request: Request) -> Response:
    return render(request, "bureau.html", _desk_context(request))


def _packages(upload: Upload) -> list[Path]:
    """Give each uploaded package its own folder and its (cleaned) name: receipts name the file."""
    paths = []
    chosen = [f for f in upload.files if f.field == "packages" and f.name]   # empty files too: they get a receipt
    for i, f in enumerate(chosen, start=1):
        name = f.name if f.suffix == ".pdf" else f"{f.name or '材料包'}.pdf"
        folder = upload.folder / f"p{i}"
        folder.mkdir()
        target = folder / name.lstrip(".")
        f.path.rename(target)
        paths.append(target)
    return paths


def received_on(fields: dict[str, str]) -> tuple[dt.date, str]:
    """Return (收件日期, reason); raises ValueError with the Chinese reason a date is refused.

    The date defaults to today. A later date is refused; an earlier one (补录) needs a reason,
    and is recorded as entered with the real time of entry beside it.
    """
    today = dt.date.today()
    text, reason = fields.get("as_of", "").strip(), fields.get("late_reason", "").strip()[:200]
    try:
        day = dt.date.fromisoformat(text) if text else today
    except ValueError:
        raise ValueError("收件日期应为日期，如 2026-03-05。") from None
    if day > today:
        raise ValueError("收件日期不能晚于今天。")
    if day < today and not reason:
        raise ValueError(f"收件日期{day:%Y-%m-%d}早于今天：补录以前收到的材料包时请写明原因（如“3月2日窗口收件，系统故障今日补录”）。")
    return day, reason if day < today else ""


async def receive(request: Request) -> Response:
    upload = await form(request)
    try:
        try:
            day, reason = received_on(upload.fields)
        except ValueError as e:
            values = {k: upload.fields.get(k, "") for k in ("as_of", "late_reason", "precheck")}
            return render(request, "bureau.html", _desk_context(request, values=values, problem=str(e)), status=400)
        paths = _packages(upload)
        if not paths:
            return error_page(request, 400, "没有材料包", "请选择一个或多个 PDF 材料包后再提交。")
        name = user(request)
        precheck = upload.fields.get("precheck") == "1"
        future = request.app.state.desk.examine(paths, precheck=precheck, as_of=day,
                                                clerk=None if name == LOCAL_USER else name)
        try:
            receipts = await asyncio.wrap_future(future)
        except LingongError as e:
            return error_page(request, 400, "无法核验", e.message)
    finally:
        upload.close()
    notes = {}
    for r in receipts:
        request.app.state.workspace.audit(user(request), "intake", r.receipt_no, r.verdict + (" 补录" if reason else ""))
        if reason:
            notes[r.receipt_no] = _note(request, r.receipt_no, reason)
    data = [r.to_dict() for r in receipts]
    if upload.fields.get("format") == "json":
        return JSONResponse(data)
    return render(request, "bureau.html", _desk_context(request, receipts=[_shown(r, notes, precheck) for r in data]))


def _note(request: Request, number: str, reason: str) -> dict:
    """Keep why a receipt's date was entered later, and when it was entered, beside the receipt."""
    note = {"reason": reason, "entered": dt.datetime.now().isoformat(timespec="seconds"), "user": user(request)}
    atomic_write_bytes(request.app.state.workspace.receipts / f"{number}.note.json",
                       json.dumps(note, ensure_ascii=False).encode())
    return note


def _shown(receipt: dict, notes: dict, precheck: bool) -> dict:
    """A receipt as the page shows it: signature places with the receipt's Chinese words."""
    sigs = [{**s, "status_zh": api.signature_status_zh(s.get("status", ""))} for s in receipt.get("signatures", [])]
    return {**receipt, "signatures": sigs, "note": notes.get(receipt["receipt_no"]),
            "precheck": precheck}


async def receipt_file(request: Request) -> Response:
    number, ext = request.path_params["number"], request.path_params["ext"]
    path = api.receipt_file(request.app.state.workspace.receipts, number, ext)
    if path is None:
        raise HTTPException(404)
    request.app.state.workspace.audit(user(request), "download-receipt", number, ext)
    media = "application/pdf" if ext == "pdf" else "application/json"
    return FileResponse(path, media_type=media, filename=f"受理回执_{number}.{ext}")


async def ledger_page(request: Request) -> Response:
    desk = request.app.state.desk
    if not desk.has_ledger:
        return error_page(request, 400, "未使用受理台账",
                          "本服务器启动时没有给出台账密钥（LINGONG_LEDGER_KEY 或 --key-file），只做预审。")
    year = request.query_params.get("year")
    receipts = request.app.state.workspace.receipts
    listing = await asyncio.wrap_future(desk.call(
        lambda ledger: api.ledger_listing(ledger, year=int(year) if year and year.isdigit() else None,
                                          receipts=receipts)))
    if request.query_params.get("format") == "json":
        return JSONResponse(listing.to_dict())
    return render(request, "ledger.html", {"packages": listing.packages, "cross": listing.cross_applicant,
                                           "year": year or ""})


async def publicity(request: Request) -> Response:
    upload = await form(request)
    upload.close()
    desk = request.app.state.desk
    if not desk.has_ledger:
        raise HTTPException(404)
    year_text = upload.fields.get("year", "")
    year = int(year_text) if year_text.isdigit() else None
    suffix = ".pdf" if upload.fields.get("as") == "pdf" else ".xlsx"
    tmp = private_folder(request.app.state.config.uploads)
    try:
        target = tmp / f"公示名单{suffix}"
        notice = await run_in_threadpool(api.publicity, [desk.ledger_path], target, year=year)
        count = notice.rows
        data = target.read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    request.app.state.workspace.audit(user(request), "publicity", str(year or "all"), f"{count} rows")
    from urllib.parse import quote

    media = "application/pdf" if suffix == ".pdf" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, media_type=media,
                    headers={"content-disposition": f"attachment; filename*=UTF-8''{quote('公示名单' + suffix)}"})


ROUTES = [
    Route("/bureau", desk_page),
    Route("/bureau/intake", receive, methods=["POST"]),
    Route("/bureau/receipts/{number}.{ext}", receipt_file),
    Route("/bureau/ledger", ledger_page),
    Route("/bureau/publicity", publicity, methods=["POST"]),
]
