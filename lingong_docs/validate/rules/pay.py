"""Pay and payment method: hourly pay against the dated Beijing minimum, cash, unknown methods."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from lingong_docs.util.pii import mask
from lingong_docs.validate.checks import finite
from lingong_docs.validate.columnar.frame import cached_frame
from lingong_docs.validate.registry import rule


def _below_minimum_candidates(frame, policy) -> list:
    """Return the records whose pay per hour may lie below the minimum (floats with a margin)."""
    days = frame.df.select(pl.col("start").dt.date().unique().drop_nulls()).to_series().to_list()
    found = {day: policy.hourly_minimum(day) for day in days}
    known = [day for day, m in found.items() if m is not None]
    minimum = pl.col("start").dt.date().replace_strict(
        known, [float(found[day][0]) for day in known], default=None, return_dtype=pl.Float64)
    pay, hours = pl.col("pay"), pl.col("hours")
    below = pay < minimum * hours * (1 + 1e-9)
    return frame.records(minimum.is_not_null() & hours.is_not_null() & pay.is_not_null()
                         & (below | pay.is_infinite() | hours.is_infinite()))


@rule("roster", codes=("pay-below-minimum",))
def hourly_minimum(ctx, table):
    policy = ctx.policy
    frame = cached_frame(ctx.cache, table)
    if not {"pay", "hours", "start"} <= frame.df.schema.keys():
        return
    minimum_cache: dict[dt.date, tuple] = {}
    for rec in _below_minimum_candidates(frame, policy):
        v = rec.values
        pay, hours, start = v.get("pay"), v.get("hours"), v.get("start")
        if not (finite(pay) and finite(hours) and isinstance(start, dt.datetime)):
            continue
        if pay <= 0 or hours <= 0:
            continue
        day = start.date()
        if day not in minimum_cache:
            minimum_cache[day] = policy.hourly_minimum(day)
        found = minimum_cache[day]
        if found is None:
            continue
        minimum, source = found
        rate = Decimal(pay) / hours
        if rate < minimum:
            yield table.finding("pay-below-minimum", rec.row, "pay", pay,
                                rate=f"{rate.quantize(Decimal('0.01'), ROUND_HALF_UP)}",
                                minimum=f"{minimum}", source=source)


@rule("roster", codes=("payment-method-cash", "payment-method-unknown"))
def payment_method(ctx, table):
    roster = ctx.policy.roster
    allowed = list(roster.payment_methods)
    cash = roster.cash_words
    choices = "、".join(allowed)
    known = set(allowed)
    for aliases in roster.payment_method_aliases.values():
        known.update(aliases)
    frame = cached_frame(ctx.cache, table)
    if not frame.has("method"):
        return
    unknown = [m for m in frame.df["method"].unique().to_list() if m is not None and m not in known]
    for rec in frame.records(pl.col("method").is_in(unknown)):
        method = rec.values.get("method")
        if not isinstance(method, str) or method in known:
            continue
        is_cash = any(w in method.replace("非现金", "") for w in cash)
        if method.startswith(tuple(allowed)) and not is_cash:
            continue  # 银行转账（代发）: a standard name with a remark
        if is_cash:
            yield table.finding("payment-method-cash", rec.row, "method", method)
        else:
            yield table.finding("payment-method-unknown", rec.row, "method", method, choices=choices,
                                method=mask(method[:20], names=table.personal_names()))
