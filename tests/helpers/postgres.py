"""The PostgreSQL server of the test session (a real one: Debian's `postgresql`, see tools/pgserver.py).

``ledger_location(kind, ...)`` gives a fresh ledger location of either backend, so a test runs the
same on an SQLite file and on a PostgreSQL database.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from pgserver import ServerError, Throwaway, free_port, wait_until_down  # noqa: E402

BACKENDS = ("sqlite", "postgresql")
_numbers = itertools.count(1)

__all__ = ["BACKENDS", "ServerError", "Throwaway", "dump", "free_port", "fresh_location", "wait_until_down"]


def fresh_location(kind: str, server: Throwaway | None, tmp: Path) -> str | Path:
    """A new, empty ledger location: an SQLite file in ``tmp`` or a new database on ``server``."""
    if kind == "sqlite":
        return tmp / f"ledger-{next(_numbers)}.sqlite"
    assert server is not None
    return server.create_database(f"ledger_{next(_numbers)}")


def dump(location: str | Path) -> bytes:
    """Everything the ledger holds, as bytes: the SQLite files, or every table of the database as text."""
    if not isinstance(location, str):
        return b"".join(p.read_bytes() for p in Path(location).parent.iterdir()
                        if p.name.startswith(Path(location).name))
    import psycopg

    out = bytearray()
    with psycopg.connect(location) as conn:
        tables = [t for (t,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        for table in tables:
            with conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:  # type: ignore[arg-type]
                for block in copy:
                    out += bytes(block)
    return bytes(out)
