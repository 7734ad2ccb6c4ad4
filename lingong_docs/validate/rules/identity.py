"""Rules derived from the ID number: birth date against the task, age bands (docs/rules.md §7)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from lingong_docs.identifiers import idcard
from lingong_docs.validate.columnar.frame import cached_frame
from lingong_docs.validate.registry import rule


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _month_day(day: pl.Expr) -> pl.Expr:
    return day.dt.month().cast(pl.Int32) * 100 + day.dt.day().cast(pl.Int32)


@rule("roster", codes=("age-implausible", "age-minor", "age-retirement", "age-under-16", "birth-after-task"))
def ages(ctx, table):
    limits = ctx.policy.roster
    retire = limits.retirement_age
    frame = cached_frame(ctx.cache, table)
    if not {"id_number", "start"} <= frame.df.schema.keys():
        return
    dated = frame.df.with_row_index("pos").filter(pl.col("id_ok") & pl.col("start").is_not_null())
    people = idcard.births(dated["id_number"].unique())     # birth date and sex of each distinct valid ID
    day, born = pl.col("start").dt.date(), pl.col("born")
    before_birthday = _month_day(day) < _month_day(born)
    age = day.dt.year().cast(pl.Int64) - born.dt.year().cast(pl.Int64) - before_birthday.cast(pl.Int64)
    code = (pl.when(born > day).then(pl.lit("birth-after-task"))
            .when(pl.col("age") < limits.min_age).then(pl.lit("age-under-16"))
            .when(pl.col("age") < limits.minor_age).then(pl.lit("age-minor"))
            .when(pl.col("age") >= limits.plausible_max_age).then(pl.lit("age-implausible"))
            .when(pl.col("age") >= pl.when(pl.col("male")).then(retire.male).otherwise(retire.female))
            .then(pl.lit("age-retirement")))
    found = (dated.join(people, on="id_number", how="inner").filter(born.is_not_null())
             .with_columns(age.alias("age")).with_columns(code.alias("code"))
             .filter(pl.col("code").is_not_null()).sort("pos"))
    for pos, found_code, years in found.select("pos", "code", "age").iter_rows():
        id_number = frame.raw["id_number"][pos]
        if found_code == "birth-after-task":
            yield table.finding(found_code, frame.rows[pos], "id_number", id_number)
        else:
            yield table.finding(found_code, frame.rows[pos], "id_number", id_number, age=years)
