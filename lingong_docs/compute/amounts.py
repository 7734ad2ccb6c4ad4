"""Subsidy amounts (第九、十条) and the per-agency cap shared across markets: pure functions.

Every amount, threshold and the cap come from the policy; money is Decimal yuan, two places.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from lingong_docs.core.policy import Policy
from lingong_docs.util.money import to_money

ZERO = to_money(0)
CAP_RULE = "proportional-largest-remainder"


def cap_rule_zh(step: Decimal) -> str:
    """Return the cap-sharing rule in Chinese, for people (``--explain``, README)."""
    return (f"按应得额比例分配，以每档{step:,.2f}元为单位：各市场先得比例份额中的整档，"
            "剩余的档依次给比例份额小数部分最大的市场（相同时应得额大者优先，再按市场名称排序），"
            "任何市场不超过其应得额")


@dataclass(frozen=True)
class Amounts:
    """What one market is entitled to, before the cap is shared with the agency's other markets."""

    demand: int
    count: int
    operating_passed: bool
    operating_subsidy: Decimal
    steps: int                       # whole steps of 5,000 个次 (0 when the operating test fails)
    employment_before_cap: Decimal   # step amount × steps
    employment_subsidy: Decimal      # after the agency cap, this market alone

    @property
    def tier(self) -> tuple[bool, Decimal]:
        """Operating pass/fail and the employment step reached, steps above the cap not told apart."""
        return self.operating_passed, self.employment_subsidy


def amounts(demand: int, count: int, policy: Policy) -> Amounts:
    """Return the subsidies of one market with ``demand`` 需求人数 and ``count`` 个次."""
    op = policy.operating
    emp = policy.employment
    passed = demand >= op.min_demand and count >= op.min_matches
    operating = op.amount if passed else ZERO
    eligible = passed or not emp.requires_operating
    steps = count // emp.step_matches if eligible else 0
    before = to_money(emp.step_amount * steps)
    cap = emp.cap_per_agency
    return Amounts(demand=demand, count=count, operating_passed=passed, operating_subsidy=operating,
                   steps=steps, employment_before_cap=before, employment_subsidy=min(before, cap))


def share_cap(entitled: list[Decimal], cap: Decimal, step: Decimal, names: list[str] | None = None
              ) -> list[Decimal]:
    """Return each market's employment subsidy when one agency's markets share ``cap``.

    Within the cap everyone keeps their entitlement. Above it the cap is shared in proportion to
    the entitlements, in whole steps (largest-remainder method): each market first gets the whole
    steps of its proportional share; the steps left over go one each to the largest fractional
    parts, ties to the larger entitlement, then to the market name, then the order given. No
    market gets more than it is entitled to and the shares add up to the cap. If the cap is not a
    whole number of steps, the remainder goes to the first market in that order still short.
    """
    entitled = [to_money(e) for e in entitled]
    if sum(entitled, ZERO) <= cap:
        return entitled
    names = names or [""] * len(entitled)
    units = [int(e // step) for e in entitled]
    total_units = sum(units)
    seats = int(cap // step)
    quotas = [Fraction(seats * u, total_units) if total_units else Fraction(0) for u in units]
    base = [int(q) for q in quotas]
    order = sorted(range(len(units)), key=lambda i: (-(quotas[i] - base[i]), -units[i], names[i], i))
    for i in order[:seats - sum(base)]:
        base[i] += 1
    granted = [to_money(step * b) for b in base]
    rest = cap - seats * step
    for i in order:
        if rest <= 0:
            break
        extra = min(rest, entitled[i] - granted[i])
        if extra > 0:
            granted[i] += extra
            rest -= extra
    return granted
