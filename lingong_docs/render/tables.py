"""Print-ready 附件4 / 附件5 tables: a formatted workbook that LibreOffice Calc turns into PDF.

Calc, not Writer: LibreOffice needed ~9 minutes for a 5,000-row Word table and ~11 s for a
30,000-row sheet on the project machine.

openpyxl writes the workbook frame (styles, title rows, page setup, print titles, merged cells)
but its cell writer costs ~20 µs a cell, ~10 s for 25,000 roster rows. The data rows are
therefore written here as SpreadsheetML text, with the style ids openpyxl registered, and
spliced into the sheet in place of a marker row. Every string follows the rules of
``lingong_docs.util.workbook.safe_text`` (control characters dropped, never a formula: inline
strings only, and a quote prefix on text starting with ``= + - @`` and the like).

The printed table holds full ID numbers and phone numbers (the bureau checks them against the
workers it pays): the workbook is written with mode 0600, and LibreOffice works on a private
copy. Only the records passed in are printed; the caller chooses.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from lingong_docs.core.layout import print_width, row_height, text_lines
from lingong_docs.core.model import BAD, Table
from lingong_docs.core.tables import header_block, spec
from lingong_docs.render.docx import AUTHOR, FIXED_TIME, normalize_docx_bytes
from lingong_docs.render.soffice import convert_to_pdf
from lingong_docs.util.atomic import atomic_path
from lingong_docs.util.text import strip_controls
from lingong_docs.util.workbook import SAFE_PREFIXES, safe_text
from lingong_docs.util.workdir import private_dir

DEFAULT_FONT_PRINT = Font(name="宋体", size=11, family=3, charset=134)
TITLE_FONT = Font(name="方正小标宋简体", size=18)
LABEL_FONT = Font(name="黑体", size=12)
HEAD_FONT = Font(name="黑体", size=10)
BODY_FONT = Font(name="宋体", size=10)
BLOCK_FONT = Font(name="仿宋_GB2312", size=12)
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Room after each "：" for the seal / signature box the bundler places there (150 pt):
# 18 ideographic spaces are 160 pt even where Calc prints the table at 75 %.
_SEAL_ROOM = "\u3000" * 18
SEAL_LINE = f"申请单位（盖章）：{_SEAL_ROOM}经办人（签字）：{_SEAL_ROOM}日期："
DRAFT_REASON = "数据尚未通过校验"
DRAFT_HEADER = "草稿：{reason}，不得报送"
HEADER_ROW = 4          # rows above the column headers: 1 附件 label, 2 title, 3 header block
# Number formats by column type when the schema names none.
_FORMATS = {"datetime": DATETIME_FORMAT, "integer": "0", "number": "0.0#"}
_MARKER = "__lingong_data_rows__"
WORKDIR_PREFIX = "lingong-table-"      # private folder of render_table_pdf (util.workdir)


def _set_default_font(wb: Workbook) -> None:
    """Make 宋体 11 the workbook's default font instead of Calibri.

    Column widths are measured in digits of the default font. Calibri is not installed on a
    Linux host and LibreOffice falls back to DejaVu Sans, whose digits are a third wider, which
    shrinks the printed table to ~75 %; 宋体 resolves through forms/fonts.conf on every machine.
    openpyxl has no public setter for this (font 0 and the Normal style's font).
    """
    wb._fonts = IndexedList([DEFAULT_FONT_PRINT])
    wb._named_styles["Normal"].font = DEFAULT_FONT_PRINT


def safe_string(value: str) -> tuple[str, bool]:
    """Return (text, quote_prefix) exactly as ``safe_text`` would store ``value`` in a cell."""
    text = strip_controls(value)
    return text, text.startswith(SAFE_PREFIXES)


def _column_style(col) -> tuple[Alignment, str]:
    """Return the alignment and number format of a data column."""
    if col.key == "seq":
        horizontal = "center"
    elif col.type in ("integer", "number"):
        horizontal = "right"
    elif col.type == "datetime" or col.text:
        horizontal = "center"
    else:
        horizontal = "left"
    if col.type == "datetime":
        fmt = col.number_format if col.number_format not in (None, DATETIME_FORMAT) else DATETIME_FORMAT
    elif col.text or col.type == "string":
        fmt = "@"
    else:
        fmt = col.number_format or _FORMATS.get(col.type, "General")
    return Alignment(horizontal=horizontal, vertical="center", wrap_text=True), fmt


def _style_ids(wb: Workbook, ws, table_spec) -> list[tuple[int, int]]:
    """Register each data column's style; return (style id, style id with quote prefix)."""
    ids = []
    for col in table_spec.columns:
        alignment, fmt = _column_style(col)
        cell = WriteOnlyCell(ws)
        cell.font = BODY_FONT
        cell.border = BORDER
        cell.alignment = alignment
        cell.number_format = fmt
        plain = copy.copy(cell._style)
        quoted = copy.copy(cell._style)
        quoted.quotePrefix = 1
        ids.append((wb._cell_styles.add(plain), wb._cell_styles.add(quoted)))
    return ids


def _text_cell(ws, value: str, font: Font, horizontal: str = "left") -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    safe_text(cell, value)
    cell.font = font
    cell.alignment = Alignment(horizontal=horizontal, vertical="center")
    return cell


def _cell_xml(ref: str, value, style: tuple[int, int]) -> tuple[str, str | None]:
    """Return the SpreadsheetML of one data cell and the text it shows (for row heights)."""
    if value is None or value is BAD:
        return f'<c r="{ref}" s="{style[0]}"/>', None
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int) or (isinstance(value, (Decimal, float)) and math.isfinite(value)):
        number = format(value, "f") if isinstance(value, Decimal) else repr(value)
        return f'<c r="{ref}" s="{style[0]}"><v>{number}</v></c>', None
    if isinstance(value, (dt.datetime, dt.date)):
        return f'<c r="{ref}" s="{style[0]}"><v>{to_excel(value)!r}</v></c>', None
    text, quote = safe_string(value if isinstance(value, str) else str(value))
    s = style[1] if quote else style[0]
    return (f'<c r="{ref}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>',
            text)


def _data_rows(records: Iterable, keys: list[str], letters: list[str], styles, widths: list[float],
               first_row: int) -> tuple[list[str], int]:
    """Return the <row> elements of ``records`` starting at Excel row ``first_row``, and their count."""
    out = []
    row_no = first_row - 1
    for record in records:
        row_no += 1
        values = record.values
        cells = []
        lines = 1
        for i, key in enumerate(keys):
            xml, text = _cell_xml(f"{letters[i]}{row_no}", values.get(key), styles[i])
            cells.append(xml)
            if text:
                lines = max(lines, text_lines(text, widths[i]))
        height = row_height(lines)
        out.append(f'<row r="{row_no}" ht="{height:g}" customHeight="1">{"".join(cells)}</row>')
    return out, row_no - first_row + 1


@dataclass(frozen=True)
class TableOptions:
    """How a table is printed: the header block's values, the year, the edition.

    ``date_cn`` fills the seal line's "日期：" (the application date, as the forms print it);
    ``totals`` is the 合计 row ({column key: value}, the label goes in the first column);
    ``page_numbers`` adds a footer 第 N 页 共 M 页 (the package stamps its own instead).
    """

    applicant: str
    uscc: str
    year: int | None
    draft: bool = False
    page_numbers: bool = True
    date_cn: str = ""
    totals: dict = field(default_factory=dict)
    draft_reason: str = DRAFT_REASON


def render_table_xlsx(table: Table, out_xlsx: Path, *, applicant: str, uscc: str, year: int | None,
                      draft: bool = False, page_numbers: bool = True, records: Iterable | None = None,
                      date_cn: str = "", totals: dict | None = None, draft_reason: str | None = None) -> Path:
    """Return ``out_xlsx``: the print-formatted official table (附件4 or 附件5) of ``table``.

    ``records`` (any iterable of ``Record``) defaults to ``table.records``; only those rows are
    printed, in that order. Landscape A4, title ``{year}年度{title}``, the 附件 label, the header
    block (repeated in the page header of every page: 申请单位全称 left, 统一社会信用代码 right),
    column headers repeated on every page, borders, all columns fitted to the page width, rows as
    tall as ``core.layout`` says their text needs, a 合计 row (``totals``), a seal line with the
    date at the end, and (``page_numbers``) a footer 第 N 页 共 M 页. ``draft`` prints a warning
    in the page header and the title.
    """
    opts = TableOptions(applicant=applicant, uscc=uscc, year=year, draft=draft, page_numbers=page_numbers,
                        date_cn=date_cn, totals=dict(totals or {}), draft_reason=draft_reason or DRAFT_REASON)
    table_spec = spec(table.kind)
    columns = table_spec.columns
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    wb = Workbook(write_only=True)
    _set_default_font(wb)
    ws = wb.create_sheet(table_spec.sheet)
    widths = [print_width(table.kind, col.key, col.width + 2) for col in columns]
    for letter, width in zip(letters, widths):
        ws.column_dimensions[letter].width = width
    _page_setup(ws, opts)
    _head_rows(ws, table_spec, letters, opts)

    styles = _style_ids(wb, ws, table_spec)
    keys = [col.key for col in columns]
    rows_xml, count = _data_rows(table.records if records is None else records, keys, letters, styles, widths,
                                 HEADER_ROW + 1)
    next_row = HEADER_ROW + count + 1
    if opts.totals:
        rows_xml.append(_totals_row(wb, ws, keys, letters, styles, widths, next_row, opts.totals))
        next_row += 1
    seal_row = next_row + 1
    rows_xml.append(_seal_row(wb, ws, seal_row, opts.date_cn))
    ws.merged_cells.add(f"A{seal_row}:{letters[-1]}{seal_row}")
    ws.print_area = f"A1:{letters[-1]}{seal_row}"
    ws.append([_MARKER])
    _properties(wb, table_spec)
    buf = io.BytesIO()
    wb.save(buf)
    data = _splice_rows(buf.getvalue(), HEADER_ROW + 1, "".join(rows_xml))
    out_xlsx = Path(out_xlsx)
    with atomic_path(out_xlsx, mode=0o600) as tmp:
        tmp.write_bytes(normalize_docx_bytes(data))
    return out_xlsx


def _page_setup(ws: Any, opts: TableOptions) -> None:
    """Landscape A4 fitted to the width, print titles, margins, page header and footer.

    The sheet properties are streamed with the first row: everything is set before it.
    """
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    # Margins in inches; the bottom one leaves room for the package's own page stamp.
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.8
    ws.page_margins.header = 0.3
    ws.page_margins.footer = 0.3
    if opts.page_numbers:
        _header_part(ws.oddFooter.center, "第 &P 页 共 &N 页", "宋体,Regular", 10)
    labels = header_block()
    # The seal goes on the header block of the first page and the seal line of the last one: the
    # page header names the unit without the "（盖章）" of the block's label.
    applicant_label = labels["applicant"].replace("（盖章）", "")
    _header_part(ws.oddHeader.left, _header_text(f"{applicant_label}：{opts.applicant}"), "仿宋_GB2312,Regular", 9)
    _header_part(ws.oddHeader.right, _header_text(f"{labels['uscc']}：{opts.uscc}"), "仿宋_GB2312,Regular", 9)
    if opts.draft:
        _header_part(ws.oddHeader.center, DRAFT_HEADER.format(reason=opts.draft_reason), "黑体,Regular", 12, "C00000")


def _header_text(text: str) -> str:
    """Return ``text`` safe for a page header ("&" starts a header code)."""
    return safe_string(text)[0].replace("&", "&&").replace("\n", " ")


def _header_part(part: Any, text: str, font: str, size: float, color: str | None = None) -> None:
    part.text = text
    part.font = font
    part.size = size
    if color:
        part.color = color


def _head_rows(ws: Any, table_spec: Any, letters: list[str], opts: TableOptions) -> None:
    """Append the 附件 label, the title, the header block and the column headers."""
    last = letters[-1]
    labels = header_block()
    ws.row_dimensions[2].height = 36
    ws.row_dimensions[3].height = 24
    ws.row_dimensions[HEADER_ROW].height = 30
    ws.append([_text_cell(ws, table_spec.attachment, LABEL_FONT)])
    title = (f"{opts.year}年度" if opts.year else "") + table_spec.title + ("（草稿）" if opts.draft else "")
    ws.append([_text_cell(ws, title, TITLE_FONT, "center")])
    ws.merged_cells.add(f"A2:{last}2")
    # Header block: label and value in one cell per half, as the official 样式 prints it.
    half = len(letters) // 2
    left = _text_cell(ws, f"{labels['applicant']}：{opts.applicant}", BLOCK_FONT)
    right = _text_cell(ws, f"{labels['uscc']}：{opts.uscc}", BLOCK_FONT)
    ws.append([left] + [None] * (half - 1) + [right])
    ws.merged_cells.add(f"A3:{letters[half - 1]}3")
    ws.merged_cells.add(f"{letters[half]}3:{last}3")
    head = []
    for col in table_spec.columns:
        cell = WriteOnlyCell(ws, value=col.header)
        cell.font = HEAD_FONT
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.append(cell)
    ws.append(head)


def _totals_row(wb: Workbook, ws: Any, keys: list[str], letters: list[str], styles: list, widths: list[float],
                row_no: int, totals: dict) -> str:
    """Return the 合计 row: the label in the first column, the totals under their columns."""
    bold = WriteOnlyCell(ws)
    bold.font = HEAD_FONT
    bold.border = BORDER
    bold.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    label_style = wb._cell_styles.add(bold._style)
    cells = [f'<c r="A{row_no}" s="{label_style}" t="inlineStr"><is><t>合计</t></is></c>']
    lines = 1
    for i, key in enumerate(keys[1:], start=1):
        xml, text = _cell_xml(f"{letters[i]}{row_no}", totals.get(key), styles[i])
        cells.append(xml)
        if text:
            lines = max(lines, text_lines(text, widths[i]))
    return f'<row r="{row_no}" ht="{row_height(lines):g}" customHeight="1">{"".join(cells)}</row>'


def _seal_row(wb: Workbook, ws: Any, row_no: int, date_cn: str) -> str:
    line = SEAL_LINE + (date_cn or "")
    seal = _text_cell(ws, line, BLOCK_FONT)
    style = wb._cell_styles.add(seal._style)
    return (f'<row r="{row_no}" ht="30" customHeight="1"><c r="A{row_no}" s="{style}" t="inlineStr">'
            f'<is><t xml:space="preserve">{escape(line)}</t></is></c></row>')


def _properties(wb: Workbook, table_spec: Any) -> None:
    props = wb.properties
    props.creator = AUTHOR
    props.lastModifiedBy = AUTHOR
    props.title = table_spec.title
    props.subject = table_spec.attachment
    props.created = FIXED_TIME
    props.modified = FIXED_TIME


def _splice_rows(package: bytes, marker_row: int, rows_xml: str) -> bytes:
    """Return the workbook with the marker row of sheet 1 replaced by ``rows_xml``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = content.decode("utf-8")
                start = text.index(f'<row r="{marker_row}"')
                end = text.index("</row>", start) + len("</row>")
                if _MARKER not in text[start:end]:
                    raise AssertionError("marker row not found")   # openpyxl changed its output
                content = (text[:start] + rows_xml + text[end:]).encode("utf-8")
            dst.writestr(info, content)
    return out.getvalue()


def render_table_pdf(table: Table, out_pdf: Path, *, applicant: str, uscc: str, year: int | None,
                     draft: bool = False, page_numbers: bool = True, records: Iterable | None = None,
                     date_cn: str = "", totals: dict | None = None, timeout: float = 300) -> Path:
    """Return ``out_pdf``: the table printed by LibreOffice Calc (xlsx → PDF, one process).

    The intermediate workbook lives in a private temporary folder and is removed afterwards.
    """
    out_pdf = Path(out_pdf)
    with private_dir(WORKDIR_PREFIX) as private:     # 0700: the workbook holds IDs
        xlsx = private / (out_pdf.stem + ".xlsx")
        render_table_xlsx(table, xlsx, applicant=applicant, uscc=uscc, year=year, draft=draft,
                          page_numbers=page_numbers, records=records, date_cn=date_cn, totals=totals)
        (pdf,) = convert_to_pdf([xlsx], private, timeout=timeout)
        with atomic_path(out_pdf, mode=0o600) as tmp:
            shutil.copyfile(pdf, tmp)
    return out_pdf
