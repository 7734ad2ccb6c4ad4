"""The bureau's intake ledger: what was received and examined, for checks across applicants.

Where it lives: an SQLite file for one computer (the default), or a PostgreSQL database shared by
the clerks of a bureau (``--ledger postgresql://user@host:5432/db``). The schema, the SQL and the
keyed hashes are the same on both (``schema`` lists the migrations, ``backend`` the connection).

People are stored only as keyed hashes — HMAC-SHA256 with a secret the bureau keeps outside the
ledger — never as ID numbers, names or phones, and never as a plain SHA-256 (the ID space is small
enough to brute-force, see docs/security.md). Without the right key the ledger is not opened at all.

Tables (schema version 3)::

    meta(key, value)                 -- schema (version), key_check (HMAC of a fixed label)
    examinations(id, receipt_no UNIQUE, sha256, received, verdict, errors, kind, year, uscc)
                                     -- every registered examination, duplicates included:
                                     -- one row per receipt number ever issued as "SL…"
    receipt_numbers(stem, last)      -- the last number issued per day ("SL20260305-" → 12)
    packages(id, sha256 UNIQUE, receipt_no, received, verdict, kind, year, applicant, uscc,
             market, match_count, demand_total, amount, operating_subsidy, employment_subsidy)
                                     -- one record per file: its accepted (final) or latest examination
    rows(package_id, row, person, row_key, start, "end")
                                     -- keyed roster rows of accepted packages: person = HMAC(key, ID),
                                     -- row_key = HMAC(key, ID | start | end | place), 16 bytes each;
                                     -- task times in minutes since 1970-01-01 (local)
    package_history(package_id, replaced, …packages columns)
                                     -- earlier examinations of a rejected file examined again

An accepted package is final (the same file sent again is a duplicate); a rejected one may be
examined again, its new examination replacing the record, the earlier one kept in history.

Checking and recording are one transaction (``serially``): on SQLite it holds the write lock
from its start, on PostgreSQL it runs at SERIALIZABLE and is run again when the server reports
that it collided with another; the receipt number is issued inside it. So two clerks sending the
same package at the same moment get one acceptance and one duplicate, each with its own number.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from lingong_docs.core.errors import IntakeError
from lingong_docs.intake.ledger import schema
from lingong_docs.intake.ledger.backend import POSTGRESQL, Conflict, Database, connect, is_url, shown

KEY_ENV = "LINGONG_LEDGER_KEY"
LEDGER_ENV = "LINGONG_LEDGER"
MIN_KEY_BYTES = 16
SCHEMA_VERSION = str(schema.SCHEMA_VERSION)
HASH_BYTES = 16
ATTEMPTS = 50                         # a transaction that keeps colliding gives up after this many runs
_KEY_CHECK_LABEL = b"lingong-docs ledger key check v1"
_PACKAGE_COLUMNS = ("sha256", "receipt_no", "received", "verdict", "kind", "year", "applicant", "uscc", "market",
                    "match_count", "demand_total", "amount", "operating_subsidy", "employment_subsidy")
_LISTED = ("receipt_no", "received", "verdict", "kind", "year", "applicant", "uscc", "market",
           "match_count", "demand_total", "amount", "sha256")
T = TypeVar("T")


def default_ledger_path() -> Path | str:
    """Return $LINGONG_LEDGER (a file or a postgresql:// URL), else $XDG_DATA_HOME/lingong-docs/intake-ledger.sqlite."""
    if os.environ.get(LEDGER_ENV):
        return ledger_location(os.environ[LEDGER_ENV])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lingong-docs" / "intake-ledger.sqlite"


def ledger_location(value: str | os.PathLike[str] | None) -> Path | str:
    """Return where a ledger is: the URL as given for a database server, else a file path (default when None)."""
    if value is None or value == "":
        return default_ledger_path()
    text = os.fspath(value)
    return text if is_url(text) else Path(text)


def load_key(key_file: str | os.PathLike[str] | None = None, environ: Any = None) -> bytes:
    """Return the bureau's ledger key from ``key_file`` or $LINGONG_LEDGER_KEY; refuse without one."""
    environ = os.environ if environ is None else environ
    if key_file:
        try:
            key = Path(key_file).read_bytes().strip()
        except OSError:
            raise IntakeError.make("ledger-key-unreadable") from None
    else:
        key = (environ.get(KEY_ENV) or "").strip().encode("utf-8")
    if not key:
        raise IntakeError.make("ledger-key-missing")
    if len(key) < MIN_KEY_BYTES:
        raise IntakeError.make("ledger-key-short", min=MIN_KEY_BYTES)
    return key


def key_check(key: bytes) -> str:
    """The HMAC of a fixed label: stored in the ledger to recognise its key (not the key)."""
    return hmac.new(key, _KEY_CHECK_LABEL, hashlib.sha256).hexdigest()


class CommitLost(Exception):
    """The connection broke while the transaction was being committed: whether the server
    committed it is unknown until someone asks it again (``Ledger.recorded``)."""

    def __init__(self, error: IntakeError) -> None:
        super().__init__(error.code)
        self.error = error


@dataclass
class PriorPackage:
    receipt_no: str
    received: str
    verdict: str


@dataclass
class LedgerStatus:
    """``lingong-docs ledger status``: where the ledger is, its version, what it holds."""

    backend: str                       # sqlite | postgresql
    where: str                         # the file, or the URL without password
    schema_version: int
    packages: int                      # files on record
    accepted: int
    rows: int                          # keyed roster rows
    examinations: int                  # receipts issued ("SL…")
    last_receipt: str | None
    last_received: str | None
    migrated: list[str] = field(default_factory=list)   # migrations applied when it was opened now

    def to_dict(self) -> dict[str, Any]:
        return {"backend": self.backend, "where": self.where, "schema_version": self.schema_version,
                "packages": self.packages, "accepted": self.accepted, "rows": self.rows,
                "examinations": self.examinations, "last_receipt": self.last_receipt,
                "last_received": self.last_received, "migrated": list(self.migrated)}


class Ledger:
    """An open ledger; use as a context manager.

    ``location``: an SQLite file, a ``postgresql://`` URL, or None for a throwaway in-memory one.
    The key is checked (and a new or older ledger created or upgraded) before anything else.
    """

    def __init__(self, location: str | os.PathLike[str] | None, key: bytes):
        target = None if location is None else ledger_location(location)
        self.url = target if isinstance(target, str) else None
        self.path = target if isinstance(target, Path) else None
        self.key = key
        self.db: Database = connect(target)
        self.backend = self.db.dialect
        self.where = shown(target)
        try:
            self.migrated = [f"{m.version} {m.name}" for m in schema.prepare(self.db, key_check(key))]
        except BaseException:
            self.db.close()
            raise

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @property
    def schema_version(self) -> str:
        return str(schema.version_of(self.db))

    # ---- look-ups -------------------------------------------------------------------------

    def find_package(self, sha256: str, *, accepted_only: bool = True) -> PriorPackage | None:
        """Return the record of the file ``sha256``: only when it was accepted (a duplicate), or
        whatever its verdict with ``accepted_only=False``."""
        sql = "SELECT receipt_no, received, verdict FROM packages WHERE sha256=?"
        if accepted_only:
            sql += " AND verdict='accepted'"
        row = self.db.execute(sql, (sha256,)).fetchone()
        return PriorPackage(*row) if row else None

    def history(self, sha256: str) -> list[dict[str, Any]]:
        """Return the earlier (replaced) examinations of the file ``sha256``, oldest first."""
        keys = ("replaced", *_PACKAGE_COLUMNS)
        return [dict(zip(keys, r)) for r in self.db.execute(
            f"SELECT {', '.join(keys)} FROM package_history WHERE sha256=? ORDER BY replaced, receipt_no",
            (sha256,))]

    def examinations(self, sha256: str | None = None) -> list[dict[str, Any]]:
        """Return the registered examinations (of the file ``sha256``), in the order they were recorded."""
        keys = ("receipt_no", "sha256", "received", "verdict", "errors", "kind", "year", "uscc")
        sql = f"SELECT {', '.join(keys)} FROM examinations"
        args: tuple[Any, ...] = ()
        if sha256 is not None:
            sql, args = sql + " WHERE sha256=?", (sha256,)
        return [dict(zip(keys, r)) for r in self.db.execute(sql + " ORDER BY id", args)]

    def conflicts(self, rows: list[dict[str, Any]], *, uscc: str, kind: str) -> tuple[list[int], list[int]]:
        """Return (Excel rows already claimed by this agency for this subsidy,
        Excel rows whose person another agency claimed for an overlapping time)."""
        if not rows:
            return [], []
        prefix, source, args = self._incoming([_stored(r) for r in rows])
        self._probing(True)
        found = self.db.execute(
            f"{prefix}SELECT 1, i.row FROM {source} rows r ON r.row_key = i.row_key"
            " JOIN packages p ON p.id = r.package_id WHERE p.verdict='accepted' AND p.kind=? AND p.uscc=?"
            f" UNION SELECT 2, i.row FROM {source} rows r ON r.person = i.person"
            ' AND r.start < i."end" AND r."end" > i.start JOIN packages p ON p.id = r.package_id'
            " WHERE p.verdict='accepted' AND (p.uscc <> ? OR p.uscc IS NULL)", (*args, kind, uscc, uscc)).fetchall()
        self._probing(False)
        return sorted(r for (k, r) in found if k == 1), sorted(r for (k, r) in found if k == 2)

    def _probing(self, on: bool) -> None:
        """PostgreSQL: plan the row checks as index probes (nested loops), not as a hash of the whole
        ``rows`` table — with a large package the planner would otherwise read every row of the ledger,
        a cost that grows with the ledger (20 million rows) instead of with the package."""
        if self.backend == POSTGRESQL:
            value = "off" if on else "on"
            self.db.execute(f"SET LOCAL enable_hashjoin = {value}")
            self.db.execute(f"SET LOCAL enable_mergejoin = {value}")

    def _incoming(self, stored: list[tuple[Any, ...]]) -> tuple[str, str, tuple[Any, ...]]:
        """Return (a WITH clause, the incoming rows ``i`` joined to the next table, the parameters).

        Each incoming row is looked up in the covering indexes (one probe per row, whatever the
        size of the ledger): PostgreSQL plans that itself; SQLite is told so by ``CROSS JOIN``
        (the table on its left is the outer loop).
        """
        if self.backend == POSTGRESQL:                 # five arrays, sent once and in binary (%b)
            return ('WITH i AS MATERIALIZED (SELECT * FROM unnest(%b::integer[], %b::bytea[], %b::bytea[],'
                    ' %b::bigint[], %b::bigint[]) AS u(row, person, row_key, start, "end")) ', "i JOIN",
                    tuple(list(c) for c in zip(*stored)))
        self.db.execute('CREATE TEMP TABLE IF NOT EXISTS incoming(row INTEGER, person BLOB, row_key BLOB,'
                        ' start INTEGER, "end" INTEGER)')
        self.db.execute("DELETE FROM incoming")
        self.db.executemany("INSERT INTO incoming VALUES(?,?,?,?,?)", stored)
        return "", "incoming i CROSS JOIN", ()

    def employment_claimed(self, uscc: str, year: int) -> Decimal:
        """Return the employment subsidies of accepted packages of agency ``uscc`` in ``year``."""
        total = Decimal("0.00")
        for (amount,) in self.db.execute(
                "SELECT employment_subsidy FROM packages WHERE verdict='accepted' AND kind='employment'"
                " AND uscc=? AND year=?", (uscc, year)):
            total += Decimal(amount or "0")
        return total

    def packages(self, *, year: int | None = None, accepted_only: bool = True) -> list[dict[str, Any]]:
        """Return the registered packages (no personal data) in order of receipt."""
        return list_packages(self.db, year=year, accepted_only=accepted_only)

    def status(self) -> LedgerStatus:
        """Return what ``lingong-docs ledger status`` shows."""
        def count(sql: str) -> int:
            return int(self.db.execute(sql).fetchone()[0])

        last = self.db.execute("SELECT receipt_no, received FROM examinations ORDER BY id DESC LIMIT 1").fetchone()
        return LedgerStatus(backend=self.backend, where=self.where, schema_version=int(self.schema_version),
                            packages=count("SELECT count(*) FROM packages"),
                            accepted=count("SELECT count(*) FROM packages WHERE verdict='accepted'"),
                            rows=count("SELECT count(*) FROM rows"),
                            examinations=count("SELECT count(*) FROM examinations"),
                            last_receipt=last[0] if last else None, last_received=last[1] if last else None,
                            migrated=list(self.migrated))

    # ---- recording ------------------------------------------------------------------------

    @contextlib.contextmanager
    def receiving(self) -> Iterator[None]:
        """One transaction that runs as if alone: commit on success, roll back on any error.

        Raises ``Conflict`` (after rolling back) when PostgreSQL could not serialise it with a
        concurrent one; ``serially`` runs it again.
        """
        self.db.begin()
        try:
            yield
        except BaseException:
            self.db.rollback()
            raise
        try:
            self.db.commit()
        except IntakeError as e:
            self.db.rollback()
            if e.code == "ledger-server-lost":      # COMMIT sent, its answer lost: committed or not?
                raise CommitLost(e) from None
            raise
        except BaseException:
            self.db.rollback()
            raise

    def recorded(self, receipt_no: str) -> bool | None:
        """After ``CommitLost``: connect again and say whether examination ``receipt_no`` is on
        record (the lost COMMIT took effect); None when the ledger cannot be reached. The new
        connection replaces the broken one, so the run can go on."""
        try:
            db = connect(self.url if self.url is not None else self.path)
        except IntakeError:
            return None
        try:
            found = db.execute("SELECT 1 FROM examinations WHERE receipt_no=?", (receipt_no,)).fetchone()
        except IntakeError:
            db.close()
            return None
        self.db.close()
        self.db = db
        return found is not None

    def serially(self, work: Callable[[], T]) -> T:
        """Return ``work()`` run inside ``receiving``; run again (from the start) while it collides.

        ``work`` must leave nothing behind when it is run again or fails: whatever it did outside
        the ledger (files written) it undoes at its start.
        """
        for attempt in range(ATTEMPTS):
            try:
                with self.receiving():
                    return work()
            except Conflict:
                time.sleep(random.uniform(0.002, 0.02) * (1 + attempt))   # back-off, not a secret
        raise IntakeError.make("ledger-busy", where=self.where)

    def next_receipt_no(self, day: dt.date, taken: Callable[[str], bool] = lambda _no: False,
                        prefix: str = "SL") -> str:
        """Return the next receipt number of ``day``: ``SL20260305-0001``, ``-0002`` … (inside
        ``receiving``): each number is issued once in this ledger, whichever computer asks.
        Numbers ``taken`` (say, a receipt file of that name exists) are skipped."""
        stem = f"{prefix}{day:%Y%m%d}-"
        while True:
            number = f"{stem}{self._issue(stem):04d}"
            if not taken(number):
                return number

    def _issue(self, stem: str) -> int:
        row = self.db.execute("UPDATE receipt_numbers SET last = last + 1 WHERE stem=? RETURNING last",
                              (stem,)).fetchone()
        if row is None:                       # the day's first number: above any number on record
            seed = 1 + max((_sequence(no, stem) for (no,) in self.db.execute(
                "SELECT receipt_no FROM examinations WHERE receipt_no >= ? AND receipt_no < ?",
                (stem, stem + "~"))), default=0)
            row = self.db.execute(
                "INSERT INTO receipt_numbers(stem, last) VALUES(?, ?)"
                " ON CONFLICT(stem) DO UPDATE SET last = receipt_numbers.last + 1 RETURNING last",
                (stem, seed)).fetchone()
        return int(row[0])

    def record(self, *, sha256: str, receipt_no: str, received: dt.date, verdict: str,
               kind: str | None, year: int | None, applicant: str | None, uscc: str | None,
               market: str | None, match_count: int | None, demand_total: int | None,
               amount: Decimal | None, operating_subsidy: Decimal | None,
               employment_subsidy: Decimal | None, rows: list[dict[str, Any]], within: bool = False,
               errors: Sequence[str] = ()) -> None:
        """Register one examination (and, when accepted, the package's keyed roster rows).

        Every examination is kept in ``examinations`` with its receipt number and error codes.
        An accepted record of the same file is never replaced; a rejected one is replaced by this
        examination, and kept in ``package_history``. ``within=True``: inside ``receiving`` (the
        caller commits); else in a transaction of its own.
        """
        def text(v: object) -> str | None:
            return None if v is None else str(v)
        values = (sha256, receipt_no, received.isoformat(), verdict, kind, year, applicant, uscc, market,
                  match_count, demand_total, text(amount), text(operating_subsidy), text(employment_subsidy))
        if within:
            self._insert(values, rows, errors)
            return
        self.serially(lambda: self._insert(values, rows, errors))

    def _insert(self, values: tuple[Any, ...], rows: list[dict[str, Any]], errors: Sequence[str]) -> None:
        sha256, receipt_no, received, verdict, kind, year, uscc = (values[0], values[1], values[2], values[3],
                                                                   values[4], values[5], values[7])
        self.db.execute("INSERT INTO examinations(receipt_no, sha256, received, verdict, errors, kind, year, uscc)"
                        " VALUES(?,?,?,?,?,?,?,?)",
                        (receipt_no, sha256, received, verdict, ",".join(sorted(set(errors))), kind, year, uscc))
        columns = ", ".join(_PACKAGE_COLUMNS)
        prior = self.db.execute("SELECT id, verdict FROM packages WHERE sha256=?", (sha256,)).fetchone()
        if prior is None:
            pid = self.db.execute(f"INSERT INTO packages({columns}) VALUES({', '.join('?' * len(values))})"
                                  " RETURNING id", values).fetchone()[0]
        elif prior[1] == "accepted":
            return                            # final: a duplicate changes nothing but its examination
        else:                                 # a rejected file examined again (it has no rows)
            pid = prior[0]
            self.db.execute(f"INSERT INTO package_history(package_id, replaced, {columns})"
                            f" SELECT id, ?, {columns} FROM packages WHERE id=?", (received, pid))
            self.db.execute(f"UPDATE packages SET {', '.join(c + '=?' for c in _PACKAGE_COLUMNS)} WHERE id=?",
                            (*values, pid))
        if verdict == "accepted" and rows:
            self.db.copy_rows("rows", ("package_id", "row", "person", "row_key", "start", "end"),
                              [(pid, *_stored(r)) for r in rows])


def list_packages(db: Database, *, year: int | None = None, accepted_only: bool = True) -> list[dict[str, Any]]:
    """Return the registered packages of ``db`` (no personal data) in order of receipt."""
    sql = f"SELECT {', '.join(_LISTED)} FROM packages WHERE 1=1"
    args: list[Any] = []
    if accepted_only:
        sql += " AND verdict='accepted'"
    if year is not None:
        sql += " AND year=?"
        args.append(year)
    return [dict(zip(_LISTED, r)) for r in db.execute(sql + " ORDER BY id", args)]


def published(location: str | os.PathLike[str], *, year: int | None = None) -> list[dict[str, Any]]:
    """Return the accepted packages of the ledger at ``location`` (for the 公示 notice).

    Needs no key: the packages table holds agencies and amounts, no one's ID. An SQLite file is
    opened read-only and must exist.
    """
    target = ledger_location(location)
    if isinstance(target, Path) and not target.is_file():
        raise IntakeError.make("ledger-not-found", name=target.name)
    db = connect(target, create=False, read_only=True)
    try:
        if not db.table_exists("packages"):
            raise IntakeError.make("ledger-unreadable", name=f" {shown(target)} ")
        return list_packages(db, year=year)
    finally:
        db.close()


_EPOCH = dt.datetime(1970, 1, 1)


def _sequence(number: str, stem: str) -> int:
    try:
        return int(number[len(stem):])
    except ValueError:
        return 0


def _minutes(iso: str) -> int:
    return int((dt.datetime.fromisoformat(iso).replace(tzinfo=None) - _EPOCH).total_seconds() // 60)


def _stored(r: dict[str, Any]) -> tuple[Any, ...]:
    """Return a keyed row as stored: (row, person, row_key, start, end)."""
    return (r["row"], bytes.fromhex(r["person"])[:HASH_BYTES], bytes.fromhex(r["key"])[:HASH_BYTES],
            _minutes(r["start"]), _minutes(r["end"]))


__all__ = ["Ledger", "LedgerStatus", "PriorPackage", "load_key", "default_ledger_path", "ledger_location",
           "published", "key_check", "KEY_ENV", "LEDGER_ENV", "SCHEMA_VERSION", "is_url"]
