"""The same file gets the same verdict: 附件4 and 附件5 as printed are compared with the embedded
workbooks cell by cell (same row, same column), every page of 附件4, and 附件5's pages either all
or a sample drawn from the file's own hash — never at random."""

from __future__ import annotations

import io

import pytest
from helpers.intake import built_package, make_signer, manifest_of, run, sign
from pypdf import PdfReader, PdfWriter

from lingong_docs.intake.sandbox import Limits
from lingong_docs.intake.scan.structure import _page_text


@pytest.fixture(scope="module")
def signer(tmp_path_factory):
    return make_signer(tmp_path_factory.mktemp("cert"))[0]


def _pages(material: str) -> tuple[int, int]:
    mat = next(m for m in manifest_of(built_package())["materials"] if m["key"] == material)
    return mat["first_page"], mat["last_page"]


def _cell(page: int, row_text: str, value: str) -> tuple[float, float, float]:
    """Return (x, y, size) of the run ``value`` on the line whose first run reads ``row_text``."""
    _, runs = _page_text(PdfReader(io.BytesIO(built_package())).pages[page - 1], True)
    line = next(r[1] for r in runs if r[3].strip() == row_text and r[0] < 80)
    return next((r[0], r[1], r[2]) for r in runs if abs(r[1] - line) < 1 and r[3].strip() == value)


def overdrawn(page: int, x: float, y: float, size: float, old: str, new: str, how: str = "box") -> bytes:
    """The package with a white box over ``old`` at (x, y) on ``page`` and ``new`` printed on it,
    drawn into the page before sealing (what an applicant with an editor can do); ``how``: the
    cover is a filled box, a thick white line or a white image."""
    from reportlab.lib.pagesizes import landscape
    from reportlab.pdfgen import canvas

    reader = PdfReader(io.BytesIO(built_package()))
    box = reader.pages[page - 1].mediabox
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=landscape((float(box.height), float(box.width))))
    c.setFillColorRGB(1, 1, 1)
    width = size * len(old) * 0.6 + 2
    if how == "box":
        c.rect(x - 1, y - 2, width, size + 3, stroke=0, fill=1)
    elif how == "line":
        c.setStrokeColorRGB(1, 1, 1)
        c.setLineWidth(size + 3)
        c.line(x - 1, y + size / 2, x + width, y + size / 2)
    else:
        from PIL import Image
        from reportlab.lib.utils import ImageReader

        c.drawImage(ImageReader(Image.new("RGB", (8, 8), "white")), x - 1, y - 2, width, size + 3)
    c.setFillColorRGB(0, 0, 0)
    c.setFont("Helvetica", size)
    c.drawString(x, y, new)
    c.save()
    writer = PdfWriter(clone_from=reader)
    writer.pages[page - 1].merge_page(PdfReader(buf).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def rows_finding(r, material: str) -> str | None:
    return next((f.message for f in r.findings if f.code == "printed-rows-mismatch" and material in f.message), None)


def test_the_package_as_built_matches_cell_by_cell(tmp_path, signer):
    r = run(tmp_path, sign(built_package(), signer))
    assert r.accepted and not [f for f in r.findings if f.code.startswith("printed-rows")]


def test_a_pay_printed_over_a_white_box_on_the_roster_is_a_difference(tmp_path, signer):
    first, _ = _pages("roster")
    x, y, size = _cell(first, "3", "320.00")
    r = run(tmp_path, sign(overdrawn(first, x, y, size, "320.00", "920.00"), signer))
    message = rows_finding(r, "附件5")
    assert message is not None and f"第{first}页（表格第7行）" in message and not r.accepted


@pytest.mark.parametrize(("old", "new"), [("张三明", "李四"), ("银行转账", "现金"), ("8.0", "3")])
def test_names_payment_methods_and_small_numbers_are_compared_too(tmp_path, signer, old, new):
    first, _ = _pages("roster")
    x, y, size = _cell(first, "3", old)
    r = run(tmp_path, sign(overdrawn(first, x, y, size, old, new), signer))
    assert rows_finding(r, "附件5") is not None and not r.accepted


def test_job_posts_are_compared_in_full_whatever_the_sampling_budget(tmp_path, signer):
    page, _ = _pages("job_posts")
    x, y, size = _cell(page, "1", "500")
    r = run(tmp_path, sign(overdrawn(page, x, y, size, "500", "900"), signer), limits=Limits(max_table_pages=0))
    assert rows_finding(r, "附件4") is not None and not r.accepted


def test_a_sampled_roster_gets_the_same_verdict_every_time(tmp_path, signer):
    first, last = _pages("roster")
    # a difference on one page; with a sample of 5 pages it is found or not - but the same each time
    page = first + 3
    _, runs = _page_text(PdfReader(io.BytesIO(built_package())).pages[page - 1], True)
    target = next(r for r in runs if r[3].strip() == "320.00")
    data = sign(overdrawn(page, target[0], target[1], target[2], "320.00", "999.00"), signer)
    verdicts = {tuple(sorted((f.code, f.message) for f in run(tmp_path, data, f"p{i}.pdf",
                                                               limits=Limits(max_table_pages=5)).findings))
                for i in range(2)}
    assert len(verdicts) == 1
    [findings] = verdicts
    assert ("printed-rows-sampled" in {c for c, _ in findings}) and last - first + 1 > 5


def test_the_sample_is_drawn_from_the_file_hash():
    from lingong_docs.intake.scan.result import ScanResult
    from lingong_docs.intake.scan.structure import _texts

    class Pages:                      # page text is not what this test is about: empty pages
        pages = [type("P", (), {"extract_text": lambda self, **kw: ""})() for _ in range(60)]

    manifest = {"materials": [{"key": "job_posts", "first_page": 1, "last_page": 9},
                              {"key": "roster", "first_page": 10, "last_page": 60}]}
    limits = {"max_table_pages": 5, "max_text_pages": 40}

    def sample(seed: str) -> list[int]:
        out = ScanResult(pages=60)
        _texts(Pages(), manifest, limits, out, seed, {"text": [], "tables": ["job_posts", "roster"]})
        return sorted(out.runs)

    first = sample("ab" * 32)
    assert first == sample("ab" * 32)                               # re-examination: the same pages
    assert first[:9] == list(range(1, 10)) and len(first) == 9 + 5   # 附件4 in full, 附件5 sampled
    assert any(sample(f"{i:064x}") != first for i in range(5))      # another file, another sample


def _report_figure() -> tuple[int, float, float, float, str]:
    page, _ = _pages("report_operating")
    _, runs = _page_text(PdfReader(io.BytesIO(built_package())).pages[page - 1], True)
    run = next(r for r in runs if r[3].strip() == "5000" or "5000" in r[3])
    return page, run[0], run[1], run[2], run[3]


@pytest.mark.parametrize("how", ["box", "line", "image"])
def test_a_white_cover_and_a_new_figure_on_the_report_are_found(tmp_path, signer, how):
    page, x, y, size, text = _report_figure()
    r = run(tmp_path, sign(overdrawn(page, x, y, size, text, "9840", how), signer))
    [f] = [f for f in r.findings if f.code == "page-drawing-added"]
    assert f.severity == "error" and f"第{page}页" in f.message and not r.accepted
    assert {"box": "fill", "line": "thick-line", "image": "image"}[how] in f.message
