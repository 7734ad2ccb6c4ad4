"""The bureau's intake ledger (SQLite): what was received, for checks across applicants.

People are stored only as keyed hashes — HMAC-SHA256 with a secret the bureau keeps outside the
file — never as ID numbers, names or phones, and never as a plain SHA-256 (the ID space is small
enough to brute-force, see docs/security.md). Without the key the ledger is not opened at all.

Schema (version 2)::

    meta(key TEXT PRIMARY KEY, value TEXT)          -- schema ("2"), key_check (HMAC of a fixed label)
    packages(id INTEGER PRIMARY KEY, sha256 TEXT UNIQUE, receipt_no TEXT, received TEXT,
             verdict TEXT,                          -- accepted | rejected
             kind TEXT, year INTEGER, applicant TEXT, uscc TEXT, market TEXT,
             match_count INTEGER, demand_total INTEGER, amount TEXT, -- Decimal yuan as text
             operating_subsidy TEXT, employment_subsidy TEXT)
    rows(package_id INTEGER REFERENCES packages(id), row INTEGER,  -- Excel row in that package
         person BLOB,        -- HMAC-SHA256(key, ID number), first 16 bytes
         row_key BLOB,       -- HMAC-SHA256(key, ID | start | end | place), first 16 bytes
         start INTEGER, end INTEGER)                -- task times, minutes since 1970-01-01 (local)
    package_history(package_id INTEGER REFERENCES packages(id), replaced TEXT,  -- (version 2)
             sha256, receipt_no, received, verdict, kind, year, applicant, uscc, market,
             match_count, demand_total, amount, operating_subsidy, employment_subsidy)

``packages`` holds one record per file: its latest examination. Only rows of accepted packages
are stored; rejected packages are stored without rows. An accepted record is final (the same file
sent again is a duplicate); a rejected file may be examined again, and its new examination
replaces the record, the earlier one being moved to ``package_history``.

Version 1 (no ``package_history``) is upgraded in place when opened; nothing else changes, so an
older program can still read an upgraded ledger.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lingong_docs.core.errors import IntakeError

KEY_ENV = "LINGONG_LEDGER_KEY"
LEDGER_ENV = "LINGONG_LEDGER"
MIN_KEY_BYTES = 16
SCHEMA_VERSION = "2"
_KEY_CHECK_LABEL = b"lingong-docs ledger key check v1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS packages(
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    receipt_no TEXT NOT NULL,
    received TEXT NOT NULL,
    verdict TEXT NOT NULL,
    kind TEXT, year INTEGER, applicant TEXT, uscc TEXT, market TEXT,
    match_count INTEGER, demand_total INTEGER, amount TEXT,
    operating_subsidy TEXT, employment_subsidy TEXT
);
CREATE TABLE IF NOT EXISTS rows(
    package_id INTEGER NOT NULL REFERENCES packages(id),
    row INTEGER,
    person BLOB NOT NULL,
    row_key BLOB NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rows_person ON rows(person, start);
CREATE INDEX IF NOT EXISTS rows_key ON rows(row_key);
CREATE INDEX IF NOT EXISTS packages_agency ON packages(uscc, year, kind);
"""
_PACKAGE_COLUMNS = ("sha256", "receipt_no", "received", "verdict", "kind", "year", "applicant", "uscc", "market",
                    "match_count", "demand_total", "amount", "operating_subsidy", "employment_subsidy")
# Upgrades from the version in the key to the next one (run in one transaction each).
_MIGRATIONS = {
    1: """
CREATE TABLE IF NOT EXISTS package_history(
    package_id INTEGER NOT NULL REFERENCES packages(id),
    replaced TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    receipt_no TEXT NOT NULL,
    received TEXT NOT NULL,
    verdict TEXT NOT NULL,
    kind TEXT, year INTEGER, applicant TEXT, uscc TEXT, market TEXT,
    match_count INTEGER, demand_total INTEGER, amount TEXT,
    operating_subsidy TEXT, employment_subsidy TEXT
);
CREATE INDEX IF NOT EXISTS package_history_sha ON package_history(sha256);
""",
}


def default_ledger_path() -> Path:
    """Return $LINGONG_LEDGER, else $XDG_DATA_HOME/lingong-docs/intake-ledger.sqlite."""
    if os.environ.get(LEDGER_ENV):
        return Path(os.environ[LEDGER_ENV])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lingong-docs" / "intake-ledger.sqlite"


def load_key(key_file: str | os.PathLike | None = None, environ=None) -> bytes:
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


@dataclass
class PriorPackage:
    receipt_no: str
    received: str
    verdict: str


class Ledger:
    """An open ledger; use as a context manager. ``path=None`` gives a throwaway in-memory one."""

    def __init__(self, path: str | os.PathLike | None, key: bytes):
        self.path = None if path is None else Path(path)
        self.key = key
        if self.path is None:
            target = ":memory:"
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                os.close(fd)
            target = str(self.path)
        try:
            self.db = sqlite3.connect(target, timeout=30, isolation_level=None)
            for pragma in ("foreign_keys=ON", "secure_delete=ON", "journal_mode=WAL", "synchronous=NORMAL",
                           "cache_size=-131072", "temp_store=MEMORY"):
                self.db.execute("PRAGMA " + pragma)
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError:
            raise IntakeError.make("ledger-unreadable", name="") from None
        self._check_key()
        self._migrate()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.path is not None:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()

    def _check_key(self) -> None:
        check = hmac.new(self.key, _KEY_CHECK_LABEL, hashlib.sha256).hexdigest()
        row = self.db.execute("SELECT value FROM meta WHERE key='key_check'").fetchone()
        if row is None:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.execute("INSERT OR IGNORE INTO meta VALUES('schema', '1')")   # upgraded below
                self.db.execute("INSERT OR IGNORE INTO meta VALUES('key_check', ?)", (check,))
            row = self.db.execute("SELECT value FROM meta WHERE key='key_check'").fetchone()
        if not hmac.compare_digest(row[0], check):
            raise IntakeError.make("ledger-key-wrong")

    def _migrate(self) -> None:
        """Upgrade an older ledger to SCHEMA_VERSION; refuse one written by a newer program."""
        row = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        try:
            version = int(row[0]) if row else 1
        except (TypeError, ValueError):
            version = 0
        if not 1 <= version <= int(SCHEMA_VERSION):
            raise IntakeError.make("ledger-schema-newer")
        while version < int(SCHEMA_VERSION):
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                for statement in _MIGRATIONS[version].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                version += 1
                self.db.execute("INSERT OR REPLACE INTO meta VALUES('schema', ?)", (str(version),))

    @property
    def schema_version(self) -> str:
        return self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()[0]

    # ---- look-ups -------------------------------------------------------------------------

    def find_package(self, sha256: str, *, accepted_only: bool = True) -> PriorPackage | None:
        """Return the record of the file ``sha256``: only when it was accepted (a duplicate), or
        whatever its verdict with ``accepted_only=False``."""
        sql = "SELECT receipt_no, received, verdict FROM packages WHERE sha256=?"
        if accepted_only:
            sql += " AND verdict='accepted'"
        row = self.db.execute(sql, (sha256,)).fetchone()
        return PriorPackage(*row) if row else None

    def history(self, sha256: str) -> list[dict]:
        """Return the earlier (replaced) examinations of the file ``sha256``, oldest first."""
        keys = ("replaced", *_PACKAGE_COLUMNS)
        return [dict(zip(keys, r)) for r in self.db.execute(
            f"SELECT {', '.join(keys)} FROM package_history WHERE sha256=? ORDER BY rowid", (sha256,))]

    def conflicts(self, rows: list[dict], *, uscc: str, kind: str) -> tuple[list[int], list[int]]:
        """Return (Excel rows already claimed by this agency for this subsidy,
        Excel rows whose person another agency claimed for an overlapping time)."""
        if not rows:
            return [], []
        db = self.db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS incoming(row INTEGER, person BLOB, row_key BLOB,"
                   " start INTEGER, end INTEGER)")
        db.execute("DELETE FROM incoming")
        db.executemany("INSERT INTO incoming VALUES(?,?,?,?,?)", [_stored(r) for r in rows])
        duplicates = [r for (r,) in db.execute(
            "SELECT DISTINCT i.row FROM incoming i JOIN rows r ON r.row_key = i.row_key"
            " JOIN packages p ON p.id = r.package_id"
            " WHERE p.verdict='accepted' AND p.kind=? AND p.uscc=? ORDER BY i.row", (kind, uscc))]
        overlaps = [r for (r,) in db.execute(
            "SELECT DISTINCT i.row FROM incoming i JOIN rows r ON r.person = i.person"
            " AND r.start < i.end AND r.end > i.start"
            " JOIN packages p ON p.id = r.package_id"
            " WHERE p.verdict='accepted' AND p.uscc IS NOT ? ORDER BY i.row", (uscc,))]
        db.execute("DELETE FROM incoming")
        return duplicates, overlaps

    def employment_claimed(self, uscc: str, year: int) -> Decimal:
        """Return the employment subsidies of accepted packages of agency ``uscc`` in ``year``."""
        total = Decimal("0.00")
        for (amount,) in self.db.execute(
                "SELECT employment_subsidy FROM packages WHERE verdict='accepted' AND kind='employment'"
                " AND uscc=? AND year=?", (uscc, year)):
            total += Decimal(amount or "0")
        return total

    def packages(self, *, year: int | None = None, accepted_only: bool = True) -> list[dict]:
        """Return the registered packages (no personal data) in order of receipt."""
        sql = ("SELECT receipt_no, received, verdict, kind, year, applicant, uscc, market, match_count,"
               " demand_total, amount, sha256 FROM packages WHERE 1=1")
        args: list = []
        if accepted_only:
            sql += " AND verdict='accepted'"
        if year is not None:
            sql += " AND year=?"
            args.append(year)
        sql += " ORDER BY id"
        keys = ("receipt_no", "received", "verdict", "kind", "year", "applicant", "uscc", "market",
                "match_count", "demand_total", "amount", "sha256")
        return [dict(zip(keys, r)) for r in self.db.execute(sql, args)]

    # ---- recording ------------------------------------------------------------------------

    @contextlib.contextmanager
    def receiving(self) -> Iterator[None]:
        """One transaction (write-locked from the start): commit on success, roll back on any error.

        Intake numbers a receipt, writes its files and records the package inside one such
        transaction, so a run that fails or is killed before the commit records nothing.
        """
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def next_receipt_no(self, day: dt.date, taken: Callable[[str], bool] = lambda _no: False,
                        prefix: str = "SL") -> str:
        """Return the next receipt number of ``day``: ``SL20260305-0001``, ``-0002`` … (inside
        ``receiving``). Numbers ``taken`` (say, a receipt file of that name exists) are skipped."""
        stem = f"{prefix}{day:%Y%m%d}-"
        last = 0
        for table in ("packages", "package_history"):
            row = self.db.execute(f"SELECT max(receipt_no) FROM {table} WHERE receipt_no LIKE ?",
                                  (stem + "%",)).fetchone()
            if row and row[0]:
                with contextlib.suppress(ValueError):
                    last = max(last, int(str(row[0])[len(stem):]))
        number = f"{stem}{last + 1:04d}"
        while taken(number):
            last += 1
            number = f"{stem}{last + 1:04d}"
        return number

    def record(self, *, sha256: str, receipt_no: str, received: dt.date, verdict: str,
               kind: str | None, year: int | None, applicant: str | None, uscc: str | None,
               market: str | None, match_count: int | None, demand_total: int | None,
               amount: Decimal | None, operating_subsidy: Decimal | None,
               employment_subsidy: Decimal | None, rows: list[dict], within: bool = False) -> None:
        """Register one received package (and, when accepted, its keyed roster rows).

        An accepted record of the same file is never replaced; a rejected one is replaced by this
        examination, and kept in ``package_history``. ``within=True``: inside ``receiving`` (the
        caller commits); else in a transaction of its own.
        """
        def text(v: object) -> str | None:
            return None if v is None else str(v)
        values = (sha256, receipt_no, received.isoformat(), verdict, kind, year, applicant, uscc, market,
                  match_count, demand_total, text(amount), text(operating_subsidy), text(employment_subsidy))
        if within:
            self._insert(values, rows)
            return
        with self.receiving():
            self._insert(values, rows)

    def _insert(self, values: tuple, rows: list[dict]) -> None:
        sha256, received, verdict = values[0], values[2], values[3]
        columns = ", ".join(_PACKAGE_COLUMNS)
        prior = self.db.execute("SELECT id, verdict FROM packages WHERE sha256=?", (sha256,)).fetchone()
        if prior is None:
            cur = self.db.execute(f"INSERT INTO packages({columns}) VALUES({', '.join('?' * len(values))})", values)
            pid = cur.lastrowid
        elif prior[1] == "accepted":
            return
        else:
            pid = prior[0]
            self.db.execute(f"INSERT INTO package_history(package_id, replaced, {columns})"
                            f" SELECT id, ?, {columns} FROM packages WHERE id=?", (received, pid))
            self.db.execute(f"UPDATE packages SET {', '.join(c + '=?' for c in _PACKAGE_COLUMNS)} WHERE id=?",
                            (*values, pid))
            self.db.execute("DELETE FROM rows WHERE package_id=?", (pid,))
        if verdict == "accepted":
            self.db.executemany("INSERT INTO rows VALUES(?,?,?,?,?,?)", [(pid, *_stored(r)) for r in rows])


_EPOCH = dt.datetime(1970, 1, 1)
HASH_BYTES = 16


def _minutes(iso: str) -> int:
    return int((dt.datetime.fromisoformat(iso).replace(tzinfo=None) - _EPOCH).total_seconds() // 60)


def _stored(r: dict) -> tuple:
    """Return a keyed row as stored: (row, person, row_key, start, end)."""
    return (r["row"], bytes.fromhex(r["person"])[:HASH_BYTES], bytes.fromhex(r["key"])[:HASH_BYTES],
            _minutes(r["start"]), _minutes(r["end"]))
