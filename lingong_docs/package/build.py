"""Build stage: an application folder → one signing-ready PDF package per subsidy applied for.

``build_packages(folder)`` reads, validates and computes the application, renders the forms and
tables (LibreOffice, in a private temporary folder), and bundles each package (``bundle``). It
refuses while validation or the computation reports errors, unless ``draft=True``: a draft
carries 草稿 — 未通过校验 on every page and its own file name, so it never replaces a real package.

Contents and order (第十二、十三条; 第八条 for recognition):
cover, 材料清单, the report (附件2 / 附件3 / 附件1), 附件4 (operating only), 附件5, 支付凭证.

Everything is rendered before any output file is opened (``package.parts``, ``package.checklist``),
and all packages of one run are committed together at the end (``atomic_paths``: the renames run
with Ctrl-C and SIGTERM deferred): an interruption at any point leaves the previous packages as
they were, all of them, or replaces all of them.

``paper=True`` makes the paper edition (``build --paper``): the same package without signature
fields, for printing and sealing by hand (see ``package.parts.Edition``); its manifest says
``"edition": "paper"`` (else ``"electronic"``).

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
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lingong_docs._version import __version__
from lingong_docs.core import findings as F
from lingong_docs.core.errors import BuildError, BuildRefused
from lingong_docs.core.kinds import EMBEDDED_TABLES, EMPLOYMENT, KINDS, OPERATING, ORDER, RECOGNITION
from lingong_docs.core.manifest import EVIDENCE_PREFIX, Manifest, PrintedEntry, printed_figures
from lingong_docs.core.progress import Progress
from lingong_docs.package.assemble import Attachment, BundleResult, bundle
from lingong_docs.package.parts import Edition, LayoutRefused, Rendered, form_figures, render_all, tables_of
from lingong_docs.render import soffice, tables
from lingong_docs.util.atomic import atomic_paths
from lingong_docs.util.money import to_money
from lingong_docs.util.pii import mask_file_name
from lingong_docs.util.workdir import private_dir, sweep_stale

if TYPE_CHECKING:
    from lingong_docs.compute import Figures
    from lingong_docs.core.findings import Report
    from lingong_docs.core.model import Application
    from lingong_docs.core.policy import Policy

QUIET_LOGGERS = ("pypdf", "PIL", "fontTools", "reportlab")
DRAFT_SUFFIX = "_草稿"
PAPER_SUFFIX = "_纸质版"
WORKDIR_PREFIX = "lingong-build-"
WORKDIR_PREFIXES = (WORKDIR_PREFIX, soffice.WORKDIR_PREFIX, tables.WORKDIR_PREFIX)
# Why a draft is a draft (its watermark and the tables' page header say it).
DRAFT_INVALID = "未通过校验"
DRAFT_NOT_REACHED = "未达到补贴标准"
DRAFT_PREVIEW = "仅供预览"



@dataclass
class BuildResult:
    """One package written: its path, subsidy kind, page count, materials and manifest.

    ``problems``: what a draft was written despite (validation or computation findings);
    ``notes``: layout findings (``form-overflow``) a draft was written despite.
    """

    path: Path
    kind: str
    pages: int
    materials: list[dict[str, Any]]
    manifest: dict[str, Any] = field(repr=False)
    draft: bool = False
    warnings: int = 0
    notes: list[F.Finding] = field(default_factory=list)
    problems: list[F.Finding] = field(default_factory=list)
    paper: bool = False
    people: frozenset[str] = field(default=frozenset(), repr=False)   # roster names, to mask file names shown

    def to_dict(self) -> dict[str, Any]:
        """Return what ``build --format json`` prints for this package."""
        return {
            "path": str(self.path),
            "kind": self.kind,
            "kind_zh": KINDS[self.kind].label,
            "pages": self.pages,
            "bytes": self.path.stat().st_size if self.path.exists() else None,
            "draft": self.draft,
            "edition": "paper" if self.paper else "electronic",
            "materials": [_shown_material(m, self.people) for m in self.materials],
            "signature_fields": [f["name"] for f in self.manifest.get("signature_fields", [])],
            "warnings": self.warnings,
            "notes": [f.to_dict() for f in self.notes],
            "problems": [f.to_dict() for f in self.problems],
        }


def _shown_material(material: dict[str, Any], people: frozenset[str]) -> dict[str, Any]:
    """Return a material as printed outside the package: its files' names (operators name
    evidence after the person paid) with personal data masked."""
    items = [{k: mask_file_name(v, people) if k in ("title", "file", "attachment") and isinstance(v, str) else v
              for k, v in item.items()} for item in material.get("items", ())]
    return {**material, "items": items} if "items" in material else dict(material)


def package_name(year: int | None, kind: str, draft: bool = False, paper: bool = False) -> str:
    """Return ``2025年度_运营经费补贴_申请材料.pdf`` (``…_纸质版.pdf`` for the paper edition, ``…_草稿.pdf``
    for drafts): the editions never replace each other (an electronic package may already be sealed)."""
    prefix = f"{year}年度_" if year else ""
    suffix = (PAPER_SUFFIX if paper else "") + (DRAFT_SUFFIX if draft else "")
    return f"{prefix}{KINDS[kind].label}_申请材料{suffix}.pdf"


def default_output(folder: str | Path) -> Path:
    """Return the default output folder: ``out`` next to the application folder."""
    return Path(folder).resolve().parent / "out"


def build_date(info: Any, today: dt.date | None = None, source_date: dt.datetime | None = None) -> dt.datetime:
    """Return the date written into the package: ``source_date`` (the command line passes
    SOURCE_DATE_EPOCH), else the 申请日期 at midnight in Beijing."""
    if source_date is not None:
        return source_date
    day = info.application_date or today or dt.date.today()
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone(dt.timedelta(hours=8)))


def build_packages(folder: str | Path, *, kinds: list[str] | None = None, out: str | Path | None = None,
                   draft: bool = False, password: str | None = None, as_of: dt.date | None = None,
                   progress: Progress | None = None, today: dt.date | None = None,
                   paper: bool = False, source_date: dt.datetime | None = None) -> list[BuildResult]:
    """Build the package of each subsidy in ``kinds`` (default: those applied for); return them.

    ``out`` is a folder (default ``default_output(folder)``) or, for one kind, a ``.pdf`` path.
    ``password`` encrypts with AES-256 (such output is not byte-reproducible: random salts).
    ``progress(stage, done, total)`` is called as the stages advance. ``paper`` makes the paper
    edition (no signature fields; to be printed and sealed by hand). ``source_date`` is the date
    written into the packages (for byte-identical rebuilds); default the 申请日期.
    Raises ``BuildRefused`` when validation or computation reports errors, or a one-page form
    runs onto a second page (``form-overflow``), and ``draft`` is False.
    """
    with _quiet_libraries():
        return _build_packages(Path(folder), kinds=kinds, out=out, draft=draft, password=password, as_of=as_of,
                               progress=progress or (lambda *_: None), today=today, paper=paper,
                               source_date=source_date)


@contextlib.contextmanager
def _quiet_libraries() -> Iterator[None]:
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


def _build_packages(folder: Path, *, kinds: list[str] | None, out: str | Path | None, draft: bool,
                    password: str | None, as_of: dt.date | None, progress: Progress, today: dt.date | None,
                    paper: bool, source_date: dt.datetime | None = None) -> list[BuildResult]:
    from lingong_docs.pipeline import prepare

    prepared = prepare(folder, as_of=as_of, today=today, progress=progress)
    app, report, figures = prepared.app, prepared.report, prepared.figures
    kinds = _choose_kinds(app, kinds)
    targets = _targets(folder, out, kinds, app.info.year, draft, paper)
    problems = _problems(app, report, figures, kinds)
    if problems and not draft:
        raise BuildRefused(problems)
    for kind in kinds:
        for table in tables_of(kind, figures.policy):
            if getattr(app, table) is None:
                raise BuildError.make("table-missing-for-kind", subsidy=KINDS[kind].label,
                                      table=figures.policy.title_of(table).split()[0])
    edition = Edition(draft=draft, paper=paper, watermark=_watermark(problems) if draft else "")
    sweep_stale(WORKDIR_PREFIXES)       # folders killed runs left (personal data), their owners gone
    with _output_lock({p.parent for p in targets.values()}), private_dir(WORKDIR_PREFIX) as workdir:
        try:
            rendered = render_all(app, figures, kinds, workdir, edition, progress)
        except LayoutRefused as e:
            raise BuildRefused(e.findings) from None
        results = _bundle_all(app, report, figures, kinds, rendered, targets, edition, password,
                              build_date(app.info, today, source_date), progress)
    for r in results:
        r.notes = list(rendered[r.kind].notes)
        r.problems = list(problems)
    return results


def _watermark(problems: list[F.Finding]) -> str:
    """Return why a draft is a draft: invalid data, a subsidy not reached, or a plain preview."""
    if not problems:
        return DRAFT_PREVIEW
    if all(f.code == "subsidy-not-reached" for f in problems):
        return DRAFT_NOT_REACHED
    return DRAFT_INVALID


@contextlib.contextmanager
def _output_lock(folders: set[Path]) -> Iterator[None]:
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
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):     # a file stands where the folder goes
                raise BuildError.make("output-not-writable", folder=mask_file_name(str(folder)),
                                      reason="这不是一个文件夹") from None
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

def _choose_kinds(app: Any, kinds: list[str] | None) -> list[str]:
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


def _targets(folder: Path, out: str | Path | None, kinds: list[str], year: int | None, draft: bool,
             paper: bool) -> dict[str, Path]:
    out = Path(out) if out is not None else default_output(folder)
    if out.suffix.lower() == ".pdf":
        if len(kinds) != 1:
            raise BuildError.make("output-not-pdf-for-many", count=len(kinds))
        return {kinds[0]: out}
    return {k: out / package_name(year, k, draft, paper) for k in kinds}


def _problems(app: Any, report: Any, figures: Any, kinds: list[str]) -> list[F.Finding]:
    """Return what stops a real package: validation errors, blocking findings, zero amounts."""
    problems = [f for f in report.sorted() if f.severity == F.ERROR]
    reported = {f.code for f in problems}        # validate and compute both judge the year and deadline
    problems += [f for f in figures.blocking
                 if f.code not in reported and (f.code != "input-has-errors" or not problems)]
    for kind, amount in ((OPERATING, figures.operating_subsidy), (EMPLOYMENT, figures.employment_subsidy)):
        if kind in kinds and not amount:
            reason = ("未达到运营经费补贴标准" if not figures.operating_passed
                      else "撮合个次未达到就业服务补贴的最低档")
            problems.append(F.make("subsidy-not-reached", subsidy=KINDS[kind].label, reason=reason))
    return problems


# --- bundling --------------------------------------------------------------------------------------

def _bundle_all(app: Any, report: Any, figures: Any, kinds: list[str], rendered: dict[str, Rendered], targets: dict[str, Path],
                edition: Edition, password: str | None, date: dt.datetime, tick: Progress) -> list[BuildResult]:
    """Bundle every package into a temporary file beside its target, then commit them together."""
    results: list[BuildResult] = []
    common = _common_attachments(app, report, figures.policy)
    with atomic_paths([targets[k] for k in kinds], 0o600) as tmps:
        for kind, tmp in zip(kinds, tmps):
            attachments = [a for a in common if a.role in ("application", "validation")
                           or (a.role in EMBEDDED_TABLES[kind]) or (a.role == "evidence" and kind != RECOGNITION)]
            manifest = _manifest(app, figures, kind, edition.draft, report, paper=edition.paper)
            result: BundleResult = bundle(
                rendered[kind].parts, tmp, attachments=attachments, manifest=manifest,
                metadata=_metadata(app, kind, date, edition.draft), draft=edition.draft,
                watermark=edition.watermark, password=password, atomic=False, progress=tick)
            results.append(BuildResult(path=targets[kind], kind=kind, pages=result.pages,
                                       materials=result.materials, manifest=result.manifest,
                                       draft=edition.draft, warnings=report.warnings, paper=edition.paper,
                                       people=app.roster.personal_names() if app.roster is not None else frozenset()))
    return results


def _common_attachments(app: Application, report: Report, policy: Policy) -> list[Attachment]:
    import json

    from lingong_docs.core.model import APPLICATION_FILE

    assert app.folder is not None            # a package is built from an application folder
    folder = Path(app.folder)
    out = []
    app_file = folder / APPLICATION_FILE
    if app_file.is_file():
        out.append(Attachment(name=APPLICATION_FILE, data=app_file.read_bytes(), role="application",
                              source=APPLICATION_FILE, description="申请文件"))
    for role in ("job_posts", "roster"):
        label = f"{policy.title_of(role)}（原始工作簿）"
        table = getattr(app, role)
        if table is not None:
            path = Path(table.path)
            source = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else path.name
            out.append(Attachment(name=path.name, data=path.read_bytes(), role=role, source=source,
                                  description=label))
    evidence_dir = app.info.evidence_folder
    for path in app.bundled():
        out.append(Attachment(name=EVIDENCE_PREFIX + path.name, data=path.read_bytes(), role="evidence",
                              source=f"{evidence_dir}/{path.name}", description=policy.title_of("evidence")))
    data = report.to_dict()
    data["stats"] = {k: v for k, v in data.get("stats", {}).items() if k != "seconds"}  # reproducible
    out.append(Attachment(name="validation.json", role="validation", source="validation.json",
                          data=(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n").encode(),
                          description="校验报告（已脱敏）"))
    return out


def _manifest(app: Application, figures: Figures, kind: str, draft: bool, report: Report, *,
              paper: bool = False) -> Manifest:
    """Return the package's manifest (``bundle`` adds files, materials, signature fields, pages).

    ``figures`` is the computation intake recomputes and compares — ``None`` in a recognition
    package, which has nothing to recompute. ``edition`` is ``"paper"`` for the paper edition
    (no signature fields: sealed by hand), else ``"electronic"``.
    """
    info = app.info
    policy = figures.policy
    printed: tuple[PrintedEntry, ...] = ()
    if kind != RECOGNITION:
        # what the forms print, where: intake finds exactly this text on those pages
        amounts = form_figures(figures, kind) or {}
        records = {name: len(table.records) for name, table in (("job_posts", app.job_posts), ("roster", app.roster))
                   if table is not None and name in tables_of(kind, policy)}
        printed = printed_figures(kind, match_count=int(figures.match_count), demand_total=int(figures.demand_total),
                                  amount=to_money(amounts[f"{kind}_subsidy"]), records=records)
    return Manifest(
        kind=kind, toolkit={"name": "lingong-docs", "version": __version__},
        policy={"id": policy.id, "version": policy.version, "sha256": policy.sha256},
        applicant={"name": info.applicant, "uscc": info.uscc, "market": info.market}, year=info.year,
        application_date=info.application_date.isoformat() if info.application_date else None,
        draft=draft, edition="paper" if paper else "electronic",
        validation={"valid": report.valid, "errors": report.errors, "warnings": report.warnings},
        figures=None if kind == RECOGNITION else figures.to_dict(), printed=printed)


def _metadata(app: Application, kind: str, date: dt.datetime, draft: bool) -> dict[str, Any]:
    info = app.info
    title = f"{info.year or ''}年度{KINDS[kind].label}申请材料" + ("（草稿）" if draft else "")
    return {"title": title, "author": info.applicant or "", "subject": "朝阳区零工市场补贴申请材料",
            "keywords": f"零工市场, {KINDS[kind].label}, {info.year or ''}", "date": date,
            "creator": f"lingong-docs {__version__} build"}
