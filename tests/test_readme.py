"""The README tells the truth: demo figures, commands with help, the two commands first."""

from __future__ import annotations

import re
from pathlib import Path

import click
from click.testing import CliRunner

from lingong_docs.cli import main
from lingong_docs.compute import compute_application
from lingong_docs.reader.folder import read_application
from lingong_docs.util.money import rmb_upper, yuan
from lingong_docs.validate.run import validate

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    head = README[:800]
    assert head.index("make demo") < head.index("make test")


def test_demo_figures_in_readme_match_compute():
    app = read_application(ROOT / "samples" / "demo")
    figures = compute_application(app, validate(app))
    block = README[README.index("`samples/demo` 的结果"):]
    assert f"撮合个次：{figures.match_count:,} 个次" in block
    assert f"需求人数合计：{figures.demand_total:,} 人" in block
    assert f"运营经费补贴：{yuan(figures.operating_subsidy)} 元（{rmb_upper(figures.operating_subsidy)}）" in block
    assert f"就业服务补贴：{yuan(figures.employment_subsidy)} 元（{rmb_upper(figures.employment_subsidy)}）" in block
    assert f"合计：{yuan(figures.total)} 元（{rmb_upper(figures.total)}）" in block
    readings = figures.match_count_readings
    assert f"工作时长合计÷8后取整 {readings['hours_total']:,}" in block
    assert f"每行工作时长÷8取整后相加 {readings['hours_per_row']:,}" in block


def test_every_command_has_help_and_is_in_the_readme():
    runner = CliRunner()
    ctx = click.Context(main)
    names = main.list_commands(ctx)
    assert {"validate", "build", "intake", "ledger", "serve"} <= set(names)
    for name in names:
        command = main.get_command(ctx, name)
        assert command is not None, name
        assert command.help and re.search(r"[\u4e00-\u9fff]", command.help), name
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert f"lingong-docs {name}" in README, f"README does not mention `lingong-docs {name}`"
        for param in command.params:
            if getattr(param, "help", None) is None and param.param_type_name == "option":
                raise AssertionError(f"{name} {param.opts} has no help text")
