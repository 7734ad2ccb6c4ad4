"""``validate --annotate``: the operator's own workbook with bad cells marked and a 错误清单 sheet."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from lingong_docs.core.errors import ReadError
from lingong_docs.core.findings import ERROR, SEVERITY_ZH, WARNING, Finding
from lingong_docs.core.identity import strip_controls
from lingong_docs.util.atomic import atomic_path
from lingong_docs.util.workbook import HEAD_FILL, HEAD_FONT, safe_text

FILLS = {ERROR: PatternFill("solid", fgColor="FF9999"), WARNING: PatternFill("solid", fgColor="FFEB84")}
LIST_SHEET = "错误清单"
MAX_COMMENTS = 5000  # thousands of VML comments make Excel slow; the list sheet has every finding


def annotate(source: Path, target: Path, findings: list[Finding]) -> Path:
    """Write a copy of ``source`` with ``findings`` marked to ``target`` (atomically)."""
    try:
        wb = load_workbook(source)
    except Exception:  # noqa: BLE001 - the reader already accepted this file; be safe anyway
        raise ReadError("xlsx-corrupt", f"{source.name}：无法打开以标注。", path=str(source)) from None
    mine = [f for f in findings if f.file == source.name]
    by_cell: dict[tuple, list[Finding]] = {}
    for f in mine:
        if f.sheet in wb.sheetnames and f.row and f.column:
            by_cell.setdefault((f.sheet, f.row, f.column), []).append(f)
    comments = 0
    for (sheet, row, column), items in by_cell.items():
        cell = wb[sheet][f"{column}{row}"]
        worst = ERROR if any(f.severity == ERROR for f in items) else WARNING
        if any(f.severity in (ERROR, WARNING) for f in items):
            cell.fill = FILLS[worst]
        if comments < MAX_COMMENTS:
            text = "\n".join(f"[{f.code}] {f.message}" for f in items)
            cell.comment = Comment(strip_controls(text)[:1000], "lingong-docs", width=320, height=120)
            comments += 1
    if LIST_SHEET in wb.sheetnames:
        del wb[LIST_SHEET]
    ws = wb.create_sheet(LIST_SHEET, 0)
    headers = ["序号", "严重程度", "代码", "文件", "工作表", "单元格", "列名", "值（已脱敏）", "说明", "修改建议"]
    widths = [6, 9, 24, 28, 10, 9, 14, 22, 60, 50]
    for i, (h, w) in enumerate(zip(headers, widths), start=1):
        c = ws.cell(1, i, h)
        c.font, c.fill = HEAD_FONT, HEAD_FILL
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    order = {ERROR: 0, WARNING: 1}
    rows = sorted(findings, key=lambda f: (order.get(f.severity, 2), f.file or "", f.row or 0, f.column or ""))
    link_font = Font(color="0563C1", underline="single")
    for n, f in enumerate(rows, start=2):
        values = [n - 1, SEVERITY_ZH.get(f.severity, f.severity), f.code, f.file or "", f.sheet or "",
                  f.cell, f.header or "", f.value, f.message, f.hint]
        for i, v in enumerate(values, start=1):
            safe_text(ws.cell(n, i), v)  # safe_text drops control characters itself
        if f.file == source.name and f.sheet in wb.sheetnames and f.cell:
            link = ws.cell(n, 6)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{f.sheet}'!{f.cell}",
                                       display=f.cell)
            link.font = link_font
    if len(by_cell) > MAX_COMMENTS:
        ws.cell(len(rows) + 3, 1, f"注：单元格批注只加了前 {MAX_COMMENTS} 处，完整清单见本表。")
    wb.active = 0
    with atomic_path(target, mode=0o600) as tmp:
        wb.save(tmp)
    return target
