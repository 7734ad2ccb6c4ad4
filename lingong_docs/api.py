"""The public Python API: everything the toolkit does, each one call. The CLI and the web page use only this.

    import lingong_docs as lg
    report = lg.validate("samples/demo")             # -> Report
    figures = lg.compute("samples/demo")             # -> Figures (a list for several folders)
    packages = lg.build("samples/demo", "out")       # -> list[BuildResult]
    results = lg.intake(["out/x.pdf"], ledger=None)  # -> list[Receipt]
    fixed = lg.fix("samples/demo", "fixed")          # -> FixResult (the safe corrections, in a copy)

and around them:

    lg.read(target) -> Application                   the folder (or one workbook) as read
    lg.annotate(app, report, "标注.xlsx") -> list[Path]   the marked-up workbooks
    lg.fixable(report) -> list[Finding]              the findings ``fix`` corrects
    lg.rules() -> RuleCatalogue                      every rule code with its severity, title, message
    lg.prepare(folders) -> list[Prepared]            read + validate + compute (figures with their report)
    lg.explain(figures) -> Explanation               the reasoning behind each figure, as text
    lg.reading_amounts(figures) -> list[Reading]     the 个次 and subsidies of each reading of the count
    lg.policy_for(year, named) -> Policy             the policy that applies (the one choice of every stage)
    lg.build_output(folder) -> Path                  where ``build`` writes by default
    lg.init(folder, year=...) -> InitResult          a new application folder with blank workbooks
    lg.doctor() -> Environment                       LibreOffice, fonts, packages
    lg.check_package(path)                           refuse what is not a package file, in Chinese
    lg.open_ledger(path, key_file=...) -> Ledger     the bureau's intake ledger (a file or postgresql:// URL)
    lg.ledger_status(ledger) -> LedgerStatus; lg.ledger_export / lg.ledger_import -> LedgerTransfer
    lg.ledger_key(key_file) / lg.default_ledger_path()
    lg.ledger_listing(ledger, year=..., receipts=...) -> LedgerListing
    lg.publicity(sources, "公示.xlsx") -> Notice      the 公示 list (no personal data)
    lg.receipt_file(folder, number, "pdf") -> Path | None

and what the CLI and the web page print and write with, so that they print as the stages do:
``__version__``, ``yuan`` / ``cn_date`` / ``rmb_upper`` (money and dates as the forms print
them), ``scrub`` / ``mask_file_name`` / ``ScrubFilter`` (personal data masked in any text, file
name or log record), ``strip_controls`` (text cleaned of control characters),
``atomic_write_bytes`` (a file written whole or not at all), ``interrupts_remembered`` (Ctrl-C and
SIGTERM stop the run and no output is replaced after them), ``owner_pid`` / ``sweep_stale``
(the private working folders a process left behind).

Each result's ``to_dict()`` is exactly what the matching command prints with ``--format json``.
Errors are ``LingongError`` subclasses with a stable ``code`` and a Chinese ``message``; ``build``
raises ``BuildRefused`` (its ``problems``) when the data has errors.

The stages are imported on first use: ``import lingong_docs`` and ``import lingong_docs.api`` stay light.
"""

from __future__ import annotations

import datetime as dt
import errno
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lingong_docs._version import __version__
from lingong_docs.core.errors import BuildRefused, ConfigError, LingongError
from lingong_docs.core.findings import Finding, Report
from lingong_docs.core.model import Application, ApplicationInfo
from lingong_docs.util.atomic import atomic_write_bytes, interrupts_remembered
from lingong_docs.util.money import cn_date, rmb_upper, yuan
from lingong_docs.util.pii import ScrubFilter, mask_file_name, scrub
from lingong_docs.util.text import strip_controls
from lingong_docs.util.workdir import owner_pid, sweep_stale

if TYPE_CHECKING:
    from lingong_docs.compute.figures import Figures as Figures
    from lingong_docs.compute.figures import Reading as Reading
    from lingong_docs.compute.figures import reading_amounts as reading_amounts
    from lingong_docs.core.policy import Policy as Policy
    from lingong_docs.core.policy import policy_for as policy_for
    from lingong_docs.corrections import FixResult as FixResult
    from lingong_docs.intake.ledger import Ledger as Ledger
    from lingong_docs.intake.ledger import LedgerStatus as LedgerStatus
    from lingong_docs.intake.ledger.transfer import LedgerTransfer as LedgerTransfer
    from lingong_docs.intake.receipt import Receipt as Receipt
    from lingong_docs.intake.service import intake as intake
    from lingong_docs.package.build import BuildResult as BuildResult
    from lingong_docs.pipeline import Prepared as Prepared

PathLike = str | Path

# Names served from the stage that defines them, imported when first asked for (``__getattr__``).
# ``intake`` is the intake stage's own door: one function, one place where its arguments are handled.
_LAZY = {
    "intake": "lingong_docs.intake.service",
    "Figures": "lingong_docs.compute.figures",
    "FixResult": "lingong_docs.corrections",
    "Ledger": "lingong_docs.intake.ledger",
    "LedgerStatus": "lingong_docs.intake.ledger",
    "LedgerTransfer": "lingong_docs.intake.ledger.transfer",
    "Receipt": "lingong_docs.intake.receipt",
    "BuildResult": "lingong_docs.package.build",
    "Prepared": "lingong_docs.pipeline",
    "reading_amounts": "lingong_docs.compute.figures",
    "Reading": "lingong_docs.compute.figures",
    "policy_for": "lingong_docs.core.policy",
    "Policy": "lingong_docs.core.policy",
}

__all__ = ["validate", "compute", "build", "intake", "fix", "read", "annotate", "fixable", "rules", "prepare",
           "explain", "build_output", "init", "doctor", "check_package", "open_ledger", "ledger_key",
           "default_ledger_path", "ledger_location", "ledger_status", "ledger_export", "ledger_import",
           "LedgerStatus", "LedgerTransfer", "ledger_listing", "publicity", "receipt_file", "reading_amounts", "policy_for",
           "LingongError", "BuildRefused", "Report", "Finding", "Application", "Figures", "FixResult", "Ledger",
           "Receipt", "BuildResult", "Prepared", "RuleCatalogue", "Explanation", "ExplanationStep", "InitResult",
           "Environment", "LedgerListing", "Notice", "PathLike", "Reading", "Policy",
           "ApplicationDetails", "application_details", "write_application", "year_notes", "deadline",
           "check_credit_code", "signature_status_zh",
           # for the front ends: print, mask and write as the stages do
           "__version__", "yuan", "cn_date", "rmb_upper", "scrub", "mask_file_name", "ScrubFilter", "strip_controls",
           "atomic_write_bytes", "interrupts_remembered", "owner_pid", "sweep_stale"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---- validate ---------------------------------------------------------------------------------

def read(target: PathLike) -> Application:
    """Return the application in folder ``target``, or one holding the lone 附件4/附件5 workbook ``target``."""
    from lingong_docs import pipeline

    return pipeline.read(target)


def validate(target: PathLike | Application, *, year: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> Report:
    """Return the validation report of an application folder, of one 附件4/附件5 workbook, or of an
    application already read (``read``)."""
    from lingong_docs.validate.run import validate as run

    app = target if isinstance(target, Application) else read(target)
    return run(app, year=year, progress=progress)


def annotate(app: Application, report: Report, target: PathLike, *,
             workbook: PathLike | None = None) -> list[Path]:
    """Write the marked-up copies of ``app``'s workbooks; return their paths.

    One workbook (an application of one table, or ``workbook`` named): the copy is ``target``. A
    folder: one copy per workbook, ``X-附件4.xlsx`` and ``X-附件5.xlsx`` for ``target`` ``X.xlsx``.
    Errors are red, warnings yellow, each with a comment, and an “错误清单” sheet lists the
    workbook's findings and the application's. A copy never replaces a workbook being validated.
    """
    from lingong_docs.validate.annotate import annotate as mark

    target = Path(target)
    tables = [t for t in app.tables if workbook is None or t.path.resolve() == Path(workbook).resolve()]
    if len(tables) == 1:
        pairs = [(tables[0].path, target)]
    else:
        stem, suffix = target.stem, target.suffix or ".xlsx"
        pairs = [(t.path, target.with_name(f"{stem}-{t.spec.attachment}{suffix}")) for t in tables]
    sources = {t.path.resolve() for t in app.tables}
    for _source, copy in pairs:
        if copy.resolve() in sources:       # the annotated copy would replace the operator's workbook
            raise ConfigError.make("output-not-writable", folder=mask_file_name(str(copy)),
                                   reason="这是被校验的原工作簿，标注版不能覆盖它，请另选文件名")
    written = []
    for source, copy in pairs:
        try:
            written.append(mark(source, copy, report.findings))
        except OSError as e:
            reason = "磁盘已满" if e.errno == errno.ENOSPC else "无法写入（权限或磁盘问题）"
            raise ConfigError.make("output-not-writable", folder=mask_file_name(str(copy.parent)),
                                   reason=reason) from None
    return written


def fixable(report: Report, app: Application) -> list[Finding]:
    """Return the findings of ``report`` (about ``app``) that ``fix`` corrects in its copy."""
    from lingong_docs.corrections import fixable as fixed_by_fix

    return fixed_by_fix(app, report)


@dataclass(frozen=True)
class RuleCatalogue:
    """Every finding and error code: ``{code: {severity, title, message, hint}}``."""

    entries: dict[str, dict[str, str]]

    def to_dict(self) -> dict[str, dict[str, str]]:
        """Return what ``rules --format json`` prints."""
        return {code: dict(entry) for code, entry in self.entries.items()}


def rules() -> RuleCatalogue:
    """Return the rule catalogue (``schemas/messages/*.yaml``): every code the toolkit can report."""
    from lingong_docs.core.findings import catalogue

    return RuleCatalogue(catalogue())


# ---- compute ----------------------------------------------------------------------------------

def compute(folders: PathLike | Sequence[PathLike], *, policy: str | None = None,
            as_of: dt.date | None = None) -> Figures | list[Figures]:
    """Return the figures of one folder, or a list for several markets (they share the agency cap)."""
    many = not isinstance(folders, (str, Path))
    prepared = prepare(folders, policy=policy, as_of=as_of)
    figures = [p.figures for p in prepared]
    return figures if many else figures[0]


def prepare(folders: PathLike | Sequence[PathLike], *, policy: str | None = None, as_of: dt.date | None = None,
            progress: Callable[[str, int, int], None] | None = None) -> list[Prepared]:
    """Return each folder read, validated and computed (``Prepared``: ``app``, ``report``, ``figures``).

    Markets of one agency given together share the agency cap. ``policy`` is a policy id;
    ``as_of`` replaces the 申请日期 for the deadline check.
    """
    from lingong_docs import pipeline

    targets: list[PathLike] = [folders] if isinstance(folders, (str, Path)) else list(folders)
    return pipeline.prepare_many(targets, policy=policy, as_of=as_of, progress=progress)


@dataclass(frozen=True)
class ExplanationStep:
    """One figure and how it was reached: its value, the article, the rule, the inputs, the arithmetic.

    ``value`` and the values of ``inputs`` are text as printed (money in yuan with separators,
    exact fractions, 是/否); the keys of ``inputs`` are the stable English names.
    """

    name: str
    value: str
    article: str
    rule: str
    inputs: dict[str, str]
    arithmetic: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "article": self.article,
                "rule": self.rule, "inputs": dict(self.inputs), "arithmetic": self.arithmetic}


@dataclass(frozen=True)
class Explanation:
    """The reasoning behind one application's figures, ready to print."""

    readings: dict[str, str]            # reading key -> its Chinese label (the ways of counting 个次)
    steps: list[ExplanationStep]
    cap_rule: str                       # how the agency cap is shared among markets, in Chinese

    def to_dict(self) -> dict[str, Any]:
        return {"readings": dict(self.readings), "steps": [s.to_dict() for s in self.steps],
                "cap_rule": self.cap_rule}


def _value_text(value: object, key: str = "") -> str:
    from lingong_docs.compute import fraction_text, jsonable
    from lingong_docs.util.money import yuan

    if isinstance(value, Fraction):
        return fraction_text(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return yuan(value)
    if isinstance(value, int):
        return str(value) if key.endswith("year") else f"{value:,}"
    shown = jsonable(value)
    return "" if shown is None else str(shown)


def explain(figures: Figures) -> Explanation:
    """Return the reasoning behind ``figures`` (what ``compute --explain`` prints), values as text."""
    from lingong_docs.compute import cap_rule_zh, reading_labels

    hours = (figures.matches.hours_per_match if figures.matches is not None
             else figures.policy.counting.hours_per_match)
    labels: dict[str, str] = dict(reading_labels(hours))
    steps = []
    for e in figures.explanation:
        value = e["value"]
        shown = ("；".join(f"{labels.get(k, k)} {v:,}" for k, v in value.items()) if isinstance(value, dict)
                 else _value_text(value))
        steps.append(ExplanationStep(name=str(e["name"]), value=shown,
                                     article=str(e["article"]), rule=str(e["rule"]),
                                     inputs={k: _value_text(v, k) for k, v in e["inputs"].items()},
                                     arithmetic=str(e["arithmetic"])))
    cap_rule = cap_rule_zh(figures.policy.employment.step_amount)
    return Explanation(readings=labels, steps=steps, cap_rule=cap_rule)


# ---- build ------------------------------------------------------------------------------------

def build(folder: PathLike, out: PathLike | None = None, *, kinds: list[str] | None = None,
          draft: bool = False, password: str | None = None, as_of: dt.date | None = None,
          progress: Callable[[str, int, int], None] | None = None, paper: bool = False,
          source_date: dt.datetime | None = None) -> list[BuildResult]:
    """Build one PDF package per subsidy applied for; return what was written.

    ``kinds``: English words or the Chinese labels (``operating`` / ``运营经费补贴`` …); default: those
    applied for. ``paper`` makes the paper edition (no signature fields; printed and sealed by hand).
    ``source_date`` is the date written into the packages (the command line passes
    ``SOURCE_DATE_EPOCH``); default the 申请日期. Raises ``BuildRefused`` (its ``problems`` list
    the findings) when the data has errors and ``draft`` is False.
    """
    from lingong_docs.core.kinds import parse_kind
    from lingong_docs.package.build import build_packages

    if kinds is not None:                      # the English words or the Chinese labels, as the CLI takes
        parsed = [parse_kind(k) for k in kinds]
        unknown = [str(k) for k, p in zip(kinds, parsed) if p is None]
        if unknown:
            raise ConfigError.make("kind-unknown", kind="、".join(unknown))
        kinds = [p for p in parsed if p is not None]
    return build_packages(folder, kinds=kinds, out=out, draft=draft, password=password,
                          as_of=as_of, progress=progress, paper=paper, source_date=source_date)


def build_output(folder: PathLike) -> Path:
    """Return the folder ``build`` writes to when given none: ``out`` next to the application folder."""
    from lingong_docs.package.build import default_output

    return default_output(folder)


def fix(folder: PathLike, out: PathLike) -> FixResult:
    """Write a corrected copy of ``folder`` to ``out`` (the originals are never touched); return the changes.

    Only safe corrections are made (full-width forms, spaces, name separators, 15-digit IDs, merged cells,
    序号, dates typed as text); anything that would need a guess stays a finding for ``validate``.
    """
    from lingong_docs.corrections import fix_application

    return fix_application(folder, out)


# ---- init and doctor --------------------------------------------------------------------------

@dataclass(frozen=True)
class InitResult:
    """A new application folder: the files written, and what the operator should hear at once."""

    folder: Path
    files: list[Path]
    notes: list[Finding] = field(default_factory=list)    # year outside the policy, deadline passed

    def to_dict(self) -> dict[str, Any]:
        return {"folder": mask_file_name(str(self.folder)),
                "files": [str(p.relative_to(self.folder)) for p in self.files],
                "notes": [f.to_dict() for f in self.notes]}


def init(folder: PathLike, *, year: int | None = None, applicant: str = "", uscc: str = "", market: str = "",
         force: bool = False, today: dt.date | None = None) -> InitResult:
    """Create an application folder (application.yaml, blank 附件4/附件5, 支付凭证/); refuse to
    overwrite unless ``force``. ``year`` defaults to last year."""
    from lingong_docs.blanks import init_application, year_notes

    written = init_application(folder, year=year, applicant=applicant, uscc=uscc, market=market, force=force,
                               today=today)
    return InitResult(Path(folder), written, year_notes(year, today))


# what ``doctor`` reports the versions of
PACKAGES = ("lingong-docs", "docxtpl", "python-docx", "Jinja2", "openpyxl", "defusedxml", "lxml", "pypdf",
            "pyhanko", "reportlab", "python-calamine", "click", "PyYAML")


@dataclass(frozen=True)
class Environment:
    """What ``doctor`` checks: LibreOffice, CJK fonts and the substitutions of the official fonts,
    Python and package versions, the XML protection of openpyxl."""

    data: dict[str, Any]

    @property
    def ok(self) -> bool:
        return bool(self.data["ok"])

    def to_dict(self) -> dict[str, Any]:
        return dict(self.data)


def _version(name: str) -> str:
    from importlib import metadata  # here: importing it costs every command a twentieth of a second

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def doctor() -> Environment:
    """Return the check of this machine (``doctor``): can it render the forms and print Chinese?"""
    import openpyxl.xml

    from lingong_docs.render.fonts import font_report

    fonts = font_report()
    defused = openpyxl.xml.DEFUSEDXML is True
    return Environment({
        "python": {"version": platform.python_version(), "executable": sys.executable},
        "packages": {name: _version(name) for name in PACKAGES},
        "openpyxl_defusedxml": defused,
        **fonts,
        "ok": bool(fonts["ok"] and defused),
    })


# ---- intake (the bureau) ----------------------------------------------------------------------

def check_package(path: PathLike, what: str = "材料包") -> None:
    """Raise ``IntakeError`` (``package-is-folder`` / ``package-not-found``) unless ``path`` is a file."""
    from lingong_docs.intake.examine.run import check_package_path

    check_package_path(Path(path), what)


def default_ledger_path() -> Path | str:
    """Return the ledger used when none is named: $LINGONG_LEDGER (a file or a ``postgresql://`` URL),
    else a file in the user's data folder."""
    from lingong_docs.intake.ledger import default_ledger_path as default

    return default()


def ledger_location(value: PathLike | None = None) -> Path | str:
    """Return where the ledger named ``value`` is: the ``postgresql://`` URL as given, else a file
    path; ``default_ledger_path()`` when ``value`` is None or empty."""
    from lingong_docs.intake.ledger import ledger_location as location

    return location(value)


def ledger_key(key_file: PathLike | None = None, *, required: bool = True) -> bytes | None:
    """Return the bureau's ledger key from ``key_file`` or $LINGONG_LEDGER_KEY.

    Without either, ``required`` raises ``ledger-key-missing``; otherwise None (a pre-check only).
    """
    import os

    from lingong_docs.intake.ledger import KEY_ENV, load_key

    if not required and not key_file and not os.environ.get(KEY_ENV):
        return None
    return load_key(key_file)


def open_ledger(path: PathLike | None = None, *, key_file: PathLike | None = None,
                key: bytes | None = None) -> Ledger:
    """Return the intake ledger at ``path`` — an SQLite file or a ``postgresql://user@host:port/db``
    URL; default ``default_ledger_path()`` — opened with ``key`` or the key of ``key_file`` /
    $LINGONG_LEDGER_KEY. A new ledger is created, an older one upgraded (after the key is checked:
    a wrong key is refused before anything is written). Close it when done (``with`` or ``close()``)."""
    from lingong_docs.intake.ledger import Ledger, ledger_location, load_key

    secret = key if key is not None else load_key(key_file)
    return Ledger(ledger_location(path), secret)


def ledger_status(ledger: Ledger) -> LedgerStatus:
    """Return the ledger's backend, location, schema version, counts and last receipt number."""
    return ledger.status()


def ledger_export(ledger: Ledger, target: PathLike) -> LedgerTransfer:
    """Write every row of the ledger to ``target`` (JSON Lines, 0600); return counts and digests."""
    from lingong_docs.intake.ledger.transfer import export_ledger

    return export_ledger(ledger, target)


def ledger_import(ledger: Ledger, source: PathLike) -> LedgerTransfer:
    """Load an export file into the empty ``ledger``; committed only when counts and digests match."""
    from lingong_docs.intake.ledger.transfer import import_ledger

    return import_ledger(ledger, source)


# findings only the ledger (the other applicants' packages) can give
CROSS_APPLICANT_CODES = ("duplicate-package", "duplicate-rows", "cross-agency-overlap", "agency-cap-exceeded")


@dataclass(frozen=True)
class LedgerListing:
    """The packages registered in the ledger (no personal data) and, per receipt number, the
    cross-applicant findings its receipt lists."""

    packages: list[dict[str, Any]]
    cross_applicant: dict[str, list[dict[str, Any]]]

    def to_dict(self) -> dict[str, Any]:
        return {"packages": [dict(p) for p in self.packages], "cross_applicant": dict(self.cross_applicant)}


def ledger_listing(ledger: Ledger, *, year: int | None = None, accepted_only: bool = False,
                   receipts: PathLike | None = None) -> LedgerListing:
    """Return the ledger's packages (of ``year``), in order of receipt, with the cross-applicant
    findings read from their receipts in folder ``receipts`` (when given)."""
    import json

    packages = ledger.packages(year=year, accepted_only=accepted_only)
    cross: dict[str, list[dict[str, Any]]] = {}
    for number in [str(p["receipt_no"]) for p in packages] if receipts is not None else []:
        path = receipt_file(receipts or "", number, "json")
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path is not None else {}
        except (OSError, ValueError):
            continue
        found = [f for f in data.get("findings", []) if f.get("code") in CROSS_APPLICANT_CODES]
        if found:
            cross[number] = found
    return LedgerListing(packages, cross)


def receipt_file(folder: PathLike, number: str, ext: str) -> Path | None:
    """Return the receipt ``number``'s ``pdf`` or ``json`` file in ``folder``; None when ``number`` is
    not a receipt number, ``ext`` another type, or the file missing."""
    from lingong_docs.intake.receipt import RECEIPT_NO

    if not RECEIPT_NO.match(number) or ext not in ("pdf", "json"):
        return None
    path = Path(folder) / f"{number}.{ext}"
    return path if path.is_file() else None


@dataclass(frozen=True)
class Notice:
    """A 公示 list written: its path and its number of rows."""

    path: Path
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "rows": self.rows}


def publicity(sources: Sequence[PathLike], target: PathLike, *, year: int | None = None,
              as_of: dt.date | None = None, password: str | None = None, allow_unsigned: bool = False,
              trust: Sequence[PathLike] = ()) -> Notice:
    """Write the 公示 list (.xlsx or .pdf) from ledger files or packages; no one's personal data.

    A ``.pdf`` source is a package (examined now, the acceptable ones listed); anything else a
    ledger — a file or a ``postgresql://`` URL — (its accepted packages listed; reading it needs no key).
    """
    from lingong_docs.intake.service import publicity as write

    path, count = write(list(sources), target, year=year, as_of=as_of, password=password,
                        allow_unsigned=allow_unsigned, trust=[str(t) for t in trust])
    return Notice(path, count)


# ---- for the web page's forms and pages ------------------------------------------------------

@dataclass(frozen=True)
class ApplicationDetails:
    """What an application file says (typed) and the findings about the file itself."""

    info: ApplicationInfo
    findings: tuple[Finding, ...]

    def to_dict(self) -> dict[str, Any]:
        i = self.info
        return {"applicant": i.applicant, "uscc": i.uscc, "market": i.market, "year": i.year,
                "counting_mode": i.counting_mode,
                "application_date": i.application_date.isoformat() if i.application_date else None,
                "legal_rep": i.legal_rep, "contact": i.contact, "contact_phone": i.contact_phone,
                "address": i.address, "kinds": list(i.kinds), "recognition": dict(i.recognition),
                "policy": i.policy, "findings": [f.to_dict() for f in self.findings]}


def application_details(path: PathLike) -> ApplicationDetails:
    """Return the application file ``path`` read (raises ``ReadError`` when it cannot be read at all)."""
    from lingong_docs.reader.application import read_application_file

    info, found = read_application_file(Path(path))
    return ApplicationDetails(info, tuple(found))


def write_application(path: PathLike, info: ApplicationInfo) -> Path:
    """Write ``info`` as an application file (the layout and comments ``init`` writes), atomically."""
    from lingong_docs.blanks import application_text
    from lingong_docs.util.atomic import atomic_write_bytes

    atomic_write_bytes(Path(path), application_text(info).encode("utf-8"))
    return Path(path)


def year_notes(year: int, today: dt.date | None = None) -> list[Finding]:
    """Return what to say at once about service year ``year``: outside the policy, or past the deadline."""
    from lingong_docs.blanks import year_notes as notes

    return notes(year, today)


def deadline(year: int) -> dt.date:
    """Return the last day an application for service year ``year`` is accepted (第十一条)."""
    from lingong_docs.core.policy import policy_for

    return policy_for(year).deadline_for(year)


def check_credit_code(value: str) -> Finding | None:
    """Return the finding of what is wrong with a 统一社会信用代码, else None."""
    from lingong_docs.core import findings as F
    from lingong_docs.identifiers import uscc

    code = uscc.check(value)
    return None if code is None else F.make(code)


def signature_status_zh(status: str) -> str:
    """Return the Chinese word the receipt uses for a signature place's status."""
    from lingong_docs.intake.receipt import SIGNATURE_ZH

    return SIGNATURE_ZH.get(status, status)
