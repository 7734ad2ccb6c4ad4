"""CLI command of the compute stage: ``compute`` (listed in ``cli.main.COMMANDS``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from lingong_docs import api
from lingong_docs.cli.common import EXIT_FINDINGS, EXIT_OK, guarded
from lingong_docs.core.findings import SEVERITY_ZH
from lingong_docs.core.manifest import FIGURE_LABELS

# Chinese names of the explanation inputs, for people; JSON keeps the English keys.
INPUT_LABELS = {
    "year": "申请年度", "posts_counted": "计入的岗位数", "posts_excluded": "未计入的岗位数",
    "min_demand": "需求人数门槛", "min_matches": "个次门槛", "counting_mode": "计次方式",
    "rows_counted": "计入的记录数", "rows_by_record": "按次计的记录数", "rows_by_hours": "按时长计的记录数",
    "hours_by_hours_rows": "按时长记录的工作时长合计（小时）", "rows_excluded_errors": "有错误未计入的行",
    "rows_excluded_duplicates": "重复未计入的行", "rows_excluded_outside_year": "完成时间不在年度内的行",
    "rows_excluded_undated": "缺少完成时间的行", "rows_year_end": "跨年计入的行",
    "rows_mode_override": "备注指定计次方式的行", "hours_all_rows": "全部记录工作时长合计（小时）",
    "demand_total": FIGURE_LABELS["demand_total"], "match_count": FIGURE_LABELS["match_count"],
    "amount": "补贴标准（元）",
    "applied_for": "已申请该项", "step_matches": "每档个次", "step_amount": "每档金额（元）",
    "operating_passed": "符合运营经费补贴标准", "before_cap": "封顶前（元）",
    "agency_before_cap": "机构合计封顶前（元）", "agency_after_cap": "机构合计封顶后（元）",
    "markets": "一并计算的零工市场数", "rule": "分配规则",
    "operating_subsidy": FIGURE_LABELS["operating_subsidy"] + "（元）",
    "employment_subsidy": FIGURE_LABELS["employment_subsidy"] + "（元）", "first_year": "首个服务年度", "last_year": "最后服务年度",
    "as_of": "申请日期", "last_date": "申请有效期截至",
}


def _block(fig, report, explain: bool) -> list[str]:
    from lingong_docs.api import cn_date, rmb_upper, yuan

    reasoning = api.explain(fig)
    labels = reasoning.readings
    title = fig.market or (fig.folder.name if fig.folder else "申请")
    lines = [f"━━ {title}" + (f"（{fig.folder.name}）" if fig.folder and fig.folder.name != title else "")]
    lines.append(f"申请单位：{fig.applicant or '（未填写）'}（统一社会信用代码 {fig.uscc or '未填写'}）")
    lines.append(f"申请年度：{fig.year}年    政策：{fig.policy.title}（{fig.policy.id}，版本 {fig.policy.version}）")
    lines.append(f"撮合个次：{fig.match_count:,} 个次（计次方式：{fig.counting_mode}）")
    others = "；".join(f"{labels[k]} {v:,}" for k, v in fig.match_count_readings.items() if k != "declared")
    lines.append(f"  其他口径：{others}")
    lines.append(f"需求人数合计：{fig.demand_total:,} 人")
    state = "符合" if fig.operating_passed else "不符合"
    lines.append(f"运营经费补贴：{yuan(fig.operating_subsidy)} 元（{rmb_upper(fig.operating_subsidy)}）  [{state}运营经费补贴标准]")
    capped = "" if fig.employment_subsidy == fig.employment_before_cap else \
        f"  [封顶前 {yuan(fig.employment_before_cap)} 元]"
    lines.append(f"就业服务补贴：{yuan(fig.employment_subsidy)} 元（{rmb_upper(fig.employment_subsidy)}）{capped}")
    lines.append(f"合计：{yuan(fig.total)} 元（{rmb_upper(fig.total)}）")
    lines.append(f"花名册计入 {fig.counted_rows:,} 行，未计入 {fig.excluded_rows:,} 行；"
                 f"校验：{report.errors} 个错误、{report.warnings} 个警告")
    lines.append(f"申请截止日期：{cn_date(fig.deadline)}（按申请日期 {cn_date(fig.as_of)} 核对）")
    if fig.blocking:
        lines.append("不能申报（须先处理）：")
        lines.extend(f"  [{SEVERITY_ZH.get(f.severity, f.severity)}] {f.code}：{f.message}" for f in fig.blocking)
    if fig.warnings:
        lines.append("请核实：")
        lines.extend(f"  [{SEVERITY_ZH.get(f.severity, f.severity)}] {f.code}：{f.message}" for f in fig.warnings)
    if explain:
        lines.append("计算过程：")
        for step in reasoning.steps:
            lines.append(f"  ▸ {step.name}：{step.value}")
            lines.append(f"    依据：{step.article}；规则：{step.rule}")
            inputs = "；".join(f"{INPUT_LABELS.get(k, k)} {v}" for k, v in step.inputs.items())
            lines.append(f"    输入：{inputs}")
            lines.append(f"    计算：{step.arithmetic}")
    return lines


def _cap_section(figures) -> list[str]:
    from lingong_docs.api import yuan

    seen, lines = set(), []
    for fig in figures:
        key = id(fig.cap.get("markets"))
        if key in seen or len(fig.cap.get("markets", [])) < 2:
            continue
        seen.add(key)
        cap = fig.cap
        article = fig.policy.employment.article
        lines.append(f"━━ 机构年度上限（{article}）：{fig.uscc or '统一社会信用代码未填写'}，{fig.year}年度，"
                     f"上限 {yuan(cap['limit'])} 元")
        for s in cap["markets"]:
            lines.append(f"  {s['market'] or s['folder'] or '未命名'}：封顶前 {yuan(s['before_cap'])} 元 → "
                         f"核定 {yuan(s['after_cap'])} 元")
        lines.append(f"  合计：{yuan(cap['agency_before_cap'])} 元 → {yuan(cap['agency_after_cap'])} 元")
        if cap["applied"]:
            lines.append("  分配规则：" + api.explain(fig).cap_rule)
        else:
            lines.append("  未超过上限，各市场按应得额核定。")
    return lines


@click.command("compute")
@click.argument("folders", nargs=-1, required=True,
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--policy", "policy_name", metavar="ID|FILE",
              help="使用的政策（政策编号如 chaoyang-2024，或政策文件路径）；默认按申请文件或申请年度选择。")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
              help="按此日期核对申请截止日期（代替申请文件中的申请日期），格式 2026-03-05。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 给人看，json 给程序用。")
@click.option("--explain", is_flag=True, help="逐项列出每个数字的输入、规则、依据条款和算式。")
@guarded
def compute_command(folders, policy_name, as_of, fmt, explain) -> None:
    """计算撮合个次、需求人数和补贴金额（第九、十条），可一次计算同一机构的多个零工市场。

    \b
    多个文件夹属于同一机构（统一社会信用代码相同）时，就业服务补贴按机构年度上限一并封顶，
    并按应得额比例分配（--explain 显示分配过程）。
    退出码：0 可以申报；1 有阻止申报的问题（数据错误、逾期、年度不在政策内）；2 输入无法读取或用法错误。
    """
    prepared = api.prepare(list(folders), policy=policy_name or None, as_of=as_of.date() if as_of else None)
    figures = [p.figures for p in prepared]
    reports = [p.report for p in prepared]
    if fmt == "json":
        data = [fig.to_dict() for fig in figures]
        click.echo(json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2))
    else:
        lines: list[str] = []
        for fig, report in zip(figures, reports):
            lines.extend(_block(fig, report, explain))
            lines.append("")
        lines.extend(_cap_section(figures))
        click.echo("\n".join(lines).rstrip())
    sys.exit(EXIT_FINDINGS if any(fig.blocking for fig in figures) else EXIT_OK)

