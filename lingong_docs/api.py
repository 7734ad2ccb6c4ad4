"""The public Python API: the four things the toolkit does, each one call.

    import lingong_docs as lg
    report = lg.validate("samples/demo")             # -> Report
    figures = lg.compute("samples/demo")             # -> Figures (a list for several folders)
    packages = lg.build("samples/demo", "out")       # -> list[BuildResult]
    results = lg.intake(["out/x.pdf"], ledger=None)  # -> list[Receipt]
    fixed = lg.fix("samples/demo", "fixed")          # -> FixResult (the safe corrections, in a copy)
    ledger = lg.open_ledger("postgresql://clerk@db:5432/lingong")   # -> Ledger (key: $LINGONG_LEDGER_KEY)
    status = lg.ledger_status(ledger)                # -> LedgerStatus; ledger_export / ledger_import

Each result's ``to_dict()`` is exactly what the matching command prints with ``--format json``.
Errors are ``LingongError`` subclasses with a stable ``code`` and a Chinese ``message``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the stages are imported on first use: ``import lingong_docs`` stays light
    from lingong_docs.compute.figures import Figures
    from lingong_docs.core.findings import Report
    from lingong_docs.corrections import FixResult
    from lingong_docs.intake.ledger import Ledger, LedgerStatus
    from lingong_docs.intake.ledger.transfer import LedgerTransfer
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


# ---- the intake ledger ----------------------------------------------------------------------------

def open_ledger(location: PathLike | None = None, *, key_file: PathLike | None = None,
                key: bytes | None = None) -> Ledger:
    """Open (create, or upgrade) the ledger at ``location``; the caller closes it (or uses ``with``).

    ``location``: an SQLite file or a ``postgresql://user@host:port/db`` URL; None: $LINGONG_LEDGER,
    else the default file. The key is ``key``, else read from ``key_file``, else $LINGONG_LEDGER_KEY;
    a wrong key is refused (``ledger-key-wrong``) before anything is written.
    """
    from lingong_docs.intake.ledger import Ledger, ledger_location, load_key

    return Ledger(ledger_location(location), key if key is not None else load_key(key_file))


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
