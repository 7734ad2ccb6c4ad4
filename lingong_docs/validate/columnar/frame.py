"""A table as columns: the frame every columnar rule reads (polars).

``frame_of(table)`` turns the records the reader produced into one typed polars column per
canonical field (the keys of the row-wise rules: ``name``, ``id_number``, ``start`` …; only the
columns the workbook has), plus:

- ``row``: Int64, the sheet row number the operator sees (``Record.row``);
- ``id_ok`` (附件5 only): Boolean, true where ``id_number`` passes every ID check
  (``identifiers.idcard.check``; computed once per distinct ID) — the rows the cross-row and age
  rules consider;
- ``<key>_exact`` for every numeric field (``hours``, ``pay``, ``demand``): Object, the exact value
  of the record (``Decimal`` or ``int``), null where the cell holds no finite number.

Types and the meaning of null:

- text fields (schema ``type: string``, and ``seq`` only when it is an integer — see below):
  String; null where the cell is empty, could not be read (``BAD``) or holds no text;
- ``seq``: Int64 where the record holds an integer, else null (a text 序号 links nothing);
- datetime fields (``start``, ``end``, ``published``): Datetime("us"), naive, whole seconds;
  null where the cell holds no date and time;
- numeric fields: Float64 (``float(value)``), null where the value is not a finite number.
  The float is for **pre-checks only**: a rule selects candidate rows with a margin on the floats
  and decides on the ``_exact`` column of those rows with ``Decimal`` arithmetic, as the findings
  are stated in exact decimals (a row-wise rule's ``hours > span`` or ``round_cents(sum) > 11``).
  A value too large for a float (a text of 400 digits) is ``inf`` in the Float64 column.

A ``Frame`` keeps the table beside the columns: ``frame.finding(code, row, key, value, **params)``
is ``Table.finding`` (location, header, masking), the one way a columnar rule makes a finding, and
only for a cell that failed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lingong_docs.core.model import Table
from lingong_docs.identifiers import idcard

if TYPE_CHECKING:
    import polars as pl

NUMERIC_TYPES = ("number", "integer")


@dataclass(repr=False)
class Frame:
    """One table's records as a polars DataFrame, with the table for locating findings."""

    table: Table
    df: pl.DataFrame

    def __repr__(self) -> str:  # never show personal values
        return f"Frame({self.table.kind}, rows={self.df.height})"

    def finding(self, code: str, row: int | None = None, key: str | None = None, value: object = None,
                **params: Any):
        """Return finding ``code`` at ``row``/``key`` of the table (``Table.finding``: value masked)."""
        return self.table.finding(code, row, key, value, **params)

    def has(self, key: str) -> bool:
        """True when the workbook has the column of field ``key``."""
        return key in self.table.columns


def _finite(v: object) -> bool:
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, Decimal) and v.is_finite())


def _column(kind: str, key: str, values: list[Any]) -> list[pl.Series]:
    import polars as pl

    if key == "seq":
        return [pl.Series(key, [v if isinstance(v, int) and not isinstance(v, bool) else None for v in values],
                          dtype=pl.Int64)]
    col_type = _type_of(kind, key)
    if col_type == "datetime":
        return [pl.Series(key, [v if isinstance(v, dt.datetime) else None for v in values],
                          dtype=pl.Datetime("us"))]
    if col_type in NUMERIC_TYPES:
        exact = [v if _finite(v) else None for v in values]
        floats = [None if v is None else _as_float(v) for v in exact]
        return [pl.Series(key, floats, dtype=pl.Float64), pl.Series(f"{key}_exact", exact, dtype=pl.Object)]
    return [pl.Series(key, [v if isinstance(v, str) else None for v in values], dtype=pl.String)]


def _as_float(v: int | Decimal) -> float:
    try:
        return float(v)
    except OverflowError:       # an int beyond a float's range
        return float("inf") if v > 0 else float("-inf")


def _type_of(kind: str, key: str) -> str:
    from lingong_docs.core.tables import spec

    return spec(kind).column(key).type


def _id_ok(ids: list[Any]) -> list[bool]:
    verdict: dict[str, bool] = {}
    out = []
    for v in ids:
        if not isinstance(v, str):
            out.append(False)
            continue
        ok = verdict.get(v)
        if ok is None:
            ok = verdict[v] = idcard.check(v) is None
        out.append(ok)
    return out


def frame_of(table: Table) -> Frame:
    """Return ``table``'s records as a ``Frame`` (one column per field the workbook has, see above)."""
    import polars as pl

    records = table.records
    keys = [c.key for c in table.spec.columns if c.key in table.columns]
    series = [pl.Series("row", [r.row for r in records], dtype=pl.Int64)]
    for key in keys:
        series.extend(_column(table.kind, key, [r.values.get(key) for r in records]))
    if table.kind == "roster":
        ids = [r.values.get("id_number") for r in records] if "id_number" in keys else [None] * len(records)
        series.append(pl.Series("id_ok", _id_ok(ids), dtype=pl.Boolean))
    return Frame(table=table, df=pl.DataFrame(series))
