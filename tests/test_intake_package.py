"""Intake of real built packages: the genuine one is accepted, each kind of tampering is caught."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from test_intake_support import (RECEIVED, append_revision, attachments, built_package, drop_material,
                                 encrypted, flip_byte_in_signed_range, make_signer, manifest_of, package_bytes,
                                 rewrite, sign, with_demand)

from lingong_docs.intake import examine, intake
from lingong_docs.intake.receipt import receipt_number

_ = package_bytes     # the session fixture, imported for pytest


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


def test_signed_package_is_accepted_with_the_recomputed_figures(tmp_path, signed):
    r = run(tmp_path, signed)
    assert r.verdict == "accepted", [f.message for f in r.findings]
    assert r.findings == []
    assert r.kind == "operating" and r.year == 2025
    assert r.applicant == {"name": "北京示例人力资源有限公司", "uscc": "91110105MA01ABCD39",
                           "market": "朝阳区示例零工驿站"}
    assert r.figures["amount"] == "200000.00" and r.figures["amount_upper"] == "贰拾万元整"
    assert r.figures["match_count"] == 1000 and r.figures["demand_total"] == 5000
    assert {s["status"] for s in r.signatures} == {"valid"}
    assert r.receipt_no == receipt_number(r.sha256)


def test_unsigned_package_is_rejected_unless_allowed(tmp_path, package_bytes):
    r = run(tmp_path, package_bytes)
    assert errors(r) == {"signature-missing"}
    fields = [f["name"] for f in manifest_of(package_bytes)["signature_fields"]]
    missing = next(f for f in r.findings if f.code == "signature-missing")
    assert all(name in missing.message for name in fields)
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
    assert errors(r) == {"signature-modified-after"}
    status = {s["field"]: s["status"] for s in r.signatures}
    assert status[fields[0]] == "modified"
    assert all(status[f] == "valid" for f in fields[1:])


def test_deadline_is_told_even_when_the_data_cannot_be_recomputed(tmp_path, package_bytes):
    m = manifest_of(package_bytes)
    roster = next(f["attachment"] for f in m["files"] if f["role"] == "roster")
    forged = rewrite(package_bytes, replace={roster: b"not a workbook"})
    r = run(tmp_path, forged, allow_unsigned=True, as_of=dt.date(2026, 5, 1))
    assert {"hash-mismatch", "recompute-failed", "deadline-passed"} <= errors(r)
