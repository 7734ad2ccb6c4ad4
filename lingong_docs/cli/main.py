"""Command line: parse options → one library call → format → exit code.

The CLI modules (cli_*.py) are the only ones that write to the terminal. Every library error
becomes a Chinese message and exit code 2; nothing personal is printed, not even in a crash.
"""

from __future__ import annotations

from pathlib import Path

import click

from lingong_docs.api import __version__
from lingong_docs.cli.common import _setup_logging, guarded, use_chinese_click

use_chinese_click()


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="lingong-docs")
@click.option("-v", "--verbose", is_flag=True, help="输出调试日志（已脱敏）。")
def main(verbose: bool) -> None:
    """朝阳区零工市场补贴申报工具：生成模板、校验数据、计算补贴、生成申报材料包、受理核验。

    \b
    退出码：0 成功；1 发现错误（或受理不通过）；2 输入无法读取或用法错误；3 程序内部错误；130 被中断。
    """
    _setup_logging(verbose)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--year", type=int, help="申请年度（服务年度），如 2025；默认上一年。")
@click.option("--name", "applicant", default="", help="申请单位全称（与公章一致）。")
@click.option("--uscc", default="", help="统一社会信用代码（18位）。")
@click.option("--market", default="", help="零工市场（驿站）名称。")
@click.option("--force", is_flag=True, help="覆盖已存在的文件。")
@guarded
def init(folder: Path, year, applicant, uscc, market, force) -> None:
    """新建申请文件夹：申请文件、空白附件4/附件5、支付凭证文件夹。"""
    from lingong_docs import api

    result = api.init(folder, year=year, applicant=applicant, uscc=uscc, market=market, force=force)
    click.echo(f"已生成申请文件夹：{folder}")
    for p in result.files:
        click.echo(f"  {p.relative_to(folder)}")
    for note in result.notes:
        click.echo(click.style(f"注意：{note.message}", fg="yellow", bold=True) + f" {note.hint}", err=True)
    click.echo("下一步：填写 application.yaml 和两张表格，然后运行 lingong-docs validate " + str(folder))


def _register() -> None:
    from lingong_docs.cli import build as cli_build
    from lingong_docs.cli import bureau as cli_intake
    from lingong_docs.cli import compute as cli_compute
    from lingong_docs.cli import doctor as cli_render
    from lingong_docs.cli import fix as cli_fix
    from lingong_docs.cli import ledger as cli_ledger
    from lingong_docs.cli import serve as cli_serve
    from lingong_docs.cli import validate as cli_validate

    for module in (cli_validate, cli_fix, cli_compute, cli_render, cli_build, cli_intake, cli_ledger, cli_serve):
        for command in module.COMMANDS:
            main.add_command(command)


_register()

if __name__ == "__main__":  # pragma: no cover
    main()
