"""Clipped text: glyphs of a PDF's text layer that leave no ink on the rendered page.

A cell's clip path hides text without removing it from the text layer, so text extraction
alone cannot tell printed text from clipped text. Each page is rendered (PyMuPDF, or poppler's
pdftoppm) and every glyph's box (PyMuPDF's character boxes) must hold some ink. The box is
shrunk to the glyph's middle band (ascender/descender boxes overlap the lines above and below)
so that ink of a neighbouring line does not count for a clipped glyph.
"""

from __future__ import annotations

import io
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pymupdf
from PIL import Image

DPI = 72
INK = 240            # a pixel darker than this (0-255 grey) is ink: light grey type counts
FAINT_INK = 235      # punctuation (two dots of a "：" at 9 pt are grey pixels): lighter ink counts
SKIP = frozenset(" \u3000\t\r\n\u00a0")


@dataclass(frozen=True)
class Clipped:
    page: int          # 1-based
    char: str
    line: str          # the text of the line the glyph is on
    box: tuple[float, float, float, float]

    def __str__(self) -> str:
        return f"p{self.page} {self.char!r} in {self.line!r}"


def _core(box: pymupdf.Rect, size: float) -> tuple[float, float, float, float]:
    """The part of a character box where its glyph certainly has ink if drawn: the middle of
    the em square, horizontally the middle half (narrow glyphs: the whole advance)."""
    x0, y0, x1, y1 = box
    cy = (y0 + y1) / 2
    h = min(y1 - y0, size) * 0.3
    w = x1 - x0
    inset = w * 0.2 if w > size * 0.6 else 0.0
    return (x0 + inset, cy - h, x1 - inset, cy + h)


def _has_ink(img: Image.Image, box: tuple[float, float, float, float], scale: float, ink: int = INK) -> bool:
    x0, y0, x1, y1 = (int(v * scale) for v in box)
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    x0, y0 = max(x0 - 1, 0), max(y0 - 1, 0)
    lo, _hi = img.crop((x0, y0, x1 + 1, y1 + 1)).getextrema()
    return lo < ink


def _inked(img: Image.Image, ch: str, box: pymupdf.Rect, size: float, scale: float) -> bool:
    if unicodedata.category(ch).startswith("P"):     # punctuation sits anywhere in its box
        return _has_ink(img, tuple(box), scale, FAINT_INK)
    return _has_ink(img, _core(box, size), scale)


def _render(doc: pymupdf.Document, pdf: Path, number: int, dpi: int, renderer: str) -> Image.Image:
    if renderer == "poppler":
        png = subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-f", str(number), "-l", str(number), "-png",
                              str(pdf)], capture_output=True, check=True).stdout
        return Image.open(io.BytesIO(png)).convert("L")
    pix = doc[number - 1].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, annots=True)
    return Image.frombytes("L", (pix.width, pix.height), pix.samples)


def clipped_glyphs(pdf: Path, pages: list[int] | None = None, *, dpi: int = DPI,
                   renderer: str = "mupdf") -> list[Clipped]:
    """Return the glyphs of ``pages`` (1-based; default all) that leave no ink on the page."""
    found: list[Clipped] = []
    with pymupdf.open(pdf) as doc:
        for number in pages or range(1, doc.page_count + 1):
            page = doc[number - 1]
            img = _render(doc, pdf, number, dpi, renderer)
            scale = img.width / page.rect.width
            raw = page.get_text("rawdict", flags=pymupdf.TEXT_PRESERVE_WHITESPACE)
            for block in raw["blocks"]:
                for line in block.get("lines", ()):
                    text = "".join(c["c"] for span in line["spans"] for c in span["chars"])
                    for span in line["spans"]:
                        for c in span["chars"]:
                            if c["c"] in SKIP or not c["c"].strip():
                                continue
                            box = pymupdf.Rect(c["bbox"])
                            if not _inked(img, c["c"], box, span["size"], scale):
                                found.append(Clipped(number, c["c"], text, tuple(box)))
    return found
