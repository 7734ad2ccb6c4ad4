"""Task times and hours: order, year, application date, hours against the span (docs/rules.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from lingong_docs.core.dates import MAX_TASK_DAYS, end_day, end_year, too_long
from lingong_docs.util.money import cn_date
from lingong_docs.validate.checks import finite, shown_number
from lingong_docs.validate.columnar.frame import cached_frame, end_day_expr
from lingong_docs.validate.registry import rule
from lingong_docs.validate.rules.service_year import year_mismatch

_HOUR = Decimal(3600)


def span_hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    return Decimal(int((end - start).total_seconds())) / _HOUR


def _task_time_candidates(frame, year: int | None, app_date: dt.date | None) -> pl.Expr:
    """Rows ``task_times`` may report: a superset, decided row by row by ``_task_time_findings``."""
    start, end = pl.col("start"), pl.col("end")
    both = start.is_not_null() & end.is_not_null()
    seconds = (end - start).dt.total_seconds()
    mask = both & ((start >= end) | ((end - start) > pl.duration(days=MAX_TASK_DAYS)))
    if year is not None:
        mask = mask | (start.dt.year() != year) | (end_day_expr(end).dt.year() != year)
    if app_date is not None:
        mask = mask | (start.dt.date() > app_date) | (end_day_expr(end) > app_date)
    if frame.has("hours"):
        hours_u = pl.col("hours_u")
        mask = mask | (both & pl.col("hours").is_not_null()
                       & (hours_u.is_null() | (hours_u * 3600 > seconds * 1_000_000)))
    return mask


@rule("roster", codes=("after-application-date", "hours-exceed-span", "start-not-before-end", "task-spans-year-end", "task-times-missing", "task-too-long", "time-outside-year"))
def task_times(ctx, table):
    year = None if year_mismatch(ctx, table) else ctx.year   # a wrong year is said once
    app_date = ctx.application_date
    frame = cached_frame(ctx.cache, table)
    if not {"start", "end"} <= frame.df.schema.keys():
        for rec in table.records:
            yield from _task_time_findings(table, rec, year, app_date)
        return
    for rec in frame.records(_task_time_candidates(frame, year, app_date)):
        yield from _task_time_findings(table, rec, year, app_date)


def _task_time_findings(table, rec, year: int | None, app_date: dt.date | None):
    v = rec.values
    start, end = v.get("start"), v.get("end")
    s_ok, e_ok = isinstance(start, dt.datetime), isinstance(end, dt.datetime)
    if s_ok and e_ok and start >= end:
        if start == end and start.time() == dt.time(0):
            yield table.finding("task-times-missing", rec.row, "start", start)
        else:
            yield table.finding("start-not-before-end", rec.row, "start", start)
        return
    if s_ok and e_ok and too_long(start, end):
        yield table.finding("task-too-long", rec.row, "end", end, days=MAX_TASK_DAYS)
    if year is not None:
        e_year = end_year(end) if e_ok else None
        spans_year_end = s_ok and e_ok and start.year == year - 1 and e_year == year
        if spans_year_end:
            yield table.finding("task-spans-year-end", rec.row, "start", start, year=year - 1)
        elif s_ok and start.year != year:
            yield table.finding("time-outside-year", rec.row, "start", start, year=year)
        if e_ok and e_year != year:
            yield table.finding("time-outside-year", rec.row, "end", end, year=year)
    if app_date is not None:
        if s_ok and start.date() > app_date:
            yield table.finding("after-application-date", rec.row, "start", start, date=cn_date(app_date))
        if e_ok and end_day(end) > app_date:
            yield table.finding("after-application-date", rec.row, "end", end, date=cn_date(app_date))
    hours = v.get("hours")
    if s_ok and e_ok and finite(hours) and hours > 0:
        span = span_hours(start, end)
        if hours > span:
            yield table.finding("hours-exceed-span", rec.row, "hours", hours,
                                hours=_fmt(hours), span=_fmt(span))


@rule("job_posts", codes=("after-application-date", "time-outside-year"))
def post_dates(ctx, table):
    year = None if year_mismatch(ctx, table) else ctx.year
    app_date = ctx.application_date
    if year is None and app_date is None:
        return
    when = pl.col("published")
    mask = pl.lit(False)
    if year is not None:
        mask = mask | (when.dt.year() != year)
    if app_date is not None:
        mask = mask | (when.dt.date() > app_date)
    frame = cached_frame(ctx.cache, table)
    records = frame.records(mask) if frame.has("published") else []
    for rec in records:
        published = rec.values.get("published")
        if not isinstance(published, dt.datetime):
            continue
        if year is not None and published.year != year:
            yield table.finding("time-outside-year", rec.row, "published", published, year=year)
        elif app_date is not None and published.date() > app_date:
            yield table.finding("after-application-date", rec.row, "published", published,
                                date=cn_date(app_date))


def _fmt(value: int | Decimal) -> str:
    return shown_number(value)
