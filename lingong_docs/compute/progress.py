"""How the year went: cumulative 个次 and 需求人数 per month, and the subsidy of every reading.

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

from lingong_docs.compute.amounts import amounts
from lingong_docs.compute.counting import (
    BY_HOURS,
    READINGS,
    DemandTotal,
    MatchCount,
    _row_of,
    _when,
    hours_fraction,
    reading_labels,
    row_mode,
)
from lingong_docs.util.money import yuan


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
            policy: Any) -> Monthly:
    """Return the cumulative 个次 (declared reading) and 需求人数 at the end of each month of the year."""
    counted = set(count.counted)
    per_match = count.hours_per_match
    words = policy.counting.get("row_override") or {}
    records: list[int] = [0] * 13
    hours: list[Fraction] = [Fraction(0)] * 13
    for position, rec in enumerate(roster, start=1):
        end = _when(rec.get("end"))
        if _row_of(rec, position) not in counted or end is None:
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
        when = _when(rec.get("published"))
        if _row_of(rec, position) in published and when is not None:
            demands[when.month] += rec.get("demand") or 0
    months, n, h, d = [], 0, Fraction(0), 0
    for m in range(1, 13):
        n, h, d = n + records[m], h + hours[m], d + demands[m]
        months.append(Month(m, n + int(h // per_match), d))
    op, emp = policy.operating, policy.employment
    step = int(emp["step_matches"])
    steps = int(policy.money("employment_subsidy", "cap_per_agency") // policy.money("employment_subsidy", "step_amount"))
    lines = sorted({int(op["min_matches"])} | {step * k for k in range(1, steps + 1)})
    return Monthly(count.year, tuple(months), int(op["min_matches"]), int(op["min_demand"]), step, steps,
                   tuple(lines))


@dataclass(frozen=True)
class ReadingTier:
    """One reading of the count (第九条's 按时长 text is ambiguous) and the subsidies it would give."""

    key: str
    label: str
    count: int
    operating_passed: bool
    operating_subsidy: str     # yuan, formatted
    employment_subsidy: str
    same_tier: bool            # gives the same tier as the reading used

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "count": self.count, "passed": self.operating_passed,
                "operating": self.operating_subsidy, "employment": self.employment_subsidy,
                "same": self.same_tier}


def reading_tiers(demand_total: int, match_count: int, readings: dict[str, int], policy: Any,
                  hours_per_match: int) -> list[ReadingTier]:
    """Return, per reading of the count, the 个次 and the subsidies that reading gives (第九、十条)."""
    labels = reading_labels(hours_per_match)
    used = amounts(demand_total, match_count, policy).tier
    out = []
    for key in READINGS:
        count = readings.get(key)
        if count is None:
            continue
        a = amounts(demand_total, count, policy)
        out.append(ReadingTier(key, labels[key], count, a.operating_passed, yuan(a.operating_subsidy),
                               yuan(a.employment_subsidy), a.tier == used))
    return out
