"""The columnar cross-row rules on their corner cases (issue 24).

While the row-wise rules existed, this file compared them with ``validate.columnar.cross_rows`` on
every input (identical findings, in the same order). They are gone; the validate corpus
(tests/test_validate_corpus.py, goldens made with the row-wise engine) now guards the whole output,
and the counts below are the ones the row-wise rules gave on the same inputs. Registered rules and
``cross_row_findings`` must agree too (the registry runs the same functions, one entry per rule).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from helpers.apps import JOB_POSTS, ROSTER, fill, make_app, table_path
from helpers.cross_rows_roster import edge_posts, edge_rows, seeded_rows, write_roster

from lingong_docs.core.model import Application, Record, Table
from lingong_docs.core.policy import policy_for
from lingong_docs.reader.folder import read_application, read_single
from lingong_docs.validate.columnar.cross_rows import cross_row_findings, seq_order
from lingong_docs.validate.columnar.frame import frame_of
from lingong_docs.validate.registry import Context
from lingong_docs.validate.rules import cross_rows, job_posts, service_year

ROOT = Path(__file__).resolve().parent.parent
REGISTERED = {
    ROSTER: (cross_rows.duplicates_and_names, cross_rows.overlaps_and_daily_hours, cross_rows.shared_phones,
             service_year.seq_order),
    JOB_POSTS: (job_posts.duplicate_posts, service_year.seq_order),
}


def both(app: Application, table: Table) -> tuple[list, list]:
    """Return (the registered rules' findings, ``cross_row_findings``) of ``table``."""
    policy = policy_for(app.info.year or 2025, app.info.policy)
    ctx = Context(app=app, year=app.info.year or 2025, year_source="application", policy=policy,
                  application_date=None, is_folder=app.folder is not None)
    registered = [f for fn in REGISTERED[table.kind] for f in fn(ctx, table)]
    return registered, cross_row_findings(frame_of(table), policy)


def assert_same(app: Application) -> Counter:
    """Assert the registered rules and ``cross_row_findings`` agree on every table; return the codes."""
    codes: Counter = Counter()
    for table in app.tables:
        registered, new = both(app, table)
        assert [f.to_dict() for f in new] == [f.to_dict() for f in registered], table.kind
        codes.update(f.code for f in new)
    return codes


def test_broken_sample_has_every_cross_row_mistake():
    broken = assert_same(read_application(ROOT / "samples" / "broken"))
    assert {"duplicate-row", "id-name-conflict", "overlapping-tasks", "phone-shared",
            "duplicate-post"} <= set(broken)


def test_corner_cases_give_the_row_wise_counts(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, edge_rows())
    fill(table_path(folder, JOB_POSTS), JOB_POSTS, edge_posts())
    app = read_application(folder)
    codes = assert_same(app)
    assert codes == {"duplicate-row": 2, "duplicate-post": 3, "hours-over-11-per-day": 15, "hours-over-24-per-day": 4,
                     "id-name-conflict": 15, "overlapping-tasks": 8, "phone-shared": 12, "seq-gap": 5,
                     "seq-repeated": 3}
    found, _new = both(app, app.roster)
    rows_over = {f.row for f in found if f.code == "hours-over-11-per-day" and "4月1日" in f.message}
    assert rows_over == set()                                # 11.005 rounds to 11.00: not over


def _seeded(tmp_path: Path, rows: int) -> Counter:
    path = write_roster(tmp_path / f"roster-{rows}.xlsx", seeded_rows(rows))
    return assert_same(read_single(path))


@pytest.mark.slow
def test_generated_roster_2000_rows(tmp_path):
    codes = _seeded(tmp_path, 2000)
    assert all(codes[c] for c in ("duplicate-row", "id-name-conflict", "overlapping-tasks",
                                  "hours-over-11-per-day", "phone-shared", "seq-gap"))


@pytest.mark.slow
def test_generated_roster_30000_rows(tmp_path):
    codes = _seeded(tmp_path, 30_000)
    assert all(codes[c] > 10 for c in ("duplicate-row", "id-name-conflict", "overlapping-tasks",
                                       "hours-over-11-per-day", "hours-over-24-per-day", "phone-shared"))
    assert codes["seq-gaps-more"] == 1


def test_seq_beyond_64_bits_is_compared_as_python_ints(tmp_path):
    folder = make_app(tmp_path / "app")
    seqs = [1, 2**100, 2**100, 5, 2**101, 7]       # whole floats in the workbook, beyond Int64
    fill(table_path(folder, ROSTER), ROSTER, [dict(row, seq=s) for row, s in zip(edge_rows(), seqs)][:len(seqs)])
    app = read_application(folder)
    table = app.roster
    read = [rec.values["seq"] for rec in table.records][:len(seqs)]
    assert all(isinstance(s, int) for s in read) and max(read) > 2**63
    frame = frame_of(table)                     # these ints in an Object column
    assert frame.df.schema["seq"] == pl.Object
    found = seq_order(frame, policy_for(2025, None))
    assert Counter(f.code for f in found) == {"seq-repeated": 1, "seq-gap": 4}    # as the row-wise rule said


def test_an_empty_table_or_missing_columns_give_no_cross_row_findings(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, edge_rows())
    app = read_application(folder)
    policy = policy_for(2025, None)
    for table in app.tables:
        empty = dataclasses.replace(table, records=[])
        assert cross_row_findings(frame_of(empty), policy) == []
    roster = app.roster
    for gone in ("id_number", "start", "place", "hours", "phone", "name"):
        columns = {k: v for k, v in roster.columns.items() if k != gone}
        records = [Record(r.row, {k: v for k, v in r.values.items() if k != gone}) for r in roster.records]
        codes = Counter(f.code for f in cross_row_findings(frame_of(dataclasses.replace(
            roster, columns=columns, records=records)), policy))
        assert ("duplicate-row" in codes) == (gone not in ("id_number", "start", "place"))
        assert ("phone-shared" in codes) == (gone not in ("id_number", "phone"))
