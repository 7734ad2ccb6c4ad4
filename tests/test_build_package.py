"""`lingong-docs build` end to end: real forms and tables (LibreOffice), one package per subsidy.

A 1,000-row application (util.make_app + fill, payment evidence as PDF, JPG and PNG) is built
ONCE per session (both subsidies); most tests read that. The sample application samples/demo is
built once, through the CLI. Further builds: a rebuild for reproducibility, an encrypted one, a
small invalid application (refused; then --draft), and two interrupted ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest
from helpers.apps import APPLICANT, fill, make_app, table_path
from helpers.figures import roster_row as figures_row
from helpers.pdf import DATE_LINE, assert_all_signed_ok, line_with, overlaps, text_lines
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen import canvas as rl_canvas

from lingong_docs.core.policy import policy_for
from lingong_docs.package.build import WORKDIR_PREFIXES, build_packages, package_name
from lingong_docs.reader.folder import read_application
from lingong_docs.util.workdir import sweep_stale
from lingong_docs.validate.run import validate

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2025
ROWS = 1000
TODAY = dt.date(YEAR + 1, 3, 1)
EPOCH = "1772668800"                       # 2026-03-05 00:00 UTC
SOURCE_DATE = dt.datetime.fromtimestamp(int(EPOCH), tz=dt.UTC)   # what the CLI makes of SOURCE_DATE_EPOCH
MANIFEST_KEYS = {"format", "toolkit", "policy", "kind", "applicant", "year", "application_date", "figures",
                 "files", "materials", "signature_fields", "pages"}


def roster_row(i: int) -> dict:
    """A roster row whose names have a two-character surname (masked as 欧阳**)."""
    return figures_row(i, name="欧阳" + "一二三四五六七八九十"[i % 10] + "明")


def make_application(folder: Path, rows: int) -> Path:
    """An application with ``rows`` roster rows, 5,000 demand, and evidence as PDF, JPG and PNG."""
    make_app(folder, year=YEAR)
    fill(table_path(folder, "roster"), "roster", [roster_row(i) for i in range(rows)])
    fill(table_path(folder, "job_posts"), "job_posts",
         [{"seq": n + 1, "title": f"分拣员{n + 1}", "category": "物流仓储", "published": dt.datetime(YEAR, 1 + n, 5),
           "demand": 2500} for n in range(2)])
    ev = folder / "支付凭证"
    c = rl_canvas.Canvas(str(ev / f"0001-{rows - 2:04d} 建设银行代发回单.pdf"), invariant=1)
    for page in (1, 2):
        c.drawString(72, 700, f"Batch payment statement, page {page}")
        c.showPage()
    c.save()
    Image.new("RGB", (540, 1170), (240, 250, 240)).save(ev / f"{rows - 1:04d} 微信转账.jpg", quality=90)
    Image.new("RGB", (540, 1170), (240, 240, 250)).save(ev / f"{rows:04d} 支付宝转账.png")
    return folder


def apply_for_operating_and_recognition(folder: Path) -> None:
    """Change 申请事项 to 运营经费补贴 + 零工市场认定 and fill the four 认定申请 sections.

    1,000 rows reach the operating subsidy but not the employment one (5,000, 第十条); the
    employment package is built from samples/demo and, as a draft, from the invalid application.
    """
    path = folder / "application.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  - 就业服务补贴\n", "  - 零工市场认定\n")
    for section in ("选址建设情况", "场地设施人员制度服务", "线上平台搭建情况", "机构基本情况及成功案例"):
        text = text.replace(f'  {section}: ""', f"  {section}: {section}的说明，第一段。")
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="session")
def session_root():
    root = Path(tempfile.mkdtemp(prefix="lingong-test-build-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def app_folder(session_root) -> Path:
    folder = make_application(session_root / "app", ROWS)
    apply_for_operating_and_recognition(folder)
    return folder


def _build(folder: Path, out: Path, **kw):
    return build_packages(folder, out=out, today=TODAY, source_date=SOURCE_DATE, **kw)


@pytest.fixture(scope="session")
def built(app_folder, session_root):
    """The session's packages: {kind: BuildResult} for both subsidies, plus the stages seen."""
    stages = []
    results = _build(app_folder, session_root / "out", progress=lambda s, d, t: stages.append(s))
    return {r.kind: r for r in results}, stages


@pytest.fixture(scope="session")
def operating(built):
    result = built[0]["operating"]
    return result, PdfReader(result.path), result.path.read_bytes()


def _attachments(reader) -> dict:
    return {name: data[0] for name, data in reader.attachments.items()}


def _cli(*args, env=None, **kw) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "lingong-docs"
    return subprocess.run([str(exe), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600, **kw)


# --- the session's packages -------------------------------------------------------------------------

def test_one_package_per_subsidy_applied_for(built, session_root):
    results, stages = built
    assert set(results) == {"operating", "recognition"}
    assert results["operating"].path == session_root / "out" / "2025年度_运营经费补贴_申请材料.pdf"
    assert results["recognition"].path.name == "2025年度_零工市场认定_申请材料.pdf"
    assert all(r.path.stat().st_mode & 0o777 == 0o600 for r in results.values())
    assert {"reading", "validating", "computing", "rendering", "converting", "bundling", "writing"} <= set(stages)
    assert not list((session_root / "out").glob(".*.part"))


def test_materials_in_order_and_contiguous(built):
    results, _ = built
    expected = {
        "operating": ["cover", "checklist", "report_operating", "job_posts", "roster", "evidence"],
        "recognition": ["cover", "checklist", "report_recognition"],
    }
    for kind, result in results.items():
        materials = result.manifest["materials"]
        assert [m["key"] for m in materials] == expected[kind]
        assert materials[0]["first_page"] == 1 and materials[-1]["last_page"] == result.pages
        for a, b in zip(materials, materials[1:]):
            assert b["first_page"] == a["last_page"] + 1
        assert [m["last_page"] - m["first_page"] + 1 for m in materials[:2]] == [1, 1]
        assert len(PdfReader(result.path).pages) == result.pages


def test_outline_matches_the_materials(operating):
    result, reader, _ = operating
    top = [o for o in reader.outline if not isinstance(o, list)]
    assert [o.title for o in top] == [m["title"] for m in result.materials]
    assert [reader.get_destination_page_number(o) + 1 for o in top] == [m["first_page"] for m in result.materials]
    children = reader.outline[-1]
    evidence = result.materials[-1]["items"]
    assert [c.title for c in children] == [i["title"] for i in evidence]
    assert [reader.get_destination_page_number(c) + 1 for c in children] == [i["first_page"] for i in evidence]
    assert [i["file"] for i in evidence] == ["0001-0998 建设银行代发回单.pdf", "0999 微信转账.jpg", "1000 支付宝转账.png"]


def test_checklist_shows_the_real_page_ranges(operating):
    result, reader, _ = operating
    text = "".join(reader.pages[1].extract_text().split())
    for m in result.materials:
        pages = str(m["first_page"]) if m["first_page"] == m["last_page"] else f"{m['first_page']}—{m['last_page']}"
        title = "".join(m["title"].split())
        assert title in text and pages in text, (m["title"], pages)
        assert text.index(title) < text.index(pages, text.index(title))


def test_page_numbers_first_and_last_and_clear_of_content(operating):
    result, reader, _ = operating
    n = result.pages
    assert f"第1页 共{n}页" in reader.pages[0].extract_text()
    assert f"第{n}页 共{n}页" in reader.pages[n - 1].extract_text()
    roster = next(m for m in result.materials if m["key"] == "roster")
    for index in (0, 1, 2, 3, roster["first_page"] - 1, roster["last_page"] - 1):
        lowest = []

        def visit(text, cm, tm, _f, size, lowest=lowest):
            if text.strip() and "页" not in text:
                lowest.append(tm[5] * cm[3] + cm[5])
        reader.pages[index].extract_text(visitor_text=visit)
        assert lowest and min(lowest) > 40, f"page {index + 1}: content reaches the page-number band"


def test_attachments_match_the_manifest(operating, app_folder):
    result, reader, _ = operating
    files = _attachments(reader)
    manifest = json.loads(files["manifest.json"])
    assert set(manifest) >= MANIFEST_KEYS
    assert manifest["format"] == "lingong-docs/manifest@1" and manifest["kind"] == "operating"
    assert manifest["toolkit"]["name"] == "lingong-docs"
    assert manifest["applicant"]["name"] == APPLICANT and manifest["year"] == YEAR
    assert manifest["pages"] == result.pages and manifest["materials"] == result.materials
    policy = policy_for(YEAR)
    assert manifest["policy"]["sha256"] == hashlib.sha256(policy.path.read_bytes()).hexdigest()
    assert manifest["figures"]["match_count"] == ROWS and manifest["figures"]["operating_subsidy"] == 200000.0
    roles = {f["role"] for f in manifest["files"]}
    assert roles == {"application", "job_posts", "roster", "evidence", "validation"}
    for f in manifest["files"]:
        data = files[f["attachment"]]
        assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["size"]
        if f["role"] != "validation":
            assert (app_folder / f["name"]).read_bytes() == data       # original bytes, path in the folder
    assert sum(f["role"] == "evidence" for f in manifest["files"]) == 3
    validation = json.loads(files["validation.json"])
    report = validate(read_application(app_folder)).to_dict()
    assert validation["issues"] == json.loads(json.dumps(report["issues"], default=str))
    assert set(files) == {f["attachment"] for f in manifest["files"]} | {"manifest.json"}


def test_recognition_package_carries_no_worker_data(built):
    results, _ = built
    reader = PdfReader(results["recognition"].path)
    files = _attachments(reader)
    manifest = json.loads(files["manifest.json"])
    assert {f["role"] for f in manifest["files"]} == {"application", "validation"}
    assert "figures" in manifest and manifest["figures"] is None           # nothing to recompute
    assert [f["name"] for f in manifest["signature_fields"]][:2] == ["seal_cover", "seal_checklist"]
    text = "".join(p.extract_text() for p in reader.pages)
    assert "选址建设情况的说明" in text and roster_row(0)["id_number"] not in text


def test_signature_fields_at_every_seal_and_signature_place(operating):
    result, reader, data = operating
    fields = {f["name"]: f for f in result.manifest["signature_fields"]}
    assert {"seal_cover", "seal_checklist", "seal_report_operating", "sign_report_operating",
            "seal_job_posts", "seal_roster"} <= set(fields)
    assert all(f["located"] for f in fields.values())                   # found from the words on the page
    materials = {m["key"]: m for m in result.materials}
    for f in fields.values():
        m = materials[f["material"]]
        assert m["first_page"] <= f["page"] <= m["last_page"]
        assert f["rect"][1] >= 40
    assert fields["seal_roster"]["page"] == materials["roster"]["first_page"]
    assert fields["sign_report_operating"]["role"] == "signature"


def test_every_field_signs_and_validates(operating):
    _, _, data = operating
    names = assert_all_signed_ok(data)
    assert "sign_report_operating" in names


def test_document_information_holds_no_worker_data(operating):
    _, reader, data = operating
    info = {k: str(v) for k, v in reader.metadata.items()}
    assert info["/Title"] == "2025年度运营经费补贴申请材料"
    assert info["/Author"] == APPLICANT
    assert info["/CreationDate"] == "D:20260305000000+00'00'"
    assert "/Metadata" not in reader.trailer["/Root"]
    blob = json.dumps(info, ensure_ascii=False)
    rows = [roster_row(i) for i in range(ROWS)]
    assert not any(r["name"] in blob or r["id_number"] in blob for r in rows)
    from docx import Document

    from lingong_docs.util.resources import forms_dir
    authors = {Document(str(p)).core_properties.author for p in forms_dir().glob("*.docx")}
    assert not any(a and a in blob for a in authors - {"lingong-docs"})   # no template author
    assert set(info) <= {"/Title", "/Author", "/Subject", "/Keywords", "/Creator", "/Producer",
                         "/CreationDate", "/ModDate"}
    assert b"LibreOffice" not in data and b"<x:xmpmeta" not in data


def test_same_inputs_and_epoch_give_the_same_bytes(operating, app_folder, session_root):
    _, _, data = operating
    [again] = _build(app_folder, session_root / "again", kinds=["operating"])
    assert again.path.read_bytes() == data


# --- the CLI -----------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def demo(session_root):
    """samples/demo built once through the CLI: (completed process, output folder)."""
    out = session_root / "demo-out"
    return _cli("build", str(ROOT / "samples" / "demo"), "-o", str(out), env={"SOURCE_DATE_EPOCH": EPOCH}), out


def test_demo_through_the_cli(demo):
    cp, out = demo
    assert cp.returncode == 0, cp.stderr
    assert "下一步：在各盖章处加盖电子印章，在申请报告上由法定代表人签字、在附件4和附件5上由经办人签字" in cp.stdout and "草稿" not in cp.stdout
    app = read_application(ROOT / "samples" / "demo")
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(package_name(app.info.year, k) for k in app.info.kinds)
    assert "已生成" in cp.stdout and cp.stderr == ""                     # no progress line without a terminal
    reader = PdfReader(out / package_name(app.info.year, "operating"))
    manifest = json.loads(_attachments(reader)["manifest.json"])
    assert manifest["figures"]["match_count"] == len(app.roster.records)
    assert len(reader.pages) == manifest["pages"]
    evidence = next(m for m in manifest["materials"] if m["key"] == "evidence")
    assert len(evidence["items"]) == len(app.evidence)
    employment = PdfReader(out / package_name(app.info.year, "employment"))
    manifest = json.loads(_attachments(employment)["manifest.json"])
    assert [m["key"] for m in manifest["materials"]] == ["cover", "checklist", "report_employment", "roster",
                                                         "evidence"]
    # 附件4 is no printed material of this subsidy, but intake needs it (第十条 requires the operating test)
    assert {f["role"] for f in manifest["files"]} >= {"job_posts", "roster", "evidence"}
    assert manifest["figures"]["employment_subsidy"] > 0


def test_demo_signature_and_seal_places_cover_no_other_text(demo):
    """Each report's signature box is on its 签字 line after the words, clear of the date below;
    its seal is over the unit's name and off the 签字 line; the checklist's seal is below the table
    (no ruled line inside it: the page is rendered without the fields)."""
    cp, out = demo
    assert cp.returncode == 0, cp.stderr
    for path in sorted(out.glob("*.pdf")):
        manifest = json.loads(_attachments(PdfReader(path))["manifest.json"])
        fields = {f["name"]: f for f in manifest["signature_fields"]}
        report = next(m["key"] for m in manifest["materials"] if m["key"].startswith("report_"))
        sign, seal = fields[f"sign_{report}"], fields[f"seal_{report}"]
        assert sign["page"] == seal["page"]
        lines = text_lines(path, sign["page"])
        sign_line, date, name = line_with(lines, "（签字）"), line_with(lines, DATE_LINE), line_with(lines, "（盖章）")
        s, c = sign["rect"], seal["rect"]
        assert not overlaps(s, date), (path.name, s, date)
        assert sign_line[1] <= (s[1] + s[3]) / 2 <= sign_line[3] and s[0] >= sign_line[2]
        assert overlaps(c, name) and not overlaps(c, sign_line) and not overlaps(c, s)
        # 材料清单: the seal covers none of the table's text, and no ruled line of it.
        checklist = fields["seal_checklist"]
        lines = text_lines(path, checklist["page"])
        c = checklist["rect"]
        name = line_with(lines, "（盖章）")
        assert overlaps(c, name)
        assert not any(overlaps(c, box) for text, box in lines if box[1] > name[3])
        png = out / f"{path.stem}-checklist"
        subprocess.run(["pdftoppm", "-r", "72", "-gray", "-png", "-hide-annotations", "-f", str(checklist["page"]),
                        "-l", str(checklist["page"]), str(path), str(png)], check=True)
        img = Image.open(next(out.glob(f"{png.name}*.png"))).convert("L")
        box = (round(c[0]), round(img.height - c[3]), round(c[2]), round(img.height - c[1]))
        crop = img.crop(box)
        px = crop.load()
        longest = max(max((len(run) for run in "".join("#" if px[x, y] < 128 else " " for x in range(crop.width))
                                                     .split()), default=0) for y in range(crop.height))
        assert longest < 40, f"{path.name}: a ruled line runs through the checklist seal ({longest} px)"


def test_kind_not_applied_for_and_pdf_output_for_two_kinds_are_refused(app_folder, session_root):
    from lingong_docs.core.errors import BuildError

    with pytest.raises(BuildError) as e:
        build_packages(app_folder, kinds=["employment"], out=session_root / "x", today=TODAY)
    assert e.value.code == "kind-not-applied" and "就业服务补贴" in e.value.message
    with pytest.raises(BuildError) as e:
        build_packages(app_folder, out=session_root / "both.pdf", today=TODAY)
    assert e.value.code == "output-not-pdf-for-many"
    assert not (session_root / "x").exists() and not (session_root / "both.pdf").exists()


@pytest.fixture(scope="session")
def invalid_app(session_root) -> Path:
    """A 12-row application with one wrong ID check digit (and far too few rows for a subsidy)."""
    folder = make_application(session_root / "invalid", 12)
    rows = [roster_row(i) for i in range(12)]
    rows[4]["id_number"] = rows[4]["id_number"][:-1] + ("1" if rows[4]["id_number"][-1] != "1" else "2")
    fill(table_path(folder, "roster"), "roster", rows)
    return folder


def test_refuses_to_build_with_errors_and_lists_them_masked(invalid_app, session_root):
    out = session_root / "refused"
    cp = _cli("build", str(invalid_app), "-o", str(out), "--kind", "employment")
    assert cp.returncode == 1
    assert "未生成材料包" in cp.stderr and "id-" in cp.stderr
    bad = roster_row(4)["id_number"]
    assert bad[:-1] not in cp.stderr and bad[:-1] not in cp.stdout      # masked
    assert "subsidy-not-reached" in cp.stderr
    assert not out.exists() or not list(out.iterdir())


def test_draft_builds_anyway_and_marks_every_page(invalid_app, session_root):
    out = session_root / "draft"
    cp = _cli("build", str(invalid_app), "-o", str(out), "--kind", "employment", "--draft")
    assert cp.returncode == 0, cp.stderr
    path = out / "2025年度_就业服务补贴_申请材料_草稿.pdf"
    reader = PdfReader(path)
    assert all("草稿 — 未通过校验" in page.extract_text() for page in reader.pages)
    assert json.loads(_attachments(reader)["manifest.json"])["draft"] is True
    assert "草稿" in str(reader.metadata["/Title"])
    # A draft is never to be submitted: the last words say how to get a real package instead.
    assert "下一步：在签章处" not in cp.stdout
    assert "这是草稿，不能盖章提交" in cp.stdout and "lingong-docs validate" in cp.stdout
    assert "不加 --draft 重新运行" in cp.stdout


LONG_NAME = "北京示例人力资源有限公司" * 8                                 # 96 characters


@pytest.fixture(scope="session")
def long_name_app(session_root) -> Path:
    """A valid 12-row application for recognition only, whose unit name cannot fit on the cover."""
    folder = session_root / "long-name"
    make_app(folder, year=YEAR, applicant=LONG_NAME)
    rows = [roster_row(i) for i in range(12)]
    fill(table_path(folder, "roster"), "roster", rows)
    fill(table_path(folder, "job_posts"), "job_posts",
         [{"seq": 1, "title": "分拣员", "category": "物流仓储", "published": dt.datetime(YEAR, 1, 5), "demand": 20}])
    (folder / "支付凭证" / "0001-0012 代发回单.png").write_bytes(_png())
    text = (folder / "application.yaml").read_text(encoding="utf-8")
    text = text.replace("  - 运营经费补贴\n  - 就业服务补贴\n", "  - 零工市场认定\n")
    for section in ("选址建设情况", "场地设施人员制度服务", "线上平台搭建情况", "机构基本情况及成功案例"):
        text = text.replace(f'  {section}: ""', f"  {section}: {section}的说明。")
    (folder / "application.yaml").write_text(text, encoding="utf-8")
    return folder


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (60, 80), (250, 250, 250)).save(buf, format="PNG")
    return buf.getvalue()


def test_a_form_running_onto_a_second_page_is_refused_naming_the_form_and_field(long_name_app, session_root):
    out = session_root / "long-name-out"
    cp = _cli("build", str(long_name_app), "-o", str(out))
    assert cp.returncode == 1, cp.stdout + cp.stderr
    # validate's cover model catches it before anything is rendered (the build's own page count
    # would say form-overflow)
    assert "[cover-too-long]" in cp.stderr and "封面只有1页" in cp.stderr and "“申请单位全称”太长（96个字）" in cp.stderr
    assert LONG_NAME not in cp.stderr
    assert not out.exists() or not list(out.iterdir())
    cp = _cli("build", str(long_name_app), "-o", str(out), "--draft")
    assert cp.returncode == 0, cp.stderr
    assert "[form-overflow]" in cp.stdout and "封面：第1—2页" in cp.stdout
    [pdf] = out.iterdir()
    assert pdf.name.endswith("_草稿.pdf")


def test_corrupt_evidence_pdf_is_named_in_chinese_and_library_warnings_stay_quiet(invalid_app, session_root, caplog):
    folder = session_root / "corrupt-evidence"
    shutil.copytree(invalid_app, folder)
    [pdf] = (folder / "支付凭证").glob("*.pdf")
    pdf.write_bytes(pdf.read_bytes()[:300])                              # cut short: no %%EOF, no xref
    cp = _cli("build", str(folder), "-o", str(session_root / "corrupt-out"), "--kind", "employment", "--draft")
    assert cp.returncode == 2
    assert "[evidence-unreadable]" in cp.stderr and "支付凭证第1个文件“0001-0010 ….pdf”（序号 1–10）" in cp.stderr
    assert "EOF" not in cp.stderr and "pypdf" not in cp.stderr and "Traceback" not in cp.stderr
    from lingong_docs.core.errors import BuildError

    with caplog.at_level(logging.WARNING), pytest.raises(BuildError) as e:
        build_packages(folder, kinds=["employment"], out=session_root / "corrupt-out", draft=True, today=TODAY)
    assert e.value.code == "evidence-unreadable"
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []   # nothing for the last-resort handler


def test_problem_values_are_shown_on_one_short_line():
    from lingong_docs.cli.build import _problem_line, one_line
    from lingong_docs.core import findings as F

    remark = "\n".join(f"第{i}行备注，说明情况" for i in range(60))
    finding = F.make("seq-unreadable", file="附件5.xlsx", row=7, value=remark)
    line = _problem_line(finding)
    assert "\n" not in line and remark not in line
    assert one_line(remark) in line and len(one_line(remark)) == 40 and one_line(remark).endswith("…")
    assert line.count("第0行备注") == 2 and "第59行" not in line         # value and message, both cut
    assert one_line("甲\n  乙") == "甲 乙"


def test_encrypted_package(app_folder, session_root):
    out = session_root / "enc.pdf"
    password = "测试-口令-2026"
    cp = _cli("build", str(app_folder), "--kind", "operating", "-o", str(out), "--encrypt",
              env={"LINGONG_PDF_PASSWORD": password}, stdin=subprocess.DEVNULL)
    assert cp.returncode == 0, cp.stderr
    assert password not in cp.stdout + cp.stderr
    data = out.read_bytes()
    reader = PdfReader(io.BytesIO(data))
    assert reader.is_encrypted
    encrypt = reader.trailer["/Encrypt"].get_object()
    assert (encrypt["/V"], encrypt["/R"]) == (5, 6)                      # AES-256
    assert reader.decrypt(password)
    files = _attachments(reader)
    assert {"manifest.json", "application.yaml", "validation.json"} <= set(files)
    assert assert_all_signed_ok(data, password)


def test_encrypt_without_a_password_is_refused(app_folder, session_root):
    env = {k: v for k, v in os.environ.items() if k != "LINGONG_PDF_PASSWORD"}
    exe = Path(sys.executable).parent / "lingong-docs"
    cp = subprocess.run([str(exe), "build", str(app_folder), "-o", str(session_root / "nopw"), "--encrypt"],
                        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)
    assert cp.returncode == 2 and "password-empty" in cp.stderr
    assert not (session_root / "nopw").exists()


# --- interruptions ------------------------------------------------------------------------------------

def _soffice_children(pid: int) -> list[psutil.Process]:
    try:
        return [p for p in psutil.Process(pid).children(recursive=True) if "soffice" in " ".join(p.cmdline())]
    except psutil.Error:
        return []


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
def test_interrupted_build_leaves_the_previous_package(sig, built, app_folder, session_root):
    out = session_root / f"interrupt-{sig.name}"
    out.mkdir()
    previous = built[0]["operating"].path.read_bytes()
    target = out / "2025年度_运营经费补贴_申请材料.pdf"
    target.write_bytes(previous)
    exe = Path(sys.executable).parent / "lingong-docs"
    proc = subprocess.Popen([str(exe), "build", str(app_folder), "--kind", "operating", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[psutil.Process] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not seen and proc.poll() is None:
        seen = _soffice_children(proc.pid)
        time.sleep(0.05)
    assert seen, "LibreOffice never started"
    # Signal at once, while LibreOffice renders: the commit (the renames at the very end) is then
    # still ahead. A fixed pause here let a quick run reach the commit first on a fast machine,
    # where the set is rightly "all new" (the previous package replaced): a test of speed.
    proc.send_signal(sig)
    rendering = any(_alive(p) for p in seen)
    private = set()
    for p in seen:
        try:
            private.update(re.findall(r"/(lingong-lo-[^/\s]+)/", " ".join(p.cmdline())))
        except psutil.Error:
            pass
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        for p in seen + _soffice_children(proc.pid):                       # LibreOffice runs in its own session
            try:
                p.kill()
                p.wait(10)
            except psutil.Error:
                pass
    assert [p.name for p in out.iterdir()] == [target.name]              # no .part, nothing else
    if not rendering:       # LibreOffice had just finished: all old or all new, never a mix
        assert target.read_bytes() == previous or PdfReader(target).pages
        return
    assert target.read_bytes() == previous
    workdirs = list(Path(tempfile.gettempdir()).glob(f"lingong-build-{proc.pid}-*"))
    if sig in (signal.SIGINT, signal.SIGTERM):                           # SIGTERM is handled like Ctrl-C
        assert proc.returncode == 130 and "已中断" in err
        assert workdirs == []                                            # cleaned up on the way out
    else:
        assert proc.returncode == -signal.SIGKILL
        sweep_stale(WORKDIR_PREFIXES)                                    # what the next run does first
        assert not any(w.exists() for w in workdirs)
        assert not any((Path(tempfile.gettempdir()) / name).exists() for name in private)


def test_a_second_build_into_the_same_folder_is_refused_while_one_runs(app_folder, session_root):
    import fcntl

    from lingong_docs.core.errors import BuildError

    out = session_root / "locked"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)                                   # what a running build holds
        with pytest.raises(BuildError) as e:
            build_packages(app_folder, kinds=["operating"], out=out, today=TODAY)
        assert e.value.code == "output-busy"
    finally:
        os.close(fd)
    assert list(out.iterdir()) == []


def test_an_output_folder_that_is_a_file_is_refused_in_chinese_before_any_work(tmp_path):
    folder = make_app(tmp_path / "app", year=YEAR)
    (tmp_path / "taken").write_text("not a folder", encoding="utf-8")
    cp = _cli("build", str(folder), "-o", str(tmp_path / "taken"))
    assert cp.returncode == 2, cp.stderr
    assert "output-not-writable" in cp.stderr and "内部错误" not in cp.stderr
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "not a folder"


def test_build_json_masks_the_evidence_file_names(invalid_app, tmp_path):
    folder = tmp_path / "app"
    shutil.copytree(invalid_app, folder)
    row = roster_row(2)
    Image.new("RGB", (60, 60), "white").save(folder / "支付凭证" / f"0003 {row['name']} {row['id_number']}.png")
    cp = _cli("build", str(folder), "-o", str(tmp_path / "out"), "--kind", "employment", "--draft",
              "--format", "json")
    assert cp.returncode == 0, cp.stderr
    files = [item["file"] for p in json.loads(cp.stdout) for m in p["materials"] for item in m.get("items", ())]
    assert any(f.startswith("0003 ") for f in files)
    assert row["id_number"][6:14] not in cp.stdout and row["name"] not in cp.stdout


def test_a_draft_leaves_out_a_file_whose_name_is_not_utf8_instead_of_crashing(invalid_app, tmp_path):
    folder = tmp_path / "app"
    shutil.copytree(invalid_app, folder)
    with open(os.fsencode(str(folder / "支付凭证")) + "/0003 回单".encode() + b"\xff.png", "wb") as f:
        Image.new("RGB", (60, 60), "white").save(f, "PNG")
    (folder / "其他材料").mkdir()
    with open(os.fsencode(str(folder / "其他材料")) + "/说明".encode() + b"\xff.png", "wb") as f:
        Image.new("RGB", (60, 60), "white").save(f, "PNG")
    cp = _cli("build", str(folder), "-o", str(tmp_path / "out"), "--kind", "employment", "--draft")
    assert cp.returncode == 0 and "内部错误" not in cp.stderr, cp.stderr
    [package] = (tmp_path / "out").glob("*.pdf")
    assert "\ufffd" not in "".join(PdfReader(package).attachments)
