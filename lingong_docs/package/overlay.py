"""Drawing on top of pages: "第X页 共Y页" at the bottom centre, the draft watermark, headings.

The overlay is drawn with reportlab (one page per package page, CJK TrueType font embedded once)
and placed on each page as a Form XObject: the page's own content streams are only wrapped in
``q … Q``, never parsed or rewritten, so stamping 1,000 table pages stays cheap.
"""

from __future__ import annotations

import io
import math

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject, StreamObject
from reportlab.pdfgen import canvas as rl_canvas

from lingong_docs.core.fonts import cjk_font

DRAFT_TEXT = "草稿 — {reason}"
DRAFT_REASON = "未通过校验"
SEAM_LABEL = "骑缝章"
SEAM_WIDTH = 18.0           # pt: the 骑缝章 guide strip on the right edge (inside every margin)
SEAM_EDGE = 6.0             # pt between the strip and the page edge
NUMBER_SIZE = 10.5          # 五号
NUMBER_BASELINE = 22.0      # pt above the bottom edge: inside every margin the forms and tables use
FOOTER_BAND = 40.0          # pt at the bottom kept free of content we place ourselves
STAMP_NAME = NameObject("/LgStamp")


def page_number_text(number: int, total: int) -> str:
    return f"第{number}页 共{total}页"


def make_overlay(sizes: list[tuple[float, float]], *, draft: bool, watermark: str = "",
                 seams: list[bool] | None = None) -> PdfReader:
    """Return a PDF with one overlay page per size: the page number and, for drafts, the mark.

    ``watermark``: why a draft is one (default 未通过校验); ``seams``: per page, whether to draw
    the 骑缝章 guide strip on its right edge (paper edition, multi-page tables).
    """
    font = cjk_font()
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, invariant=1, pageCompression=1, initialFontName=font,
                         initialFontSize=10)
    total = len(sizes)
    for number, (w, h) in enumerate(sizes, start=1):
        c.setPageSize((w, h))
        if draft:
            _draw_watermark(c, w, h, font, DRAFT_TEXT.format(reason=watermark or DRAFT_REASON))
        if seams and seams[number - 1]:
            _draw_seam(c, w, h, font)
        c.setFillColorRGB(0, 0, 0)
        c.setFont(font, NUMBER_SIZE)
        c.drawCentredString(w / 2, NUMBER_BASELINE, page_number_text(number, total))
        c.showPage()
    c.save()
    return PdfReader(io.BytesIO(buf.getvalue()))


def _draw_watermark(c: rl_canvas.Canvas, w: float, h: float, font: str, text: str) -> None:
    size = min(w, h) / 9
    c.saveState()
    c.setFillColorRGB(0.8, 0.1, 0.1)
    c.setFillAlpha(0.22)
    c.translate(w / 2, h / 2)
    c.rotate(math.degrees(math.atan2(h, w)))
    c.setFont(font, size)
    c.drawCentredString(0, -size / 3, text)
    c.restoreState()


def seam_box(w: float, h: float) -> tuple[float, float, float, float]:
    """Return the 骑缝章 guide strip (x0, y0, x1, y1): the right edge, around the middle."""
    x1 = w - SEAM_EDGE
    return (x1 - SEAM_WIDTH, h / 2 - 80, x1, h / 2 + 80)


def _draw_seam(c: rl_canvas.Canvas, w: float, h: float, font: str) -> None:
    """A light dashed strip where the 骑缝章 goes, labelled in small grey type inside it."""
    x0, y0, x1, y1 = seam_box(w, h)
    c.saveState()
    c.setStrokeColorRGB(0.6, 0.6, 0.6)
    c.setLineWidth(0.5)
    c.setDash(3, 2)
    c.rect(x0, y0, x1 - x0, y1 - y0, stroke=1, fill=0)
    c.setFillColorRGB(0.55, 0.55, 0.55)
    size = 8.0
    c.setFont(font, size)
    mid = (x0 + x1) / 2 - size / 2
    top = (y0 + y1) / 2 + len(SEAM_LABEL) * size / 2
    for i, ch in enumerate(SEAM_LABEL):
        c.drawString(mid, top - (i + 1) * size, ch)
    c.restoreState()


class Stamper:
    """Places overlay pages onto writer pages as Form XObjects, over the existing content."""

    def __init__(self, writer: PdfWriter):
        self.writer = writer
        self._open = self._stream(b"q\n")
        self._close = self._stream(b"\nQ\nq " + STAMP_NAME.encode() + b" Do Q\n")

    def _stream(self, data: bytes):
        s = DecodedStreamObject()
        s.set_data(data)
        return self.writer._add_object(s)

    def stamp(self, page: PageObject, overlay: PageObject) -> None:
        """Draw ``overlay`` over ``page`` (a page already added to the writer)."""
        if page.get("/Rotate", 0) % 360:
            page.transfer_rotation_to_content()
        box = page.mediabox
        raw_form = DecodedStreamObject()
        contents_of = overlay.get_contents()
        raw_form.set_data(contents_of.get_data() if contents_of is not None else b"")
        form = raw_form.flate_encode()
        ow, oh = float(overlay.mediabox.width), float(overlay.mediabox.height)
        form.update({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(ow), FloatObject(oh)]),
            NameObject("/Matrix"): ArrayObject([FloatObject(v) for v in
                                                (1, 0, 0, 1, float(box.left), float(box.bottom))]),
            NameObject("/Resources"): overlay["/Resources"].clone(self.writer),
        })
        ref = self.writer._add_object(form)
        # Each page gets its own (shallow-copied) resource dictionaries: LibreOffice shares one
        # /Resources object between pages, and every page needs its own stamp.
        resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
        xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
        xobjects[STAMP_NAME] = ref
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        contents = page.get("/Contents")
        parts: list = []
        if contents is not None:
            raw = contents.get_object()
            if isinstance(raw, ArrayObject):
                parts.extend(raw)
            else:
                parts.append(contents if not isinstance(contents, StreamObject) else self.writer._add_object(raw))
        page[NameObject("/Contents")] = ArrayObject([self._open, *parts, self._close])
