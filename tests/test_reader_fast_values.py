"""Cell by cell, the reader's fast path (fastexcel columns) reads what the whole-sheet path reads.

Seeded workbooks whose every column holds one type (so the fast path keeps them) but odd values of
that type — names with spaces and separators, IDs with a lower-case x, dashes or full-width digits,
phones stored as numbers, texts with controls and outer spaces, times a hair before or after a
half second, midnight, 序号 fractions and 1e20, float noise in hours and pay — plus blank rows, a
gap, footer lines (合计 in the 序号 column: the last rows are read apart, ``fast.TAIL_ROWS``), a
hidden row, struck-through rows: the records
(row and every value) and the read findings of both paths are equal.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from lingong_docs.reader import fast
from lingong_docs.reader.xlsx import read_table

HEADERS = ["序号", "姓名", "身份证号", "联系方式", "工作地点岗位", "任务开始时间", "任务完成时间",
           "工作时长", "实际结算报酬", "支付方式", "备注"]
NAMES = ["张三", " 李四 ", "张　三", "阿依古丽・买买提", "JOHN  SMITH", "王\u200b五", "李.四", "  ", "",
         "欧阳娜娜", "Ａｂｃ", "赵\t六", "买买提·艾力"]
IDS = ["110101199003071234", "11010119900307123x", "110101-19900307-1234", "'110101199003071236",
       "１１０１０１１９９００３０７１２３４", "110101900307123", "1.10101199003071E+17", " 110101199003071234 ",
       "11010119900307123X"]
PHONE_TEXTS = ["13800138000", " 13800138000", "138-0013-8000", "１３８００１３８０００", "010-12345678", "+86 138"]
PHONE_NUMBERS = [13800138000.0, 13912345678.0, 1.5, 1e16, 10.0]
PLACES = ["朝阳区望京 搬运工", "朝阳区\n三里屯", "  酒仙桥 ", "A\u200dB", "国贸\u202e站", "A\x7fB", "CBD"]
METHODS = ["微信", "银行转账", "现金 ", "支付宝"]
REMARKS = ["", "周末班", " 夜班", "见凭证1-200.pdf"]


def _time(rng: random.Random) -> dt.datetime:
    base = dt.datetime(2025, rng.randint(1, 12), rng.randint(1, 28), rng.choice([0, 8, 13, 23]), rng.choice([0, 30]))
    return base + dt.timedelta(microseconds=rng.choice([0, 0, 0, 499_000, 499_600, 500_400, 999_600, 250_000]))


def _row(rng: random.Random, i: int, phones_as_numbers: bool) -> list:
    start = _time(rng)
    end = start + dt.timedelta(hours=rng.choice([0, 4, 8, 8.5, 30]))
    return [
        rng.choice([float(i), float(i), 2.5, 1e20, -3.0]),
        rng.choice(NAMES), rng.choice(IDS),
        rng.choice(PHONE_NUMBERS) if phones_as_numbers else rng.choice(PHONE_TEXTS),
        rng.choice(PLACES), start, end if rng.random() > 0.05 else dt.datetime(end.year, end.month, end.day),
        rng.choice([8.0, 7.5, 8.000000000058208, -1.0, 0.0, 12.25]),
        rng.choice([320.0, 242.4000000017637, 0.01, 1e12, 300.5]),
        rng.choice(METHODS), rng.choice(REMARKS),
    ]


def _workbook(path: Path, seed: int, phones_as_numbers: bool) -> Path:
    rng = random.Random(seed)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附件5"
    ws.append(["附件5"])
    ws.append(["2025年度撮合服务成功人员花名册"])
    ws.append(["申请单位全称（盖章）：", None, "北京示例人力资源有限公司", None, None, "统一社会信用代码：", None,
               "91110105MA01ABCD39"])
    ws.append(HEADERS)
    struck = Font(strike=True)
    r = 5
    for i in range(1, 181):
        if i in (40, 41):           # two blank rows
            r += 2
        if i == 120:                # a gap of 60 rows
            r += 60
        row = _row(rng, i, phones_as_numbers)
        for c, value in enumerate(row, start=1):
            if value != "" and rng.random() > 0.03:       # a few empty cells
                ws.cell(r, c, value)
        if i % 37 == 0:
            for c in range(1, 12):
                ws.cell(r, c).font = struck
        if i == 77:
            ws.row_dimensions[r].hidden = True
        r += 1
    ws.cell(r, 1, "合计")
    ws.cell(r, 9, 99999.0)
    ws.cell(r + 1, 1, "填表人：张三")
    wb.save(path)
    return path


def _read(path: Path, mode: str, monkeypatch) -> tuple[list, list]:
    monkeypatch.setattr(fast, "MODE", mode)
    monkeypatch.setattr(fast, "TAIL_ROWS", 20)      # the 合计 and 填表人 lines under these short tables
    table = read_table(path)
    return [(rec.row, rec.values) for rec in table.records], [f.to_dict() for f in table.findings]


@pytest.mark.parametrize(("seed", "phones_as_numbers"), [(1, False), (2, True), (3, False), (4, True)])
def test_both_paths_read_the_same_records_and_findings(tmp_path, monkeypatch, seed, phones_as_numbers):
    path = _workbook(tmp_path / f"roster-{seed}.xlsx", seed, phones_as_numbers)
    taken = []
    real = fast.load

    def spy(*args, **kwargs):
        df = real(*args, **kwargs)
        taken.append(df is not None)
        return df
    monkeypatch.setattr(fast, "load", spy)
    slow_records, slow_findings = _read(path, "never", monkeypatch)
    fast_records, fast_findings = _read(path, "always", monkeypatch)
    assert taken == [True]           # the columns were plain: the fast path read them
    assert len(slow_records) == 180
    assert fast_records == slow_records
    assert fast_findings == slow_findings
    codes = {f["code"] for f in slow_findings}
    assert {"rows-after-gap", "total-row-ignored", "row-hidden", "row-struck-through"} <= codes


def test_a_column_mixing_types_goes_the_whole_sheet_way(tmp_path, monkeypatch):
    path = _workbook(tmp_path / "mixed.xlsx", 5, False)
    wb = openpyxl.load_workbook(path)
    wb.active.cell(30, 4, 13800138000)      # one phone typed as a number among texts
    wb.save(path)
    taken = []
    real = fast.load
    monkeypatch.setattr(fast, "load", lambda *a, **k: taken.append(real(*a, **k)) or taken[-1])
    slow = _read(path, "never", monkeypatch)
    quick = _read(path, "always", monkeypatch)
    assert taken == [None] and quick == slow


def test_validating_a_large_roster_makes_no_record_object(tmp_path, monkeypatch):
    """A clean large roster is validated on its columns: ``Table.records`` is never built (year from the data too)."""
    from lingong_docs import api
    from lingong_docs.core import model

    rng = random.Random(7)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for i in range(1, 400):
        start = dt.datetime(2025, 3, 1 + i % 28, 8) + dt.timedelta(days=0)
        ws.append([i, "张三" if i % 2 else "李四", IDS[0] if i % 2 else IDS[-1], "13800138000", "CBD",
                   start, start + dt.timedelta(hours=8), 8, rng.choice([320, 400]), "微信", None])
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    made = []
    real = model.Table.records

    def spy(table):
        made.append(table.kind)
        return real.fget(table)
    monkeypatch.setattr(model.Table, "records", property(spy, real.fset))
    report = api.validate(path)
    assert report.stats["rows"] == {"roster": 399} and report.stats["year"] == 2025
    assert made == []
