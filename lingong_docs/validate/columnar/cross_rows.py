"""The rules that compare rows with each other, as group-by / sort operations over the columnar frame.

duplicate-row, id-name-conflict, overlapping-tasks, hours-over-24/11-per-day, phone-shared (registered
in ``rules/cross_rows.py``, whose docstring states the conventions: which rows are "extra", the usual
name of an ID, …), duplicate-post (``rules/job_posts.py``) and seq-repeated, seq-gap, seq-gaps-more
(``rules/service_year.py``). They replaced row-wise rules and give exactly their findings (code, row,
column, value, message, severity, and order): the validate corpus (tests/test_validate_corpus.py,
goldens made with the row-wise engine) holds them to it.

How: per-value work (is an ID valid, a name or a place folded for comparison, a phone compacted)
runs once per distinct value; the comparisons are sorts, ``over`` windows and group-bys; Python
objects are made only for the rows a rule reports. Daily hours are summed in floating point to
find the person-days that may be over the limit (a margin wider than any rounding); only those
are summed again exactly, with ``Decimal`` and ``core.dates.hours_by_day``, as the policy counts.

The frame (``columnar.frame``) has one column per field key plus ``row`` (the Excel row), in the
reader's record order; a cell that is not of its column's type is null there, and the rules skip
it (as the row-wise rules did: ``isinstance`` checks on each value).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from lingong_docs.core import findings as F
from lingong_docs.core.dates import MAX_TASK_DAYS, hours_by_day
from lingong_docs.core.findings import rows_text
from lingong_docs.core.identity import canonical_id, place_key
from lingong_docs.identifiers import phone as phone_mod
from lingong_docs.validate.checks import round_cents, shown_number

if TYPE_CHECKING:
    from lingong_docs.core.policy import Policy
    from lingong_docs.validate.columnar.frame import Frame

MAX_SEQ_FINDINGS = 20            # as rules/service_year.py: at most this many 序号 repeats and gaps
_MARGIN = 0.01                   # float sums within this of the limit are summed again exactly
_NAME_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "∙": "·", "．": "·", ".": "·"})
_TIME = pl.Datetime("us")
_PEOPLE_COLUMNS = ("row", "id_number", "id_ok", "name", "phone", "place", "start", "end", "hours")
_PLAIN_ID = r"^[0-9]{17}[0-9X]$"          # an ID ``canonical_id`` leaves as it is
_PLAIN_MOBILE = r"^1[3-9][0-9]{9}$"       # a mobile number ``phone.compact`` leaves as it is (and valid)


def same_person_name(name: str) -> str:
    """Return a name for comparison: full-width folded, spaces removed, middle dots unified."""
    return "".join(unicodedata.normalize("NFKC", name).translate(_NAME_DOTS).split())


def cross_row_findings(frame: Frame, policy: Policy) -> list[F.Finding]:
    """Return the findings of every cross-row rule that applies to the frame's table, in the order
    the row-wise rules gave them (roster: duplicates and names, overlaps and daily hours, phones,
    序号; job posts: duplicate posts, 序号)."""
    rules = ROSTER_RULES if frame.table.kind == "roster" else JOB_POSTS_RULES
    return [f for fn in rules for f in fn(frame, policy)]


def duplicates_and_names(frame: Frame, policy: Policy) -> list[F.Finding]:
    """duplicate-row, then id-name-conflict (``rules.cross_rows.duplicates_and_names``)."""
    people = _people(frame)
    return [*_duplicates(people, frame), *_name_conflicts(people, frame)]


def overlaps_and_daily_hours(frame: Frame, policy: Policy) -> list[F.Finding]:
    """overlapping-tasks and hours-over-24/11-per-day, person by person in order of appearance."""
    tasks = _tasks(_people(frame))
    if tasks.is_empty():
        return []
    keyed = [*_overlaps(tasks, frame), *_daily_hours(tasks, policy, frame)]
    keyed.sort(key=lambda t: t[0])       # stable: within a person, overlaps first, then the days in order
    return [f for _key, f in keyed]


def shared_phones(frame: Frame, policy: Policy) -> list[F.Finding]:
    """phone-shared (``rules.cross_rows.shared_phones``)."""
    return list(_shared_phones(_people(frame), policy.roster.max_ids_per_phone, frame))


def duplicate_posts(frame: Frame, policy: Policy) -> list[F.Finding]:
    """duplicate-post (``rules.job_posts.duplicate_posts``)."""
    return list(_duplicate_posts(frame.df, frame))


def seq_order(frame: Frame, policy: Policy) -> list[F.Finding]:
    """seq-repeated, seq-gap, seq-gaps-more (``rules.service_year.seq_order``)."""
    return list(_seq_order(frame.df, frame))


ROSTER_RULES = (duplicates_and_names, overlaps_and_daily_hours, shared_phones, seq_order)
JOB_POSTS_RULES = (duplicate_posts, seq_order)


# ---- per distinct value ---------------------------------------------------------------------------


def _mapped(df: pl.DataFrame, column: str, fn: Callable[[Any], Any], dtype: pl.DataType,
            same: str | None = None) -> pl.Series:
    """Return ``fn`` of each value of ``column``, computed once per distinct value (null stays null).

    ``same``: a regular expression for values ``fn`` returns unchanged (a valid ID as the reader
    gives it): those are not passed to ``fn``.
    """
    values = df.get_column(column)
    todo = values.drop_nulls()
    if same is not None:
        todo = todo.filter(~todo.str.contains(same))
    distinct = todo.unique().to_list()
    if not distinct and values.dtype == dtype:    # every value null or left as it is (the usual ID column)
        return values
    out = values.replace_strict(distinct, [fn(v) for v in distinct], default=None, return_dtype=dtype)
    if same is not None:
        out = df.select(pl.when(pl.col(column).str.contains(same)).then(pl.col(column))
                        .otherwise(out)).to_series()
    return out


def _people(frame: Frame) -> pl.DataFrame:
    """Return the rows whose ID passes every ID check (``rules.identity.valid_ids``), numbered ``_pos``
    in record order, the ID as ``_id``, the person as ``_who`` (the position of their first row: a
    number to group by, in the order people appear)."""
    df = frame.df.select(c for c in _PEOPLE_COLUMNS if c in frame.df.columns).with_row_index("_pos")
    if "id_number" not in df.columns:
        return df.clear().with_columns(_id=pl.lit(None, pl.String), _who=pl.lit(None, pl.UInt32))
    return df.filter(pl.col("id_ok")).with_columns(_id=pl.col("id_number"), _who=pl.col("_pos").min().over("id_number"))


def _has(frame: pl.DataFrame, *columns: str) -> bool:
    return all(c in frame.columns for c in columns)


# ---- duplicate-row, id-name-conflict ---------------------------------------------------------------


def _duplicates(people: pl.DataFrame, frame: Frame) -> Iterator[F.Finding]:
    """Every row after the first with the same ``core.identity.record_key`` (person, times, place)."""
    if not _has(people, "start", "end", "place"):
        return
    rows = people.filter(pl.col("start").is_not_null() & pl.col("end").is_not_null() & pl.col("place").is_not_null())
    if rows.is_empty():
        return
    rows = rows.with_columns(
        _key_id=_mapped(rows, "_id", canonical_id, pl.String(), same=_PLAIN_ID),
        _key_place=_mapped(rows, "place", place_key, pl.String()),
        _key_start=pl.col("start").dt.truncate("1s"), _key_end=pl.col("end").dt.truncate("1s"))
    key = ["_key_id", "_key_start", "_key_end", "_key_place"]
    rows = rows.with_columns(_repeat=~pl.struct(key).is_first_distinct())
    if not rows.get_column("_repeat").any():
        return
    dups = rows.with_columns(_first=pl.col("row").first().over(key)).filter(pl.col("_repeat"))
    for row, id_number, first in dups.select("row", "_id", "_first").iter_rows():
        yield frame.finding("duplicate-row", row, "id_number", id_number, first=first)


def _name_conflicts(people: pl.DataFrame, frame: Frame) -> Iterator[F.Finding]:
    """Rows whose name is not the usual one of their ID: the most frequent, on a tie the first row's."""
    if "name" not in people.columns:
        return
    named = people.filter(pl.col("name").is_not_null())
    named = named.filter(pl.col("name").n_unique().over("_who") > 1)      # two spellings at least
    if named.is_empty():
        return
    named = named.with_columns(_nm=_mapped(named, "name", same_person_name, pl.String()))
    odd = named.filter(pl.col("_nm").n_unique().over("_who") > 1)
    by_id: dict[str, list[tuple[int, str, str]]] = {}
    for id_number, row, name, nm in odd.select("_id", "row", "name", "_nm").iter_rows():
        by_id.setdefault(id_number, []).append((row, name, nm))
    for entries in by_id.values():
        yield from _odd_names(entries, frame)


def _odd_names(entries: list[tuple[int, str, str]], frame: Frame) -> Iterator[F.Finding]:
    """The findings for one ID's rows (row, name, name as compared), in record order."""
    counts: dict[str, int] = {}
    for _row, _name, nm in entries:
        counts[nm] = counts.get(nm, 0) + 1
    first = min(entries)[2]
    usual = max(counts, key=lambda n: (counts[n], n == first))
    usual_rows = sorted(row for row, _name, nm in entries if nm == usual)
    shown = next(name for row, name, _nm in entries if row == usual_rows[0])
    text = rows_text(usual_rows)
    for row, name, _nm in sorted(e for e in entries if e[2] != usual):
        yield frame.finding("id-name-conflict", row, "name", name, usual=shown, others=len(usual_rows), rows=text)


# ---- overlapping-tasks, hours per day ---------------------------------------------------------------

Keyed = tuple[tuple[int, int], F.Finding]
"""A finding with its place in the row-wise order: (the person's first task, 0 overlaps / 1 days)."""


def _tasks(people: pl.DataFrame) -> pl.DataFrame:
    """Return each person's plausible tasks sorted by (person, start, end, row), exact repeats left
    out; ``_who`` becomes the position of the person's first plausible task (the row-wise rule's
    order of people).

    A row that repeats an earlier task exactly (same start, end and place as written) is reported
    as duplicate-row, not as an overlap, and its hours are not counted twice.
    """
    if not _has(people, "start", "end"):
        return people.clear()
    span = pl.col("end") - pl.col("start")
    place = pl.col("place") if "place" in people.columns else pl.lit(None, pl.String)
    hours = pl.col("hours") if "hours" in people.columns else pl.lit(None, pl.Float64)
    plausible = (pl.col("start") < pl.col("end")) & (span <= pl.duration(days=MAX_TASK_DAYS))
    tasks = (people.lazy().filter(plausible.fill_null(False))
             .select(pl.col("_pos").min().over("_who").alias("_who"),    # the first of the person's tasks
                     "_pos", "row", "start", "end", place.alias("place"), hours.alias("hours"))
             .sort("_who", "start", "end", "row").collect())
    # An exact repeat has the same person, start and end as its neighbour in this order: only
    # such runs are compared with their places.
    same = ((pl.col("_who") == pl.col("_who").shift(1)) & (pl.col("start") == pl.col("start").shift(1))
            & (pl.col("end") == pl.col("end").shift(1))).fill_null(False)
    tasks = tasks.with_row_index("_i")
    runs = tasks.filter(same | same.shift(-1).fill_null(False))
    repeats = runs.filter(~pl.struct("_who", "start", "end", "place").is_first_distinct()).get_column("_i")
    keep = pl.repeat(True, tasks.height, dtype=pl.Boolean, eager=True).scatter(repeats, False)
    return tasks.filter(keep).drop("_i")


def _overlaps(tasks: pl.DataFrame, frame: Frame) -> Iterator[Keyed]:
    """A task that starts before the latest end of the same person's earlier tasks."""
    # Tasks are sorted by person: a running maximum over a key that puts each person above everyone
    # before (person number × (n + 1) + rank of the end) is each person's latest end so far, with
    # no per-person window (slow with many people).
    same = (pl.col("_who") == pl.col("_who").shift(1)).fill_null(False)
    key = ((~pl.col("_same")).cum_sum().cast(pl.Int64) * (tasks.height + 1)
           + pl.col("end").rank("dense").cast(pl.Int64))
    reached = ~pl.col("_same") | (pl.col("_top") != pl.col("_top").shift(1))    # a new latest end: this row's
    found = (tasks.lazy().select("_who", "row", "start", "end").with_columns(_same=same)
             .with_columns(_top=key.cum_max())
             .with_columns(_latest=pl.when(reached).then(pl.col("end")).forward_fill(),
                           _latest_row=pl.when(reached).then(pl.col("row")).forward_fill())
             .with_columns(_before=pl.col("_latest").shift(1), _before_row=pl.col("_latest_row").shift(1))
             .filter(pl.col("_same") & (pl.col("start") < pl.col("_before"))).collect())
    for who, row, start, before in found.select("_who", "row", "start", "_before_row").iter_rows():
        yield (who, 0), frame.finding("overlapping-tasks", row, "start", start, rows=rows_text([before, row]))


def _day_parts(tasks: pl.DataFrame) -> pl.DataFrame:
    """Return one line per task and calendar day it touches, with its share of the hours (float),
    the days split by the time in each as ``core.dates.hours_by_day`` does; in the tasks' order."""
    first = pl.col("start").dt.date()
    days = ((pl.col("end") - pl.duration(microseconds=1)).dt.date() - first).dt.total_days() + 1
    midnight = pl.col("_day").cast(_TIME)
    piece = (pl.min_horizontal(pl.col("end"), midnight + pl.duration(days=1))
             - pl.max_horizontal(pl.col("start"), midnight))
    share = piece.dt.total_seconds() / (pl.col("end") - pl.col("start")).dt.total_seconds()
    return (tasks.lazy().select("_who", "_pos", "row", "start", "end", "hours")
            .with_columns(_k=pl.int_ranges(0, days)).explode("_k")
            .with_columns(_day=first + pl.duration(days=pl.col("_k")))
            .with_columns(_part=pl.col("hours") * share).collect())


def _daily_hours(tasks: pl.DataFrame, policy: Policy, frame: Frame) -> Iterator[Keyed]:
    """Every row of a person-day whose hours add up to more than the policy's daily limits.

    The float sums only choose the person-days to look at (any that may be over, with a margin);
    those are summed exactly from ``hours_exact`` (a float may have lost a tiny positive value).
    """
    if "hours" not in tasks.columns or "hours_exact" not in frame.df.columns:
        return
    hard, soft = policy.roster.max_hours_per_day, policy.roster.warn_hours_per_day
    parts = _day_parts(tasks.filter(pl.col("hours") >= 0))
    total = pl.col("_part").sum().over("_who", "_day")
    maybe = parts.filter((total > float(soft) - _MARGIN) | total.is_infinite())
    exact = frame.df.get_column("hours_exact").gather(maybe.get_column("_pos")).to_list()
    days: dict[tuple[int, dt.date], list[tuple[int, int, dt.datetime, dt.datetime, Any]]] = {}
    for (who, day, row, start, end), value in zip(maybe.select("_who", "_day", "row", "start", "end").iter_rows(),
                                                  exact):
        if value > 0:
            days.setdefault((who, day), []).append((who, row, start, end, value))
    for (_who, day), entries in days.items():
        yield from _day_findings(entries, day, hard, soft, frame)


def _day_findings(entries: list[tuple[int, int, dt.datetime, dt.datetime, Any]], day: dt.date, hard: Decimal,
                  soft: Decimal, frame: Frame) -> Iterator[Keyed]:
    """Sum one person-day exactly as the policy counts; the findings for its rows when over."""
    total = round_cents(sum((hours_by_day(start, end, Decimal(v))[day] for _w, _r, start, end, v in entries),
                            Decimal(0)))
    if total <= soft:
        return
    code = "hours-over-24-per-day" if total > hard else "hours-over-11-per-day"
    text = rows_text(row for _w, row, *_rest in entries)
    for who, row, _start, _end, value in entries:
        yield (who, 1), frame.finding(code, row, "hours", value, date=f"{day.year}年{day.month}月{day.day}日",
                                      hours=shown_number(total), rows=text)


# ---- phone-shared -----------------------------------------------------------------------------------


def _shared_phones(people: pl.DataFrame, limit: int, frame: Frame) -> Iterator[F.Finding]:
    """The rows of every ID beyond the first ``limit`` (in order of appearance) on one valid phone."""
    if "phone" not in people.columns:
        return
    phones = people.filter(pl.col("phone").is_not_null())
    plain = pl.col("phone").str.contains(_PLAIN_MOBILE)
    odd = phones.filter(~plain)
    odd = odd.with_columns(_phone=_mapped(odd, "phone", phone_mod.compact, pl.String()),
                           _ok=_mapped(odd, "phone", lambda v: not phone_mod.check(v), pl.Boolean()))
    phones = pl.concat([phones.filter(plain).with_columns(_phone=pl.col("phone")),
                        odd.filter(pl.col("_ok")).drop("_ok")]).sort("_pos")
    shared = phones.filter(pl.col("_who").n_unique().over("_phone") > limit)
    people_of: dict[str, dict[str, list[int]]] = {}
    for number, id_number, row in shared.select("_phone", "_id", "row").iter_rows():
        people_of.setdefault(number, {}).setdefault(id_number, []).append(row)
    for number, by_id in people_of.items():
        text = rows_text(r for rows in by_id.values() for r in rows)
        for extra in list(by_id)[limit:]:
            for row in by_id[extra]:
                yield frame.finding("phone-shared", row, "phone", number, count=len(by_id), rows=text)


# ---- duplicate-post, 序号 --------------------------------------------------------------------------


def _duplicate_posts(df: pl.DataFrame, frame: Frame) -> Iterator[F.Finding]:
    """Every job post after the first with the same title, category and publication day."""
    if not _has(df, "title", "category", "published"):
        return
    posts = df.filter(pl.col("title").is_not_null() & pl.col("category").is_not_null()
                      & pl.col("published").is_not_null()).with_columns(_day=pl.col("published").dt.date())
    key = ["title", "category", "_day"]
    dups = posts.with_columns(_first=pl.col("row").first().over(key)).filter(~pl.struct(key).is_first_distinct())
    for row, title, first in dups.select("row", "title", "_first").iter_rows():
        yield frame.finding("duplicate-post", row, "title", title, first=first)


def _seq_order(df: pl.DataFrame, frame: Frame) -> Iterator[F.Finding]:
    """序号 repeated (after its first row) and gaps between the numbers used, 20 of each at most."""
    if "seq" not in df.columns:
        return
    seqs = df.filter(pl.col("seq").is_not_null()).select("row", "seq")
    if seqs.height < 2:
        return
    if not seqs.schema["seq"].is_integer():      # 序号 beyond a 64-bit integer (10**300): Python ints
        yield from _seq_findings(list(seqs.iter_rows()), frame)
        return
    seqs = seqs.with_columns(_first=pl.col("row").first().over("seq"))
    repeated = seqs.filter(~pl.col("seq").is_first_distinct()).head(MAX_SEQ_FINDINGS)
    for row, seq, first in repeated.iter_rows():
        yield frame.finding("seq-repeated", row, "seq", seq, first=first)
    used = seqs.group_by("seq").agg(pl.col("_first").first()).sort("seq")
    gaps = used.with_columns(_before=pl.col("seq").shift(1)).filter(pl.col("seq") - pl.col("_before") > 1)
    for seq, first, before in gaps.head(MAX_SEQ_FINDINGS).select("seq", "_first", "_before").iter_rows():
        yield frame.finding("seq-gap", first, "seq", seq, before=before, after=seq)
    yield from _more_gaps(gaps.height, frame)


def _seq_findings(seqs: list[tuple[int, int]], frame: Frame) -> Iterator[F.Finding]:
    """The 序号 findings for (row, seq) pairs in record order, one by one (the rare out-of-range case)."""
    first_row: dict[int, int] = {}
    shown = 0
    for row, seq in seqs:
        if seq in first_row and shown < MAX_SEQ_FINDINGS:
            shown += 1
            yield frame.finding("seq-repeated", row, "seq", seq, first=first_row[seq])
        first_row.setdefault(seq, row)
    ordered = sorted(first_row)
    gaps = [(a, b) for a, b in zip(ordered, ordered[1:]) if b - a > 1]
    for a, b in gaps[:MAX_SEQ_FINDINGS]:
        yield frame.finding("seq-gap", first_row[b], "seq", b, before=a, after=b)
    yield from _more_gaps(len(gaps), frame)


def _more_gaps(count: int, frame: Frame) -> Iterator[F.Finding]:
    if count > MAX_SEQ_FINDINGS:
        table = frame.table
        yield F.make("seq-gaps-more", file=table.path.name, sheet=table.sheet, count=count - MAX_SEQ_FINDINGS)
