"""Where a package must be sealed comes from intake's own knowledge (policy materials and the
build's field names), not from the manifest; nothing may be added to the file after it was built."""

from __future__ import annotations

from io import BytesIO

from helpers.intake import (  # noqa: F401 (the fixtures)
    add_stamped_field,
    add_text_annotation,
    errors,
    manifest_of,
    message,
    move_field,
    run,
    sign,
    signed_fixture,
    signer_fixture,
    without_signature_fields,
)

from lingong_docs.core.manifest import required_places
from lingong_docs.core.policy import policy_for
from lingong_docs.intake.examine.signatures import place_of


def test_required_places_follow_the_policy_materials_and_the_naming_convention():
    policy = policy_for(2025)
    materials = {kind: [policy.material(k) for k in policy.materials(kind)] for kind in policy.package_materials}
    assert required_places(materials["employment"]) == [
        ("seal", "cover"), ("seal", "checklist"), ("seal", "report_employment"), ("signature", "report_employment"),
        ("seal", "roster")]
    assert ("seal", "job_posts") in required_places(materials["operating"])
    assert required_places(materials["recognition"])[-1] == ("signature", "report_recognition")
    assert place_of("seal_roster_2", ["roster"]) == ("seal", "roster")
    assert place_of("sign_report_operating", ["report_operating"]) == ("signature", "report_operating")
    assert place_of("overlay", ["roster"]) is None and place_of("seal_roster_x", ["roster"]) is None


def test_manifest_listing_no_fields_does_not_make_an_unsigned_package_acceptable(tmp_path, package_bytes):
    forged = without_signature_fields(package_bytes, listed=True)      # the fields stay in the file
    assert manifest_of(forged)["signature_fields"] == []
    r = run(tmp_path, forged)
    assert r.verdict == "rejected"
    assert errors(r) == {"signature-missing", "signature-fields-mismatch"}
    missing = message(r, "signature-missing")
    assert "封面盖章、" in missing and "附件5 撮合服务成功人员花名册签字" in missing
    assert "seal_" not in missing and "sign_" not in missing        # places by their Chinese names
    assert "文件中有而清单未列出10处" in message(r, "signature-fields-mismatch")
    # even in a pre-check the disagreement stays an error
    assert errors(run(tmp_path, forged, allow_unsigned=True)) == {"signature-fields-mismatch"}


def test_stripped_acroform_and_empty_manifest_list_is_rejected_even_in_a_precheck(tmp_path, package_bytes):
    forged = without_signature_fields(package_bytes)
    r = run(tmp_path, forged, allow_unsigned=True)
    assert r.verdict == "rejected" and errors(r) == {"signature-field-missing"}
    text = message(r, "signature-field-missing")
    assert "6处" in text
    for name in ("封面盖章", "材料清单盖章", "附件2 运营经费补贴申请报告盖章", "附件2 运营经费补贴申请报告签字",
                 "附件4 发布岗位任务明细表盖章", "附件5 撮合服务成功人员花名册盖章"):
        assert name in text


def test_one_required_place_removed_from_file_and_manifest_is_named(tmp_path, package_bytes):
    r = run(tmp_path, without_signature_fields(package_bytes, ["seal_checklist"]), allow_unsigned=True)
    assert errors(r) == {"signature-field-missing"}
    assert "材料清单盖章" in message(r, "signature-field-missing")
    assert "1处" in message(r, "signature-field-missing")


def test_signature_field_appended_after_signing_is_rejected(tmp_path, signed, signer):
    # pyHanko sees the new field as form filling: every seal stays valid, the stamp paints a claim
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    shadowed = add_stamped_field(signed, signer)
    first = PdfFileReader(BytesIO(shadowed)).embedded_signatures[0]
    assert validate_pdf_signature(first).modification_level.name == "FORM_FILLING"
    r = run(tmp_path, shadowed)
    assert r.verdict == "rejected"
    assert errors(r) == {"signature-field-added", "signature-unexpected"}
    assert "第3页" in message(r, "signature-field-added") and "overlay" in message(r, "signature-field-added")
    assert "overlay" in message(r, "signature-unexpected")
    status = {s["field"]: s["status"] for s in r.signatures}
    assert status["overlay"] == "intact" and status["seal_cover"] == "intact"     # no trust root configured


def test_annotation_added_before_sealing_is_rejected(tmp_path, package_bytes, signer):
    # an editor adds a text box in an incremental revision, then every place is sealed over it:
    # the seals cover the change, only the comparison with the first revision tells
    r = run(tmp_path, sign(add_text_annotation(package_bytes), signer))
    assert {s["status"] for s in r.signatures} == {"intact"}
    assert errors(r) == {"signature-field-added", "page-drawing-added"}     # the tool makes no FreeText
    assert "第3页文字批注" in message(r, "signature-field-added")
    assert "第3页" in message(r, "page-drawing-added") and "FreeText" in message(r, "page-drawing-added")


def test_seal_box_enlarged_before_sealing_is_rejected(tmp_path, package_bytes, signer):
    r = run(tmp_path, sign(move_field(package_bytes, "seal_report_operating"), signer))
    assert {s["status"] for s in r.signatures} == {"intact"}
    assert errors(r) == {"signature-field-moved"}
    assert "第3页" in message(r, "signature-field-moved") and "seal_report_operating" in message(r, "signature-field-moved")


def test_signed_package_has_no_signature_findings(tmp_path, signed):
    r = run(tmp_path, signed)
    # without a configured trust root the seals are intact, not verified: said once, as a warning
    assert r.verdict == "accepted" and [(f.code, f.severity) for f in r.findings if f.code.startswith("signature")] == [
        ("signature-trust-unchecked", "warning")]


def test_a_paper_edition_says_what_it_is_instead_of_listing_unsigned_places(tmp_path, package_bytes):
    from helpers.intake import rewrite

    # as ``build --paper`` makes it: no signature fields at all, the manifest says "paper"
    paper = rewrite(without_signature_fields(package_bytes), manifest=lambda m: m.update(edition="paper"))
    r = run(tmp_path, paper, allow_unsigned=True)
    assert [(f.code, f.severity) for f in r.findings] == [("package-paper-edition", "error")]
    assert "纸质版" in next(f.message for f in r.findings if f.code == "package-paper-edition")
