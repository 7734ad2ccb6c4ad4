#!/usr/bin/env python3
"""Benchmark the intake ledger's duplicate checks on a 1,000,000-row ledger, SQLite and PostgreSQL.

    .venv/bin/python bench/bench_ledger.py                    # 1,000 packages × 1,000 rows
    .venv/bin/python bench/bench_ledger.py --packages 200     # a smaller ledger

What it does, on each backend (an SQLite file in a temp folder; a throwaway PostgreSQL server
started from Debian's binaries, as the tests do — tools/pgserver.py):

1. fills a fresh ledger through ``Ledger.record`` with ``--packages`` accepted packages of
   ``--rows`` keyed rows each (random 16-byte hashes as HMAC outputs are; 100 agencies; task
   times spread over the year), and times it;
2. times the receiving step of intake (``service._receive``: receipt number, duplicate-package,
   duplicate-rows, cross-agency overlap and cap checks, record; no receipt files) for a new
   package of 1,000 and of 25,000 rows, half of them already claimed by the same agency and a
   tenth by another agency at the same time — the findings are checked, so the figures are of
   checks that found what they should;
3. prints the query plans of the two row checks (the covering indexes ``rows_key_package`` and
   ``rows_person_time`` must be used: each incoming row is one index probe, so the cost grows with
   the incoming rows and only logarithmically with the ledger — the plan for 20 million rows).

Targets (exit 1 when missed): the duplicate checks of a 25,000-row package ≤ 5 s on either backend,
both row checks on the covering indexes. The whole receiving step is printed beside them (it adds the
insert of the package's rows into the two indexes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tools"))

from pgserver import Throwaway

from lingong_docs.intake.examine.examination import Examination
from lingong_docs.intake.ledger import Ledger
from lingong_docs.intake.service import Options, _receive, cross_check

KEY = b"bench-ledger-key-0123456789abcdef"
RECEIVED = dt.date(2026, 3, 10)
TARGET_SECONDS = 5.0
START = dt.datetime(2025, 1, 1, 8)


def uscc_of(n: int) -> str:
    return f"9111000{n:010d}X"[:18]


def keyed_rows(rng: random.Random, count: int, day0: int = 0) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        start = START + dt.timedelta(days=(day0 + i // 40) % 360, minutes=10 * (i % 40))
        out.append({"row": 5 + i, "person": rng.randbytes(16).hex(), "key": rng.randbytes(16).hex(),
                    "start": start.isoformat(), "end": (start + dt.timedelta(hours=2)).isoformat()})
    return out


def fill(ledger: Ledger, packages: int, rows: int, rng: random.Random) -> dict[int, list[dict[str, Any]]]:
    """Record ``packages`` accepted packages; return the rows of a few (reused by the checks)."""
    kept: dict[int, list[dict[str, Any]]] = {}
    for first in range(0, packages, 50):
        with ledger.receiving():
            for n in range(first, min(first + 50, packages)):
                claimed = keyed_rows(rng, rows, day0=n)
                if n < 2:
                    kept[n] = claimed
                ledger.record(within=True, sha256=f"{n:064x}", receipt_no=f"SL20260101-{n + 1:04d}",
                              received=dt.date(2026, 1, 1), verdict="accepted", kind="operating", year=2025,
                              applicant=f"机构{n % 100}", uscc=uscc_of(n % 100), market=f"驿站{n}",
                              match_count=rows, demand_total=rows, amount=None, operating_subsidy=None,
                              employment_subsidy=None, rows=claimed)
    return kept


def incoming(rng: random.Random, count: int, kept: dict[int, list[dict[str, Any]]], sha: str) -> Examination:
    """A new package of agency 0: half its rows claimed before by agency 0, a tenth by agency 1."""
    rows = keyed_rows(rng, count, day0=7)
    half, tenth = count // 2, count // 10
    same = kept[0] * (half // len(kept[0]) + 1)
    other = kept[1] * (tenth // len(kept[1]) + 1)
    for i in range(half):
        rows[i] = dict(same[i], row=5 + i)
    for i in range(half, half + tenth):
        rows[i] = dict(rows[i], person=other[i - half]["person"], start=other[i - half]["start"],
                       end=other[i - half]["end"])
    ex = Examination(path=Path(f"{sha}.pdf"), sha256=sha * (64 // len(sha)), size=1)
    ex.kind, ex.year = "operating", 2025
    ex.applicant = {"name": "机构0", "uscc": uscc_of(0), "market": "新驿站"}
    ex.figures = {"year": 2025, "uscc": uscc_of(0), "match_count": count}
    ex.exact = {"operating_subsidy": "200000.00", "employment_subsidy": "0.00", "total": "200000.00"}
    ex.rows = rows
    return ex


def plans(ledger: Ledger, ex: Examination) -> list[str]:
    """The plan lines naming an index, for the two row checks of ``ex``."""
    from lingong_docs.intake.ledger import _stored

    prefix, source, args = ledger._incoming([_stored(r) for r in ex.rows])
    explain = "EXPLAIN " if ledger.backend == "postgresql" else "EXPLAIN QUERY PLAN "
    found = []
    ledger.db.begin()
    ledger._probing(True)
    for join in ("r.row_key = i.row_key", 'r.person = i.person AND r.start < i."end" AND r."end" > i.start'):
        sql = (f"{explain}{prefix}SELECT DISTINCT i.row FROM {source} rows r ON {join}"
               " JOIN packages p ON p.id = r.package_id WHERE p.verdict='accepted'")
        lines = [" ".join(str(c) for c in r) for r in ledger.db.execute(sql, args)]
        found += [line.strip() for line in lines if "rows_" in line]
    ledger.db.rollback()
    return found


def measure(location: Any, packages: int, rows: int) -> dict[str, Any]:
    rng = random.Random(2025)
    figures: dict[str, Any] = {}
    with Ledger(location, KEY) as ledger:
        t = time.perf_counter()
        kept = fill(ledger, packages, rows, rng)
        figures["fill_s"] = time.perf_counter() - t
        if ledger.backend == "postgresql":
            ledger.db.execute("ANALYZE")              # what autovacuum does on a live server
        figures["rows"] = ledger.status().rows
        for count in (1_000, 25_000):
            checks, times = [], []
            for k in range(3):
                ex = incoming(rng, count, kept, f"{count:x}{k:x}f")
                with ledger.receiving():               # the checks alone (then rolled back)
                    t = time.perf_counter()
                    cross_check(ex, ledger)
                    checks.append(time.perf_counter() - t)
                    ledger.db.rollback()
                    ledger.db.begin()
                ex.findings.clear()
                t = time.perf_counter()
                receipt = _receive(ex, ledger, Options(as_of=RECEIVED))
                times.append(time.perf_counter() - t)
                codes = {f.code for f in receipt.findings}
                assert {"duplicate-rows", "cross-agency-overlap"} <= codes, codes
            figures[f"check_{count}_s"] = statistics.median(checks)
            figures[f"receive_{count}_s"] = statistics.median(times)
        t = time.perf_counter()
        for n in range(200):
            ledger.find_package(f"{n * 7:064x}")
        figures["find_package_ms"] = (time.perf_counter() - t) / 200 * 1000
        figures["plan"] = plans(ledger, incoming(rng, 25_000, kept, "e1f"))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        results["SQLite"] = measure(Path(tmp) / "ledger.sqlite", args.packages, args.rows)
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        results["SQLite"]["size_mb"] = size / 1e6
    with Throwaway() as server:
        results["PostgreSQL"] = measure(server.create_database("bench"), args.packages, args.rows)
    failed = False
    print(f"ledger: {args.packages:,} packages × {args.rows:,} rows; a new package of 1,000 / 25,000 rows:"
          " its duplicate checks (rows, overlaps, cap, package), and its whole receiving step"
          " (number, checks, record of its rows); median of 3")
    for name, f in results.items():
        print(f"  {name:<10} {f['rows']:>10,} rows  filled in {f['fill_s']:6.1f} s   "
              f"checks {f['check_1000_s']:.3f} / {f['check_25000_s']:.3f} s   "
              f"receive {f['receive_1000_s']:.3f} / {f['receive_25000_s']:.3f} s   "
              f"duplicate-package look-up {f['find_package_ms']:.2f} ms")
        for line in f["plan"]:
            print(f"      plan: {line}")
        if "size_mb" in f:
            print(f"      file: {f['size_mb']:.0f} MB")
        failed |= f["check_25000_s"] > TARGET_SECONDS or len(f["plan"]) < 2
    print(f"target: the duplicate checks of a 25,000-row package ≤ {TARGET_SECONDS:.0f} s, on the covering indexes"
          f" — {'MISSED' if failed else 'met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("LINGONG_TRUST_DIR", "")
    sys.exit(main())
