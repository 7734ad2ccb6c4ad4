"""Draw a receipt (``receipt.Receipt``) as a one-or-more-page A4 PDF with reportlab."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from lingong_docs.core import findings as F
from lingong_docs.intake.receipt import SIGNATURE_ZH, Receipt, escape, summary_rows
from lingong_docs.util.money import cn_date

BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm

    from lingong_docs.core.fonts import cjk_font

    base = ParagraphStyle("body", fontName=cjk_font(), fontSize=11, leading=17, wordWrap="CJK")
    return {"base": base,
            "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1, spaceAfter=4 * mm),
            "head": ParagraphStyle("head", parent=base, fontSize=13, leading=20, spaceBefore=4 * mm,
                                   spaceAfter=2 * mm),
            "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13,
                                    textColor=colors.HexColor("#444444")),
            "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
            "right": ParagraphStyle("right", parent=base, alignment=2)}


def _table(rows: list[list[Any]], widths: list[float], header: bool = False) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    shade = ((0, 0), (-1, 0)) if header else ((0, 0), (0, -1))
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("BACKGROUND", shade[0], shade[1], colors.HexColor("#EEEEEE")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _conclusion(receipt: Receipt) -> str:
    if not receipt.accepted:
        errors = sum(1 for f in receipt.findings if f.severity == F.ERROR)
        return f"经核验，贵单位报送的申请材料存在以下{errors}项问题，不予受理。现一次性告知如下，请全部改正后重新报送："
    statuses = {s["status"] for s in receipt.signatures if s.get("kind") != "timestamp"}
    if not statuses or "none" in statuses:
        return "经核验，贵单位报送的申请材料齐全、数据与材料一致（尚未加盖电子签章，本回执仅为预审结果）。"
    seals = "签章有效" if statuses == {"valid"} else "签章内容完好（签章证书未经核验）"
    return f"经核验，贵单位报送的申请材料齐全、{seals}、数据与材料一致，予以受理。"


def _findings(receipt: Receipt, st: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import Paragraph

    story = []
    for i, f in enumerate(receipt.findings, start=1):
        label = F.SEVERITY_ZH.get(f.severity, f.severity)
        story.append(Paragraph(escape(f"{i}. 【{label}】{f.message}（规则 {f.code}）"), st["base"]))
        if f.hint:
            story.append(Paragraph(escape(f"    处理建议：{f.hint}"), st["small"]))
    if not receipt.findings:
        story.append(Paragraph("（无问题）", st["base"]))
    return story


def _signatures(receipt: Receipt, st: dict[str, Any]) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    if not receipt.signatures:
        return []

    def cell(text: object) -> Any:
        return Paragraph(escape(text if text not in (None, "") else "—"), st["cell"])

    rows = [[cell(h) for h in ("盖章、签字位置", "签章人", "证书签发者", "算法", "签章时间", "核验结果")]]
    for s in receipt.signatures:
        when = s.get("timestamp") if s.get("kind") == "timestamp" else s.get("signing_time")
        result = SIGNATURE_ZH.get(s["status"], s["status"])
        if s.get("checked_at_source") == "timestamp" and s["status"] in ("valid", "untrusted", "revoked"):
            result += f"（证书按时间戳时间 {_beijing(s.get('checked_at'))} 核验）"
        rows.append([cell(s.get("place") or s.get("field")), cell(s.get("signer")), cell(s.get("issuer")),
                     cell(s.get("algorithm")), cell(_beijing(when)), cell(result)])
    return [Paragraph("电子签章核验", st["head"]),
            _table(rows, [42 * mm, 30 * mm, 28 * mm, 14 * mm, 24 * mm, 22 * mm], header=True)]


def _beijing(when: str | None) -> str:
    """A signing or timestamp time (ISO, with offset) as Beijing time, to the second."""
    if not when:
        return ""
    try:
        moment = dt.datetime.fromisoformat(when)
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(BEIJING)
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def draw(receipt: Receipt, target: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    st = _styles()
    heading = "零工市场补贴申请材料受理回执" if receipt.accepted else "零工市场补贴申请材料不予受理告知书"
    summary = _table([[Paragraph(escape(k), st["base"]), Paragraph(escape(v), st["base"])]
                      for k, v in summary_rows(receipt)], [38 * mm, 122 * mm])
    story = [Paragraph(escape(heading), st["title"]), summary,
             Paragraph(escape(_conclusion(receipt)), st["head"]), *_findings(receipt, st),
             *_signatures(receipt, st)]
    if receipt.accepted and receipt.findings:
        story.append(Paragraph("以上提示不影响受理，请在后续核查中说明。", st["small"]))
    story += [Spacer(1, 10 * mm), Paragraph(escape(f"{receipt.bureau}（盖章）"), st["right"]),
              Spacer(1, 22 * mm),                # room for the bureau's seal
              Paragraph(escape(cn_date(receipt.received)), st["right"])]
    doc = SimpleDocTemplate(str(target), pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm,
                            topMargin=25 * mm, bottomMargin=20 * mm, title=heading, author=receipt.bureau,
                            subject=receipt.receipt_no, creator="lingong-docs", invariant=1)
    doc.build(story)
