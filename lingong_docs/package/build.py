"""Build stage: an application folder → one signing-ready PDF package per subsidy applied for.

``build_packages(folder)`` reads, validates and computes the application, renders the forms and
tables (LibreOffice, in a private temporary folder), and bundles each package (``bundle``). It
refuses while validation or the computation reports errors, unless ``draft=True``: a draft
carries 草稿 — 未通过校验 on every page and its own file name, so it never replaces a real package.

Contents and order (第十二、十三条; 第八条 for recognition):
cover, 材料清单, the report (附件2 / 附件3 / 附件1), 附件4 (operating only), 附件5, 支付凭证.

Everything is rendered before any output file is opened, and all packages of one run are
committed together at the end (``atomic_path``): an interruption at any point leaves the previous
packages as they were.

The cover, the 材料清单 and the 附件2/附件3 report are one-page forms: when a value is so long
that one of them runs onto a second page (``form-overflow``, naming the form and the field), the
build is refused like a validation error (a draft is still written, and the result lists it).
附件1 (recognition) is free prose in four sections and may take several pages.

The manifest (``manifest.json``, embedded) carries ``figures``: the computed figures that
intake recomputes and compares, for the operating and employment packages. A recognition
package prints no figures and embeds no tables, so its ``figures`` is ``null``: nothing is to
be recomputed for it (the key is always present).

Library warnings (pypdf's "EOF marker not found" on a broken evidence file) are kept out of
stderr while building; the error raised names the file in Chinese.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lingong_docs import __version__
from lingong_docs.core import findings as F
from lingong_docs.core.errors import BuildError
from lingong_docs.core.kinds import (
    EMBEDDED_TABLES,
    EMPLOYMENT,
    KINDS,
    MATERIAL_TITLES,
    OPERATING,
    ORDER,
    RECOGNITION,
    printed_tables,
)
from lingong_docs.core.manifest import EVIDENCE_PREFIX
from lingong_docs.core.policy import load_policy
from lingong_docs.package.assemble import (
    SEAL,
    SIGNATURE,
    Attachment,
    BundleResult,
    Part,
    bundle,
    evidence_part,
    material_ranges,
    page_counts,
)
from lingong_docs.util.atomic import atomic_path

TITLES = MATERIAL_TITLES
# One-page forms, and the application fields each prints (application.yaml names), longest first
# to blame when the form runs onto a second page.
ONE_PAGE_FORMS = {
    "cover": ("applicant", "market", "contact", "contact_phone", "uscc"),
    "checklist": ("applicant",),
    "report_operating": ("applicant", "market"),
    "report_employment": ("applicant", "market"),
}
FIELD_LABELS = {"applicant": "申请单位全称", "market": "零工市场名称", "contact": "联系人",
                "contact_phone": "联系电话", "uscc": "统一社会信用代码"}
QUIET_LOGGERS = ("pypdf", "PIL", "fontTools", "reportlab")
DRAFT_SUFFIX = "_草稿"
WORKDIR_PREFIX = "lingong-build-"

Progress = Callable[[str, int, int], None]


@dataclass
class BuildResult:
    """One package written: its path, subsidy kind, page count, materials and manifest."""

    path: Path
    kind: str
    pages: int
    materials: list
    manifest: dict = field(repr=False)
    draft: bool = False
    warnings: int = 0
    notes: list = field(default_factory=list)   # layout findings a draft was written despite


class BuildRefused(BuildError):
    """Validation or computation found problems; no package was written (exit code 1)."""

    exit_code = 1

    def __init__(self, problems: list[F.Finding]):
        err = BuildError.make("build-refused", count=len(problems))
        super().__init__(err.code, err.message, hint=err.hint)
        self.problems = problems


def _tables(kind: str) -> tuple[str, ...]:
    """Return the tables printed in a ``kind`` package (from the policy's materials)."""
    return printed_tables(kind, load_policy())


def package_name(year: int | None, kind: str, draft: bool = False) -> str:
    """Return ``2025年度_运营经费补贴_申请材料.pdf`` (``…_草稿.pdf`` for drafts)."""
    prefix = f"{year}年度_" if year else ""
    return f"{prefix}{KINDS[kind].label}_申请材料{DRAFT_SUFFIX if draft else ''}.pdf"


def default_output(folder: str | Path) -> Path:
    """Return the default output folder: ``out`` next to the application folder."""
    return Path(folder).resolve().parent / "out"


def build_date(info, today: dt.date | None = None) -> dt.datetime:
    """Return the date written into the package: SOURCE_DATE_EPOCH, else the 申请日期 (Beijing)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    day = info.application_date or today or dt.date.today()
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone(dt.timedelta(hours=8)))


def build_packages(folder: str | Path, *, kinds: list[str] | None = None, out: str | Path | None = None,
                   draft: bool = False, password: str | None = None, as_of: dt.date | None = None,
                   progress: Progress | None = None, today: dt.date | None = None) -> list[BuildResult]:
    """Build the package of each subsidy in ``kinds`` (default: those applied for); return them.

    ``out`` is a folder (default ``default_output(folder)``) or, for one kind, a ``.pdf`` path.
    ``password`` encrypts with AES-256 (such output is not byte-reproducible: random salts).
    ``progress(stage, done, total)`` is called as the stages advance.
    Raises ``BuildRefused`` when validation or computation reports errors, or a one-page form
    runs onto a second page (``form-overflow``), and ``draft`` is False.
    """
    with _quiet_libraries():
        return _build_packages(folder, kinds=kinds, out=out, draft=draft, password=password, as_of=as_of,
                               progress=progress, today=today)


@contextlib.contextmanager
def _quiet_libraries():
    """Keep the warnings of the PDF/image libraries off stderr while building (never lowering a
    level the caller chose); every failure they describe reaches the user as a Chinese error."""
    saved = []
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        if logger.getEffectiveLevel() < logging.ERROR:
            logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.setLevel(level)


def _build_packages(folder, *, kinds, out, draft, password, as_of, progress, today) -> list[BuildResult]:
    from lingong_docs.pipeline import prepare

    tick = progress or (lambda *_: None)
    folder = Path(folder)
    prepared = prepare(folder, as_of=as_of, today=today, progress=tick)
    app, report, figures = prepared.app, prepared.report, prepared.figures

    kinds = _choose_kinds(app, kinds)
    targets = _targets(folder, out, kinds, app.info.year, draft)
    problems = _problems(app, report, figures, kinds)
    if problems and not draft:
        raise BuildRefused(problems)
    for kind in kinds:
        for table in _tables(kind):
            if getattr(app, table) is None:
                raise BuildError.make("table-missing-for-kind", subsidy=KINDS[kind].label,
                                  table=TITLES[table].split()[0])

    sweep_workdirs()
    with _output_lock({p.parent for p in targets.values()}):
        workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))
        try:
            rendered = _render_all(app, report, figures, kinds, workdir, draft, tick)
            results = _bundle_all(app, report, figures, kinds, rendered, targets, draft, password, today, tick)
            for r in results:
                r.notes = list(rendered[r.kind].notes)
            return results
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def _output_lock(folders: set[Path]):
    """Hold an exclusive lock on each output folder, so two builds into one folder cannot interleave.

    The lock is taken on the folder itself (no lock file is left behind); where the platform has
    no ``fcntl`` (Windows) builds are not locked — each package is still replaced atomically.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fds = []
    try:
        for folder in sorted(folders):
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(folder, os.O_RDONLY)
            fds.append(fd)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildError.make("output-busy") from None
        yield
    finally:
        for fd in fds:
            os.close(fd)


# --- choosing --------------------------------------------------------------------------------------

def _choose_kinds(app, kinds: list[str] | None) -> list[str]:
    applied = list(app.info.kinds)
    if not kinds:
        if not applied:
            raise BuildError.make("kinds-missing")
        return [k for k in ORDER if k in applied]
    for k in kinds:
        if k not in ORDER:
            raise BuildError.make("kind-not-applied", subsidy=k)
        if k not in applied:
            raise BuildError.make("kind-not-applied", subsidy=KINDS[k].label)
    return [k for k in ORDER if k in kinds]


def _targets(folder: Path, out, kinds: list[str], year, draft: bool) -> dict[str, Path]:
    out = Path(out) if out is not None else default_output(folder)
    if out.suffix.lower() == ".pdf":
        if len(kinds) != 1:
            raise BuildError.make("output-not-pdf-for-many", count=len(kinds))
        return {kinds[0]: out}
    return {k: out / package_name(year, k, draft) for k in kinds}


def _problems(app, report, figures, kinds: list[str]) -> list[F.Finding]:
    """Return what stops a real package: validation errors, blocking findings, zero amounts."""
    problems = [f for f in report.sorted() if f.severity == F.ERROR]
    problems += [f for f in figures.blocking if f.code != "input-has-errors" or not problems]
    for kind, amount in ((OPERATING, figures.operating_subsidy), (EMPLOYMENT, figures.employment_subsidy)):
        if kind in kinds and not amount:
            reason = ("未达到运营经费补贴标准" if not figures.operating_passed
                      else "撮合个次未达到就业服务补贴的最低档")
            problems.append(F.make("subsidy-not-reached", subsidy=KINDS[kind].label, reason=reason))
    return problems


# --- rendering -------------------------------------------------------------------------------------

@dataclass
class _Rendered:
    """The rendered parts of one package, in order."""

    kind: str
    parts: list
    notes: list = field(default_factory=list)   # form-overflow findings (drafts only)


def _render_all(app, report, figures, kinds, workdir: Path, draft: bool, tick: Progress) -> dict[str, _Rendered]:
    """Render every part of every package into ``workdir``.

    The forms (cover and report of each kind: small, one short LibreOffice run per kind) are
    rendered in a worker thread while this thread makes the evidence pages and the tables (the
    long Calc run), so the two LibreOffice processes use both cores. The checklist comes last:
    it needs the page counts of everything else.
    """
    from lingong_docs import render

    steps = len(kinds) + 2
    tick("rendering", 0, steps)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lingong-forms") as pool:
        forms_job = pool.submit(_render_heads, render, app, figures, kinds, workdir)
        shared: dict[str, Part] = {}
        if any(k != RECOGNITION for k in kinds) and app.evidence:
            shared["evidence"] = evidence_part(app.evidence, workdir / "evidence.pdf",
                                               attachment_prefix=EVIDENCE_PREFIX)
        tick("rendering", 1, steps)
        names = [t for t in ("job_posts", "roster") if any(t in _tables(k) for k in kinds)]
        if names:
            tables_dir = workdir / "tables"
            tables_dir.mkdir()
            tick("converting", 0, 1)
            pdfs = _render_tables(render, app, names, tables_dir, draft)
            tick("converting", 1, 1)
            for name in names:
                shared[name] = Part(key=name, title=TITLES[name], pdf=pdfs[name], marks=(SEAL, SIGNATURE),
                                    required=(SEAL,), scan="ends", seal_over=_seal_over(app))
        heads = forms_job.result()
    tick("rendering", 2, steps)
    overflow = {kind: _overflows(app, kind, heads[kind]) for kind in kinds}
    if any(overflow.values()) and not draft:
        raise BuildRefused([f for kind in kinds for f in overflow[kind]])
    out: dict[str, _Rendered] = {}
    for n, kind in enumerate(kinds, start=3):
        tail = [shared[t] for t in _tables(kind)]
        if kind != RECOGNITION and "evidence" in shared:
            tail.append(shared["evidence"])
        parts = _with_checklist(render, app, figures, kind, heads[kind], tail, workdir / kind)
        overflow[kind] += _overflows(app, kind, [p for p in parts if p.key == "checklist"])
        out[kind] = _Rendered(kind=kind, parts=parts, notes=overflow[kind])
        tick("rendering", n, steps)
    if any(overflow.values()) and not draft:
        raise BuildRefused([f for kind in kinds for f in overflow[kind]])
    return out


def _overflows(app, kind: str, parts: list[Part]) -> list[F.Finding]:
    """Return a ``form-overflow`` finding for each one-page form in ``parts`` that is not one page.

    The field blamed is the longest (in printed width) of those the form prints.
    """
    from lingong_docs.core.model import APPLICATION_FILE
    from lingong_docs.package.marks import _em

    found = []
    for part, pages in zip(parts, page_counts([p.pdf for p in parts])):
        keys = ONE_PAGE_FORMS.get(part.key)
        if not keys or pages == 1:
            continue
        values = {k: str(getattr(app.info, k, "") or "") for k in keys}
        key = max(keys, key=lambda k: _em(values[k]))
        found.append(F.make("form-overflow", file=APPLICATION_FILE, form=f"{KINDS[kind].label}的{part.title}",
                            pages=pages, field=FIELD_LABELS[key], length=len(values[key])))
    return found


def _render_heads(render, app, figures, kinds, workdir: Path) -> dict[str, list[Part]]:
    """Return {kind: [cover, report]} rendered from the forms (one LibreOffice run per kind)."""
    heads = {}
    for kind in kinds:
        kdir = workdir / kind
        kdir.mkdir()
        report_key, report_title = KINDS[kind].report, KINDS[kind].report_title
        context = render.form_context(app.info, kind=kind, figures=_form_figures(figures, kind))
        forms = render.render_forms(["cover", report_key], context, kdir)
        heads[kind] = [
            Part(key="cover", title=TITLES["cover"], pdf=Path(forms["cover"]), marks=(SEAL,), required=(SEAL,),
                 seal_over=_seal_over(app)),
            Part(key=report_key, title=report_title, pdf=Path(forms[report_key]), marks=(SEAL, SIGNATURE),
                 required=(SEAL, SIGNATURE), seal_over=_seal_over(app)),
        ]
    return heads


def _seal_over(app) -> tuple:
    """The text a seal may cover wherever it stands: the unit's name (as printed on the forms)."""
    names = {app.info.applicant or ""}
    for table in (app.job_posts, app.roster):
        if table is not None and table.applicant:
            names.add(str(table.applicant))
    return tuple(sorted(n for n in names if n))


def _form_figures(figures, kind: str) -> dict | None:
    """Return the figures the forms print (Decimal amounts); none for recognition."""
    if kind == RECOGNITION:
        return None
    return {"demand_total": figures.demand_total, "match_count": figures.match_count,
            "operating_subsidy": figures.operating_subsidy, "employment_subsidy": figures.employment_subsidy}


def _render_tables(render, app, names: list[str], outdir: Path, draft: bool) -> dict[str, Path]:
    """Render 附件4/附件5 as PDF through LibreOffice Calc (one conversion run for both)."""
    info = app.info
    books = []
    for name in names:
        table = getattr(app, name)
        xlsx = outdir / f"{name}.xlsx"
        render.render_table_xlsx(table, xlsx, applicant=info.applicant or table.applicant or "",
                                 uscc=info.uscc or table.uscc or "", year=info.year, draft=draft,
                                 page_numbers=False)
        books.append(xlsx)
    pdfs = render.convert_to_pdf(books, outdir)
    return {name: Path(pdf) for name, pdf in zip(names, pdfs)}


def _with_checklist(render, app, figures, kind: str, head: list[Part], tail: list[Part], kdir: Path) -> list[Part]:
    """Render the 材料清单 with the real page ranges of every material; return all parts in order.

    The other parts are rendered first and counted; the checklist is rendered assuming it takes
    one page, and again with corrected ranges in the rare case it does not.
    """
    counts = page_counts([p.pdf for p in head + tail])
    assumed = 1
    for _attempt in range(3):
        sizes = [("cover", TITLES["cover"], counts[0]), ("checklist", TITLES["checklist"], assumed)]
        sizes += [(p.key, p.title, n) for p, n in zip(head[1:] + tail, counts[1:])]
        ranges = material_ranges(sizes)
        materials = _checklist_rows(app, ranges, tail)
        context = render.form_context(app.info, kind=kind, figures=_form_figures(figures, kind),
                                      materials=materials)
        checklist_dir = kdir / f"checklist-{_attempt}"
        checklist_dir.mkdir()
        pdf = Path(render.render_forms(["checklist"], context, checklist_dir)["checklist"])
        actual = page_counts([pdf])[0]
        if actual == assumed:
            break
        assumed = actual
    checklist = Part(key="checklist", title=TITLES["checklist"], pdf=pdf, marks=(SEAL,), seal_over=_seal_over(app))
    return [head[0], checklist, *head[1:], *tail]


def _checklist_rows(app, ranges: list[dict], tail: list[Part]) -> list[dict]:
    notes = {}
    if app.job_posts is not None:
        notes["job_posts"] = f"共{len(app.job_posts.records):,}条岗位"
    if app.roster is not None:
        notes["roster"] = f"共{len(app.roster.records):,}人次"
    evidence = next((p for p in tail if p.key == "evidence"), None)
    if evidence is not None:
        notes["evidence"] = f"共{len(evidence.children)}个文件"
    rows = []
    for no, r in enumerate(ranges, start=1):
        first, last = r["first_page"], r["last_page"]
        rows.append({"no": no, "key": r["key"], "title": r["title"],
                     "first_page": first, "last_page": last,
                     "pages": f"{first}" if first == last else f"{first}—{last}",
                     "note": notes.get(r["key"], "")})
    return rows


# --- bundling --------------------------------------------------------------------------------------

def _bundle_all(app, report, figures, kinds, rendered, targets, draft, password, today, tick) -> list[BuildResult]:
    results: list[BuildResult] = []
    date = build_date(app.info, today)
    common = _common_attachments(app, report)
    with contextlib.ExitStack() as stack:
        for kind in kinds:
            target = targets[kind]
            tmp = stack.enter_context(atomic_path(target, 0o600))
            attachments = [a for a in common if a.role in ("application", "validation")
                           or (a.role in EMBEDDED_TABLES[kind]) or (a.role == "evidence" and kind != RECOGNITION)]
            result: BundleResult = bundle(
                rendered[kind].parts, tmp, attachments=attachments,
                manifest=_manifest(app, figures, kind, draft, report),
                metadata=_metadata(app, kind, date, draft), draft=draft, password=password,
                atomic=False, progress=tick)
            results.append(BuildResult(path=target, kind=kind, pages=result.pages,
                                       materials=result.materials, manifest=result.manifest,
                                       draft=draft, warnings=report.warnings))
    return results


def _common_attachments(app, report) -> list[Attachment]:
    import json

    from lingong_docs.core.model import APPLICATION_FILE

    folder = Path(app.folder)
    out = []
    app_file = folder / APPLICATION_FILE
    if app_file.is_file():
        out.append(Attachment(name=APPLICATION_FILE, data=app_file.read_bytes(), role="application",
                              source=APPLICATION_FILE, description="申请文件"))
    for role, label in (("job_posts", "附件4 发布岗位任务明细表（原始工作簿）"),
                        ("roster", "附件5 撮合服务成功人员花名册（原始工作簿）")):
        table = getattr(app, role)
        if table is not None:
            path = Path(table.path)
            source = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else path.name
            out.append(Attachment(name=path.name, data=path.read_bytes(), role=role, source=source,
                                  description=label))
    evidence_dir = app.info.evidence_folder
    for path in app.evidence:
        out.append(Attachment(name=EVIDENCE_PREFIX + path.name, data=path.read_bytes(), role="evidence",
                              source=f"{evidence_dir}/{path.name}", description="支付凭证"))
    data = report.to_dict()
    data["stats"] = {k: v for k, v in data.get("stats", {}).items() if k != "seconds"}  # reproducible
    out.append(Attachment(name="validation.json", role="validation", source="validation.json",
                          data=(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n").encode(),
                          description="校验报告（已脱敏）"))
    return out


def _manifest(app, figures, kind: str, draft: bool, report) -> dict:
    """Return the package's manifest (``bundle`` adds files, materials, signature fields, pages).

    ``figures`` is the computation intake recomputes and compares — ``null`` in a recognition
    package, which has nothing to recompute (the key is always present).
    """
    from lingong_docs.core import manifest as contract
    from lingong_docs.render.context import form_context

    info = app.info
    policy = figures.policy
    printed = []
    if kind != RECOGNITION:
        # what the forms print, where: intake finds exactly this text on those pages
        ctx = form_context(info, kind=kind, figures=_form_figures(figures, kind))
        report_key = f"report_{kind}"
        shown = [(contract.PRINTED_MATCH_COUNT, str(ctx["match_count"])),
                 (contract.PRINTED_WAN, ctx[f"{kind}_wan"]), (contract.PRINTED_UPPER, ctx[f"{kind}_upper"])]
        if kind == "operating":
            shown.append((contract.PRINTED_DEMAND_TOTAL, str(ctx["demand_total"])))
        printed = [{"material": report_key, "field": f, "text": contract.printed_text(f, text)} for f, text in shown]
        printed += [{"material": "checklist", "field": contract.PRINTED_RECORDS, "table": name,
                     "text": contract.printed_text(contract.PRINTED_RECORDS, f"{len(table.records):,}", name)}
                    for name, table in (("job_posts", app.job_posts), ("roster", app.roster))
                    if table is not None and name in _tables(kind)]
    return {
        "format": contract.FORMAT,
        "toolkit": {"name": "lingong-docs", "version": __version__},
        "policy": {"id": policy.id, "version": policy.version,
                   "sha256": hashlib.sha256(Path(policy.path).read_bytes()).hexdigest()},
        "kind": kind,
        "applicant": {"name": info.applicant, "uscc": info.uscc, "market": info.market},
        "year": info.year,
        "application_date": info.application_date.isoformat() if info.application_date else None,
        "draft": draft,
        "validation": {"valid": report.valid, "errors": report.errors, "warnings": report.warnings},
        # null for recognition: the package prints no figures and embeds no tables to recompute
        "figures": None if kind == RECOGNITION else figures.to_dict(),
        "printed": printed,
    }


def _metadata(app, kind: str, date: dt.datetime, draft: bool) -> dict:
    info = app.info
    title = f"{info.year or ''}年度{KINDS[kind].label}申请材料" + ("（草稿）" if draft else "")
    return {"title": title, "author": info.applicant or "", "subject": "朝阳区零工市场补贴申请材料",
            "keywords": f"零工市场, {KINDS[kind].label}, {info.year or ''}", "date": date,
            "creator": f"lingong-docs {__version__} build"}


# --- leftovers of killed runs -----------------------------------------------------------------------

def sweep_workdirs() -> None:
    """Remove private work folders that killed runs left in the temp folder (they hold personal data).

    A folder is removed only when the process that made it (its id is in the name) is gone, so a
    build running at the same time keeps its own.
    """
    base = Path(tempfile.gettempdir())
    pattern = re.compile(rf"^{re.escape(WORKDIR_PREFIX)}(\d+)-")
    with contextlib.suppress(OSError):
        for p in base.iterdir():
            m = pattern.match(p.name)
            if not m or not p.is_dir() or p.is_symlink():
                continue
            pid = int(m.group(1))
            if pid == os.getpid() or _alive(pid):
                continue
            with contextlib.suppress(OSError):
                if p.stat().st_uid == os.getuid():
                    shutil.rmtree(p, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
