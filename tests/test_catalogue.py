"""Every code the program raises or reports has its entry in the message catalogue.

The validation rules declare the codes they can emit (``@rule(scope, codes=…)``): the catalogue
is checked against those declarations, and the declarations against what the rules emit on the
sample applications. Codes outside the rules (errors, compute, intake) are found in the source.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from lingong_docs.core.findings import catalogue
from lingong_docs.identifiers import idcard, phone, uscc
from lingong_docs.pipeline import read
from lingong_docs.validate.registry import Context, registered_rules

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lingong_docs"
RULES = PACKAGE / "validate" / "rules"
# Error.make("code", …), F.make("code", …), ex.add("code", …): how codes are used outside the rules
USE = re.compile(r"""(?:\.make|\bmake|\.add|\.finding)\(\s*["']([a-z][a-z0-9-]+)["']""")
OUTSIDE = {"catalogue-duplicate", "unknown-rule"}      # the catalogue's own failures stay in code


def test_every_code_a_rule_declares_is_catalogued():
    rules = registered_rules()
    declared = {r.name: r.codes for r in rules}
    assert all(declared.values()), [name for name, codes in declared.items() if not codes]
    missing = {name: sorted(codes - set(catalogue())) for name, codes in declared.items() if codes - set(catalogue())}
    assert not missing and len(set().union(*declared.values())) > 60


@pytest.mark.parametrize("module", [idcard, phone, uscc])
def test_every_code_an_identifier_check_declares_is_catalogued(module):
    assert set(module.CODES) <= set(catalogue())
    for value in ("", "123", "1101051990010112", "x" * 18, "110105199001011234", "91110105MA01ABCD38", "1380013800"):
        assert module.check(value) in (None, *module.CODES)


@pytest.mark.parametrize("sample", ["broken", "demo"])
def test_rules_emit_only_the_codes_they_declare(sample):
    from lingong_docs.core.policy import policy_for

    app = read(ROOT / "samples" / sample)
    ctx = Context(app=app, year=app.info.year, year_source="application", policy=policy_for(app.info.year),
                  application_date=app.info.application_date, is_folder=True)
    emitted: dict[str, set[str]] = defaultdict(set)
    for r in registered_rules():
        tables = [None] if r.scope == "application" else [getattr(app, r.scope)]
        for table in tables:
            found = r.fn(ctx) if table is None else r.fn(ctx, table)
            emitted[r.name].update(f.code for f in found)
    undeclared = {r.name: sorted(emitted[r.name] - r.codes) for r in registered_rules() if emitted[r.name] - r.codes}
    assert not undeclared
    if sample == "broken":                  # the broken sample exercises most rules
        assert sum(1 for codes in emitted.values() if codes) >= 10


def test_every_code_used_outside_the_rules_is_catalogued():
    used = {m.group(1): path.relative_to(PACKAGE).as_posix()
            for path in PACKAGE.rglob("*.py") if RULES not in path.parents
            for m in USE.finditer(path.read_text(encoding="utf-8"))}
    missing = {code: where for code, where in used.items() if code not in catalogue() and code not in OUTSIDE}
    assert len(used) > 100 and not missing


def test_errors_are_built_from_the_catalogue():
    """No ``XError("code", "中文…")``: one factory, ``XError.make(code, **params)``."""
    direct = re.compile(r"""\b[A-Z]\w*Error\(\s*["']([a-z][a-z0-9-]+)["']\s*,""")
    found = {m.group(1) for path in PACKAGE.rglob("*.py") for m in direct.finditer(path.read_text(encoding="utf-8"))}
    assert found <= OUTSIDE
