"""The one layout model of the printed 附件4/附件5 tables: print widths and line estimates.

The renderer (``render.tables``) sets every data row's height from ``text_lines`` and the
validation check (``text-too-tall``) refuses a cell with ``text_lines`` above ``MAX_ROW_LINES``:
both read the same widths and the same estimate, so a text the check lets through is printed in
full (a row never needs more room than a page holds).

Widths are Excel character units (the width of a digit of the tables' default font, 宋体 11 pt);
the data is printed in 宋体 10 pt. The estimate errs on the generous side — a row a little too
tall costs some paper, a row too short hides text: CJK characters count ``CJK_UNITS`` each, Latin
capitals and wide letters more than a digit, and Latin words wrap whole (as Calc wraps them).
"""

from __future__ import annotations

import functools
import math
import unicodedata

# Printed column widths — narrower than the data-entry widths of the blank workbooks so that
# 附件5's eleven columns print at ~95 % scale on landscape A4: an 18-digit ID needs 19 units,
# a date-time 16. Keys missing here use the schema's width + 2.
PRINT_WIDTHS: dict[str, dict[str, float]] = {
    "roster": {"seq": 6, "name": 8, "id_number": 19, "phone": 12.5, "place": 24, "start": 16,
               "end": 16, "hours": 7, "pay": 11.5, "method": 8, "remark": 18},
    "job_posts": {"seq": 6, "title": 34, "category": 18, "published": 16, "demand": 10, "remark": 34},
}
LINE_HEIGHT = 13.5      # points per text line of the 10 pt body font
ROW_PAD = 2.0           # points added to every data row
CJK_UNITS = 1.65        # width units of one CJK / full-width character of the body font (measured: 1.6)
# Text that wraps loses room at line ends (Chinese line breaking keeps "，。）" off a line's start
# and Latin words whole): it is estimated with wider CJK characters.
CJK_WRAP_UNITS = 1.8
WIDE_LATIN = frozenset("MWmw@%&")
CELL_PAD = 0.6          # units lost to the cell's inner margins
# Lines one table row may take: a landscape A4 page holds ~33 at the scale Calc prints 附件5
# (after the margins, the page header, the repeated column header); a taller row would be cut.
MAX_ROW_LINES = 30


# Room for a seal and a signature, in PDF points on the printed page (one home: the tables leave
# it on their seal line, ``package.marks`` sizes the signature fields with it). A company seal is
# a 40–42 mm circle: the box is 44 mm square; a 签字 image (a name written across) 45 × 18 mm.
MM = 72 / 25.4
SEAL_SIZE = (44 * MM, 44 * MM)
SIGN_SIZE = (45 * MM, 18 * MM)
SIGN_MIN = (35 * MM, 12 * MM)      # a signature box squeezed by neighbouring text
# Printed tables: points per width unit at 100 % (measured: Calc prints a 34-unit column 209 pt
# wide), the widest table printed unscaled (landscape A4 less the margins), and the seal line:
# "申请单位（盖章）：" and "经办人（签字）：" (仿宋 12 pt), each followed by the room for its box
# at the smallest scale the tables print at (~80 %), and the date on a line of its own below.
UNIT_PT = 6.15
PAGE_UNITS = 125.0
SEAL_LINE_UNITS = (9 * 12 / UNIT_PT + SEAL_SIZE[0] / (0.8 * UNIT_PT) + 2,
                   8 * 12 / UNIT_PT + SIGN_SIZE[0] / (0.8 * UNIT_PT) + 2)
SEAL_ROW_HEIGHT = 84.0     # sheet points: the seal box (44 mm ≈ 125 pt at ≤ 100 %) over the line and the date
DATE_ROW_HEIGHT = 24.0


def em_width(text: str) -> float:
    """Return the width of ``text`` in ems: CJK and full-width characters 1, others about half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5 for ch in text)


def char_units(ch: str, cjk: float = CJK_UNITS) -> float:
    """Return the width of one character in column units (see the module docstring)."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return cjk
    if ch.isupper() or ch in WIDE_LATIN:
        return 1.3
    return 1.0


def print_width(kind: str, key: str, default: float) -> float:
    """Return the printed width of column ``key`` of table ``kind`` (``default``: schema width + 2)."""
    return PRINT_WIDTHS.get(kind, {}).get(key, default)


def _tokens(line: str) -> list[str]:
    """Split a line into wrap units: a CJK character alone, a Latin word with what follows it."""
    out: list[str] = []
    word = ""
    for ch in line:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            if word:
                out.append(word)
                word = ""
            out.append(ch)
        else:
            word += ch
            if ch in " -/":
                out.append(word)
                word = ""
    if word:
        out.append(word)
    return out


@functools.lru_cache(maxsize=65536)
def _line_count(line: str, usable: float) -> int:
    if len(line) * CJK_UNITS <= usable:            # fits even if every character is wide
        return 1
    if sum(char_units(ch) for ch in line) <= usable:
        return 1
    lines, used = 1, 0.0
    for token in _tokens(line):
        units = sum(char_units(ch, CJK_WRAP_UNITS) for ch in token)
        if used + units <= usable:
            used += units
            continue
        if units > usable:                   # a word wider than the column is broken anywhere
            total = used + units
            lines += math.ceil(total / usable) - 1
            used = total - (math.ceil(total / usable) - 1) * usable
            continue
        lines += 1
        used = units
    return lines


def text_lines(value: object, width: float) -> int:
    """Return how many lines ``value`` needs in a wrapped column ``width`` units wide."""
    if not isinstance(value, str) or not value:
        return 1
    usable = max(width - CELL_PAD, 1.0)
    return sum(_line_count(part, usable) for part in value.split("\n"))


def row_height(lines: int) -> float:
    """Return the height in points of a table row holding ``lines`` lines of text."""
    return LINE_HEIGHT * max(lines, 1) + ROW_PAD


def text_units(text: str) -> float:
    """Return the width of ``text`` on one line, in column units (body font)."""
    return sum(char_units(ch) for ch in text)


def column_widths(kind: str, columns: list[tuple[str, float]], totals: dict[str, object]) -> list[float]:
    """Return the printed width of each column (``columns``: key and schema width + 2): the
    print width, widened where the 合计 row's text (``totals``) would not fit on one line."""
    out = []
    for key, default in columns:
        width = print_width(kind, key, default)
        total = totals.get(key)
        if isinstance(total, str) and total:
            width = max(width, math.ceil((text_units(total) + CELL_PAD + 0.5) * 2) / 2)
        out.append(width)
    return out


def seal_line_spans(widths: list[float]) -> list[tuple[int, int]]:
    """Return the (first, last) 0-based columns of the seal line's two parts: 申请单位（盖章） with
    room for the seal, then 经办人（签字） with room for the signature (to the last column)."""
    need = SEAL_LINE_UNITS[0]
    used, split = 0.0, len(widths) - 1
    for i, w in enumerate(widths[:-1]):
        used += w
        if used >= need:
            split = i
            break
    return [(0, split), (split + 1, len(widths) - 1)] if split < len(widths) - 1 else [(0, len(widths) - 1)]
