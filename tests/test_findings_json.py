"""The report's JSON is exactly what ``json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str)``
writes (``Report.to_json`` writes the findings itself, for speed)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from lingong_docs.core.findings import ERROR, WARNING, Finding, Report

TEXT = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ['"', "\\", "\n", "\x00", "\u2028", '\n  "issues": [],', "身份证号 110105********1234", ""])
OPTIONAL = st.none() | TEXT


@st.composite
def findings(draw):
    return Finding(code=draw(TEXT), severity=draw(st.sampled_from([ERROR, WARNING, "info"])), message=draw(TEXT),
                   hint=draw(TEXT), file=draw(OPTIONAL), sheet=draw(OPTIONAL),
                   row=draw(st.none() | st.integers(0, 2**70)), column=draw(OPTIONAL), header=draw(OPTIONAL),
                   value=draw(TEXT))


@settings(max_examples=200)
@given(st.lists(findings(), max_size=8), st.dictionaries(TEXT, st.none() | st.integers() | TEXT
                                                         | st.dictionaries(TEXT, st.integers(), max_size=3),
                                                         max_size=4))
def test_the_json_is_that_of_json_dumps(items, stats):
    report = Report(findings=items, stats=stats)
    assert report.to_json() == json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str)


def test_an_empty_report():
    report = Report(stats={"rows": {"roster": 0}})
    assert report.to_json() == json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    assert json.loads(report.to_json())["issues"] == []
