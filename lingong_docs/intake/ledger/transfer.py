"""Moving a ledger (say, from one clerk's SQLite file into the bureau's PostgreSQL database).

``export_ledger`` writes every table to one JSON Lines file: a header (format, schema version,
the key check), one line per row (``["rows", 12, 5, "ab12…", …]``, hashes as hex), and a trailer
with each table's count and digest. ``import_ledger`` reads it into an empty ledger opened with
the same key, in one transaction, and commits only when the counts and digests computed from the
target database equal those of the file: no row is lost or changed on the way.

A table's digest is the sum (mod 2**256) of the SHA-256 of each row's canonical JSON: it does not
depend on the order rows come out of either database. The file holds exactly what the ledger
holds — keyed hashes, no ID number, name or phone — and is written with mode 0600.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lingong_docs.core.errors import IntakeError
from lingong_docs.intake.ledger import _PACKAGE_COLUMNS, SCHEMA_VERSION, Ledger, key_check
from lingong_docs.intake.ledger.backend import POSTGRESQL
from lingong_docs.util.atomic import atomic_path

FORMAT = "lingong-docs-ledger"
# In the order they are loaded (a row's package is there before it); the blob columns are hex.
TABLES: dict[str, tuple[str, ...]] = {
    "examinations": ("id", "receipt_no", "sha256", "received", "verdict", "errors", "kind", "year", "uscc"),
    "receipt_numbers": ("stem", "last"),
    "packages": ("id", *_PACKAGE_COLUMNS),
    "package_history": ("package_id", "replaced", *_PACKAGE_COLUMNS),
    "rows": ("package_id", "row", "person", "row_key", "start", "end"),
}
BLOBS = {"person", "row_key"}
IDENTITY = ("examinations", "packages")          # tables whose ids PostgreSQL numbers itself
BATCH = 20_000
_MOD = 1 << 256


@dataclass
class Digest:
    count: int = 0
    total: int = 0

    def add(self, values: list[Any]) -> None:
        line = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
        self.total = (self.total + int.from_bytes(hashlib.sha256(line.encode()).digest(), "big")) % _MOD
        self.count += 1

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "sha256": f"{self.total:064x}"}


@dataclass
class LedgerTransfer:
    """What ``ledger export`` wrote or ``ledger import`` loaded, table by table (counts and digests)."""

    action: str                         # export | import
    where: str                          # the ledger (file, or URL without password)
    file: str                           # the export file
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    verified: bool = False              # import: the target's counts and digests equal the file's

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "where": self.where, "file": self.file,
                "tables": {k: dict(v) for k, v in self.tables.items()}, "verified": self.verified}


def _plain(table: str, row: tuple[Any, ...]) -> list[Any]:
    """A stored row as JSON values (hashes as hex), the same from either database."""
    out = []
    for column, value in zip(TABLES[table], row):
        if column in BLOBS and value is not None:
            value = bytes(value).hex()
        out.append(value)
    return out


def _stored(table: str, values: list[Any]) -> tuple[Any, ...]:
    return tuple(bytes.fromhex(v) if c in BLOBS and v is not None else v for c, v in zip(TABLES[table], values))


def _select(table: str) -> str:
    return f"SELECT {', '.join(chr(34) + c + chr(34) for c in TABLES[table])} FROM {table}"


def digests(ledger: Ledger) -> dict[str, Digest]:
    """Return each table's count and digest, computed from the database."""
    out = {}
    for table in TABLES:
        d = Digest()
        for row in ledger.db.execute(_select(table)):
            d.add(_plain(table, row))
        out[table] = d
    return out


def export_ledger(ledger: Ledger, target: str | Path) -> LedgerTransfer:
    """Write the whole ledger to ``target`` (JSON Lines, mode 0600); return the counts and digests."""
    target = Path(target)
    sums: dict[str, Digest] = {}
    with atomic_path(target, mode=0o600) as tmp, open(tmp, "w", encoding="utf-8") as f:
        header = {"format": FORMAT, "schema": int(SCHEMA_VERSION), "key_check": key_check(ledger.key),
                  "tables": {t: list(c) for t, c in TABLES.items()}}
        f.write(json.dumps(header, ensure_ascii=False) + "\n")
        for table in TABLES:
            sums[table] = Digest()
            for row in ledger.db.execute(_select(table)):
                values = _plain(table, row)
                sums[table].add(values)
                f.write(json.dumps([table, *values], ensure_ascii=False, separators=(",", ":")) + "\n")
        f.write(json.dumps({"end": {t: d.to_dict() for t, d in sums.items()}}) + "\n")
    return LedgerTransfer("export", ledger.where, str(target), {t: d.to_dict() for t, d in sums.items()})


def _lines(source: Path) -> Iterator[Any]:
    try:
        with open(source, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise IntakeError.make("ledger-export-invalid", name=source.name, reason=type(e).__name__) from None


def import_ledger(ledger: Ledger, source: str | Path) -> LedgerTransfer:
    """Load an export file into the empty ``ledger`` (one transaction, verified before commit)."""
    source = Path(source)
    lines = _lines(source)
    header = next(lines, None)
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("schema") != int(SCHEMA_VERSION):
        raise IntakeError.make("ledger-export-invalid", name=source.name, reason="文件头不符")
    if header.get("key_check") != key_check(ledger.key):
        raise IntakeError.make("ledger-import-key")
    result = LedgerTransfer("import", ledger.where, str(source))
    with ledger.receiving():
        held = sum(int(ledger.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES)
        if held:
            raise IntakeError.make("ledger-import-not-empty", where=ledger.where, count=held)
        read, expected = _load(ledger, lines, source.name)
        if {t: d.to_dict() for t, d in read.items()} != expected:
            raise IntakeError.make("ledger-export-invalid", name=source.name, reason="内容与文件末尾的核对值不符")
        found = digests(ledger)
        for table, want in expected.items():
            if found[table].to_dict() != want:
                raise IntakeError.make("ledger-import-mismatch", table=table, expected=want["count"],
                                       found=found[table].count)
        result.tables = {t: d.to_dict() for t, d in found.items()}
        result.verified = True
    return result


def _load(ledger: Ledger, lines: Iterator[Any], name: str) -> tuple[dict[str, Digest], dict[str, Any]]:
    """Insert the rows of the file; return what was read and the file's trailer."""
    read = {t: Digest() for t in TABLES}
    batch: list[tuple[Any, ...]] = []
    table = ""
    for item in lines:
        if isinstance(item, dict) and "end" in item:
            _flush(ledger, table, batch)
            _renumber(ledger)
            return read, item["end"]
        if not isinstance(item, list) or not item or item[0] not in TABLES or len(item) != len(TABLES[item[0]]) + 1:
            raise IntakeError.make("ledger-export-invalid", name=name, reason="行格式不符")
        if item[0] != table or len(batch) >= BATCH:
            _flush(ledger, table, batch)
            table = item[0]
        read[table].add(item[1:])
        batch.append(_stored(table, item[1:]))
    raise IntakeError.make("ledger-export-invalid", name=name, reason="文件不完整")


def _flush(ledger: Ledger, table: str, batch: list[tuple[Any, ...]]) -> None:
    if batch:
        ledger.db.copy_rows(table, TABLES[table], batch)
        batch.clear()


def _renumber(ledger: Ledger) -> None:
    """PostgreSQL: the next id of each table follows the imported ones."""
    if ledger.backend != POSTGRESQL:
        return
    for table in IDENTITY:
        ledger.db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                          f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
