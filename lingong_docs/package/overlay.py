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
from lingong_docs.util.pdfobjects import add_object

DRAFT_TEXT = "草稿 — {reason}"
DRAFT_REASON = "未通过校验"
SEAM_LABEL = "骑缝章"
MM = 72 / 25.4
# The 骑缝章 guide strip: on the open edge of the bound stack (left-bound, A4 portrait), inside
# every printer's printable area. Portrait pages: their right edge. Landscape pages are bound with
# the table's head at the binding edge (GB/T 9704: 表头在订口一边), so the open edge is their bottom
# edge, and a point x along it is at height x on the stack: the strip's middle is 0.65 of the long
# side on both (clear of the page number at the bottom centre of landscape pages).
SEAM_WIDTH = 8 * MM         # the strip's depth from the edge inwards
SEAM_EDGE = 10 * MM         # between the strip and the paper edge
SEAM_LENGTH = 44 * MM       # a company seal's diameter and some room
SEAM_AT = 0.65              # the strip's middle, as a fraction of the page's long side
NUMBER_SIZE = 10.5          # 五号
NUMBER_BASELINE = 22.0      # pt above the bottom edge: inside every margin the forms and tables use
FOOTER_BAND = 40.0          # pt at the bottom kept free of content we place ourselves
STAMP_NAME = NameObject("/LgStamp")


def page_number_text(number: int, total: int) -> str:
    return f"第{number}页 共{total}页"


def make_overlay(sizes: list[tuple[float, float]], *, draft: bool, watermark: str = "",
                 seams: list[bool] | None = None, first: int = 1, total: int | None = None) -> PdfReader:
    """Return a PDF with one overlay page per size: the page number and, for drafts, the mark.

    ``watermark``: why a draft is one (default 未通过校验); ``seams``: per page, whether to draw
    the 骑缝章 guide strip on the stack's open edge (paper edition with multi-page tables).
    ``first``/``total``: the number of the first page and the package's page count, when the
    overlay is made for some pages of a package only (intake re-draws the stamp of the pages it
    renders again); default all of them.
    """
    font = cjk_font()
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, invariant=1, pageCompression=1, initialFontName=font,
                         initialFontSize=10)
    total = len(sizes) if total is None else total
    for number, (w, h) in enumerate(sizes, start=first):
        c.setPageSize((w, h))
        if draft:
            _draw_watermark(c, w, h, font, DRAFT_TEXT.format(reason=watermark or DRAFT_REASON))
        if seams and seams[number - first]:
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
    """Return the 骑缝章 guide strip (x0, y0, x1, y1): along the right edge of a portrait page,
    the bottom edge of a landscape one, ``SEAM_EDGE`` from the paper edge."""
    if w > h:
        mid = w * SEAM_AT
        return (mid - SEAM_LENGTH / 2, SEAM_EDGE, mid + SEAM_LENGTH / 2, SEAM_EDGE + SEAM_WIDTH)
    mid = h * SEAM_AT
    return (w - SEAM_EDGE - SEAM_WIDTH, mid - SEAM_LENGTH / 2, w - SEAM_EDGE, mid + SEAM_LENGTH / 2)


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
    if w > h:           # read with the stack: the label runs along the strip
        c.drawCentredString((x0 + x1) / 2, (y0 + y1) / 2 - size / 3, SEAM_LABEL)
    else:
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
        return add_object(self.writer, s)

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
        ref = add_object(self.writer, form)
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
                parts.append(contents if not isinstance(contents, StreamObject) else add_object(self.writer, raw))
        page[NameObject("/Contents")] = ArrayObject([self._open, *parts, self._close])
