"""Child side: compare a package's form pages with the same pages rendered again — text and picture.

Text: each page's text layer (pypdf, as the scan reads it), white space removed, must be equal.
Picture: both pages are drawn by poppler (``pdftoppm``, grey, annotations hidden) at ``dpi``; ink on
one page that the other page has nowhere within ``RADIUS`` pixels, darker than ``INK``, counts as
a differing pixel; the page is cut into cells of ``CELL`` pixels and a cell with ``CELL_SHARE`` of
its pixels differing counts as differing. The differing area (mm²) is returned; the parent decides
(``examine.forms.MAX_AREA``). So glyphs moved by a pixel or two, another rasteriser's antialiasing
or hinting (another LibreOffice build) cost nothing, while a figure drawn over another one does.
The thresholds were chosen from measurements written down in docs/security.md §3.

The package's pages are taken from the sealed bytes with the one reading of the scan
(``scan.reading.XrefReader``) and written to a private file before poppler draws them.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

RADIUS = 2            # pixels (at 100 dpi: 0.5 mm) a stroke may move
INK = 96              # grey levels (of 255) of ink not explained by the other page
CELL = 8              # pixels (2 mm at 100 dpi)
CELL_SHARE = 0.10     # share of a cell's pixels that must differ
TIMEOUT = 120         # seconds of wall clock for one poppler run


class RasterError(RuntimeError):
    """poppler is missing or could not draw the pages (the message says which, in Chinese)."""


def compare_pages(expected_pdf: Path, where: list[Any], package_pdf: Path, password: str | None,
                  workdir: Path, dpi: int) -> list[Any]:
    """Return a ``rerender.FormPage`` for each entry of ``where`` (``rerender.Expected``)."""
    from pypdf import PdfReader, PdfWriter

    from lingong_docs.intake.rerender import FormPage
    from lingong_docs.intake.scan.reading import XrefReader

    package = XrefReader(str(package_pdf))
    if package.is_encrypted:
        package.decrypt(password or "")
    expected = PdfReader(str(expected_pdf))
    compared = [e for e in where if e.index is not None and 1 <= e.page <= len(package.pages)]
    writer = PdfWriter()
    for e in compared:
        writer.add_page(package.pages[e.page - 1])
    own = workdir / "package-forms.pdf"
    with open(own, "wb") as f:
        writer.write(f)
    theirs = draw_pages(own, workdir / "package", dpi)
    ours = draw_pages(expected_pdf, workdir / "expected", dpi)
    out = []
    for e in where:
        if e.index is None:                          # the form took another number of pages
            out.append(FormPage(e.material, e.page, text=False, pages=e.rendered_pages))
            continue
        if e not in compared:                        # the package has no such page
            out.append(FormPage(e.material, e.page, text=False))
            continue
        k = compared.index(e)
        same_text = _plain(package.pages[e.page - 1].extract_text()) == _plain(expected.pages[e.index].extract_text())
        out.append(FormPage(e.material, e.page, text=same_text, area=differing_area(ours[e.index], theirs[k], dpi)))
    return out


def _plain(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def draw_pages(pdf: Path, prefix: Path, dpi: int) -> list[Any]:
    """Return the pages of ``pdf`` drawn in grey at ``dpi`` (PIL images), annotations hidden."""
    from PIL import Image

    exe = shutil.which("pdftoppm")
    if exe is None:
        raise RasterError("本机没有 poppler（pdftoppm）")
    try:
        done = subprocess.run([exe, "-r", str(dpi), "-gray", "-hide-annotations", str(pdf), str(prefix)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise RasterError("poppler（pdftoppm）超时") from None
    files = sorted(prefix.parent.glob(prefix.name + "-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    if done.returncode != 0 or not files:
        raise RasterError("poppler（pdftoppm）无法绘制页面")
    images = []
    for path in files:
        with Image.open(path) as im:
            images.append(im.convert("L"))
    return images


def differing_area(a: Any, b: Any, dpi: int) -> float:
    """Return the area (mm²) where pages ``a`` and ``b`` (grey PIL images) differ beyond the tolerance."""
    from PIL import ImageChops, ImageFilter, ImageOps

    cell_mm2 = (CELL * 25.4 / dpi) ** 2
    if a.size != b.size:
        return round(a.size[0] * a.size[1] / (CELL * CELL) * cell_mm2, 1)
    ink_a, ink_b = ImageOps.invert(a), ImageOps.invert(b)
    spread = ImageFilter.MaxFilter(2 * RADIUS + 1)
    only_a = ImageChops.subtract(ink_a, ink_b.filter(spread))
    only_b = ImageChops.subtract(ink_b, ink_a.filter(spread))
    differing = ImageChops.lighter(only_a, only_b).point(lambda v: 255 if v >= INK else 0)
    cells = differing.reduce(CELL)
    limit = int(255 * CELL_SHARE)
    count = sum(n for level, n in enumerate(cells.histogram()) if level >= limit)
    return round(count * cell_mm2, 1)
