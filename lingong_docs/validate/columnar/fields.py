"""The Cerberus field rules compiled into column operations.

``screens(kind)`` reads the schema dicts (``schemas/*.yaml``, the one declaration of the field
rules) and gives, per column, the operations that find every cell that may fail one of its rules:

- ``required`` / ``nullable: false`` / ``empty: false``: the cell is null;
- ``maxlength`` / ``minlength``: ``str.len_chars`` of a text column;
- ``min`` / ``max``: a comparison of the numbers (on floats, not strict: a superset of the exact
  comparison, as rounding to a float keeps the order);
- ``allowed``: ``is_in`` on a text column;
- ``check_with`` (ID number, phone, hours, money): a column operation per check (``COLUMN_CHECKS``:
  the ID and phone in their canonical form, signs and decimals on the numbers); ``regex`` and a
  ``check_with`` without one: the check runs once per distinct value of the column and the rows
  holding a failing value are flagged;
- a rule this module does not know: every filled cell of the column is flagged;
- every cell whose value is not of the column's frame type (``BAD``, text in a number column, a
  non-finite number, an empty text) is flagged: the frame holds null there.

Only the flagged cells go through the per-cell check ``schema.compiled`` makes from the same
schema (whose semantics a test holds against Cerberus itself): it decides, and gives the code and
its parameters, so a flagged cell that passes costs one call and a cell failing several rules gives
the code of the first, as before. Findings are made only for cells that fail.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lingong_docs.core import findings as F
from lingong_docs.core.tables import spec
from lingong_docs.identifiers import idcard, phone
from lingong_docs.validate.checks import CHECKS
from lingong_docs.validate.columnar.frame import UNHASHABLE, Frame, hashable
from lingong_docs.validate.schema import COMPILED_RULES, TYPES, compiled

if TYPE_CHECKING:
    import polars as pl

_NONE = type(None)


@dataclass(frozen=True)
class Screen:
    """The column operations of one field (see the module doc) and its per-cell check."""

    key: str
    rules: dict[str, Any]
    check: Callable[[Any], tuple[str, dict[str, Any]] | None]

    def flagged(self, frame: Frame) -> list[int]:
        """Return the positions of the cells that may fail, in row order."""
        import polars as pl

        col = pl.col(self.key)
        column = frame.df[self.key]
        exact = self.key in frame.exact and _holds(column.dtype, _schema_types(self.rules))
        # a column holding the values exactly, of a type the schema accepts, has no odd cell (``_odd``)
        mask = pl.repeat(False, len(column), dtype=pl.Boolean, eager=True) if exact else \
            _odd(frame, self.key, _schema_types(self.rules))
        exprs = [expr for expr in self._exprs(col, column.dtype) if expr is not None]
        if exprs:
            mask = mask | frame.df.select(pl.any_horizontal(exprs).fill_null(False)).to_series()
        for name in _check_names(self.rules):
            if name in COLUMN_CHECKS:
                mask = mask | COLUMN_CHECKS[name](frame, self.key)
        if _value_tests(self.rules) and exact:
            by_value = self._failing_values(column.drop_nulls().unique().to_list())
            if by_value:
                mask = mask | column.is_in(list(by_value)).fill_null(False)
        elif _value_tests(self.rules):
            keys = hashable(frame.raw[self.key])
            by_value = self._failing_values(keys)
            if by_value:
                mask = mask | pl.Series(list(map(by_value.__contains__, keys)), dtype=pl.Boolean)
        return mask.arg_true().to_list()

    def _exprs(self, col: pl.Expr, dtype: Any) -> Iterator[pl.Expr | None]:
        import polars as pl

        r = self.rules
        text, number = dtype == pl.String, dtype in (pl.Float64, pl.Int64)
        if r.get("required") or r.get("nullable") is False or r.get("empty") is False:
            yield col.is_null()
        if text and "maxlength" in r:
            yield col.str.len_chars() > r["maxlength"]
        if text and "minlength" in r:
            yield col.str.len_chars() < r["minlength"]
        if ("min" in r or "max" in r) and not number:
            yield col.is_not_null()
        if number and "min" in r:
            yield col <= float(r["min"])
        if number and "max" in r:
            yield col >= float(r["max"])
        if "allowed" in r:
            yield ~col.is_in(list(r["allowed"])) if text else col.is_not_null()
        if set(r) - COMPILED_RULES:                       # checked by Cerberus itself
            yield col.is_not_null()

    def _failing_values(self, values: list[Any]) -> set[Any]:
        """Return the distinct values failing the column's ``regex`` or ``check_with`` checks."""
        tests = _value_tests(self.rules)
        if not tests:
            return set()
        return {v for v in set(values) if v is not None and v is not UNHASHABLE and any(t(v) for t in tests)}


def _check_names(rules: dict[str, Any]) -> list[str]:
    names = rules.get("check_with")
    return [names] if isinstance(names, str) else list(names or ())


def _value_tests(rules: dict[str, Any]) -> list[Callable[[Any], bool]]:
    """Return the tests run once per distinct value: ``regex``, and the ``check_with`` checks
    without a column operation."""
    tests: list[Callable[[Any], bool]] = []
    if "regex" in rules:
        pattern = re.compile(rules["regex"] + r"\Z")
        tests.append(lambda v: isinstance(v, str) and not pattern.match(v))
    for name in _check_names(rules):
        if name not in COLUMN_CHECKS:
            tests.append(functools.partial(_fails, CHECKS[name]))
    return tests


# ``check_with`` checks as column operations: each flags (at least) every cell of the frame column
# that ``checks.CHECKS[name]`` fails; a value the frame column cannot hold (null there) is ``_odd``'s.

def _idcard_may_fail(frame: Frame, key: str) -> pl.Series:
    if key == "id_number" and "id_ok" in frame.df.columns:     # the frame's verdict of the same check
        return ~frame.df["id_ok"]
    if not _texts(frame, key):                                 # not a text column: every filled cell
        return frame.df[key].is_not_null()
    return ~idcard.valid_mask(frame.df[key])


def _phone_may_fail(frame: Frame, key: str) -> pl.Series:
    if not _texts(frame, key):
        return frame.df[key].is_not_null()
    return ~phone.canonical_valid(frame.df[key])


def _texts(frame: Frame, key: str) -> bool:
    import polars as pl

    return frame.df.schema[key] == pl.String


def _numbers(frame: Frame, key: str) -> bool:
    import polars as pl

    return frame.df.schema[key] == pl.Float64 and f"{key}_u" in frame.df.columns


def _hours_may_fail(frame: Frame, key: str) -> pl.Series:
    if not _numbers(frame, key):                     # not a number column: every filled cell
        return frame.df[key].is_not_null()
    return (frame.df[key] <= 0).fill_null(False)     # float(v) <= 0 wherever v <= 0


def _money_may_fail(frame: Frame, key: str) -> pl.Series:
    """Not positive, or (in millionths) more than two decimals, or too large or fine for millionths."""
    if not _numbers(frame, key):
        return frame.df[key].is_not_null()
    value, micros = frame.df[key], frame.df[f"{key}_u"]
    return ((value <= 0) | (value.is_not_null() & (micros.is_null() | (micros % 10_000 != 0)))).fill_null(False)


COLUMN_CHECKS: dict[str, Callable[[Frame, str], pl.Series]] = {
    "idcard": _idcard_may_fail, "phone": _phone_may_fail,
    "positive_hours": _hours_may_fail, "money": _money_may_fail,
}


def _fails(check: Callable[[Any], Any], value: Any) -> bool:
    return bool(check(value))


def _holds(dtype: Any, accepted: frozenset[type]) -> bool:
    """True when every value of a frame column of ``dtype`` is of a type in ``accepted``."""
    import polars as pl

    kind = {pl.String: str, pl.Int64: int}.get(dtype) or (dt.datetime if dtype == pl.Datetime("us") else None)
    return kind is not None and (not accepted or object in accepted or kind in accepted - {bool})


def _schema_types(rules: dict[str, Any]) -> frozenset[type]:
    """Return the Python types the column's ``type`` rule accepts (every type when it has none)."""
    names = rules.get("type")
    names = [names] if isinstance(names, str) else list(names or ())
    return frozenset(t for name in names for t in TYPES.get(name, (object,)))


def _odd(frame: Frame, key: str, accepted: frozenset[type]) -> pl.Series:
    """Return per cell whether it holds something the frame column cannot (see the module doc):
    a filled cell that is null in the frame, an empty text, or a value of a type the schema does
    not accept (a fraction in an integer column)."""
    import polars as pl

    values = frame.raw[key]
    column = frame.df[key]
    present = set(map(type, values))
    kinds = present - {_NONE}
    if accepted and object not in accepted and not kinds <= accepted - {bool}:
        strange = kinds - (accepted - {bool})
        return pl.Series([type(v) in strange for v in values], dtype=pl.Boolean) | _odd(frame, key, frozenset())
    empty = sum(map(operator.is_, values, itertools.repeat(None))) if _NONE in present else 0
    if column.null_count() == empty:                    # null exactly where empty
        mask = pl.repeat(False, len(values), dtype=pl.Boolean, eager=True)
    else:
        mask = pl.Series([v is not None for v in values], dtype=pl.Boolean) & column.is_null()
    if column.dtype != pl.String:                       # elsewhere an empty text is null, so odd already
        return mask
    if kinds <= {str}:                                  # the column holds the texts as they are
        empty_text = (column == "").fill_null(False)
        return mask | empty_text if empty_text.any() else mask
    if "" in values:
        mask = mask | pl.Series([v == "" and type(v) is str for v in values], dtype=pl.Boolean)
    return mask


@functools.cache
def screens(kind: str) -> tuple[Screen, ...]:
    """Return the screen of every column of table ``kind``, in schema order."""
    checks = {key: check for key, _header, check in compiled(kind)}
    return tuple(Screen(key=col.key, rules=spec(kind).schema[col.header], check=checks[col.key])
                 for col in spec(kind).columns)


def field_findings(frame: Frame) -> list[F.Finding]:
    """Return the findings of every field rule of the frame's table, in row order then column order."""
    table = frame.table
    failed: list[tuple[int, int, str, Any, tuple[str, dict[str, Any]]]] = []
    for order, screen in enumerate(s for s in screens(table.kind) if s.key in table.columns):
        flagged = screen.flagged(frame)
        values = frame.raw[screen.key] if flagged else []     # the Python list, only when a cell is flagged
        for pos in flagged:
            result = screen.check(values[pos])
            if result is not None:
                failed.append((pos, order, screen.key, values[pos], result))
    failed.sort(key=lambda f: (f[0], f[1]))
    rows = frame.rows
    return [table.finding(code, rows[pos], key, value, **params)
            for pos, _order, key, value, (code, params) in failed]
