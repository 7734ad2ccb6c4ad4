"""The 公示 notice: agencies, credit codes, markets, subsidy types, 个次 and amounts.

Built from the ledger (accepted packages) or from packages examined on the spot. It holds no
worker data at all (see docs/security.md): the ledger has none to give, and nothing is taken from
a roster. Cells are written through ``workbook.safe_text``, so no text becomes a formula.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lingong_docs.core import kinds
from lingong_docs.core.errors import IntakeError
from lingong_docs.intake.receipt import bureau_name, escape
from lingong_docs.util.atomic import atomic_path
from lingong_docs.util.money import cn_date, yuan

COLUMNS = ("序号", "申请单位", "统一社会信用代码", "零工市场（驿站）", "补贴类型", "撮合个次", "补贴金额（元）")
KIND_ORDER = {"recognition": 0, "operating": 1, "employment": 2}


@dataclass(frozen=True)
class NoticeRow:
    applicant: str
    uscc: str
    market: str
    kind: str
    match_count: int | None
    amount: Decimal | None

    def cells(self, no: int) -> list:
        amount = "—" if self.kind == "recognition" or self.amount is None else yuan(self.amount)
        count = "—" if self.kind == "recognition" or self.match_count is None else self.match_count
        return [no, self.applicant, self.uscc, self.market, kinds.label(self.kind), count, amount]


def rows_from_ledger(records: list[dict]) -> list[NoticeRow]:
    """Return notice rows for accepted ledger records (``Ledger.packages()``)."""
    out = []
    for r in records:
        out.append(NoticeRow(applicant=r.get("applicant") or "", uscc=r.get("uscc") or "",
                             market=r.get("market") or "", kind=r.get("kind") or "",
                             match_count=r.get("match_count"),
                             amount=Decimal(r["amount"]) if r.get("amount") else None))
    return sorted(out, key=lambda n: (n.uscc, n.market, KIND_ORDER.get(n.kind, 9)))


def rows_from_receipts(receipts: list) -> list[NoticeRow]:
    """Return notice rows for the accepted receipts among ``receipts``."""
    out = []
    for r in receipts:
        if not r.accepted:
            continue
        fig = r.figures or {}
        out.append(NoticeRow(applicant=r.applicant.get("name") or "", uscc=r.applicant.get("uscc") or "",
                             market=r.applicant.get("market") or "", kind=r.kind or "",
                             match_count=fig.get("match_count"),
                             amount=Decimal(fig["amount"]) if fig.get("amount") else None))
    return sorted(out, key=lambda n: (n.uscc, n.market, KIND_ORDER.get(n.kind, 9)))


def title_for(year: int | None) -> str:
    return f"{year}年度朝阳区零工市场补贴拟支持名单公示" if year else "朝阳区零工市场补贴拟支持名单公示"


def write_notice(rows: list[NoticeRow], target: str | Path, *, year: int | None = None,
                 date: dt.date | None = None) -> Path:
    """Write the notice as .xlsx or .pdf (by the suffix of ``target``); return the path."""
    target = Path(target)
    suffix = target.suffix.lower()
    date = date or dt.date.today()
    if suffix == ".xlsx":
        with atomic_path(target) as tmp:
            _xlsx(rows, tmp, year, date)
    elif suffix == ".pdf":
        with atomic_path(target) as tmp:
            _pdf(rows, tmp, year, date)
    else:
        raise IntakeError.make("notice-format")
    return target


def _total(rows: list[NoticeRow]) -> Decimal:
    return sum((r.amount for r in rows if r.amount is not None and r.kind != "recognition"), Decimal("0.00"))


def _xlsx(rows: list[NoticeRow], path: Path, year, date: dt.date) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from lingong_docs.util.workbook import BORDER, HEAD_FONT, safe_text

    wb = Workbook()
    ws = wb.active
    ws.title = "公示名单"
    safe_text(ws.cell(1, 1), title_for(year))
    ws.cell(1, 1).font = Font(name="宋体", size=14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    for j, head in enumerate(COLUMNS, start=1):
        cell = ws.cell(2, j)
        safe_text(cell, head)
        cell.font = HEAD_FONT
        cell.border = BORDER
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row.cells(i), start=1):
            cell = ws.cell(2 + i, j)
            safe_text(cell, value if isinstance(value, (int, str)) else str(value))
            cell.border = BORDER
    last = 3 + len(rows)
    safe_text(ws.cell(last, 1), f"合计：{len(rows)}项，补贴金额{yuan(_total(rows))}元")
    safe_text(ws.cell(last + 1, 1), f"公示期间如有异议，请向{bureau_name()}反映。")
    safe_text(ws.cell(last + 2, 1), f"{bureau_name()}  {cn_date(date)}")
    for letter, width in zip("ABCDEFG", (6, 34, 22, 26, 16, 12, 16)):
        ws.column_dimensions[letter].width = width
    wb.properties.creator = bureau_name()
    wb.save(path)


def _pdf(rows: list[NoticeRow], path: Path, year, date: dt.date) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from lingong_docs.core.fonts import cjk_font

    font = cjk_font()
    base = ParagraphStyle("b", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    title = ParagraphStyle("t", parent=base, fontSize=16, leading=24, alignment=1, spaceAfter=5 * mm)
    right = ParagraphStyle("r", parent=base, alignment=2)
    data = [[Paragraph(escape(h), base) for h in COLUMNS]]
    data += [[Paragraph(escape(v), base) for v in row.cells(i)] for i, row in enumerate(rows, start=1)]
    table = Table(data, colWidths=[12 * mm, 62 * mm, 44 * mm, 56 * mm, 30 * mm, 24 * mm, 32 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story = [Paragraph(escape(title_for(year)), title), table, Spacer(1, 4 * mm),
             Paragraph(escape(f"合计：{len(rows)}项，补贴金额{yuan(_total(rows))}元。"), base),
             Paragraph(escape(f"公示期间如有异议，请向{bureau_name()}反映。"), base), Spacer(1, 8 * mm),
             Paragraph(escape(bureau_name()), right), Paragraph(escape(cn_date(date)), right)]
    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=18 * mm, bottomMargin=15 * mm, title=title_for(year), author=bureau_name(),
                            creator="lingong-docs", invariant=1)
    doc.build(story)
