"""Render stage: the end of a printed table — totals that fit, the seal line with its data, and
rows as tall as Calc wraps them.

* the 合计 row's texts each print on one line, up to a pay total of 10^9 元 (the columns are
  widened from the totals, ``core.layout.column_widths``);
* for row counts around a page boundary, the last page always holds data rows, the 合计 row and
  the seal line (``render_tables_pdf`` keeps them together), where Calc alone leaves the seal
  line or the 合计 row alone on a page;
* the line estimate (``core.layout.text_lines``) is the real wrap for ≥ 99 % of rows, text keeps
  ≥ 1 mm from the rule before it, and wrapped lines clear of the rules above and below.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pymupdf
import pytest
from helpers.wrap import measure
from pypdf import PdfReader

from lingong_docs.core.model import Record, Table
from lingong_docs.render import convert_to_pdf, render_table_xlsx, render_tables_pdf
from lingong_docs.render.tables import ends_together

KW = dict(applicant="北京示例人力资源有限公司", uscc="91110105MA01ABCD39", year=2025, date_cn="2026年3月5日")
PLACES = ["朝阳区望京SOHO 数据录入员", "朝阳区奥林匹克公园国家会议中心 安保协管员", "朝阳区三里屯太古里 餐饮服务员",
          "朝阳区东坝物流仓 快递分拣员", "朝阳区酒仙桥751园区 会展搭建工（夜班，需自带工具）"]
MM = 72 / 25.4


def rows(n: int) -> list[Record]:
    start = dt.datetime(2025, 3, 1, 8)
    return [Record(row=5 + i, values={
        "seq": i + 1, "name": ["欧阳娜娜", "王芳", "Maria José"][i % 3], "id_number": "11010519491231002X",
        "phone": "13800138000", "place": PLACES[i % len(PLACES)], "start": start, "end": start + dt.timedelta(hours=8),
        "hours": Decimal("7.5"), "pay": Decimal("240.50"), "method": "银行转账",
        "remark": "按时到岗" if i % 4 else ""}) for i in range(n)]


def table(records: list[Record]) -> Table:
    return Table(kind="roster", path=Path("x.xlsx"), sheet="附件5", header_row=4, columns={}, records=records)


def totals(n: int, pay: str = "1,000,000,000.00") -> dict:
    return {"name": f"共{n:,}条", "hours": "165,198.0", "pay": pay, "remark": f"计入撮合{n:,}个次"}


def last_page_lines(pdf: Path) -> list[str]:
    with pymupdf.open(pdf) as doc:
        page = doc[-1]
        return ["".join(s["text"] for s in line["spans"]) for block in page.get_text("dict")["blocks"]
                for line in block.get("lines", ())]


@pytest.fixture(scope="module")
def boundary(tmp_path_factory) -> dict:
    """Tables of 25–60 rows with a 合计 row: first as Calc alone prints them, then kept together."""
    work = tmp_path_factory.mktemp("end")
    counts = list(range(25, 61))
    plain = convert_to_pdf([render_table_xlsx(table(rows(n)), work / f"plain{n}.xlsx", **KW, totals=totals(n))
                            for n in counts], work / "plain")
    alone = [n for n, pdf in zip(counts, plain) if not ends_together(pdf)]
    kept = render_tables_pdf([(table(rows(n)), work / f"kept{n}.xlsx", dict(KW, totals=totals(n))) for n in alone],
                             work / "kept")
    return {"counts": counts, "plain": dict(zip(counts, plain)), "alone": alone, "kept": dict(zip(alone, kept))}


def test_totals_print_on_one_line_up_to_a_billion(boundary):
    n = boundary["counts"][0]
    lines = [line.replace(" ", "") for line in last_page_lines(boundary["plain"][n])]
    for text in totals(n).values():
        assert text in lines, (text, lines)          # each total is one line of its cell


def test_calc_alone_leaves_the_seal_line_alone_and_the_renderer_does_not(boundary):
    assert boundary["alone"], "no row count around the page boundary left the seal line alone"
    for n in boundary["alone"]:
        pdf = boundary["kept"][n]
        assert ends_together(pdf)
        text = "".join("".join(PdfReader(pdf).pages[-1].extract_text().split()))
        assert f"共{n:,}条" in text and "申请单位（盖章）" in text and "日期：2026年3月5日" in text
        seqs = [line for line in last_page_lines(pdf) if line.strip() == str(n)]
        assert seqs, f"row {n} is not on the last page"
        plain_pages = len(PdfReader(boundary["plain"][n]).pages)
        assert len(PdfReader(pdf).pages) <= plain_pages          # no page more than Calc alone


def test_rows_are_as_tall_as_calc_wraps_them(boundary):
    wraps = [w for n in boundary["counts"][-3:] for w in measure(boundary["plain"][n], "roster", rows(n),
                                                                    totals(n))]
    assert len(wraps) > 100
    close = sum(abs(w.estimate - w.real) <= 1 for w in wraps) / len(wraps)
    exact = sum(w.estimate == w.real for w in wraps) / len(wraps)
    assert close >= 0.99 and exact >= 0.95
    assert {w.real for w in wraps} >= {1, 2}                     # both one-line and wrapped rows
    assert min(min(w.gaps) for w in wraps) >= 0.9                # clear of the rules above and below


def test_text_keeps_a_millimetre_from_the_rule_before_it(boundary):
    with pymupdf.open(boundary["plain"][boundary["counts"][-1]]) as doc:
        page = doc[0]
        xs = sorted({round(i[1].x, 1) for d in page.get_drawings() for i in d["items"]
                     if i[0] == "l" and abs(i[1].x - i[2].x) < 0.1})
        gaps = []
        for block in page.get_text("dict")["blocks"]:
            for line in block.get("lines", ()):
                x0, y0, x1, _ = line["bbox"]
                if y0 < 120:                                     # header block and column headings
                    continue
                left = max((x for x in xs if x <= x0 + 0.5), default=None)
                right = min((x for x in xs if x >= x1 - 0.5), default=None)
                if left is not None and right is not None:
                    gaps.append((x0 - left, right - x1))
    # ≥ 1 mm before the text (left-aligned cells are indented, numbers centred in columns as wide as
    # their 合计 plus the padding); a full line of a left-aligned cell ends where Calc wraps it,
    # ~1 pt before the rule, never on it
    assert gaps and min(g[0] for g in gaps) >= 1 * MM and min(g[1] for g in gaps) >= 0.5
