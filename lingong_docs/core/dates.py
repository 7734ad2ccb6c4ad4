"""Task dates as the policy counts them.

A task that ends at exactly 00:00 ended with the previous day: work from 31 Dec 16:00 to
1 Jan 00:00 belongs to 31 Dec, and to that year (DOMAIN.md §4: a task counts in the year in
which it ends).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

_MIDNIGHT = dt.time(0, 0)


def end_day(end: dt.datetime) -> dt.date:
    """Return the calendar day a task ending at ``end`` ended on (00:00 → the day before)."""
    if end.time() == _MIDNIGHT:
        return end.date() - dt.timedelta(days=1)
    return end.date()


def end_year(end: dt.datetime) -> int:
    """Return the year a task ending at ``end`` counts in."""
    return end_day(end).year


def hours_by_day(start: dt.datetime, end: dt.datetime, hours: Decimal) -> dict[dt.date, Decimal]:
    """Split ``hours`` over the calendar days of [start, end) in proportion to the time in each day."""
    span = Decimal(int((end - start).total_seconds()))
    if span <= 0:
        return {start.date(): hours}
    out: dict[dt.date, Decimal] = {}
    cursor = start
    while cursor < end:
        next_midnight = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), _MIDNIGHT)
        piece_end = min(end, next_midnight)
        share = Decimal(int((piece_end - cursor).total_seconds())) / span
        out[cursor.date()] = out.get(cursor.date(), Decimal(0)) + hours * share
        cursor = piece_end
    return out


def most_common_year(years) -> int | None:
    """Return the year that occurs most often (the later one on a tie), or None for none."""
    counts: dict[int, int] = {}
    for y in years:
        counts[y] = counts.get(y, 0) + 1
    return max(counts, key=lambda y: (counts[y], y)) if counts else None
