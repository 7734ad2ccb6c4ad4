"""The three things an application can ask for, and the materials each package holds.

One definition for every stage: the build assembles ``materials(kind, policy)`` in that order,
intake requires the same list, and both read it from the policy file (``materials:``; each
material's title, template and seal/signature places in its ``material_catalogue``), so a new
policy year can change a package's contents, and a new form is a policy entry and a template.
"""

from __future__ import annotations

from dataclasses import dataclass

from lingong_docs.core.policy import TABLE, Policy

OPERATING = "operating"
EMPLOYMENT = "employment"
RECOGNITION = "recognition"
SUBSIDIES = (OPERATING, EMPLOYMENT)


@dataclass(frozen=True)
class Kind:
    """One subsidy kind (or the recognition application): its key, Chinese label and report."""

    key: str
    label: str          # as the application file and every document say it
    report: str         # material key of its report form (its title: the policy's material_catalogue)
    subsidy: bool       # pays money (False: the recognition application)


KINDS: dict[str, Kind] = {
    OPERATING: Kind(OPERATING, "运营经费补贴", "report_operating", True),
    EMPLOYMENT: Kind(EMPLOYMENT, "就业服务补贴", "report_employment", True),
    RECOGNITION: Kind(RECOGNITION, "零工市场认定", "report_recognition", False),
}
ORDER = tuple(KINDS)
TABLES = ("job_posts", "roster")
# Source workbooks embedded in a package: 附件4 travels with the employment package too, because
# the employment subsidy requires the operating test (第十条) and intake recomputes both.
EMBEDDED_TABLES: dict[str, tuple[str, ...]] = {
    OPERATING: TABLES, EMPLOYMENT: TABLES, RECOGNITION: (),
}


def label(kind: str | None) -> str:
    """Return the Chinese label of ``kind`` ("（未能读取）" for an unknown or missing kind)."""
    return KINDS[kind].label if kind in KINDS else "（未能读取）"


def parse_kind(text: object) -> str | None:
    """Return the kind named by ``text``: its key (``operating``) or its label (运营经费补贴)."""
    value = str(text or "").strip()
    if value in KINDS:
        return value
    return next((k.key for k in KINDS.values() if k.label == value), None)


def materials(kind: str, policy: Policy) -> tuple[str, ...]:
    """Return the material keys of a ``kind`` package, in order, as the policy lists them."""
    return tuple(policy.materials(kind))


def printed_tables(kind: str, policy: Policy) -> tuple[str, ...]:
    """Return the tables (附件4/附件5) printed in a ``kind`` package."""
    return tuple(m for m in materials(kind, policy) if policy.material(m).source == TABLE and m in TABLES)


def material_title(key: str, policy: Policy) -> str:
    """Return the title of material ``key`` (outline, checklist, notices; the key itself when unknown)."""
    return policy.title_of(key)
