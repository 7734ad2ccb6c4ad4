"""Render stage: template variables built from the application info and the computed figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lingong_docs.core.errors import RenderError
from lingong_docs.core.layout import market_name
from lingong_docs.core.model import ApplicationInfo
from lingong_docs.render import form_context

INFO = ApplicationInfo(applicant="北京示例人力资源有限公司", uscc="91110105MA01ABCD39", market="朝阳区示例零工驿站",
                       year=2025, application_date=dt.date(2026, 3, 5), contact="李四",
                       contact_phone="010-85551234",
                       recognition={"选址建设情况": "第一段\n\n  第二段  ", "场地设施人员制度服务": "",
                                    "线上平台搭建情况": "平台", "机构基本情况及成功案例": "案例"})
FIGURES = {"demand_total": 5230, "match_count": 25000, "operating_subsidy": Decimal("200000.00"),
           "employment_subsidy": Decimal("500000")}


def test_operating_context():
    ctx = form_context(INFO, kind="operating", figures=FIGURES)
    assert ctx["kind_label"] == "运营经费补贴" and ctx["year"] == 2025
    assert ctx["applicant"] == "北京示例人力资源有限公司" and ctx["uscc"] == "91110105MA01ABCD39"
    assert ctx["market"] == "示例零工驿站"          # templates print 朝阳区{{market}}
    assert ctx["date_cn"] == "2026年3月5日"
    assert (ctx["demand_total"], ctx["match_count"]) == (5230, 25000)
    assert (ctx["operating_wan"], ctx["operating_upper"], ctx["operating_yuan"]) == ("20", "贰拾万元整", "200,000.00")
    assert (ctx["employment_wan"], ctx["employment_upper"]) == ("50", "伍拾万元整")
    assert ctx["materials"] == []


def test_kind_labels_and_recognition_paragraphs():
    assert form_context(INFO, kind="employment", figures=FIGURES)["kind_label"] == "就业服务补贴"
    ctx = form_context(INFO, kind="recognition", figures=None)
    assert ctx["kind_label"] == "零工市场认定"
    assert ctx["recognition"] == {"site": ["第一段", "第二段"], "facilities": [], "platform": ["平台"],
                                  "agency": ["案例"]}
    assert "operating_wan" not in ctx


def test_figures_are_required_for_subsidies():
    with pytest.raises(RenderError) as err:
        form_context(INFO, kind="operating", figures=None)
    assert err.value.code == "figures-missing"
    with pytest.raises(ValueError):
        form_context(INFO, kind="other", figures=FIGURES)


def test_date_falls_back_to_today_and_materials_are_complete():
    info = ApplicationInfo(applicant="A", market="示例驿站", year=2025)
    ctx = form_context(info, kind="operating", figures=FIGURES, today=dt.date(2026, 4, 30),
                       materials=[{"no": 1, "title": "封面", "pages": "1", "key": "cover"}])
    assert ctx["date_cn"] == "2026年4月30日"
    assert ctx["materials"] == [{"no": 1, "title": "封面", "pages": "1", "note": ""}]
    assert ctx["market"] == "示例驿站"


@pytest.mark.parametrize(("written", "printed"), [
    ("朝阳区示例零工驿站", "示例零工驿站"), ("北京市朝阳区示例驿站", "示例驿站"), ("示例零工市场", "示例零工市场"),
    ("朝阳区", "朝阳区"), (None, ""),
])
def test_market_name(written, printed):
    assert market_name(written) == printed


def test_amounts_with_cents():
    ctx = form_context(INFO, kind="employment", figures=dict(FIGURES, employment_subsidy=Decimal("150000.50")))
    assert ctx["employment_wan"] == "15.00005" and ctx["employment_upper"] == "壹拾伍万元伍角整"
