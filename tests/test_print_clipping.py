"""Printed package: nothing the tool prints is cut off, on any kind of page it renders.

Every glyph of a page's text layer must leave ink inside its box on the rendered page
(``helpers.ink``): text hidden by a cell's clip path stays in the text layer but prints nothing.
Checked on the forms (cover, checklist, 附件1–3), the tables (first, middle and last pages, and
the page before the last) and the evidence headings, of both editions, for the demo, the
recognition package, an application with long texts and rare characters, and (slow) a
30,000-row roster. The check itself is shown to catch clipping (a render with rows too short).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.apps import build_at
from helpers.ink import clipped_glyphs
from openpyxl import load_workbook
from pypdf import PdfReader

from lingong_docs.core.layout import MAX_ROW_LINES, print_width, text_lines
from lingong_docs.core.model import Record, Table
from lingong_docs.render import convert_to_pdf, render_table_xlsx
from lingong_docs.render import tables as render_tables

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "samples" / "demo"
TABLES = ("job_posts", "roster")
# Rare characters the fonts carry (CJK Ext-A and rare unified ideographs), as in real names.
RARE = "㐀䶮㛃龑堃赟喆淼犇燚鑫垚㵘"
LONG = ("该零工为外籍人员，持外国人永久居留身份证，本次任务由驿站现场核验证件后安排上岗，"
        "报酬已按约定足额支付，附银行代发回单。")




def pages_to_check(result) -> list[int]:
    """Every page of the forms and evidence; of a table its first, middle and last two pages."""
    pages: set[int] = set()
    for m in result.materials:
        first, last = m["first_page"], m["last_page"]
        if m["key"] in TABLES:
            pages |= {first, (first + last) // 2, max(first, last - 1), last}
        else:
            pages |= set(range(first, last + 1))
    return sorted(pages)


def assert_nothing_clipped(result) -> None:
    found = clipped_glyphs(result.path, pages_to_check(result))
    assert [str(c) for c in found[:20]] == []


def _longest(unit: str, key: str, limit: int) -> str:
    """The longest repetition of ``unit`` the text-too-tall check lets through (and ``limit``)."""
    width = print_width("roster", key, 0)
    text = ""
    for ch in (unit * (limit // len(unit) + 1))[:limit]:
        if text_lines(text + ch, width) > MAX_ROW_LINES:
            break
        text += ch
    return text


def _edit_roster(folder: Path) -> None:
    """Long texts in the first rows, rare characters in names and places through the table."""
    path = next(folder.glob("附件5*.xlsx"))
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    head = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1)}
    col = {key: next(c for h, c in head.items() if h and h.startswith(prefix))
           for key, prefix in (("name", "姓名"), ("place", "工作地点"), ("remark", "备注"))}
    last = ws.max_row
    for n, row in enumerate(list(range(5, 25)) + list(range(last - 20, last + 1))):
        ws.cell(row, col["remark"]).value = _longest(LONG, "remark", 300 if n % 3 else 120)
        ws.cell(row, col["place"]).value = "朝阳区望京SOHO塔3座12层会展搭建 " + RARE[n % len(RARE):] + "驿站"
    id_col = next(c for h, c in head.items() if h and h.startswith("身份证"))
    renamed = {ws.cell(row, id_col).value: "欧阳" + RARE[row % len(RARE)] + RARE[(row + 5) % len(RARE)]
               for row in range(5, last + 1, 97)}
    for row in range(5, last + 1):              # one name per ID number, as validate requires
        if ws.cell(row, id_col).value in renamed:
            ws.cell(row, col["name"]).value = renamed[ws.cell(row, id_col).value]
    ws.cell(last, col["remark"]).value = (RARE * 5)[:57]          # a cell of 57 rare characters
    wb.save(path)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("demo")
    operating, employment = build_at(DEMO, out / "e")
    (paper,) = build_at(DEMO, out / "p", kinds=["operating"], paper=True)
    return {"operating": operating, "employment": employment, "paper": paper}


@pytest.fixture(scope="module")
def recognition(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("recognition")
    folder = root / "app"
    shutil.copytree(DEMO, folder)
    app = folder / "application.yaml"
    app.write_text(app.read_text(encoding="utf-8").replace("  - 就业服务补贴\n", "  - 就业服务补贴\n  - 零工市场认定\n"),
                   encoding="utf-8")
    (electronic,) = build_at(folder, root / "e", kinds=["recognition"])
    (paper,) = build_at(folder, root / "p", kinds=["recognition"], paper=True)
    return {"electronic": electronic, "paper": paper, "folder": folder}


@pytest.fixture(scope="module")
def long_rare(tmp_path_factory):
    """The demo with cells as long as validate allows and rare characters, and a long address."""
    root = tmp_path_factory.mktemp("long")
    folder = root / "app"
    shutil.copytree(DEMO, folder)
    _edit_roster(folder)
    app = folder / "application.yaml"
    text = app.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^地址: .*$', '地址: "北京市朝阳区望京街道阜通东大街望京SOHO塔3座12层1201至1208室（㛃龑堃驿站）"', text)
    app.write_text(text, encoding="utf-8")
    (result,) = build_at(folder, root / "out", kinds=["operating"])
    return result


@pytest.mark.parametrize("name", ["operating", "employment", "paper"])
def test_demo_pages_print_every_glyph(demo, name):
    assert_nothing_clipped(demo[name])


@pytest.mark.parametrize("edition", ["electronic", "paper"])
def test_recognition_pages_print_every_glyph(recognition, edition):
    assert_nothing_clipped(recognition[edition])


def test_long_texts_and_rare_characters_print_every_glyph(long_rare):
    assert_nothing_clipped(long_rare)
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(long_rare.path).pages)
    assert all(ch in text for ch in RARE)


def test_the_date_line_of_every_table_is_printed(demo):
    """The 附件4 last page printed "日期：2026年3⺼" (the rest clipped by the seal line's cell)."""
    for name in ("operating", "paper"):
        result = demo[name]
        for m in result.materials:
            if m["key"] in TABLES:
                last = PdfReader(result.path).pages[m["last_page"] - 1].extract_text()
                assert "日期：2026年3月5日" in "".join(last.split())
                assert clipped_glyphs(result.path, [m["last_page"]]) == []


def _table(kind: str, records: list[Record]) -> Table:
    return Table(kind=kind, path=Path("x.xlsx"), sheet=kind, header_row=4, columns={}, records=records)


def test_the_check_catches_clipped_text(tmp_path, monkeypatch):
    """Rows forced to one line (the old fault): the wrapped remarks are clipped, and found."""
    start = dt.datetime(2025, 3, 1, 8)
    rows = [Record(row=5 + i, values={
        "seq": i + 1, "name": "欧阳娜娜", "id_number": "11010519491231002X", "phone": "13800138000",
        "place": "朝阳区望京", "start": start, "end": start + dt.timedelta(hours=8), "hours": Decimal("8"),
        "pay": Decimal("240.5"), "method": "银行转账", "remark": LONG * 3}) for i in range(6)]
    monkeypatch.setattr(render_tables, "row_height", lambda lines: 15.5)
    xlsx = render_table_xlsx(_table("roster", rows), tmp_path / "clipped.xlsx", applicant="北京示例人力资源有限公司",
                             uscc="91110105MA01ABCD39", year=2025)
    (pdf,) = convert_to_pdf([xlsx], tmp_path / "pdf")
    found = clipped_glyphs(pdf)
    assert found and all(c.page == 1 for c in found)
    assert clipped_glyphs(pdf, renderer="poppler")     # the same with poppler's renderer


@pytest.mark.slow
def test_a_30000_row_roster_prints_every_glyph(tmp_path):
    folder = tmp_path / "app"
    shutil.copytree(DEMO, folder)
    roster = next(folder.glob("附件5*.xlsx"))
    subprocess.run([sys.executable, str(ROOT / "samples" / "generate.py"), "--only", "roster", "--rows", "30000",
                    "--roster-out", str(roster)], check=True, capture_output=True)
    (result,) = build_at(folder, tmp_path / "out", kinds=["employment"])
    assert_nothing_clipped(result)
    roster_part = next(m for m in result.materials if m["key"] == "roster")
    last = "".join(PdfReader(result.path).pages[roster_part["last_page"] - 1].extract_text().split())
    assert "共30,000条" in last and "合计" in last


def _seam_strips(pdf: Path) -> list[tuple[float, float, float, float, float, float]]:
    """Return (page width, height, x0, y0, x1, y1) of the dashed 骑缝章 strip of every page that has one."""
    import pymupdf

    out = []
    with pymupdf.open(pdf) as doc:
        for page in doc:
            hits = page.search_for("骑") or page.search_for("骑缝章")
            rects = [d["rect"] for d in page.get_drawings() if d.get("dashes") and d["dashes"] != "[] 0"]
            if hits and rects:
                r = rects[0]
                # PDF user space (y up) from MuPDF's (y down)
                out.append((page.rect.width, page.rect.height, r.x0, page.rect.height - r.y1, r.x1,
                            page.rect.height - r.y0))
    return out


def test_the_seam_place_is_on_the_open_edge_10_mm_in(demo):
    paper = demo["paper"]
    strips = _seam_strips(paper.path)
    assert len(strips) == paper.pages                          # every page of the stack
    mm = 72 / 25.4
    for w, h, x0, y0, x1, y1 in strips:
        if w > h:       # landscape table page, head at the binding edge: its bottom edge is the open edge
            assert 10 * mm - 1 <= y0 < 20 * mm and abs((x0 + x1) / 2 - 0.65 * w) < 2
        else:           # portrait: the right edge
            assert w - 20 * mm < x1 <= w - 10 * mm + 1 and abs((y0 + y1) / 2 - 0.65 * h) < 2
    assert {w > h for w, h, *_ in strips} == {True, False}


def test_no_seam_without_multi_page_tables(recognition):
    paper = recognition["paper"]
    assert _seam_strips(paper.path) == []
    reader = PdfReader(paper.path)
    checklist = next(m for m in paper.materials if m["key"] == "checklist")
    note = "".join(reader.pages[checklist["first_page"] - 1].extract_text().split())
    assert f"本材料共{paper.pages}页" in note and "骑缝" not in note


def test_report_1_keeps_every_character(recognition):
    """附件1 dropped the full stop a full justified line would hang into the margin; every
    character of the four sections is in the text layer (line breaks aside) and leaves ink."""
    import yaml

    result = recognition["electronic"]
    report = next(m for m in result.materials if m["key"] == "report_recognition")
    reader = PdfReader(result.path)
    text = "".join("".join(reader.pages[n - 1].extract_text().split())
                   for n in range(report["first_page"], report["last_page"] + 1))
    text = re.sub(r"第\d+页共\d+页", "", text)
    sections = yaml.safe_load((recognition["folder"] / "application.yaml").read_text(encoding="utf-8"))["认定申请"]
    for value in sections.values():
        for paragraph in str(value).split("\n"):
            filled = "".join(paragraph.split())
            assert filled in text, filled[:30]
    assert "职业指导服务。2025年" in text
