"""Seal and signature places: find "（盖章）"/"（签字）" on the pages, add empty signature fields.

A place is located from the text positions pypdf reports while extracting text; the field's box
(about 150×60 pt) goes just after the words, kept inside the page and clear of the page-number
band. Where a form has no such words, a default place at the bottom right of its last page is
used, so every material that needs a seal or a signature gets one (DOMAIN.md §9).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from pypdf import PageObject, PdfWriter
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject,
                           NameObject, NumberObject, TextStringObject)

from .overlay import FOOTER_BAND

SEAL, SIGNATURE = "seal", "signature"
PREFIX = {SEAL: "seal", SIGNATURE: "sign"}
ROLE_ZH = {SEAL: "盖章", SIGNATURE: "签字"}
BOX_W, BOX_H = 150.0, 60.0
MARGIN = 24.0

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


@dataclass(frozen=True)
class Place:
    """A signature field to add: name, the material it belongs to, 0-based page, role, box."""

    name: str
    material: str
    page: int
    role: str
    rect: tuple[float, float, float, float]
    found: bool     # located from the text (False: default position)

    def to_manifest(self) -> dict:
        return {"name": self.name, "material": self.material, "page": self.page + 1, "role": self.role,
                "rect": [round(v, 1) for v in self.rect], "located": self.found}


def _mul(m, n):
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _em(text: str) -> float:
    """Width of ``text`` in ems: CJK and full-width characters 1, others about half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5 for ch in text)


def read_page(page: PageObject) -> tuple[list[Mark], list[tuple[float, float, float, float]]]:
    """Return the seal/signature words on ``page`` (reading order) and the boxes of all its text.

    Forms set with letter spacing come out of the text extractor as "（ 盖 章 ）", sometimes split
    over two pieces ("（签" + "字）："); the pieces are joined without whitespace before searching,
    each character keeping an estimated position (its piece's start plus the ems before it).
    """
    chars: list[tuple[str, float, float, float]] = []   # (char, x after it, baseline, size)

    def visit(text, cm, tm, _font, size):
        if not text:
            return
        a, b, _c, d, e, f = _mul(tm, cm)
        scale = (a * a + b * b) ** 0.5 or 1.0
        em = size * scale
        advance = 0.0
        for ch in text:
            advance += _em(ch) * em
            if not ch.isspace():
                chars.append((ch, e + advance, f, size * (abs(d) or scale)))

    try:
        page.extract_text(visitor_text=visit)
    except Exception:  # noqa: BLE001 - a page we cannot read text from gets the default place
        return [], []
    joined = "".join(c[0] for c in chars)
    found = []
    for m in _MARK_RE.finditer(joined):
        word = m.group(1) or m.group(2)
        _ch, x, y, size = chars[m.end() - 1]
        nxt = chars[m.end()] if m.end() < len(chars) else None
        followed = (nxt is not None and abs(nxt[2] - y) < size / 2
                    and 0 < nxt[1] - x <= (_em(nxt[0]) + 2) * size)
        found.append(Mark(role=_ROLE[word], x=x, y=y, size=size, followed=followed))
    boxes = [(x - _em(ch) * size, y - 0.2 * size, x, y + 0.8 * size) for ch, x, y, size in chars]
    return sorted(found, key=lambda m: (-round(m.y), m.x)), boxes


def find_marks(page: PageObject) -> list[Mark]:
    """Return the seal/signature words on ``page``, in reading order."""
    return read_page(page)[0]


def box_for(mark: Mark, width: float, height: float, text: list | None = None) -> tuple[float, float, float, float]:
    """Return the field box for ``mark``: next to the words, covering as little other text as can be.

    A signature goes just after "（签字）："; a seal too when the unit's name follows the words
    (封面: "申请单位（盖章）：名称"), else it ends just after them, over the name before them
    (落款: "名称（盖章）"), where a paper seal would be stamped. Vertically the box is centred on
    the line, or hangs below it, or stands above it — whichever covers the fewest characters of
    other lines (``text``: the page's character boxes), in that order of preference.
    """
    after, before = mark.x + 4, mark.x + 20 - BOX_W
    xs = [after] if mark.role == SIGNATURE else ([after, before] if mark.followed else [before, after])
    ys = [mark.y + mark.size * 0.35 - BOX_H / 2,          # centred on the line
          mark.y + mark.size * 0.9 - BOX_H,               # hanging below it
          mark.y - mark.size * 0.25]                      # standing above it
    best, best_score = None, None
    for x0 in xs:
        for y0 in ys:
            rect = _clamp(x0, y0, width, height)
            score = sum(1 for b in (text or ()) if abs((b[1] + b[3]) / 2 - (mark.y + 0.3 * mark.size)) > mark.size / 2
                        and _overlap(rect, b))
            if best_score is None or score < best_score:
                best, best_score = rect, score
    return best


def default_box(role: str, width: float, height: float) -> tuple[float, float, float, float]:
    """Return the default box: bottom right (seal) or bottom centre-right (signature)."""
    x0 = width - MARGIN * 3 - BOX_W - (BOX_W + 20 if role == SIGNATURE else 0)
    return _clamp(x0, FOOTER_BAND + 40, width, height)


def _clamp(x0, y0, width, height):
    x0 = max(MARGIN, min(x0, width - MARGIN - BOX_W))
    y0 = max(FOOTER_BAND, min(y0, height - MARGIN - BOX_H))
    return (x0, y0, x0 + BOX_W, y0 + BOX_H)


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
        for _ in range(len(placed) + 1):
            hit = next((q for q in placed if _overlap((x0, y0, x1, y1), q)), None)
            if hit is None:
                break
            if p.role == SEAL and hit[0] - 6 - BOX_W >= MARGIN:
                x0 = hit[0] - 6 - BOX_W
            elif p.role == SEAL and hit[3] + 4 + BOX_H <= height - MARGIN:
                y0 = hit[3] + 4
            else:
                y0 = max(FOOTER_BAND, hit[1] - 4 - BOX_H)
            x1, y1 = x0 + BOX_W, y0 + BOX_H
        placed.append((x0, y0, x1, y1))
        result[i] = replace(p, rect=(x0, y0, x1, y1))
    return result


def add_signature_fields(writer: PdfWriter, places: list[Place], pages: list[PageObject]) -> None:
    """Add one empty /FT /Sig widget per place, with a thin dashed frame as its appearance."""
    if not places:
        return
    fields = ArrayObject()
    for place in places:
        page = pages[place.page]
        x0, y0, x1, y1 = place.rect
        w, h = x1 - x0, y1 - y0
        ap = DecodedStreamObject()
        ap.set_data(f"q 0.15 0.35 0.75 RG 0.6 w [4 2] 0 d 0.3 0.3 {w - 0.6:.2f} {h - 0.6:.2f} re S Q\n".encode())
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
            NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(ap)}),
        })
        ref = writer._add_object(widget)
        annots = page.get("/Annots")
        if annots is None:
            page[NameObject("/Annots")] = ArrayObject([ref])
        else:
            annots.get_object().append(ref)
        fields.append(ref)
    writer.root_object[NameObject("/AcroForm")] = writer._add_object(DictionaryObject({
        NameObject("/Fields"): fields,
    }))
