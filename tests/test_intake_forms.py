"""Intake renders the one-page forms again from the package's own data and compares the pages.

Each attack is made before sealing (the applicant controls every byte then) on the real built
package and sealed with real pyHanko signatures; the seals are all valid, the page is not what the
bureau generates from the embedded data.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers.intake import (
    RECEIVED,
    attachments,
    built_package,
    built_recognition_package,
    make_ca,
    make_signer,
    manifest_of,
    rewrite,
    sign,
)

from lingong_docs.intake.examine.forms import MAX_AREA
from lingong_docs.intake.raster import differing_area, draw_pages
from lingong_docs.intake.service import intake

REPORT_PAGE = 2          # 0-based: 附件2 运营经费补贴申请报告 in the test package
COVER_PAGE = 0
# Where the report prints "20" (万元) and the cover's empty 地址 line, in points (read from the page).
AMOUNT_BOX = (207.0, 380.0, 22.0, 20.0)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forms-pki")
    ca = make_ca(folder)
    return {"ca": ca, "signer": make_signer(folder / "own", ca=ca)[0]}


@pytest.fixture(scope="module")
def sealed(pki):
    return sign(built_package(), pki["signer"])


def run(tmp_path: Path, data: bytes, pki, name: str = "package.pdf"):
    path = tmp_path / name
    path.write_bytes(data)
    [receipt] = intake([path], as_of=RECEIVED, trust=[str(pki["ca"][2])])
    return receipt


def errors(receipt) -> set[str]:
    return {f.code for f in receipt.findings if f.severity == "error"}


def message(receipt, code: str) -> str:
    return next(f.message for f in receipt.findings if f.code == code)


def _overlay(draw) -> object:
    """Return a one-page PDF page drawn by ``draw(canvas, font)`` (reportlab, the tool's CJK font)."""
    from pypdf import PdfReader
    from reportlab.pdfgen import canvas

    from lingong_docs.core.fonts import cjk_font

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595.3, 841.9))
    draw(c, cjk_font())
    c.showPage()
    c.save()
    return PdfReader(io.BytesIO(buf.getvalue())).pages[0]


def drawn_over(data: bytes, page: int, draw) -> bytes:
    """Return the package with ``draw`` painted over page ``page`` (a full rewrite, before sealing)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.pages[page].merge_page(_overlay(draw))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def white_box_and_new_amount(c, font) -> None:
    x, y, w, h = AMOUNT_BOX
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, w, h, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    c.setFont(font, 16)
    c.drawString(208.9, 384.6, "50")


def clipped_and_stroked(data: bytes) -> bytes:
    """Return the package whose 附件2 hides the printed "20" behind a clipping path (no fill, no
    image, no thick line: nothing the drawing check looks for) and shows "50" drawn as thin strokes
    (no text: the text layer still reads 20)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject

    x, y, w, h = AMOUNT_BOX
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    page = writer.pages[REPORT_PAGE]

    def stream(raw: bytes):
        s = DecodedStreamObject()
        s.set_data(raw)
        return writer._add_object(s)

    clip = f"q 0 0 595.3 841.9 re {x} {y} {w} {h} re W* n\n".encode()
    five = "210 397 m 217 397 l 210 397 m 210 391 l 217 391 l 217 385 l 210 385 l S\n"
    zero = "220 397 m 227 397 l 227 385 l 220 385 l 220 397 l S\n"
    strokes = f"Q q 0 G 1.2 w {five}{zero}Q\n".encode()
    contents = page["/Contents"]
    old = list(contents) if isinstance(contents, ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject([stream(clip), *old, stream(strokes)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def invisible_text(c, font) -> None:
    text = c.beginText(120, 300)
    text.setFont(font, 16)
    text.setTextRenderMode(3)          # neither filled nor stroked: only the text layer shows it
    text.textOut("申请金额100万元")
    c.drawText(text)


# ---- whole packages ---------------------------------------------------------------------------

def test_a_clean_sealed_package_passes_the_comparison(tmp_path, pki, sealed):
    r = run(tmp_path, sealed, pki)
    assert r.verdict == "accepted", [(f.code, f.message) for f in r.findings if f.severity == "error"]
    assert not {"form-page-differs", "form-rerender-failed"} & {f.code for f in r.findings}


def test_a_white_box_with_a_new_amount_on_the_report_is_caught(tmp_path, pki):
    data = sign(drawn_over(built_package(), REPORT_PAGE, white_box_and_new_amount), pki["signer"])
    r = run(tmp_path, data, pki)
    assert r.verdict == "rejected"
    assert "form-page-differs" in errors(r)
    assert "附件2" in message(r, "form-page-differs") and "第3页" in message(r, "form-page-differs")


def test_new_figures_hidden_from_the_text_layer_and_the_drawing_check_are_caught_in_the_picture(tmp_path, pki):
    r = run(tmp_path, sign(clipped_and_stroked(built_package()), pki["signer"]), pki)
    assert "page-drawing-added" not in errors(r)          # no fill, image or thick line: the picture tells
    assert "printed-figures-mismatch" not in errors(r)    # the text layer still prints the true amount
    assert "form-page-differs" in errors(r)
    assert "第3页的图像" in message(r, "form-page-differs")


def test_text_added_only_to_the_covers_text_layer_is_caught(tmp_path, pki):
    r = run(tmp_path, sign(drawn_over(built_package(), COVER_PAGE, invisible_text), pki["signer"]), pki)
    assert r.verdict == "rejected"
    assert "form-page-differs" in errors(r)
    assert "封面" in message(r, "form-page-differs") and "第1页的文字" in message(r, "form-page-differs")


def test_an_application_file_edited_after_the_build_no_longer_gives_the_printed_cover(tmp_path, pki):
    data = built_package()
    name = next(f["attachment"] for f in manifest_of(data)["files"] if f["role"] == "application")
    text = attachments(data)[name].decode("utf-8").replace('地址: ""', '地址: "北京市朝阳区示例路1号"')
    edited = rewrite(data, replace={name: text.encode("utf-8")}, fix_hashes=True)    # a careful forger
    r = run(tmp_path, sign(edited, pki["signer"]), pki)
    assert r.verdict == "rejected"
    assert "form-page-differs" in errors(r)
    assert "封面" in message(r, "form-page-differs")


def test_without_libreoffice_the_forms_are_not_passed_unchecked(tmp_path, pki, sealed, monkeypatch):
    bare = tmp_path / "bin"
    bare.mkdir()
    (bare / "pdftoppm").symlink_to(Path("/usr/bin/pdftoppm"))
    monkeypatch.setenv("PATH", str(bare))                         # no soffice on PATH …
    monkeypatch.setenv("LINGONG_SOFFICE", str(tmp_path / "none"))  # … nor in the usual places
    r = run(tmp_path, sealed, pki)
    assert r.verdict == "rejected"
    assert "form-rerender-failed" in errors(r)
    assert "LibreOffice" in message(r, "form-rerender-failed")


def test_a_recognition_package_has_its_forms_and_report_compared(tmp_path, pki):
    r = run(tmp_path, sign(built_recognition_package(), pki["signer"]), pki)
    assert not {"form-page-differs", "form-rerender-failed"} & {f.code for f in r.findings}, \
        [(f.code, f.message) for f in r.findings]
    attacked = sign(drawn_over(built_recognition_package(), COVER_PAGE, invisible_text), pki["signer"])
    assert "form-page-differs" in errors(run(tmp_path, attacked, pki, "attacked.pdf"))


# ---- the picture's tolerance --------------------------------------------------------------------

MOVES = ((0.2, 0.1), (0.5, 0.0), (0.0, 0.72), (1.0, 0.5), (1.44, 0.72), (-1.44, -1.44))   # ≤ 2 px at 100 dpi


def _amount_line(c, font: str, amount: str | None, dx: float = 0.0, dy: float = 0.0) -> None:
    """Print the report's amount line on a page: the amount as text in the form's font, or
    (``amount=None``) "50" drawn as thin strokes, or nothing (``amount=""``: hidden)."""
    c.setFont(font, 16)
    x, y = 79.5 + dx, 384.6 + dy
    c.drawString(x, y, "申请运营经费补贴")
    x += c.stringWidth("申请运营经费补贴", font, 16)
    if amount is None:
        c.setLineWidth(1.2)
        path = c.beginPath()
        for segment in (((8, 12), (1, 12), (1, 6), (8, 6), (8, 0), (1, 0)), ((11, 0), (18, 0), (18, 12), (11, 12), (11, 0))):
            path.moveTo(x + segment[0][0], y + segment[0][1])
            for px, py in segment[1:]:
                path.lineTo(x + px, y + py)
        c.drawPath(path, stroke=1, fill=0)
    else:
        c.drawString(x, y, amount)
    c.drawString(x + c.stringWidth("20", font, 16), y, "万元（大写：人民币贰拾万元整）。")
    c.showPage()


@pytest.mark.slow          # poppler draws nine pages and the font is loaded: over a second
def test_glyphs_a_pixel_or_two_away_do_not_count_while_hidden_or_redrawn_figures_do(tmp_path):
    from reportlab.pdfgen import canvas

    from lingong_docs.core.fonts import cjk_font

    pdf, font = tmp_path / "pages.pdf", cjk_font()
    c = canvas.Canvas(str(pdf), pagesize=(595.3, 841.9))
    _amount_line(c, font, "20")
    for dx, dy in MOVES:
        _amount_line(c, font, "20", dx, dy)
    _amount_line(c, font, "")
    _amount_line(c, font, None)
    c.save()
    page, *moved, hidden, strokes = draw_pages(pdf, tmp_path / "page", 100)    # as intake draws them
    assert [differing_area(page, m, 100) <= MAX_AREA for m in moved] == [True] * len(MOVES)
    assert differing_area(page, hidden, 100) > MAX_AREA
    assert differing_area(page, strokes, 100) > MAX_AREA
