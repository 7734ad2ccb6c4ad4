#!/usr/bin/env python3
"""Generate the Word templates in ``forms/`` (docxtpl placeholders) reproducibly with python-docx.

    .venv/bin/python tools/make_forms.py            # rewrite forms/*.docx
    .venv/bin/python tools/make_forms.py --check    # exit 1 if a committed template differs

The templates are committed so that bureau staff can open and edit them in Word; this script is
the record of how they were made. Layout follows GB/T 9704-2012 (党政机关公文格式, docs/rules.md §12):
A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (text block 156 × 225 mm), a
document grid of 22 lines × 28 characters, title in 方正小标宋简体 二号 (22 pt) centred, body in
仿宋_GB2312 三号 (16 pt) at a fixed 28.95 pt line pitch with a two-character first-line indent,
first-level headings (一、二、) in 黑体 三号, 落款 (unit name with seal place, Chinese date)
right-aligned at the end. Fonts are named as offices name them; rendering maps them to free
fonts (forms/fonts.conf).

Same script, same python-docx → same bytes (fixed core properties and zip timestamps).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lingong_docs.core.policy import shipped_forms
from lingong_docs.render.docx import (
    normalize_docx_bytes,
    set_neutral_properties,
)

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEADING = "黑体"
PT_TITLE = 22          # 二号
PT_BODY = 16           # 三号
PT_TABLE = 12          # 小四, 材料清单 table (keeps ~20 rows on one page)
LINE = 579             # 28.95 pt in twips: 22 lines in the 225 mm text block
TITLE_LINE = 700       # 35 pt: fixed pitch for the two-line 二号 title
CHAR = 20 * PT_BODY    # one 三号 character, in twips
# A4 and GB/T 9704 margins, in twips (1 mm = 1440 / 25.4 twips).
PAGE_W, PAGE_H = 11906, 16838
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 2098, 1984, 1587, 1474
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT   # 8845 twips = 156 mm
# 28 characters per line: 8845 twips / 28 = 15.8 pt, so body text is set 0.25 pt tight
# (w:spacing is in twentieths of a point). A "lines and characters" Word grid would do the same
# in Word, but LibreOffice 7.4 lays such a grid out with double-width cells.
CHAR_TIGHTEN = -5

POLICY = "《朝阳区关于规范支持零工市场建设的实施办法》"
ADDRESSEE = "朝阳区人力资源和社会保障局："


# ---------------------------------------------------------------- document skeleton and styles

def _fonts(name: str) -> str:
    return (f'<w:rFonts w:ascii="{name}" w:hAnsi="{name}" w:eastAsia="{name}" w:cs="{name}" '
            f'w:hint="eastAsia"/>')


def _style(style_id: str, name: str, ppr: str, rpr: str, *, based_on: str | None = "Normal",
           default: bool = False, next_style: str | None = None) -> str:
    attrs = ' w:default="1"' if default else ""
    based = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    nxt = f'<w:next w:val="{next_style}"/>' if next_style else ""
    return (f'<w:style {nsdecls("w")} w:type="paragraph"{attrs} w:styleId="{style_id}">'
            f'<w:name w:val="{name}"/>{based}{nxt}<w:qFormat/>'
            f'<w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>')


NO_INDENT = '<w:ind w:firstLineChars="0" w:firstLine="0"/>'
COVER_ROW = 660        # 封面 row height (twips, at least): 33 pt
COVER_SPACING = (f'<w:spacing w:before="{COVER_ROW - LINE}" w:after="0" w:line="{LINE}" '
                 'w:lineRule="exact"/>')

STYLES = [
    # 正文: 仿宋_GB2312 三号, fixed 28.95 pt, first line indented two characters, justified; no
    # extra space between Chinese and digits in Word (LibreOffice 7.4 ignores w:autoSpaceDE/DN and
    # keeps its quarter-em gap). Punctuation may hang into the right margin at a line end
    # (标点溢出边界, the default of Word and LibreOffice for Chinese; LibreOffice 7.4 ignores
    # w:overflowPunct). Left-aligned, not justified: LibreOffice 7.4 drops a full stop it hangs
    # at the end of a full JUSTIFIED line, from the page and from the text layer. Lines of
    # full-width characters on the 28-character grid end flush anyway.
    _style("Normal", "Normal",
           '<w:widowControl w:val="0"/><w:overflowPunct w:val="0"/><w:autoSpaceDE w:val="0"/>'
           '<w:autoSpaceDN w:val="0"/>'
           '<w:spacing w:before="0" w:after="0" '
           f'w:line="{LINE}" w:lineRule="exact"/><w:ind w:firstLineChars="200" w:firstLine="{2 * CHAR}"/>'
           '<w:jc w:val="left"/>',
           _fonts(FONT_BODY) + f'<w:spacing w:val="{CHAR_TIGHTEN}"/>'
           f'<w:sz w:val="{2 * PT_BODY}"/><w:szCs w:val="{2 * PT_BODY}"/>'
           '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>',
           based_on=None, default=True),
    # 标题: 方正小标宋简体 二号, centred, never bold (小标宋 is already heavy).
    _style("GwTitle", "公文标题",
           f'<w:keepNext/><w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" '
           f'w:line="{TITLE_LINE}" w:lineRule="exact"/>{NO_INDENT}<w:jc w:val="center"/>',
           _fonts(FONT_TITLE) + f'<w:spacing w:val="0"/><w:sz w:val="{2 * PT_TITLE}"/>'
           f'<w:szCs w:val="{2 * PT_TITLE}"/>'),
    # 附件 label: 黑体 三号, flush left on the first line (GB/T 9704 7.3.6 style).
    _style("GwLabel", "附件标识", f"{NO_INDENT}<w:jc w:val=\"left\"/>", _fonts(FONT_HEADING)),
    # 主送机关: flush left, no indent.
    _style("GwAddressee", "主送机关", f"{NO_INDENT}<w:jc w:val=\"left\"/>", ""),
    # 一级标题 一、二、: 黑体 三号, indented like the body, kept with the following text.
    _style("GwHeading1", "一级标题", "<w:keepNext/>", _fonts(FONT_HEADING)),
    # Body text kept on the page of what follows: the last sentence and the blank lines above the
    # 落款, so that the seal never stands on a page without text (GB/T 9704 7.3.5).
    _style("GwKeep", "正文（与下段同页）", "<w:keepNext/>", ""),
    # 落款: right-aligned, two characters from the right margin (unit name and seal place).
    _style("GwSignature", "落款",
           f'<w:keepNext/><w:keepLines/><w:ind w:rightChars="200" w:right="{2 * CHAR}" '
           'w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="right"/>', ""),
    # 成文日期: right-aligned, four characters from the right margin (GB/T 9704 7.3.5.1).
    _style("GwDate", "成文日期",
           f'<w:keepLines/><w:ind w:rightChars="400" w:right="{4 * CHAR}" '
           'w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="right"/>', ""),
    # 签字: flush to a left indent in the right half, a blank line to sign on follows.
    _style("GwSignLine", "签字",
           f'<w:keepNext/><w:keepLines/><w:ind w:leftChars="1000" w:left="{10 * CHAR}" '
           'w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="left"/>', ""),
    # An empty paragraph that takes (almost) no room, after a table at the end of a document.
    _style("GwTiny", "空段", f'<w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="20" '
           f'w:lineRule="exact"/>{NO_INDENT}', '<w:sz w:val="2"/><w:szCs w:val="2"/>'),
    # 封面 field labels and values, and table text.
    # 封面 rows are top-aligned with space before the first line: a one-line row looks as if
    # bottom-aligned (COVER_ROW tall, text on the underline), and a value that wraps (a long unit
    # name) runs downwards, its first line level with the label.
    _style("GwCoverLabel", "封面项目", f'<w:snapToGrid w:val="0"/>{COVER_SPACING}{NO_INDENT}'
           '<w:jc w:val="distribute"/>', ""),
    _style("GwCoverValue", "封面内容", f'<w:snapToGrid w:val="0"/>{COVER_SPACING}{NO_INDENT}'
           '<w:jc w:val="left"/>', ""),
    _style("GwTableHead", "表头",
           f'<w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="{20 * 16}" '
           f'w:lineRule="exact"/>{NO_INDENT}<w:jc w:val="center"/>',
           _fonts(FONT_HEADING) + f'<w:sz w:val="{2 * PT_TABLE}"/><w:szCs w:val="{2 * PT_TABLE}"/>'),
    _style("GwTableText", "表格文字",
           f'<w:snapToGrid w:val="0"/><w:spacing w:before="0" w:after="0" w:line="{20 * 16}" '
           f'w:lineRule="exact"/>{NO_INDENT}<w:jc w:val="center"/>',
           f'<w:sz w:val="{2 * PT_TABLE}"/><w:szCs w:val="{2 * PT_TABLE}"/>'),
]

FONT_TABLE_ENTRIES = [
    # fontTable entries tell Word what to substitute when a font is missing (GB2312 charset 86).
    (FONT_TITLE, "roman", "02000000000000000000"),
    (FONT_BODY, "modern", "02010609030101010101"),
    (FONT_HEADING, "modern", "02010609060101010101"),
]


def new_document():
    """Return a python-docx Document with the GB/T 9704 page, styles and no foreign extras."""
    doc = Document()
    pkg = doc.part.package
    # Drop what python-docx's default template carries that a form does not need: a thumbnail
    # of an unrelated page, Word 2010 effect styles, and a custom XML item.
    for rels, types in ((pkg.rels, {RT.THUMBNAIL}),
                        (doc.part.rels, {RT.CUSTOM_XML, "http://schemas.microsoft.com/office/2007/"
                                                       "relationships/stylesWithEffects"})):
        for rid in [rid for rid, rel in rels.items() if rel.reltype in types]:
            rels.pop(rid)
    for rel in pkg.rels.values():
        if rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part._blob = APP_XML.encode("utf-8")

    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    # Document defaults: 仿宋_GB2312 三号, Chinese language, fixed 28.95 pt line pitch.
    defaults.find(qn("w:rPrDefault")).clear()
    defaults.find(qn("w:rPrDefault")).append(parse_xml(
        f'<w:rPr {nsdecls("w")}>{_fonts(FONT_BODY)}<w:sz w:val="{2 * PT_BODY}"/><w:szCs w:val="{2 * PT_BODY}"/>'
        '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr>'))
    defaults.find(qn("w:pPrDefault")).clear()
    defaults.find(qn("w:pPrDefault")).append(parse_xml(
        f'<w:pPr {nsdecls("w")}><w:spacing w:after="0" w:line="{LINE}" w:lineRule="exact"/></w:pPr>'))
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:styleId")) == "Normal":
            styles.remove(style)
    for xml in STYLES:
        styles.append(parse_xml(xml))

    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    rsids = settings.find(qn("w:rsids"))
    if rsids is not None:
        settings.remove(rsids)

    font_table = doc.part.part_related_by(RT.FONT_TABLE)
    ft = parse_xml(font_table.blob)
    for name, family, panose in FONT_TABLE_ENTRIES:
        ft.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:panose1 w:val="{panose}"/>'
            f'<w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'))
    from lxml import etree
    font_table._blob = etree.tostring(ft, xml_declaration=True, encoding="UTF-8", standalone=True)

    body = doc.element.body
    for p in body.findall(qn("w:p")):
        body.remove(p)
    sect = body.find(qn("w:sectPr"))
    body.remove(sect)
    body.append(parse_xml(
        f'<w:sectPr {nsdecls("w")}><w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>'
        f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" '
        f'w:left="{MARGIN_LEFT}" w:header="851" w:footer="992" w:gutter="0"/>'
        f'<w:cols w:space="425"/>'
        f'<w:docGrid w:type="lines" w:linePitch="{LINE}"/></w:sectPr>'))
    return doc


APP_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
           'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           '<Template>Normal.dotm</Template><TotalTime>0</TotalTime><Application>lingong-docs</Application>'
           '<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><Company></Company>'
           '<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>'
           '<HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0000</AppVersion></Properties>')


def para(doc, text: str = "", style: str = "Normal"):
    """Add a paragraph holding ``text`` in one run (placeholders never split across runs)."""
    p = doc.add_paragraph()
    if style != "Normal":
        p._p.style = style          # style id; python-docx would look the style up by name
    if text:
        p.add_run(text)
    return p


def blank(doc, n: int = 1, *, keep_next: bool = False) -> None:
    for _ in range(n):
        para(doc, style="GwKeep" if keep_next else "Normal")


def title(doc, *lines: str) -> None:
    """Add the title (one paragraph per line, 梯形 layout) followed by one empty line."""
    for line in lines:
        para(doc, line, "GwTitle")
    blank(doc)


def signature_block(doc, *, legal_rep: bool) -> None:
    """Add the 落款: the legal representative's line, then the unit name with its seal place over
    the date (GB/T 9704 7.3.5.1: the seal presses on the name and the date). A blank line between
    the signature line and the name: a 42 mm seal over the name reaches down over the date and
    below it, never up to the signature (the block takes as many lines as before)."""
    blank(doc, 1 if legal_rep else 2, keep_next=True)
    if legal_rep:
        para(doc, "法定代表人（签字）：", "GwSignLine")
        blank(doc, 1, keep_next=True)
    para(doc, "{{applicant}}（盖章）", "GwSignature")
    para(doc, "{{date_cn}}", "GwDate")


def _cell_xml(text: str, width: int, style: str, *, borders: str = "", valign: str = "center") -> str:
    run = f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>' if text else ""
    tcb = f"<w:tcBorders>{borders}</w:tcBorders>" if borders else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{tcb}<w:vAlign w:val="{valign}"/></w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{run}</w:p></w:tc>')


def _table(doc, widths: list[int], rows_xml: list[str], *, borders: bool, jc: str = "center") -> None:
    b = ("<w:tblBorders>" + "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                                    for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
         + "</w:tblBorders>") if borders else ""
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    xml = (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
           f'<w:jc w:val="{jc}"/>{b}<w:tblLayout w:type="fixed"/>'
           '<w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
           f'<w:tblLook w:val="0000"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows_xml)}</w:tbl>')
    body = doc.element.body
    body.insert(len(body) - 1, parse_xml(xml))


def _row(cells: list[str], *, height: int | None = None, header: bool = False, cant_split=True) -> str:
    trpr = ""
    if height:
        trpr += f'<w:trHeight w:val="{height}" w:hRule="atLeast"/>'
    if cant_split:
        trpr += "<w:cantSplit/>"
    if header:
        trpr += "<w:tblHeader/>"
    return f"<w:tr><w:trPr>{trpr}</w:trPr>{''.join(cells)}</w:tr>"


# ---------------------------------------------------------------------------------- the forms

def report_recognition():
    doc = new_document()
    para(doc, "附件1", "GwLabel")
    blank(doc)
    title(doc, "关于认定为朝阳区{{market}}", "的申请报告")
    para(doc, ADDRESSEE, "GwAddressee")
    sections = [
        ("一、零工市场（驿站）选址建设情况", "site"),
        ("二、零工市场（驿站）场地、设施基本情况，人员配备情况，工作规章制度、服务内容、服务标准等", "facilities"),
        ("三、线上平台搭建情况", "platform"),
        ("四、建设机构基本情况及其灵活用工领域成功实施经验案例等", "agency"),
    ]
    for heading, key in sections:
        p = para(doc, heading, "GwHeading1")
        if len(heading) + 2 == 29:   # indent + heading one character over a line: set it 0.85 pt
            # tighter so that "等" is not left alone on the second line
            p.runs[0]._r.get_or_add_rPr().append(parse_xml(f'<w:spacing {nsdecls("w")} w:val="-17"/>'))
        para(doc, f"{{%p for text in recognition.{key} %}}")
        para(doc, "{{text}}")
        para(doc, "{%p endfor %}")
    para(doc, f"依据{POLICY}，现申请认定为朝阳区{{{{market}}}}。")
    para(doc, "妥否，请批示。", "GwKeep")
    signature_block(doc, legal_rep=True)
    return doc


def report_operating():
    doc = new_document()
    para(doc, "附件2", "GwLabel")
    blank(doc)
    title(doc, "{{year}}年度朝阳区{{market}}", "运营经费补贴申请报告")
    para(doc, ADDRESSEE, "GwAddressee")
    para(doc, "{{year}}年度，朝阳区{{market}}在京就业岗位发布情况及撮合成功情况如下：年度内发布在京就业岗位"
              "累计需求人数{{demand_total}}人（明细见附件4），成功提供撮合服务{{match_count}}个次"
              "（明细见附件5）。")
    para(doc, f"现依据{POLICY}，申请运营经费补贴{{{{operating_wan}}}}万元"
              "（大写：人民币{{operating_upper}}）。")
    para(doc, "妥否，请批示。", "GwKeep")
    signature_block(doc, legal_rep=True)
    return doc


def report_employment():
    doc = new_document()
    para(doc, "附件3", "GwLabel")
    blank(doc)
    title(doc, "{{year}}年度朝阳区{{market}}", "就业服务补贴申请报告")
    para(doc, ADDRESSEE, "GwAddressee")
    para(doc, "{{year}}年度，朝阳区{{market}}撮合成功情况如下：年度内成功提供撮合服务{{match_count}}个次"
              "（明细见附件5）。")
    para(doc, f"现依据{POLICY}，申请就业服务补贴{{{{employment_wan}}}}万元"
              "（大写：人民币{{employment_upper}}）。")
    para(doc, "妥否，请批示。", "GwKeep")
    signature_block(doc, legal_rep=True)
    return doc


def cover():
    doc = new_document()
    blank(doc, 2)
    para(doc, "{{cover_heading}}", "GwTitle")
    para(doc, "{{package_title}}", "GwTitle")
    blank(doc, 2)
    fields = [
        ("申请单位（盖章）", "{{applicant}}"),
        ("统一社会信用代码", "{{uscc}}"),
        ("法定代表人", "{{legal_rep}}"),
        ("地址", "{{address}}"),
        ("零工市场（驿站）名称", "朝阳区{{market}}"),
        ("申报年度", "{{year}}年度"),
        ("{{kind_row_label}}", "{{kind_row_value}}"),
        ("联系人", "{{contact}}"),
        ("联系电话", "{{contact_phone}}"),
        ("申请日期", "{{date_cn}}"),
    ]
    label_w, colon_w, value_w = 3500, 400, 4900
    underline = '<w:bottom w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
    rows = [_row([_cell_xml(label, label_w, "GwCoverLabel", valign="top"),
                  _cell_xml("：", colon_w, "GwCoverValue", valign="top"),
                  _cell_xml(value, value_w, "GwCoverValue", borders=underline, valign="top")],
                 height=COVER_ROW)
            for label, value in fields]
    _table(doc, [label_w, colon_w, value_w], rows, borders=False)
    para(doc, style="GwTiny")        # a document cannot end with a table; this one takes no room
    return doc


def checklist():
    doc = new_document()
    title(doc, "{{checklist_title}}")
    para(doc, "申请单位：{{applicant}}", "GwAddressee")
    widths = [700, 4745, 1300, 2100]     # 备注 holds "共12,345条" and "共5个文件" on one line
    head = _row([_cell_xml(h, w, "GwTableHead") for h, w in zip(("序号", "材料名称", "页码", "备注"), widths)],
                height=480, header=True)
    loop_start = _row([_cell_xml("{%tr for m in materials %}", widths[0], "GwTableText")]
                      + [_cell_xml("", w, "GwTableText") for w in widths[1:]])
    item = _row([_cell_xml("{{m.no}}", widths[0], "GwTableText"),
                 _cell_xml("{{m.title}}", widths[1], "GwTableText"),
                 _cell_xml("{{m.pages}}", widths[2], "GwTableText"),
                 _cell_xml("{{m.note}}", widths[3], "GwTableText")], height=420)
    loop_end = _row([_cell_xml("{%tr endfor %}", widths[0], "GwTableText")]
                    + [_cell_xml("", w, "GwTableText") for w in widths[1:]])
    _table(doc, widths, [head, loop_start, item, loop_end], borders=True)
    # Material names are left-aligned (they are long); numbers stay centred.
    body = doc.element.body
    tbl = body.findall(qn("w:tbl"))[-1]
    item_row = tbl.findall(qn("w:tr"))[2]
    cell_p = item_row.findall(qn("w:tc"))[1].find(qn("w:p"))
    cell_p.find(qn("w:pPr")).append(parse_xml(f'<w:jc {nsdecls("w")} w:val="left"/>'))
    para(doc, "{%p if page_note %}")
    para(doc, "{{page_note}}")
    para(doc, "{%p endif %}")
    blank(doc, 2)                    # room for a 42 mm seal over the name and date, clear of the table
    para(doc, "{{applicant}}（盖章）", "GwSignature")
    para(doc, "{{date_cn}}", "GwDate")
    return doc


BUILDERS = {
    "cover": cover,
    "checklist": checklist,
    "report_recognition": report_recognition,
    "report_operating": report_operating,
    "report_employment": report_employment,
}


def build(name: str) -> bytes:
    """Return the template bytes of form ``name``."""
    doc = BUILDERS[name]()
    set_neutral_properties(doc.core_properties, shipped_forms()[name].title)
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_docx_bytes(buf.getvalue())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "forms", help="output folder (default forms/)")
    ap.add_argument("--check", action="store_true", help="only compare with the files in --out")
    args = ap.parse_args(argv)
    differ = []
    for name, form in shipped_forms().items():
        file_name = str(form.template)
        data = build(name)
        target = args.out / file_name
        if args.check:
            if not target.is_file() or target.read_bytes() != data:
                differ.append(file_name)
            continue
        target.write_bytes(data)
        print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    if differ:
        print("templates differ from tools/make_forms.py output: " + ", ".join(differ))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
