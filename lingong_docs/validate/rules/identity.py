"""Rules derived from the ID number: birth date against the task, age bands (docs/rules.md §7)."""

from __future__ import annotations

import datetime as dt

from lingong_docs.identifiers import idcard
from lingong_docs.validate.registry import rule


def valid_ids(ctx, table) -> dict[int, str]:
    """Return {Excel row: ID} for rows whose ID passes every ID check (cached per table)."""
    key = ("valid_ids", id(table))
    if key not in ctx.cache:
        out = {}
        for rec in table.records:
            v = rec.values.get("id_number")
            if isinstance(v, str) and idcard.check(v) is None:
                out[rec.row] = v
        ctx.cache[key] = out
    return ctx.cache[key]


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@rule("roster", codes=("age-implausible", "age-minor", "age-retirement", "age-under-16", "birth-after-task"))
def ages(ctx, table):
    limits = ctx.policy.roster
    min_age, minor_age = limits.min_age, limits.minor_age
    max_age = limits.plausible_max_age
    retire = limits.retirement_age
    ids = valid_ids(ctx, table)
    births: dict[str, dt.date] = {}
    for rec in table.records:
        id_number = ids.get(rec.row)
        start = rec.values.get("start")
        if id_number is None or not isinstance(start, dt.datetime):
            continue
        born = births.get(id_number) or idcard.birth_date(id_number)
        if born is None:
            continue   # a valid ID always has a real birth date; be safe anyway
        births[id_number] = born
        day = start.date()
        if born > day:
            yield table.finding("birth-after-task", rec.row, "id_number", id_number)
            continue
        age = age_on(born, day)
        if age < min_age:
            yield table.finding("age-under-16", rec.row, "id_number", id_number, age=age)
        elif age < minor_age:
            yield table.finding("age-minor", rec.row, "id_number", id_number, age=age)
        elif age >= max_age:
            yield table.finding("age-implausible", rec.row, "id_number", id_number, age=age)
        elif age >= (retire.male if idcard.is_male(id_number) else retire.female):
            yield table.finding("age-retirement", rec.row, "id_number", id_number, age=age)
