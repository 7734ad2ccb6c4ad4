"""Numbers that cannot be true, day fractions, rows marked void, footer lines: caught, never crashing."""

from __future__ import annotations

import re

import pytest
from helpers.apps import JOB_POSTS, ROSTER, fill, make_app, table_path, tiny_pdf
from helpers.rules import OTHER, D, findings, make_id, r
from openpyxl import load_workbook
from openpyxl.styles import Font

import lingong_docs as lg
from lingong_docs.core.errors import LingongError
from lingong_docs.core.policy import policy_for_year
from lingong_docs.validate.rules.plausibility import bounds

POST = dict(seq=1, title="分拣员", category="物流", published=D(2025, 3, 1), demand=30)


def test_bounds_come_from_the_policy_file():
    b = bounds(policy_for_year(2025))
    assert (b.demand_error, b.demand_warning) == (5000, 500)
    assert "作废" in b.void_words and "填表人" in b.footer_words


@pytest.mark.parametrize("demand, code", [
    (13912345678, "number-looks-like-phone"),
    (110105199003071234, "number-looks-like-id"),
    (6000, "demand-implausible"),
    (600, "demand-unusual"),
])
def test_demand_per_post_has_bounds(tmp_path, demand, code):
    found, _ = findings(tmp_path, roster=[r()], posts=[dict(POST, demand=demand)])
    assert (5, "E", code) in found


def test_a_phone_in_the_demand_column_no_longer_lifts_the_demand(tmp_path):
    found, report = findings(tmp_path, roster=[r()], posts=[dict(POST, demand=4999), dict(POST, seq=2, demand=13912345678)])
    assert (6, "E", "number-looks-like-phone") in found
    figures = lg.compute(tmp_path / "app")
    assert figures.demand_total == 4999


@pytest.mark.parametrize("row, cell, code", [
    (dict(pay=13912345678), "I", "number-looks-like-phone"),
    (dict(pay=60000), "I", "pay-implausible"),
    (dict(pay=9000), "I", "pay-per-hour-high"),
    (dict(hours=0.01, pay=2), "H", "hours-very-short"),
    (dict(hours=9000), "H", "hours-implausible"),
])
def test_roster_numbers_have_bounds(tmp_path, row, cell, code):
    found, _ = findings(tmp_path, roster=[r(**row)])
    assert (5, cell, code) in found


def by_hours(tmp_path, roster):
    """Validate a folder whose application file declares 计次方式: 按时长."""
    folder = make_app(tmp_path / "app")
    app_file = folder / "application.yaml"
    text = app_file.read_text(encoding="utf-8")
    app_file.write_text(re.sub(r"(?m)^计次方式:.*$", "计次方式: 按时长", text), encoding="utf-8")
    fill(table_path(folder, ROSTER), ROSTER, roster)
    fill(table_path(folder, JOB_POSTS), JOB_POSTS, [POST])
    (folder / "支付凭证" / "0001-9999 回单.pdf").write_bytes(tiny_pdf())
    report = lg.validate(folder)
    return {(f.row, f.column, f.code) for f in report.findings}, report


def _fraction_rows(n: int, typed: bool = False):
    # =G-F in a 0.0# column: 8 hours stored as 1/3 of a day (or typed as it shows: 0.33)
    return [r(seq=i + 1, id_number=make_id(f"19900{(i % 9) + 1}01"), start=D(2025, 3, 5 + i, 8),
              end=D(2025, 3, 5 + i, 16), hours=0.33 if typed else 8 / 24) for i in range(n)]


def test_day_fractions_are_an_error_in_hours_mode(tmp_path):
    found, report = by_hours(tmp_path, _fraction_rows(3))
    assert {(row, c) for row, col, c in found if c.startswith("hours-day")} == \
        {(5, "hours-day-fraction"), (6, "hours-day-fraction"), (7, "hours-day-fraction")}
    message = next(f.message for f in report.findings if f.code == "hours-day-fraction")
    assert "=完成时间-开始时间" in message and "8小时" in message


def test_all_hours_below_one_in_hours_mode_is_an_error_even_when_typed(tmp_path):
    found, _ = by_hours(tmp_path, _fraction_rows(2, typed=True))
    assert {(row, c) for row, _, c in found if c == "hours-day-fraction"} == {(5, "hours-day-fraction"),
                                                                              (6, "hours-day-fraction")}


def test_a_day_fraction_in_count_mode_is_a_warning(tmp_path):
    found, _ = findings(tmp_path, roster=_fraction_rows(1) + [r(seq=2, id_number=OTHER)])
    assert (5, "H", "hours-day-fraction-suspect") in found and not any(c == "hours-day-fraction" for *_, c in found)


@pytest.mark.parametrize("remark", ["作废", "已取消", "重复登记，删除"])
def test_a_void_remark_is_a_warning_and_compute_says_it_counted_it(tmp_path, remark):
    found, _ = findings(tmp_path, roster=[r(remark=remark), r(seq=2, id_number=OTHER)])
    assert (5, "K", "row-void") in found
    figures = lg.compute(tmp_path / "app")
    said = [w for w in figures.warnings if w.code == "void-rows-counted"]
    assert len(said) == 1 and "1行" in said[0].message


def test_a_struck_through_row_is_a_warning(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r(), r(seq=2, id_number=OTHER)])
    wb = load_workbook(table_path(folder, ROSTER))
    for cell in wb.active[6]:
        cell.font = Font(strike=True)
    wb.save(table_path(folder, ROSTER))
    report = lg.validate(folder)
    assert {(f.row, f.code) for f in report.findings if f.code.startswith("row-")} == {(6, "row-struck-through")}


def test_footer_lines_under_the_table_are_skipped_with_an_info(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r(), r(seq=2, id_number=OTHER)])
    fill(table_path(folder, JOB_POSTS), JOB_POSTS, [POST, dict(POST, seq=2, title="注塑工")])
    for kind, start in ((ROSTER, 8), (JOB_POSTS, 8)):
        wb = load_workbook(table_path(folder, kind))
        ws = wb.active
        ws.cell(start, 1).value = "填表人：王五    审核人：赵六"
        ws.cell(start + 1, 1).value = "制表日期：2026年3月1日"
        ws.cell(start + 2, 2).value = "注：本表一式两份"
        wb.save(table_path(folder, kind))
    (folder / "支付凭证" / "0001-0002 回单.pdf").write_bytes(tiny_pdf())
    report = lg.validate(folder)
    assert report.errors == 0, [f.code for f in report.findings if f.severity == "error"]
    skipped = {(f.file, f.row) for f in report.findings if f.code == "total-row-ignored"}
    assert len(skipped) == 6
    assert lg.compute(folder).demand_total == 60    # the post named 注塑工 is data


HUGE = [1e300, -0.0, "NaN", "nan", "inf", "-Infinity", 9.99999999999999e307, "1e400", "1" * 400]


@pytest.mark.parametrize("value", HUGE, ids=str)
def test_no_value_however_large_crashes_a_rule(tmp_path, value):
    """Every numeric column (工作时长, 实际结算报酬, 需求人数, 序号) through validate, compute and build."""
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r(seq=value, hours=value, pay=value), r(seq=2, id_number=OTHER)])
    fill(table_path(folder, JOB_POSTS), JOB_POSTS, [dict(POST, seq=value, demand=value)])
    (folder / "支付凭证" / "0001-0002 回单.pdf").write_bytes(tiny_pdf())
    report = lg.validate(folder)
    assert not [f for f in report.findings if f.code == "rule-crashed"]
    assert report.errors > 0
    figures = lg.compute(folder)
    assert figures.blocking and figures.demand_total == 0
    with pytest.raises(LingongError) as refused:
        lg.build(folder, tmp_path / "out")
    assert refused.value.code == "build-refused"
