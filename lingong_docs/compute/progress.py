"""How the year went: cumulative 个次 and 需求人数 per month, against the thresholds.

Both are read from the counting already done (``MatchCount``, ``DemandTotal``): a row counts in
the month in which its task ends (the year-end rule of ``counting``), a post in the month it was
published, and the 按时长 hours are floored once on the running total, exactly as the year's
count is. So the December figures are the year's figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from lingong_docs.compute.counting import BY_HOURS, DemandTotal, MatchCount, hours_fraction, moment, row_mode, row_of
from lingong_docs.core.policy import Policy


@dataclass(frozen=True)
class Month:
    month: int                 # 1–12
    matches: int               # cumulative 个次 (declared reading) at the month's end
    demand: int                # cumulative Σ需求人数 at the month's end

    def to_dict(self) -> dict[str, int]:
        return {"month": self.month, "matches": self.matches, "demand": self.demand}


@dataclass(frozen=True)
class Monthly:
    """Cumulative figures per month and the thresholds they are measured against (第九、十条)."""

    year: int
    months: tuple[Month, ...]
    min_matches: int           # 个次 the operating subsidy needs
    min_demand: int            # 需求人数 the operating subsidy needs
    step_matches: int          # each further step of the employment subsidy
    steps: int                 # steps up to the agency cap
    match_lines: tuple[int, ...] = field(default=())   # every 个次 threshold, ascending

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "months": [m.to_dict() for m in self.months],
                "min_matches": self.min_matches, "min_demand": self.min_demand,
                "step_matches": self.step_matches, "match_lines": list(self.match_lines)}


def monthly(roster: Sequence[Any], posts: Sequence[Any], count: MatchCount, demand: DemandTotal,
            policy: Policy) -> Monthly:
    """Return the cumulative 个次 (declared reading) and 需求人数 at the end of each month of the year."""
    counted = set(count.counted)
    per_match = count.hours_per_match
    words = dict(policy.counting.row_override)
    records: list[int] = [0] * 13
    hours: list[Fraction] = [Fraction(0)] * 13
    for position, rec in enumerate(roster, start=1):
        end = moment(rec.get("end"))
        if row_of(rec, position) not in counted or end is None:
            continue
        month = 12 if end.year != count.year else end.month
        used, _why = row_mode(rec.get("remark"), count.mode, words)
        if used == BY_HOURS:
            hours[month] += hours_fraction(rec.get("hours")) or 0
        else:
            records[month] += 1
    published = set(demand.counted)
    demands = [0] * 13
    for position, rec in enumerate(posts, start=1):
        when = moment(rec.get("published"))
        if row_of(rec, position) in published and when is not None:
            demands[when.month] += rec.get("demand") or 0
    months, n, h, d = [], 0, Fraction(0), 0
    for m in range(1, 13):
        n, h, d = n + records[m], h + hours[m], d + demands[m]
        months.append(Month(m, n + int(h // per_match), d))
    op, emp = policy.operating, policy.employment
    steps = int(emp.cap_per_agency // emp.step_amount)
    lines = sorted({op.min_matches} | {emp.step_matches * k for k in range(1, steps + 1)})
    return Monthly(count.year, tuple(months), op.min_matches, op.min_demand, emp.step_matches, steps, tuple(lines))
