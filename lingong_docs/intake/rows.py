"""Child side: the printed 附件4/附件5 pages against the embedded workbooks, cell by cell.

The scanning child gives, for each table page it read, the text runs of the page's text layer
with their position and font size (``[x, y, size, text]``, PDF points). On each page:

- **columns** are found from the column headers the page prints: the centre of each header
  label, and between two neighbouring centres the boundary where the tool's own layout puts it
  (``core.layout.print_width``: a boundary divides the distance between two centres in the ratio
  of the two columns' printed widths, whatever scale Calc printed the table at);
- **rows** are anchored at the 序号 runs; every other run belongs to the row whose 序号 is nearest,
  measured in that row's half height as the layout gives it (``core.layout.row_height`` of the
  lines its text needs), and runs too far from every row (the 合计 row, the seal line) to none;
- **each cell** — the runs of one row and one column, top to bottom — must read exactly what the
  renderer prints from the embedded record: texts compared without white space (a wrapped cell
  loses its line breaks), numbers as numbers at the column's printed precision, dates and times in
  the column's printed format. A 序号 printed twice, a page without the column headers, and (when
  every page was read) a record printed nowhere are differences too.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from lingong_docs.core.layout import em_width, print_width, row_height, text_lines

ROW_REACH = 1.35        # a run belongs to a row within this many half heights of its 序号
HEADER_REACH = 24.0     # points above/below the 序号 header where the other headers are looked for

Run = tuple[float, float, float, str]          # x, y (baseline, PDF points), font size, text


def _plain(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _runs(raw: Any) -> list[Run]:
    out = []
    for item in raw if isinstance(raw, list) else []:
        try:
            x, y, size, text = float(item[0]), float(item[1]), float(item[2]), str(item[3])
        except (TypeError, ValueError, IndexError):
            continue
        if text.strip():
            out.append((x, y, size, text))
    return out


def _centre(run: Run) -> float:
    return run[0] + em_width(run[3].strip()) * run[2] / 2


def _boundaries(runs: list[Run], columns: list[Any], widths: list[float]) -> tuple[list[float], float] | None:
    """Return the x of the boundary after each column but the last and the y of the lowest line
    of the column headers, or None when the page does not print the column headers."""
    heads = [r for r in runs if _plain(r[3]) == _plain(columns[0].header)]
    if not heads:
        return None
    top = max(heads, key=lambda r: r[1])
    band = [r for r in runs if abs(r[1] - top[1]) <= HEADER_REACH and r is not top]
    centres: list[float | None] = [_centre(top)] + [None] * (len(columns) - 1)
    taken: set[int] = set()
    order = sorted(range(1, len(columns)), key=lambda i: -len(columns[i].header))
    for i in order:
        label = _plain(columns[i].header)
        best = max((j for j, r in enumerate(band) if j not in taken and _plain(r[3]) and _plain(r[3]) in label),
                   key=lambda j: len(_plain(band[j][3])), default=None)
        if best is None:
            return None
        taken.add(best)
        centres[i] = _centre(band[best])
    labels = [_plain(c.header) for c in columns]
    lowest = min([top[1]] + [r[1] for r in band if _plain(r[3]) and any(_plain(r[3]) in h for h in labels)])
    xs = [c for c in centres if c is not None]
    if any(b <= a for a, b in zip(xs, xs[1:])):
        return None
    bounds = [xs[i] + (xs[i + 1] - xs[i]) * widths[i] / (widths[i] + widths[i + 1]) for i in range(len(xs) - 1)]
    return bounds, lowest


def _column_of(run: Run, bounds: list[float]) -> int:
    centre = _centre(run)
    return next((i for i, b in enumerate(bounds) if centre < b), len(bounds))


def _decimals(fmt: str | None) -> int:
    part = (fmt or "").split(".", 1)
    return sum(ch in "0#" for ch in part[1]) if len(part) == 2 else 0


def _strftime(fmt: str | None) -> str:
    fmt = fmt or "yyyy-mm-dd hh:mm"
    out = fmt.replace("hh:mm:ss", "%H:%M:%S").replace("hh:mm", "%H:%M")
    return out.replace("yyyy", "%Y").replace("mm", "%m").replace("dd", "%d")


def _matches(column: Any, value: Any, printed: str) -> bool:
    """True when ``printed`` (white space removed) is what the renderer prints for ``value``."""
    if value is None:
        return printed == ""
    if isinstance(value, bool):
        return printed == _plain(str(value))
    if isinstance(value, (int, float, Decimal)):
        try:
            shown = Decimal(printed.replace(",", ""))
        except InvalidOperation:
            return False
        places = Decimal(1).scaleb(-_decimals(column.number_format))
        return shown == Decimal(str(value)).quantize(places, rounding=ROUND_HALF_UP)
    if isinstance(value, dt.date):
        return printed == _plain(value.strftime(_strftime(column.number_format)))
    if isinstance(value, str):
        return printed == _plain(value)
    return printed == ""                      # BAD and other markers print as an empty cell


class _Records:
    """The records of one table by printed 序号, with what the layout needs of each."""

    def __init__(self, table: Any, name: str) -> None:
        self.columns = list(table.spec.columns)
        self.widths = [print_width(name, c.key, c.width + 2) for c in self.columns]
        self.by_seq: dict[str, Any] = {}
        for rec in table.records:
            seq = rec.values.get("seq")
            if isinstance(seq, int) and not isinstance(seq, bool):
                self.by_seq.setdefault(str(seq), rec)

    def half_height(self, rec: Any) -> float:
        lines = 1
        for col, width in zip(self.columns, self.widths):
            value = rec.values.get(col.key)
            if isinstance(value, str) and value:
                lines = max(lines, text_lines(value, width))
        return row_height(lines) / 2


def _page_cells(runs: list[Run], bounds: list[float], records: _Records) -> tuple[list[tuple[Any, list[str]]], list[str]]:
    """Return [(record, cell texts by column)] of the rows on a page, and the 序号 printed twice."""
    anchors: list[tuple[float, Any, float, Run]] = []
    seen: set[str] = set()
    twice: list[str] = []
    rest = []
    for run in runs:
        seq = _plain(run[3])
        if _column_of(run, bounds) == 0 and seq in records.by_seq:
            rec = records.by_seq[seq]
            if seq in seen:
                twice.append(seq)
                continue
            seen.add(seq)
            anchors.append((run[1], rec, records.half_height(rec), run))
        else:
            rest.append(run)
    cells: list[list[list[Run]]] = [[[a[3]]] + [[] for _ in records.columns[1:]] for a in anchors]
    for run in rest:
        if not anchors:
            break
        k = min(range(len(anchors)), key=lambda a: abs(run[1] - anchors[a][0]) / anchors[a][2])
        if abs(run[1] - anchors[k][0]) <= ROW_REACH * anchors[k][2]:
            cells[k][_column_of(run, bounds)].append(run)
    rows = []
    for (_, rec, _, _), row in zip(anchors, cells):
        texts = ["".join(_plain(r[3]) for r in sorted(cell, key=lambda r: (-r[1], r[0]))) for cell in row]
        rows.append((rec, texts))
    return rows, twice


def compare(table: Any, name: str, pages: dict[int, Any], complete: bool) -> list[tuple[int, int]]:
    """Return (page, Excel row) of every record printed otherwise than the workbook holds it — with
    (page, 0) for a page whose columns cannot be found — and, with ``complete`` (every page of the
    table was read), (0, row) of every record printed nowhere."""
    records = _Records(table, name)
    differences: list[tuple[int, int]] = []
    printed: set[str] = set()
    for page in sorted(pages):
        runs = _runs(pages[page])
        found = _boundaries(runs, records.columns, records.widths)
        if found is None:
            differences.append((page, 0))
            continue
        bounds, header_y = found
        # the table body lies below the column headers' last line (the 附件 label and the title above)
        rows, twice = _page_cells([r for r in runs if r[1] < header_y], bounds, records)
        differences += [(page, records.by_seq[seq].row) for seq in twice]
        for rec, texts in rows:
            seq = str(rec.values.get("seq"))
            if seq in printed:
                differences.append((page, rec.row))
                continue
            printed.add(seq)
            if not all(_matches(c, rec.values.get(c.key), t) for c, t in zip(records.columns, texts)):
                differences.append((page, rec.row))
    if complete:
        differences += [(0, rec.row) for seq, rec in records.by_seq.items() if seq not in printed]
    return sorted(set(differences))

