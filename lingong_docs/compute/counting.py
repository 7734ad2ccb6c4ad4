"""Counting 撮合个次 and summing 需求人数 (第九条; docs/rules.md §4): pure functions over records.

A record is anything with ``.get(key)`` (a reader ``Record`` or a plain dict with the roster keys
``id_number``, ``start``, ``end``, ``place``, ``hours``, ``remark``); its Excel row is ``.row``
(or ``record["row"]``), else its 1-based position. Hours are summed as exact fractions and floored
once, so 3 × 2.7 h = 8.1 h counts 1 and never 0.99999.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from lingong_docs.core.dates import end_year
from lingong_docs.core.identity import record_key
from lingong_docs.core.model import BAD, Record
from lingong_docs.core.policy import Policy

BY_HOURS = "按时长"
READINGS = ("declared", "per_record", "hours_total", "hours_per_row")


def reading_labels(hours_per_match: int) -> dict[str, str]:
    """Return the Chinese names of the four readings of the count."""
    h = hours_per_match
    return {
        "declared": "申报的计次方式",
        "per_record": "每条记录计1个次",
        "hours_total": f"工作时长合计÷{h}后取整",
        "hours_per_row": f"每行工作时长÷{h}取整后相加",
    }


@dataclass(frozen=True)
class MatchCount:
    """The 个次 under every reading, and which rows went where (Excel row numbers)."""

    mode: str                      # declared counting mode (按次 / 按时长)
    year: int
    hours_per_match: int
    declared: int                  # the count used: declared mode with per-row overrides
    per_record: int                # every counted row = 1
    hours_total: int               # floor(Σ hours / 8)
    hours_per_row: int             # Σ floor(hours / 8)
    counted: tuple[int, ...] = ()            # rows counted (no errors, ending in the year, first of duplicates)
    by_record_rows: int = 0        # rows counted 按次 under the declared reading
    by_hours_rows: int = 0         # rows counted 按时长 under the declared reading
    hours_declared: Fraction = Fraction(0)   # Σ hours of the 按时长 rows of the declared reading
    hours_all: Fraction = Fraction(0)        # Σ hours of every counted row
    error_rows: tuple[int, ...] = ()         # skipped: the validation report has an error on the row
    duplicate_rows: tuple[int, ...] = ()     # skipped: exact duplicate of an earlier row
    outside_year_rows: tuple[int, ...] = ()  # skipped: task ends outside the year
    undated_rows: tuple[int, ...] = ()       # skipped: no readable completion time
    spanning_rows: tuple[int, ...] = ()      # counted: started before the year, ended in it
    override_rows: tuple[int, ...] = ()      # counted with the mode named in its 备注
    ambiguous_rows: tuple[int, ...] = ()     # 备注 names both modes: declared mode used
    no_hours_rows: tuple[int, ...] = ()      # counted rows without usable hours (0 in the hour readings)

    @property
    def readings(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in READINGS}

    @property
    def excluded(self) -> int:
        return (len(self.error_rows) + len(self.duplicate_rows) + len(self.outside_year_rows)
                + len(self.undated_rows))


@dataclass(frozen=True)
class DemandTotal:
    """Σ需求人数 of the posts published in the year, and the rows left out."""

    year: int
    total: int
    counted: tuple[int, ...] = ()
    error_rows: tuple[int, ...] = ()
    outside_year_rows: tuple[int, ...] = ()
    unusable_rows: tuple[int, ...] = ()      # no readable 发布时间 or 需求人数 < 1


@dataclass
class _Tally:
    counted: list[int] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    outside: list[int] = field(default_factory=list)
    undated: list[int] = field(default_factory=list)
    spanning: list[int] = field(default_factory=list)
    override: list[int] = field(default_factory=list)
    ambiguous: list[int] = field(default_factory=list)
    no_hours: list[int] = field(default_factory=list)


def row_of(record: Any, position: int) -> int:
    """Return the Excel row of ``record`` (its ``row``), else ``position`` (records without one)."""
    row = getattr(record, "row", None)
    if row is None and isinstance(record, dict):
        row = record.get("row")
    return row if isinstance(row, int) else position


def moment(value: object) -> dt.datetime | None:
    """Return a cell's date or date-time as a date-time (a date at midnight); None for anything else."""
    if value is None or value is BAD:
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return None


def hours_fraction(value: object) -> Fraction | None:
    """Return the hours as an exact fraction, or None when missing, unreadable or not positive."""
    if value is None or value is BAD or isinstance(value, bool):
        return None
    if isinstance(value, float):   # only from hand-made records; read as the decimal it shows
        value = Decimal(repr(value))
    try:
        h = Fraction(value) if isinstance(value, (int, Decimal, Fraction)) else Fraction(Decimal(str(value)))
    except (ArithmeticError, ValueError, TypeError):
        return None
    return h if h > 0 else None


def _text(value: object) -> str:
    return "" if value is None or value is BAD else str(value).strip()


def row_mode(remark: object, declared: str, override_words: Mapping[str, Sequence[str]]) -> tuple[str, str]:
    """Return (mode, why) for one row: the mode its 备注 names, else the declared one.

    ``why`` is ``""`` (declared), ``"override"`` or ``"ambiguous"`` (备注 names both modes).
    """
    text = _text(remark)
    if not text:
        return declared, ""
    named = [mode for mode, words in override_words.items() if any(w in text for w in words)]
    if len(named) == 1:
        return named[0], ("override" if named[0] != declared else "")
    if len(named) > 1:
        return declared, "ambiguous"
    return declared, ""


def _has_unreadable(rec: object) -> bool:
    """True when a row holds a cell that could not be read (a merged-away cell, a formula error)."""
    values = rec.values if isinstance(rec, Record) else rec
    return isinstance(values, dict) and any(v is BAD for v in values.values())


def count_matches(rows: Sequence[Any], mode: str, year: int, policy: Policy, *,
                  error_rows: Collection[int] = frozenset()) -> MatchCount:
    """Return the 个次 of ``rows`` for service year ``year`` under every reading.

    Rows whose Excel row is in ``error_rows`` are skipped; of exact duplicates (same ID, start,
    end, place) the first counts; a task counts in the year in which it ends.
    """
    per_match = policy.counting.hours_per_match
    words = policy.counting.row_override
    t = _Tally()
    seen: set[tuple[object, ...]] = set()
    n_record = 0
    hours_declared = Fraction(0)
    hours_all = Fraction(0)
    per_row_sum = 0
    for position, rec in enumerate(rows, start=1):
        row = row_of(rec, position)
        if row in error_rows or _has_unreadable(rec):
            t.errors.append(row)
            continue
        start, end = moment(rec.get("start")), moment(rec.get("end"))
        key = record_key(_text(rec.get("id_number")), start, end, rec.get("place"))
        if key in seen:
            t.duplicates.append(row)
            continue
        seen.add(key)
        if end is None:
            t.undated.append(row)
            continue
        if end_year(end) != year:
            t.outside.append(row)
            continue
        if start is not None and start.year < year:
            t.spanning.append(row)
        t.counted.append(row)
        hours = hours_fraction(rec.get("hours"))
        if hours is None:
            t.no_hours.append(row)
        else:
            hours_all += hours
            per_row_sum += int(hours // per_match)
        used, why = row_mode(rec.get("remark"), mode, words)
        if why == "override":
            t.override.append(row)
        elif why == "ambiguous":
            t.ambiguous.append(row)
        if used == BY_HOURS:
            hours_declared += hours or 0
        else:
            n_record += 1
    n_hours_rows = len(t.counted) - n_record
    return MatchCount(
        mode=mode, year=year, hours_per_match=per_match,
        declared=n_record + int(hours_declared // per_match),
        per_record=len(t.counted),
        hours_total=int(hours_all // per_match),
        hours_per_row=per_row_sum,
        counted=tuple(t.counted), by_record_rows=n_record, by_hours_rows=n_hours_rows,
        hours_declared=hours_declared, hours_all=hours_all,
        error_rows=tuple(t.errors), duplicate_rows=tuple(t.duplicates),
        outside_year_rows=tuple(t.outside), undated_rows=tuple(t.undated),
        spanning_rows=tuple(t.spanning), override_rows=tuple(t.override),
        ambiguous_rows=tuple(t.ambiguous), no_hours_rows=tuple(t.no_hours),
    )


def sum_demand(posts: Sequence[Any], year: int, *, error_rows: Collection[int] = frozenset()) -> DemandTotal:
    """Return Σ需求人数 of the posts without errors published in ``year``."""
    total = 0
    counted, errors, outside, unusable = [], [], [], []
    for position, rec in enumerate(posts, start=1):
        row = row_of(rec, position)
        if row in error_rows or _has_unreadable(rec):
            errors.append(row)
            continue
        published = moment(rec.get("published"))
        demand = rec.get("demand")
        if published is None or not isinstance(demand, int) or isinstance(demand, bool) or demand < 1:
            unusable.append(row)
            continue
        if published.year != year:
            outside.append(row)
            continue
        counted.append(row)
        total += demand
    return DemandTotal(year=year, total=total, counted=tuple(counted), error_rows=tuple(errors),
                       outside_year_rows=tuple(outside), unusable_rows=tuple(unusable))

