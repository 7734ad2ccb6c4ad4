"""Rules across roster rows: duplicates, one ID with two names, overlaps, hours per day, phones.

Convention: a cross-row finding is attached to the rows that are "extra" — every duplicate after
the first, every row that overlaps an earlier task of the same person, every row of a person-day
over the limit, every row of the IDs beyond the allowed number on one phone. One ID with two names
marks the rows whose name is the odd one out (the name most rows of that ID carry is taken as the
usual one; on a tie, the name of the first row), one finding per odd row. Messages list the rows
involved (Excel numbers).

The rules run as group-by / sort operations over the table's columnar frame
(``validate.columnar.cross_rows``); this module registers them.
"""

from __future__ import annotations

from lingong_docs.validate.columnar import cross_rows as columnar
from lingong_docs.validate.columnar.frame import cached_frame
from lingong_docs.validate.registry import rule


@rule("roster", codes=("duplicate-row", "id-name-conflict"))
def duplicates_and_names(ctx, table):
    return columnar.duplicates_and_names(cached_frame(ctx.cache, table), ctx.policy)


@rule("roster", codes=("overlapping-tasks", "hours-over-24-per-day", "hours-over-11-per-day"))
def overlaps_and_daily_hours(ctx, table):
    return columnar.overlaps_and_daily_hours(cached_frame(ctx.cache, table), ctx.policy)


@rule("roster", codes=("phone-shared",))
def shared_phones(ctx, table):
    return columnar.shared_phones(cached_frame(ctx.cache, table), ctx.policy)
