"""Junk into every rule: no crash, whatever the cell holds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from lingong_docs.core.findings import Report
from lingong_docs.core.model import BAD, Application, ApplicationInfo, Record, Table
from lingong_docs.core.policy import load_policy
from lingong_docs.core.tables import JOB_POSTS, ROSTER, spec
from lingong_docs.identifiers import MODULES
from lingong_docs.validate.registry import Context, registered_rules
from lingong_docs.validate.run import validate
from lingong_docs.validate.schema import compiled

JUNK = [None, "", 0, 1.5, -3, True, "１２３", "\x00\x07\x1b", "x" * 100_000, BAD, Decimal("NaN"),
        Decimal("-0.001"), dt.datetime(1900, 1, 1), dt.date(2025, 1, 1), dt.time(8), "2025-13-45",
        "=1+1", "\u202e", [], {}]


@pytest.mark.parametrize("name", sorted(MODULES))
@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_identifier_checks_never_raise(name, junk):
    module = MODULES[name]
    assert module.check(junk) is None or isinstance(module.check(junk), str)
    assert isinstance(module.is_valid(junk), bool)


def _table(kind: str, junk) -> Table:
    keys = [c.key for c in spec(kind).columns]
    letters = {k: chr(65 + i) for i, k in enumerate(keys)}
    records = [Record(5 + i, {k: (junk if j % 2 == i % 2 else None) for j, k in enumerate(keys)})
               for i in range(4)]
    return Table(kind=kind, path=Path(f"{kind}.xlsx"), sheet=kind, header_row=4, columns=letters,
                 records=records, applicant=junk if isinstance(junk, str) else None,
                 uscc=junk if isinstance(junk, str) else None, applicant_cell=(3, "C"), uscc_cell=(3, "H"))


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_every_rule_survives_junk(junk, tmp_path):
    info = ApplicationInfo(applicant="甲", uscc="91350100M000100Y43", year=2025,
                           application_date=dt.date(2026, 3, 5))
    app = Application(folder=tmp_path, info=info, job_posts=_table(JOB_POSTS, junk), roster=_table(ROSTER, junk))
    ctx = Context(app=app, year=2025, year_source="application", policy=load_policy(2025),
                  application_date=info.application_date, is_folder=True)
    for r in registered_rules():
        tables = [None] if r.scope == "application" else [getattr(app, r.scope)]
        for t in tables:
            list(r.fn(ctx) if t is None else r.fn(ctx, t))   # must not raise
    for kind in (JOB_POSTS, ROSTER):
        for _key, _header, check in compiled(kind):
            check(junk)
    report = validate(app)
    assert isinstance(report, Report)
    assert not [f for f in report.findings if f.code == "rule-crashed"]
