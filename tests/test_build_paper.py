"""Build stage: clean on paper (empty signature fields print nothing, signed ones print), the
paper edition (``--paper``), and the wording of a draft whose subsidy is not reached."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest
from helpers.apps import fill, make_app, table_path
from helpers.figures import add_evidence, roster_row
from helpers.pdf import blank_pdf, sign_all
from pypdf import PdfReader

from lingong_docs.package.build import build_packages

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1772668800"                       # 2026-03-05 00:00 UTC
SOURCE_DATE = dt.datetime.fromtimestamp(int(EPOCH), tz=dt.UTC)   # what the CLI makes of SOURCE_DATE_EPOCH
PRINT, HIDDEN = 4, 2                       # widget annotation flags (/F)


def _build(folder: Path, out: Path, **kw) -> list:
    return build_packages(folder, out=out, source_date=SOURCE_DATE, **kw)


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


@pytest.fixture(scope="module")
def signed(editions) -> tuple[bytes, list]:
    """The electronic edition with every field signed by pyHanko (its default stamp as the seal)."""
    return sign_all(editions["electronic"].path.read_bytes())


def test_empty_fields_print_nothing_and_signed_ones_print(editions, signed, tmp_path):
    pdf = editions["electronic"].path
    data = pdf.read_bytes()
    empty = _widgets(data)
    assert empty and all(w["flags"] & PRINT and not w["flags"] & HIDDEN for w in empty)
    assert [w["name"] for w in empty if w["appearance"]] == []
    signed_data, statuses = signed
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


def _mupdf_pixels(page, clip) -> bytes:
    return page.get_pixmap(dpi=72, clip=clip, colorspace=pymupdf.csGRAY).samples


def _sign_tag(rect) -> tuple[float, float, float, float]:
    """Where MuPDF draws its "SIGN" tag on an unsigned signature field (``pdf-appearance.c``,
    ``pdf_signature_appearance_unsigned``: the top sixth of the field, four times as wide as high,
    plus the arrow's point), with a point of anti-aliasing around it."""
    h = (rect.y1 - rect.y0) / 6
    return (rect.x0 - 1, rect.y0 - 1, rect.x0 + 4 * h + h / 2 + 1, rect.y0 + h + 1)


def test_mupdf_draws_nothing_of_an_empty_field_but_its_sign_tag_and_shows_the_seal(editions, signed):
    """PyMuPDF (MuPDF) renders an unsigned field with its own orange "SIGN" tag whatever the
    file says (docs/rules.md §12); apart from that tag an empty field adds no ink. Signed, the
    seal's appearance shows and the tag is gone."""
    unsigned_doc = pymupdf.open(editions["electronic"].path)
    signed_doc = pymupdf.open(stream=signed[0], filetype="pdf")
    checked = 0
    for page in unsigned_doc:
        for widget in page.widgets():
            rect, tag = widget.rect, pymupdf.Rect(_sign_tag(widget.rect))
            below = pymupdf.Rect(rect.x0, tag.y1, rect.x1, rect.y1)        # the field but its tag band
            right = pymupdf.Rect(tag.x1, rect.y0, rect.x1, tag.y1)
            for part in (below, right):
                assert _mupdf_pixels(page, part) == _page_only(page, part), widget.field_name
            signed_page = signed_doc[page.number]
            assert _mupdf_pixels(signed_page, rect) != _page_only(signed_page, rect), widget.field_name
            checked += 1
    assert checked == len(_widgets(editions["electronic"].path.read_bytes()))


def _page_only(page, clip) -> bytes:
    return page.get_pixmap(dpi=72, clip=clip, colorspace=pymupdf.csGRAY, annots=False).samples


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
    # multi-page tables: the 骑缝章 goes across the whole bound stack, every page has its place
    assert all(all(v) for v in seams.values())
    note = "".join(pages[checklist["first_page"] - 1].split())
    assert "骑缝章" in note and "右侧切口" in note and "距纸边10毫米" in note
    for key in ("cover", "report_operating", "roster"):                     # seal places printed as words
        m = next(x for x in result.materials if x["key"] == key)
        assert "（盖章）" in "".join(pages[m["last_page"] - 1].split()) or "（盖章）" in "".join(
            pages[m["first_page"] - 1].split())


def _fill_small(folder: Path) -> None:
    import datetime as dt

    fill(table_path(folder, "roster"), "roster", [roster_row(i) for i in range(20)])
    fill(table_path(folder, "job_posts"), "job_posts",
         [{"seq": 1, "title": "分拣员", "category": "物流仓储", "published": dt.datetime(2025, 3, 5), "demand": 40}])
    add_evidence(folder, 20)


@pytest.fixture(scope="module")
def small_app(tmp_path_factory) -> Path:
    """A valid application far below every threshold (20 rows, 40 demand)."""
    folder = make_app(tmp_path_factory.mktemp("small") / "app", year=2025)
    _fill_small(folder)
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


PARAGRAPH = "驿站设在望京街道社区服务中心一层，面积约二百平方米，临近地铁站和公交枢纽，零工人员往来方便。"


@pytest.fixture(scope="module")
def recognition(tmp_path_factory) -> tuple:
    """A recognition application: folded YAML sections, 附件1 over several pages, 认定材料 and 其他材料."""
    from PIL import Image

    root = tmp_path_factory.mktemp("recognition")
    folder = make_app(root / "app", year=2025)
    path = folder / "application.yaml"
    text = path.read_text(encoding="utf-8").replace("  - 运营经费补贴\n  - 就业服务补贴\n", "  - 零工市场认定\n")
    text = text.replace('法定代表人: ""', "法定代表人: 李示例").replace('地址: ""', "地址: 北京市朝阳区望京街道示例路88号")
    folded = "\n    ".join([PARAGRAPH[:20], PARAGRAPH[20:]])                   # one paragraph over two lines
    long = "\n\n    ".join(f"第{i}段。" + PARAGRAPH * 3 for i in range(1, 9))   # eight paragraphs
    for section, value in (("选址建设情况", f"聚集。\n    {folded}"), ("场地设施人员制度服务", long),
                           ("线上平台搭建情况", long), ("机构基本情况及成功案例", "有三年灵活用工经验。")):
        text = text.replace(f'  {section}: ""', f"  {section}:\n    {value}")
    path.write_text(text, encoding="utf-8")
    _fill_small(folder)
    proofs = folder / "认定材料"
    proofs.mkdir()
    (proofs / "1 服务质量评级B级证明.pdf").write_bytes(blank_pdf(2))
    Image.new("RGB", (800, 600), (200, 220, 240)).save(proofs / "2 场地照片.jpg", quality=80)
    other = folder / "其他材料"
    other.mkdir()
    (other / "情况说明.pdf").write_bytes(blank_pdf(1))
    (result,) = _build(folder, root / "out", kinds=["recognition"])
    return result, [p.extract_text() for p in PdfReader(result.path).pages]


def _flat(text: str) -> str:
    return "".join(text.split())


def test_recognition_package_speaks_of_the_recognition_application(recognition):
    result, pages = recognition
    cover, checklist = _flat(pages[0]), _flat(pages[1])
    assert "认定申请材料" in cover and "补贴类型" not in cover
    assert "李示例" in cover and "北京市朝阳区望京街道示例路88号" in cover
    assert "认定申请材料清单" in checklist and "补贴" not in checklist


def test_recognition_sections_keep_their_paragraphs_and_run_over_pages(recognition):
    result, pages = recognition
    report = next(m for m in result.materials if m["key"] == "report_recognition")
    assert report["last_page"] > report["first_page"]
    text = "".join(pages[report["first_page"] - 1:report["last_page"]])
    assert "聚集。驿站" in text and PARAGRAPH in _flat(text)        # folded lines joined without a space
    assert "聚集。 " not in text and f"{PARAGRAPH[:20]} " not in text
    assert all(f"\n第{i}段。" in text for i in range(1, 9))            # each paragraph starts a line


def test_proofs_and_other_materials_are_bundled_and_listed_file_by_file(recognition):
    result, pages = recognition
    keys = [m["key"] for m in result.materials]
    assert keys == ["cover", "checklist", "report_recognition", "recognition_proofs", "other"]
    checklist = _flat(pages[1])
    for key in ("recognition_proofs", "other"):
        material = result.materials[keys.index(key)]
        assert f"{_flat(material['title'])}{material['first_page']}—{material['last_page']}" in checklist \
            or f"{_flat(material['title'])}{material['first_page']}" in checklist
        for item in material["items"]:
            pages_text = (f"{item['first_page']}" if item["first_page"] == item["last_page"]
                          else f"{item['first_page']}—{item['last_page']}")
            assert _flat(item["title"]) in checklist and pages_text in checklist
    proofs = result.materials[keys.index("recognition_proofs")]
    assert [i["title"] for i in proofs["items"]] == ["1 服务质量评级B级证明.pdf", "2 场地照片.jpg"]
    assert proofs["last_page"] - proofs["first_page"] + 1 == 3
    assert "认定材料 1/2" in pages[proofs["first_page"] - 1]


def test_no_other_materials_no_row(editions):
    reader = PdfReader(editions["electronic"].path)
    assert "其他材料" not in "".join(_flat(p.extract_text()) for p in reader.pages[:2])


def test_a_checklist_too_long_for_its_files_is_refused_naming_them(recognition, tmp_path):
    import shutil

    from lingong_docs.package.build import BuildRefused

    folder = tmp_path / "app"
    shutil.copytree(recognition[0].path.parent.parent / "app", folder)
    for i in range(40):
        (folder / "其他材料" / f"说明{i:02d}.pdf").write_bytes(blank_pdf(1))
    with pytest.raises(BuildRefused) as refused:
        _build(folder, tmp_path / "out", kinds=["recognition"])
    assert [(f.code, "43个" in f.message) for f in refused.value.problems] == [("checklist-overflow", True)]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.pdf"))


def test_the_paper_edition_never_replaces_the_electronic_package(editions):
    """An electronic package may already be sealed: the paper edition has a name of its own."""
    assert editions["electronic"].path.name == "2025年度_运营经费补贴_申请材料.pdf"
    assert editions["paper"].path.name == "2025年度_运营经费补贴_申请材料_纸质版.pdf"
