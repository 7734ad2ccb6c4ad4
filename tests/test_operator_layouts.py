"""Layouts and formats operators really use: far formatting, low headers, other formats, swapped files."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers.apps import JOB_POSTS, ROSTER, fill, make_app, table_path, tiny_pdf
from helpers.rules import ADULT, OTHER, D, r
from openpyxl import load_workbook
from openpyxl.styles import PatternFill

import lingong_docs as lg
from lingong_docs.core.errors import ReadError
from lingong_docs.reader.folder import read_single
from lingong_docs.reader.normalize import to_datetime

CLI = [sys.executable, "-m", "lingong_docs"]
POST = dict(seq=1, title="分拣员", category="物流", published=D(2025, 3, 1), demand=30)


def _folder(tmp_path: Path, roster: list[dict]) -> Path:
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, roster)
    fill(table_path(folder, JOB_POSTS), JOB_POSTS, [POST])
    (folder / "支付凭证" / "0001-0009 回单.pdf").write_bytes(tiny_pdf())
    return folder


def test_empty_formatted_cells_down_to_the_last_row_are_ignored(tmp_path):
    folder = _folder(tmp_path, [r(), r(seq=2, id_number=OTHER)])
    wb = load_workbook(table_path(folder, ROSTER))
    ws = wb.worksheets[0]
    ws["K1048576"].fill = PatternFill("solid", fgColor="FFFF00")
    for row in range(7, 2000):
        ws.cell(row, 3).fill = PatternFill("solid", fgColor="EEEEEE")
    wb.save(table_path(folder, ROSTER))
    report = lg.validate(folder)
    assert report.errors == 0 and report.stats["rows"]["roster"] == 2


def test_content_far_down_is_still_refused(tmp_path):
    folder = _folder(tmp_path, [r()])
    wb = load_workbook(table_path(folder, ROSTER))
    wb.worksheets[0]["K1048576"] = "x"
    wb.save(table_path(folder, ROSTER))
    with pytest.raises(ReadError) as info:
        lg.validate(folder)
    assert info.value.code == "sheet-too-large"


def _header_moved_down(tmp_path: Path, rows: int) -> Path:
    folder = _folder(tmp_path, [r()])
    wb = load_workbook(table_path(folder, ROSTER))
    wb.worksheets[0].insert_rows(1, rows)
    wb.save(table_path(folder, ROSTER))
    return table_path(folder, ROSTER)


def test_the_header_is_found_anywhere_in_the_first_100_rows(tmp_path):
    app = read_single(_header_moved_down(tmp_path, 90))
    assert app.roster.header_row == 94 and len(app.roster.records) == 1


def test_a_header_further_down_says_where_it_looked(tmp_path):
    with pytest.raises(ReadError) as info:
        read_single(_header_moved_down(tmp_path, 120), "roster")
    assert info.value.code == "table-header-not-found"
    assert "前100行" in info.value.message and "“附件5”" in info.value.message


@pytest.mark.parametrize("suffix, words", [(".xls", "Excel 97-2003"), (".csv", "CSV"), (".ods", "OpenDocument"),
                                           (".et", "WPS 表格")])
def test_another_format_beside_the_application_is_named(tmp_path, suffix, words):
    folder = _folder(tmp_path, [r()])
    xlsx = table_path(folder, ROSTER)
    other = xlsx.with_suffix(suffix)
    other.write_bytes(_other_format_bytes(suffix))
    xlsx.unlink()
    report = lg.validate(folder)
    found = [f for f in report.findings if f.code == "table-other-format"]
    assert len(found) == 1 and other.name in found[0].message and words in found[0].message
    assert "WPS" in found[0].hint and "LibreOffice" in found[0].hint and "Excel 工作簿" in found[0].hint
    with pytest.raises(ReadError) as info:     # the file given alone is named too
        read_single(other)
    assert info.value.code == "workbook-other-format" and words in info.value.message


def _other_format_bytes(suffix: str) -> bytes:
    if suffix == ".csv":
        return "序号,姓名,身份证号\n1,张三,x\n".encode()
    if suffix == ".ods":
        import io

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            z.writestr("content.xml", "<office:document-content/>")
        return buf.getvalue()
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "Workbook".encode("utf-16-le") + b"\0" * 4096


def test_swapped_workbooks_are_named_as_swapped(tmp_path):
    folder = _folder(tmp_path, [r()])
    roster, posts = table_path(folder, ROSTER), table_path(folder, JOB_POSTS)
    roster.rename(tmp_path / "x.xlsx")
    posts.rename(roster)
    (tmp_path / "x.xlsx").rename(posts)
    with pytest.raises(ReadError) as info:
        lg.validate(folder)
    assert info.value.code == "table-swapped" and "附件5" in info.value.message and "附件4" in info.value.message


@pytest.mark.parametrize("typed", ["'" + ADULT, f"{ADULT[:6]}-{ADULT[6:14]}-{ADULT[14:]}", "‘" + ADULT])
def test_an_id_with_an_apostrophe_or_dashes_is_explained(tmp_path, typed):
    folder = _folder(tmp_path, [r(id_number=typed)])
    found = {(f.row, f.code) for f in lg.validate(folder).findings}
    assert (5, "id-extra-characters") in found and not any(c.startswith("id-length") for _, c in found)


@pytest.mark.parametrize("text, expected", [
    ("2025-03-05 上午8:00", dt.datetime(2025, 3, 5, 8)),
    ("2025/3/5 下午5:30", dt.datetime(2025, 3, 5, 17, 30)),
    ("2025年3月5日 下午 5时", dt.datetime(2025, 3, 5, 17)),
    ("2025/3/5 中午12:30", dt.datetime(2025, 3, 5, 12, 30)),
    ("2025/3/5 上午12:10", dt.datetime(2025, 3, 5, 0, 10)),
])
def test_morning_and_afternoon_are_read(text, expected):
    assert to_datetime(text) == (expected, None)


def test_a_flagged_cell_in_a_hidden_column_is_shown_in_the_annotated_copy(tmp_path):
    folder = _folder(tmp_path, [r(pay=-5)])
    wb = load_workbook(table_path(folder, ROSTER))
    wb.worksheets[0].column_dimensions.group("H", "J", hidden=True)
    wb.save(table_path(folder, ROSTER))
    out = tmp_path / "标注.xlsx"
    subprocess.run(CLI + ["validate", str(folder), "--annotate", str(out)], capture_output=True)
    ws = load_workbook(tmp_path / "标注-附件5.xlsx")["附件5"]
    assert not any(d.hidden and d.min <= 9 <= d.max for d in ws.column_dimensions.values())
    assert ws["I5"].comment is not None


def test_usage_errors_mask_the_typed_path(tmp_path):
    proc = subprocess.run(CLI + ["validate", str(tmp_path / f"{ADULT}.xlsx")], capture_output=True, text=True)
    assert proc.returncode == 2 and ADULT not in proc.stderr + proc.stdout and ADULT[-4:] in proc.stderr


@pytest.mark.parametrize("command", [["validate"], ["compute"]])
def test_json_is_printed_even_when_the_input_cannot_be_read(tmp_path, command):
    bad = tmp_path / f"{OTHER}"
    bad.mkdir()
    (bad / "application.yaml").write_text("申请年度: [1, 2]\n", encoding="utf-8")
    target = bad if command == ["compute"] else bad / "附件5.xlsx"
    if command == ["validate"]:
        target.write_bytes(b"not a workbook")
    proc = subprocess.run(CLI + command + [str(target), "--format", "json"], capture_output=True, text=True)
    data = json.loads(proc.stdout)
    assert proc.returncode == 2 and data["valid"] is False and data["error"]["code"]
    assert OTHER not in proc.stdout + proc.stderr
