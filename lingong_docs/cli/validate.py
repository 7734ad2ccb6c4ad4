"""CLI: ``validate`` (check the filled workbooks) and ``rules`` (the rule catalogue)."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import click

from lingong_docs import api
from lingong_docs.api import mask_file_name
from lingong_docs.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    JSON_PRINTED,
    allow_quick_exit,
    check_output,
    gc_paused,
    guarded,
)
from lingong_docs.core.errors import ConfigError, LingongError
from lingong_docs.core.findings import ERROR, INFO, SEVERITY_ZH, WARNING, catalogue

SHOWN_PER_RULE = 5
COLORS = {ERROR: "red", WARNING: "yellow", INFO: "cyan"}


def _progress_callback(enabled: bool):
    if not enabled:
        return None, None
    bar = click.progressbar(length=100, label="校验中", file=sys.stderr, show_percent=True)
    bar.__enter__()

    def progress(done, total):
        bar.update(int(done * 100 / max(total, 1)) - bar.pos)

    return progress, bar


@click.command()
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 供人阅读，json 供其他程序读取。")
@click.option("--year", type=int, help="申报年度；单独校验一个表格时默认取数据中多数任务的年度。")
@click.option("--annotate", "annotate_to", type=click.Path(dir_okay=False, path_type=Path),
              help="另存标注过的工作簿：错误单元格标红、警告标黄，加批注和“错误清单”表。"
                   "校验文件夹时每个工作簿各存一份：X-附件4.xlsx、X-附件5.xlsx。")
@click.option("--all", "show_all", is_flag=True, help="列出每一处问题（默认每条规则最多列出5处）。")
@click.option("--strict", is_flag=True, help="有警告也按未通过处理（退出码 1）。")
@guarded
def validate(target: Path, fmt: str, year, annotate_to, show_all: bool, strict: bool) -> None:
    """校验申请文件夹（或单个附件4/附件5工作簿），逐个单元格说明问题。

    \b
    TARGET 为申请文件夹（含 application.yaml、附件4、附件5、支付凭证/），
    或单个 .xlsx 表格（自动识别是附件4还是附件5；支付凭证和表间一致性规则只对文件夹适用）。
    \b
    退出码：0 无错误（可有警告）；1 有错误（--strict 时警告也算）；2 文件无法读取或用法错误。
    """
    output_problem = None
    if annotate_to is not None:
        try:
            if annotate_to.suffix.lower() != ".xlsx":     # what is written is a workbook, whatever the name
                raise ConfigError.make("output-not-writable", folder=mask_file_name(annotate_to.name),
                                       reason="标注版是 Excel 工作簿，文件名须以 .xlsx 结尾")
            check_output(annotate_to)
        except LingongError as e:
            output_problem = e   # the report is still worth printing; the annotation is not attempted
    with gc_paused():
        app, report = _read_and_validate(target, fmt, year)
        if fmt == "json":
            click.echo(report.to_json())
            click.get_current_context().meta[JSON_PRINTED] = True
        else:
            _print_text(app, report, show_all)
    if output_problem is not None:
        raise output_problem
    if annotate_to is not None:
        for written in api.annotate(app, report, annotate_to):
            click.echo(f"已生成标注版工作簿：{mask_file_name(str(written))}", err=fmt == "json")
    failed = report.errors > 0 or (strict and report.warnings > 0)
    allow_quick_exit()          # everything is written
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def _read_and_validate(target: Path, fmt: str, year):
    """Return the application read from ``target`` and its report (a progress bar on a terminal)."""
    app = api.read(target)
    progress, bar = _progress_callback(fmt == "text" and sys.stderr.isatty()
                                       and sum(t.row_count for t in app.tables) > 2000)
    try:
        return app, api.validate(app, year=year, progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _print_text(app, report, show_all: bool) -> None:
    stats = report.stats
    verdict = "通过" if report.valid else "未通过"
    color = "green" if report.valid else "red"
    click.echo(click.style(f"校验结果：{verdict}", fg=color, bold=True)
               + f"（错误 {report.errors}，警告 {report.warnings}，提示 {report.infos}）")
    source = {"application": "申请文件", "option": "--year", "data": "按数据推定"}.get(stats.get("year_source"), "")
    parts = [f"申报年度：{stats.get('year') or '未知'}（{source}）"]
    for t in app.tables:
        parts.append(f"{t.spec.attachment}：{t.row_count:,} 行")
    parts.append(f"用时 {stats.get('seconds', 0):.2f} 秒")
    click.echo("  ".join(parts))
    groups: dict[tuple, list] = defaultdict(list)
    for f in report.sorted():
        groups[(f.severity, f.code)].append(f)
    current = None
    for (severity, code), items in groups.items():
        if severity != current:
            current = severity
            click.echo("\n" + click.style(f"{SEVERITY_ZH[severity]}", fg=COLORS[severity], bold=True))
        title = catalogue().get(code, {}).get("title", code)
        click.echo(click.style(f"  [{code}] {title}", bold=True) + f" — {len(items)} 处")
        shown = items if show_all else items[:SHOWN_PER_RULE]
        for f in shown:
            where = " ".join(x for x in (f.file or "", f"{f.sheet}!{f.cell}" if f.cell else
                                         (f"第{f.row}行" if f.row else "")) if x)
            value = f"  {f.value}" if f.value else ""
            click.echo(f"    {where}{value}  {f.message}")
        if len(items) > len(shown):
            click.echo(f"    …… 另有 {len(items) - len(shown)} 处（加 --all 查看全部）")
        if items[0].hint:
            click.echo(f"    提示：{items[0].hint}")
    fixable = len(api.fixable(report, app)) if app.folder is not None else 0
    if fixable:
        click.echo(f"\n其中 {fixable} 处问题可能可以自动改正：lingong-docs fix {mask_file_name(str(app.folder))} "
                   f"-o {mask_file_name(str(app.folder))}-已修正（不改动原文件，改动列在“修改记录”表中）")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式。")
@guarded
def rules(fmt: str) -> None:
    """列出全部规则代码及其严重程度、标题和说明（规则目录）。"""
    import json

    entries = api.rules().to_dict()
    if fmt == "json":
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    for code, e in entries.items():
        click.echo(f"{code:32} {SEVERITY_ZH.get(e['severity'], e['severity']):4} {e.get('title', '')}")

