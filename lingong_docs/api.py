"""The public Python API: the four things the toolkit does, each one call.

    import lingong_docs as lg
    report = lg.validate("samples/demo")             # -> Report
    figures = lg.compute("samples/demo")             # -> Figures (a list for several folders)
    packages = lg.build("samples/demo", "out")       # -> list[BuildResult]
    results = lg.intake(["out/x.pdf"], ledger=None)  # -> list[Receipt]
    fixed = lg.fix("samples/demo", "fixed")          # -> FixResult (the safe corrections, in a copy)

Each result's ``to_dict()`` is exactly what the matching command prints with ``--format json``.
Errors are ``LingongError`` subclasses with a stable ``code`` and a Chinese ``message``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lingong_docs.core.model import Application, ApplicationInfo

if TYPE_CHECKING:  # the stages are imported on first use: ``import lingong_docs`` stays light
    from lingong_docs.compute.figures import Figures, Reading
    from lingong_docs.core.findings import Finding, Report
    from lingong_docs.corrections import FixResult
    from lingong_docs.intake.ledger import Ledger
    from lingong_docs.intake.receipt import Receipt
    from lingong_docs.package.build import BuildResult

PathLike = str | Path


def validate(target: PathLike, *, year: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> Report:
    """Return the validation report of an application folder or of one 附件4/附件5 workbook."""
    from lingong_docs import pipeline

    _app, report = pipeline.check(target, year=year, progress=progress)
    return report


def compute(folders: PathLike | Sequence[PathLike], *, policy: str | None = None,
            as_of: dt.date | None = None) -> Figures | list[Figures]:
    """Return the figures of one folder, or a list for several markets (they share the agency cap)."""
    from lingong_docs import pipeline

    targets: list[PathLike] = [folders] if isinstance(folders, (str, Path)) else list(folders)
    many = not isinstance(folders, (str, Path))
    prepared = pipeline.prepare_many(targets, policy=policy, as_of=as_of)
    figures = [p.figures for p in prepared]
    return figures if many else figures[0]


def build(folder: PathLike, out: PathLike | None = None, *, kinds: list[str] | None = None,
          draft: bool = False, password: str | None = None, as_of: dt.date | None = None,
          progress: Callable[[str, int, int], None] | None = None, paper: bool = False) -> list[BuildResult]:
    """Build one PDF package per subsidy applied for; return what was written.

    ``paper`` makes the paper edition (no signature fields; printed and sealed by hand).
    Raises ``BuildRefused`` (its ``problems`` list the findings) when the data has errors and
    ``draft`` is False.
    """
    from lingong_docs.core.errors import ConfigError
    from lingong_docs.core.kinds import parse_kind
    from lingong_docs.package.build import build_packages

    if kinds is not None:                      # the English words or the Chinese labels, as the CLI takes
        parsed = [parse_kind(k) for k in kinds]
        unknown = [str(k) for k, p in zip(kinds, parsed) if p is None]
        if unknown:
            raise ConfigError.make("kind-unknown", kind="、".join(unknown))
        kinds = [p for p in parsed if p is not None]
    return build_packages(folder, kinds=kinds, out=out, draft=draft, password=password,
                          as_of=as_of, progress=progress, paper=paper)


def intake(paths: PathLike | Sequence[PathLike], *, ledger: Ledger | None = None, as_of: dt.date | None = None,
           password: str | None = None, trust: Sequence[PathLike] = (), allow_unsigned: bool = False,
           record: bool = True, receipt_dir: PathLike | None = None, bureau: str | None = None,
           clerk: str | None = None) -> list[Receipt]:
    """Examine received packages; return one receipt per package, in order.

    ``ledger=None`` checks the packages only against each other (a pre-check); a ``Ledger``
    (``Ledger(path, key)``) adds the cross-applicant checks and records accepted packages.
    ``bureau`` and ``clerk`` are printed on the receipts.
    """
    from lingong_docs.intake.service import intake as run

    packages: list[PathLike] = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    return run(packages, ledger=ledger, as_of=as_of, password=password,
               trust=[str(t) for t in trust], allow_unsigned=allow_unsigned, record=record,
               receipt_dir=receipt_dir, bureau=bureau, clerk=clerk)


def fix(folder: PathLike, out: PathLike) -> FixResult:
    """Write a corrected copy of ``folder`` to ``out`` (the originals are never touched); return the changes.

    Only safe corrections are made (full-width forms, spaces, name separators, 15-digit IDs, merged cells,
    序号, dates typed as text); anything that would need a guess stays a finding for ``validate``.
    """
    from lingong_docs.corrections import fix_application

    return fix_application(folder, out)


# ---- for front ends: what the web page needs besides the five calls above ----------------------
# (each a thin door onto the stage that owns the knowledge; the page holds no domain rule itself)

def check(target: PathLike) -> tuple[Application, Report]:
    """Return the application at ``target`` as read and its validation report (one read)."""
    from lingong_docs import pipeline

    return pipeline.check(target)


def annotate(source: PathLike, target: PathLike, findings: Sequence[Finding]) -> Path:
    """Write a copy of workbook ``source`` with ``findings`` marked (as ``validate --annotate``)."""
    from lingong_docs.validate.annotate import annotate as write

    return write(Path(source), Path(target), list(findings))


def init(folder: PathLike, *, year: int, applicant: str = "", uscc: str = "", market: str = "") -> list[Path]:
    """Create an application folder as ``lingong-docs init`` does; return the files written."""
    from lingong_docs.blanks import init_application

    return init_application(folder, year=year, applicant=applicant, uscc=uscc, market=market)


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


def readings(figures: Figures) -> list[Reading]:
    """Return, per reading of the count (第九条括注), its 个次 and the subsidies it would give."""
    from lingong_docs.compute.figures import reading_amounts

    return reading_amounts(figures)


def check_credit_code(value: str) -> Finding | None:
    """Return the finding of what is wrong with a 统一社会信用代码, else None."""
    from lingong_docs.core import findings as F
    from lingong_docs.identifiers import uscc

    code = uscc.check(value)
    return None if code is None else F.make(code)


def publicity(ledger_path: PathLike, target: PathLike, *, year: int | None = None) -> tuple[Path, int]:
    """Write the 公示 notice of the ledger's accepted packages to ``target`` (.xlsx or .pdf); (path, rows)."""
    from lingong_docs.intake.service import publicity as write

    return write([Path(ledger_path)], target, year=year)


def open_ledger(path: PathLike, key: bytes) -> Ledger:
    """Return the bureau's ledger at ``path`` opened with its key (close it when done)."""
    from lingong_docs.intake.ledger import Ledger as Book

    return Book(Path(path), key)


def is_receipt_number(text: str) -> bool:
    """Return True for a receipt number intake gives (``SL…`` registered, ``YS…`` a pre-check)."""
    from lingong_docs.intake.receipt import RECEIPT_NO

    return bool(RECEIPT_NO.match(text))


def refused_problems(error: Exception) -> list[Finding] | None:
    """Return the findings of a refused build (``BuildRefused``), None for any other error."""
    from lingong_docs.package.build import BuildRefused

    return list(error.problems) if isinstance(error, BuildRefused) else None


def signature_status_zh(status: str) -> str:
    """Return the Chinese word the receipt uses for a signature place's status."""
    from lingong_docs.intake.receipt import SIGNATURE_ZH

    return SIGNATURE_ZH.get(status, status)
