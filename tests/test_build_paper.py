"""Build stage: clean on paper (empty signature fields print nothing, signed ones print), the
paper edition (``--paper``), and the wording of a draft whose subsidy is not reached."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.apps import fill, make_app, table_path
from helpers.figures import add_evidence, roster_row
from helpers.pdf import sign_all
from pypdf import PdfReader

from lingong_docs.package.build import build_packages

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1772668800"                       # 2026-03-05 00:00 UTC
PRINT, HIDDEN = 4, 2                       # widget annotation flags (/F)


def _build(folder: Path, out: Path, **kw) -> list:
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        return build_packages(folder, out=out, **kw)
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> dict:
    """samples/demo's operating package, electronic and paper edition."""
    out = tmp_path_factory.mktemp("editions")
    demo = ROOT / "samples" / "demo"
    (electronic,) = _build(demo, out / "e", kinds=["operating"])
    (paper,) = _build(demo, out / "p", kinds=["operating"], paper=True)
    return {"electronic": electronic, "paper": paper}


def _widgets(data: bytes) -> list[dict]:
    reader = PdfReader(io.BytesIO(data))
    out = []
    for n, page in enumerate(reader.pages):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/FT") == "/Sig":
                stream = annot["/AP"]["/N"].get_object()
                out.append({"name": str(annot["/T"]), "page": n, "flags": int(annot.get("/F", 0)),
                            "appearance": stream.get_data().strip()})
    return out


def _pixels(pdf: Path, page: int, tmp: Path, *extra: str) -> bytes:
    out = subprocess.run(["pdftoppm", "-r", "40", "-gray", "-f", str(page), "-l", str(page), *extra, str(pdf)],
                         check=True, capture_output=True)
    return out.stdout


def test_empty_fields_print_nothing_and_signed_ones_print(editions, tmp_path):
    pdf = editions["electronic"].path
    data = pdf.read_bytes()
    empty = _widgets(data)
    assert empty and all(w["flags"] & PRINT and not w["flags"] & HIDDEN for w in empty)
    assert [w["name"] for w in empty if w["appearance"]] == []
    signed_data, statuses = sign_all(data)
    assert len(statuses) == len(empty)
    signed = _widgets(signed_data)
    assert all(w["flags"] & PRINT and not w["flags"] & HIDDEN for w in signed)
    assert [w["name"] for w in signed if not w["appearance"]] == []
    signed_pdf = tmp_path / "signed.pdf"
    signed_pdf.write_bytes(signed_data)
    for page in sorted({w["page"] + 1 for w in empty}):
        plain = _pixels(pdf, page, tmp_path, "-hide-annotations")
        assert _pixels(pdf, page, tmp_path) == plain                        # empty fields: no ink
        assert _pixels(signed_pdf, page, tmp_path) != plain                 # seals and signatures print


def test_paper_edition_has_no_fields_but_seam_guides_page_note_outline_and_data(editions):
    result = editions["paper"]
    reader = PdfReader(result.path)
    manifest = json.loads(reader.attachments["manifest.json"][0])
    assert manifest["edition"] == "paper" and manifest["signature_fields"] == []
    assert json.loads(PdfReader(editions["electronic"].path).attachments["manifest.json"][0])["edition"] == "electronic"
    assert "/AcroForm" not in reader.trailer["/Root"] and _widgets(result.path.read_bytes()) == []
    assert [o.title for o in reader.outline if not isinstance(o, list)] == [m["title"] for m in result.materials]
    assert {"application.yaml", "validation.json"} <= set(reader.attachments)
    pages = [p.extract_text() for p in reader.pages]
    assert all(f"第{n}页 共{len(pages)}页" in t for n, t in enumerate(pages, start=1))
    checklist = next(m for m in result.materials if m["key"] == "checklist")
    assert f"本材料共{len(pages)}页" in "".join(pages[checklist["first_page"] - 1].split())
    seams = {m["key"]: [bool(re.search(r"骑\s*缝\s*章", pages[n - 1])) for n in range(m["first_page"], m["last_page"] + 1)]
             for m in result.materials}
    assert all(seams["roster"]) and all(seams["job_posts"])                # multi-page tables
    assert not any(seams["cover"] + seams["checklist"] + seams["report_operating"])
    for key in ("cover", "report_operating", "roster"):                     # seal places printed as words
        m = next(x for x in result.materials if x["key"] == key)
        assert "（盖章）" in "".join(pages[m["last_page"] - 1].split()) or "（盖章）" in "".join(
            pages[m["first_page"] - 1].split())


@pytest.fixture(scope="module")
def small_app(tmp_path_factory) -> Path:
    """A valid application far below every threshold (20 rows, 40 demand)."""
    import datetime as dt

    folder = make_app(tmp_path_factory.mktemp("small") / "app", year=2025)
    fill(table_path(folder, "roster"), "roster", [roster_row(i) for i in range(20)])
    fill(table_path(folder, "job_posts"), "job_posts",
         [{"seq": 1, "title": "分拣员", "category": "物流仓储", "published": dt.datetime(2025, 3, 5), "demand": 40}])
    add_evidence(folder, 20)
    return folder


def test_a_draft_below_the_thresholds_says_why(small_app, tmp_path):
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    cp = subprocess.run([str(Path(sys.executable).parent / "lingong-docs"), "build", str(small_app), "--kind",
                         "operating", "--draft", "-o", str(tmp_path)], capture_output=True, text=True, env=env)
    assert cp.returncode == 0, cp.stderr
    assert "未达到补贴标准" in cp.stdout and "改正全部错误" not in cp.stdout
    (pdf,) = tmp_path.glob("*.pdf")
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "未达到补贴标准" in text and "未通过校验" not in text and "尚未通过校验" not in text
