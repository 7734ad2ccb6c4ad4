"""Start-up: the command line loads only what the command run needs (issue 24: validate ≤ 0.5 s on one row).

Structural, not timed (timing is `make bench`): which packages a fresh process has imported.
"""

from __future__ import annotations

import json
import subprocess
import sys

from helpers.apps import ROSTER, fill, make_app, table_path
from helpers.rules import r

# Packages of building, signing, the ledger and annotating: never needed to start the command line or to validate.
HEAVY = ("pyhanko", "reportlab", "psycopg", "docxtpl", "jinja2", "docx", "pypdf", "openpyxl", "PIL", "lxml",
         "starlette", "uvicorn", "fontTools")

# The command modules other than validate's (cli.main imports a command's module only when it runs).
OTHER_COMMANDS = ("lingong_docs.cli.build", "lingong_docs.cli.bureau", "lingong_docs.cli.compute",
                  "lingong_docs.cli.doctor", "lingong_docs.cli.fix", "lingong_docs.cli.ledger",
                  "lingong_docs.cli.serve")

SHOW = "import json, sys; {run}; print(json.dumps(sorted({{{name} for m in sys.modules}})))"


def loaded(run: str, *, modules: bool = False) -> set[str]:
    """Return the top-level packages (or, with ``modules``, the full module names) a fresh process imported."""
    show = SHOW.format(run=run, name="m" if modules else "m.split('.')[0]")
    proc = subprocess.run([sys.executable, "-c", show], capture_output=True, text=True, check=True)
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_importing_the_command_line_loads_no_heavy_package():
    found = loaded("import lingong_docs.cli")
    assert "lingong_docs" in found and "click" in found
    assert not found & set(HEAVY + ("polars", "pyarrow", "python_calamine")), sorted(found & set(HEAVY))
    modules = loaded("import lingong_docs.cli", modules=True)
    assert "lingong_docs.cli.main" in modules
    assert not modules & {*OTHER_COMMANDS, "lingong_docs.cli.validate"}, sorted(modules)


def test_validating_one_workbook_loads_no_heavy_package(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r(pay=-5)])
    target = table_path(folder, ROSTER)
    run = ("from click.testing import CliRunner; from lingong_docs.cli import main; "
           f"res = CliRunner().invoke(main, ['validate', {str(target)!r}, '--format', 'json']); "
           "assert res.exit_code == 1 and 'pay-not-positive' in res.stdout, res.stdout")
    found = loaded(run, modules=True)
    assert "python_calamine" in found                      # it did read the workbook
    assert "lingong_docs.cli.validate" in found
    packages = {m.split(".")[0] for m in found}
    assert not packages & set(HEAVY), sorted(packages & set(HEAVY))
    # Only validate's command module: not build's, intake's, the ledger's, the web page's …
    assert not found & set(OTHER_COMMANDS), sorted(found & set(OTHER_COMMANDS))
    assert not {m for m in found if m.startswith(("lingong_docs.web", "lingong_docs.intake", "lingong_docs.package",
                                                  "lingong_docs.render", "lingong_docs.corrections"))}


def test_help_lists_every_command_and_an_unknown_one_gets_a_suggestion():
    from click.testing import CliRunner

    from lingong_docs.cli import main
    from lingong_docs.cli.main import COMMANDS

    listed = CliRunner().invoke(main, ["--help"])
    assert listed.exit_code == 0
    for name in (*COMMANDS, "init"):
        assert f"  {name} " in listed.output, name
    typo = CliRunner().invoke(main, ["ledgr"])
    assert typo.exit_code == 2 and "没有命令" in typo.output and "'ledger'" in typo.output, typo.output


def test_validate_turns_the_garbage_collector_back_on(tmp_path):
    import gc

    from click.testing import CliRunner

    from lingong_docs.cli import main

    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r(pay=-5)])
    assert gc.isenabled()
    result = CliRunner().invoke(main, ["validate", str(table_path(folder, ROSTER)), "--format", "json"])
    assert result.exit_code == 1 and "pay-not-positive" in result.stdout
    assert gc.isenabled()
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a workbook")
    unreadable = CliRunner().invoke(main, ["validate", str(broken)])      # the reader's error, inside the pause
    assert unreadable.exit_code == 2 and gc.isenabled()


def test_the_program_ends_at_once_with_its_output_and_exit_code(tmp_path):
    """``python -m lingong_docs validate`` (``cli.main.run``) skips Python's teardown after validate:
    what it printed is all there, and the exit code is the command's."""
    folder = make_app(tmp_path / "app")
    rows = [r(pay=-5)] + [r(name=f"张{i}") for i in range(300)]
    fill(table_path(folder, ROSTER), ROSTER, rows)
    target = str(table_path(folder, ROSTER))
    as_json = subprocess.run([sys.executable, "-m", "lingong_docs", "validate", target, "--format", "json", "--all"],
                             capture_output=True, text=True)
    assert as_json.returncode == 1
    data = json.loads(as_json.stdout)                      # the whole JSON, flushed
    assert data["errors"] >= 1 and any(i["code"] == "pay-not-positive" for i in data["issues"])
    as_text = subprocess.run([sys.executable, "-m", "lingong_docs", "validate", target, "--all"],
                             capture_output=True, text=True)
    assert as_text.returncode == 1 and "pay-not-positive" in as_text.stdout and "校验结果" in as_text.stdout
    usage = subprocess.run([sys.executable, "-m", "lingong_docs", "valdate"], capture_output=True, text=True)
    assert usage.returncode == 2 and "没有命令" in usage.stderr
