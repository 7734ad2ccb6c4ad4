"""Rendering the parts of the packages: forms (cover, report) and the printed tables.

Everything is rendered into the build's private work folder before any output file is opened.
The forms (one short LibreOffice Writer run per kind) are rendered in a worker thread while this
thread makes the evidence pages and the tables (the long Calc run), so the two LibreOffice
processes use both cores. The checklist comes last (``package.checklist``): it needs the page
counts of everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lingong_docs import render
from lingong_docs.core import findings as F
from lingong_docs.core.evidence import SUPPORTING_FOLDERS, text_named
from lingong_docs.core.evidence import supporting_files as core_supporting_files
from lingong_docs.core.kinds import KINDS, MATERIAL_TITLES, RECOGNITION, printed_tables
from lingong_docs.core.layout import em_width
from lingong_docs.core.manifest import EVIDENCE_PREFIX, count_text
from lingong_docs.core.model import APPLICATION_FILE
from lingong_docs.core.policy import Policy
from lingong_docs.package.assemble import SEAL, SIGNATURE, Part, evidence_part, files_part, page_counts
from lingong_docs.package.checklist import with_checklist
from lingong_docs.util.money import cn_date

Progress = Callable[[str, int, int], None]
TITLES = MATERIAL_TITLES
# One-page forms, and the application fields each prints (application.yaml names), longest first
# to blame when the form runs onto a second page.
ONE_PAGE_FORMS = {
    "cover": ("applicant", "market", "address", "legal_rep", "contact", "contact_phone", "uscc"),
    "checklist": ("applicant", "market"),
    "report_operating": ("applicant", "market"),
    "report_employment": ("applicant", "market"),
}
# Supporting files bundled from folders of the application folder, after the report (认定材料,
# 第八条) or at the end (其他材料, 第十二条（四）、第十三条（三）): key → (folder, title, heading).
SUPPORTING = {
    "recognition_proofs": (SUPPORTING_FOLDERS["recognition_proofs"], "认定材料（第八条）",
                           "第八条所列认定材料：服务质量评级、场地照片、工作规章制度和服务标准、线上平台截图等"),
    "other": (SUPPORTING_FOLDERS["other"], "其他材料", "申请单位提供的其他材料"),
}
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
    """Render every part of every package into ``workdir``; raise ``LayoutRefused`` on an
    overflowing one-page form unless the edition is a draft."""
    steps = len(kinds) + 2
    tick("rendering", 0, steps)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lingong-forms") as pool:
        forms_job = pool.submit(_render_heads, app, figures, kinds, workdir, edition)
        shared = _shared_parts(app, figures, kinds, workdir, edition, tick)
        heads = forms_job.result()
    tick("rendering", 2, steps)
    overflow = {kind: overflows(app, kind, heads[kind]) for kind in kinds}
    if any(overflow.values()) and not edition.draft:
        raise LayoutRefused([f for kind in kinds for f in overflow[kind]])
    out: dict[str, Rendered] = {}
    for n, kind in enumerate(kinds, start=3):
        tail = [shared[t] for t in tables_of(kind, figures.policy)]
        if kind == RECOGNITION and "recognition_proofs" in shared:
            tail.insert(0, shared["recognition_proofs"])
        if kind != RECOGNITION and "evidence" in shared:
            tail.append(shared["evidence"])
        if "other" in shared:
            tail.append(shared["other"])
        parts = with_checklist(app, kind, form_figures(figures, kind), heads[kind], tail, workdir / kind,
                               paper=edition.paper, seal_over=seal_over(app))
        overflow[kind] += _checklist_overflow(app, kind, parts)
        out[kind] = Rendered(kind=kind, parts=parts, notes=overflow[kind])
        tick("rendering", n, steps)
    if any(overflow.values()) and not edition.draft:
        raise LayoutRefused([f for kind in kinds for f in overflow[kind]])
    return out


def _shared_parts(app: Any, figures: Any, kinds: list[str], workdir: Path, edition: Edition,
                  tick: Progress) -> dict[str, Part]:
    """Return the parts several packages share: the evidence pages and the printed tables."""
    shared: dict[str, Part] = {}
    evidence = text_named(app.evidence)
    if any(k != RECOGNITION for k in kinds) and evidence:
        shared["evidence"] = evidence_part(evidence, workdir / "evidence.pdf", attachment_prefix=EVIDENCE_PREFIX)
    for key, (folder, title, subtitle) in SUPPORTING.items():
        files = supporting_files(app, folder)
        if files and (key != "recognition_proofs" or RECOGNITION in kinds):
            shared[key] = files_part(files, workdir / f"{key}.pdf", key=key, title=title, section=folder,
                                     subtitle=subtitle)
    tick("rendering", 1, len(kinds) + 2)
    names = [t for t in ("job_posts", "roster") if any(t in tables_of(k, figures.policy) for k in kinds)]
    if names:
        tables_dir = workdir / "tables"
        tables_dir.mkdir()
        tick("converting", 0, 1)
        pdfs = _render_tables(app, figures, names, tables_dir, edition)
        tick("converting", 1, 1)
        for name in names:
            shared[name] = Part(key=name, title=TITLES[name], pdf=pdfs[name], marks=edition.marks(SEAL, SIGNATURE),
                                required=edition.marks(SEAL), scan="ends", seal_over=seal_over(app),
                                seam=edition.paper)
    return shared


def supporting_files(app: Any, folder: str) -> list[Path]:
    """Return the PDF and image files in ``folder`` of the application folder, by name (none when
    the folder is absent: its checklist row is then left out)."""
    return text_named(core_supporting_files(Path(app.folder), folder))


def overflows(app: Any, kind: str, parts: list[Part]) -> list[F.Finding]:
    """Return a ``form-overflow`` finding for each one-page form in ``parts`` that is not one page.

    The field blamed is the longest (in printed width) of those the form prints.
    """
    found = []
    for part, pages in zip(parts, page_counts([p.pdf for p in parts])):
        keys = ONE_PAGE_FORMS.get(part.key)
        if not keys or pages == 1:
            continue
        values = {k: str(getattr(app.info, k, "") or "") for k in keys}
        key = max(keys, key=lambda k: em_width(values[k]))
        found.append(F.make("form-overflow", file=APPLICATION_FILE, form=f"{KINDS[kind].label}的{part.title}",
                            pages=pages, field=FIELD_LABELS[key], length=len(values[key])))
    return found


def _checklist_overflow(app: Any, kind: str, parts: list[Part]) -> list[F.Finding]:
    """Return the finding of a checklist longer than one page: blamed on the number of supporting
    files it lists one by one when there are any, else on the longest field it prints."""
    checklist = [p for p in parts if p.key == "checklist"]
    found = overflows(app, kind, checklist)
    files = sum(len(p.children) for p in parts if p.key in SUPPORTING)
    if not found or not files:
        return found
    (pages,) = page_counts([checklist[0].pdf])
    return [F.make("checklist-overflow", form=f"{KINDS[kind].label}的{checklist[0].title}", pages=pages,
                   files=files, folders="、".join(f"“{folder}”" for folder, _t, _s in SUPPORTING.values()))]


def _render_heads(app: Any, figures: Any, kinds: list[str], workdir: Path, edition: Edition) -> dict[str, list[Part]]:
    """Return {kind: [cover, report]} rendered from the forms (one LibreOffice run per kind)."""
    heads = {}
    for kind in kinds:
        kdir = workdir / kind
        kdir.mkdir()
        report_key, report_title = KINDS[kind].report, KINDS[kind].report_title
        context = render.form_context(app.info, kind=kind, figures=form_figures(figures, kind))
        forms = render.render_forms(["cover", report_key], context, kdir)
        heads[kind] = [
            Part(key="cover", title=TITLES["cover"], pdf=Path(forms["cover"]), marks=edition.marks(SEAL),
                 required=edition.marks(SEAL), seal_over=seal_over(app)),
            Part(key=report_key, title=report_title, pdf=Path(forms[report_key]),
                 marks=edition.marks(SEAL, SIGNATURE), required=edition.marks(SEAL, SIGNATURE),
                 seal_over=seal_over(app)),
        ]
    return heads


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
