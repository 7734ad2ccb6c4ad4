"""Render stage: the Word forms (docxtpl) and their PDFs (LibreOffice, converted once per module)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from lxml import etree
from PIL import Image
from pypdf import PdfReader

from lingong_docs.core.errors import RenderError
from lingong_docs.core.model import ApplicationInfo
from lingong_docs.render import FORM_NAMES, convert_to_pdf, form_context, render_form
from lingong_docs.render.docx import AUTHOR, FIXED_TIME, template_path, template_variables
from lingong_docs.util.resources import forms_dir

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

APPLICANT = "北京示例人力资源有限公司"
USCC = "91110105MA01ABCD39"
INFO = ApplicationInfo(
    applicant=APPLICANT, uscc=USCC, market="朝阳区示例零工驿站", year=2025,
    application_date=dt.date(2026, 3, 5), legal_rep="王五", contact="李四", contact_phone="010-85551234",
    kinds=["operating", "employment", "recognition"],
    recognition={"选址建设情况": "驿站位于朝阳区示例街道，临近地铁站。\n场地紧邻社区服务中心。",
                 "场地设施人员制度服务": "服务场地120平方米，设洽谈区、休息区。",
                 "线上平台搭建情况": "已上线示例零工小程序。",
                 "机构基本情况及成功案例": "机构为朝阳区B级人力资源机构。"})
FIGURES = {"demand_total": 5230, "match_count": 12345, "operating_subsidy": Decimal("200000"),
           "employment_subsidy": Decimal("200000")}
MATERIALS = [{"no": 1, "title": "封面", "pages": "1", "note": ""},
             {"no": 2, "title": "申请材料清单", "pages": "2", "note": ""},
             {"no": 3, "title": "附件2 运营经费补贴申请报告", "pages": "3", "note": ""},
             {"no": 4, "title": "附件4 发布岗位任务明细表", "pages": "4—9", "note": "共1,234条"},
             {"no": 5, "title": "附件5 撮合服务成功人员花名册", "pages": "10—60", "note": "共12,345条"}]
# (form, kind of the context it is rendered with)
FORMS = [("cover", "operating"), ("checklist", "operating"), ("report_recognition", "recognition"),
         ("report_operating", "operating"), ("report_employment", "employment")]
HOSTILE = ["A&B<有限>公司", "</w:t></w:r><w:r><w:t>X", "{{ 7*7 }}", "{_{7*7}_}", "{% if 1 %}Y{% endif %}",
           "甲\f乙", "张\x0b三", "第一行\n第二行"]
# A real unit name of 34 characters: wraps over three lines of the cover's value column.
LONG_APPLICANT = "北京市朝阳区示例人力资源服务与灵活用工综合管理咨询有限责任公司第一分"
# What each hostile value must print as: control characters other than \n are dropped.
SHOWN = {"甲\f乙": "甲乙", "张\x0b三": "张三", "第一行\n第二行": "第一行第二行"}


def context(kind: str, **changes) -> dict:
    figures = None if kind == "recognition" else FIGURES
    ctx = form_context(INFO, kind=kind, figures=figures, materials=MATERIALS)
    ctx.update(changes)
    return ctx


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    """Render the five forms and the hostile variants, then convert ALL of them in one run."""
    work = tmp_path_factory.mktemp("forms")
    docs = {name: render_form(name, context(kind), work / f"{name}.docx") for name, kind in FORMS}
    hostile = {}
    for i, value in enumerate(HOSTILE):
        ctx = context("operating", applicant=value, market=value)
        hostile[value] = render_form("report_operating", ctx, work / f"hostile{i}.docx")
    plain = render_form("report_operating", context("operating", applicant="X", market="X"), work / "plain.docx")
    long_cover = render_form("cover", context("operating", applicant=LONG_APPLICANT), work / "long_cover.docx")
    pdfs = convert_to_pdf([*docs.values(), *hostile.values(), plain, long_cover], work / "pdf")
    by_doc = dict(zip([*docs.values(), *hostile.values(), plain, long_cover], pdfs))
    return {"docx": docs, "pdf": {n: by_doc[p] for n, p in docs.items()},
            "hostile_docx": hostile, "hostile_pdf": {v: by_doc[p] for v, p in hostile.items()},
            "plain_docx": plain, "plain_pdf": by_doc[plain], "long_cover_pdf": by_doc[long_cover]}


def document_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml")


def normalized(xml: bytes) -> str:
    """Return document.xml pretty-printed without w:rsid* attributes (editing noise)."""
    root = etree.fromstring(xml, etree.XMLParser(remove_blank_text=True))
    for el in root.iter():
        for attr in [a for a in el.attrib if a.startswith(W + "rsid")]:
            del el.attrib[attr]
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def flat(text: str) -> str:
    return "".join(text.split())


# ----------------------------------------------------------------------------- templates

def test_templates_are_what_make_forms_generates():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "make_forms.py"), "--check",
                           "--out", str(forms_dir())], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", FORM_NAMES)
def test_template_core_properties_are_neutral(name):
    props = docx.Document(str(template_path(name))).core_properties
    assert props.author == AUTHOR and props.last_modified_by == AUTHOR
    for value in (props.author, props.title, props.subject, props.keywords, props.comments,
                  props.last_modified_by, props.category):
        assert "{{" not in (value or "") and "{%" not in (value or "")
    assert props.created.replace(tzinfo=None) == FIXED_TIME == props.modified.replace(tzinfo=None)


def test_template_variables_are_the_documented_context_keys():
    expected = {
        "cover": {"applicant", "uscc", "market", "year", "contact", "contact_phone", "date_cn", "legal_rep",
                  "address", "cover_heading", "package_title", "kind_row_label", "kind_row_value"},
        "checklist": {"applicant", "checklist_title", "materials", "page_note", "date_cn"},
        "report_recognition": {"applicant", "market", "recognition", "date_cn"},
        "report_operating": {"applicant", "market", "year", "demand_total", "match_count", "operating_wan",
                             "operating_upper", "date_cn"},
        "report_employment": {"applicant", "market", "year", "match_count", "employment_wan",
                              "employment_upper", "date_cn"},
    }
    assert {name: template_variables(name) for name in FORM_NAMES} == expected
    for name, kind in FORMS:
        assert template_variables(name) <= set(context(kind))


@pytest.mark.parametrize("name", FORM_NAMES)
def test_template_page_is_gbt9704(name):
    section = docx.Document(str(template_path(name))).sections[0]
    mm = 36000  # EMU per mm
    assert (round(section.page_width / mm), round(section.page_height / mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m / mm) for m in margins] == [37, 35, 28, 26]
    assert round((section.page_width - section.left_margin - section.right_margin) / mm) == 156
    assert round((section.page_height - section.top_margin - section.bottom_margin) / mm) == 225


def test_template_styles_name_the_gongwen_fonts():
    styles = etree.fromstring(zipfile.ZipFile(template_path("report_operating")).read("word/styles.xml"))

    def style(style_id):
        return styles.find(f"{W}style[@{W}styleId='{style_id}']")

    def font(style_id):
        return style(style_id).find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia")

    def size(style_id):
        return int(style(style_id).find(f"{W}rPr/{W}sz").get(f"{W}val")) / 2

    assert (font("GwTitle"), size("GwTitle")) == ("方正小标宋简体", 22)
    assert (font("Normal"), size("Normal")) == ("仿宋_GB2312", 16)
    assert font("GwHeading1") == "黑体"
    spacing = style("Normal").find(f"{W}pPr/{W}spacing")
    assert (spacing.get(f"{W}line"), spacing.get(f"{W}lineRule")) == ("579", "exact")   # 28.95 pt
    ind = style("Normal").find(f"{W}pPr/{W}ind")
    assert ind.get(f"{W}firstLineChars") == "200" and ind.get(f"{W}firstLine") == "640"
    assert style("GwTitle").find(f"{W}pPr/{W}jc").get(f"{W}val") == "center"
    for sid in ("GwSignature", "GwDate"):
        assert style(sid).find(f"{W}pPr/{W}jc").get(f"{W}val") == "right"


# ------------------------------------------------------------------------------ rendered docx

@pytest.mark.parametrize("name", FORM_NAMES)
def test_rendered_document_matches_golden(rendered, name):
    got = normalized(document_xml(rendered["docx"][name]))
    golden = GOLDEN / f"{name}.document.xml"
    if os.environ.get("LINGONG_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", FORM_NAMES)
def test_rendered_core_properties_are_neutral(rendered, name):
    props = docx.Document(str(rendered["docx"][name])).core_properties
    values = [props.author, props.title, props.subject, props.keywords, props.comments,
              props.last_modified_by, props.category]
    assert props.author == AUTHOR
    assert not any(APPLICANT in (v or "") or "李四" in (v or "") for v in values)
    assert props.created.replace(tzinfo=None) == FIXED_TIME == props.modified.replace(tzinfo=None)


def test_rendering_is_reproducible(rendered, tmp_path):
    again = render_form("report_operating", context("operating"), tmp_path / "again.docx")
    assert again.read_bytes() == rendered["docx"]["report_operating"].read_bytes()
    with zipfile.ZipFile(again) as z:
        assert {i.date_time for i in z.infolist()} == {(2024, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("name", FORM_NAMES)
def test_every_form_has_seal_place_and_signature_block(rendered, name):
    document = docx.Document(str(rendered["docx"][name]))
    paragraphs = document.paragraphs
    texts = [p.text for p in paragraphs]
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert any("（盖章）" in t for t in texts + cells)
    if name.startswith("report_"):
        assert texts.count("朝阳区人力资源和社会保障局：") == 1
        assert "法定代表人（签字）：" in texts
        assert "妥否，请批示。" in texts
        tail = [p for p in paragraphs if p.text][-3:]
        # the signature line first, then the name with its seal over the date (GB/T 9704 7.3.5.1)
        assert [p.text for p in tail] == ["法定代表人（签字）：", f"{APPLICANT}（盖章）", "2026年3月5日"]
        assert [p.style.style_id for p in tail] == ["GwSignLine", "GwSignature", "GwDate"]
        seal = next(i for i, p in enumerate(paragraphs) if p.text == f"{APPLICANT}（盖章）")
        assert paragraphs[seal - 1].text == ""                                # room for a 42 mm seal


def test_report_texts(rendered):
    op = "\n".join(p.text for p in docx.Document(str(rendered["docx"]["report_operating"])).paragraphs)
    assert "《朝阳区关于规范支持零工市场建设的实施办法》" in op and "实施意见" not in op
    assert "2025年度朝阳区示例零工驿站" in op   # 朝阳区 not doubled
    assert "累计需求人数5230人" in op and "撮合服务12345个次" in op
    assert "申请运营经费补贴20万元（大写：人民币贰拾万元整）" in op
    rec = [p.text for p in docx.Document(str(rendered["docx"]["report_recognition"])).paragraphs]
    assert "现申请认定为朝阳区示例零工驿站。" in "".join(rec)
    heading = rec.index("一、零工市场（驿站）选址建设情况")
    # each line of a 认定申请 section is its own indented paragraph
    assert rec[heading + 1: heading + 3] == ["驿站位于朝阳区示例街道，临近地铁站。", "场地紧邻社区服务中心。"]


def test_checklist_rows(rendered):
    table = docx.Document(str(rendered["docx"]["checklist"])).tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["序号", "材料名称", "页码", "备注"]
    assert rows[1:] == [[str(m["no"]), m["title"], m["pages"], m["note"]] for m in MATERIALS]


def test_missing_context_key_names_it(tmp_path):
    ctx = context("operating")
    del ctx["operating_upper"]
    with pytest.raises(RenderError) as err:
        render_form("report_operating", ctx, tmp_path / "x.docx")
    assert err.value.code == "template-variable-missing" and "operating_upper" in err.value.message
    ctx = context("recognition")
    del ctx["recognition"]["platform"]
    with pytest.raises(RenderError) as err:
        render_form("report_recognition", ctx, tmp_path / "y.docx")
    assert "platform" in err.value.message
    assert not (tmp_path / "x.docx").exists()


def test_unknown_template(tmp_path):
    with pytest.raises(RenderError) as err:
        render_form("../setup.cfg", {}, tmp_path / "x.docx")
    assert err.value.code == "template-missing"


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_render_literally(rendered, value):
    doc_path = rendered["hostile_docx"][value]
    etree.fromstring(document_xml(doc_path), etree.XMLParser(recover=False, resolve_entities=False))
    doc, plain = docx.Document(str(doc_path)), docx.Document(str(rendered["plain_docx"]))
    assert len(doc.paragraphs) == len(plain.paragraphs)
    shown = SHOWN.get(value, value)
    title = doc.paragraphs[2].text
    assert title.replace("\n", "") == f"2025年度朝阳区{shown}"
    assert ("\n" in title) == ("\n" in value)     # a newline is a line break (<w:br/>)
    xml = document_xml(doc_path).decode()
    assert xml.count("<w:b/>") == 0 and 'w:type="page"' not in xml
    assert "49" not in pdf_text(rendered["hostile_pdf"][value])
    assert flat(shown) in flat(pdf_text(rendered["hostile_pdf"][value]))


def test_hostile_pdf_has_same_page_count(rendered):
    plain = len(PdfReader(rendered["plain_pdf"]).pages)
    assert {len(PdfReader(p).pages) for p in rendered["hostile_pdf"].values()} == {plain}


def test_unsafe_template_expression_is_refused(tmp_path):
    from jinja2.exceptions import SecurityError

    from lingong_docs.render.docx import make_env

    env = make_env()
    with pytest.raises(SecurityError):
        env.from_string("{{ cycler.__init__.__globals__.os }}").render()


# ------------------------------------------------------------------------------------ PDFs

@pytest.mark.parametrize("name", FORM_NAMES)
def test_pdf_is_a4_portrait(rendered, name):
    for page in PdfReader(rendered["pdf"][name]).pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - 595) <= 1 and abs(h - 842) <= 1


@pytest.mark.parametrize("name", FORM_NAMES)
def test_pdf_text_is_complete(rendered, name):
    text = pdf_text(rendered["pdf"][name])
    assert "{{" not in text and "{%" not in text and "}}" not in text
    assert APPLICANT in flat(text) and "2026年3月5日" in flat(text)
    if name != "report_recognition":
        assert "2025年度" in flat(text)
    if name == "report_operating":
        assert "20万元" in flat(text) and "贰拾万元整" in text and "12345个次" in flat(text)
        assert "5230" in text and "12345" in text           # a number is never split across lines
    if name == "report_employment":
        assert "申请就业服务补贴20万元" in flat(text) and "人民币贰拾万元整" in flat(text)
    if name == "cover":
        assert USCC in text and "运营经费补贴申请材料" in flat(text)


@pytest.mark.parametrize("name", FORM_NAMES)
def test_pdf_embeds_every_font(rendered, name):
    out = subprocess.run(["pdffonts", str(rendered["pdf"][name])], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    assert out, "no fonts listed"
    for row in out:
        assert row.split()[-5] == "yes", row          # emb column
        assert "DejaVu" not in row                     # every 公文 font found a CJK substitute


def test_pdf_metadata_carries_no_personal_data(rendered):
    for name in FORM_NAMES:
        meta = PdfReader(rendered["pdf"][name]).metadata
        assert meta["/Author"] == AUTHOR
        assert not any(APPLICANT in str(v) for v in meta.values())


@pytest.mark.parametrize("name", ["report_operating", "report_recognition", "cover", "checklist"])
def test_pdf_ink_stays_in_the_gbt9704_text_block(rendered, name, tmp_path):
    """Rendered at 72 dpi, no ink outside the 156 × 225 mm block (28 mm left, 37 mm top).

    A full-width comma or full stop may hang into the right margin at a line end (标点溢出边界,
    the default of Word and LibreOffice for Chinese): its ink is in the left half of the em.
    """
    subprocess.run(["pdftoppm", "-r", "72", "-gray", "-png", str(rendered["pdf"][name]), str(tmp_path / "p")],
                   check=True)
    mm = 72 / 25.4
    for png in sorted(tmp_path.glob("p*.png")):
        img = Image.open(png).convert("L").point(lambda v: 255 if v > 200 else 0)
        left, top, right, bottom = Image.eval(img, lambda v: 255 - v).getbbox()
        assert left >= 28 * mm - 2 and right <= (210 - 26) * mm + 8
        assert top >= 37 * mm - 6 and bottom <= (297 - 35) * mm + 2


def _words(pdf: Path) -> list[tuple[str, float, float]]:
    """Return [(word, xMin, yMin)] of page 1 as pdftotext -bbox reports them (y from the top)."""
    out = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return [(m.group(3), float(m.group(1)), float(m.group(2)))
            for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', out)]


@pytest.mark.parametrize("which", ["normal", "long"])
def test_cover_value_that_wraps_runs_down_from_its_label(rendered, which):
    """The cover's rows are top-aligned: a long unit name starts level with "申请单位（盖章）" and
    wraps downwards (not upwards, above the label); a one-line value sits on its underline as before."""
    pdf = rendered["long_cover_pdf"] if which == "long" else rendered["pdf"]["cover"]
    assert len(PdfReader(pdf).pages) == 1
    words = _words(pdf)
    label = next(y for w, x, y in words if w == "申")                    # 申 请 单 位 （盖章）
    name = [y for w, x, y in words if w.startswith("北京")]
    uscc = next(y for w, x, y in words if w == USCC)
    assert name and abs(name[0] - label) < 1
    lines = sorted({round(y) for w, x, y in words if x > 200 and label - 1 < y < uscc - 1})
    assert len(lines) == (3 if which == "long" else 1)                  # the name's lines, between the rows
    assert 31 <= uscc - lines[-1] <= 35                                 # next row follows the name's last line


def test_report_title_is_centred_and_date_right_aligned(rendered, tmp_path):
    """Horizontal ink extent of the title rows and of the date row of the operating report."""
    subprocess.run(["pdftoppm", "-r", "72", "-gray", "-png", "-f", "1", "-l", "1",
                    str(rendered["pdf"]["report_operating"]), str(tmp_path / "p")], check=True)
    img = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    w, h = img.size
    px = img.load()
    rows = []
    for y in range(h):
        xs = [x for x in range(w) if px[x, y] < 128]
        if xs:
            rows.append((y, min(xs), max(xs)))
    bands, current = [], []
    for row in rows:
        if current and row[0] > current[-1][0] + 2:
            bands.append(current)
            current = []
        current.append(row)
    bands.append(current)
    extent = [(min(r[1] for r in b), max(r[2] for r in b)) for b in bands]
    mm = 72 / 25.4
    centre = (28 + 78) * mm
    title1, title2 = extent[1], extent[2]        # band 0 is the 附件2 label
    for left, right in (title1, title2):
        assert abs((left + right) / 2 - centre) < 4
    date_left, date_right = extent[-1]
    assert abs(date_right - (210 - 26 - 4 * 5.6) * mm) < 8     # 成文日期 right-indented 4 characters
