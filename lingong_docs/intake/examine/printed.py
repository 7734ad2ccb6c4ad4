"""The printed pages must show what the embedded data gives.

The package stage records in the manifest (``printed``) the exact text it printed for each figure
and on which material (``core.manifest.printed_text``: the report's 撮合个次, 需求人数 and amount in
万元 and in capitals; the checklist's row counts of 附件4/附件5). Intake recomputes each figure,
formats it the same way, and requires (1) the recorded text to be that text and (2) the text to
appear on that material's pages. A roster swapped for a bigger one (hashes and manifest updated)
is caught here: the pages still print the old numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lingong_docs.core import manifest as contract
from lingong_docs.core.manifest import Manifest
from lingong_docs.intake.examine.examination import REPORT_OF, Examination, compact
from lingong_docs.intake.scan.result import ScanResult
from lingong_docs.intake.truth import TruthResult
from lingong_docs.util.money import rmb_upper, wan

_LABELS = {contract.PRINTED_MATCH_COUNT: contract.FIGURE_LABELS["match_count"],
           contract.PRINTED_DEMAND_TOTAL: contract.FIGURE_LABELS["demand_total"],
           contract.PRINTED_WAN: "申请金额（万元）", contract.PRINTED_UPPER: "申请金额（大写）",
           (contract.PRINTED_RECORDS, "roster"): "附件5记录条数",
           (contract.PRINTED_RECORDS, "job_posts"): "附件4岗位条数"}


def expected_printed(ex: Examination, manifest: Manifest, records: dict[str, int]) -> list[tuple[str, str, str | None, str]]:
    """Return (material, field, table, text) of every figure the package must print, from the
    recomputation (``core.manifest.printed_figures``: the same decision the package stage made)."""
    if ex.kind not in REPORT_OF or ex.figures is None:
        return []
    counted: dict[str, int] = {table: records[table] for table in ("job_posts", "roster")
               if manifest.material("checklist") is not None and manifest.material(table) is not None
               and table in records}
    printed = contract.printed_figures(ex.kind, match_count=int(ex.figures.get("match_count") or 0),
                                       demand_total=int(ex.figures.get("demand_total") or 0),
                                       amount=ex.amount() or Decimal(0), records=counted)
    return [(p.material, p.field, p.table, p.text) for p in printed]


def check_printed(ex: Examination, scan: ScanResult, manifest: Manifest, result: TruthResult) -> None:
    """Add ``printed-figures-mismatch`` for each figure not printed as recomputed."""
    recorded = {(p.material, p.field, p.table): p.text for p in (manifest.printed or ())}
    for material, field, table, text in expected_printed(ex, manifest, result.records):
        mat = manifest.material(material)
        if mat is None:
            continue                                   # material-missing already says so
        label = _LABELS.get((field, table) if table else field, field)
        claimed = recorded.get((material, field, table))
        page = _plain(scan.text_of(mat.first_page, mat.last_page))
        if claimed is None:
            shown = "（材料包未记录）"
        elif _plain(claimed) != _plain(text):
            shown = claimed
        elif _plain(text) not in page:
            shown = "（页面上未找到）"
        else:
            continue
        if field in (contract.PRINTED_WAN, contract.PRINTED_UPPER):
            if not ex.has("amount-mismatch"):
                amount = ex.amount() or Decimal(0)
                ex.add("amount-mismatch", report=ex.title_of(material), amount=wan(amount), upper=rmb_upper(amount))
            continue
        ex.add("printed-figures-mismatch", material=ex.title_of(material), field=label,
               printed=shown[:80], computed=text)


def _plain(text: str) -> str:
    """Compact text without thousands separators (pages and records are compared this way)."""
    out = compact(text)
    for sep in (",", "，"):
        out = out.replace(sep, "")
    return out


def check_printed_rows(ex: Examination, manifest: Manifest, result: TruthResult, sampled: dict[str, Any]) -> None:
    """One finding per table whose printed rows differ from its workbook, naming page and row of each."""
    for name, differences in result.printed_rows.items():
        info = sampled.get(name) or {}
        if differences:
            shown = [_where(page, row) for page, row in differences]
            ex.add("printed-rows-mismatch", material=ex.title_of(name), count=len(differences),
                   rows="、".join(shown[:20]) + (f"等{len(shown)}处" if len(shown) > 20 else ""))
        if info and not info.get("complete"):
            ex.add("printed-rows-sampled", material=ex.title_of(name), pages=info.get("total"),
                   checked=len(info.get("pages") or {}))


def _where(page: int, row: int) -> str:
    if not page:
        return f"表格第{row}行（未印出）"
    return f"第{page}页（表格第{row}行）" if row else f"第{page}页（找不到列标题，无法逐格核对）"
