"""The field rules compiled into column operations flag every cell the per-cell check fails (issue 24).

``validate.columnar.fields`` runs the per-cell check (``validate.schema.compiled``, held against
Cerberus in test_validate_schema.py) only on the cells its column operations flag. Here every cell of
generated tables — ordinary values, values at each rule's edge and junk — goes through both: the
findings must be those of checking every cell, in row order then column order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from lingong_docs.core.model import BAD, Record, Table
from lingong_docs.core.tables import JOB_POSTS, ROSTER, spec
from lingong_docs.validate.columnar.fields import field_findings
from lingong_docs.validate.columnar.frame import frame_of
from lingong_docs.validate.schema import compiled

VALID_ID = "11010519491231002X"
TEXTS = st.sampled_from(["", " ", "张三", "x" * 40, "x" * 41, "y" * 200, "y" * 201, "z" * 501, VALID_ID,
                         "110105194912310021", "1101051949123100", "13800138000", "1380013800", "010-88888888",
                         "银行转账", "现金", "9" * 18])
NUMBERS = st.sampled_from([0, 1, -1, 2, 10**30, Decimal("0.5"), Decimal("8.005"), Decimal("320.55"),
                           Decimal("320.555"), Decimal("-0"), Decimal("1E+300"), Decimal("NaN"), Decimal("Infinity"),
                           Decimal("1e-400")])
TIMES = st.sampled_from([dt.datetime(2025, 3, 5, 8), dt.datetime(1900, 1, 1), dt.date(2025, 1, 1), dt.time(8)])
JUNK = st.sampled_from([None, BAD, True, 1.5, 2**70, "", [], "=1+1"])
# Numbers around the money and hours checks' edges: signs, 0 to 5 decimals, up to beyond 10^8.
DECIMALS = st.one_of([st.decimals(min_value=-10**9, max_value=10**9, places=p, allow_nan=False) for p in range(6)])
# Phones and IDs as typed: bare digits, with +86, spaces, hyphens, full-width digits, lower-case x.
PHONES = st.builds(lambda prefix, body, sep: prefix + sep.join([body[:3], body[3:7], body[7:]]),
                   st.sampled_from(["", "+86", "+86 ", "0086", "86"]),
                   st.text("0123456789", min_size=10, max_size=12), st.sampled_from(["", " ", "-"]))
ID_FORMS = st.sampled_from([VALID_ID, VALID_ID.lower(), f" {VALID_ID} ", "１１０１０５１９４９１２３１００２Ｘ",
                            "110105194902290021", "11010520000229002X", "110105490229002"])
CELLS = st.one_of(TEXTS, NUMBERS, TIMES, JUNK, DECIMALS, PHONES, ID_FORMS)


def table_of(kind: str, rows: list[list]) -> Table:
    keys = [c.key for c in spec(kind).columns]
    letters = {k: chr(65 + i) for i, k in enumerate(keys)}
    records = [Record(5 + i, dict(zip(keys, cells))) for i, cells in enumerate(rows)]
    return Table(kind=kind, path=Path(f"{kind}.xlsx"), sheet=kind, header_row=4, columns=letters, records=records)


def every_cell_checked(table: Table) -> list[dict]:
    """The findings of the per-cell check on every cell (what the row-wise engine did)."""
    checks = [(key, check) for key, _header, check in compiled(table.kind) if key in table.columns]
    out = []
    for rec in table.records:
        for key, check in checks:
            result = check(rec.values.get(key))
            if result is not None:
                out.append(table.finding(result[0], rec.row, key, rec.values.get(key), **result[1]).to_dict())
    return out


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([ROSTER, JOB_POSTS]), st.lists(st.lists(CELLS, min_size=11, max_size=11), min_size=1,
                                                       max_size=12))
def test_screened_cells_give_the_findings_of_checking_every_cell(kind, rows):
    table = table_of(kind, rows)
    found = [f.to_dict() for f in field_findings(frame_of(table))]
    assert found == every_cell_checked(table)


def test_a_clean_column_flags_nothing_and_a_bad_cell_only_itself():
    good = ["张三", VALID_ID, "13800138000", "望京 分拣员", dt.datetime(2025, 3, 5, 8), dt.datetime(2025, 3, 5, 16),
            Decimal(8), Decimal("320.50"), "银行转账", None]
    rows = [[i + 1, *good] for i in range(50)]
    rows[17][2] = VALID_ID[:-1] + "1"                       # a wrong check character
    table = table_of(ROSTER, rows)
    found = field_findings(frame_of(table))
    assert [(f.code, f.row, f.column) for f in found] == [("id-check-char", 22, "C")]


def test_the_frame_follows_the_records_not_a_stale_copy_of_the_read_columns():
    table = table_of(ROSTER, [[1, "张三", VALID_ID, "13800138000", "x", None, None, Decimal(8), Decimal(1), "微信",
                               None]])
    table.read_columns = {key: [value] for key, value in table.records[0].values.items()}
    copy = dataclasses.replace(table, records=[Record(5, dict(table.records[0].values, name="李四"))])
    assert copy.read_columns is None                         # a copy starts from its own records
    assert frame_of(copy).df["name"].to_list() == ["李四"]
    assert frame_of(table).df.schema["hours_u"] == pl.Int64
