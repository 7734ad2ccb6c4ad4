"""``validate --annotate``: the operator's own workbook with bad cells marked and a 错误清单 sheet.

One annotated copy per workbook: its cells carry that workbook's findings (fill, and a comment
with the message and the hint), its 错误清单 lists that workbook's findings and those about the
application as a whole. A finding inside a merged range lands on the range's top-left cell;
hidden rows are shown again and marked, so the operator sees what is counted; so is a hidden
column holding a marked cell.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from lingong_docs.core.errors import ReadError
from lingong_docs.core.findings import ERROR, SEVERITY_ZH, WARNING, Finding
from lingong_docs.util.atomic import atomic_path
from lingong_docs.util.pii import mask_file_name
from lingong_docs.util.text import strip_controls
from lingong_docs.util.workbook import HEAD_FILL, HEAD_FONT, safe_text

FILLS = {ERROR: PatternFill("solid", fgColor="FF9999"), WARNING: PatternFill("solid", fgColor="FFEB84")}
LIST_SHEET = "错误清单"
MAX_COMMENTS = 5000  # thousands of VML comments make Excel slow; the list sheet has every finding
HEADERS = ["序号", "严重程度", "代码", "文件", "工作表", "单元格", "列名", "值（已脱敏）", "说明", "修改建议"]
WIDTHS = [6, 9, 24, 28, 10, 9, 14, 22, 60, 50]


def annotate(source: Path, target: Path, findings: list[Finding]) -> Path:
    """Write a copy of ``source`` with its findings marked to ``target`` (atomically)."""
    try:
        wb = load_workbook(source)
    except Exception:  # the reader already accepted this file; be safe anyway
        raise ReadError.make("xlsx-corrupt", file=mask_file_name(source.name)) from None
    mine = [f for f in findings if f.file == source.name or not f.file]
    marked = _mark_cells(wb, [f for f in mine if f.file == source.name])
    _write_list(wb, mine, source.name)
    if marked > MAX_COMMENTS:
        wb[LIST_SHEET].cell(len(mine) + 3, 1, f"注：单元格批注只加了前 {MAX_COMMENTS} 处，完整清单见本表。")
    wb.active = 0
    with atomic_path(target, mode=0o600) as tmp:
        wb.save(tmp)
    return target


def _anchor(ws: Worksheet, row: int, column: str) -> tuple[int, str]:
    """Return the cell that holds a finding: the top-left cell of a merged range it falls in."""
    cell = ws[f"{column}{row}"]
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if cell.coordinate in rng:
                return rng.min_row, get_column_letter(rng.min_col)
    return row, column


def _mark_cells(wb: Workbook, findings: list[Finding]) -> int:
    """Fill and comment the cells of ``findings``; return how many cells were marked."""
    by_cell: dict[tuple[str, int, str], list[Finding]] = {}
    for f in findings:
        if f.sheet is None or f.sheet not in wb.sheetnames or not f.row:
            continue
        ws = wb[f.sheet]
        if f.code == "row-hidden":
            ws.row_dimensions[f.row].hidden = False   # show it: it is counted
        row, column = _anchor(ws, f.row, f.column or "A")
        by_cell.setdefault((f.sheet, row, column), []).append(f)
    for n, ((sheet, row, column), items) in enumerate(by_cell.items()):
        _show_column(wb[sheet], column)
        cell = wb[sheet][f"{column}{row}"]
        if any(f.severity in (ERROR, WARNING) for f in items):
            cell.fill = FILLS[ERROR if any(f.severity == ERROR for f in items) else WARNING]
        if n < MAX_COMMENTS:
            text = "\n".join(f"[{f.code}] {f.message}" + (f"\n  → {f.hint}" if f.hint else "") for f in items)
            cell.comment = Comment(strip_controls(text)[:1500], "lingong-docs", width=360, height=160)
    return len(by_cell)


def _show_column(ws: Worksheet, column: str) -> None:
    """Unhide the column of a marked cell (openpyxl keeps a hidden group as one min–max entry)."""
    index = column_index_from_string(column)
    for dim in ws.column_dimensions.values():
        if dim.hidden and (dim.min or 0) <= index <= (dim.max or 0):
            dim.hidden = False


def _write_list(wb: Workbook, findings: list[Finding], file_name: str) -> None:
    if LIST_SHEET in wb.sheetnames:
        del wb[LIST_SHEET]
    ws = wb.create_sheet(LIST_SHEET, 0)
    for i, (h, w) in enumerate(zip(HEADERS, WIDTHS), start=1):
        c = ws.cell(1, i, h)
        c.font, c.fill = HEAD_FONT, HEAD_FILL
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    order = {ERROR: 0, WARNING: 1}
    rows = sorted(findings, key=lambda f: (order.get(f.severity, 2), f.file or "", f.row or 0, f.column or ""))
    link_font = Font(color="0563C1", underline="single")
    for n, f in enumerate(rows, start=2):
        values = [n - 1, SEVERITY_ZH.get(f.severity, f.severity), f.code, f.file or "", f.sheet or "",
                  f.cell or (f"第{f.row}行" if f.row else ""), f.header or "", f.value, f.message, f.hint]
        for i, v in enumerate(values, start=1):
            safe_text(ws.cell(n, i), v)  # safe_text drops control characters itself
        if f.file == file_name and f.sheet in wb.sheetnames and f.row:
            row, column = _anchor(wb[f.sheet], f.row, f.column or "A")
            link = ws.cell(n, 6)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{f.sheet}'!{column}{row}",
                                       display=link.value)
            link.font = link_font
