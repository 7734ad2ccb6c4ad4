"""One definition of "the same roster row": validate, compute and the intake ledger agree."""

from __future__ import annotations

import datetime as dt

from helpers.apps import ROSTER, fill, make_app, table_path
from helpers.figures import roster_row

import lingong_docs as lg
from lingong_docs.core.identity import record_key
from lingong_docs.intake.truth import row_key
from lingong_docs.util.text import strip_controls

START = dt.datetime(2025, 3, 5, 8)
END = dt.datetime(2025, 3, 5, 17)


def test_a_row_differing_only_in_spaces_is_the_same_row_for_validate_and_compute(tmp_path):
    folder = make_app(tmp_path / "app")
    first = roster_row(0, start=START, end=END, place="望京驿站 分拣员")
    again = dict(first, seq=2, place="望京 驿站　分拣员", id_number=first["id_number"].lower())
    other = roster_row(1, start=START, end=END, place="望京驿站 分拣员")
    fill(table_path(folder, ROSTER), ROSTER, [first, again, dict(other, seq=3)])
    report = lg.validate(folder)
    duplicates = {f.row for f in report.findings if f.code == "duplicate-row"}
    assert duplicates == {6}                     # the second data row (Excel row 6), not the third
    figures = lg.compute(folder)
    assert figures.match_count_readings["per_record"] == 2     # the repeated row counts once


def test_the_ledger_keys_rows_by_the_same_definition():
    key = b"k" * 32
    a = row_key(key, "11010519491231002x", START.isoformat(), END.isoformat(), "望京驿站 分拣员")
    b = row_key(key, "1101051949 1231002X", START.isoformat(), END.isoformat(), "望京 驿站　分拣员")
    c = row_key(key, "11010519491231002X", START.isoformat(), END.isoformat(), "酒仙桥驿站 分拣员")
    assert a == b != c
    assert record_key("11010519491231002x", START, END, "望京 驿站") == \
        record_key("11010519491231002X", START.isoformat(), END.isoformat(), "望京驿站")


def test_the_one_sanitiser_removes_bidi_and_controls_and_keeps_lines():
    assert strip_controls("roster.xlsx\u202egpj.exe") == "roster.xlsxgpj.exe"
    assert strip_controls("a\r\nb\x00c\u200bd") == "a\nbcd"
    assert strip_controls("a\nb", newlines=False) == "a b"
