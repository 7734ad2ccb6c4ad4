"""Helpers shared by the tests: make application folders and fill the official workbooks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook

from lingong_docs.blanks import init_application
from lingong_docs.core.tables import JOB_POSTS, ROSTER, spec

APPLICANT = "北京示例人力资源有限公司"
USCC = "91110105MA01ABCD39"
HEADER_ROW = 4  # header row of the blank workbooks written by init
EPOCH = "1772668800"                                             # 2026-03-05 00:00 UTC, the demo's 申请日期
SOURCE_DATE = dt.datetime.fromtimestamp(int(EPOCH), tz=dt.UTC)   # what the CLI makes of SOURCE_DATE_EPOCH=EPOCH


def build_at(folder: Path, out: Path, **kw) -> list:
    """Build ``folder``'s packages into ``out`` with the fixed build moment (byte-stable output)."""
    from lingong_docs.package.build import build_packages

    return build_packages(folder, out=out, source_date=SOURCE_DATE, **kw)


def make_app(folder: Path, year: int = 2025, **kw) -> Path:
    """Create an application folder with init; return it."""
    init_application(folder, year=year, applicant=kw.pop("applicant", APPLICANT),
                     uscc=kw.pop("uscc", USCC), market=kw.pop("market", "朝阳区示例零工驿站"),
                     today=kw.pop("today", dt.date(year + 1, 3, 1)), **kw)
    return folder


def fill(path: Path, kind: str, rows: list[dict]) -> None:
    """Write ``rows`` ({field key: value}) below the header of the workbook at ``path``."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    keys = [c.key for c in spec(kind).columns]
    for i, row in enumerate(rows):
        for j, key in enumerate(keys, start=1):
            if key in row:
                ws.cell(HEADER_ROW + 1 + i, j).value = row[key]
    wb.save(path)


def table_path(folder: Path, kind: str) -> Path:
    return folder / spec(kind).default_file


__all__ = ["make_app", "fill", "table_path", "tiny_pdf", "APPLICANT", "USCC", "JOB_POSTS", "ROSTER"]


def tiny_pdf() -> bytes:
    """Return a real one-page A4 PDF (evidence files must open)."""
    from helpers.pdf import blank_pdf

    return blank_pdf()


def tiny_evidence(name: str) -> bytes:
    """Return a real file for an evidence name: a PDF, or a small PNG/JPEG image."""
    if name.lower().endswith(".pdf"):
        return tiny_pdf()
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buf, "JPEG" if name.lower().endswith((".jpg", ".jpeg")) else "PNG")
    return buf.getvalue()
