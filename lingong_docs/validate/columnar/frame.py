"""A table as columns: the frame every columnar rule reads (polars).

``frame_of(table)`` turns the records the reader produced (its columns: ``Table.read_columns``, and
the typed columns of ``reader.fast``, ``Columns.series``, taken as they are) into one typed polars column per
canonical field (the keys of the row-wise rules: ``name``, ``id_number``, ``start`` …; only the
columns the workbook has), plus:

- ``row``: Int64, the sheet row number the operator sees (``Record.row``);
- ``id_ok`` (附件5 only): Boolean, true where ``id_number`` passes every ID check
  (``identifiers.idcard.check``, as ``idcard.valid_mask`` decides it: column operations for IDs in
  the canonical form, ``check`` once per distinct other text) — the rows the cross-row and age
  rules consider;
- ``<key>_exact`` for every numeric field (``hours``, ``pay``, ``demand``): Object, the exact value
  of the record (``Decimal`` or ``int``), null where the cell holds no finite number;
- ``<key>_u`` for every numeric field: Int64, the exact value in millionths (8.5 → 8500000) where
  that is a whole number and the value lies within ±10^8, else null: exact integer comparisons
  (``hours_u * 3600 > seconds * 10**6``) for every ordinary value; a rule falls back to the
  ``_exact`` Decimal on the rows where ``_u`` is null and the value is not.

Types and the meaning of null:

- text fields (schema ``type: string``, and ``seq`` only when it is an integer — see below):
  String; null where the cell is empty, could not be read (``BAD``) or holds no text;
- ``seq``: Int64 where the record holds an integer, else null (a text 序号 links nothing); when an
  integer lies beyond Int64 (1e300 typed), the column is Object holding the Python ints instead;
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
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lingong_docs.core.model import Columns, Record, Table
from lingong_docs.identifiers import idcard

if TYPE_CHECKING:
    import polars as pl

NUMERIC_TYPES = ("number", "integer")
INT64 = 2**63       # an integer 序号 beyond Int64 (1e300 typed) makes the column Object


@dataclass(repr=False)
class Frame:
    """One table's records as a polars DataFrame, with the table for locating findings.

    ``raw`` holds each field's values as the records hold them (``BAD``, wrong types and all), in
    frame order: the per-cell check of a flagged cell reads them.
    """

    table: Table
    df: pl.DataFrame
    raw: Mapping[str, list[Any]]
    rows: list[int]
    exact: frozenset[str] = frozenset()
    """Fields whose frame column holds the raw values exactly (a value for a value, None for null):
    a rule may read the column instead of ``raw`` (which makes the Python list)."""

    def __repr__(self) -> str:  # never show personal values
        return f"Frame({self.table.kind}, rows={self.df.height})"

    def finding(self, code: str, row: int | None = None, key: str | None = None, value: object = None,
                **params: Any):
        """Return finding ``code`` at ``row``/``key`` of the table (``Table.finding``: value masked)."""
        return self.table.finding(code, row, key, value, **params)

    def has(self, key: str) -> bool:
        """True when the workbook has the column of field ``key``."""
        return key in self.table.columns

    def positions(self, mask: pl.Expr) -> list[int]:
        """Return the 0-based frame positions (= record indexes) where ``mask`` is true."""
        import polars as pl

        return self.df.select(pl.arg_where(mask.fill_null(False))).to_series().to_list()

    def records(self, mask: pl.Expr) -> list[Record]:
        """Return the records (in order) where ``mask`` is true: the rows a pre-check flags."""
        return self.table.records_at(self.positions(mask))


def _finite(v: object) -> bool:
    t = type(v)
    if t is Decimal:
        return v.is_finite()  # type: ignore[attr-defined]
    return t is int or (isinstance(v, int) and t is not bool) or (isinstance(v, Decimal) and v.is_finite())


def _only(values: list[Any], kept: type | tuple[type, ...], ok: set[type]) -> list[Any]:
    """Return ``values`` with every value not of type ``kept`` as None (no copy when all are)."""
    if set(map(type, values)) <= ok:          # the usual column: one pass in C
        return values
    return [v if isinstance(v, kept) and not isinstance(v, bool) else None for v in values]


_NONE = type(None)


def _column(kind: str, key: str, values: list[Any]) -> list[pl.Series]:
    import polars as pl

    if key == "seq":
        ints = _only(values, int, {int, _NONE})
        if not all(-INT64 <= v < INT64 for v in ints if v is not None):
            return [pl.Series(key, ints, dtype=pl.Object)]     # 1e300 typed: Python ints
        return [pl.Series(key, ints, dtype=pl.Int64)]
    col_type = _type_of(kind, key)
    if col_type == "datetime":
        return [pl.Series(key, _only(values, dt.datetime, {dt.datetime, _NONE}), dtype=pl.Datetime("us"))]
    if col_type in NUMERIC_TYPES:
        exact = _exact_numbers(values)
        floats, micros = _numbers(exact)
        return [pl.Series(key, floats, dtype=pl.Float64), pl.Series(f"{key}_exact", exact, dtype=pl.Object),
                pl.Series(f"{key}_u", micros, dtype=pl.Int64)]
    return [pl.Series(key, _only(values, str, {str, _NONE}), dtype=pl.String)]


def _exact_numbers(values: list[Any]) -> list[Any]:
    if set(map(type, values)) <= {Decimal, int, _NONE} and all(
            map(Decimal.is_finite, (v for v in values if type(v) is Decimal))):
        return values
    return [v if _finite(v) else None for v in values]


_MILLION = Decimal(1_000_000)
_MICRO_LIMIT = 10**14       # 10^8 in millionths


def _numbers(exact: list[Any]) -> tuple[list[float | None], list[int | None]]:
    """Return the floats and the millionths (see the module doc) of ``exact``, once per distinct value."""
    floats: dict[Any, float | None] = {None: None}
    micros: dict[Any, int | None] = {None: None}
    for v in set(exact):
        if v is not None:
            scaled = Decimal(v) * _MILLION
            whole = scaled == scaled.to_integral_value() and abs(scaled) < _MICRO_LIMIT
            floats[v], micros[v] = _as_float(v), (int(scaled) if whole else None)
    # two lookups per row, no tuple per row (a million rows: no 100 MB of pairs in between)
    return list(map(floats.__getitem__, exact)), list(map(micros.__getitem__, exact))


def _as_float(v: int | Decimal) -> float:
    try:
        return float(v)
    except OverflowError:       # an int beyond a float's range
        return float("inf") if v > 0 else float("-inf")


def _numeric(kind: str, key: str) -> bool:
    return key != "seq" and _type_of(kind, key) in NUMERIC_TYPES


def _type_of(kind: str, key: str) -> str:
    from lingong_docs.core.tables import spec

    return spec(kind).column(key).type


class _Unhashable:
    """Stands for a value that cannot be a dict key (a list in a record built in memory)."""


UNHASHABLE = _Unhashable()


def hashable(values: list[Any]) -> list[Any]:
    """Return ``values``, with ``UNHASHABLE`` for any value that cannot be hashed (no copy when all can)."""
    try:
        set(values)
        return values
    except TypeError:
        out = []
        for v in values:
            try:
                hash(v)
                out.append(v)
            except TypeError:
                out.append(UNHASHABLE)
        return out


def _id_ok(ids: list[Any]) -> pl.Series:
    """Return per row whether its ID passes every check (``idcard.valid_mask``: column operations for
    IDs in the canonical form, ``idcard.check`` once per distinct other text); false for a non-text."""
    import polars as pl

    return idcard.valid_mask(pl.Series("id_ok", _only(ids, str, {str, _NONE}), dtype=pl.String))


def frame_of(table: Table) -> Frame:
    """Return ``table``'s records as a ``Frame`` (one column per field the workbook has, see above)."""
    import polars as pl

    n = table.row_count
    keys = [c.key for c in table.spec.columns if c.key in table.columns]
    read = table.read_columns
    raw: Mapping[str, list[Any]]
    if read is not None and all(key in read for key in keys):
        raw = read          # lists made on first use (model.Columns): a typed column may never need one
    else:
        raw = {key: [r.values.get(key) for r in table.records] for key in keys}
    rows = table.record_rows
    series = [pl.Series("row", rows, dtype=pl.Int64)]
    typed = read.series if isinstance(read, Columns) else {}
    for key in keys:
        if key in typed and not _numeric(table.kind, key):
            series.append(typed[key])   # the reader's column (reader.fast), already of the frame's type
        else:
            series.extend(_column(table.kind, key, raw[key]))
    exact = frozenset(read.exact & set(keys)) if isinstance(read, Columns) else frozenset()
    if table.kind == "roster":
        if "id_number" in exact:        # the IDs as they are: no Python list needed
            ok = idcard.valid_mask(typed["id_number"])
        else:
            ok = _id_ok(raw.get("id_number") or [None] * n)
        series.append(ok.alias("id_ok").cast(pl.Boolean))
    return Frame(table=table, df=pl.DataFrame(series), raw=raw, rows=rows, exact=exact)


def end_day_expr(end: pl.Expr) -> pl.Expr:
    """``core.dates.end_day`` as a column operation: the day a task ends on (00:00 → the day before)."""
    import polars as pl

    return pl.when(end.dt.time() == dt.time(0)).then(end.dt.date() - pl.duration(days=1)).otherwise(end.dt.date())


def cached_frame(cache: dict[Any, Any], table: Table) -> Frame:
    """Return the frame of ``table``, made once per validate run (``cache``: the run's shared cache)."""
    key = ("frame", id(table))
    if key not in cache:
        cache[key] = frame_of(table)
    return cache[key]
