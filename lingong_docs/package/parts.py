"""Rendering the parts of the packages: forms (cover, report) and the printed tables.

Everything is rendered into the build's private work folder before any output file is opened.
The forms (one short LibreOffice Writer run per kind) are rendered in a worker thread while this
thread makes the evidence pages and the tables (the long Calc run), so the two LibreOffice
processes use both cores. The checklist comes last (``package.checklist``): it needs the page
counts of everything else.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lingong_docs import render
from lingong_docs.core import findings as F
from lingong_docs.core.kinds import KINDS, RECOGNITION, printed_tables
from lingong_docs.core.layout import em_width
from lingong_docs.core.manifest import EVIDENCE_PREFIX, count_text
from lingong_docs.core.model import APPLICATION_FILE
from lingong_docs.core.policy import CHECKLIST, EVIDENCE, FOLDER, FORM, TABLE, Material, Policy
from lingong_docs.core.progress import Progress
from lingong_docs.package.assemble import Part, evidence_part, files_part, page_counts
from lingong_docs.package.checklist import with_checklist
from lingong_docs.util.money import cn_date

# The application fields a one-page form prints (its ``one_page`` in the policy), as the operator
# reads them in the form-overflow finding.
FIELD_LABELS = {"applicant": "申请单位全称", "market": "零工市场名称", "contact": "联系人",
                "contact_phone": "联系电话", "uscc": "统一社会信用代码", "address": "地址",
                "legal_rep": "法定代表人"}


@dataclass(frozen=True)
class Edition:
    """What kind of package is made: a draft (watermarked) and/or the paper edition.

    The paper edition (``build --paper``) is printed and sealed by hand: no signature fields,
    a 骑缝章 guide strip on multi-page tables, and the page count noted on the checklist.
    """

    draft: bool = False
    paper: bool = False
    watermark: str = ""     # why a draft is one (未通过校验, 未达到补贴标准, 仅供预览)

    def marks(self, *roles: str) -> tuple[str, ...]:
        """Return the signature roles a part gets (none on paper)."""
        return () if self.paper else roles


@dataclass
class Rendered:
    """The rendered parts of one package, in order."""

    kind: str
    parts: list[Part]
    notes: list = field(default_factory=list)   # form-overflow findings (drafts only)


class LayoutRefused(Exception):
    """A one-page form ran onto a second page (``findings`` say which and why)."""

    def __init__(self, findings: list[F.Finding]):
        super().__init__(f"{len(findings)} form(s) overflow")
        self.findings = findings


def tables_of(kind: str, policy: Policy) -> tuple[str, ...]:
    """Return the tables printed in a ``kind`` package (from the application's policy's materials)."""
    return printed_tables(kind, policy)


def render_all(app: Any, figures: Any, kinds: list[str], workdir: Path, edition: Edition,
               tick: Progress) -> dict[str, Rendered]:
    """Render every part of every package into ``workdir``, in the order of the policy's
    ``materials:``; raise ``LayoutRefused`` on an overflowing one-page form unless the edition is
    a draft."""
    policy: Policy = figures.policy
    steps = len(kinds) + 2
    tick("rendering", 0, steps)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lingong-forms") as pool:
        forms_job = pool.submit(_render_forms, app, figures, kinds, workdir, edition)
        shared = _shared_parts(app, figures, kinds, workdir, edition, tick)
        forms = forms_job.result()
    tick("rendering", 2, steps)
    overflow = {kind: overflows(app, kind, list(forms[kind].values()), policy) for kind in kinds}
    if any(overflow.values()) and not edition.draft:
        raise LayoutRefused([f for kind in kinds for f in overflow[kind]])
    out: dict[str, Rendered] = {}
    for n, kind in enumerate(kinds, start=3):
        made = {**shared, **forms[kind]}
        keys = [k for k in policy.materials(kind) if k in made or policy.material(k).source == CHECKLIST]
        at = next((i for i, k in enumerate(keys) if policy.material(k).source == CHECKLIST), len(keys))
        parts = with_checklist(app, kind, form_figures(figures, kind), [made[k] for k in keys[:at]],
                               [made[k] for k in keys[at + 1:]], workdir / kind, policy,
                               paper=edition.paper, seal_over=seal_over(app))
        overflow[kind] += _checklist_overflow(app, kind, parts, policy)
        out[kind] = Rendered(kind=kind, parts=parts, notes=overflow[kind])
        tick("rendering", n, steps)
    if any(overflow.values()) and not edition.draft:
        raise LayoutRefused([f for kind in kinds for f in overflow[kind]])
    return out


def _listed(policy: Policy, kinds: list[str], source: str) -> list[Material]:
    """Return the materials of ``source`` that any of the packages of ``kinds`` holds, in order."""
    keys = dict.fromkeys(k for kind in kinds for k in policy.materials(kind))
    return [m for m in map(policy.material, keys) if m.source == source]


def _shared_parts(app: Any, figures: Any, kinds: list[str], workdir: Path, edition: Edition,
                  tick: Progress) -> dict[str, Part]:
    """Return the parts several packages share: the evidence pages, the supporting files of a
    folder and the printed tables."""
    policy: Policy = figures.policy
    shared: dict[str, Part] = {}
    evidence = app.bundled()
    for mat in _listed(policy, kinds, EVIDENCE):
        if evidence:
            shared[mat.key] = evidence_part(evidence, workdir / f"{mat.key}.pdf", key=mat.key, title=mat.title,
                                            attachment_prefix=EVIDENCE_PREFIX)
    for mat in _listed(policy, kinds, FOLDER):
        files = app.bundled(str(mat.folder))
        if files:
            shared[mat.key] = files_part(files, workdir / f"{mat.key}.pdf", key=mat.key, title=mat.title,
                                         section=str(mat.folder), subtitle=mat.heading)
    tick("rendering", 1, len(kinds) + 2)
    tables = _listed(policy, kinds, TABLE)
    if tables:
        tables_dir = workdir / "tables"
        tables_dir.mkdir()
        tick("converting", 0, 1)
        pdfs = _render_tables(app, figures, [m.key for m in tables], tables_dir, edition)
        tick("converting", 1, 1)
        for mat in tables:
            shared[mat.key] = Part(key=mat.key, title=mat.title, pdf=pdfs[mat.key], marks=edition.marks(*mat.roles()),
                                   required=edition.marks(*mat.required_roles()), scan="ends",
                                   seal_over=seal_over(app), seam=edition.paper)
    return shared


def overflows(app: Any, kind: str, parts: list[Part], policy: Policy) -> list[F.Finding]:
    """Return a ``form-overflow`` finding for each one-page form in ``parts`` that is not one page.

    The field blamed is the longest (in printed width) of those the form prints (its ``one_page``).
    """
    found = []
    for part, pages in zip(parts, page_counts([p.pdf for p in parts])):
        keys = policy.material(part.key).one_page
        if not keys or pages == 1:
            continue
        values = {k: str(getattr(app.info, k, "") or "") for k in keys}
        key = max(keys, key=lambda k: em_width(values[k]))
        found.append(F.make("form-overflow", file=APPLICATION_FILE, form=f"{KINDS[kind].label}的{part.title}",
                            pages=pages, field=FIELD_LABELS.get(key, key), length=len(values[key])))
    return found


def _checklist_overflow(app: Any, kind: str, parts: list[Part], policy: Policy) -> list[F.Finding]:
    """Return the finding of a checklist longer than one page: blamed on the number of supporting
    files it lists one by one when there are any, else on the longest field it prints."""
    checklist = [p for p in parts if policy.material(p.key).source == CHECKLIST]
    found = overflows(app, kind, checklist, policy)
    files = sum(len(p.children) for p in parts if policy.material(p.key).source == FOLDER)
    if not found or not files:
        return found
    (pages,) = page_counts([checklist[0].pdf])
    folders = [m.folder for m in policy.material_catalogue.values() if m.source == FOLDER]
    return [F.make("checklist-overflow", form=f"{KINDS[kind].label}的{checklist[0].title}", pages=pages,
                   files=files, folders="、".join(f"“{folder}”" for folder in folders))]


def _render_forms(app: Any, figures: Any, kinds: list[str], workdir: Path,
                  edition: Edition) -> dict[str, dict[str, Part]]:
    """Return {kind: {key: part}} of the Word forms of each package but the checklist (rendered
    last, ``package.checklist``), one LibreOffice run per kind."""
    policy: Policy = figures.policy
    out = {}
    for kind in kinds:
        kdir = workdir / kind
        kdir.mkdir()
        wanted = [m for m in map(policy.material, policy.materials(kind)) if m.source == FORM]
        context = render.form_context(app.info, kind=kind, figures=form_figures(figures, kind))
        pdfs = render.render_forms(wanted, context, kdir) if wanted else {}
        out[kind] = {m.key: Part(key=m.key, title=m.title, pdf=Path(pdfs[m.key]), marks=edition.marks(*m.roles()),
                                 required=edition.marks(*m.required_roles()), seal_over=seal_over(app))
                     for m in wanted}
    return out


def seal_over(app: Any) -> tuple[str, ...]:
    """The text a seal may cover wherever it stands: the unit's name (as printed on the forms)."""
    names = {app.info.applicant or ""}
    for table in (app.job_posts, app.roster):
        if table is not None and table.applicant:
            names.add(str(table.applicant))
    return tuple(sorted(n for n in names if n))


def form_figures(figures: Any, kind: str) -> dict | None:
    """Return the figures the forms print (Decimal amounts); none for recognition."""
    if kind == RECOGNITION:
        return None
    return {"demand_total": figures.demand_total, "match_count": figures.match_count,
            "operating_subsidy": figures.operating_subsidy, "employment_subsidy": figures.employment_subsidy}


def table_totals(app: Any, figures: Any, name: str) -> dict[str, Any]:
    """Return the 合计 row of table ``name``: the figures compute uses, and the column sums.

    附件4: 需求人数 as counted (``figures.demand_total``: posts of the year without errors) and
    the number of posts; 附件5: the number of rows, 工作时长 and 实际结算报酬 totals, and the
    撮合个次 compute counted, counts in the package's units (``core.manifest.count_text``). The
    totals are printed as text (the table's columns are widened to hold them on one line); 工作时长
    with as many decimals as its rows show (at least one, like the rows' "0.0#").
    """
    table = getattr(app, name)
    count = len(table.records)
    if name == "job_posts":
        return {"title": f"共{count_text(count, 'rows')}", "demand": f"{figures.demand_total:,}",
                "remark": "需求人数为计入测算的合计"}
    hours = _column_sum(table.records, "hours")
    pay = _column_sum(table.records, "pay")
    places = max([1] + [_decimals(r.values.get("hours")) for r in table.records])
    return {"name": f"共{count_text(count, 'rows')}", "hours": f"{hours:,.{min(places, 2)}f}", "pay": f"{pay:,.2f}",
            "remark": f"计入撮合{count_text(figures.match_count, 'matches')}"}


def _decimals(value: Any) -> int:
    """Return the decimals a number column shows for ``value`` (0 for what is not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return 0
    exponent = Decimal(str(value)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _column_sum(records: list, key: str) -> Decimal:
    total = Decimal(0)
    for rec in records:
        value = rec.values.get(key)
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            total += Decimal(value)
        elif isinstance(value, float):
            total += Decimal(str(value))
    return total


def _render_tables(app: Any, figures: Any, names: list[str], outdir: Path, edition: Edition) -> dict[str, Path]:
    """Render 附件4/附件5 as PDF through LibreOffice Calc (one conversion run for both)."""
    info = app.info
    date_cn = cn_date(info.application_date) if info.application_date else ""
    books = []
    for name in names:
        table = getattr(app, name)
        options = dict(applicant=info.applicant or table.applicant or "", uscc=info.uscc or table.uscc or "",
                       year=info.year, draft=edition.draft, draft_reason=edition.watermark or None,
                       page_numbers=False, date_cn=date_cn, totals=table_totals(app, figures, name))
        books.append((table, outdir / f"{name}.xlsx", options))
    pdfs = render.render_tables_pdf(books, outdir)
    return {name: Path(pdf) for name, pdf in zip(names, pdfs)}
