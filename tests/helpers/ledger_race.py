"""Several processes receiving into one ledger at the same moment (the race tests, test_ledger_shared).

Each process opens its own connection, waits at a barrier with the others, then runs intake's
receiving step (``service._receive``: duplicate checks, receipt number, receipt files, record — one
transaction) on its copy of an examination. Run with the ``spawn`` start method: nothing is
shared but the ledger itself.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import pickle
from pathlib import Path
from typing import Any

from lingong_docs.intake.examine.examination import Examination

KEY = b"race-test-ledger-key-0123456789ab"
RECEIVED = dt.date(2026, 3, 10)


def synthetic(sha: str, uscc: str, *, rows: int = 50, shift_hours: int = 0) -> Examination:
    """An examined employment package of agency ``uscc`` claiming ``rows`` keyed rows (no PDF needed)."""
    from lingong_docs.intake.truth import person_key, row_key

    ex = Examination(path=Path(f"{sha[:8]}.pdf"), sha256=(sha * 64)[:64], size=1)
    ex.kind, ex.year = "employment", 2025
    ex.applicant = {"name": "机构", "uscc": uscc, "market": "驿站"}
    ex.figures = {"year": 2025, "uscc": uscc, "applicant": "机构", "market": "驿站", "match_count": 10000}
    ex.exact = {"operating_subsidy": "0.00", "employment_subsidy": "100000.00", "total": "100000.00"}
    for n in range(rows):
        ident = f"11010519900101{n:04d}"
        start = (dt.datetime(2025, 3, 1, 9) + dt.timedelta(days=n, hours=shift_hours)).isoformat()
        end = (dt.datetime(2025, 3, 1, 17) + dt.timedelta(days=n, hours=shift_hours)).isoformat()
        ex.rows.append({"row": 5 + n, "person": person_key(KEY, ident), "key": row_key(KEY, ident, start, end, "驿站"),
                        "start": start, "end": end})
    return ex


def _worker(location: Any, blobs: list[bytes], barrier: Any, folder: str, queue: Any) -> None:
    from lingong_docs.intake.ledger import Ledger
    from lingong_docs.intake.service import Options, _receive

    out: list[Any] = []
    try:
        with Ledger(location, KEY) as ledger:
            for blob in blobs:
                ex = pickle.loads(blob)
                barrier.wait(timeout=120)
                receipt = _receive(ex, ledger, Options(as_of=RECEIVED, receipt_dir=Path(folder)))
                out.append((receipt.receipt_no, receipt.verdict,
                            sorted(f.code for f in receipt.findings if f.severity == "error")))
    except BaseException as e:  # reported to the test, which fails on it
        barrier.abort()
        out.append(("error", repr(e), []))
    queue.put(out)


def race(location: str | Path, rounds: list[list[Examination]], folders: list[Path]) -> list[list[tuple]]:
    """Run ``len(folders)`` processes; in round k process i receives ``rounds[k][i]`` into its folder,
    all at the same moment. Return each round's results (receipt number, verdict, error codes)."""
    ctx = multiprocessing.get_context("spawn")
    n = len(folders)
    barrier, queue = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(location, [pickle.dumps(r[i]) for r in rounds], barrier,
                                                str(folders[i]), queue)) for i in range(n)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0, p.exitcode
    errors = [r for result in results for r in result if r[0] == "error"]
    assert not errors, errors
    return [[r[k] for r in results] for k in range(len(rounds))]
