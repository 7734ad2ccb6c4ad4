"""CLI: ``fix`` (corrected copies of the workbooks, every change listed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from lingong_docs import api
from lingong_docs.cli.common import EXIT_OK, check_output, guarded

SHOWN_CHANGES = 30


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path),
              help="写入修正后副本的新文件夹（不能已存在且非空；原文件夹不会被改动）。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 供人阅读，json 供其他程序读取。")
@click.option("--all", "show_all", is_flag=True, help="列出每一处修改（默认最多列出30处）。")
@guarded
def fix(folder: Path, out: Path, fmt: str, show_all: bool) -> None:
    """把申请文件夹复制到新文件夹，并自动改正不会改变原意的问题。

    \b
    改正：身份证号、联系方式和数字中的全角字符与空格；首尾空格；姓名分隔符统一为“·”；
    15位身份证号换算为18位；数据区的合并单元格取消合并并向下填充；序号重新编号（支付凭证
    文件名按序号对应时不重新编号）；文本形式的日期改为 Excel 日期；身份证号、联系方式设为文本格式。
    每个修改过的工作簿增加“修改记录”表。不猜测：已被存成数字的身份证号仍需对照证件重新输入。
    改正后请再运行 lingong-docs validate 新文件夹。
    """
    check_output(out)
    result = api.fix(folder, out)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        sys.exit(EXIT_OK)
    data = result.to_dict()
    click.echo(click.style(f"已写入修正后的副本：{data['target']}", fg="green", bold=True)
               + f"（修改 {len(result.changes)} 处，原文件未改动）")
    shown = data["changes"] if show_all else data["changes"][:SHOWN_CHANGES]
    for c in shown:
        click.echo(f"  {c['file']} {c['sheet']}!{c['cell']} {c['header']}：{c['before']} → {c['after']}  {c['reason']}")
    if len(data["changes"]) > len(shown):
        click.echo(f"  …… 另有 {len(data['changes']) - len(shown)} 处（见各工作簿的“修改记录”表，或加 --all）")
    for k in data["kept"]:
        click.echo(click.style("  未改动 ", fg="yellow") + f"{k['file']} {k['cell']} {k['header']}：{k['reason']}")
    for note in data["notes"]:
        click.echo(f"  注：{note}")
    click.echo(f"下一步：lingong-docs validate {data['target']}")
    sys.exit(EXIT_OK)

