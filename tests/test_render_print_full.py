"""Render stage: nothing written in a cell is lost on the printed 附件4/附件5.

Calc keeps clipped text in the PDF (drawn under a clip path), so finding a cell's text in the
extracted page text is not enough: a clipped row shows as text boxes overlapping those of the
next row or the column header. Each page is therefore checked twice: every long cell's full
text is on one page, and no two word boxes of a page overlap. A render with rows too short
(the renderer's row height forced to one line) proves the second check catches clipping.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from lingong_docs.core.layout import MAX_ROW_LINES, print_width, text_lines
from lingong_docs.core.model import Record, Table
from lingong_docs.core.tables import spec
from lingong_docs.render import convert_to_pdf, render_table_xlsx
from lingong_docs.render import tables as render_tables

APPLICANT = "北京示例人力资源有限公司"
USCC = "91110105MA01ABCD39"
TOLERANCE = 2.5      # pt: glyph boxes of adjacent lines touch where a row is filled exactly
SENTENCE = "该零工为外籍人员，持外国人永久居留身份证，本次任务由驿站现场核验证件后安排上岗，报酬已按约定足额支付。"


def longest(unit: str, kind: str, key: str, maxlength: int) -> str:
    """Return the longest repetition of ``unit`` the checks allow: schema length and print lines."""
    width = print_width(kind, key, spec(kind).column(key).width + 2)
    text = ""
    for ch in (unit * (maxlength // max(len(unit), 1) + 1))[:maxlength]:
        if text_lines(text + ch, width) > MAX_ROW_LINES:
            break
        text += ch
    return text


def roster_rows() -> list[Record]:
    latin = longest("Maria José García-López（外籍）", "roster", "name", 40)
    texts = [longest(SENTENCE, "roster", "remark", 500), "第一行\n" * 12 + "Maria José García-López（外籍）",
             longest("望京SOHO塔3座12层会展搭建 ", "roster", "remark", 500)]
    start = dt.datetime(2025, 3, 1, 8)
    rows = []
    for i in range(14):
        rows.append(Record(row=5 + i, values={
            "seq": i + 1, "name": latin if i % 3 == 0 else "欧阳娜娜", "id_number": "11010519491231002X",
            "phone": "13800138000", "place": longest("朝阳区望京街道阜通东大街", "roster", "place", 200),
            "start": start, "end": start + dt.timedelta(hours=8), "hours": Decimal("8"), "pay": Decimal("240.5"),
            "method": "银行转账", "remark": texts[i % len(texts)] + f"（第{i + 1}行完）"}))
    return rows


def post_rows() -> list[Record]:
    return [Record(row=5 + i, values={
        "seq": i + 1, "title": longest("朝阳区望京会展中心临时搭建及撤展工作人员", "job_posts", "title", 100),
        "category": longest("会展搭建", "job_posts", "category", 50), "published": dt.datetime(2025, 1, 2),
        "demand": 10, "remark": longest(SENTENCE, "job_posts", "remark", 500) + f"（第{i + 1}条完）"})
        for i in range(12)]


def table(kind: str, records: list[Record]) -> Table:
    return Table(kind=kind, path=Path("x.xlsx"), sheet=kind, header_row=4, columns={}, records=records)


def page_words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [[(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in
             re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page)]
            for page in html.split("<page ")[1:]]


def overlapping(words: list) -> list[tuple[str, str]]:
    found = []
    ordered = sorted(words)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b[0] >= a[2] - TOLERANCE:
                break
            if a[1] < b[3] - TOLERANCE and b[1] < a[3] - TOLERANCE:
                found.append((a[4], b[4]))
    return found


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return ["".join(page.split()) for page in text.split("\f")]


@pytest.fixture(scope="module")
def printed(tmp_path_factory, request) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("full")
    kw = dict(applicant=APPLICANT, uscc=USCC, year=2025, date_cn="2026年3月5日")
    books = [render_table_xlsx(table("roster", roster_rows()), work / "roster.xlsx", **kw,
                               totals={"name": "共14条", "hours": Decimal("112"), "pay": Decimal("3367")}),
             render_table_xlsx(table("job_posts", post_rows()), work / "job_posts.xlsx", **kw,
                               totals={"title": "共12条", "demand": 120})]
    mp = pytest.MonkeyPatch()
    mp.setattr(render_tables, "row_height", lambda lines: 15.5)        # the old fault: rows too short
    try:
        books.append(render_table_xlsx(table("roster", roster_rows()), work / "clipped.xlsx", **kw))
    finally:
        mp.undo()
    pdfs = convert_to_pdf(books, work / "pdf")
    return {p.stem: p for p in pdfs}


@pytest.mark.parametrize("name, rows", [("roster", roster_rows), ("job_posts", post_rows)])
def test_every_cell_is_printed_in_full_on_one_page(printed, name, rows):
    pages = page_texts(printed[name])
    assert len([p for p in pages if p]) > 1
    keys = [c.key for c in spec(name).columns if c.type == "string"]
    missing = [(r.row, key) for r in rows() for key in keys if r.values.get(key)
               and not any("".join(str(r.values[key]).split()) in page for page in pages)]
    assert missing == []


@pytest.mark.parametrize("name", ["roster", "job_posts"])
def test_no_text_is_drawn_over_other_text(printed, name):
    assert [(n, overlapping(words)[:3]) for n, words in enumerate(page_words(printed[name]), start=1)
            if overlapping(words)] == []


def test_the_overlap_check_catches_rows_that_are_too_short(printed):
    assert any(overlapping(words) for words in page_words(printed["clipped"]))


def test_totals_header_and_date_on_the_pages(printed):
    pages = page_texts(printed["roster"])
    pages = [p for p in pages if p]
    assert all(f"申请单位全称：{APPLICANT}" in p and f"统一社会信用代码：{USCC}" in p for p in pages)
    totals = [p for p in pages if "合计" in p]
    assert len(totals) == 1 and all(t in totals[0] for t in ("共14条", "112.0", "3,367.00"))
    assert "日期：2026年3月5日" in pages[-1]
    jobs = [p for p in page_texts(printed["job_posts"]) if p and "合计" in p]
    assert len(jobs) == 1 and "共12条" in jobs[0]


def test_the_check_and_the_renderer_share_the_line_estimate():
    text = longest(SENTENCE, "roster", "remark", 500)
    width = print_width("roster", "remark", 0)
    assert text_lines(text, width) <= MAX_ROW_LINES < text_lines(text + SENTENCE, width)
