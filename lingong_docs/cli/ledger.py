"""CLI command group ``ledger``: init, status, export, import (the intake ledger, on the public API)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from lingong_docs.cli.common import EXIT_OK, check_output, guarded

BACKEND_ZH = {"sqlite": "SQLite 文件（单机）", "postgresql": "PostgreSQL 数据库（多台电脑共用）"}


def ledger_options(fn):
    """--ledger and --key-file, as intake and serve take them."""
    fn = click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path),
                      help="台账密钥文件；不给时读环境变量 LINGONG_LEDGER_KEY。")(fn)
    return click.option("--ledger", "location", metavar="文件或URL",
                        help="受理台账：SQLite 文件，或 postgresql://用户名@服务器:端口/数据库名；默认取环境变量 "
                             "LINGONG_LEDGER，否则为 ~/.local/share/lingong-docs/intake-ledger.sqlite。")(fn)


def _format_option(fn):
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                        help="输出格式：text 供人阅读；json 给其他程序。")(fn)


def _status_lines(status) -> list[str]:
    lines = [f"受理台账：{status.where}",
             f"  类型：{BACKEND_ZH.get(status.backend, status.backend)}",
             f"  结构版本：{status.schema_version}",
             f"  登记的材料包：{status.packages:,} 个（已受理 {status.accepted:,} 个），人员记录 {status.rows:,} 条",
             f"  出具的受理回执：{status.examinations:,} 份"
             + (f"，最近一份 {status.last_receipt}（{status.last_received}）" if status.last_receipt else "")]
    lines += [f"  本次升级：{m}" for m in status.migrated]
    return lines


@click.group("ledger")
def ledger_group() -> None:
    """受理台账：建立或升级（init）、查看（status）、导出（export）和导入（import）。

    \b
    台账可以是本机的 SQLite 文件，也可以是多台电脑共用的 PostgreSQL 数据库：
      lingong-docs ledger init --ledger postgresql://lingong_owner@db.example:5432/lingong
      lingong-docs ledger status
      lingong-docs ledger export --ledger 旧台账.sqlite -o 台账导出.jsonl
      lingong-docs ledger import 台账导出.jsonl --ledger postgresql://lingong_owner@db.example:5432/lingong
    """


@ledger_group.command("init")
@ledger_options
@_format_option
@guarded
def init_command(location, key_file, fmt) -> None:
    """建立受理台账，或把旧版本的台账升级到当前结构（已是最新时不做改动）。

    数据库台账请用台账所有者角色运行一次；受理人员的角色只需读写权限（见 README）。
    """
    from lingong_docs.api import ledger_status, open_ledger

    with open_ledger(location, key_file=key_file) as ledger:
        status = ledger_status(ledger)
    _show(status, fmt, done="受理台账已就绪。")


@ledger_group.command("status")
@ledger_options
@_format_option
@guarded
def status_command(location, key_file, fmt) -> None:
    """查看受理台账：类型、位置、结构版本、登记数量和最近一份回执的编号。"""
    from lingong_docs.api import ledger_status, open_ledger

    with open_ledger(location, key_file=key_file) as ledger:
        status = ledger_status(ledger)
    _show(status, fmt)


def _show(status, fmt: str, done: str = "") -> None:
    if fmt == "json":
        click.echo(json.dumps(status.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(_status_lines(status)))
        if done:
            click.echo(done)
    sys.exit(EXIT_OK)


@ledger_group.command("export")
@ledger_options
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="导出文件（JSON Lines，权限 600）。")
@_format_option
@guarded
def export_command(location, key_file, output, fmt) -> None:
    """把整个受理台账导出到一个文件（供 import 导入另一个台账，如从 SQLite 迁到 PostgreSQL）。

    导出文件与台账一样只含人员的密钥散列，不含身份证号、姓名或电话；末尾记有每张表的行数和核对值。
    """
    from lingong_docs.api import ledger_export, open_ledger

    check_output(output)
    with open_ledger(location, key_file=key_file) as ledger:
        result = ledger_export(ledger, output)
    _transfer(result, fmt, f"已导出受理台账 {result.where} 到 {output}")


@ledger_group.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@ledger_options
@_format_option
@guarded
def import_command(source, location, key_file, fmt) -> None:
    """把 export 导出的文件导入一个空的受理台账（须使用原台账的密钥）。

    在一个事务中导入，逐表核对行数和核对值，全部一致才提交；不一致时不留下任何记录。
    """
    from lingong_docs.api import ledger_import, open_ledger

    with open_ledger(location, key_file=key_file) as ledger:
        result = ledger_import(ledger, source)
    _transfer(result, fmt, f"已导入到受理台账 {result.where}，行数和核对值逐表一致")


def _transfer(result, fmt: str, headline: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(headline + "：")
        for table, figures in result.tables.items():
            click.echo(f"  {table}：{figures['count']:,} 行  核对值 {figures['sha256'][:16]}…")
    sys.exit(EXIT_OK)

