"""Write the official blank 附件4 / 附件5 workbooks, made for people who type into Excel or WPS."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lingong_docs.core.policy import load_policy
from lingong_docs.core.tables import header_block, spec
from lingong_docs.util.atomic import atomic_path

TEMPLATE_ROWS = 50000     # rows covered by the drop-down lists and input checks
PREFORMATTED_ROWS = 30    # rows drawn with borders (the column styles cover the rest)
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
TITLE_FONT = Font(name="宋体", size=16, bold=True)
HEAD_FONT = Font(name="宋体", size=11, bold=True)
BODY_FONT = Font(name="宋体", size=11)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
SAFE_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")


def safe_text(cell, value) -> None:
    """Put a string in ``cell`` so that it can never become a formula or an error value."""
    if isinstance(value, str):
        value = "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 32)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(SAFE_PREFIXES):
            cell.quotePrefix = True
    else:
        cell.value = value


def write_blank(kind: str, target: Path, *, applicant: str = "", uscc: str = "", year: int | None = None) -> Path:
    """Write the blank official workbook of ``kind`` to ``target`` atomically; return the path."""
    s = spec(kind)
    labels = header_block()
    wb = Workbook()
    ws = wb.active
    ws.title = s.sheet
    ncols = len(s.columns)
    last = get_column_letter(ncols)
    year_text = f"{year}年度" if year else ""
    ws["A1"] = f"{s.attachment}"
    ws["A1"].font = Font(name="黑体", size=12)
    ws["A2"] = f"{year_text}{s.title}"
    ws.merge_cells(f"A2:{last}2")
    ws["A2"].font = TITLE_FONT
    ws["A2"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[2].height = 30
    # Header block: label in one cell, value in the next so that nothing has to be parsed.
    half = max(2, ncols // 2)
    ws["A3"] = labels["applicant"] + "："
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=2)
    safe_text(ws.cell(3, 3), applicant)
    ws.merge_cells(start_row=3, start_column=3, end_row=3, end_column=half)
    ws.cell(3, half + 1, labels["uscc"] + "：")
    ws.merge_cells(start_row=3, start_column=half + 1, end_row=3, end_column=half + 2)
    safe_text(ws.cell(3, half + 3), uscc)
    ws.cell(3, half + 3).number_format = "@"
    if half + 3 < ncols:
        ws.merge_cells(start_row=3, start_column=half + 3, end_row=3, end_column=ncols)
    for c in (1, half + 1):
        ws.cell(3, c).font = HEAD_FONT
        ws.cell(3, c).alignment = Alignment(horizontal="right", vertical="center")
    for c in (3, half + 3):
        ws.cell(3, c).font = BODY_FONT
    header_row = 4
    for i, col in enumerate(s.columns, start=1):
        cell = ws.cell(header_row, i, col.header)
        cell.font = HEAD_FONT
        cell.fill = HEAD_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(i)].width = col.width + 2
    ws.row_dimensions[header_row].height = 32
    first, last_row = header_row + 1, header_row + TEMPLATE_ROWS
    for i, col in enumerate(s.columns, start=1):
        letter = get_column_letter(i)
        fmt = "@" if (col.text or col.type == "string") else (col.number_format or "General")
        # Column-level style: Excel and WPS apply it to every cell typed into the column, so the
        # ID column is text before anyone types an 18-digit number into it.
        dim = ws.column_dimensions[letter]
        dim.number_format = fmt
        dim.font = BODY_FONT
        for r in range(first, first + PREFORMATTED_ROWS):
            cell = ws.cell(r, i)
            cell.number_format = fmt
            cell.border = BORDER
            cell.font = BODY_FONT
        if col.choices:
            options = load_policy(year).roster[col.choices]
            dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                                showErrorMessage=False, showInputMessage=True,
                                promptTitle=col.header, prompt="请从下拉列表中选择")
            dv.add(f"{letter}{first}:{letter}{last_row}")
            ws.add_data_validation(dv)
        if col.pii == "id":
            dv = DataValidation(type="textLength", operator="equal", formula1="18", allow_blank=True,
                                showErrorMessage=True, errorStyle="warning", errorTitle="身份证号",
                                error="身份证号应为18位", showInputMessage=True, promptTitle="身份证号",
                                prompt="18位，本列为文本格式，请勿改为数字")
            dv.add(f"{letter}{first}:{letter}{last_row}")
            ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    wb.properties.creator = "lingong-docs"
    wb.properties.title = s.title
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target
