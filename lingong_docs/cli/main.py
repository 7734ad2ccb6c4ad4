"""Command line: parse options → one library call → format → exit code.

The CLI modules (cli_*.py) are the only ones that write to the terminal. Every library error
becomes a Chinese message and exit code 2; nothing personal is printed, not even in a crash.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from pathlib import Path

import click

from lingong_docs.api import __version__
from lingong_docs.cli.common import _setup_logging, guarded, quick_exit_allowed, use_chinese_click

use_chinese_click()

COMMANDS = {
    "validate": "validate:validate",
    "rules": "validate:rules",
    "fix": "fix:fix",
    "compute": "compute:compute_command",
    "doctor": "doctor:doctor",
    "build": "build:build",
    "intake": "bureau:intake_command",
    "publicity": "bureau:publicity_command",
    "ledger": "ledger:ledger_group",
    "serve": "serve:serve_command",
}
"""The commands of the other ``cli`` modules: name → ``module:attribute``, imported when that command runs."""


class LazyGroup(click.Group):
    """A group that imports a command's module only when the command is used (click's lazy-loading pattern).

    ``lingong-docs validate`` then loads what validating needs and not the build, intake, ledger or web
    modules; ``--help`` imports every command to show its one-line help.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return self.commands.get(cmd_name)
        module, _, attribute = COMMANDS[cmd_name].partition(":")
        command = getattr(import_module(f"lingong_docs.cli.{module}"), attribute)
        self.add_command(command, cmd_name)
        return command

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as e:   # "did you mean" among every command, not only the loaded ones
            raise click.exceptions.NoSuchCommand(e.command_name, possibilities=self.list_commands(ctx),
                                                 ctx=ctx) from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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

def run() -> None:
    """The ``lingong-docs`` program: ``main``, ended at once where the command allowed it
    (``common.allow_quick_exit``: its output flushed, its exit code kept)."""
    try:
        main()
    except SystemExit as e:
        if quick_exit_allowed() and isinstance(e.code, int):
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):    # a closed pipe: nothing more can be written anyway
                    pass
            os._exit(e.code)
        raise


if __name__ == "__main__":  # pragma: no cover
    run()
