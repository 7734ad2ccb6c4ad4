"""Seal and signature places: find "（盖章）"/"（签字）" on the pages, add empty signature fields.

A place is located from the text positions pypdf reports while extracting text:

* a SEAL box (44 mm square, ``core.layout.SEAL_SIZE``: a 40–42 mm company seal at full size) is
  centred on the unit's name and its "（盖章）" — the 落款 line
  "名称（盖章）", or the name after "申请单位（盖章）：" on the cover. Like a paper seal it may
  cover the unit's name (on any line) and the date; it is moved up or down, in small steps, until
  it covers no other text (the "法定代表人（签字）" line, a table's last row, body text);
* a SIGNATURE box (45 × 18 mm, ``core.layout.SIGN_SIZE``: room for a 签字 image) starts just
  after "（签字）：" on the same line, is centred on that line, and is only as tall as the room
  between the lines above and below (at least 12 mm), so it never hides the date under it; it
  ends before any further text on its line.

Boxes stay inside the page and clear of the page-number band. Where a form has no such words,
a default place at the bottom right of its last page is used, so every material that needs a
seal or a signature gets one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import NamedTuple

from pypdf import PageObject, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from lingong_docs.core.layout import SEAL_SIZE, SIGN_MIN, SIGN_SIZE, em_width
from lingong_docs.core.manifest import ROLE_ZH, SEAL, SIGNATURE, PlaceEntry
from lingong_docs.package.overlay import FOOTER_BAND
from lingong_docs.util.pdfobjects import add_object

SEAL_W, SEAL_H = SEAL_SIZE
SIGN_W, SIGN_H = SIGN_SIZE
SIGN_MIN_W, SIGN_MIN_H = SIGN_MIN       # a signature box squeezed by neighbouring text
MARGIN = 24.0
GAP = 4.0          # between the words and a box after them
GAP_V = 1.5        # between a signature box and the lines above and below it
STEP = 2.0         # vertical search step for a seal's place
# Glyph box relative to the baseline, in ems (the font box text extractors report, e.g. pdftotext)
ASCENT, DESCENT = 0.95, 0.35
_DATE_RE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")

# "（盖章）", "(签字)", "盖章：", "签字:" — the places a form asks for; prose such as "加盖公章" is not.
_MARK_RE = re.compile(r"[（(](盖章|签章|签字|签名)[）)][：:]?|(盖章|签章|签字|签名)[：:]")
_ROLE = {"盖章": SEAL, "签章": SEAL, "签字": SIGNATURE, "签名": SIGNATURE}


@dataclass(frozen=True)
class Mark:
    """Where the words asking for a seal or signature end on a page (PDF user space)."""

    role: str
    x: float        # end of the words (after the closing bracket/colon)
    y: float        # baseline
    size: float     # font size
    followed: bool = False   # more text follows on the same line (e.g. the unit's name)
    colon: bool = False      # the words end with "：" (what follows is filled in after them)


class Glyph(NamedTuple):
    """One character's box on a page (PDF user space), its baseline and font size.

    ``sealable``: part of the unit's name or of a date — a seal may cover it.
    """

    x0: float
    y0: float
    x1: float
    y1: float
    base: float
    size: float
    sealable: bool = False


@dataclass(frozen=True)
class Place:
    """A signature field to add: name, the material it belongs to, 0-based page, role, box."""

    name: str
    material: str
    page: int
    role: str
    rect: tuple[float, float, float, float]
    found: bool     # located from the text (False: default position)

    def to_manifest(self) -> PlaceEntry:
        return PlaceEntry(name=self.name, material=self.material, page=self.page + 1, role=self.role,
                          rect=tuple(round(v, 1) for v in self.rect), located=self.found)


def matrix_mul(m: tuple, n: tuple) -> tuple:
    """Return the product of two PDF matrices (a, b, c, d, e, f): ``m`` then ``n``."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def read_page(page: PageObject, seal_over: tuple = ()) -> tuple[list[Mark], list[Glyph]]:
    """Return the seal/signature words on ``page`` (reading order) and the boxes of all its text.

    Forms set with letter spacing come out of the text extractor as "（ 盖 章 ）", sometimes split
    over two pieces ("（签" + "字）："); the pieces are joined without whitespace before searching,
    each character keeping an estimated position (its piece's start plus the ems before it).
    ``seal_over``: texts a seal may cover wherever they are (the unit's name, even when it wraps
    over several lines); dates ("2026年3月5日") are always such text.
    """
    chars: list[tuple[str, float, float, float]] = []   # (char, x after it, baseline, size)

    def visit(text, cm, tm, _font, size):
        if not text:
            return
        a, b, _c, d, e, f = matrix_mul(tm, cm)
        scale = (a * a + b * b) ** 0.5 or 1.0
        em = size * scale
        advance = 0.0
        for ch in text:
            advance += em_width(ch) * em
            if not ch.isspace():
                chars.append((ch, e + advance, f, size * (abs(d) or scale)))

    try:
        page.extract_text(visitor_text=visit)
    except Exception:  # a page we cannot read text from gets the default place
        return [], []
    joined = "".join(c[0] for c in chars)
    found = []
    for m in _MARK_RE.finditer(joined):
        word = m.group(1) or m.group(2)
        _ch, x, y, size = chars[m.end() - 1]
        nxt = chars[m.end()] if m.end() < len(chars) else None
        followed = (nxt is not None and abs(nxt[2] - y) < size / 2
                    and 0 < nxt[1] - x <= (em_width(nxt[0]) + 2) * size)
        found.append(Mark(role=_ROLE[word], x=x, y=y, size=size, followed=followed,
                          colon=joined[m.end() - 1] in "：:"))
    sealable = [False] * len(chars)
    patterns = [re.escape("".join(t.split())) for t in seal_over if t and "".join(t.split())]
    for rx in [_DATE_RE, *(re.compile(p) for p in patterns)]:
        for m in rx.finditer(joined):
            sealable[m.start():m.end()] = [True] * (m.end() - m.start())
    glyphs = [Glyph(x - em_width(ch) * size, y - DESCENT * size, x, y + ASCENT * size, y, size, sealable[i])
              for i, (ch, x, y, size) in enumerate(chars)]
    return sorted(found, key=lambda m: (-round(m.y), m.x)), glyphs


def find_marks(page: PageObject) -> list[Mark]:
    """Return the seal/signature words on ``page``, in reading order."""
    return read_page(page)[0]


def _on_line(g: Glyph, mark: Mark) -> bool:
    return abs(g.base - mark.y) < max(g.size, mark.size) / 2


def _as_glyphs(text) -> list[Glyph]:
    """Accept plain (x0, y0, x1, y1) boxes too (treated as text no seal may cover)."""
    out = []
    for g in text or ():
        if isinstance(g, Glyph):
            out.append(g)
        else:
            x0, y0, x1, y1 = g[:4]
            size = (y1 - y0) / (ASCENT + DESCENT) or 1.0
            out.append(Glyph(x0, y0, x1, y1, y0 + DESCENT * size, size, False))
    return out


def _run(line: list[Glyph], start: float, direction: int, size: float) -> tuple[float, float] | None:
    """Return the x extent of the text on ``line`` running from ``start`` leftwards (-1) or
    rightwards (+1) without a gap wider than two characters; None when there is none."""
    if direction > 0:
        items = sorted((g for g in line if g.x0 >= start - 0.5 * size), key=lambda g: g.x0)
        if not items or items[0].x0 - start > 2 * size:
            return None
        end = items[0].x1
        for g in items[1:]:
            if g.x0 - end > 2 * size:
                break
            end = max(end, g.x1)
        return items[0].x0, end
    items = sorted((g for g in line if g.x1 <= start + 0.5 * size), key=lambda g: -g.x1)
    if not items:
        return None
    begin = items[0].x0
    for g in items[1:]:
        if begin - g.x1 > 2 * size:
            break
        begin = min(begin, g.x0)
    return begin, max(start, items[0].x1)


def box_for(mark: Mark, width: float, height: float, text: list | None = None,
            avoid: list | None = None) -> tuple[float, float, float, float]:
    """Return the field box for ``mark`` (see the module docstring for where each role goes).

    ``text``: the page's glyphs (``read_page``); ``avoid``: boxes already placed on the page
    (signature boxes, when placing a seal), which the box must not overlap either.
    """
    glyphs = _as_glyphs(text)
    line = [g for g in glyphs if _on_line(g, mark)]
    others = [g for g in glyphs if not _on_line(g, mark)]
    if mark.role == SIGNATURE:
        return _signature_box(mark, width, height, line, others)
    return _seal_box(mark, width, height, line, others, list(avoid or ()))


def _signature_box(mark: Mark, width, height, line, others):
    x0 = mark.x + GAP
    after = [g.x0 for g in line if g.x0 >= mark.x - 0.25 * mark.size]
    right = min([width - MARGIN] + [x - GAP for x in after])
    w = max(SIGN_MIN_W, min(SIGN_W, right - x0))
    x0 = max(MARGIN, min(x0, width - MARGIN - w))
    cy = mark.y + (ASCENT - DESCENT) / 2 * mark.size           # middle of the line
    beside = [g for g in others if g.x0 < x0 + w and g.x1 > x0]
    top = min([height - MARGIN] + [g.y0 - GAP_V for g in beside if g.y0 >= cy])
    bottom = max([FOOTER_BAND] + [g.y1 + GAP_V for g in beside if g.y1 <= cy])
    half = max(SIGN_MIN_H / 2, min(SIGN_H / 2, top - cy, cy - bottom))
    y0 = max(FOOTER_BAND, min(cy - half, height - MARGIN - 2 * half))
    return (x0, y0, x0 + w, y0 + 2 * half)


def _seal_box(mark: Mark, width, height, line, others, avoid):
    w = SEAL_W       # never shrunk: a seal is stamped at its size
    if mark.colon and not mark.followed:
        # "申请单位（盖章）：" with room after it: the seal goes where the name would be written.
        x0 = mark.x + GAP
        span = (x0 + w / 2, x0 + w / 2)
    else:
        span = (_run(line, mark.x, +1, mark.size) if mark.followed else None) \
            or _run(line, mark.x, -1, mark.size) or (mark.x - 4 * mark.size, mark.x)
    centre = (span[0] + span[1]) / 2
    cy = mark.y + (ASCENT - DESCENT) / 2 * mark.size
    near = [(g.x0, g.y0 - 0.25 * g.size, g.x1, g.y1 + 0.25 * g.size) for g in others
            if not g.sealable and abs(g.base - cy) < 2 * SEAL_H and span[0] - SEAL_W < g.x1
            and g.x0 < span[1] + SEAL_W]
    # Horizontal shifts keep the box's centre over the name (every 10 pt).
    reach = int((span[1] - span[0]) / 2 // 10)
    dxs = [0.0] + [s * k * 10.0 for k in range(1, reach + 1) for s in (-1, 1)]

    def cost(rect):
        return (sum(1 for b in near if _overlap(rect, b))
                + 1000 * sum(1 for b in avoid if _overlap(rect, b)))

    # Up or down, but its line stays in the middle of the box: the seal covers the name (or the
    # place after the "：") whatever it has to overlap, as a seal stamped on paper does.
    reach_y = int(SEAL_H * 0.3 / STEP)
    dys = [0.0] + [s * k * STEP for k in range(1, reach_y + 1) for s in (1, -1)]  # up first
    # Nearest first; a vertical step costs less than a horizontal one (the box stays centred).
    moves = sorted(((dx, dy) for dy in dys for dx in dxs), key=lambda m: abs(m[1]) + abs(m[0]) / 2)
    best, best_cost = None, None
    for dx, dy in moves:
        rect = _clamp(centre + dx - w / 2, cy + dy - SEAL_H / 2, width, height, w, SEAL_H)
        c = cost(rect)
        if c == 0:
            return rect
        if best_cost is None or c < best_cost:
            best, best_cost = rect, c
    return best


def default_box(role: str, width: float, height: float) -> tuple[float, float, float, float]:
    """Return the default box: bottom right (seal) or bottom centre-right (signature)."""
    if role == SIGNATURE:
        return _clamp(width - MARGIN * 3 - SEAL_W - 20 - SIGN_W, FOOTER_BAND + 40, width, height, SIGN_W, SIGN_H)
    return _clamp(width - MARGIN * 3 - SEAL_W, FOOTER_BAND + 40, width, height, SEAL_W, SEAL_H)


def _clamp(x0, y0, width, height, w, h):
    x0 = max(MARGIN, min(x0, width - MARGIN - w))
    y0 = max(FOOTER_BAND, min(y0, height - MARGIN - h))
    return (x0, y0, x0 + w, y0 + h)


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def resolve(places: list, width: float, height: float) -> list:
    """Return ``places`` (of one page) moved so that no two boxes overlap.

    Signatures keep their place next to the words; a seal in the way moves left (staying on its
    line, over the unit's name), else up; any other clash moves the later box down.
    """
    placed: list = []
    order = sorted(range(len(places)), key=lambda i: (places[i].role != SIGNATURE, i))
    result = list(places)
    for i in order:
        p = places[i]
        x0, y0, x1, y1 = p.rect
        w, h = x1 - x0, y1 - y0
        for _ in range(len(placed) + 1):
            hit = next((q for q in placed if _overlap((x0, y0, x1, y1), q)), None)
            if hit is None:
                break
            if p.role == SEAL and hit[0] - 6 - w >= MARGIN:
                x0 = hit[0] - 6 - w
            elif p.role == SEAL and hit[3] + 4 + h <= height - MARGIN:
                y0 = hit[3] + 4
            else:
                y0 = max(FOOTER_BAND, hit[1] - 4 - h)
            x1, y1 = x0 + w, y0 + h
        placed.append((x0, y0, x1, y1))
        result[i] = replace(p, rect=(x0, y0, x1, y1))
    return result


def add_signature_fields(writer: PdfWriter, places: list[Place], pages: list[PageObject]) -> None:
    """Add one empty /FT /Sig widget per place.

    The widget prints (/F 4: once signed, the seal and signature must appear on paper), but its
    appearance while empty is an empty stream: an unsigned field prints nothing over the unit's
    name or "（签字）". On screen viewers show the fields themselves (field highlighting, the
    signature panel), and the outline and checklist name where they are. MuPDF-based viewers
    ignore this appearance and draw an orange "SIGN" tag on every unsigned /Sig field; no flag
    that hides it survives signing (docs/rules.md §12).
    """
    if not places:
        return
    fields = ArrayObject()
    for place in places:
        page = pages[place.page]
        x0, y0, x1, y1 = place.rect
        w, h = x1 - x0, y1 - y0
        ap = DecodedStreamObject()
        ap.set_data(b"")
        ap.update({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(w), FloatObject(h)]),
            NameObject("/Resources"): DictionaryObject(),
        })
        widget = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Sig"),
            NameObject("/T"): TextStringObject(place.name),
            NameObject("/TU"): TextStringObject(f"{ROLE_ZH[place.role]}处"),
            NameObject("/Rect"): ArrayObject([FloatObject(round(v, 2)) for v in place.rect]),
            NameObject("/F"): NumberObject(4),
            NameObject("/P"): page.indirect_reference,
            NameObject("/AP"): DictionaryObject({NameObject("/N"): add_object(writer, ap)}),
        })
        ref = add_object(writer, widget)
        annots = page.get("/Annots")
        if annots is None:
            page[NameObject("/Annots")] = ArrayObject([ref])
        else:
            annots.get_object().append(ref)
        fields.append(ref)
    writer.root_object[NameObject("/AcroForm")] = add_object(writer, DictionaryObject({
        NameObject("/Fields"): fields,
    }))
