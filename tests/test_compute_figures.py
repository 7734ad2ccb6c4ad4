"""compute_application / compute_many: figures, findings, deadline, policy choice and the agency cap."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.apps import USCC, fill, make_app, table_path
from helpers.figures import OTHER_USCC, TODAY, YEAR, add_evidence, idcard, roster_row  # noqa: F401

from lingong_docs.compute import JSON_KEYS, compute_application, compute_many
from lingong_docs.core.errors import ConfigError
from lingong_docs.core.findings import Report
from lingong_docs.core.model import Application, ApplicationInfo, Record, Table
from lingong_docs.core.policy import policy_for
from lingong_docs.reader import read_application
from lingong_docs.validate.run import validate


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    """One application folder made by init; tests copy it (init writes formatted workbooks, slowly)."""
    return make_app(tmp_path_factory.mktemp("blank") / "app", year=YEAR)


def xlsx_app(blank: Path, folder: Path, rows: list[dict], demand: int = 5_000) -> Application:
    shutil.copytree(blank, folder)
    fill(table_path(folder, "roster"), "roster", rows)
    fill(table_path(folder, "job_posts"), "job_posts",
         [{"seq": 1, "title": "分拣员", "category": "物流仓储", "published": dt.datetime(YEAR, 1, 5), "demand": demand}])
    add_evidence(folder, len(rows))
    return read_application(folder)


@pytest.fixture(autouse=True, scope="module")
def _free_memory_records():
    """Drop the cached records after this module: the pytest process should not stay large."""
    yield
    _memory_records.cache_clear()
    gc.collect()


@functools.lru_cache(maxsize=4)
def _memory_records(count: int, year: int, hours: str) -> tuple:
    start = dt.datetime(year, 1, 1, 9)
    step, span, h = dt.timedelta(minutes=15), dt.timedelta(hours=9), Decimal(hours)
    return tuple(Record(5 + i, {"id_number": f"P{i:07d}", "start": start + step * i,
                                "end": start + step * i + span, "place": "朝阳区 分拣", "hours": h,
                                "remark": None}) for i in range(count))


def memory_app(count: int, demand: int = 6_000, *, market="朝阳区望京零工驿站", uscc=USCC, year=YEAR,
               mode="按次", hours="8", kinds=("operating", "employment"),
               application_date=dt.date(2026, 3, 1)) -> Application:
    """An application held in memory (no workbook): for counts in the thousands."""
    info = ApplicationInfo(applicant="北京示例人力资源有限公司", uscc=uscc, market=market, year=year,
                           counting_mode=mode, application_date=application_date, kinds=list(kinds))
    roster = Table(kind="roster", path=Path("附件5.xlsx"), sheet="附件5", header_row=4, columns={},
                   records=list(_memory_records(count, year, hours)))
    posts = Table(kind="job_posts", path=Path("附件4.xlsx"), sheet="附件4", header_row=4, columns={},
                  records=[Record(5, {"published": dt.datetime(year, 1, 5), "demand": demand})])
    return Application(folder=None, info=info, roster=roster, job_posts=posts)


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def entry(fig, name: str) -> dict:
    return next(e for e in fig.explanation if e["name"] == name)


# ---- figures of one application ----

def test_figures_of_a_typical_application():
    fig = compute_application(memory_app(5_212), Report(), today=TODAY)
    assert (fig.year, fig.policy.id, fig.demand_total, fig.match_count) == (YEAR, "chaoyang-2024", 6_000, 5_212)
    assert fig.match_count_readings == {"declared": 5_212, "per_record": 5_212, "hours_total": 5_212,
                                        "hours_per_row": 5_212}
    assert (fig.operating_passed, fig.operating_subsidy, fig.employment_subsidy, fig.total) == \
        (True, Decimal("200000.00"), Decimal("100000.00"), Decimal("300000.00"))
    assert (fig.counted_rows, fig.excluded_rows, fig.blocking, fig.warnings) == (5_212, 0, [], [])
    assert entry(fig, "就业服务补贴")["arithmetic"] == \
        "就业服务补贴 = 100,000 × floor(5,212 ÷ 5,000) = 100,000 × 1 = 100,000.00 元（第十条）"
    assert entry(fig, "补贴合计")["arithmetic"].endswith("= 300,000.00 元（叁拾万元整）")
    for e in fig.explanation:
        assert set(e) == {"name", "value", "inputs", "rule", "article", "arithmetic"} and e["article"]


def test_hours_mode_explanation_shows_the_exact_sum():
    fig = compute_application(memory_app(1_001, mode="按时长", hours="8.5"), Report(), today=TODAY)
    # 1,001 × 8.5 h = 8,508.5 h; ÷ 8 = 1,063.5625 → 1,063
    assert fig.match_count == 1_063 and fig.match_count_readings["per_record"] == 1_001
    assert "floor(8,508.5 小时 ÷ 8) = floor(1,063.5625) = 1,063 个次" in entry(fig, "撮合个次")["arithmetic"]


@pytest.mark.parametrize("hours, warned", [("8", []), ("4", ["hours_total", "hours_per_row"]),
                                           ("7.9", ["hours_total", "hours_per_row"])])
def test_warns_when_another_reading_changes_the_tier(hours, warned):
    fig = compute_application(memory_app(1_000, hours=hours), Report(), today=TODAY)
    assert fig.operating_passed and fig.match_count == 1_000
    labels = {"hours_total": "工作时长合计÷8后取整", "hours_per_row": "每行工作时长÷8取整后相加"}
    tier = [f for f in fig.warnings if f.code == "reading-changes-tier"]
    assert [f.severity for f in tier] == ["warning"] * len(warned)
    assert all(labels[k] in f.message for k, f in zip(warned, tier))


def test_tier_warning_for_an_employment_step_in_hours_mode():
    # 按时长 declared: 5,000 rows × 7 h = 4,375 个次 (no step); per record 5,000 would reach 10万
    fig = compute_application(memory_app(5_000, mode="按时长", hours="7"), Report(), today=TODAY)
    assert (fig.match_count, fig.employment_subsidy) == (4_375, Decimal("0.00"))
    tier = [f.message for f in fig.warnings if f.code == "reading-changes-tier"]
    assert len(tier) == 2
    assert "每条记录计1个次" in tier[0] and "就业服务补贴将为100,000.00元" in tier[0]
    assert "每行工作时长÷8取整后相加" in tier[1] and "不符合标准" in tier[1]


def test_only_the_subsidies_applied_for_are_granted():
    fig = compute_application(memory_app(5_000, kinds=("employment",)), Report(), today=TODAY)
    assert fig.operating_passed and fig.operating_subsidy == 0
    assert (fig.employment_subsidy, fig.total) == (Decimal("100000.00"), Decimal("100000.00"))
    assert "subsidy-not-applied" in codes(fig.warnings)


def test_missing_year_is_assumed_and_blocks():
    app = memory_app(1_200)
    app.info.year = None
    fig = compute_application(app, Report(), today=TODAY)
    assert fig.year == YEAR and fig.match_count == 1_200
    assert codes(fig.blocking) == ["year-assumed"]


@pytest.mark.parametrize("keep", ["roster", "job_posts", "application_date"])
def test_validate_and_compute_assume_the_same_year(keep):
    # Roster end years first, then job-post years, then the year before the application date.
    app = memory_app(30, application_date=dt.date(2026, 3, 1))
    app.info.year = None
    for rec in app.job_posts.records:
        rec.values["published"] = dt.datetime(YEAR - 1, 6, 1)
    if keep != "roster":
        app.roster.records.clear()
    if keep == "application_date":
        app.job_posts.records.clear()
    expected = {"roster": YEAR, "job_posts": YEAR - 1, "application_date": 2025}[keep]
    report = validate(app)
    fig = compute_application(app, report, today=TODAY)
    assert report.stats["year"] == fig.year == expected
    assert [f"为{expected}年" in f.message for f in report.findings if f.code == "year-from-data"] == [True]


def test_missing_job_posts_table_gives_zero_demand_and_a_warning():
    app = memory_app(5_000)
    app.job_posts = None
    fig = compute_application(app, Report(), today=TODAY)
    assert (fig.demand_total, fig.operating_passed, fig.total) == (0, False, Decimal("0.00"))
    assert "job-posts-absent" in codes(fig.warnings)


# ---- deadline and service years (第十一、十六条); dates are always injected ----

@pytest.mark.parametrize("year, application_date, as_of, expected", [
    (2025, dt.date(2026, 4, 30), None, []),
    (2025, dt.date(2026, 5, 1), None, ["deadline-passed"]),
    (2025, dt.date(2026, 5, 1), dt.date(2026, 4, 29), []),            # --as-of replaces 申请日期
    (2025, dt.date(2026, 3, 1), dt.date(2026, 5, 2), ["deadline-passed"]),
    (2024, dt.date(2025, 4, 30), None, []),
    (2026, dt.date(2027, 4, 30), None, []),                          # the last day of all
    (2026, dt.date(2027, 5, 1), None, ["deadline-passed"]),
    (2027, dt.date(2027, 4, 30), None, ["year-outside-policy"]),
    (2027, dt.date(2028, 3, 1), None, ["year-outside-policy", "deadline-passed"]),  # never after 2027-04-30
    (2023, dt.date(2024, 3, 1), None, ["year-outside-policy"]),
])
def test_deadline_and_service_years(year, application_date, as_of, expected):
    app = memory_app(10, year=year, application_date=application_date)
    fig = compute_application(app, Report(), as_of=as_of, today=TODAY)
    assert codes(fig.blocking) == expected
    assert fig.deadline == min(dt.date(year + 1, 4, 30), dt.date(2027, 4, 30))
    assert fig.match_count == 10                                       # findings never hide figures
    for f in fig.blocking:
        assert str(year) in f.message


def test_deadline_message_names_the_dates():
    app = memory_app(10, application_date=dt.date(2026, 5, 1))
    (finding,) = compute_application(app, Report(), today=TODAY).blocking
    assert "2026年4月30日" in finding.message and "2026年5月1日" in finding.message


def test_without_application_date_today_is_checked():
    app = memory_app(10, application_date=None)
    assert compute_application(app, Report(), today=dt.date(2026, 4, 30)).blocking == []
    fig = compute_application(app, Report(), today=dt.date(2026, 5, 1))
    assert codes(fig.blocking) == ["deadline-passed"] and fig.as_of == dt.date(2026, 5, 1)


# ---- the policy is data ----

def test_policy_chosen_by_year_by_application_file_and_by_option(tmp_path):
    assert compute_application(memory_app(10), Report(), today=TODAY).policy.id == "chaoyang-2024"
    text = policy_for(None, "chaoyang-2024").path.read_text(encoding="utf-8")
    later = tmp_path / "chaoyang-2027.yaml"
    later.write_text(text.replace("id: chaoyang-2024", "id: test-later")
                     .replace('amount: "200000.00"', 'amount: "250000.00"')
                     .replace("min_matches: 1000", "min_matches: 800"), encoding="utf-8")
    fig = compute_application(memory_app(900), Report(), policy=str(later), today=TODAY)
    assert (fig.policy.id, fig.operating_passed, fig.operating_subsidy) == ("test-later", True, Decimal("250000.00"))
    assert "不少于800个次" in entry(fig, "运营经费补贴")["rule"]


def test_application_file_names_an_installed_policy_never_a_path(blank, tmp_path):
    folder = shutil.copytree(blank, tmp_path / "a")
    path = folder / "application.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n政策: chaoyang-2024\n", encoding="utf-8")
    app = read_application(folder)
    assert compute_application(app, validate(app), today=TODAY).policy.id == "chaoyang-2024"
    path.write_text(path.read_text(encoding="utf-8").replace("政策: chaoyang-2024", "政策: ../evil.yaml"),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        compute_application(read_application(folder), Report(), today=TODAY)
    assert e.value.code == "policy-path-in-application"


# ---- the agency cap across markets (第十条) ----

def test_cap_shared_between_two_markets_of_one_agency():
    a, b = memory_app(15_000, market="市场A"), memory_app(15_000, market="市场B")
    fa, fb = compute_many([a, b], [Report(), Report()], today=TODAY)
    assert (fa.employment_before_cap, fb.employment_before_cap) == (Decimal("300000.00"),) * 2
    assert (fa.employment_subsidy, fb.employment_subsidy) == (Decimal("300000.00"), Decimal("200000.00"))
    assert (fa.total, fb.total) == (Decimal("500000.00"), Decimal("400000.00"))
    assert fa.cap["applied"] and fa.cap["agency_after_cap"] == Decimal("500000.00")
    assert [s["after_cap"] for s in fa.cap["markets"]] == [Decimal("300000.00"), Decimal("200000.00")]
    assert "agency-cap-applied" in codes(fa.warnings) and "agency-cap-applied" in codes(fb.warnings)
    # the order given does not change who gets what
    fb2, fa2 = compute_many([b, a], [Report(), Report()], today=TODAY)
    assert (fa2.employment_subsidy, fb2.employment_subsidy) == (fa.employment_subsidy, fb.employment_subsidy)


def test_cap_shared_among_three_markets_in_proportion():
    apps = [memory_app(25_000, market="市场A"), memory_app(10_000, market="市场B"),
            memory_app(5_000, market="市场C")]
    figs = compute_many(apps, [Report()] * 3, today=TODAY)
    # entitled 50万 + 20万 + 10万 = 80万; 5 steps in proportion 3.125 / 1.25 / 0.625 → 3 / 1 / 1
    assert [f.employment_subsidy for f in figs] == [Decimal("300000.00"), Decimal("100000.00"), Decimal("100000.00")]
    assert sum(f.employment_subsidy for f in figs) == Decimal("500000.00")
    assert "按应得额比例分配" in entry(figs[0], "机构年度上限")["arithmetic"]


def test_cap_not_shared_across_agencies_or_years():
    apps = [memory_app(15_000, market="市场A"), memory_app(15_000, market="市场B", uscc=OTHER_USCC),
            memory_app(15_000, market="市场C", year=2024, application_date=dt.date(2025, 3, 1))]
    figs = compute_many(apps, [Report()] * 3, today=TODAY)
    assert [f.employment_subsidy for f in figs] == [Decimal("300000.00")] * 3
    assert not any(f.cap["applied"] for f in figs)


def test_cap_on_a_single_market():
    fig = compute_application(memory_app(30_000), Report(), today=TODAY)
    assert (fig.employment_before_cap, fig.employment_subsidy, fig.total) == \
        (Decimal("600000.00"), Decimal("500000.00"), Decimal("700000.00"))
    assert "机构年度上限 → 500,000.00 元" in entry(fig, "就业服务补贴")["arithmetic"]


def test_markets_below_the_operating_test_take_no_share():
    apps = [memory_app(30_000, market="市场A"), memory_app(15_000, demand=100, market="市场B")]
    fa, fb = compute_many(apps, [Report()] * 2, today=TODAY)
    assert (fa.employment_subsidy, fb.employment_subsidy) == (Decimal("500000.00"), Decimal("0.00"))


# ---- to_dict ----

def test_to_dict_has_the_documented_keys_and_is_json():
    fig = compute_application(memory_app(5_212), Report(), today=TODAY)
    data = fig.to_dict()
    assert list(data) == list(JSON_KEYS)
    assert data["policy"] == {"id": "chaoyang-2024", "version": "2024.1"}
    assert (data["operating_subsidy"], data["employment_subsidy"], data["total"]) == (200000.0, 100000.0, 300000.0)
    assert set(data["cap"]) == {"limit", "rule", "applied", "agency_before_cap", "agency_after_cap", "markets"}
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


# ---- through real workbooks and the real validation report ----

def test_error_rows_from_the_report_are_not_counted(blank, tmp_path):
    rows = [roster_row(i) for i in range(5)]
    rows[1]["start"] = "2025年13月40日"          # date-unreadable: an error the reader already reports
    rows[3]["id_number"] = 1.10101199003075e17   # ID stored as a number: an error
    app = xlsx_app(blank, tmp_path / "a", rows)
    report = validate(app)
    assert {6, 8} <= report.error_rows(app.roster.path.name)
    fig = compute_application(app, report, today=TODAY)
    assert (fig.match_count, fig.counted_rows, fig.excluded_rows) == (3, 3, 2)
    assert codes(fig.blocking) == ["input-has-errors"]
    assert fig.to_dict()["blocking"][0]["severity"] == "error"


def test_workbook_duplicates_year_end_and_overrides(blank, tmp_path):
    rows = [roster_row(i, hours=2.7) for i in range(3)]
    rows.append(dict(rows[0], seq=4))                                    # exact duplicate of row 5
    rows.append(roster_row(4, start=dt.datetime(YEAR - 1, 12, 31, 22), end=dt.datetime(YEAR, 1, 1, 6), hours=8))
    rows.append(roster_row(5, hours=3, remark="计件"))                  # counts 1 although 3 h
    app = xlsx_app(blank, tmp_path / "a", rows)
    app.info.counting_mode = "按时长"
    fig = compute_application(app, validate(app), today=TODAY)
    # rows 5–7: 3 × 2.7 h; row 9: 8 h (year-end); row 10: 计件 → 1 + floor(16.1 / 8) = 1 + 2
    assert fig.match_count == 3
    assert fig.match_count_readings == {"declared": 3, "per_record": 5, "hours_total": 2, "hours_per_row": 1}
    assert fig.matches.duplicate_rows in ((8,), ())   # validate may already mark row 8 as an error
    assert 8 not in fig.matches.counted and 9 in fig.matches.counted
    assert {"year-end-counted", "row-mode-override"} <= set(codes(fig.warnings))


def test_task_ending_after_the_year_is_not_counted(blank, tmp_path):
    rows = [roster_row(0), roster_row(1, start=dt.datetime(YEAR, 12, 31, 22), end=dt.datetime(YEAR + 1, 1, 1, 6))]
    app = xlsx_app(blank, tmp_path / "a", rows)
    fig = compute_application(app, validate(app), today=TODAY)
    assert fig.match_count == 1 and 6 not in fig.matches.counted


def test_the_same_market_twice_is_flagged_and_the_same_folder_refused(tmp_path):
    a, b = memory_app(15_000), memory_app(15_000)
    figs = compute_many([a, b], [Report(), Report()], today=TODAY)
    assert all("market-twice" in codes(f.warnings) for f in figs)
    a.folder = b.folder = tmp_path
    with pytest.raises(ConfigError) as e:
        compute_many([a, b], [Report(), Report()], today=TODAY)
    assert e.value.code == "compute-folder-twice"
