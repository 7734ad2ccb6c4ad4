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

SHOW = "import json, sys; {run}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"


def loaded(run: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", SHOW.format(run=run)], capture_output=True, text=True, check=True)
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_importing_the_command_line_loads_no_heavy_package():
    found = loaded("import lingong_docs.cli")
    assert "lingong_docs" in found and "click" in found
    assert not found & set(HEAVY + ("polars", "pyarrow", "python_calamine")), sorted(found & set(HEAVY))


def test_validating_one_workbook_loads_no_heavy_package(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r(pay=-5)])
    target = table_path(folder, ROSTER)
    run = ("from click.testing import CliRunner; from lingong_docs.cli import main; "
           f"res = CliRunner().invoke(main, ['validate', {str(target)!r}, '--format', 'json']); "
           "assert res.exit_code == 1 and 'pay-not-positive' in res.stdout, res.stdout")
    found = loaded(run)
    assert "python_calamine" in found                      # it did read the workbook
    assert not found & set(HEAVY), sorted(found & set(HEAVY))
