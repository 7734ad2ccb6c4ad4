"""The two places a ledger can live: an SQLite file (one computer) or a PostgreSQL database (a bureau).

``connect(location)`` gives a ``Database``: the same small interface over both — SQL written once
with ``?`` placeholders, explicit transactions (``begin``/``commit``/``rollback``) and the
drivers' errors turned into the project's (Chinese, with a stable code). A transaction that lost
a race (PostgreSQL's serialisation failure, a unique key taken meanwhile) raises ``Conflict``;
the ledger runs it again.

SQLite transactions take the write lock at BEGIN (``BEGIN IMMEDIATE``): writers queue, so each
transaction runs alone. PostgreSQL transactions that record run at ``SERIALIZABLE``: the server
aborts one of two transactions whose reads and writes could not have happened one after the other.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lingong_docs.core.errors import IntakeError

SQLITE, POSTGRESQL = "sqlite", "postgresql"
URL_SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT = 10


class Conflict(Exception):
    """The transaction collided with another one and was rolled back: run it again."""


def is_url(location: object) -> bool:
    """True when ``location`` names a database server rather than a file (``postgresql://…``)."""
    return isinstance(location, str) and "://" in location


def shown(location: str | Path | None) -> str:
    """Return the location for display: a file's path, or the URL without any password."""
    if location is None:
        return "（内存）"
    if not is_url(location):
        return str(location)
    parts = urllib.parse.urlsplit(str(location))
    host = parts.hostname or ""
    netloc = (f"{parts.username}@" if parts.username else "") + (f"[{host}]" if ":" in host else host)
    netloc += f":{parts.port}" if parts.port else ""
    query = urllib.parse.urlencode([(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "password"])
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class Database:
    """One connection: ``execute`` (``?`` placeholders), ``executemany``, ``begin``/``commit``/``rollback``."""

    dialect: str

    def __init__(self, dialect: str, conn: Any, where: str) -> None:
        self.dialect, self.conn, self.where = dialect, conn, where

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == POSTGRESQL else sql

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        """Run one statement; return its cursor (``fetchone``, ``fetchall``, iteration)."""
        try:
            return self.conn.execute(self._sql(sql), tuple(args))
        except Exception as e:  # every driver error becomes ours (or Conflict)
            raise self.translate(e) from None

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            if self.dialect == POSTGRESQL:
                with self.conn.cursor() as cur:
                    cur.executemany(self._sql(sql), list(rows))
            else:
                self.conn.executemany(sql, rows)
        except Exception as e:
            raise self.translate(e) from None

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Insert many rows at once (PostgreSQL: COPY, SQLite: executemany)."""
        names = ", ".join(f'"{c}"' for c in columns)
        if self.dialect == SQLITE:
            self.executemany(f"INSERT INTO {table}({names}) VALUES({', '.join('?' * len(columns))})", rows)
            return
        try:
            with self.conn.cursor() as cur, cur.copy(f"COPY {table}({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except Exception as e:
            raise self.translate(e) from None

    def begin(self, *, serial: bool = True) -> None:
        """Start a transaction that runs as if alone (SQLite: write lock now; PostgreSQL: SERIALIZABLE)."""
        if self.dialect == POSTGRESQL:
            self.execute("BEGIN ISOLATION LEVEL SERIALIZABLE" if serial else "BEGIN")
        else:
            self.execute("BEGIN IMMEDIATE")

    def lock_schema(self) -> None:
        """Inside a transaction: wait until no other program is creating or upgrading the schema."""
        if self.dialect == POSTGRESQL:
            self.execute("SELECT pg_advisory_xact_lock(?)", (LOCK_SCHEMA,))

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        """Roll back; a connection already gone has nothing left to roll back."""
        try:
            self.conn.execute("ROLLBACK")
        except Exception:  # the server went away: its transaction is gone with it
            pass

    def table_exists(self, name: str) -> bool:
        if self.dialect == POSTGRESQL:
            return bool(self.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0])
        return self.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None

    def close(self) -> None:
        try:
            if self.dialect == SQLITE and self.where != ":memory:":
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.conn.close()
        except Exception:  # closing a connection whose server is gone
            pass

    def translate(self, error: Exception) -> Exception:
        """Return the project's error for a driver error (``Conflict`` for a lost race)."""
        if self.dialect == SQLITE:
            return _sqlite_error(error, self.where)
        return _postgres_error(error, self.conn, self.where)


# One fixed number: the advisory lock held while the schema is created or upgraded ("lingong" in ASCII).
LOCK_SCHEMA = 0x6C696E676F6E67


def _sqlite_error(error: Exception, where: str) -> Exception:
    if isinstance(error, sqlite3.IntegrityError):
        return Conflict(str(error))
    if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
        return IntakeError.make("ledger-busy", where=where)
    if isinstance(error, sqlite3.DatabaseError):
        return IntakeError.make("ledger-unreadable", name=f" {Path(where).name} ")
    return error


def _postgres_error(error: Exception, conn: Any, where: str) -> Exception:
    import psycopg

    if isinstance(error, (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected,
                          psycopg.errors.UniqueViolation)):
        return Conflict(type(error).__name__)
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        return IntakeError.make("ledger-permission", where=where)
    if isinstance(error, psycopg.OperationalError) or getattr(conn, "broken", False) or conn.closed:
        return IntakeError.make("ledger-server-lost", where=where)
    if isinstance(error, psycopg.Error):
        return IntakeError.make("ledger-server-error", where=where, state=getattr(error, "sqlstate", None) or "")
    return error


def connect(location: str | Path | None, *, create: bool = True, read_only: bool = False) -> Database:
    """Open the ledger at ``location``: a ``postgresql://`` URL, a file, or None (in memory)."""
    if is_url(location):
        return _connect_postgres(str(location))
    return _connect_sqlite(None if location is None else Path(location), create=create, read_only=read_only)


def _connect_sqlite(path: Path | None, *, create: bool, read_only: bool) -> Database:
    where = ":memory:" if path is None else str(path)
    try:
        if path is None:
            conn = sqlite3.connect(":memory:", isolation_level=None)
        elif read_only:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        else:
            if create and not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        pragmas = ["foreign_keys=ON"] if read_only else [
            "foreign_keys=ON", "secure_delete=ON", "journal_mode=WAL", "synchronous=NORMAL",
            "cache_size=-131072", "temp_store=MEMORY"]
        for pragma in pragmas:
            conn.execute("PRAGMA " + pragma)
    except sqlite3.DatabaseError:
        raise IntakeError.make("ledger-unreadable", name=f" {Path(where).name} ") from None
    return Database(SQLITE, conn, where)


def _connect_postgres(url: str) -> Database:
    if not url.startswith(URL_SCHEMES):
        raise IntakeError.make("ledger-url-invalid", where=shown(url))
    try:
        import psycopg
    except ImportError:
        raise IntakeError.make("ledger-driver-missing") from None
    extra: dict[str, Any] = {"autocommit": True, "application_name": "lingong-docs"}
    if "connect_timeout" not in url:
        extra["connect_timeout"] = CONNECT_TIMEOUT
    try:
        conn = psycopg.connect(url, **extra)
    except psycopg.Error as e:
        reason = str(e).strip().splitlines()[-1][:200] if str(e).strip() else type(e).__name__
        raise IntakeError.make("ledger-server-unreachable", where=shown(url), reason=reason) from None
    conn.execute("SET client_min_messages = warning")          # no NOTICE for "IF NOT EXISTS"
    return Database(POSTGRESQL, conn, shown(url))
