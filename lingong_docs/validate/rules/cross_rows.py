"""Rules across roster rows: duplicates, one ID with two names, overlaps, hours per day, phones.

Convention: a cross-row finding is attached to the rows that are "extra" — every duplicate after
the first, every row that overlaps an earlier task of the same person, every row of a person-day
over the limit, every row of the IDs beyond the allowed number on one phone. One ID with two names
marks the rows whose name is the odd one out (the name most rows of that ID carry is taken as the
usual one; on a tie, the name of the first row), one finding per odd row. Messages list the rows
involved (Excel numbers).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from decimal import Decimal

from lingong_docs.core.dates import hours_by_day, too_long
from lingong_docs.core.findings import rows_text
from lingong_docs.core.identity import record_key
from lingong_docs.identifiers import phone as phone_mod
from lingong_docs.validate.checks import finite, round_cents, shown_number
from lingong_docs.validate.registry import rule
from lingong_docs.validate.rules.identity import valid_ids

_NAME_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "∙": "·", "．": "·", ".": "·"})


def same_person_name(name: str) -> str:
    """Return a name for comparison: full-width folded, spaces removed, middle dots unified."""
    return "".join(unicodedata.normalize("NFKC", name).translate(_NAME_DOTS).split())


@rule("roster", codes=("duplicate-row", "id-name-conflict"))
def duplicates_and_names(ctx, table):
    ids = valid_ids(ctx, table)
    names_of: dict[str, dict[int, str]] = defaultdict(dict)     # id → {row: name as compared}
    rows_of: dict[str, list[int]] = defaultdict(list)
    seen: dict[tuple, int] = {}
    for rec in table.records:
        id_number = ids.get(rec.row)
        if id_number is None:
            continue
        v = rec.values
        name = v.get("name")
        rows_of[id_number].append(rec.row)
        if isinstance(name, str):
            names_of[id_number][rec.row] = same_person_name(name)
        start, end, place = v.get("start"), v.get("end"), v.get("place")
        if isinstance(start, dt.datetime) and isinstance(end, dt.datetime) and isinstance(place, str):
            key = record_key(id_number, start, end, place)
            if key in seen:
                yield table.finding("duplicate-row", rec.row, "id_number", id_number, first=seen[key])
            else:
                seen[key] = rec.row
    yield from _name_conflicts(table, names_of)


def _name_conflicts(table, names_of: dict[str, dict[int, str]]):
    """One finding per row whose name differs from the usual name of its ID (see the module doc)."""
    names_at = {rec.row: rec.values.get("name") for rec in table.records}
    for by_row in names_of.values():
        if len(set(by_row.values())) < 2:
            continue
        counts: dict[str, int] = defaultdict(int)
        for name in by_row.values():
            counts[name] += 1
        first = by_row[min(by_row)]
        usual = max(counts, key=lambda n: (counts[n], n == first))
        usual_rows = sorted(r for r, n in by_row.items() if n == usual)
        shown = names_at.get(usual_rows[0])
        for row in sorted(r for r, n in by_row.items() if n != usual):
            yield table.finding("id-name-conflict", row, "name", names_at.get(row), usual=shown,
                                others=len(usual_rows), rows=rows_text(usual_rows))


@rule("roster", codes=("overlapping-tasks", "hours-over-24-per-day", "hours-over-11-per-day"))
def overlaps_and_daily_hours(ctx, table):
    ids = valid_ids(ctx, table)
    limits = ctx.policy.roster
    hard, soft = limits.max_hours_per_day, limits.warn_hours_per_day
    tasks: dict[str, list] = defaultdict(list)
    hours_of: dict[int, object] = {}
    for rec in table.records:
        id_number = ids.get(rec.row)
        v = rec.values
        start, end = v.get("start"), v.get("end")
        if id_number is None or not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
            continue
        if start >= end or too_long(start, end):
            continue  # an implausible span is its own finding (task-too-long)
        tasks[id_number].append((start, end, rec.row, v.get("place"), v.get("hours")))
        hours_of[rec.row] = v.get("hours")
    for items in tasks.values():
        if len(items) > 1:
            items.sort()
            latest_end, latest_row = None, 0
            seen_exact = set()
            for start, end, row, place, _hours in items:
                exact = (start, end, place)
                if exact in seen_exact:
                    continue  # an exact duplicate is reported as duplicate-row, not as overlap
                seen_exact.add(exact)
                if latest_end is not None and start < latest_end:
                    yield table.finding("overlapping-tasks", row, "start", start,
                                        rows=rows_text([latest_row, row]))
                if latest_end is None or end > latest_end:
                    latest_end, latest_row = end, row
        per_day: dict[dt.date, list] = defaultdict(list)
        seen_exact = set()
        for start, end, row, place, hours in items:
            if (start, end, place) in seen_exact:
                continue
            seen_exact.add((start, end, place))
            if finite(hours) and hours > 0:
                # A night shift's hours belong partly to each calendar day it touches.
                for day, part in hours_by_day(start, end, Decimal(hours)).items():
                    per_day[day].append((row, part))
        for day, entries in per_day.items():
            total = round_cents(sum((h for _, h in entries), Decimal(0)))
            if total <= soft:
                continue
            code = "hours-over-24-per-day" if total > hard else "hours-over-11-per-day"
            rows = [r for r, _ in entries]
            text = rows_text(rows)
            for r, _part in entries:
                yield table.finding(code, r, "hours", hours_of[r], date=f"{day.year}年{day.month}月{day.day}日",
                                    hours=shown_number(total), rows=text)


@rule("roster", codes=("phone-shared",))
def shared_phones(ctx, table):
    ids = valid_ids(ctx, table)
    limit = ctx.policy.roster.max_ids_per_phone
    by_phone: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for rec in table.records:
        id_number = ids.get(rec.row)
        number = rec.values.get("phone")
        if id_number is None or not isinstance(number, str) or phone_mod.check(number):
            continue
        by_phone[phone_mod.compact(number)].setdefault(id_number, []).append(rec.row)
    for number, people in by_phone.items():
        if len(people) <= limit:
            continue
        all_rows = [r for rows in people.values() for r in rows]
        text = rows_text(all_rows)
        for extra in list(people)[limit:]:
            for r in people[extra]:
                yield table.finding("phone-shared", r, "phone", number, count=len(people), rows=text)
