"""``fix`` on every messy case: validate's findings shrink, and nothing it did not change changed.

Each case is a folder typed the way operators type. The copy ``fix`` writes is compared with the
original cell by cell (value, number format, font, comment), with the sheets' column widths,
hidden rows and columns, validations and merged ranges: only the cells in its change list differ.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.apps import JOB_POSTS, ROSTER, fill, make_app, table_path, tiny_pdf
from helpers.rules import ADULT, OTHER, D, make_id, r
from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill
from python_calamine import CalamineWorkbook

import lingong_docs as lg
from lingong_docs.corrections import LOG_SHEET, STAGING_PREFIX, fix_application, fixable
from lingong_docs.pipeline import read

CLI = [sys.executable, "-m", "lingong_docs"]
THIRD = make_id("19800101", "110108", "321")
POST = dict(seq=1, title="分拣员", category="物流", published=D(2025, 3, 1), demand=30)


def _folder(tmp_path: Path, roster: list[dict], posts: list[dict] | None = None) -> Path:
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, roster)
    fill(table_path(folder, JOB_POSTS), JOB_POSTS, posts if posts is not None else [POST])
    (folder / "支付凭证" / "回单.pdf").write_bytes(tiny_pdf())
    return folder


def _edit(folder: Path, kind: str, edit) -> None:
    wb = load_workbook(table_path(folder, kind))
    edit(wb.worksheets[0])
    wb.save(table_path(folder, kind))


def case_full_width_and_spaces(tmp_path):
    full = "".join(chr(ord(c) + 0xFEE0) for c in ADULT)
    return _folder(tmp_path, [r(id_number=full, phone="139 1234 5678", name=" 买买提・艾力 "),
                              r(seq=2, id_number=OTHER, pay="３２０")])


def case_old_id_and_text_dates(tmp_path):
    return _folder(tmp_path, [r(id_number="110105850101123", start="2025/3/6 8:00", end="2025年3月6日 17:00"),
                              r(seq=2, id_number=OTHER, start="2025-03-07 上午8:00", end="2025-03-07 下午5:00")])


def case_apostrophe_and_dashes(tmp_path):
    return _folder(tmp_path, [r(id_number="'" + ADULT), r(seq=2, id_number=f"{OTHER[:6]}-{OTHER[6:14]}-{OTHER[14:]}")])


def case_merged_and_seq_gaps(tmp_path):
    folder = _folder(tmp_path, [r(seq=1), r(seq=4, id_number=THIRD, start=D(2025, 3, 8, 8), end=D(2025, 3, 8, 17)),
                                r(seq=7, id_number=THIRD, start=D(2025, 3, 9, 8), end=D(2025, 3, 9, 17))])
    _edit(folder, ROSTER, lambda ws: ws.merge_cells("E6:E7"))
    return folder


def case_two_row_header(tmp_path):
    folder = _folder(tmp_path, [])

    def two_rows(ws):
        ws.insert_rows(5)
        for col in range(1, 12):
            ws.merge_cells(start_row=4, start_column=col, end_row=5, end_column=col)
        for i, row in enumerate([r(name="张　三"), r(seq=2, id_number=OTHER)]):
            for j, key in enumerate(["seq", "name", "id_number", "phone", "place", "start", "end", "hours", "pay",
                                     "method"], start=1):
                ws.cell(6 + i, j).value = row[key]
    _edit(folder, ROSTER, two_rows)
    return folder


def case_latin_names(tmp_path):
    return _folder(tmp_path, [r(name="JOHN SMITH", id_number=make_id("19900307", "911010")),
                              r(seq=2, id_number=OTHER, name="玛丽亚 · 安娜")])


def case_day_fractions(tmp_path):
    folder = _folder(tmp_path, [r(seq=i + 1, id_number=[ADULT, OTHER, THIRD][i], start=D(2025, 3, 5 + i, 8),
                                  end=D(2025, 3, 5 + i, 16), hours=1 / 3) for i in range(3)])
    return folder


def case_formatting_everywhere(tmp_path):
    """Formatted empty cells far down, a hidden column, a struck row, comments, widths: all kept."""
    folder = _folder(tmp_path, [r(phone="138 0013 8000", name="阿依・买买提"), r(seq=2, id_number=OTHER),
                                r(seq=3, id_number=THIRD)])

    def decorate(ws):
        ws["K1048576"].fill = PatternFill("solid", fgColor="FFFF00")
        for row in range(8, 300):
            ws.cell(row, 2).fill = PatternFill("solid", fgColor="EEEEEE")
        ws.column_dimensions["L"].hidden = True
        ws.column_dimensions["E"].width = 40
        for cell in ws[7]:
            cell.font = Font(strike=True)
        ws.cell(9, 1).value = "填表人：王五    审核人：赵六"
    _edit(folder, ROSTER, decorate)
    return folder


def case_both_tables_in_one_workbook(tmp_path):
    folder = _folder(tmp_path, [r(phone="138 0013 8000"), r(seq=3, id_number=OTHER)],
                     [POST, dict(POST, seq=5, title=" 搬运工 ")])   # 序号 gaps in both tables
    posts = load_workbook(table_path(folder, JOB_POSTS)).worksheets[0]
    wb = load_workbook(table_path(folder, ROSTER))
    ws = wb.create_sheet(posts.title)
    for row in posts.iter_rows():
        for cell in row:
            if cell.value is not None:
                ws.cell(cell.row, cell.column).value = cell.value
    wb.save(table_path(folder, ROSTER))
    table_path(folder, JOB_POSTS).unlink()
    app_file = folder / "application.yaml"
    text = app_file.read_text(encoding="utf-8")
    app_file.write_text(text.replace(table_path(folder, JOB_POSTS).name, table_path(folder, ROSTER).name),
                        encoding="utf-8")
    return folder


CASES = {name[5:]: fn for name, fn in sorted(globals().items()) if name.startswith("case_")}


def _cells(path: Path) -> dict[tuple[str, str], tuple]:
    """Return every cell of every sheet (but 修改记录) as (raw value, number format, font, comment)."""
    raw = CalamineWorkbook.from_path(str(path))
    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if ws.title == LOG_SHEET:
            continue
        values = raw.get_sheet_by_name(ws.title).to_python(skip_empty_area=False)
        for c in ws._cells.values():    # the cells the file holds (not the 17 billion a far one implies)
            cached = values[c.row - 1][c.column - 1] if c.row <= len(values) and c.column <= len(values[c.row - 1]) else ""
            out[(ws.title, c.coordinate)] = (c.value, cached, c.number_format, c.font.strike, c.font.b,
                                             c.comment.text if c.comment else None)
    return out


def _sheet_layout(path: Path) -> dict[str, tuple]:
    wb = load_workbook(path)
    return {ws.title: ({k: (d.width, d.hidden) for k, d in ws.column_dimensions.items()},
                       sorted(r for r, d in ws.row_dimensions.items() if d.hidden),
                       sorted(str(m) for m in ws.merged_cells.ranges),
                       len(ws.data_validations.dataValidation), ws.freeze_panes)
            for ws in wb.worksheets if ws.title != LOG_SHEET}


def _where(findings) -> set[tuple]:
    return {(f.file, f.row, f.column, f.code) for f in findings}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fix_round_trip(tmp_path, name):
    folder = CASES[name](tmp_path)
    app = read(folder)
    before = lg.validate(folder)
    promised = _where(fixable(app, before))
    result = fix_application(folder, tmp_path / "fixed")
    after = lg.validate(tmp_path / "fixed")
    assert not promised & _where(after.findings), f"{name}: fix left what the hint counted"
    assert _where(after.findings) <= _where(before.findings), f"{name}: new findings after fix"
    assert len(after.findings) <= len(before.findings)
    assert promised and len(after.findings) < len(before.findings)
    changed = {(c.sheet, c.cell) for c in result.changes}
    for table in app.tables:
        source, copy = table.path, tmp_path / "fixed" / table.path.name
        old, new = _cells(source), _cells(copy)
        differs = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
        untouched_empty = {k for k in differs if k not in changed and not any(
            v not in (None, "", "General", False) for v in (old.get(k, ()) + new.get(k, ()))[:2])}
        assert differs - untouched_empty <= changed, f"{name}: cells changed that fix did not list"
        assert _sheet_layout(source) == _layout_without_unmerged(_sheet_layout(copy), _sheet_layout(source),
                                                                 result)
    for c in result.changes:
        assert c.before != c.after or type(c.before) is not type(c.after)


def _layout_without_unmerged(copy: dict, source: dict, result) -> dict:
    """The copy's layout with the merged ranges fix removed put back (they are listed changes)."""
    out = {}
    for title, (cols, hidden, merged, validations, freeze) in copy.items():
        gone = sorted(set(source.get(title, ((), (), []))[2]) - set(merged))
        assert all(any(ref in c.reason for c in result.changes) for ref in gone)
        out[title] = (cols, hidden, sorted(merged + gone), validations, freeze)
    return out


def test_fix_keeps_cached_formula_values(tmp_path):
    """A workbook saved by a spreadsheet program (LibreOffice here) keeps its formulas' results."""
    folder = _folder(tmp_path, [r(phone="１３９ 1234 5678"), r(seq=2, id_number=OTHER)])
    _edit(folder, ROSTER, lambda ws: [ws.__setitem__(f"H{n}", f"=(G{n}-F{n})*24") for n in (5, 6)])
    saved = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(saved),
                    str(table_path(folder, ROSTER))], check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(tmp_path)})
    (saved / table_path(folder, ROSTER).name).replace(table_path(folder, ROSTER))
    assert lg.validate(folder).errors == 0
    result = fix_application(folder, tmp_path / "fixed")
    assert [c.cell for c in result.changes] == ["D5"]
    fixed = tmp_path / "fixed"
    report = lg.validate(fixed)
    assert report.errors == 0 and "formula-without-value" not in report.by_code()
    assert lg.compute(fixed).counted_rows == 2
    ws = load_workbook(table_path(fixed, ROSTER)).worksheets[0]
    assert ws["H5"].value == "=(G5-F5)*24"     # still a formula, with its result kept


def test_latin_names_keep_their_spaces(tmp_path):
    folder = case_latin_names(tmp_path)
    report = lg.validate(folder)
    assert [(f.row, f.code) for f in report.findings if f.code == "name-separator"] == [(6, "name-separator")]
    fix_application(folder, tmp_path / "fixed")
    ws = load_workbook(table_path(tmp_path / "fixed", ROSTER)).worksheets[0]
    assert (ws["B5"].value, ws["B6"].value) == ("JOHN SMITH", "玛丽亚·安娜")


def test_a_format_alone_is_no_change(tmp_path):
    folder = _folder(tmp_path, [r(), r(seq=2, id_number=OTHER)])
    _edit(folder, ROSTER, lambda ws: [setattr(ws[f"C{n}"], "number_format", "General") for n in (5, 6)])
    result = fix_application(folder, tmp_path / "fixed")
    assert result.changes == []


def test_two_row_header_is_not_written_into_the_data(tmp_path):
    folder = case_two_row_header(tmp_path)
    assert "merged-cells" not in lg.validate(folder).by_code()
    fix_application(folder, tmp_path / "fixed")
    ws = load_workbook(table_path(tmp_path / "fixed", ROSTER)).worksheets[0]
    assert [ws.cell(5, c).value for c in range(1, 12)] == [None] * 11
    assert len(read(tmp_path / "fixed").roster.records) == 2


def test_day_fractions_are_multiplied_by_24_when_every_row_fits(tmp_path):
    folder = case_day_fractions(tmp_path)
    result = fix_application(folder, tmp_path / "fixed")
    ws = load_workbook(table_path(tmp_path / "fixed", ROSTER)).worksheets[0]
    assert [ws[f"H{n}"].value for n in (5, 6, 7)] == [8, 8, 8]
    assert {c.reason for c in result.changes if c.cell.startswith("H")} == {"工作时长由天数换算为小时（×24）"}


def test_day_fractions_are_left_when_one_row_does_not_fit(tmp_path):
    folder = _folder(tmp_path, [r(start=D(2025, 3, 5, 8), end=D(2025, 3, 5, 16), hours=1 / 3),
                                r(seq=2, id_number=OTHER, hours=0.5)])
    result = fix_application(folder, tmp_path / "fixed")
    assert not [c for c in result.changes if c.cell.startswith("H")]


def test_both_tables_in_one_workbook_keep_both_change_lists(tmp_path):
    folder = case_both_tables_in_one_workbook(tmp_path)
    result = fix_application(folder, tmp_path / "fixed")
    sheets = {c.sheet for c in result.changes}
    assert len(sheets) == 2
    log = load_workbook(table_path(tmp_path / "fixed", ROSTER))[LOG_SHEET]
    assert log.max_row - 1 == len(result.changes)
    assert {row[1] for row in log.iter_rows(min_row=2, values_only=True)} == sheets


def test_staging_folders_of_killed_runs_are_swept(tmp_path):
    folder = _folder(tmp_path, [r(phone="138 0013 8000")])
    dead = 2 ** 22 + 12345          # above pid_max: no such process
    left = tmp_path / f"{STAGING_PREFIX}{dead}-abc"
    legacy = tmp_path / f".fixed.fixing-{dead}"
    mine = tmp_path / f"{STAGING_PREFIX}{os.getpid()}-live"
    for p in (left, legacy, mine):
        p.mkdir()
        (p / "附件5.xlsx").write_bytes(b"x")
    fix_application(folder, tmp_path / "fixed")
    assert not left.exists() and not legacy.exists() and mine.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(STAGING_PREFIX) and p != mine]


def test_the_hint_counts_only_what_fix_changes(tmp_path):
    folder = _folder(tmp_path, [r(id_number="110105850101123", pay="abc"), r(seq=3, id_number=OTHER, name="阿依・买买提")])
    proc = subprocess.run(CLI + ["validate", str(folder)], capture_output=True, text=True)
    report = lg.validate(folder)
    promised = fixable(read(folder), report)
    assert {f.code for f in promised} == {"id-15-digit", "name-separator", "seq-gap"}
    assert f"其中 {len(promised)} 处问题可能可以自动改正" in proc.stdout
    after = lg.validate(fix_application(folder, tmp_path / "fixed").target)
    assert "number-unreadable" in after.by_code()        # never promised, never fixed
    assert not _where(promised) & _where(after.findings)


def test_fix_keeps_the_time_of_day_of_a_text_date(tmp_path):
    folder = case_old_id_and_text_dates(tmp_path)
    fix_application(folder, tmp_path / "fixed")
    ws = load_workbook(table_path(tmp_path / "fixed", ROSTER)).worksheets[0]
    assert (ws["F6"].value, ws["G6"].value) == (dt.datetime(2025, 3, 7, 8), dt.datetime(2025, 3, 7, 17))
