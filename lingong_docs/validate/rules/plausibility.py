"""Numbers that cannot be true, hours typed as day fractions, rows the operator marked void.

The bounds are the policy file's ``plausibility`` section (a bureau may change them): a value no
real gig could have is an error, an unusual one a warning. A value that looks like a phone or an
ID number in a numeric column is said to be one. Every comparison here holds for any Decimal,
however large (1e300, Excel's 9.99999999999999E+307): nothing is rounded or formatted with a
fixed precision before it is compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import polars as pl

from lingong_docs.compute.counting import BY_HOURS
from lingong_docs.core import findings as F
from lingong_docs.core.model import Table
from lingong_docs.core.policy import Plausibility, Policy
from lingong_docs.validate.checks import finite, shown_number
from lingong_docs.validate.columnar.frame import cached_frame
from lingong_docs.validate.registry import Context, rule

NUMERIC_KEYS = {"roster": ("hours", "pay"), "job_posts": ("demand",)}
_DAY = Decimal(24)
_SPAN_TOLERANCE = Decimal("0.02")
_SMALLEST_LOOKALIKE = 10_000_000_000   # 11 digits: the shortest phone or ID number   # hours: =G-F shown as 0.33 is stored exactly; typed 0.33 is 7.92 h


def bounds(policy: Policy) -> Plausibility:
    """Return the policy's plausibility bounds."""
    return policy.plausibility


def looks_like(value: Any) -> str | None:
    """Return "phone" or "ID" when a number has the digits of a mobile number or an ID number."""
    if not finite(value) or value < _SMALLEST_LOOKALIKE:
        return None
    if isinstance(value, Decimal):
        if value >= Decimal("1e19"):
            return None
        if value != value.to_integral_value():
            return None
    digits = str(int(value))
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        return "phone"
    if len(digits) in (15, 18):
        return "ID"
    return None


_LOOKS = {"phone": ("number-looks-like-phone", "手机号码"), "ID": ("number-looks-like-id", "身份证号")}
LOOKALIKE_CODES = tuple(code for code, _ in _LOOKS.values())


def _looks_finding(table: Table, row: int, key: str, value: Any) -> F.Finding | None:
    kind = looks_like(value)
    if kind is None:
        return None
    code, what = _LOOKS[kind]
    return table.finding(code, row, key, value, what=what)


@rule("job_posts", codes=(*LOOKALIKE_CODES, "demand-implausible", "demand-unusual"))
def demand_bounds(ctx: Context, table: Table) -> Iterator[F.Finding]:
    b = bounds(ctx.policy)
    frame = cached_frame(ctx.cache, table)
    if not frame.has("demand"):
        return
    demand_f = pl.col("demand")
    for rec in frame.records((demand_f >= float(b.demand_warning)) | (demand_f >= _SMALLEST_LOOKALIKE)):
        demand = rec.values.get("demand")
        if not finite(demand):
            continue
        looks = _looks_finding(table, rec.row, "demand", demand)
        if looks is not None:
            yield looks
        elif demand > b.demand_error:
            yield table.finding("demand-implausible", rec.row, "demand", demand, limit=b.demand_error)
        elif demand > b.demand_warning:
            yield table.finding("demand-unusual", rec.row, "demand", demand, limit=b.demand_warning)


def _span_hours(values: Mapping[str, Any]) -> Decimal | None:
    start, end = values.get("start"), values.get("end")
    if not (isinstance(start, dt.datetime) and isinstance(end, dt.datetime)) or end <= start:
        return None
    return Decimal(int((end - start).total_seconds())) / Decimal(3600)


def is_day_fraction(hours: Any, span: Decimal | None) -> bool:
    """True when ``hours`` is the task's span as a fraction of a day (=完成时间-开始时间 in Excel)."""
    if span is None or not finite(hours) or hours <= 0 or hours >= 1 or span < 1:
        return False
    return abs(hours * _DAY - span) <= _SPAN_TOLERANCE


def day_fraction_rows(table: Table, below: Decimal) -> tuple[list[int], bool]:
    """Return (rows whose hours look like day fractions, whether every row with hours fits).

    A row fits when its hours are below ``below`` and are its span as a fraction of a day; the
    whole column fits when every positive hours value is below ``below``.
    """
    rows, all_below, any_hours = [], True, False
    for rec in table.records:
        hours = rec.values.get("hours")
        if not finite(hours) or hours <= 0:
            continue
        any_hours = True
        if hours >= below:
            all_below = False
        if hours < 1 and is_day_fraction(hours, _span_hours(rec.values)):
            rows.append(rec.row)
    return rows, any_hours and all_below


def _day_fraction_rows(frame, below: Decimal) -> tuple[list[int], bool]:
    """``day_fraction_rows`` on the frame: floats select the candidates, the exact test decides."""
    hours, span = pl.col("hours"), (pl.col("end") - pl.col("start")).dt.total_seconds() / 3600
    near = (hours <= 1) & (span >= 1 - 1e-9) & ((hours * 24 - span).abs() <= float(_SPAN_TOLERANCE) + 1e-6)
    rows = [rec.row for rec in frame.records(near)
            if finite(h := rec.values.get("hours")) and 0 < h < 1 and is_day_fraction(h, _span_hours(rec.values))]
    exact = frame.raw["hours"]
    high = frame.positions(hours >= float(below))
    all_below = not any(finite(exact[i]) and exact[i] > 0 and exact[i] >= below for i in high)
    any_hours = bool(frame.positions(hours > 0)) or any(
        finite(exact[i]) and exact[i] > 0 for i in frame.positions(hours == 0))
    return rows, any_hours and all_below


@rule("roster", codes=(*LOOKALIKE_CODES, "hours-implausible", "hours-day-fraction", "hours-day-fraction-suspect",
                        "hours-very-short"))
def hours_bounds(ctx: Context, table: Table) -> Iterator[F.Finding]:
    b = bounds(ctx.policy)
    frame = cached_frame(ctx.cache, table)
    if not frame.has("hours"):
        return
    by_hours = (ctx.app.info.counting_mode or "") == BY_HOURS
    has_span = frame.has("start") and frame.has("end")
    fraction_rows, all_below = _day_fraction_rows(frame, b.day_fraction_below) if has_span else ([], False)
    if not has_span:
        fraction_rows, all_below = day_fraction_rows(table, b.day_fraction_below)
    flagged = set(fraction_rows)
    hours_f = pl.col("hours")
    unusual = (hours_f <= float(b.hours_warning_below)) | (hours_f >= float(b.hours_error_above))
    if by_hours and all_below:
        flagged = {rec.row for rec in frame.records(hours_f.is_not_null())
                   if finite(h := rec.values.get("hours")) and h > 0}
    code = "hours-day-fraction" if by_hours else "hours-day-fraction-suspect"
    for rec in frame.records(unusual | pl.col("row").is_in(list(flagged))):
        hours = rec.values.get("hours")
        if not finite(hours) or hours <= 0:
            continue
        if b.hours_warning_below <= hours <= b.hours_error_above and rec.row not in flagged:
            continue    # the usual row (no phone or ID is that small): nothing to say
        looks = _looks_finding(table, rec.row, "hours", hours)
        if looks is not None:
            yield looks
        elif hours > b.hours_error_above:
            yield table.finding("hours-implausible", rec.row, "hours", hours, limit=shown_number(b.hours_error_above))
        elif rec.row in flagged:
            yield table.finding(code, rec.row, "hours", hours, hours=shown_number(hours),
                                times24=shown_number(hours * _DAY))
        elif hours < b.hours_warning_below:
            yield table.finding("hours-very-short", rec.row, "hours", hours,
                                limit=shown_number(b.hours_warning_below))


@rule("roster", codes=(*LOOKALIKE_CODES, "pay-implausible", "pay-per-hour-high"))
def pay_bounds(ctx: Context, table: Table) -> Iterator[F.Finding]:
    b = bounds(ctx.policy)
    frame = cached_frame(ctx.cache, table)
    if not frame.has("pay"):
        return
    pay_f = pl.col("pay")
    mask = (pay_f >= float(b.pay_error_above)) | (pay_f >= _SMALLEST_LOOKALIKE)
    if frame.has("hours"):
        mask = mask | (pay_f >= float(b.pay_per_hour_warning) * pl.col("hours") * (1 - 1e-9))
    for rec in frame.records(mask):
        pay, hours = rec.values.get("pay"), rec.values.get("hours")
        if not finite(pay) or pay <= 0:
            continue
        looks = _looks_finding(table, rec.row, "pay", pay)
        if looks is not None:
            yield looks
        elif pay > b.pay_error_above:
            yield table.finding("pay-implausible", rec.row, "pay", pay, limit=shown_number(b.pay_error_above))
        elif finite(hours) and hours > 0 and pay > b.pay_per_hour_warning * hours:
            yield table.finding("pay-per-hour-high", rec.row, "pay", pay, rate=shown_number(pay / hours),
                                limit=shown_number(b.pay_per_hour_warning))


@rule("roster", codes=("row-void",))
@rule("job_posts", codes=("row-void",))
def void_rows(ctx: Context, table: Table) -> Iterator[F.Finding]:
    """A row whose 备注 says it is void (作废, 已取消 …): counted only if the operator keeps it."""
    if "remark" not in table.columns:
        return
    words = bounds(ctx.policy).void_words
    if not words:
        return
    for rec in cached_frame(ctx.cache, table).records(pl.col("remark").str.contains_any(list(words))):
        remark = rec.values.get("remark")
        if not isinstance(remark, str):
            continue
        word = next((w for w in words if w in remark), None)
        if word is not None:
            yield table.finding("row-void", rec.row, "remark", remark, word=word)

