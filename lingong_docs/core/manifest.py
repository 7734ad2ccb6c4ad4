"""The contract between the package stage (writes) and intake (reads).

A package embeds ``manifest.json``: what was built, from which data, with which figures, and
where every signature field stands. Signature fields are named ``seal_<material>`` or
``sign_<material>`` (``_2``, ``_3`` … for further places of the same material), so intake knows
where a package must be sealed even when the manifest is missing or was replaced.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lingong_docs.core.kinds import KINDS, OPERATING
from lingong_docs.core.policy import SEAL as SEAL
from lingong_docs.core.policy import SIGNATURE as SIGNATURE
from lingong_docs.core.policy import Material
from lingong_docs.util.money import rmb_upper, wan

NAME = "manifest.json"
FORMAT = "lingong-docs/manifest@1"
VALIDATION_NAME = "validation.json"
EVIDENCE_PREFIX = "支付凭证/"

ROLES = (SEAL, SIGNATURE)
ROLE_ZH = {SEAL: "盖章", SIGNATURE: "签字"}
_PREFIX = {SEAL: "seal", SIGNATURE: "sign"}
_FIELD_RE = re.compile(r"^(seal|sign)_([a-z_]+?)(?:_(\d+))?$")


def field_name(role: str, material: str, index: int = 1) -> str:
    """Return the signature field name of the ``index``-th ``role`` place of ``material``."""
    base = f"{_PREFIX[role]}_{material}"
    return base if index <= 1 else f"{base}_{index}"


@dataclass(frozen=True)
class FieldName:
    """A signature field name taken apart: role, material, index (1 for the first place)."""

    role: str
    material: str
    index: int


def parse_field_name(name: str, materials: tuple[str, ...] | list[str] = ()) -> FieldName | None:
    """Return the parts of a field name made by ``field_name``, or None for any other name.

    ``materials`` resolves names whose material itself ends in ``_<digits>``-free words (all do);
    when given, only those materials are accepted.
    """
    m = _FIELD_RE.match(str(name))
    if not m:
        return None
    role = SEAL if m.group(1) == "seal" else SIGNATURE
    material, index = m.group(2), int(m.group(3) or 1)
    if materials and material not in materials:
        return None
    return FieldName(role, material, index)


def place_label(role: str, material_title: str) -> str:
    """Return the Chinese name of a place, e.g. ``封面盖章``, ``附件2 运营经费补贴申请报告签字``."""
    return f"{material_title}{ROLE_ZH.get(role, role)}"


def required_places(materials: Sequence[Material]) -> list[tuple[str, str]]:
    """Return the (role, material) places a package holding ``materials`` must carry: the places
    each material's declaration in the policy requires (every form and table a seal, every report
    also a signature)."""
    return [(role, m.key) for m in materials for role in m.required_roles()]


# Who signs at a material's 签字 place, as its form words it: the reports ask for the 法定代表人, the
# printed tables' seal line for the 经办人 (the clerk who made them).
AGENT_SIGNED = ("job_posts", "roster")


def signer_title(material: str) -> str:
    """Return who signs ``material``'s 签字 place: ``法定代表人`` or ``经办人``."""
    return "经办人" if material in AGENT_SIGNED else "法定代表人"


# The name of each computed figure (a key of ``Figures.to_dict()``, the manifest's ``figures``):
# the explanation, the compute report, intake's comparison and its notices all say these words.
FIGURE_LABELS = {
    "year": "申请年度", "uscc": "统一社会信用代码", "applicant": "申请单位", "market": "零工市场名称",
    "counting_mode": "计次方式", "demand_total": "需求人数合计", "match_count": "撮合个次",
    "match_count_readings": "撮合个次（其他口径）", "operating_passed": "是否符合运营经费补贴标准",
    "operating_subsidy": "运营经费补贴", "employment_subsidy": "就业服务补贴", "total": "补贴合计",
    "cap": "机构年度上限", "deadline": "申请截止日期",
}


# ---- the manifest as intake reads it ------------------------------------------------------------

# What the package stage records about the figures it printed (``printed`` entries): ``field`` is
# one of these, ``text`` the exact text printed for it (e.g. "5200", "20", "贰拾万元整", "1,000").
PRINTED_MATCH_COUNT = "match_count"
PRINTED_DEMAND_TOTAL = "demand_total"
PRINTED_WAN = "amount_wan"
PRINTED_UPPER = "amount_upper"
PRINTED_RECORDS = "records"            # row count of a table, printed on the checklist (``table`` says which)
PAPER = "paper"                        # ``edition`` of a package built for printing and signing by hand

# The units every count is printed with, across the package (checklist, 合计 rows, reports):
# 个次 for matches (撮合个次), 条 for rows of a table, 人 for demand (需求人数).
COUNT_UNITS = {"matches": "个次", "rows": "条", "demand": "人"}


def count_text(n: int, unit: str) -> str:
    """Return a count as the package prints it: "5,200条", "5,200个次", "6,840人"."""
    return f"{n:,}{COUNT_UNITS[unit]}"


# The words the forms print around each figure (the one copy both stages use: the package stage
# records ``printed_text(...)`` for what it printed, intake looks for the same text on the page).
_AROUND: dict[tuple[str, str | None], tuple[str, str]] = {
    (PRINTED_MATCH_COUNT, None): ("撮合服务", COUNT_UNITS["matches"]),
    (PRINTED_DEMAND_TOTAL, None): ("需求人数", COUNT_UNITS["demand"]),
    (PRINTED_WAN, None): ("补贴", "万元"),
    (PRINTED_UPPER, None): ("人民币", ""),
    (PRINTED_RECORDS, "roster"): ("共", COUNT_UNITS["rows"]),
    (PRINTED_RECORDS, "job_posts"): ("共", COUNT_UNITS["rows"]),
}


def printed_text(field: str, figure: str, table: str | None = None) -> str:
    """Return the text a form prints for ``figure`` (already formatted, e.g. "5200", "20", "1,000")."""
    before, after = _AROUND[(field, table)]
    return f"{before}{figure}{after}"


def printed_figures(kind: str, *, match_count: int, demand_total: int, amount: Decimal,
                    records: Mapping[str, int]) -> tuple[PrintedEntry, ...]:
    """Return what a ``kind`` package prints of its figures, and where: the report's 撮合个次,
    需求人数 (operating), amount in 万元 and in capitals; the checklist's row count of each table in
    ``records``. The one decision: the package stage records these texts for its figures, intake
    expects the same texts for the figures it recomputed."""
    report = KINDS[kind].report
    shown = [(PRINTED_MATCH_COUNT, str(match_count)), (PRINTED_WAN, wan(amount)), (PRINTED_UPPER, rmb_upper(amount))]
    if kind == OPERATING:
        shown.append((PRINTED_DEMAND_TOTAL, str(demand_total)))
    out = [PrintedEntry(report, name, printed_text(name, text)) for name, text in shown]
    out += [PrintedEntry("checklist", PRINTED_RECORDS, printed_text(PRINTED_RECORDS, f"{n:,}", table), table)
            for table, n in records.items()]
    return tuple(out)


class ManifestError(ValueError):
    """The manifest cannot be used; ``reason`` says why, in Chinese, for the notice."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FileEntry:
    """One embedded file: its original name, role, the attachment name in the PDF, its digest."""

    name: str
    role: str
    sha256: str
    attachment: str
    size: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "sha256": self.sha256, "size": self.size,
                "attachment": self.attachment}


@dataclass(frozen=True)
class MaterialEntry:
    """A material as bound: its key, title, pages (1-based) and, for a material of several files
    (支付凭证, 认定材料), one item per file (title, pages, file, attachment, rows)."""

    key: str
    title: str
    first_page: int
    last_page: int
    items: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "title": self.title, "first_page": self.first_page,
                               "last_page": self.last_page}
        if self.items:
            out["items"] = [dict(item) for item in self.items]
        return out


@dataclass(frozen=True)
class PlaceEntry:
    """A signature place as built: field name, material, page, role (seal or signature), and
    where on the page (``rect``) and whether its words were found there (``located``)."""

    name: str
    material: str
    page: int | None
    role: str
    rect: tuple[float, ...] | None = None
    located: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "material": self.material, "page": self.page, "role": self.role,
                "rect": None if self.rect is None else list(self.rect), "located": self.located}


@dataclass(frozen=True)
class PrintedEntry:
    """A figure as printed: on ``material``'s pages, ``field`` (of ``table``) reads ``text``."""

    material: str
    field: str
    text: str
    table: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"material": self.material, "field": self.field}
        if self.table is not None:
            out["table"] = self.table
        out["text"] = self.text
        return out


@dataclass(frozen=True)
class Manifest:
    """The manifest of a package: written by the package stage (``to_dict``) and read back by
    intake (``parse_manifest``), checked for shape there (not for truth: intake does that)."""

    kind: str
    applicant: dict[str, str | None] = field(default_factory=dict)
    year: int | None = None
    pages: int = 0
    figures: dict[str, Any] | None = None
    policy: dict[str, Any] = field(default_factory=dict)
    draft: bool = False
    edition: str | None = None
    files: tuple[FileEntry, ...] = ()
    materials: tuple[MaterialEntry, ...] = ()
    signature_fields: tuple[PlaceEntry, ...] = ()
    printed: tuple[PrintedEntry, ...] | None = None
    toolkit: dict[str, Any] = field(default_factory=dict)
    application_date: str | None = None
    validation: dict[str, Any] = field(default_factory=dict)

    def material(self, key: str) -> MaterialEntry | None:
        return next((m for m in self.materials if m.key == key), None)

    @property
    def paper(self) -> bool:
        return self.edition == PAPER

    def to_dict(self) -> dict[str, Any]:
        """Return the manifest as it is embedded (``manifest.json``)."""
        return {
            "format": FORMAT, "toolkit": dict(self.toolkit), "policy": dict(self.policy), "kind": self.kind,
            "applicant": dict(self.applicant), "year": self.year, "application_date": self.application_date,
            "draft": self.draft, "edition": self.edition, "validation": dict(self.validation),
            # null for recognition: the package prints no figures and embeds no tables to recompute
            "figures": self.figures,
            "printed": None if self.printed is None else [p.to_dict() for p in self.printed],
            "files": [f.to_dict() for f in self.files],
            "materials": [m.to_dict() for m in self.materials],
            "signature_fields": [p.to_dict() for p in self.signature_fields],
            "pages": self.pages,
        }


def parse_manifest(data: object, known_kinds: Collection[str]) -> Manifest:
    """Return the typed manifest in ``data`` (parsed JSON); raise ManifestError naming what is wrong."""
    if not isinstance(data, dict):
        raise ManifestError("内容不是对象")
    if data.get("format") != FORMAT:
        raise ManifestError(f"格式标记不是 {FORMAT}")
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in known_kinds:
        raise ManifestError("补贴类型（kind）无效")
    applicant = data.get("applicant")
    if not isinstance(applicant, dict):
        raise ManifestError("缺少申请单位（applicant）")
    figures = data.get("figures")
    # a recognition package prints no figures and embeds no tables: its figures may be null
    if not isinstance(figures, dict) and not (kind == "recognition" and figures is None):
        raise ManifestError("缺少计算结果（figures）")
    pages = data.get("pages")
    if not isinstance(pages, int) or isinstance(pages, bool):
        raise ManifestError("页数（pages）无效")
    policy, edition = data.get("policy"), data.get("edition")
    toolkit, validation, date = data.get("toolkit"), data.get("validation"), data.get("application_date")
    return Manifest(
        kind=kind, applicant={k: _text_or_none(applicant.get(k)) for k in ("name", "uscc", "market")},
        year=_year(data), pages=pages, figures=figures, policy=policy if isinstance(policy, dict) else {},
        draft=bool(data.get("draft")), edition=edition if isinstance(edition, str) else None,
        files=tuple(FileEntry(str(i["name"]), str(i["role"]), str(i["sha256"]).lower(), str(i["attachment"]),
                              i["size"] if _is_int(i.get("size")) else None)
                    for i in _items(data, "files", ("name", "role", "sha256", "attachment"))),
        materials=tuple(_material(i) for i in _items(data, "materials", ("key", "title", "first_page", "last_page"))),
        signature_fields=tuple(_place(i) for i in _items(data, "signature_fields", ("name", "material", "page", "role"))),
        printed=None if data.get("printed") is None else tuple(
            PrintedEntry(str(i["material"]), str(i["field"]), str(i["text"]),
                         None if i.get("table") is None else str(i["table"]))
            for i in _items(data, "printed", ("material", "field", "text"))),
        toolkit=toolkit if isinstance(toolkit, dict) else {},
        application_date=date if isinstance(date, str) else None,
        validation=validation if isinstance(validation, dict) else {},
    )


def _place(item: dict[str, Any]) -> PlaceEntry:
    rect = item.get("rect")
    numbers = isinstance(rect, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rect)
    located = item.get("located")
    return PlaceEntry(str(item["name"]), str(item["material"]), item["page"] if _is_int(item["page"]) else None,
                      str(item["role"]), rect=tuple(rect) if numbers and isinstance(rect, list) else None,
                      located=located if isinstance(located, bool) else None)


def _items(data: dict[str, Any], key: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    items = data.get(key)
    if not isinstance(items, list):
        raise ManifestError(f"缺少 {key}")
    if not all(isinstance(item, dict) and all(f in item for f in fields) for item in items):
        raise ManifestError(f"{key} 中有不完整的条目")
    return items


def _material(item: dict[str, Any]) -> MaterialEntry:
    first, last = item["first_page"], item["last_page"]
    if not (_is_int(first) and _is_int(last)):
        raise ManifestError("materials 中的页码不是整数")
    items = item.get("items")
    return MaterialEntry(str(item["key"]), str(item["title"]), first, last,
                         tuple(i for i in items if isinstance(i, dict)) if isinstance(items, list) else ())


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _year(data: dict[str, Any]) -> int | None:
    figures = data.get("figures")
    value = data.get("year") or (figures.get("year") if isinstance(figures, dict) else None)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
