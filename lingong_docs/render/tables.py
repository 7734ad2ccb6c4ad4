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
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from pypdf import PdfReader

from lingong_docs.core.layout import (
    DATE_ROW_HEIGHT,
    INDENT,
    SEAL_ROW_HEIGHT,
    column_widths,
    row_height,
    seal_line_spans,
    text_lines,
)
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
# The seal line: two parts, each in its own merged cells with room after the "：" for the box the
# bundler places there (``core.layout.seal_line_spans``), and the date on a line of its own.
SEAL_PARTS = ("申请单位（盖章）：", "经办人（签字）：")
DATE_LABEL = "日期："
# Rows that go with the 合计 row and the seal line onto the last page when Calc would leave the
# seal line alone (``render_tables_pdf``).
KEEP_ROWS = 3
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
    openpyxl (3.1.5, pinned in constraints.txt) has no public setter for font 0 or the Normal
    style's font, so this is the one place that writes its private ``_fonts``/``_named_styles``;
    tests/test_third_party.py fails by name if a new openpyxl moves them.
    """
    wb._fonts = IndexedList([DEFAULT_FONT_PRINT])
    wb._named_styles["Normal"].font = DEFAULT_FONT_PRINT


def safe_string(value: str) -> tuple[str, bool]:
    """Return (text, quote_prefix) exactly as ``safe_text`` would store ``value`` in a cell."""
    text = strip_controls(value)
    return text, text.startswith(SAFE_PREFIXES)


def _column_style(col) -> tuple[Alignment, str]:
    """Return the alignment and number format of a data column."""
    # Numbers are centred: Calc 7.4 ignores the indent of right-aligned cells with most number
    # formats ("#,##0.00"), and a centred number keeps ≥ 1 mm from the rules since every column
    # is at least as wide as its 合计 plus the padding (core.layout.column_widths).
    centred = col.key == "seq" or col.type in ("integer", "number", "datetime") or col.text
    horizontal = "center" if centred else "left"
    if col.type == "datetime":
        fmt = col.number_format if col.number_format not in (None, DATETIME_FORMAT) else DATETIME_FORMAT
    elif col.text or col.type == "string":
        fmt = "@"
    else:
        fmt = col.number_format or _FORMATS.get(col.type, "General")
    # Text that runs to a rule is indented (core.layout.INDENT): ≥ 1 mm between it and the rule.
    indent = INDENT if horizontal == "left" else 0
    return Alignment(horizontal=horizontal, vertical="center", wrap_text=True, indent=indent), fmt


def indented_columns(kind: str) -> list[bool]:
    """Return, per column of table ``kind``, whether its data cells are indented (left- or
    right-aligned text: ``core.layout.text_lines(..., indented=)``)."""
    return [_column_style(col)[0].indent > 0 for col in spec(kind).columns]


def _style_ids(ws, table_spec) -> list[tuple[int, int]]:
    """Register each data column's style; return (style id, style id with quote prefix)."""
    ids = []
    for col in table_spec.columns:
        alignment, fmt = _column_style(col)
        pair = []
        for quote in (False, True):
            # a fresh cell for each style: ``style_id`` registers the cell's style array with the
            # workbook, and changing that array afterwards would change the registered one
            cell = WriteOnlyCell(ws)
            cell.font = BODY_FONT
            cell.border = BORDER
            cell.alignment = alignment
            cell.number_format = fmt
            cell.quotePrefix = quote
            pair.append(cell.style_id)
        ids.append((pair[0], pair[1]))
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


def _data_rows(records: Iterable, keys: list[str], letters: list[str], styles, widths: list[tuple[float, bool]],
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
                lines = max(lines, text_lines(text, *widths[i]))
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
                      date_cn: str = "", totals: dict | None = None, draft_reason: str | None = None,
                      keep_last: int = 0) -> Path:
    """Return ``out_xlsx``: the print-formatted official table (附件4 or 附件5) of ``table``.

    ``records`` (any iterable of ``Record``) defaults to ``table.records``; only those rows are
    printed, in that order. Landscape A4, title ``{year}年度{title}``, the 附件 label, the header
    block (repeated in the page header of every page: 申请单位全称 left, 统一社会信用代码 right),
    column headers repeated on every page, borders, all columns fitted to the page width, rows as
    tall as ``core.layout`` says their text needs, a 合计 row (``totals``), a seal line with the
    date at the end, and (``page_numbers``) a footer 第 N 页 共 M 页. ``draft`` prints a warning
    in the page header and the title. ``keep_last``: start a new page before the last that many
    data rows (so that they, the 合计 row and the seal line share the last page).
    """
    opts = TableOptions(applicant=applicant, uscc=uscc, year=year, draft=draft, page_numbers=page_numbers,
                        date_cn=date_cn, totals=dict(totals or {}), draft_reason=draft_reason or DRAFT_REASON)
    table_spec = spec(table.kind)
    columns = table_spec.columns
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    wb = Workbook(write_only=True)
    _set_default_font(wb)
    ws = wb.create_sheet(table_spec.sheet)
    widths = column_widths(table.kind, [(col.key, col.width + 2) for col in columns], opts.totals)
    for letter, width in zip(letters, widths):
        ws.column_dimensions[letter].width = width
    _page_setup(ws, opts)
    _head_rows(ws, table_spec, letters, opts)

    styles = _style_ids(ws, table_spec)
    keys = [col.key for col in columns]
    fits = list(zip(widths, indented_columns(table.kind)))        # (width, indented) per column
    rows_xml, count = _data_rows(table.records if records is None else records, keys, letters, styles, fits,
                                 HEADER_ROW + 1)
    next_row = HEADER_ROW + count + 1
    if opts.totals:
        rows_xml.append(_totals_row(ws, keys, letters, styles, fits, next_row, opts.totals))
        next_row += 1
    seal_row = next_row + 1
    rows_xml.append(_seal_rows(ws, letters, widths, seal_row, opts.date_cn))
    ws.print_area = f"A1:{letters[-1]}{seal_row + 1}"
    if keep_last and count > 1:
        ws.row_breaks.append(Break(id=HEADER_ROW + count - min(keep_last, count - 1)))
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


def _totals_row(ws: Any, keys: list[str], letters: list[str], styles: list,
                widths: list[tuple[float, bool]], row_no: int, totals: dict) -> str:
    """Return the 合计 row: the label in the first column, the totals under their columns."""
    bold = WriteOnlyCell(ws)
    bold.font = HEAD_FONT
    bold.border = BORDER
    bold.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    label_style = bold.style_id
    cells = [f'<c r="A{row_no}" s="{label_style}" t="inlineStr"><is><t>合计</t></is></c>']
    lines = 1
    for i, key in enumerate(keys[1:], start=1):
        xml, text = _cell_xml(f"{letters[i]}{row_no}", totals.get(key), styles[i])
        cells.append(xml)
        if text:
            lines = max(lines, text_lines(text, *widths[i]))
    return f'<row r="{row_no}" ht="{row_height(lines):g}" customHeight="1">{"".join(cells)}</row>'


def _seal_rows(ws: Any, letters: list[str], widths: list[float], row_no: int, date_cn: str) -> str:
    """Return the seal line (its parts in merged cells, tall enough for the seal box) and the
    date line under it, right-aligned."""
    spans = seal_line_spans(widths)
    style = _text_cell(ws, "", BLOCK_FONT).style_id
    right = _text_cell(ws, "", BLOCK_FONT, "right").style_id
    cells = []
    for (first, last), text in zip(spans, SEAL_PARTS):
        cells.append(f'<c r="{letters[first]}{row_no}" s="{style}" t="inlineStr"><is><t>{escape(text)}</t></is></c>')
        if last > first:
            ws.merged_cells.add(f"{letters[first]}{row_no}:{letters[last]}{row_no}")
    date = DATE_LABEL + (safe_string(date_cn)[0] if date_cn else "")
    first = spans[-1][0]
    ws.merged_cells.add(f"{letters[first]}{row_no + 1}:{letters[-1]}{row_no + 1}")
    return (f'<row r="{row_no}" ht="{SEAL_ROW_HEIGHT:g}" customHeight="1">{"".join(cells)}</row>'
            f'<row r="{row_no + 1}" ht="{DATE_ROW_HEIGHT:g}" customHeight="1"><c r="{letters[first]}{row_no + 1}" '
            f's="{right}" t="inlineStr"><is><t>{escape(date)}</t></is></c></row>')


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


def ends_together(pdf: Path) -> bool:
    """Return whether the last page of a printed table holds a data row above its 合计 row (or,
    without one, above the seal line): Calc breaks pages wherever a row does not fit, and can
    leave the 合计 row or the seal line alone on the last page."""
    reader = PdfReader(pdf)
    if len(reader.pages) < 2:
        return True
    spots: list[tuple[str, float]] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            spots.append((text.strip(), tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    reader.pages[-1].extract_text(visitor_text=visit)
    end = [y for t, y in spots if t.startswith(("合计", SEAL_PARTS[0]))]
    head = [y for t, y in spots if t.startswith("序号")]
    if not end or not head:
        return False
    return any(max(end) + 2 < y < head[0] - 2 for _t, y in spots)


def keep_rows(table: Table, records: Iterable | None = None) -> int:
    """Return how many last data rows go with the 合计 row and the seal line onto a new page:
    up to ``KEEP_ROWS``, as long as they take few lines."""
    rows = list(table.records if records is None else records)[-KEEP_ROWS:]
    widths = column_widths(table.kind, [(c.key, c.width + 2) for c in spec(table.kind).columns], {})
    keys = [c.key for c in spec(table.kind).columns]
    keep, lines = 0, 0
    for record in reversed(rows):
        lines += max(text_lines(record.values.get(k), w) for k, w in zip(keys, widths))
        if keep and lines > 12:
            break
        keep += 1
    return max(keep, 1)


def render_tables_pdf(books: list[tuple[Table, Path, dict]], outdir: Path, timeout: float = 300) -> list[Path]:
    """Return the PDFs of the tables ``books`` ((table, xlsx path, ``render_table_xlsx`` options)),
    converted in one Calc run; a table whose last page would hold only the 合计 row or the seal
    line is printed again with its last rows moved to that page (``ends_together``)."""
    xlsx = [render_table_xlsx(table, path, **options) for table, path, options in books]
    pdfs = convert_to_pdf(xlsx, outdir, timeout=timeout)
    redo = [i for i, pdf in enumerate(pdfs) if not ends_together(pdf)]
    if redo:
        again = [render_table_xlsx(books[i][0], books[i][1], **books[i][2],
                                   keep_last=keep_rows(books[i][0], books[i][2].get("records"))) for i in redo]
        for i, pdf in zip(redo, convert_to_pdf(again, outdir, timeout=timeout)):
            pdfs[i] = pdf
    return pdfs


def render_table_pdf(table: Table, out_pdf: Path, *, applicant: str, uscc: str, year: int | None,
                     draft: bool = False, page_numbers: bool = True, records: Iterable | None = None,
                     date_cn: str = "", totals: dict | None = None, timeout: float = 300) -> Path:
    """Return ``out_pdf``: the table printed by LibreOffice Calc (xlsx → PDF, ``render_tables_pdf``).

    The intermediate workbook lives in a private temporary folder and is removed afterwards.
    """
    out_pdf = Path(out_pdf)
    with private_dir(WORKDIR_PREFIX) as private:     # 0700: the workbook holds IDs
        xlsx = private / (out_pdf.stem + ".xlsx")
        options = dict(applicant=applicant, uscc=uscc, year=year, draft=draft, page_numbers=page_numbers,
                       records=records, date_cn=date_cn, totals=totals)
        (pdf,) = render_tables_pdf([(table, xlsx, options)], private, timeout=timeout)
        with atomic_path(out_pdf, mode=0o600) as tmp:
            shutil.copyfile(pdf, tmp)
    return out_pdf
