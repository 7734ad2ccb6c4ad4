"""Reading filled workbooks: header search, normalisation, dates, exact-or-finding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.apps import APPLICANT, JOB_POSTS, ROSTER, USCC, fill, make_app, table_path
from openpyxl import Workbook, load_workbook

from lingong_docs.core.model import BAD
from lingong_docs.core.tables import spec
from lingong_docs.reader.folder import read_application, read_table
from lingong_docs.reader.normalize import to_datetime

ROSTER_HEADERS = [c.header for c in spec(ROSTER).columns]
VALID_ID = "11010519491231002X"


def write_rows(path: Path, rows: list[list], *, date1904: bool = False, title: str = "附件5") -> Path:
    wb = Workbook()
    wb.epoch = dt.datetime(1904, 1, 1) if date1904 else wb.epoch
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def row(**kw) -> list:
    base = dict(seq=1, name="张三", id_number=VALID_ID, phone="13800138000", place="朝阳区望京 分拣员",
                start=dt.datetime(2025, 3, 5, 8), end=dt.datetime(2025, 3, 5, 17), hours=8, pay=320,
                method="微信", remark=None)
    base.update(kw)
    return [base[c.key] for c in spec(ROSTER).columns]


def test_header_found_below_title_rows_and_moved_header_block(tmp_path):
    rows = [["某某单位自制表格"], [], ["统一社会信用代码", USCC, None, "申请单位全称（盖章）", APPLICANT],
            [], ROSTER_HEADERS, row(), [], [], row(seq=2, name="李四")]
    t = read_table(write_rows(tmp_path / "r.xlsx", rows))
    assert t.kind == ROSTER and t.header_row == 5
    assert [r.row for r in t.records] == [6, 9]
    assert t.applicant == APPLICANT and t.uscc == USCC
    assert t.columns["id_number"] == "C"


def test_header_variants_full_width_spaces_line_breaks_aliases(tmp_path):
    headers = [" 序号 ", "姓　名", "身份证号码", "联系\n方式", "工作地点岗位", "任务开始时间", "任务完成\n时间",
               "工作\n时长", "实际结算\n报酬", "支付\n方式", "备注"]
    t = read_table(write_rows(tmp_path / "r.xlsx", [headers, row()]))
    assert set(t.columns) == {c.key for c in spec(ROSTER).columns}
    assert len(t.records) == 1


def test_trailing_empty_rows_and_total_row_ignored(tmp_path):
    rows = [ROSTER_HEADERS, row(), row(seq=2), [None] * 11, ["合计", None, None, None, None, None, None, 16, 640]]
    t = read_table(write_rows(tmp_path / "r.xlsx", rows))
    assert len(t.records) == 2
    assert any(f.code == "total-row-ignored" and f.row == 5 for f in t.findings)


@pytest.mark.parametrize("raw, expected", [
    ("１１０１０５１９４９１２３１００２ｘ", VALID_ID),
    (" 11010519491231002x ", VALID_ID),
    ("11010519491231002X\u00a0", VALID_ID),
])
def test_id_normalised(tmp_path, raw, expected):
    t = read_table(write_rows(tmp_path / "r.xlsx", [ROSTER_HEADERS, row(id_number=raw)]))
    assert t.records[0].values["id_number"] == expected
    assert not [f for f in t.findings if f.severity == "error"]


def test_id_stored_as_number_is_a_finding_never_repaired(tmp_path):
    t = read_table(write_rows(tmp_path / "r.xlsx", [ROSTER_HEADERS, row(id_number=1.10101199003075e17)]))
    assert t.records[0].values["id_number"] is BAD
    [f] = [f for f in t.findings if f.code == "id-stored-as-number"]
    assert (f.row, f.column) == (2, "C")
    assert "110101199003075" not in f.value + f.message


def test_phone_number_cell_and_float(tmp_path):
    t = read_table(write_rows(tmp_path / "r.xlsx", [ROSTER_HEADERS, row(phone=13800138000),
                                                    row(seq=2, phone=13800138000.0)]))
    assert [r.values["phone"] for r in t.records] == ["13800138000", "13800138000"]


@pytest.mark.parametrize("text, expected", [
    ("2025-03-05 08:00", dt.datetime(2025, 3, 5, 8, 0)),
    ("2025/3/5 8:30", dt.datetime(2025, 3, 5, 8, 30)),
    ("2025年3月5日 8时", dt.datetime(2025, 3, 5, 8, 0)),
    ("2025年3月5日8时30分", dt.datetime(2025, 3, 5, 8, 30)),
    ("2025.03.05", dt.datetime(2025, 3, 5)),
    ("２０２５－０３－０５　０８：００", dt.datetime(2025, 3, 5, 8, 0)),
])
def test_date_text_forms(text, expected):
    value, code = to_datetime(text)
    assert value == expected
    assert code in (None, "date-no-time")


@pytest.mark.parametrize("text", ["2025年13月40日", "昨天", "2025-02-30"])
def test_unreadable_dates_are_findings(text):
    value, code = to_datetime(text)
    assert value is BAD and code == "date-unreadable"


@pytest.mark.parametrize("value", ["8:00", "8点30分", dt.time(8, 0), 0.3333])
def test_a_time_alone_says_the_date_is_missing(value):
    assert to_datetime(value) == (BAD, "date-time-only")


def test_serial_numbers_respect_1900_and_1904_systems(tmp_path):
    serial = 45721.3333333333  # 2025-03-05 08:00 in the 1900 system
    t = read_table(write_rows(tmp_path / "a.xlsx", [ROSTER_HEADERS, row(start=serial)]))
    assert t.records[0].values["start"] == dt.datetime(2025, 3, 5, 8, 0)
    wb = Workbook()
    ws = wb.active
    ws.append(ROSTER_HEADERS)
    ws.append(row(start=serial - 1462))  # same day in the 1904 system
    wb.epoch = dt.datetime(1904, 1, 1)
    wb.save(tmp_path / "b.xlsx")
    t2 = read_table(tmp_path / "b.xlsx")
    assert t2.date1904 is True
    assert t2.records[0].values["start"] == dt.datetime(2025, 3, 5, 8, 0)


def test_numbers_with_units_and_full_width(tmp_path):
    t = read_table(write_rows(tmp_path / "r.xlsx", [ROSTER_HEADERS, row(hours="８.5小时", pay="￥3,000.50")]))
    v = t.records[0].values
    assert v["hours"] == Decimal("8.5") and v["pay"] == Decimal("3000.50")


def test_formula_without_value_and_error_cell_are_findings(tmp_path):
    path = write_rows(tmp_path / "r.xlsx", [ROSTER_HEADERS, row(), row(seq=2)])
    wb = load_workbook(path)
    ws = wb.active
    ws["H2"] = "=4+4"          # openpyxl writes no cached value
    ws["I3"].value = "#N/A"
    ws["I3"].data_type = "e"
    wb.save(path)
    t = read_table(path)
    codes = {(f.row, f.column, f.code) for f in t.findings}
    assert (2, "H", "formula-without-value") in codes
    assert (3, "I", "cell-error") in codes


def test_records_carry_excel_location(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [dict(zip([c.key for c in spec(ROSTER).columns], row()))])
    app = read_application(folder)
    rec = app.roster.records[0]
    assert rec.row == 5
    assert app.roster.locate("pay") == ("I", "实际结算报酬")
    assert app.roster.applicant == APPLICANT and app.info.uscc == USCC
    assert "张三" not in repr(rec) and VALID_ID not in repr(app.roster)


def test_detects_job_posts_table(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, JOB_POSTS), JOB_POSTS,
         [dict(seq=1, title="分拣员", category="物流", published=dt.datetime(2025, 3, 1), demand=30)])
    t = read_table(table_path(folder, JOB_POSTS))
    assert t.kind == JOB_POSTS
    assert t.records[0].values == {"seq": 1, "title": "分拣员", "category": "物流",
                                   "published": dt.datetime(2025, 3, 1), "demand": 30, "remark": None}
