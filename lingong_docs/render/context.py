"""Template variables of the forms, built from the application info and the computed figures."""

from __future__ import annotations

import datetime as dt
import re

from lingong_docs.core.errors import RenderError
from lingong_docs.core.kinds import KINDS
from lingong_docs.core.layout import market_name
from lingong_docs.core.model import ApplicationInfo
from lingong_docs.reader.application import RECOGNITION_SECTIONS
from lingong_docs.util.money import cn_date, rmb_upper, to_money, wan, yuan

# 认定申请 sections in application.yaml → the key the 附件1 template loops over.
SECTION_KEYS = dict(zip(RECOGNITION_SECTIONS, ("site", "facilities", "platform", "agency")))
# A space between two CJK characters or CJK punctuation is left by YAML folding a long line
# ("聚集。 驿站"): Chinese text has none.
_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_FOLD_SPACE = re.compile(f"(?<=[{_CJK}]) +(?=[{_CJK}])")


def _paragraphs(text: str | None) -> list[str]:
    """Return the paragraphs of ``text`` as written: each non-empty line becomes one indented
    paragraph of 附件1 (a space YAML left between two Chinese characters is dropped)."""
    if not text:
        return []
    return [_FOLD_SPACE.sub("", line.strip()) for line in str(text).splitlines() if line.strip()]


def form_context(info: ApplicationInfo, *, kind: str, figures: dict | None,
                 materials: list[dict] | None = None, today: dt.date | None = None, page_note: str = "") -> dict:
    """Return the variables every form template may use, for one application ``kind``.

    ``figures`` (from the compute stage) has ``demand_total`` (int), ``match_count`` (int),
    ``operating_subsidy`` and ``employment_subsidy`` (Decimal yuan); it is required for the
    operating and employment kinds. ``materials`` is the checklist ([{no, title, pages, note}]);
    ``page_note`` a line printed under it (the paper edition's page count).
    The date printed is the application date, else ``today``. The recognition package speaks of
    an 认定申请 (第八条): its cover and checklist titles say so, not "补贴类型 … 申请材料".
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {tuple(KINDS)}")
    day = info.application_date or today or dt.date.today()
    ctx: dict = {
        "kind": kind,
        "kind_label": KINDS[kind].label,
        "applicant": info.applicant or "",
        "uscc": info.uscc or "",
        "market": market_name(info.market),
        "year": info.year if info.year is not None else "",
        "date_cn": cn_date(day),
        "legal_rep": info.legal_rep or "",
        "contact": info.contact or "",
        "contact_phone": info.contact_phone or "",
        "address": info.address or "",
        "recognition": {key: _paragraphs((info.recognition or {}).get(section))
                        for section, key in SECTION_KEYS.items()},
        "materials": [_material(m) for m in (materials or [])],
        "page_note": page_note,
        **_titles(kind, info.year, market_name(info.market)),
    }
    if figures is None:
        if kind != "recognition":
            raise RenderError.make("figures-missing", kind_label=KINDS[kind].label)
        return ctx
    ctx["demand_total"] = int(figures.get("demand_total") or 0)
    ctx["match_count"] = int(figures.get("match_count") or 0)
    for key in ("operating", "employment"):
        amount = to_money(figures.get(f"{key}_subsidy") or 0)
        ctx[f"{key}_yuan"] = yuan(amount)
        ctx[f"{key}_wan"] = wan(amount)
        ctx[f"{key}_upper"] = rmb_upper(amount)
    return ctx


def _titles(kind: str, year: int | None, market: str) -> dict:
    """Return the cover and checklist titles and the cover's row naming what is applied for."""
    year_text = f"{year}年度" if year is not None else ""
    if kind == "recognition":
        return {"cover_heading": f"朝阳区{market}", "package_title": "零工市场（驿站）认定申请材料",
                "checklist_title": "零工市场（驿站）认定申请材料清单", "kind_row_label": "申请事项",
                "kind_row_value": "零工市场（驿站）认定申请"}
    label = KINDS[kind].label
    return {"cover_heading": f"{year_text}朝阳区{market}", "package_title": f"{label}申请材料",
            "checklist_title": f"{year_text}{label}申请材料清单", "kind_row_label": "补贴类型",
            "kind_row_value": label}


def _material(item: dict) -> dict:
    """Return one checklist row with every field present (missing ones empty)."""
    return {key: ("" if item.get(key) is None else item.get(key)) for key in ("no", "title", "pages", "note")}
