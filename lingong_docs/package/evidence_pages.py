"""Payment evidence (支付凭证) as package pages: each file's pages under a heading naming it.

Every evidence page is an A4 page (portrait, or landscape for wide content) with a two-line
heading — the file name and the roster rows (序号) it covers — and the evidence placed below,
scaled to fit, above the page-number band. Images are embedded losslessly: JPEG bytes are copied
unchanged (DCTDecode, EXIF orientation applied by the placement matrix, not by re-encoding);
PNG pixels are Flate-compressed. PDF pages are placed as Form XObjects (vector, unchanged).
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
)
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas

from lingong_docs.core.errors import BuildError, LingongError
from lingong_docs.core.evidence import covered_rows, describe
from lingong_docs.core.fonts import cjk_font
from lingong_docs.core.manifest import count_text
from lingong_docs.package.marks import matrix_mul
from lingong_docs.package.overlay import FOOTER_BAND
from lingong_docs.util.pdfobjects import add_object, encoded_stream

A4 = (595.276, 841.89)
SIDE, TOP, HEADING = 42.0, 36.0, 46.0     # margins and heading band height (pt)
BOTTOM = FOOTER_BAND + 12.0
MAX_PT_PER_PX = 1.0                       # never enlarge an image beyond 1 pt per pixel
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class EvidenceEntry:
    """One evidence file in the package: pages ``first``..``last`` (0-based, inside the section)."""

    path: Path
    rows: tuple | None
    first: int
    last: int

    @property
    def title(self) -> str:
        span = describe(list(self.rows)) if self.rows else "未标明序号"
        return f"{self.path.name}（{span}）"


_SEQ_PREFIX = re.compile(r"^[0-9０-９][0-9０-９,，、\-–—~～ ]*")


def file_label(path: Path, index: int, section: str = "支付凭证") -> str:
    """A name for messages that carries no personal data: ``支付凭证第1个文件“0001-2000 ….pdf”
    （序号 1–2000）``. The free text of the file name may hold a worker's name, so only its 序号
    prefix and its extension are shown (``lingong-docs validate`` lists the whole name)."""
    rows = covered_rows(path.name) if section == "支付凭证" else None
    prefix = _SEQ_PREFIX.match(path.stem)
    shown = (prefix.group(0) if prefix else "") + ("…" if not prefix or prefix.group(0) != path.stem else "")
    label = f"{section}第{index}个文件“{shown}{path.suffix}”"
    return f"{label}（{describe(rows)}）" if rows else label


def evidence_pdf(files: list[Path], out: Path, *, section: str = "支付凭证",
                 subtitle: str | None = None) -> list[EvidenceEntry]:
    """Write the evidence section for ``files`` (in order) to ``out``; return one entry per file.

    ``section`` names the files in the headings ("支付凭证 1/3：…"); ``subtitle`` replaces the
    second heading line (the roster rows a payment file covers) for other sections (认定材料,
    其他材料), whose files cover no rows.
    """
    sources = [_load(path, i, section) for i, path in enumerate(files, start=1)]
    font = cjk_font()
    # One heading frame per evidence page, drawn with reportlab; the evidence goes in afterwards.
    layout = []
    for i, (path, items) in enumerate(zip(files, sources), start=1):
        rows = covered_rows(path.name) if subtitle is None else None
        for k, item in enumerate(items, start=1):
            w, h = item.display_size
            size = (A4[1], A4[0]) if w > h * 1.15 else A4
            layout.append((path, rows, i, k, len(items), size, item))
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, invariant=1, pageCompression=1, initialFontName=font,
                         initialFontSize=10)
    for path, rows, i, k, n, size, _item in layout:
        c.setPageSize(size)
        _heading(c, size, font, f"{section} {i}/{len(files)}：{path.name}", subtitle or _covers(rows), k, n)
        c.showPage()
    c.save()
    frames = PdfReader(io.BytesIO(buf.getvalue()))
    writer = PdfWriter()
    entries: list[EvidenceEntry] = []
    first = 0
    for index, ((path, rows, _i, k, n, size, item), frame) in enumerate(zip(layout, frames.pages)):
        page = writer.add_page(frame)
        _place(writer, page, item, size)
        if k == n:
            entries.append(EvidenceEntry(path=path, rows=tuple(rows) if rows else None, first=first, last=index))
            first = index + 1
    with open(out, "wb") as f:
        writer.write(f)
    return entries


def _covers(rows: list | None) -> str:
    """Return the heading's second line for a payment file: the roster rows it covers."""
    return (f"对应附件5花名册{describe(rows)}，共{count_text(sum(b - a + 1 for a, b in rows), 'rows')}" if rows
            else "文件名未标明所对应的花名册序号（见花名册备注）")


def _heading(c: rl_canvas.Canvas, size: tuple, font: str, title: str, covers: str, k: int, n: int) -> None:
    w, h = size
    avail = w - 2 * SIDE
    if n > 1:
        title += f"（第{k}页/共{n}页）"
    y = h - TOP - 12
    for text, pt in ((title, 12.0), (covers, 10.0)):
        while pt > 7 and stringWidth(text, font, pt) > avail:
            pt -= 0.5
        while stringWidth(text, font, pt) > avail and len(text) > 4:
            text = text[:-2] + "…"
        c.setFont(font, pt)
        c.drawString(SIDE, y, text)
        y -= pt + 6
    c.setStrokeColorRGB(0.6, 0.6, 0.6)
    c.setLineWidth(0.5)
    c.line(SIDE, h - TOP - HEADING + 4, w - SIDE, h - TOP - HEADING + 4)


# --- sources -------------------------------------------------------------------------------------

class _Image:
    def __init__(self, path: Path, info: dict):
        self.path, self.info = path, info
        w, h = info["size"]
        self.display_size = (h, w) if info["orientation"] in (5, 6, 7, 8) else (w, h)


class _PdfPage:
    def __init__(self, page: PageObject):
        self.page = page
        box = page.cropbox
        w, h = float(box.width), float(box.height)
        self.display_size = (h, w) if page.rotation % 180 else (w, h)


def _load(path: Path, index: int, section: str = "支付凭证") -> list:
    label = file_label(path, index, section)
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        raise BuildError.make("evidence-unreadable", file=label) from None
    if head.startswith(b"%PDF") or path.suffix.lower() == ".pdf":
        try:
            reader = PdfReader(path, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise BuildError.make("evidence-encrypted", file=label)
            pages = [_PdfPage(p) for p in reader.pages]
        except LingongError:
            raise
        except Exception:  # any parser failure (PdfReadError and others): unusable
            raise BuildError.make("evidence-unreadable", file=label) from None
        if not pages:
            raise BuildError.make("evidence-unreadable", file=label)
        return pages
    return [_Image(path, _image_info(path, label))]


def _image_info(path: Path, label: str) -> dict:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            fmt = im.format
            orientation = 1
            if fmt == "JPEG":
                orientation = int(im.getexif().get(0x0112, 1) or 1)
            return {"format": fmt, "size": im.size, "mode": im.mode,
                    "orientation": orientation if orientation in range(1, 9) else 1}
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise BuildError.make("evidence-unreadable", file=label) from None


# --- placing -------------------------------------------------------------------------------------

def _place(writer: PdfWriter, page: PageObject, item, size) -> None:
    w, h = size
    box_x, box_y = SIDE, BOTTOM
    box_w, box_h = w - 2 * SIDE, h - TOP - HEADING - BOTTOM
    dw, dh = item.display_size
    scale = min(box_w / dw, box_h / dh)
    if isinstance(item, _Image):
        scale = min(scale, MAX_PT_PER_PX)
    W, H = dw * scale, dh * scale
    x = box_x + (box_w - W) / 2
    y = box_y + box_h - H
    if isinstance(item, _Image):
        xobj, matrix = _image_xobject(writer, item), _image_matrix(item.info["orientation"], x, y, W, H)
    else:
        xobj, matrix = _page_xobject(writer, item.page), _page_matrix(item.page, scale, x, y)
    ref = add_object(writer, xobj)
    resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
    xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
    xobjects[NameObject("/LgEvidence")] = ref
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources
    cm = " ".join(f"{v:.4f}" for v in matrix)
    frame = f"0.6 0.6 0.6 RG 0.5 w {x - 1:.2f} {y - 1:.2f} {W + 2:.2f} {H + 2:.2f} re S"
    stream = DecodedStreamObject()
    stream.set_data(f"q {frame} Q q {cm} cm /LgEvidence Do Q\n".encode())
    contents = page.get("/Contents")
    parts = []
    if contents is not None:
        obj = contents.get_object()
        parts = list(obj) if isinstance(obj, ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject([*parts, add_object(writer, stream.flate_encode())])


def _image_matrix(orientation: int, x, y, W, H) -> tuple:
    """Matrix that draws the unit-square image upright in the box, honouring EXIF orientation."""
    return {
        1: (W, 0, 0, H, x, y),
        2: (-W, 0, 0, H, x + W, y),
        3: (-W, 0, 0, -H, x + W, y + H),
        4: (W, 0, 0, -H, x, y + H),
        5: (0, -H, -W, 0, x + W, y + H),
        6: (0, -H, W, 0, x, y + H),
        7: (0, H, W, 0, x, y),
        8: (0, H, -W, 0, x + W, y),
    }[orientation]


def _image_xobject(writer: PdfWriter, item: _Image) -> StreamObject:
    info = item.info
    w, h = info["size"]
    base = {
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(w),
        NameObject("/Height"): NumberObject(h),
        NameObject("/BitsPerComponent"): NumberObject(8),
    }
    if info["format"] == "JPEG" and info["mode"] in ("L", "RGB", "CMYK"):
        xobj = encoded_stream(item.path.read_bytes(), "/DCTDecode")
        xobj.update(base)
        xobj[NameObject("/ColorSpace")] = NameObject({"L": "/DeviceGray", "RGB": "/DeviceRGB",
                                                      "CMYK": "/DeviceCMYK"}[info["mode"]])
        if info["mode"] == "CMYK":  # Adobe CMYK JPEGs store inverted values (as img2pdf assumes)
            xobj[NameObject("/Decode")] = ArrayObject([NumberObject(v) for v in (1, 0) * 4])
        return xobj
    from PIL import Image

    with Image.open(item.path) as opened:
        opened.load()
        im: Image.Image = opened
        alpha = None
        if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
            im = im.convert("RGBA" if im.mode != "LA" else "LA")
            alpha = im.getchannel("A")
            im = im.convert("RGB" if im.mode == "RGBA" else "L")
        elif im.mode not in ("L", "RGB"):
            im = im.convert("L" if im.mode in ("1", "I", "I;16", "F") else "RGB")
        xobj = encoded_stream(zlib.compress(im.tobytes(), 6), "/FlateDecode")
        xobj.update(base)
        xobj[NameObject("/ColorSpace")] = NameObject("/DeviceGray" if im.mode == "L" else "/DeviceRGB")
        if alpha is not None and alpha.getextrema() != (255, 255):
            mask = encoded_stream(zlib.compress(alpha.tobytes(), 6), "/FlateDecode")
            mask.update(base)
            mask[NameObject("/ColorSpace")] = NameObject("/DeviceGray")
            xobj[NameObject("/SMask")] = add_object(writer, mask)
    return xobj


def _page_xobject(writer: PdfWriter, page: PageObject) -> StreamObject:
    contents = page.get_contents()
    raw = DecodedStreamObject()
    raw.set_data(contents.get_data() if contents is not None else b"")
    form = raw.flate_encode()
    box = page.cropbox
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(float(v)) for v in
                                          (box.left, box.bottom, box.right, box.top)]),
        NameObject("/Resources"): (page["/Resources"].clone(writer) if "/Resources" in page
                                   else DictionaryObject()),
    })
    return form


def _page_matrix(page: PageObject, scale: float, x: float, y: float) -> tuple:
    """Matrix that draws the page's crop box, turned by its /Rotate, scaled into the box at x, y."""
    box = page.cropbox
    cw, ch = float(box.width), float(box.height)
    m = (1, 0, 0, 1, -float(box.left), -float(box.bottom))
    rotation = page.rotation % 360
    turn = {0: (1, 0, 0, 1, 0, 0), 90: (0, -1, 1, 0, 0, cw), 180: (-1, 0, 0, -1, cw, ch),
            270: (0, 1, -1, 0, ch, 0)}[rotation]
    m = matrix_mul(m, turn)
    m = matrix_mul(m, (scale, 0, 0, scale, 0, 0))
    return matrix_mul(m, (1, 0, 0, 1, x, y))
