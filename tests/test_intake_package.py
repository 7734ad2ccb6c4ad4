"""Intake of real built packages: the genuine one is accepted, each kind of tampering is caught."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.intake import (
    DEMAND,
    RECEIVED,
    append_revision,
    attachments,
    built_package,
    built_recognition_package,
    drop_material,
    encrypted,
    flip_byte_in_signed_range,
    make_signer,
    manifest_of,
    rewrite,
    sign,
    with_demand,
    with_roster_rows,
)

from lingong_docs.core import kinds
from lingong_docs.core.manifest import ManifestError, parse_manifest
from lingong_docs.intake.examine.examination import Examination
from lingong_docs.intake.examine.figures import _policy_changed
from lingong_docs.intake.examine.printed import check_printed
from lingong_docs.intake.scan.result import ScanResult
from lingong_docs.intake.service import examine, intake
from lingong_docs.intake.truth import TruthResult


@pytest.fixture(scope="module")
def signer(tmp_path_factory):
    return make_signer(tmp_path_factory.mktemp("cert"))


@pytest.fixture(scope="module")
def signed(signer) -> bytes:
    return sign(built_package(), signer[0])


def run(tmp_path, data: bytes, name="package.pdf", **kw):
    path = tmp_path / name
    path.write_bytes(data)
    kw.setdefault("as_of", RECEIVED)
    [receipt] = intake([path], **kw)
    for f in receipt.findings:                  # every placeholder of the catalogue was filled
        assert "{" not in f.message and "}" not in f.message, f.message
    return receipt


def errors(receipt) -> set[str]:
    return {f.code for f in receipt.findings if f.severity == "error"}


def test_signed_package_is_accepted_with_the_recomputed_figures(tmp_path, signed, signer):
    r = run(tmp_path, signed, trust=[str(signer[1])])
    assert r.verdict == "accepted", [f.message for f in r.findings]
    assert r.findings == []
    assert r.kind == "operating" and r.year == 2025
    assert r.applicant == {"name": "北京示例人力资源有限公司", "uscc": "91110105MA01ABCD39",
                           "market": "朝阳区示例零工驿站"}
    assert r.figures["amount"] == "200000.00" and r.figures["amount_upper"] == "贰拾万元整"
    assert r.figures["match_count"] == 1000 and r.figures["demand_total"] == DEMAND == 5000
    assert {s["status"] for s in r.signatures} == {"valid"}
    assert r.receipt_no == "YS20260310-0001"          # numbered per examination; nothing registered


def test_unsigned_package_is_rejected_unless_allowed(tmp_path, package_bytes):
    r = run(tmp_path, package_bytes)
    assert errors(r) == {"signature-missing"}
    fields = [f["name"] for f in manifest_of(package_bytes)["signature_fields"]]
    missing = next(f for f in r.findings if f.code == "signature-missing")
    places = missing.message.split("：", 1)[1].rstrip("。").split("、")
    assert len(set(places)) == len(fields) and "封面盖章（第1页）" in places
    pre = run(tmp_path, package_bytes, allow_unsigned=True)
    assert pre.verdict == "accepted"
    assert [(f.code, f.severity) for f in pre.findings] == [("signature-missing", "warning")]


def test_changed_embedded_workbook_is_a_hash_mismatch(tmp_path, package_bytes, signer):
    m = manifest_of(package_bytes)
    roster = next(f["attachment"] for f in m["files"] if f["role"] == "roster")
    posts = next(f["attachment"] for f in m["files"] if f["role"] == "job_posts")
    forged = sign(rewrite(package_bytes, replace={roster: attachments(package_bytes)[posts]}), signer[0])
    r = run(tmp_path, forged)
    assert "hash-mismatch" in errors(r)
    assert roster in next(f.message for f in r.findings if f.code == "hash-mismatch")
    assert "signature-broken" not in errors(r)          # signed after the change: the data betrays it


def test_removed_material_is_caught_by_outline_and_page_count(tmp_path, package_bytes):
    r = run(tmp_path, drop_material(package_bytes, "job_posts"), allow_unsigned=True)
    assert {"material-missing", "page-count-mismatch"} <= errors(r)
    missing = next(f for f in r.findings if f.code == "material-missing")
    assert "附件4" in missing.message


def test_edited_amount_in_the_manifest_is_a_figures_mismatch(tmp_path, package_bytes):
    forged = rewrite(package_bytes, manifest=lambda m: m["figures"].update(operating_subsidy=300000.0, total=300000.0))
    r = run(tmp_path, forged, allow_unsigned=True)
    assert errors(r) == {"figures-mismatch"}
    messages = " ".join(f.message for f in r.findings)
    assert "300,000.00元" in messages and "200,000.00元" in messages


def test_report_amount_must_match_the_recomputation(tmp_path, package_bytes):
    # a forger lowers 附件4's demand and fixes the hashes: the printed 附件2 still asks for 20万元
    r = run(tmp_path, with_demand(package_bytes, 100), allow_unsigned=True)
    assert {"amount-mismatch", "figures-mismatch", "subsidy-zero"} <= errors(r)


def test_edited_page_ranges_do_not_match_the_printed_checklist(tmp_path, package_bytes):
    def shift(m):
        roster = next(x for x in m["materials"] if x["key"] == "roster")
        roster["first_page"] += 1
    r = run(tmp_path, rewrite(package_bytes, manifest=shift), allow_unsigned=True)
    assert {"checklist-mismatch", "outline-mismatch"} <= errors(r)


def test_broken_signature(tmp_path, signed):
    r = run(tmp_path, flip_byte_in_signed_range(signed))
    assert "signature-broken" in errors(r)
    assert "broken" in {s["status"] for s in r.signatures}


def test_revision_appended_after_signing_is_caught(tmp_path, signed):
    # pypdf's incremental update leaves every signature intact and valid: only coverage tells
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    edited = append_revision(signed)
    last = PdfFileReader(BytesIO(edited)).embedded_signatures[-1]
    assert validate_pdf_signature(last).intact
    r = run(tmp_path, edited)
    assert errors(r) == {"signature-modified-after"}
    assert {s["status"] for s in r.signatures} == {"modified"}


def test_package_past_the_deadline(tmp_path, signed):
    r = run(tmp_path, signed, as_of=dt.date(2026, 5, 1))
    assert errors(r) == {"deadline-passed"}
    assert "2026年4月30日" in next(f.message for f in r.findings if f.code == "deadline-passed")
    assert run(tmp_path, signed, as_of=dt.date(2026, 4, 30)).verdict == "accepted"


def test_trust_roots_decide_untrusted_seals(tmp_path, signed, signer):
    _, other_cert = make_signer(tmp_path, "Another Seal")
    assert errors(run(tmp_path, signed, trust=[str(other_cert)])) == {"signature-untrusted"}
    assert run(tmp_path, signed, trust=[str(signer[1])]).verdict == "accepted"


def test_encrypted_package_needs_its_password(tmp_path, package_bytes):
    data = encrypted(package_bytes, "s3cret-pw")
    assert errors(run(tmp_path, data, allow_unsigned=True)) == {"pdf-encrypted"}
    assert errors(run(tmp_path, data, allow_unsigned=True, password="wrong")) == {"pdf-encrypted"}
    assert run(tmp_path, data, allow_unsigned=True, password="s3cret-pw").verdict == "accepted"


def test_draft_package_is_refused(tmp_path, package_bytes):
    r = run(tmp_path, rewrite(package_bytes, manifest=lambda m: m.update(draft=True)), allow_unsigned=True)
    assert errors(r) == {"package-draft"}


def test_examination_leaves_no_temporary_files(tmp_path, package_bytes, monkeypatch):
    import tempfile

    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    path = tmp_path / "p.pdf"
    path.write_bytes(package_bytes)
    ex = examine(path, as_of=RECEIVED, allow_unsigned=True)
    assert ex.figures is not None and ex.rows == []        # no key given: no keyed rows
    assert list(private.iterdir()) == []


def test_receipt_json_has_the_documented_keys(tmp_path, signed):
    r = run(tmp_path, signed, receipt_dir=tmp_path / "receipts")
    data = json.loads((tmp_path / "receipts" / f"{r.receipt_no}.json").read_text(encoding="utf-8"))
    assert {"package", "sha256", "verdict", "figures", "findings", "receipt_no", "received", "applicant"} <= set(data)
    assert data["verdict"] == "accepted" and data["received"] == "2026-03-10"
    assert (tmp_path / "receipts" / f"{r.receipt_no}.pdf").read_bytes().startswith(b"%PDF-")


def test_signature_revision_that_also_edits_a_page_is_caught(tmp_path, package_bytes, signer):
    # The second signer rotates page 1 in the same revision in which it signs: no extra revision,
    # so only pyHanko's difference analysis can tell; the first seal must be reported.
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    fields = [f["name"] for f in manifest_of(package_bytes)["signature_fields"]]
    first = sign(package_bytes, signer[0], fields[:1])
    w = IncrementalPdfFileWriter(BytesIO(first))
    page_ref, _ = w.find_page_for_modification(0)
    page = page_ref.get_object()
    page["/Rotate"] = generic.NumberObject(90)
    w.update_container(page)
    out = BytesIO()
    signers.sign_pdf(w, signers.PdfSignatureMetadata(field_name=fields[1]), signer=signer[0], output=out,
                     existing_fields_only=True)
    r = run(tmp_path, sign(out.getvalue(), signer[0]))
    assert errors(r) == {"signature-modified-after", "form-page-differs"}   # the cover no longer looks as generated
    status = {s["field"]: s["status"] for s in r.signatures}
    assert status[fields[0]] == "modified"
    assert all(status[f] == "intact" for f in fields[1:])


def test_deadline_is_told_even_when_the_data_cannot_be_recomputed(tmp_path, package_bytes):
    m = manifest_of(package_bytes)
    roster = next(f["attachment"] for f in m["files"] if f["role"] == "roster")
    forged = rewrite(package_bytes, replace={roster: b"not a workbook"})
    r = run(tmp_path, forged, allow_unsigned=True, as_of=dt.date(2026, 5, 1))
    assert {"hash-mismatch", "recompute-failed", "deadline-passed"} <= errors(r)


# ---- 零工市场认定: no tables, nothing to recompute ------------------------------------------------

def test_signed_recognition_package_is_accepted_without_recomputation(tmp_path, signer):
    data = built_recognition_package()
    m = manifest_of(data)
    assert m["kind"] == "recognition" and {f["role"] for f in m["files"]} == {"application", "validation"}
    # figures may be null in a recognition manifest (nothing to recompute), not in the others
    assert parse_manifest(dict(m, figures=None), kinds.KINDS).figures is None
    with pytest.raises(ManifestError, match="figures"):
        parse_manifest(dict(manifest_of(built_package()), figures=None), kinds.KINDS)
    r = run(tmp_path, sign(data, signer[0]), trust=[str(signer[1])])
    assert r.verdict == "accepted", [f.message for f in r.findings]
    assert r.findings == [] and r.figures is None
    assert {s["status"] for s in r.signatures} == {"valid"}
    assert {s["field"] for s in r.signatures} >= {"seal_cover", "seal_checklist", "seal_report_recognition",
                                                  "sign_report_recognition"}


def test_recognition_package_still_checks_signatures_hashes_and_deadline(tmp_path):
    data = built_recognition_package()
    pre = run(tmp_path, data, allow_unsigned=True)
    assert pre.verdict == "accepted"
    assert [(f.code, f.severity) for f in pre.findings] == [("signature-missing", "warning")]
    late = run(tmp_path, data, allow_unsigned=True, as_of=dt.date(2026, 5, 1))
    assert errors(late) == {"deadline-passed"}
    forged = rewrite(data, replace={"application.yaml": b"applicant: forged\n"})
    assert errors(run(tmp_path, forged, allow_unsigned=True)) == {"hash-mismatch"}
    dropped = run(tmp_path, drop_material(data, "report_recognition"), allow_unsigned=True)
    assert "material-missing" in errors(dropped) and "figures-mismatch" not in errors(dropped)


# ---- the printed pages must show what the embedded data gives ----------------------------------

def test_swapped_roster_with_updated_manifest_is_caught_by_the_printed_pages(tmp_path, package_bytes):
    # a careful forger: a bigger 附件5, hashes and the manifest's 撮合个次 updated; 附件2, the
    # checklist and the printed 附件5 still show 1,000
    r = run(tmp_path, with_roster_rows(package_bytes, 1200), allow_unsigned=True)
    assert r.figures["match_count"] == 1200
    assert errors(r) == {"printed-figures-mismatch", "printed-rows-mismatch", "form-page-differs"}
    [rows] = [f.message for f in r.findings if f.code == "printed-rows-mismatch"]
    assert "有200行" in rows and "（未印出）" in rows            # the 200 added rows appear on no page
    printed = [f.message for f in r.findings if f.code == "printed-figures-mismatch"]
    assert any("附件2" in t and "为（页面上未找到）" in t and "为撮合服务1200个次" in t for t in printed)
    assert any("材料清单" in t and "为（页面上未找到）" in t and "为共1,200条" in t for t in printed)


def test_printed_demand_must_match(tmp_path, package_bytes):
    r = run(tmp_path, with_demand(package_bytes, 100), allow_unsigned=True)
    demand = [f.message for f in r.findings if f.code == "printed-figures-mismatch"]
    assert any("需求人数合计" in t and "为需求人数5000人" in t and "为需求人数100人" in t for t in demand)


def _exam(kind: str, **figures) -> Examination:
    from pathlib import Path

    ex = Examination(path=Path("p.pdf"), sha256="0" * 64, size=1)
    ex.kind, ex.figures = kind, figures
    return ex


def _printed_manifest(text: str | None = "撮合服务5200个次") -> object:
    data = {"format": "lingong-docs/manifest@1", "kind": "employment", "applicant": {}, "figures": {}, "pages": 3,
            "files": [], "signature_fields": [],
            "materials": [{"key": "report_employment", "title": "附件3", "first_page": 3, "last_page": 3}],
            "printed": [] if text is None else [{"material": "report_employment", "field": "match_count",
                                                  "text": text}]}
    return parse_manifest(data, kinds.KINDS)


def _match_findings(manifest, page_text: str) -> list[tuple[str, str]]:
    ex = _exam("employment", match_count=5200)
    ex.exact = {"employment_subsidy": "0.00"}
    check_printed(ex, ScanResult(texts={3: page_text}), manifest, TruthResult())
    return [(f.code, f.message) for f in ex.findings if "撮合个次" in f.message]


def test_printed_figures_are_the_recorded_text_found_on_the_recorded_pages():
    # found with separators and spaces as the text layer gives them
    assert _match_findings(_printed_manifest(), "年度内成功提供撮合服务 5,200 个次（明细见附件5）") == []
    # the text is not on the page
    [(code, shown)] = _match_findings(_printed_manifest(), "页面文字无法读取")
    assert code == "printed-figures-mismatch" and "为（页面上未找到）" in shown
    # the package recorded another figure than the recomputation gives
    [(code, shown)] = _match_findings(_printed_manifest("撮合服务9000个次"), "撮合服务9000个次")
    assert "为撮合服务9000个次" in shown and "为撮合服务5200个次" in shown
    # nothing recorded
    [(code, shown)] = _match_findings(_printed_manifest(None), "撮合服务5200个次")
    assert "为（材料包未记录）" in shown


# ---- policy file changed ------------------------------------------------------------------------

def test_policy_content_changed_under_the_same_version_is_said_plainly(tmp_path, package_bytes):
    forged = rewrite(package_bytes, manifest=lambda m: m["policy"].update(sha256="ab" * 32))
    r = run(tmp_path, forged, allow_unsigned=True)
    [f] = [f for f in r.findings if f.code == "policy-changed"]
    assert f.severity == "warning" and "政策文件内容已变更（版本号相同）" in f.message
    assert "abababababab" in f.message


def test_policy_of_another_version_names_both():
    ex = _exam("operating")
    _policy_changed(ex, {"id": "chaoyang-2024", "version": "2024.0", "sha256": "cd" * 32},
                    {"id": "chaoyang-2024", "version": "2024.1"}, "ef" * 32)
    [f] = ex.findings
    assert "chaoyang-2024 2024.0" in f.message and "chaoyang-2024 2024.1" in f.message
    assert "版本号相同" not in f.message
    same = _exam("operating")
    _policy_changed(same, {"id": "x", "version": "1", "sha256": "ef" * 32}, {"id": "x", "version": "1"}, "ef" * 32)
    assert same.findings == []


# ---- the printed 附件4/附件5 rows against the embedded workbooks ----------------------------------

def _with_roster_cell(data: bytes, row_index: int, key: str, value) -> bytes:
    """The package with one cell of the embedded 附件5 changed (hashes fixed: the printed page is not)."""
    import io

    from openpyxl import load_workbook

    from lingong_docs.core.tables import spec

    m = manifest_of(data)
    name = next(f["attachment"] for f in m["files"] if f["role"] == "roster")
    wb = load_workbook(io.BytesIO(attachments(data)[name]))
    ws = wb.worksheets[0]
    column = [c.key for c in spec("roster").columns].index(key) + 1
    first = next(r for r in range(1, 30) if ws.cell(r, 1).value == 1)          # the row of 序号 1
    ws.cell(first + row_index, column).value = value
    out = io.BytesIO()
    wb.save(out)
    return rewrite(data, replace={name: out.getvalue()}, fix_hashes=True), first + row_index


def test_a_printed_roster_row_differing_from_the_workbook_is_named_by_page_and_row(tmp_path, package_bytes):
    forged, excel_row = _with_roster_cell(package_bytes, 40, "pay", 920)
    r = run(tmp_path, forged, allow_unsigned=True)
    [f] = [f for f in r.findings if f.code == "printed-rows-mismatch"]
    assert f.severity == "error" and f"（表格第{excel_row}行）" in f.message and "附件5" in f.message
    assert "有1行" in f.message


def test_rows_are_compared_cell_by_cell_on_the_text_runs_as_printed():
    import datetime as dt

    from lingong_docs.core.model import Record, Table
    from lingong_docs.core.tables import spec
    from lingong_docs.intake.rows import compare

    def person(seq, name, ident, phone, day, pay):
        start = dt.datetime(2025, 8 + seq - 32, 3, 9)
        return {"seq": seq, "name": name, "id_number": ident, "phone": phone, "place": "朝阳区望京物流园 分拣员",
                "start": start, "end": start + dt.timedelta(hours=9), "hours": 8, "pay": Decimal(pay), "method": "银行转账"}

    values = [person(32, "张二明", "110105198001150318", "13900000031", 3, "224"),
              person(33, "张三明", "110105198001150326", "13900000032", 3, "320")]
    table = Table(kind="roster", path=Path("roster.xlsx"), sheet="Sheet1", header_row=5, columns={},
                  records=[Record(row=40 + i, values=v) for i, v in enumerate(values)])
    # where LibreOffice prints them on a landscape page (x, y of the baseline, font size, text)
    header = [[54.7, 470.6, 8.4, "序号"], [90.9, 470.6, 8.4, "姓名"], [152.2, 470.6, 8.4, "身份证号"],
              [233.6, 470.6, 8.4, "联系方式"], [319.4, 470.6, 8.4, "工作地点岗位"], [422.8, 470.6, 8.4, "任务开始时间"],
              [505.4, 470.6, 8.4, "任务完成时间"], [573.2, 470.6, 8.4, "工作时长"], [612.9, 476.7, 8.4, "实际结算报"],
              [629.7, 464.5, 8.4, "酬"], [663.6, 470.6, 8.4, "支付方式"], [739.1, 470.6, 8.4, "备注"]]

    def row(y, seq, name, ident, phone, month, pay, place=("朝阳区望京物流园 分拣员",)):
        runs = [[60.8, y, 8.4, seq], [79.5, y, 8.4, name], [128.8, y, 8.4, ident], [224.9, y, 8.4, phone],
                [414.8, y, 8.4, f"2025-{month:02d}-03 09:00"], [497.8, y, 8.4, f"2025-{month:02d}-03 18:00"],
                [595.2, y, 8.4, "8.0"], [632.7, y, 8.4, pay], [660.6, y, 8.4, "银行转账"]]
        return runs + [[283.5, y + 3 - 6 * i, 8.4, part] for i, part in enumerate(place)]

    row32 = row(451.8, "32", "张二明", "110105198001150318", "13900000031", 8, "224.00", ("朝阳区望京物流园", "分拣员"))
    row33 = row(439.2, "33", "张三明", "110105198001150326", "13900000032", 9, "320.00")
    good = header + row32 + row33
    assert compare(table, "roster", {7: good}, complete=True) == []
    assert compare(table, "roster", {7: [[*r[:3], r[3].replace("224.00", "924.00")] for r in good]}, complete=True) == [(7, 40)]
    assert compare(table, "roster", {7: good + [[597.0, 451.8, 8.4, "9"]]}, complete=True) == [(7, 40)]   # laid over
    assert compare(table, "roster", {7: [[*r[:3], r[3].replace("张三明", "李四")] for r in good]}, complete=True) == [(7, 41)]
    assert compare(table, "roster", {7: header + row33}, complete=True) == [(0, 40)]     # row not printed
    assert compare(table, "roster", {7: header + row33}, complete=False) == []          # other pages unread
    assert compare(table, "roster", {7: row32 + row33}, complete=False) == [(7, 0)]     # no column headers
    assert spec("roster").column("pay").type == "number"


def test_a_removed_checklist_page_leads_with_one_plain_finding(tmp_path, package_bytes):
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(package_bytes)))
    writer.remove_page(1)                                 # the checklist; its bookmark now points nowhere
    out = io.BytesIO()
    writer.write(out)
    r = run(tmp_path, out.getvalue(), allow_unsigned=True)
    assert errors(r) == {"checklist-missing"}
    assert r.findings[0].code == "checklist-missing" and "不再逐项列出" in r.findings[0].message
    assert "第?页" not in " ".join(f.message for f in r.findings)
