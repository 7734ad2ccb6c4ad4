"""The one layout model of the printed 附件4/附件5 tables: print widths and line estimates.

The renderer (``render.tables``) sets every data row's height from ``text_lines`` and the
validation check (``text-too-tall``) refuses a cell with ``text_lines`` above ``MAX_ROW_LINES``:
both read the same widths and the same estimate, so a text the check lets through is printed in
full (a row never needs more room than a page holds).

Widths are Excel character units (the width of a digit of the tables' default font, 宋体 11 pt);
the data is printed in 宋体 10 pt. The estimate follows Calc's wrapping with the measured widths
of the printed characters, rounded up a little — a row a little too tall costs some paper, a row
too short hides text: Latin words wrap whole, and Chinese punctuation that may not start a line
goes with the character before it (as Calc wraps them).
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata

# Printed column widths — narrower than the data-entry widths of the blank workbooks so that
# 附件5's eleven columns print at ~80 % scale on landscape A4: an 18-digit ID needs 19 units,
# a date-time 16, a 工作地点岗位 of 16 characters 29 (nine in ten of them on one line), the widest
# header "实际结算报酬" 11.5. Keys missing here use the schema's width + 2; ``column_widths``
# widens a column whose 合计 would not fit.
PRINT_WIDTHS: dict[str, dict[str, float]] = {
    "roster": {"seq": 6, "name": 8.5, "id_number": 19, "phone": 12.5, "place": 29, "start": 16,
               "end": 16, "hours": 7, "pay": 11.5, "method": 9.5, "remark": 15},
    "job_posts": {"seq": 6, "title": 34, "category": 18, "published": 16, "demand": 10, "remark": 34},
}
LINE_HEIGHT = 14.0      # points per text line of the 10 pt body font (Noto CJK: 1.45 em a line)
ROW_PAD = 2.5           # points added to every data row: wrapped lines stay ≥ 1 pt clear of the rules
# Character widths in column units, measured on the printed tables (Noto Serif CJK SC for 宋体
# 10 pt; one unit is 6.15 pt at 100 %): a CJK / full-width character is 10 pt (1.63 units),
# digits 0.5625 em, a space 0.25 em. Each is rounded up by ~2 % (a row estimated too short would
# hide text; one too tall only costs paper).
CJK_UNITS = 1.66
DIGIT_UNITS = 0.93
NARROW = {" ": 0.42, ".": 0.55, ",": 0.55, ":": 0.55, ";": 0.55, "'": 0.45, "-": 0.6, "/": 0.6, "(": 0.55,
          ")": 0.55, "|": 0.45, "i": 0.45, "l": 0.45, "j": 0.45, "t": 0.6, "f": 0.6, "r": 0.65}
WIDE_LATIN = frozenset("MWmw@%&")
# Units lost to the cell's inner margins (measured): Calc's own 1 pt each side, and in a
# left-aligned data cell one indent level (8.4 pt: text ≥ 1 mm from the rule on paper).
EDGE_PAD = 0.4
CELL_PAD = 1.75
INDENT = 1              # the indent level of left-aligned data cells
# Calc's Chinese line breaking: these never start a line (they go with the character before) and
# these never end one (they go with the character after).
NO_LINE_START = frozenset("，。、；：？！）」』》〉】”’…—%‰")
NO_LINE_END = frozenset("（「『《〈【“‘")
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


def char_units(ch: str) -> float:
    """Return the width of one character in column units (see ``CJK_UNITS`` and the others)."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return CJK_UNITS
    if ch.isdigit():
        return DIGIT_UNITS
    if ch in NARROW:
        return NARROW[ch]
    if ch.isupper() or ch in WIDE_LATIN:
        return 1.3
    return 1.0


def print_width(kind: str, key: str, default: float) -> float:
    """Return the printed width of column ``key`` of table ``kind`` (``default``: schema width + 2)."""
    return PRINT_WIDTHS.get(kind, {}).get(key, default)


def _tokens(line: str) -> list[str]:
    """Split a line into the units Calc wraps: a CJK character alone (with the punctuation that may
    not start or end a line kept on its side), a Latin word with the space or "-" "/" after it."""
    out: list[str] = []
    word = ""
    glue = False                 # the last token may not end a line: the next one joins it
    for ch in line:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        if ch in NO_LINE_START and out and not word:
            out[-1] += ch
            continue
        if wide:
            if word:
                out.append(word)
                word = ""
            if glue and out:
                out[-1] += ch
            else:
                out.append(ch)
            glue = ch in NO_LINE_END
            continue
        word += ch
        if ch in " -/":
            out.append(word)
            word = ""
        glue = False
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
        units = sum(char_units(ch) for ch in token)
        room = units - (NARROW[" "] if token.endswith(" ") else 0.0)   # a space may hang at the end
        if used + room <= usable:
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


def text_lines(value: object, width: float, indented: bool = True) -> int:
    """Return how many lines ``value`` needs in a wrapped column ``width`` units wide (``indented``:
    a left- or right-aligned cell, ``INDENT`` from its rule; a centred one is not)."""
    if not isinstance(value, str) or not value:
        return 1
    usable = max(width - (CELL_PAD if indented else EDGE_PAD), 1.0)
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
            width = max(width, math.ceil((text_units(total) + CELL_PAD + 0.3) * 2) / 2)
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


# The cover (封面, one page): its values are set in 仿宋 三号 in a 164 mm column, ~14 ems a line
# (measured: a 60-character address with the demo's other values fits, 64 characters do not);
# rows of one line leave room for ``COVER_SPARE_LINES`` wrapped lines more, a title line of the
# 二号 heading (~20 ems) takes 1.2 of them. ``validate`` checks the values against this, the build
# counts the pages LibreOffice made.
COVER_EMS_PER_LINE = 14.0
COVER_TITLE_EMS = 20.0
COVER_TITLE_LINE = 1.21         # body lines taken by one more title line (35 pt / 28.95 pt)
COVER_SPARE_LINES = 3.0
# The application values the cover prints (application.yaml names) and their labels.
COVER_FIELDS = {"applicant": "申请单位全称", "legal_rep": "法定代表人", "address": "地址", "market": "零工市场名称",
                "contact": "联系人", "contact_phone": "联系电话", "uscc": "统一社会信用代码"}


_DISTRICT = re.compile(r"^(北京市)?朝阳区")


def market_name(name: str | None) -> str:
    """Return the market's name without a leading 朝阳区 (the forms print "朝阳区" + name)."""
    return _DISTRICT.sub("", (name or "").strip()) or (name or "")


def cover_lines(text: str, ems: float = COVER_EMS_PER_LINE) -> int:
    """Return the lines ``text`` takes in the cover's value column (or a title line)."""
    return max(1, math.ceil(em_width(text) / ems)) if text else 1


def cover_room(values: dict[str, str]) -> float:
    """Return the wrapped lines still free on the cover with ``values`` (negative: a second page).

    ``values``: application.yaml names → the text printed (the market as "朝阳区…")."""
    extra = float(sum(cover_lines(text) - 1 for text in values.values()))
    heading = f"2025年度{values.get('market', '')}"          # the title line naming the market
    extra += (cover_lines(heading, COVER_TITLE_EMS) - 1) * COVER_TITLE_LINE
    return COVER_SPARE_LINES - extra
