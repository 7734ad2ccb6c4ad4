"""Intake stage (bureau side): check received packages, issue receipts, cross-check applicants.

``intake(paths, ...) -> list[Receipt]`` examines each package (safely, in limited child
processes), checks it against the ledger (same person claimed by two agencies at the same time,
the agency's yearly cap, the same package or the same rows twice), records it, and returns one
receipt per package listing every problem at once (一次性告知). ``publicity`` builds the 公示
notice. See ``examine`` for the checks, ``ledger`` for what is stored and how.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from lingong_docs.core import kinds
from lingong_docs.core.errors import IntakeError
from lingong_docs.core.findings import rows_text
from lingong_docs.core.policy import policy_for
from lingong_docs.intake.examine.examination import Examination
from lingong_docs.intake.examine.run import examine
from lingong_docs.intake.ledger import CommitLost, Ledger, default_ledger_path, ledger_location, load_key, published
from lingong_docs.intake.publicity import rows_from_ledger, rows_from_receipts, write_notice
from lingong_docs.intake.receipt import ACCEPTED, REJECTED, Receipt, make_receipt, receipt_taken, write_receipt
from lingong_docs.intake.sandbox import Limits, kill_children
from lingong_docs.intake.trust import trust_roots
from lingong_docs.intake.workdirs import remove_all, sweep
from lingong_docs.util.money import cn_date, wan


@dataclass(frozen=True)
class Options:
    """How one intake run examines and records (see ``intake``)."""

    as_of: dt.date
    password: str | None = None
    trust: tuple[str, ...] = ()
    allow_unsigned: bool = False
    record: bool = True                  # record in the ledger (also the throwaway one of a call)
    registered: bool = True              # … and that ledger is the bureau's: "SL" numbers, else "YS"
    receipt_dir: Path | None = None
    limits: Limits | None = None
    bureau: str | None = None
    clerk: str | None = None


def intake(paths: str | Path | Sequence[str | Path], *, ledger: Ledger | None = None, as_of: dt.date | None = None,
           password: str | None = None, trust: Sequence[str | Path] | None = None, allow_unsigned: bool = False,
           record: bool = True, receipt_dir: str | Path | None = None, limits: Limits | None = None,
           workers: int | None = None, progress: Callable[[int, int], None] | None = None,
           bureau: str | None = None, clerk: str | None = None) -> list[Receipt]:
    """Return one receipt per package, in order; each package is recorded with its receipt.

    The public ``lingong_docs.intake`` (``lg.intake``) is this function. ``paths``: one package or
    several. Without ``ledger`` the cross-applicant checks still run among the packages of this call (in
    a throwaway in-memory ledger with a random key). ``as_of`` is the date of receipt (default
    today) and decides the deadline. ``record=False`` checks against the ledger without
    registering anything. ``receipt_dir`` gets ``<receipt_no>.json`` and ``.pdf`` per package
    (never replacing a file). ``trust``: trust roots (PEM/DER files or folders) besides those of
    $LINGONG_TRUST_DIR. ``workers`` packages are examined at the same time (default: 2, or 1 on a
    single core); the ledger checks and records them one by one, in the order given.

    Each package is numbered, its receipt written and its record made in one ledger transaction:
    a run that fails or is interrupted records nothing it has not also written a receipt for.
    """
    packages: list[str | Path] = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    sweep()
    options = Options(as_of=as_of or dt.date.today(), password=password,
                      trust=tuple(trust_roots([str(t) for t in trust or ()])),
                      allow_unsigned=allow_unsigned, record=record or ledger is None,
                      registered=record and ledger is not None,
                      receipt_dir=None if receipt_dir is None else Path(receipt_dir), limits=limits,
                      bureau=bureau, clerk=clerk)
    own = ledger is None
    book = ledger if ledger is not None else Ledger(None, secrets.token_bytes(32))
    try:
        return _run(packages, book, options, max(1, workers or min(2, os.cpu_count() or 1)), progress)
    finally:
        if own:
            book.close()


def _run(paths: list[str | Path], ledger: Ledger, options: Options, workers: int,
         progress: Callable[[int, int], None] | None) -> list[Receipt]:
    def job(path: str | Path) -> Examination:
        return examine(path, as_of=options.as_of, password=options.password, trust=list(options.trust),
                       allow_unsigned=options.allow_unsigned, key=ledger.key, limits=options.limits)

    receipts: list[Receipt] = []
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        pending = iter(paths)
        window = deque(pool.submit(job, p) for p in itertools.islice(pending, 2 * workers))
        while window:
            ex = window.popleft().result()
            following = next(pending, None)
            if following is not None:
                window.append(pool.submit(job, following))
            if progress:
                progress(len(receipts), len(paths))
            receipts.append(_receive(ex, ledger, options))
    except BaseException:
        kill_children()                  # interrupted: stop the children, remove their folders
        remove_all()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return receipts


def _receive(ex: Examination, ledger: Ledger, options: Options) -> Receipt:
    """Check one examined package against the ledger; number, write and record its receipt at once.

    One ledger transaction holds the duplicate checks, the receipt number, the receipt files and
    the record; when it collides with another clerk's it is run again from the start (its
    findings and receipt files undone first), so the later of two gets ``duplicate-package``.
    When the connection breaks during COMMIT, the ledger is asked again whether the record was
    committed: if so its receipt stands (and the run goes on); if not, the receipt files go; if the
    ledger cannot be reached, the files stay and the error names the receipt (never a record
    without its receipt).
    """
    mark = len(ex.findings)
    written: list[Path] = []
    prefix = "SL" if options.registered else "YS"
    last: list[Receipt] = []

    def attempt() -> Receipt:
        del ex.findings[mark:]
        _discard(written)
        last.clear()
        number = ledger.next_receipt_no(options.as_of, lambda no: receipt_taken(no, options.receipt_dir), prefix)
        cross_check(ex, ledger)
        receipt = make_receipt(ex, options.as_of, number, bureau=options.bureau, clerk=options.clerk)
        if options.record:
            _record(ledger, ex, receipt)
        if options.receipt_dir is not None:
            written.extend(write_receipt(receipt, options.receipt_dir))
        last.append(receipt)
        return receipt

    try:
        return ledger.serially(attempt)
    except CommitLost as lost:
        return _after_lost_commit(ledger, last[0], written, lost)
    except BaseException:
        _discard(written)                 # no receipt without its record
        raise


def _after_lost_commit(ledger: Ledger, receipt: Receipt, written: list[Path], lost: CommitLost) -> Receipt:
    """The COMMIT of ``receipt``'s record went out and no answer came back: ask the ledger again."""
    on_record = ledger.recorded(receipt.receipt_no)
    if on_record:
        return receipt                    # committed: the record and its receipt stand
    if on_record is None:                 # unknown: keep the receipt beside a record that may exist
        raise IntakeError.make("ledger-commit-unknown", where=ledger.where, receipt=receipt.receipt_no) from None
    _discard(written)                     # not committed: no record, so no receipt
    raise lost.error from None


def _discard(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
    paths.clear()


def _uscc(ex: Examination) -> str | None:
    return (ex.figures or {}).get("uscc") or ex.applicant.get("uscc")


def cross_check(ex: Examination, ledger: Ledger) -> None:
    """Add the findings that need the other applicants' packages (the ledger)."""
    # Only an ACCEPTED identical file is a duplicate: a rejected one may be examined again (its
    # new examination replaces the record, see Ledger.record).
    prior = ledger.find_package(ex.sha256, accepted_only=True)
    if prior is not None:
        ex.add("duplicate-package", date=cn_date(dt.date.fromisoformat(prior.received)), receipt=prior.receipt_no)
        return
    uscc = _uscc(ex)
    if not uscc or ex.kind is None:
        return
    duplicates, overlaps = ledger.conflicts(ex.rows, uscc=uscc, kind=ex.kind)
    if duplicates:
        ex.add("duplicate-rows", count=len(duplicates), rows=_rows(duplicates), subsidy=kinds.label(ex.kind))
    if overlaps:
        ex.add("cross-agency-overlap", count=len(overlaps), rows=_rows(overlaps))
    amount = ex.amount()
    year = (ex.figures or {}).get("year") or ex.year
    if ex.kind == "employment" and amount is not None and year:
        cap = (ex.policy or policy_for(int(year))).employment.cap_per_agency
        claimed = ledger.employment_claimed(uscc, int(year))
        if claimed + amount > cap:
            ex.add("agency-cap-exceeded", year=year, claimed=wan(claimed), amount=wan(amount), cap=wan(cap))


def _rows(rows: list[int]) -> str:
    return rows_text(rows)


def _record(ledger: Ledger, ex: Examination, receipt: Receipt) -> None:
    fig = ex.figures or {}
    ledger.record(within=True,
        sha256=ex.sha256, receipt_no=receipt.receipt_no, received=receipt.received, verdict=receipt.verdict,
        kind=ex.kind, year=fig.get("year") or ex.year, applicant=fig.get("applicant") or ex.applicant.get("name"),
        uscc=_uscc(ex), market=fig.get("market") or ex.applicant.get("market"),
        match_count=fig.get("match_count"), demand_total=fig.get("demand_total"), amount=ex.amount(),
        operating_subsidy=Decimal(ex.exact["operating_subsidy"]) if ex.exact else None,
        employment_subsidy=Decimal(ex.exact["employment_subsidy"]) if ex.exact else None,
        rows=ex.rows if receipt.verdict == ACCEPTED else [],
        errors=[f.code for f in receipt.findings if f.severity == "error"])


def publicity(sources: Sequence[str | Path], target: str | Path, *, year: int | None = None,
              as_of: dt.date | None = None, password: str | None = None, allow_unsigned: bool = False,
              trust: Sequence[str | Path] | None = None) -> tuple[Path, int]:
    """Write the 公示 notice from ledgers or from packages; return (path, number of rows).

    A ``.pdf`` source is a package (examined now, accepted ones listed); anything else is a
    ledger — a file or a ``postgresql://`` URL — (its accepted packages listed; reading it needs
    no key: it holds no one's ID).
    """
    locations = [ledger_location(s) for s in sources]
    packages: list[str | Path] = [s for s in locations if isinstance(s, Path) and s.suffix.lower() == ".pdf"]
    ledgers = [s for s in locations if not (isinstance(s, Path) and s.suffix.lower() == ".pdf")]
    rows: list[Any] = []
    years: set[int] = set()
    for location in ledgers:
        records = published(location, year=year)
        years.update(r["year"] for r in records)
        rows.extend(rows_from_ledger(records))
    if packages:
        receipts = [r for r in intake(packages, as_of=as_of, password=password, allow_unsigned=allow_unsigned,
                                      trust=trust) if year is None or r.year == year]
        years.update(r.year for r in receipts if r.accepted and r.year is not None)
        rows.extend(rows_from_receipts(receipts))
    title_year = year or (years.pop() if len(years) == 1 else None)
    return write_notice(rows, target, year=title_year, date=as_of), len(rows)


__all__ = ["intake", "examine", "cross_check", "publicity", "Receipt", "Ledger", "Limits", "load_key",
           "default_ledger_path", "make_receipt", "write_receipt", "ACCEPTED", "REJECTED"]
