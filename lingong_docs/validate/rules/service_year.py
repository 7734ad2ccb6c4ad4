"""The service year and the deadline (第十一、十六条), and the order of 序号.

A year the policy does not cover, or an application after the deadline, is said once where the
operator starts; so is a year that does not match the data (rather than one "时间不在申报年度"
per row: with the wrong year typed, every row would be wrong).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lingong_docs.core import findings as F
from lingong_docs.core.dates import most_common_year
from lingong_docs.core.model import Table
from lingong_docs.validate.columnar import cross_rows as columnar
from lingong_docs.validate.columnar.frame import Frame, cached_frame, end_day_expr
from lingong_docs.validate.registry import Context, rule

if TYPE_CHECKING:
    import polars as pl

MISMATCH_SHARE = 0.5   # more than half the dated rows outside the year: the year is wrong, not the rows


@rule("application", codes=("year-outside-policy", "deadline-passed"))
def year_and_deadline(ctx: Context) -> Iterator[F.Finding]:
    year, policy = ctx.year, ctx.policy
    if year is None:
        return
    # The application date only: a missing date is its own finding, and a report never depends on
    # the day it is run (compute's --as-of may judge another day).
    yield from policy.validity(year, ctx.application_date if ctx.is_folder else None)


def table_years(frame: Frame) -> pl.Series:
    """Return the year of every dated row: the task's end year (附件5) or the publication year (附件4)."""
    import polars as pl

    key = "end" if frame.table.kind == "roster" else "published"
    if not frame.has(key):
        return pl.Series("year", [], dtype=pl.Int32)
    when = pl.col(key).drop_nulls()
    year = end_day_expr(when).dt.year() if key == "end" else when.dt.year()
    return frame.df.select(year.alias("year")).to_series()


def year_mismatch(ctx: Context, table: Table) -> F.Finding | None:
    """Return one finding when most dated rows lie outside the service year (cached per table)."""
    key = ("year-mismatch", id(table))
    if key not in ctx.cache:
        ctx.cache[key] = None
        years = table_years(cached_frame(ctx.cache, table))
        outside = int((years != ctx.year).sum()) if ctx.year is not None else len(years)
        if ctx.year is not None and len(years) >= 2 and outside > MISMATCH_SHARE * len(years):
            ctx.cache[key] = F.make("year-mismatch", file=table.path.name, sheet=table.sheet, year=ctx.year,
                                    data_year=most_common_year(years.to_list()), outside=outside, total=len(years),
                                    table=table.spec.attachment)
    return ctx.cache[key]


@rule("roster", codes=("year-mismatch",))
@rule("job_posts", codes=("year-mismatch",))
def data_year(ctx: Context, table: Table) -> Iterator[F.Finding]:
    found = year_mismatch(ctx, table)
    if found is not None:
        yield found


@rule("roster", codes=("seq-gap", "seq-gaps-more", "seq-repeated"))
@rule("job_posts", codes=("seq-gap", "seq-gaps-more", "seq-repeated"))
def seq_order(ctx: Context, table: Table) -> list[F.Finding]:
    """序号 gaps and repeats: the printed table shows them, so the operator hears of them first."""
    return columnar.seq_order(cached_frame(ctx.cache, table), ctx.policy)
