"""Every message of the catalogue renders cleanly: no doubled units, no unfilled placeholders.

Each message and hint of ``schemas/messages/*.yaml`` is filled through ``findings.make`` with
sample values of the shapes the program passes (counts, dates, the two row-list shapes), and
the text is checked for "行行"-like slips and for ``{name}`` left in the text.
"""

from __future__ import annotations

import re
import string

import pytest

from lingong_docs.core import findings as F
from lingong_docs.core.findings import rows_text
from lingong_docs.util.resources import load_yaml

UNITS = "行个人条次页元天年月日份项处张名岁字"
DOUBLED = re.compile(f"([{UNITS}])\\1")
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z_0-9]*\}")
# Row lists come in two shapes: "5、7—9等" (compute and intake) and "5、6、7 等35行" (the roster
# rules, cross_rows): messages of the roster topic get both, the others the first.
RUNS = [rows_text(range(5, 60, 3)), rows_text([5]), rows_text(range(5, 1005)), rows_text([5, 9])]
ROW_COUNTS = {"input-has-errors"}        # its {rows} is a number of rows, not a list
NUMBERS = {"count", "errors", "roster_rows", "post_rows", "limit", "lines", "pages", "length", "age", "year",
           "hours", "seconds", "size", "first", "last", "row", "cap", "amount", "computed", "claimed", "used"}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _sample(code: str, name: str, rows: str) -> object:
    if name == "rows":
        return 13 if code in ROW_COUNTS else rows
    if name in NUMBERS:
        return 2025 if name == "year" else 13
    if name == "date":
        return "2025-03-05"
    return "示例"


def _roster_codes() -> set[str]:
    return set(load_yaml("messages/roster.yaml") or {})


def _cases() -> list[tuple[str, str]]:
    return [(code, rows) for code in sorted(F.catalogue()) for rows in RUNS]


@pytest.mark.parametrize("code, rows", _cases())
def test_message_renders_without_slips(code, rows):
    entry = F.catalogue()[code]
    names = _fields(entry["message"]) | _fields(entry.get("hint", "")) | _fields(entry.get("title", ""))
    params = {n: _sample(code, n, rows) for n in names if n not in ("file", "sheet", "row", "column", "header", "value")}
    finding = F.make(code, file="花名册.xlsx", row=5, column="C", header="身份证号", value="示例", **params)
    for text in (finding.message, finding.hint):
        assert PLACEHOLDER.findall(text) == []
        assert DOUBLED.findall(text.replace("示例", "")) == []
