"""Printed package: a clerk's search finds what the forms print, as printed ("附件2", "20万元").

LibreOffice spaces Chinese apart from Latin letters and digits by default (autospace); text
extractors then read "附件 2", "20 万元". The Writer forms are converted with autospace off
(``render.soffice``: a Basic macro in LibreOffice's private profile): the text layer of the cover, the checklist and 附件1–3 carries each such
token whole, for pdftotext and for PyMuPDF (extraction and ``search_for``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pymupdf
import pytest
from helpers.apps import build_at
from pypdf import PdfReader

from lingong_docs.render import convert_to_pdf

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "samples" / "demo"
DATE = "2026年3月5日"                       # the demo's 申请日期, as the forms print it
# The words the forms print before a figure (core.manifest.printed_text): "需求人数6840人".
WORDS_BEFORE = re.compile("^(撮合服务|需求人数|补贴|人民币)")
FORMS = ("cover", "checklist", "report_recognition", "report_operating", "report_employment")




@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> list:
    """The demo's operating and employment packages and a recognition package (electronic)."""
    root = tmp_path_factory.mktemp("search")
    folder = root / "app"
    shutil.copytree(DEMO, folder)
    app = folder / "application.yaml"
    app.write_text(app.read_text(encoding="utf-8").replace("  - 就业服务补贴\n", "  - 就业服务补贴\n  - 零工市场认定\n"),
                   encoding="utf-8")
    return build_at(folder, root / "out")


def _tokens(result) -> dict[str, list[str]]:
    """{material key: the strings its pages print that a clerk would search for}: the 附件 labels
    (material titles), the figures as the manifest records them printed, the year and date."""
    manifest = json.loads(PdfReader(result.path).attachments["manifest.json"][0])
    titles = [m["title"].split()[0] for m in result.materials if m["title"].startswith("附件")]
    out: dict[str, list[str]] = {"cover": [DATE], "checklist": [*titles, DATE]}
    if result.kind != "recognition":
        out["cover"].append("2025年度")
        out["checklist"].append("2025年度")
    for m in result.materials:
        if m["key"].startswith("report_"):
            out[m["key"]] = [m["title"].split()[0], DATE]
    for entry in manifest["printed"] or []:
        out[entry["material"]].append(entry["text"])
    return out


def _pages(result, key: str) -> range:
    m = next(m for m in result.materials if m["key"] == key)
    return range(m["first_page"], m["last_page"] + 1)


def _pdftotext(path: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def test_every_form_prints_searchable_tokens(packages):
    seen = set()
    for result in packages:
        doc = pymupdf.open(result.path)
        for key, tokens in _tokens(result).items():
            pages = _pages(result, key)
            poppler = "".join(_pdftotext(result.path, n).replace("\n", "") for n in pages)
            mupdf = "".join(doc[n - 1].get_text().replace("\n", "") for n in pages)
            for token in tokens:
                assert token in poppler, (result.kind, key, token)
                assert token in mupdf, (result.kind, key, token)
                # search_for matches within a line: the figure and its unit ("6840人", not the
                # words before it, which may end the line above)
                word = WORDS_BEFORE.sub("", token)
                assert any(doc[n - 1].search_for(word) for n in pages), (result.kind, key, word)
            seen.add(key)
    assert seen == set(FORMS)
    operating = next(r for r in packages if r.kind == "operating")
    assert "补贴20万元" in _tokens(operating)["report_operating"]        # the real amount is among them


def test_no_gap_between_chinese_and_digits_or_latin_letters(packages):
    """No "附件 2" or "20 万元" anywhere in the forms' text layer (pdftotext keeps such gaps as spaces)."""
    for result in packages:
        for key in FORMS:
            if not any(m["key"] == key for m in result.materials):
                continue
            text = "".join(_pdftotext(result.path, n) for n in _pages(result, key))
            assert not [line for line in text.splitlines() if _gap(line)], (result.kind, key)


def _gap(line: str) -> bool:
    """A space between a Chinese character and the number after it ("附件 2", "共 230条"), or between
    a number and its unit ("20 万元", "2026 年"): autospace's mark (the real space of a title such as
    "附件4 发布岗位任务明细表" is neither)."""
    return bool(re.search(r"[\u4e00-\u9fff] [0-9]|[0-9] [年月日万元人个条页度]", line))


def test_writer_conversion_keeps_tokens_whole_under_an_odd_temporary_folder(tmp_path, monkeypatch):
    """The macro that converts Writer documents finds its list through the environment: a quote,
    a bracket, a space or Chinese in the temporary folder's name cannot break its call."""
    import tempfile

    from docx import Document

    odd = tmp_path / 'a"b)c 临时'
    odd.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(odd))
    doc = tmp_path / "表.docx"
    document = Document()
    document.add_paragraph("附件2 运营经费补贴申请报告，共5,200条，申请补贴20万元。")
    document.save(doc)
    (pdf,) = convert_to_pdf([doc], tmp_path / "out")
    text = _pdftotext(pdf, 1)
    assert "附件2" in text and "共5,200条" in text and "补贴20万元" in text
