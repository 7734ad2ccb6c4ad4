"""Counting 个次, summing 需求人数, amounts and the cap: the pure functions, at the boundaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lingong_docs.compute import amounts, count_matches, share_cap, sum_demand
from lingong_docs.compute.counting import hours_fraction, row_mode
from lingong_docs.core.policy import policy_for

POLICY = policy_for(None, "chaoyang-2024")
YEAR = 2025
CAP = POLICY.employment.cap_per_agency
STEP = POLICY.employment.step_amount


def rec(i: int, *, hours="8", remark=None, start=None, end=None, id_number=None, place="朝阳区 分拣"):
    """A lightweight roster record: distinct person per ``i`` unless told otherwise."""
    start = start or dt.datetime(YEAR, 1, 1, 9) + dt.timedelta(minutes=15 * i)
    end = end or start + dt.timedelta(hours=9)
    return {"row": 5 + i, "id_number": id_number or f"ID{i:08d}", "start": start, "end": end,
            "place": place, "hours": Decimal(hours) if hours is not None else None, "remark": remark}


def records(n: int, **kw) -> list[dict]:
    return [rec(i, **kw) for i in range(n)]


def stream(n: int, **kw):
    """Records one at a time: thousands of rows without holding them all."""
    return (rec(i, **kw) for i in range(n))


# ---- amounts at the thresholds (第九、十条) ----

@pytest.mark.parametrize("demand, count, operating, employment", [
    (4_999, 1_000, "0.00", "0.00"),
    (5_000, 1_000, "200000.00", "0.00"),
    (5_000, 999, "0.00", "0.00"),
    (5_000, 4_999, "200000.00", "0.00"),
    (5_000, 5_000, "200000.00", "100000.00"),
    (4_999, 5_000, "0.00", "0.00"),          # employment needs the operating test
    (5_000, 9_999, "200000.00", "100000.00"),
    (5_000, 10_000, "200000.00", "200000.00"),
    (5_000, 25_000, "200000.00", "500000.00"),
    (5_000, 30_000, "200000.00", "500000.00"),  # 60万 before the cap
])
def test_amount_boundaries(demand, count, operating, employment):
    a = amounts(demand, count, POLICY)
    assert a.operating_subsidy == Decimal(operating)
    assert a.employment_subsidy == Decimal(employment)
    assert a.operating_passed == (operating != "0.00")
    assert a.operating_subsidy.as_tuple().exponent == -2


def test_employment_before_cap_is_kept():
    a = amounts(5_000, 30_000, POLICY)
    assert (a.steps, a.employment_before_cap, a.employment_subsidy) == (6, Decimal("600000.00"), CAP)


@pytest.mark.parametrize("n, expected", [(999, 999), (1_000, 1_000), (4_999, 4_999), (5_000, 5_000),
                                         (9_999, 9_999), (10_000, 10_000), (25_000, 25_000)])
def test_count_per_record_over_many_rows(n, expected):
    c = count_matches(stream(n), "按次", YEAR, POLICY)
    assert c.declared == c.per_record == expected
    assert c.hours_total == c.hours_per_row == expected      # 8 hours each


def test_count_thirty_thousand_rows_hits_the_cap():
    c = count_matches(stream(30_000), "按次", YEAR, POLICY)
    a = amounts(5_000, c.declared, POLICY)
    assert (c.declared, a.employment_before_cap, a.employment_subsidy) == (30_000, Decimal("600000.00"), CAP)


# ---- 按时长: exact fractions, floored once ----

def test_hours_fractions_sum_across_the_floor():
    c = count_matches(records(3, hours="2.7"), "按时长", YEAR, POLICY)
    assert c.hours_all == Fraction(81, 10)
    assert (c.declared, c.hours_total, c.per_record, c.hours_per_row) == (1, 1, 3, 0)


def test_hours_below_one_match_count_zero_but_two_records():
    c = count_matches(records(2, hours="3.9"), "按时长", YEAR, POLICY)
    assert (c.declared, c.hours_total, c.per_record, c.hours_per_row) == (0, 0, 2, 0)


def test_hours_exactly_eight_is_one_and_float_noise_cannot_appear():
    # 80 × 0.1 h: a float sum gives 7.999999999999…; the exact sum is 8.
    c = count_matches(records(80, hours="0.1"), "按时长", YEAR, POLICY)
    assert c.hours_all == 8 and c.declared == 1


def test_hours_per_row_floors_each_row():
    c = count_matches(records(4, hours="12"), "按时长", YEAR, POLICY)
    assert (c.declared, c.hours_total, c.hours_per_row, c.per_record) == (6, 6, 4, 4)


def test_missing_hours_count_zero_in_hour_readings():
    rows = records(2, hours="16") + [rec(9, hours=None)]
    c = count_matches(rows, "按时长", YEAR, POLICY)
    assert (c.declared, c.per_record, c.no_hours_rows) == (4, 3, (14,))


@pytest.mark.parametrize("value, expected", [
    (Decimal("2.7"), Fraction(27, 10)), (8, Fraction(8)), (2.7, Fraction(27, 10)), ("3.5", Fraction(7, 2)),
    (None, None), (Decimal("0"), None), (Decimal("-1"), None), (True, None), ("abc", None),
])
def test_hours_fraction(value, expected):
    assert hours_fraction(value) == expected


# ---- per-row override via 备注 ----

@pytest.mark.parametrize("remark, declared, expected", [
    ("按时长", "按次", ("按时长", "override")),
    ("计时工", "按次", ("按时长", "override")),
    ("计件", "按时长", ("按次", "override")),
    ("按次结算", "按时长", ("按次", "override")),
    ("按次", "按次", ("按次", "")),
    ("按次，也计时", "按时长", ("按时长", "ambiguous")),
    ("凭证：0001 微信.png", "按时长", ("按时长", "")),
    (None, "按次", ("按次", "")),
])
def test_row_mode(remark, declared, expected):
    assert row_mode(remark, declared, POLICY.counting.row_override) == expected


def test_override_mixes_modes_and_floors_the_hour_part_once():
    rows = records(3) + [rec(10 + i, hours="5", remark="按时长") for i in range(3)]
    c = count_matches(rows, "按次", YEAR, POLICY)
    # 3 按次 rows + floor(15 h / 8) = 3 + 1
    assert (c.declared, c.by_record_rows, c.by_hours_rows, c.hours_declared) == (4, 3, 3, 15)
    assert c.override_rows == (15, 16, 17)
    assert (c.per_record, c.hours_total, c.hours_per_row) == (6, 4, 3)


def test_override_to_per_record_in_hour_mode():
    rows = [rec(0, hours="2", remark="计件")] + records(1, hours="4")
    c = count_matches(rows, "按时长", YEAR, POLICY)
    assert c.declared == 1 + 0


# ---- which rows count ----

def test_error_rows_are_skipped():
    rows = records(5)
    c = count_matches(rows, "按次", YEAR, POLICY, error_rows={6, 8})
    assert (c.declared, c.error_rows, c.excluded) == (3, (6, 8), 2)


def test_exact_duplicates_count_once():
    a = rec(0)
    dup = dict(a, row=99, remark="不同备注也算同一记录")
    other_place = dict(a, row=100, place="朝阳区 装卸")
    c = count_matches([a, dup, other_place], "按次", YEAR, POLICY)
    assert (c.declared, c.duplicate_rows) == (2, (99,))


def test_task_spanning_year_end_counts_in_the_year_it_ends():
    into = rec(0, start=dt.datetime(YEAR - 1, 12, 31, 20), end=dt.datetime(YEAR, 1, 1, 4), hours="8")
    out_of = rec(1, start=dt.datetime(YEAR, 12, 31, 20), end=dt.datetime(YEAR + 1, 1, 1, 4), hours="8")
    c = count_matches([into, out_of], "按次", YEAR, POLICY)
    assert (c.declared, c.spanning_rows, c.outside_year_rows) == (1, (5,), (6,))
    # the same rows seen from the next year: only the second counts, as a year-end task
    c2 = count_matches([into, out_of], "按次", YEAR + 1, POLICY)
    assert (c2.declared, c2.spanning_rows, c2.outside_year_rows) == (1, (6,), (5,))


def test_rows_without_end_are_not_counted():
    c = count_matches([rec(0), dict(rec(1), end=None)], "按次", YEAR, POLICY)
    assert (c.declared, c.undated_rows) == (1, (6,))


def test_demand_counts_posts_of_the_year_without_errors():
    posts = [
        {"row": 5, "published": dt.datetime(YEAR, 1, 1), "demand": 4_000},
        {"row": 6, "published": dt.datetime(YEAR, 12, 31), "demand": 999},
        {"row": 7, "published": dt.datetime(YEAR - 1, 12, 31), "demand": 10_000},
        {"row": 8, "published": dt.datetime(YEAR, 6, 1), "demand": 500},   # error row
        {"row": 9, "published": None, "demand": 10},
        {"row": 10, "published": dt.datetime(YEAR, 6, 1), "demand": 0},
    ]
    d = sum_demand(posts, YEAR, error_rows={8})
    assert (d.total, d.counted, d.outside_year_rows, d.error_rows, d.unusable_rows) == \
        (4_999, (5, 6), (7,), (8,), (9, 10))
    assert amounts(d.total, 1_000, POLICY).operating_passed is False
    posts[1]["demand"] = 1_000
    assert amounts(sum_demand(posts, YEAR, error_rows={8}).total, 1_000, POLICY).operating_passed


# ---- the cap shared across markets ----

def money(*values) -> list[Decimal]:
    return [Decimal(v) for v in values]


@pytest.mark.parametrize("entitled, names, expected", [
    (money(300_000, 100_000), ["市场A", "市场B"], money(300_000, 100_000)),            # within the cap
    (money(300_000, 300_000), ["市场A", "市场B"], money(300_000, 200_000)),            # tie: name decides
    (money(300_000, 300_000), ["市场B", "市场A"], money(200_000, 300_000)),
    (money(400_000, 200_000), ["市场A", "市场B"], money(300_000, 200_000)),            # 3.33 / 1.67 → 3 / 2
    (money(500_000, 200_000, 100_000), ["市场A", "市场B", "市场C"], money(300_000, 100_000, 100_000)),
    (money(600_000, 0, 0), ["市场A", "市场B", "市场C"], money(500_000, 0, 0)),
    (money(200_000, 200_000, 200_000), ["市场A", "市场B", "市场C"], money(200_000, 200_000, 100_000)),
])
def test_share_cap(entitled, names, expected):
    assert share_cap(entitled, CAP, STEP, names) == expected


def test_share_cap_does_not_depend_on_the_order_given():
    entitled, names = money(300_000, 200_000, 200_000), ["丙", "甲", "乙"]
    forward = dict(zip(names, share_cap(entitled, CAP, STEP, names)))
    backward = dict(zip(names[::-1], share_cap(entitled[::-1], CAP, STEP, names[::-1])))
    assert forward == backward and sum(forward.values()) == CAP


def test_share_cap_with_a_cap_that_is_not_whole_steps():
    got = share_cap(money(300_000, 300_000), Decimal("550000.00"), STEP, ["市场A", "市场B"])
    assert got == money(300_000, 250_000)


# ---- properties ----

@settings(max_examples=300, deadline=None)
@given(demand=st.integers(0, 20_000), a=st.integers(0, 60_000), b=st.integers(0, 60_000))
def test_employment_subsidy_properties(demand, a, b):
    lo, hi = sorted((a, b))
    x, y = amounts(demand, lo, POLICY), amounts(demand, hi, POLICY)
    assert x.employment_subsidy <= y.employment_subsidy                  # monotone in the count
    for r in (x, y):
        assert r.employment_subsidy % STEP == 0                         # whole steps
        assert 0 <= r.employment_subsidy <= CAP                          # never above the cap
        if not r.operating_passed:
            assert r.employment_subsidy == 0 and r.operating_subsidy == 0


@settings(max_examples=300, deadline=None)
@given(units=st.lists(st.integers(0, 8), min_size=1, max_size=5), bump=st.integers(0, 4),
       who=st.integers(0, 4))
def test_share_cap_properties(units, bump, who):
    entitled = [STEP * u for u in units]
    names = [f"市场{i}" for i in range(len(units))]
    got = share_cap(entitled, CAP, STEP, names)
    assert sum(got) == min(CAP, sum(entitled))
    assert all(0 <= g <= e and g % STEP == 0 for g, e in zip(got, entitled))
    # a market that is entitled to more never receives less
    who %= len(units)
    more = list(entitled)
    more[who] += STEP * bump
    assert share_cap(more, CAP, STEP, names)[who] >= got[who]


@settings(max_examples=150, deadline=None)
@given(hours=st.lists(st.decimals(min_value=Decimal("0.1"), max_value=Decimal("24"), places=1),
                      min_size=0, max_size=40))
def test_hour_readings_are_exact_and_ordered(hours):
    rows = [rec(i, hours=str(h)) for i, h in enumerate(hours)]
    c = count_matches(rows, "按时长", YEAR, POLICY)
    total = sum(hours, Decimal(0))
    assert c.hours_total == int(total // 8) == c.declared
    assert c.hours_per_row <= c.hours_total
    assert c.per_record == len(hours)


def test_steps_above_the_cap_are_the_same_tier():
    assert amounts(5_000, 25_000, POLICY).tier == amounts(5_000, 31_000, POLICY).tier
    assert amounts(5_000, 24_999, POLICY).tier != amounts(5_000, 25_000, POLICY).tier
    assert amounts(4_999, 25_000, POLICY).tier != amounts(5_000, 25_000, POLICY).tier
