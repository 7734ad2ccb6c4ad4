"""The bundler on parts made here (reportlab): pages, numbers, outline, fields, evidence, attachments.

These tests need no LibreOffice; the whole pipeline is tested in test_build_package.py. The signing
helpers (a throwaway self-signed certificate, sign every field incrementally, validate) are
shared with that file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from helpers.pdf import (
    DATE_LINE,
    assert_all_signed_ok,
    line_with,
    make_signer,  # noqa: F401
    overlaps,
    sign_all,  # noqa: F401
    signature_fields,
    text_lines,
)
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen import canvas as rl_canvas

from lingong_docs.core.errors import BuildError
from lingong_docs.core.fonts import cjk_font
from lingong_docs.core.layout import SEAL_SIZE
from lingong_docs.core.manifest import Manifest
from lingong_docs.package.assemble import Attachment, Part, bundle, evidence_part
from lingong_docs.package.marks import find_marks

DATE = dt.datetime(2026, 3, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
A4 = (595.276, 841.89)
CANARY_NAME, CANARY_ID = "欧阳测试", "11010519491231002X"


# --- signing helpers (also used by test_build_package.py) ------------------------------------------













# --- parts made with reportlab ----------------------------------------------------------------------

def _pdf(path: Path, pages: list[list[tuple[float, float, str]]], size=A4) -> Path:
    font = cjk_font()
    c = rl_canvas.Canvas(str(path), pagesize=size, invariant=1, initialFontName=font, initialFontSize=12)
    for lines in pages:
        c.setFont(font, 14)
        for x, y, text in lines:
            c.drawString(x, y, text)
        c.showPage()
    c.save()
    return path


@pytest.fixture(scope="module")
def parts_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("parts")
    _pdf(d / "cover.pdf", [[(100, 700, "2025年度 运营经费补贴 申请材料"), (90, 400, "申请单位（盖章）：北京示例人力资源有限公司")]])
    _pdf(d / "checklist.pdf", [[(100, 700, "申请材料清单"), (100, 650, "附件5 花名册 …… 第4—6页"),
                                          (300, 300, "北京示例人力资源有限公司（盖章）")]])
    _pdf(d / "report.pdf", [[(90, 700, "运营经费补贴申请报告"), (90, 600, "正文，须加盖公章的材料。")],
                            [(300, 600, "北京示例人力资源有限公司（ 盖 章 ）"), (90, 560, "法定代表人（签"),
                             (90, 540, "字）："), (300, 500, "2026年3月5日")]])
    landscape = (A4[1], A4[0])
    _pdf(d / "roster.pdf", [[(60, 520, "附件5 撮合服务成功人员花名册"), (60, 490, "申请单位全称（盖章）：北京示例人力资源有限公司"),
                             (60, 450, f"1  {CANARY_NAME}  {CANARY_ID}")],
                            [(60, 520, "序号 姓名 身份证号（盖章）")],       # a middle page is not searched
                            [(60, 520, "序号 姓名 身份证号"), (60, 300, "申请单位（盖章）："),
                             (400, 300, "经办人（签字）：")]], size=landscape)
    ev = d / "支付凭证"
    ev.mkdir()
    # A JPEG whose EXIF says "rotate 90° clockwise to display" (orientation 6): a phone photo.
    im = Image.new("RGB", (400, 300), (250, 250, 250))
    for x in range(0, 200):
        for y in range(0, 20):
            im.putpixel((x, y), (200, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    im.save(ev / "0001-0003 微信转账.jpg", quality=90, exif=exif)
    rgba = Image.new("RGBA", (120, 260), (0, 128, 255, 255))
    for x in range(60):
        rgba.putpixel((x, 0), (0, 0, 0, 0))
    rgba.save(ev / "0004 支付宝.png")
    _pdf(ev / "0005,0007-0008 代发回单.pdf", [[(72, 700, "代发回单 第一页")], [(72, 700, "代发回单 第二页")]])
    return d


def _parts(d: Path, work: Path) -> list[Part]:
    ev = evidence_part(sorted((d / "支付凭证").iterdir()), work / "evidence.pdf")
    return [
        Part("cover", "封面", d / "cover.pdf", marks=("seal",), required=("seal",)),
        Part("checklist", "材料清单", d / "checklist.pdf", marks=("seal",)),
        Part("report_operating", "附件2 运营经费补贴申请报告", d / "report.pdf", marks=("seal", "signature"),
             required=("seal", "signature")),
        Part("roster", "附件5 撮合服务成功人员花名册", d / "roster.pdf", marks=("seal", "signature"),
             required=("seal",), scan="ends"),
        ev,
    ]


def _attachments(d: Path) -> list[Attachment]:
    out = [Attachment("application.yaml", "申请单位全称: 北京示例人力资源有限公司\n".encode(), "application",
                      source="application.yaml")]
    for p in sorted((d / "支付凭证").iterdir()):
        out.append(Attachment("支付凭证/" + p.name, p.read_bytes(), "evidence", source="支付凭证/" + p.name))
    return out


def _build(d: Path, out: Path, **kw) -> tuple:
    work = out.parent / (out.stem + "-work")
    work.mkdir(exist_ok=True)
    parts = _parts(d, work)
    result = bundle(parts, out, attachments=_attachments(d), manifest=Manifest(kind="operating"),
                    metadata={"title": "2025年度运营经费补贴申请材料", "author": "北京示例人力资源有限公司",
                              "date": DATE}, **kw)
    return parts, result


@pytest.fixture(scope="module")
def package(parts_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("pkg") / "package.pdf"
    parts, result = _build(parts_dir, out)
    return parts, result, out


# --- tests --------------------------------------------------------------------------------------------

def test_pages_are_the_parts_in_order(package):
    parts, result, out = package
    reader = PdfReader(out)
    counts = [len(PdfReader(p.pdf).pages) for p in parts]
    assert len(reader.pages) == result.pages == sum(counts) == 1 + 1 + 2 + 3 + 4
    assert [(m["key"], m["first_page"], m["last_page"]) for m in result.materials] == [
        ("cover", 1, 1), ("checklist", 2, 2), ("report_operating", 3, 4), ("roster", 5, 7), ("evidence", 8, 11)]
    assert "运营经费补贴申请报告" in reader.pages[2].extract_text()
    assert reader.pages[4].mediabox.width > reader.pages[4].mediabox.height  # landscape table kept


def test_every_page_is_numbered_at_the_bottom(package):
    _, result, out = package
    reader = PdfReader(out)
    total = result.pages
    for i, page in enumerate(reader.pages, start=1):
        hits = []

        def visit(text, cm, tm, _f, _s, hits=hits, i=i):
            if f"第{i}页" in text:
                hits.append(tm[5] * cm[3] + cm[5])
        page.extract_text(visitor_text=visit)
        assert f"第{i}页 共{total}页" in page.extract_text()
        assert hits and all(y < 40 for y in hits), f"page {i}: number not in the bottom band"


def test_outline_has_one_entry_per_material_and_one_child_per_evidence_file(package):
    _, result, out = package
    reader = PdfReader(out)
    outline = reader.outline
    top = [o for o in outline if not isinstance(o, list)]
    assert [o.title for o in top] == ["封面", "材料清单", "附件2 运营经费补贴申请报告",
                                      "附件5 撮合服务成功人员花名册", "支付凭证"]
    assert [reader.get_destination_page_number(o) + 1 for o in top] == [m["first_page"] for m in result.materials]
    children = outline[-1]
    assert isinstance(children, list)
    assert [c.title for c in children] == ["0001-0003 微信转账.jpg（序号 1–3）", "0004 支付宝.png（序号 4）",
                                           "0005,0007-0008 代发回单.pdf（序号 5、7–8）"]
    assert [reader.get_destination_page_number(c) + 1 for c in children] == [8, 9, 10]


def test_evidence_pages_are_headed_with_the_file_and_its_rows(package):
    _, _, out = package
    reader = PdfReader(out)
    first = reader.pages[7].extract_text()
    assert "支付凭证 1/3：0001-0003 微信转账.jpg" in first and "序号 1–3，共3条" in first
    pdf_pages = [reader.pages[9].extract_text(), reader.pages[10].extract_text()]
    assert "（第1页/共2页）" in pdf_pages[0] and "代发回单 第一页" in pdf_pages[0]
    assert "（第2页/共2页）" in pdf_pages[1] and "代发回单 第二页" in pdf_pages[1]
    assert "序号 5、7–8，共3条" in pdf_pages[0]


def _images(page) -> list:
    found = []
    xobjects = page["/Resources"].get("/XObject", {})
    for name in xobjects:
        obj = xobjects[name].get_object()
        if obj.get("/Subtype") == "/Image":
            found.append(obj)
    return found


def test_jpeg_is_embedded_byte_for_byte_and_turned_by_the_placement(package, parts_dir):
    _, _, out = package
    page = PdfReader(out).pages[7]
    (image,) = _images(page)
    original = (parts_dir / "支付凭证" / "0001-0003 微信转账.jpg").read_bytes()
    assert image["/Filter"] == "/DCTDecode"
    assert image._data == original                       # not re-encoded
    contents = page.get_contents().get_data().decode("latin-1")
    a, b, c, d = (float(v) for v in re.search(r"([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) [-\d.]+ [-\d.]+ cm /LgEvidence",
                                               contents).groups())
    assert a == 0 and d == 0 and b < 0 < c                # EXIF orientation 6: drawn turned 90° clockwise


def test_png_pixels_and_transparency_survive(package, parts_dir):
    _, _, out = package
    page = PdfReader(out).pages[8]
    (image,) = _images(page)
    original = Image.open(parts_dir / "支付凭证" / "0004 支付宝.png").convert("RGBA")
    assert (image["/Width"], image["/Height"]) == original.size
    assert image.get_data() == original.convert("RGB").tobytes()
    assert image["/SMask"].get_object().get_data() == original.getchannel("A").tobytes()


def test_signature_fields_at_the_seal_and_signature_places(package):
    _, result, out = package
    fields = {f["name"]: f for f in result.signature_fields}
    assert set(fields) == {"seal_cover", "seal_checklist", "seal_report_operating", "sign_report_operating",
                           "seal_roster", "seal_roster_2", "sign_roster"}
    assert [n for n, _ in signature_fields(out.read_bytes())] == [f["name"] for f in result.signature_fields]
    cover = fields["seal_cover"]
    assert cover["page"] == 1 and cover["role"] == "seal" and cover["located"]
    x0, y0, x1, y1 = cover["rect"]
    assert y0 < 400 < y1 and (x1 - x0, y1 - y0) == pytest.approx(SEAL_SIZE, abs=0.1)   # over the "（盖章）" line
    assert fields["seal_report_operating"]["page"] == 4
    sign = fields["sign_report_operating"]
    assert sign["page"] == 4 and sign["role"] == "signature" and sign["located"]
    assert 540 <= (sign["rect"][1] + sign["rect"][3]) / 2 <= 540 + 14    # "（签" / "字）：" split over two lines
    assert sign["rect"][0] > 90 + 3 * 14                                  # after the words, not over them
    assert fields["seal_roster"]["page"] == 5                              # first and last table pages
    assert fields["seal_roster_2"]["page"] == fields["sign_roster"]["page"] == 7
    assert fields["seal_checklist"]["located"] and fields["seal_checklist"]["page"] == 2
    for f in result.signature_fields:
        x0, y0, x1, y1 = f["rect"]
        assert y0 >= 40, "a field must not cover the page number"


def test_default_place_when_the_form_does_not_say_where(tmp_path):
    pdf = _pdf(tmp_path / "plain.pdf", [[(100, 700, "没有写明盖章位置的报告")]])
    result = bundle([Part("report_employment", "附件3", pdf, marks=("seal", "signature"),
                          required=("seal", "signature"))], tmp_path / "p.pdf", attachments=[],
                    manifest=Manifest(kind="operating"), metadata={"date": DATE})
    fields = {f["name"]: f for f in result.signature_fields}
    assert set(fields) == {"seal_report_employment", "sign_report_employment"}
    assert not any(f["located"] for f in fields.values())
    a, b = fields["seal_report_employment"]["rect"], fields["sign_report_employment"]["rect"]
    assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]    # no overlap


# --- where seals and signatures go (positions checked with pdftotext, not with our own estimate) ---












def _form_page(path: Path, lines: list[tuple[float, float, str]], size: float = 16, rules=()) -> Path:
    """One A4 page of ``size``-pt lines (x, baseline, text) and ruled lines (x0, y, x1) — a 落款."""
    font = cjk_font()
    c = rl_canvas.Canvas(str(path), pagesize=A4, invariant=1, initialFontName=font, initialFontSize=size)
    for x, y, text in lines:
        c.drawString(x, y, text)
    for x0, y, x1 in rules:
        c.line(x0, y, x1, y)
    c.showPage()
    c.save()
    return path


def _places(pdf: Path, tmp_path: Path, **part) -> dict:
    part = {"marks": ("seal", "signature"), **part}
    result = bundle([Part("report_operating", "附件2", pdf, **part)], tmp_path / "p.pdf", attachments=[],
                    manifest=Manifest(kind="operating"), metadata={"date": DATE})
    return {f["role"]: f["rect"] for f in result.signature_fields}


# The 落款 of 附件2 as LibreOffice sets it: 三号 (16 pt) lines 28.95 pt apart.
NAME = "北京示例人力资源有限公司"
# The 落款 as the forms print it: the 签字 line, a blank line, the unit's name with its seal place, the date.
SIGN_OFF = [(239.5, 297.7, "法定代表人（签字）："), (237.3, 239.9, f"{NAME}（盖章）"), (340.7, 210.9, "2026年3月5日")]


def test_signature_sits_after_its_words_on_its_line_and_clear_of_the_date(tmp_path):
    pdf = _form_page(tmp_path / "report.pdf", [(111.5, 383.0, "妥否，请批示。"), *SIGN_OFF])
    places = _places(pdf, tmp_path)
    lines = text_lines(pdf, 1)
    sign_line, date, name = line_with(lines, "（签字）"), line_with(lines, DATE_LINE), line_with(lines, "（盖章）")
    sign, seal = places["signature"], places["seal"]
    assert sign_line[1] <= (sign[1] + sign[3]) / 2 <= sign_line[3]          # centred on the 签字 line
    assert sign[0] >= sign_line[2] and sign[2] - sign[0] >= 100           # after "（签字）：", room to sign
    assert not overlaps(sign, date) and not overlaps(sign, name)
    # The seal is over the unit's name, centred on it, and leaves the 签字 line and the signature alone.
    assert overlaps(seal, name) and abs((seal[0] + seal[2]) / 2 - (name[0] + name[2]) / 2) < 2
    assert not overlaps(seal, sign_line) and not overlaps(seal, sign)
    assert (seal[2] - seal[0], seal[3] - seal[1]) == pytest.approx(SEAL_SIZE, abs=0.2)   # 44 mm: a real seal
    assert seal[1] < line_with(lines, DATE_LINE)[3]                                      # pressing on the date


def test_seal_of_a_long_wrapped_name_stays_off_the_signature_line(tmp_path):
    long_name = "北京市朝阳区示例人力资源服务与灵活用工综合管理咨询有限责任公司第一分"
    pdf = _form_page(tmp_path / "report.pdf", [(239.5, 355.7, "法定代表人（签字）："), (85.0, 297.8, long_name[:26]),
                                               (245.0, 268.8, long_name[26:] + "（盖章）"), (340.7, 239.9, "2026年3月5日")])
    places = _places(pdf, tmp_path, seal_over=(long_name,))
    lines = text_lines(pdf, 1)
    seal = places["seal"]
    assert not overlaps(seal, line_with(lines, "（签字）")) and not overlaps(seal, places["signature"])
    assert overlaps(seal, line_with(lines, "（盖章）")) and overlaps(seal, line_with(lines, "^北京市"))
    assert not overlaps(places["signature"], line_with(lines, DATE_LINE))


def test_checklist_seal_sits_below_the_table(tmp_path):
    rows = [(100.0, 560.0 - 21 * i, f"{i + 1}  附件{i + 1} 材料名称  {i + 1}") for i in range(6)]
    rules = [(90.0, 575.0 - 21 * i, 520.0) for i in range(7)]               # the table's row lines
    bottom = rules[-1][1]
    pdf = _form_page(tmp_path / "checklist.pdf", [*rows, (237.3, 379.4, f"{NAME}（盖章）"),
                                                  (340.7, 350.5, "2026年3月5日")], rules=rules)   # two blank lines
    seal = _places(pdf, tmp_path, marks=("seal",))["seal"]
    assert seal[3] < bottom                                                 # below the table's last line
    name = line_with(text_lines(pdf, 1), "（盖章）")
    assert overlaps(seal, name) and seal[1] < name[1]                        # over the name, reaching the date


def test_find_marks_ignores_prose(tmp_path):
    pdf = _pdf(tmp_path / "prose.pdf", [[(90, 700, "材料须加盖公章并由法定代表人签字确认。")],
                                        [(90, 700, "法定代表人（签字）：")]])
    reader = PdfReader(pdf)
    assert find_marks(reader.pages[0]) == []
    assert [m.role for m in find_marks(reader.pages[1])] == ["signature"]


def test_every_field_can_be_signed_one_after_another(package):
    _, _, out = package
    names = assert_all_signed_ok(out.read_bytes())
    assert len(names) == 7


def test_attachments_extract_and_match_the_manifest(package, parts_dir):
    _, result, out = package
    reader = PdfReader(out)
    attachments = {name: data[0] for name, data in reader.attachments.items()}
    manifest = json.loads(attachments["manifest.json"])
    assert manifest == json.loads(json.dumps(result.manifest, ensure_ascii=False, default=str))
    assert manifest["format"] == "lingong-docs/manifest@1" and manifest["pages"] == result.pages
    assert {f["attachment"] for f in manifest["files"]} | {"manifest.json"} == set(attachments)
    for f in manifest["files"]:
        data = attachments[f["attachment"]]
        assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["size"]
    jpg = parts_dir / "支付凭证" / "0001-0003 微信转账.jpg"
    assert attachments["支付凭证/" + jpg.name] == jpg.read_bytes()
    evidence = next(m for m in manifest["materials"] if m["key"] == "evidence")
    assert [i["rows"] for i in evidence["items"]] == [[[1, 3]], [[4, 4]], [[5, 5], [7, 8]]]


def test_document_information_is_fixed_and_clean(package):
    _, _, out = package
    reader = PdfReader(out)
    info = {k: str(v) for k, v in reader.metadata.items()}
    assert info["/Title"] == "2025年度运营经费补贴申请材料"
    assert info["/Producer"].startswith("lingong-docs ")
    assert info["/CreationDate"] == info["/ModDate"] == "D:20260305000000+08'00'"
    assert "/Metadata" not in reader.trailer["/Root"]
    text = json.dumps(info, ensure_ascii=False)
    assert CANARY_NAME not in text and CANARY_ID not in text
    assert CANARY_ID in reader.pages[4].extract_text()                    # …while the table keeps it


def test_fonts_are_embedded(package):
    out = subprocess.run(["pdffonts", str(package[2])], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows and all(r[-5] == "yes" for r in rows), out                  # the "emb" column


def test_same_inputs_same_bytes(package, parts_dir, tmp_path):
    _, _, first = package
    _build(parts_dir, tmp_path / "again.pdf")
    assert (tmp_path / "again.pdf").read_bytes() == first.read_bytes()
    reader = PdfReader(first)
    assert reader.trailer["/ID"][0] == reader.trailer["/ID"][1]


def test_draft_marks_every_page(parts_dir, tmp_path):
    _, result = _build(parts_dir, tmp_path / "draft.pdf", draft=True)
    reader = PdfReader(tmp_path / "draft.pdf")
    assert all("草稿 — 未通过校验" in p.extract_text() for p in reader.pages)
    assert result.pages == len(reader.pages)


def test_aes256_package_opens_with_the_password_and_can_be_signed(parts_dir, tmp_path):
    password = "测试-pass-1"
    _build(parts_dir, tmp_path / "enc.pdf", password=password)
    data = (tmp_path / "enc.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(data))
    assert reader.is_encrypted
    enc = reader.trailer["/Encrypt"].get_object()
    assert (enc["/V"], enc["/R"]) == (5, 6)                                # AES-256
    assert b"manifest" not in data and "申请单位".encode("utf-16-be") not in data
    assert reader.decrypt(password)
    assert "manifest.json" in reader.attachments and len(reader.pages) == 11
    assert_all_signed_ok(data, password)


def test_a_failed_bundle_leaves_the_previous_file(parts_dir, tmp_path):
    out = tmp_path / "keep.pdf"
    out.write_bytes(b"%PDF-previous")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"not a pdf")
    with pytest.raises(BuildError) as e:
        bundle([Part("cover", "封面", parts_dir / "cover.pdf"), Part("report_operating", "附件2", broken)], out,
               attachments=[], manifest=Manifest(kind="operating"), metadata={"date": DATE})
    assert e.value.code == "part-unreadable"
    assert out.read_bytes() == b"%PDF-previous"
    assert not list(tmp_path.glob(".*.part"))


def test_package_file_is_private(package):
    assert package[2].stat().st_mode & 0o777 == 0o600


def test_unreadable_evidence_is_named_without_personal_data(tmp_path):
    bad = tmp_path / "0042 张三转账.png"
    bad.write_bytes(b"\x89PNG broken")
    with pytest.raises(BuildError) as e:
        evidence_part([bad], tmp_path / "ev.pdf")
    assert e.value.code == "evidence-unreadable"
    assert "张三" not in str(e.value) and "序号 42" in str(e.value)
