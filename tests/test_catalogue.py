"""Every code the program raises or reports has its entry in the message catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from lingong_docs.core.findings import catalogue

PACKAGE = Path(__file__).resolve().parent.parent / "lingong_docs"
# Error.make("code", …), F.make("code", …), ex.add("code", …), table.finding("code", …): how codes are used
USE = re.compile(r"""(?:\.make|\bmake|\.add|\.finding)\(\s*["']([a-z][a-z0-9-]+)["']""")
OUTSIDE = {"catalogue-duplicate", "unknown-rule"}      # the catalogue's own failures stay in code


def test_every_code_used_in_the_code_is_catalogued():
    used = {m.group(1): path.relative_to(PACKAGE).as_posix()
            for path in PACKAGE.rglob("*.py") for m in USE.finditer(path.read_text(encoding="utf-8"))}
    missing = {code: where for code, where in used.items() if code not in catalogue() and code not in OUTSIDE}
    assert len(used) > 150 and not missing


def test_errors_are_built_from_the_catalogue():
    """No ``XError("code", "中文…")``: one factory, ``XError.make(code, **params)``."""
    direct = re.compile(r"""\b[A-Z]\w*Error\(\s*["']([a-z][a-z0-9-]+)["']\s*,""")
    found = {m.group(1) for path in PACKAGE.rglob("*.py") for m in direct.finditer(path.read_text(encoding="utf-8"))}
    assert found <= OUTSIDE
