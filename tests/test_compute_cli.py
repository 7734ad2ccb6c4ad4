"""End to end: real workbooks → read → validate → compute → ``lingong-docs compute`` output and exit code."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.apps import fill, make_app, table_path
from helpers.figures import add_evidence, roster_row

from lingong_docs.cli import main
from lingong_docs.compute import JSON_KEYS

YEAR = 2025
ROWS = 1_000


@pytest.fixture(scope="module")
def market(tmp_path_factory) -> Path:
    """A complete application: 1,000 valid roster rows, 5,000 需求人数, one batch payment voucher."""
    folder = make_app(tmp_path_factory.mktemp("cli") / "望京驿站", year=YEAR)
    fill(table_path(folder, "roster"), "roster", [roster_row(i) for i in range(ROWS)])
    fill(table_path(folder, "job_posts"), "job_posts", [
        {"seq": 1, "title": "物流分拣员", "category": "物流仓储", "published": dt.datetime(YEAR, 1, 5), "demand": 3_000},
        {"seq": 2, "title": "餐饮服务员", "category": "餐饮", "published": dt.datetime(YEAR, 6, 1), "demand": 2_000},
    ])
    add_evidence(folder, ROWS)
    return folder


@pytest.fixture(scope="module")
def second_market(market, tmp_path_factory) -> Path:
    """A second market of the same agency (same 统一社会信用代码)."""
    folder = shutil.copytree(market, tmp_path_factory.mktemp("cli2") / "酒仙桥驿站")
    app_file = folder / "application.yaml"
    text = re.sub(r"(?m)^零工市场名称:.*$", "零工市场名称: 朝阳区酒仙桥零工驿站", app_file.read_text(encoding="utf-8"))
    app_file.write_text(text, encoding="utf-8")
    return folder


def run(*args: str):
    return CliRunner().invoke(main, ["compute", *args], catch_exceptions=False)


def test_json_output_has_the_documented_keys_and_figures(market):
    result = run(str(market), "--format", "json", "--as-of", "2026-04-30")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == list(JSON_KEYS)
    assert (data["year"], data["demand_total"], data["match_count"]) == (YEAR, 5_000, ROWS)
    assert data["match_count_readings"] == {"declared": ROWS, "per_record": ROWS, "hours_total": ROWS,
                                            "hours_per_row": ROWS}
    assert (data["operating_passed"], data["operating_subsidy"], data["employment_subsidy"], data["total"]) == \
        (True, 200000.0, 0.0, 200000.0)
    assert data["blocking"] == [] and data["as_of"] == "2026-04-30"
    for item in data["warnings"]:
        assert set(item) == {"code", "severity", "message"}
    assert [e["name"] for e in data["explanation"]][:2] == ["需求人数合计", "撮合个次"]


def test_text_output_with_explain(market):
    result = run(str(market), "--explain")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "撮合个次：1,000 个次（计次方式：按次）" in out
    assert "需求人数合计：5,000 人" in out
    assert "运营经费补贴：200,000.00 元（贰拾万元整）" in out
    assert "合计：200,000.00 元（贰拾万元整）" in out
    assert "需求人数 5,000 ≥ 5,000 且 撮合个次 1,000 ≥ 1,000，符合 → 运营经费补贴 = 200,000.00 元（第九条）" in out
    assert "就业服务补贴 = 100,000 × floor(1,000 ÷ 5,000) = 100,000 × 0 = 0.00 元（第十条）" in out
    assert "依据：第十一条、第十六条" in out
    assert not re.search(r"\d{17}[\dX]", out)          # no ID number in the output


def test_deadline_passed_exits_1_and_keeps_the_figures(market):
    result = run(str(market), "--format", "json", "--as-of", "2026-05-01")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [b["code"] for b in data["blocking"]] == ["deadline-passed"]
    assert data["total"] == 200000.0


def test_policy_option_and_unknown_policy(market):
    assert run(str(market), "--policy", "chaoyang-2024", "--format", "json").exit_code == 0
    result = run(str(market), "--policy", "no-such-policy")
    assert result.exit_code == 2 and "no-such-policy" in result.output


def test_unreadable_input_exits_2(tmp_path):
    result = run(str(tmp_path / "missing"))
    assert result.exit_code == 2


def test_several_markets_of_one_agency(market, second_market):
    result = run(str(market), str(second_market), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert isinstance(data, list) and [d["market"] for d in data] == ["朝阳区示例零工驿站", "朝阳区酒仙桥零工驿站"]
    assert all(list(d) == list(JSON_KEYS) for d in data)
    assert len(data[0]["cap"]["markets"]) == 2 and data[0]["cap"]["applied"] is False
    text = run(str(market), str(second_market)).output
    assert "━━ 机构年度上限（第十条）" in text and "未超过上限" in text


def test_help_is_chinese_and_names_every_option():
    result = run("--help")
    assert result.exit_code == 0
    for option in ("--policy", "--as-of", "--format", "--explain"):
        assert option in result.output
    assert "计算撮合个次" in result.output
