"""Junk into every rule: no crash, whatever the cell holds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from lingong_docs.core.findings import Report
from lingong_docs.core.model import BAD, Application, ApplicationInfo, Record, Table
from lingong_docs.core.policy import policy_for
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
    ctx = Context(app=app, year=2025, year_source="application", policy=policy_for(2025),
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


@pytest.mark.parametrize("junk", JUNK + [dt.timedelta(hours=8), float("inf"), 1e300, "８:００", "１３９ １２３４ ５６７８"],
                         ids=range(len(JUNK) + 5))
def test_every_cell_converter_and_the_masking_function_take_any_cell(junk):
    from lingong_docs.core.tables import spec as table_spec
    from lingong_docs.corrections import corrected
    from lingong_docs.reader import normalize as N
    from lingong_docs.util.pii import mask

    if isinstance(junk, (list, dict)):
        return   # a cell never holds a container; application.yaml refuses them by type
    for fn in (N.to_text, N.to_name, N.to_id_text, N.to_phone_text, N.to_decimal, N.to_hours, N.to_seq,
               N.to_integer, N.to_datetime):
        value, code = fn(junk)
        assert code is None or isinstance(code, str)
    for kind in (None, "id", "phone", "name"):
        assert isinstance(mask(junk, kind), str)
    for column in table_spec(ROSTER).columns:
        assert corrected(column, junk) is None or len(corrected(column, junk)) == 3
