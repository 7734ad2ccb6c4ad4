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

from lingong_docs.core.errors import LingongError
from lingong_docs.intake.receipt import RECEIPT_NO
from lingong_docs.web.config import private_folder
from lingong_docs.web.pages import error_page, form, render, user
from lingong_docs.web.uploads import Upload

RECEIPT = RECEIPT_NO                       # the receipt numbers intake gives (intake/receipt.py)
# findings that only the ledger (the other applicants' packages) can give
CROSS_CODES = ("duplicate-package", "duplicate-rows", "cross-agency-overlap", "agency-cap-exceeded")


async def desk_page(request: Request) -> Response:
    return render(request, "bureau.html", {"receipts": None, "today": dt.date.today().isoformat()})


def _packages(upload: Upload) -> list[Path]:
    """Give each uploaded package its own folder and its (cleaned) name: receipts name the file."""
    paths = []
    for i, f in enumerate(upload.get("packages"), start=1):
        name = f.name if f.suffix == ".pdf" else f"{f.name or '材料包'}.pdf"
        folder = upload.folder / f"p{i}"
        folder.mkdir()
        target = folder / name.lstrip(".")
        f.path.rename(target)
        paths.append(target)
    return paths


def _as_of(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise HTTPException(400) from None


async def receive(request: Request) -> Response:
    upload = await form(request)
    try:
        paths = _packages(upload)
        if not paths:
            return error_page(request, 400, "没有材料包", "请选择一个或多个 PDF 材料包后再提交。")
        future = request.app.state.desk.examine(paths, allow_unsigned=upload.fields.get("allow_unsigned") == "1",
                                                as_of=_as_of(upload.fields.get("as_of")))
        try:
            receipts = await asyncio.wrap_future(future)
        except LingongError as e:
            return error_page(request, 400, "无法核验", e.message)
    finally:
        upload.close()
    for r in receipts:
        request.app.state.workspace.audit(user(request), "intake", r.receipt_no, r.verdict)
    data = [r.to_dict() for r in receipts]
    if upload.fields.get("format") == "json":
        return JSONResponse(data)
    return render(request, "bureau.html", {"receipts": data, "today": dt.date.today().isoformat()})


async def receipt_file(request: Request) -> Response:
    number, ext = request.path_params["number"], request.path_params["ext"]
    if not RECEIPT.match(number) or ext not in ("pdf", "json"):
        raise HTTPException(404)
    path = request.app.state.workspace.receipts / f"{number}.{ext}"
    if not path.is_file():
        raise HTTPException(404)
    request.app.state.workspace.audit(user(request), "download-receipt", number, ext)
    media = "application/pdf" if ext == "pdf" else "application/json"
    return FileResponse(path, media_type=media, filename=f"受理回执_{number}.{ext}")


def _cross_findings(receipts: Path, numbers: list[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for number in numbers:
        try:
            data = json.loads((receipts / f"{number}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found = [f for f in data.get("findings", []) if f.get("code") in CROSS_CODES]
        if found:
            out[number] = found
    return out


async def ledger_page(request: Request) -> Response:
    desk = request.app.state.desk
    if not desk.has_ledger:
        return error_page(request, 400, "未使用受理台账",
                          "本服务器启动时没有给出台账密钥（LINGONG_LEDGER_KEY 或 --key-file），只做预审。")
    year = request.query_params.get("year")
    packages = await asyncio.wrap_future(desk.call(
        lambda ledger: ledger.packages(year=int(year) if year and year.isdigit() else None, accepted_only=False)))
    cross = _cross_findings(request.app.state.workspace.receipts, [p["receipt_no"] for p in packages])
    if request.query_params.get("format") == "json":
        return JSONResponse({"packages": packages, "cross_applicant": cross})
    return render(request, "ledger.html", {"packages": packages, "cross": cross, "year": year or ""})


async def publicity(request: Request) -> Response:
    from lingong_docs.intake.service import publicity as make_notice

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
        _path, count = await run_in_threadpool(make_notice, [desk.ledger_path], target, year=year)
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
