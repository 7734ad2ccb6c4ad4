"""Task dates as the policy counts them.

A task that ends at exactly 00:00 ended with the previous day: work from 31 Dec 16:00 to
1 Jan 00:00 belongs to 31 Dec, and to that year (a task counts in the year in which it ends;
see docs/rules.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingong_docs.core.model import Application, Table

_MIDNIGHT = dt.time(0, 0)
MAX_TASK_DAYS = 366
"""A longer task is a typing error (1900-01-01 to 9999-12-31); no per-day work is done for it."""


def too_long(start: dt.datetime, end: dt.datetime) -> bool:
    """True when a task runs longer than ``MAX_TASK_DAYS`` (checked before any per-day work)."""
    return end - start > dt.timedelta(days=MAX_TASK_DAYS)


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
    if span <= 0 or too_long(start, end):
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


def most_common_year(years: Iterable[int]) -> int | None:
    """Return the year that occurs most often (the later one on a tie), or None for none."""
    counts: dict[int, int] = {}
    for y in years:
        counts[y] = counts.get(y, 0) + 1
    return max(counts, key=lambda y: (counts[y], y)) if counts else None


YEAR_BASIS = {
    "roster": "按花名册中多数任务的完成年度推定",
    "job_posts": "按附件4中多数岗位的发布年度推定",
    "application_date": "按申请日期的上一年推定",
}
"""How a missing 申请年度 was assumed, by the source used (``year_from_data``)."""


def _column(table: Table, key: str) -> Iterable[object]:
    """The values of field ``key``, from the reader's columns where it left them (no record made)."""
    read = table.read_columns
    if read is not None and key in read:
        return read[key]
    return (r.values.get(key) for r in table.records)


def year_from_data(app: Application) -> tuple[int | None, str | None]:
    """Return the service year to assume when none is given, and its basis (a ``YEAR_BASIS`` key).

    The year most roster tasks end in; else the year most job posts were published in; else, only
    where an application date is given, the year before it (one applies for the past year). Validate
    and compute both call this, so they always assume the same year.
    """
    if app.roster is not None:
        year = most_common_year(end_year(v) for v in _column(app.roster, "end") if isinstance(v, dt.datetime))
        if year is not None:
            return year, "roster"
    if app.job_posts is not None:
        year = most_common_year(v.year for v in _column(app.job_posts, "published") if isinstance(v, dt.datetime))
        if year is not None:
            return year, "job_posts"
    if app.info.application_date is not None:
        return app.info.application_date.year - 1, "application_date"
    return None, None
