"""How Calc really wrapped the rows of a printed table, against ``core.layout``'s estimate.

Each page of the PDF is cut into cells along its ruling lines (PyMuPDF's drawings); a row's real
line count is the largest number of text lines in one of its cells; the row is named by its 序号.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pymupdf

from lingong_docs.core.layout import LINE_HEIGHT, ROW_PAD, UNIT_PT, column_widths, print_width, text_lines
from lingong_docs.core.tables import spec
from lingong_docs.render.tables import indented_columns


@dataclass(frozen=True)
class RowWrap:
    seq: str
    real: int           # lines Calc printed (the most in any cell)
    estimate: int       # lines core.layout estimates
    drawn: int          # lines the row was drawn tall enough for (its height)
    height: float       # the row's height on the page (pt)
    page: int
    gaps: tuple[float, float]     # smallest distance (pt) between a cell's text and its top / bottom rule


def _rules(page: pymupdf.Page) -> tuple[list[float], list[float]]:
    xs, ys = set(), set()
    for d in page.get_drawings():
        for item in d["items"]:
            if item[0] == "l":
                a, b = item[1], item[2]
                if abs(a.x - b.x) < 0.1:
                    xs.add(round(a.x, 1))
                elif abs(a.y - b.y) < 0.1:
                    ys.add(round(a.y, 1))
            elif item[0] == "re":
                r = item[1]
                if r.width < 1.5:
                    xs.add(round((r.x0 + r.x1) / 2, 1))
                elif r.height < 1.5:
                    ys.add(round((r.y0 + r.y1) / 2, 1))
    return sorted(xs), sorted(ys)


def _merge(values: list[float], tolerance: float = 0.8) -> list[float]:
    out: list[float] = []
    for v in values:
        if not out or v - out[-1] > tolerance:
            out.append(v)
    return out


def measure(pdf: Path, kind: str, records: list, totals: dict | None = None) -> list[RowWrap]:
    """Return the real and estimated lines of every data row of the printed table ``pdf``."""
    columns = spec(kind).columns
    widths = column_widths(kind, [(c.key, c.width + 2) for c in columns], totals or {})
    keys = [c.key for c in columns]
    by_seq = {str(r.values.get("seq")): r for r in records}
    out: list[RowWrap] = []
    with pymupdf.open(pdf) as doc:
        for number, page in enumerate(doc, start=1):
            xs, ys = _rules(page)
            xs, ys = _merge(xs), _merge(ys)
            if len(xs) != len(columns) + 1 or len(ys) < 3:
                continue
            scale = (xs[1] - xs[0]) / (print_width(kind, "seq", 0) * UNIT_PT)     # 序号 keeps its width
            lines = [(pymupdf.Rect(line["bbox"]), "".join(s["text"] for s in line["spans"]))
                     for block in page.get_text("dict")["blocks"] for line in block.get("lines", ())]
            for top, bottom in zip(ys[1:], ys[2:]):            # ys[0]..ys[1] is the column header
                cells: dict[int, list[pymupdf.Rect]] = {}
                seq = ""
                for box, text in lines:
                    cy, cx = (box.y0 + box.y1) / 2, (box.x0 + box.x1) / 2
                    if top < cy < bottom and text.strip():
                        col = next((i for i in range(len(columns)) if xs[i] < cx < xs[i + 1]), None)
                        if col is not None:
                            cells.setdefault(col, []).append(box)
                            if col == 0:
                                seq = text.strip()
                record = by_seq.get(seq)
                if record is None or not cells:
                    continue
                real = max(len(_merge(sorted(round(b.y0, 1) for b in boxes), 2.0)) for boxes in cells.values())
                estimate = max([1] + [text_lines(record.values.get(k), w, ind)
                                      for k, w, ind in zip(keys, widths, indented_columns(kind))
                                      if isinstance(record.values.get(k), str)])
                gap_top = min(min(b.y0 for b in boxes) - top for boxes in cells.values())
                gap_bottom = min(bottom - max(b.y1 for b in boxes) for boxes in cells.values())
                drawn = round(((bottom - top) / scale - ROW_PAD) / LINE_HEIGHT)
                out.append(RowWrap(seq, real, estimate, drawn, bottom - top, number, (gap_top, gap_bottom)))
    return out
