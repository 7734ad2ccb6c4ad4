"""The 受理回执: one per received package, as JSON and as a PDF notice (一次性告知).

JSON keys (stable)::

    package      file name of the received package (as received, cleaned for display)
    sha256       SHA-256 of the package file
    receipt_no   "SL" + first 12 hex digits of sha256, upper-case (the same file → the same number)
    received     ISO date the package was examined as received (--as-of)
    verdict      "accepted" | "rejected"
    verdict_zh   "受理" | "不予受理"
    kind         "operating" | "employment" | "recognition" | null;  kind_zh the Chinese label
    year         service year or null
    applicant    {"name", "uscc", "market"} (from the manifest; agency data only)
    figures      null, or the recomputed {year, demand_total, match_count, operating_passed,
                 operating_subsidy, employment_subsidy, total, amount, amount_wan, amount_upper}
                 — money as exact decimal text ("200000.00")
    signatures   [{"field", "status"}] status: none | valid | broken | modified
    findings     [{"no", "code", "severity", "message", "hint"}] — the one numbered list

No worker data appears anywhere in a receipt: findings name rules, files and Excel rows only.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from lingong_docs.core import findings as F
from lingong_docs.core import kinds
from lingong_docs.intake.examine.examination import Examination
from lingong_docs.intake.names import clean_name
from lingong_docs.util.atomic import atomic_path, atomic_write_bytes
from lingong_docs.util.money import cn_date, rmb_upper, wan, yuan

ACCEPTED, REJECTED = "accepted", "rejected"
VERDICT_ZH = {ACCEPTED: "受理", REJECTED: "不予受理"}
SIGNATURE_ZH = {"none": "未签章", "valid": "有效", "broken": "已失效", "modified": "签章后被修改"}
BUREAU = "朝阳区人力资源和社会保障局"


def receipt_number(sha256: str) -> str:
    """Return the receipt number of a package: the same file always gets the same number."""
    return "SL" + sha256[:12].upper()


@dataclass
class Receipt:
    package: str
    sha256: str
    receipt_no: str
    received: dt.date
    verdict: str
    kind: str | None = None
    year: int | None = None
    applicant: dict = field(default_factory=dict)
    figures: dict | None = None
    signatures: list = field(default_factory=list)
    findings: list = field(default_factory=list)       # Finding, errors first

    @property
    def accepted(self) -> bool:
        return self.verdict == ACCEPTED

    def to_dict(self) -> dict:
        return {
            "package": self.package,
            "sha256": self.sha256,
            "receipt_no": self.receipt_no,
            "received": self.received.isoformat(),
            "verdict": self.verdict,
            "verdict_zh": VERDICT_ZH[self.verdict],
            "kind": self.kind,
            "kind_zh": kinds.label(self.kind) if self.kind in kinds.KINDS else None,
            "year": self.year,
            "applicant": dict(self.applicant),
            "figures": self.figures,
            "signatures": list(self.signatures),
            "findings": [{"no": i, "code": f.code, "severity": f.severity, "message": f.message,
                          "hint": f.hint} for i, f in enumerate(self.findings, start=1)],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def make_receipt(ex: Examination, received: dt.date) -> Receipt:
    """Return the receipt of an examination: rejected when any finding is an error."""
    order = {F.ERROR: 0, F.WARNING: 1, F.INFO: 2}
    findings = sorted(_unique(ex.findings), key=lambda f: order.get(f.severity, 9))
    verdict = REJECTED if any(f.severity == F.ERROR for f in findings) else ACCEPTED
    figures = None
    if ex.figures is not None:
        amount = ex.amount()
        figures = {
            "year": ex.figures.get("year"),
            "demand_total": ex.figures.get("demand_total"),
            "match_count": ex.figures.get("match_count"),
            "operating_passed": ex.figures.get("operating_passed"),
            "operating_subsidy": ex.exact.get("operating_subsidy"),
            "employment_subsidy": ex.exact.get("employment_subsidy"),
            "total": ex.exact.get("total"),
            "amount": None if amount is None else str(amount),
            "amount_wan": None if amount is None else wan(amount),
            "amount_upper": None if amount is None else rmb_upper(amount),
        }
    return Receipt(package=clean_name(ex.path.name), sha256=ex.sha256, receipt_no=receipt_number(ex.sha256),
                   received=received, verdict=verdict, kind=ex.kind, year=ex.year,
                   applicant=dict(ex.applicant) if ex.applicant else {"name": None, "uscc": None, "market": None},
                   figures=figures, signatures=list(ex.signatures), findings=findings)


def _unique(findings: list) -> list:
    seen, out = set(), []
    for f in findings:
        k = (f.code, f.message)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out


# ---- files ------------------------------------------------------------------------------------

def write_receipt(receipt: Receipt, folder: str | Path) -> tuple[Path, Path]:
    """Write ``<receipt_no>.json`` and ``<receipt_no>.pdf`` into ``folder``; return both paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    json_path = atomic_write_bytes(folder / f"{receipt.receipt_no}.json", (receipt.to_json() + "\n").encode("utf-8"))
    pdf_path = folder / f"{receipt.receipt_no}.pdf"
    with atomic_path(pdf_path) as tmp:
        render_pdf(receipt, tmp)
    return json_path, pdf_path


def render_pdf(receipt: Receipt, target: Path) -> None:
    """Draw the receipt with reportlab and an embedded CJK TrueType font (reproducible bytes)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from lingong_docs.util.fonts import cjk_font

    font = cjk_font()
    base = ParagraphStyle("body", fontName=font, fontSize=11, leading=17, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1, spaceAfter=4 * mm)
    head = ParagraphStyle("head", parent=base, fontSize=13, leading=20, spaceBefore=4 * mm, spaceAfter=2 * mm)
    small = ParagraphStyle("small", parent=base, fontSize=9, leading=13, textColor=colors.HexColor("#444444"))
    right = ParagraphStyle("right", parent=base, alignment=2)

    def p(text, style=base):
        return Paragraph(_esc(text), style)

    a = receipt.applicant or {}
    fig = receipt.figures or {}
    verdict = VERDICT_ZH[receipt.verdict]
    heading = "零工市场补贴申请材料受理回执" if receipt.accepted else "零工市场补贴申请材料不予受理告知书"
    rows = [
        ("回执编号", receipt.receipt_no),
        ("申请单位", a.get("name") or "（未能读取）"),
        ("统一社会信用代码", a.get("uscc") or "（未能读取）"),
        ("零工市场（驿站）", a.get("market") or "（未能读取）"),
        ("申请事项", kinds.label(receipt.kind)),
        ("申请年度", f"{receipt.year}年度" if receipt.year else "（未能读取）"),
        ("收件日期", cn_date(receipt.received)),
        ("材料包文件", receipt.package),
        ("材料包 SHA-256", receipt.sha256),
    ]
    if fig:
        rows.append(("核验撮合个次", f"{fig.get('match_count')}个次"))
        if fig.get("amount") is not None:
            amount = Decimal(fig["amount"])
            rows.append(("核算申请金额", f"{yuan(amount)}元（{wan(amount)}万元，大写：人民币{rmb_upper(amount)}）"))
    rows.append(("核验结论", verdict))
    table = Table([[p(k), p(v)] for k, v in rows], colWidths=[38 * mm, 122 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story = [p(heading, title), table]
    errors = [f for f in receipt.findings if f.severity == F.ERROR]
    others = [f for f in receipt.findings if f.severity != F.ERROR]
    if receipt.accepted:
        unsigned = any(f.code == "signature-missing" for f in receipt.findings)
        seals = "（尚未加盖电子签章，本回执仅为预审结果）" if unsigned else "、签章有效"
        story.append(p(f"经核验，贵单位报送的申请材料齐全{seals}、数据与材料一致，予以受理。"
                       if not unsigned else f"经核验，贵单位报送的申请材料齐全、数据与材料一致{seals}。", head))
    else:
        story.append(p(f"经核验，贵单位报送的申请材料存在以下{len(errors)}项问题，不予受理。"
                       "现一次性告知如下，请全部改正后重新报送：", head))
    for i, f in enumerate(receipt.findings, start=1):
        label = F.SEVERITY_ZH.get(f.severity, f.severity)
        story.append(p(f"{i}. 【{label}】{f.message}（规则 {f.code}）"))
        if f.hint:
            story.append(p(f"    处理建议：{f.hint}", small))
    if not receipt.findings:
        story.append(p("（无问题）"))
    if receipt.signatures:
        story.append(p("电子签章核验", head))
        for s in receipt.signatures:
            story.append(p(f"{clean_name(s['field'])}：{SIGNATURE_ZH.get(s['status'], s['status'])}"))
    if others and receipt.accepted:
        story.append(p("以上提示不影响受理，请在后续核查中说明。", small))
    story += [Spacer(1, 12 * mm), p(BUREAU, right), p(cn_date(receipt.received), right)]
    doc = SimpleDocTemplate(str(target), pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm,
                            topMargin=25 * mm, bottomMargin=20 * mm, title=heading, author=BUREAU,
                            subject=receipt.receipt_no, creator="lingong-docs", invariant=1)
    doc.build(story)


def _esc(text) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
