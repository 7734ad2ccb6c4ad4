"""Attacks on sealed packages that keep every seal intact: a form field filled in the last seal's
revision (shadow attack), a 签字 by another organisation's certificate, loose certificate
identities, a validation-data revision that also edits the metadata. Each on a real sealed package."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers.apps import USCC
from helpers.intake import (
    OTHER_USCC,
    RECEIVED,
    built_package,
    make_ca,
    make_signer,
    make_tsa,
    manifest_of,
    message,
    seal_codes,
    sign,
)
from helpers.sm2 import issue, make_root

from lingong_docs.intake.examine.signatures import identity_match
from lingong_docs.intake.service import intake

NAME = "北京示例人力资源有限公司"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("attack-pki")
    ca = make_ca(folder)
    return {"ca": ca, "own": make_signer(folder / "own", ca=ca)[0], "folder": folder,
            "tsa": make_tsa(folder / "tsa", ca)}


def run(tmp_path: Path, data: bytes, pki, **kw):
    path = tmp_path / "attack.pdf"
    path.write_bytes(data)
    kw.setdefault("as_of", RECEIVED)
    kw.setdefault("trust", [str(pki["ca"][2])])
    [receipt] = intake([path], **kw)
    return receipt


def codes(receipt) -> set[str]:
    return {code for code, severity in seal_codes(receipt) if severity == "error"}


# ---- the shadow attack: a text field placed before sealing, filled with the last seal --------

def with_text_field(data: bytes, *, page: int = 2, name: str = "amount") -> bytes:
    """The package with an (empty) text field on ``page`` — made before sealing, so the first
    revision already holds it (the applicant controls every byte before the seals)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    target = writer.pages[page]
    field = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject(name),
        NameObject("/F"): NumberObject(4), NameObject("/P"): target.indirect_reference,
        NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (300, 600, 420, 630)]),
    })
    ref = writer._add_object(field)
    target[NameObject("/Annots")].append(ref)
    writer.root_object["/AcroForm"].get_object()["/Fields"].append(ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sign_last_filling(data: bytes, signer, last: str, *, name: str = "amount", text: str = "9840") -> bytes:
    """Seal ``last`` in a revision that also fills text field ``name`` with ``text`` (value and
    appearance): pyHanko rates it form filling, every seal stays intact."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    w = IncrementalPdfFileWriter(io.BytesIO(data))
    [ref] = [f for f in w.root["/AcroForm"]["/Fields"] if f.get_object().get("/T") == name]
    field = ref.get_object()
    font = w.add_object(generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Font"), generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
        generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica")}))
    appearance = generic.StreamObject({
        generic.pdf_name("/Type"): generic.pdf_name("/XObject"), generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
        generic.pdf_name("/BBox"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 120, 30)]),
        generic.pdf_name("/Resources"): generic.DictionaryObject({generic.pdf_name("/Font"): generic.DictionaryObject(
            {generic.pdf_name("/F1"): font})})}, stream_data=f"BT /F1 24 Tf 4 6 Td ({text}) Tj ET".encode())
    field[generic.pdf_name("/V")] = generic.TextStringObject(text)
    field[generic.pdf_name("/AP")] = generic.DictionaryObject({generic.pdf_name("/N"): w.add_object(appearance)})
    w.update_container(field)
    out = io.BytesIO()
    signers.PdfSigner(signers.PdfSignatureMetadata(field_name=last), signer=signer).sign_pdf(
        w, output=out, existing_fields_only=True)
    return out.getvalue()


def test_a_text_field_filled_with_the_last_seal_is_a_change_to_a_sealed_page(tmp_path, pki):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    base = with_text_field(built_package())
    names = [f["name"] for f in manifest_of(base)["signature_fields"]]
    data = sign_last_filling(sign(base, pki["own"], names[:-1]), pki["own"], names[-1])
    first = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    assert validate_pdf_signature(first).modification_level.name == "FORM_FILLING"      # pyHanko lets it pass
    r = run(tmp_path, data, pki)
    assert r.verdict == "rejected"
    assert {"form-field-present", "signature-modified-after"} <= codes(r)
    assert "第3页" in message(r, "form-field-present") and "amount" in message(r, "form-field-present")


def test_a_text_field_is_refused_even_when_nobody_filled_it(tmp_path, pki):
    r = run(tmp_path, sign(with_text_field(built_package()), pki["own"]), pki)
    assert r.verdict == "rejected" and codes(r) == {"form-field-present"}
    assert {s["status"] for s in r.signatures} == {"valid"}


# ---- who may seal and sign ----------------------------------------------------------------

def test_a_signature_by_another_organisations_certificate_is_rejected(tmp_path, pki):
    other = make_signer(pki["folder"] / "other", uscc=OTHER_USCC, organization="北京另一家人力资源有限公司",
                        ca=pki["ca"])[0]
    pkg = built_package()
    fields = manifest_of(pkg)["signature_fields"]
    seals = [f["name"] for f in fields if f["role"] == "seal"]
    signs = [f["name"] for f in fields if f["role"] == "signature"]
    r = run(tmp_path, sign(sign(pkg, pki["own"], seals), other, signs), pki)
    assert r.verdict == "rejected" and codes(r) == {"signature-signer-other-organisation"}
    assert f"以下{len(signs)}处签字" in message(r, "signature-signer-other-organisation")
    # a person's own certificate (no organisation named) may sign
    person = make_signer(pki["folder"] / "person", name="李法人", uscc=None, organization=None, ca=pki["ca"])[0]
    assert run(tmp_path, sign(sign(pkg, pki["own"], seals), person, signs), pki).verdict == "accepted"


@pytest.mark.parametrize(("identity", "expected"), [
    ({"serial_number": [USCC]}, "uscc"),
    ({"organizational_unit_name": [USCC], "organization_name": [NAME]}, "uscc"),
    ({"organization_identifier": [f"NTRCN-{USCC}"]}, "uscc"),
    ({"extension": [USCC]}, "uscc"),
    ({"organization_name": [NAME]}, "name"),
    ({"common_name": [NAME]}, "name"),
    ({"common_name": [f"另一家公司受{USCC}委托"]}, "mismatch"),             # a USCC inside a longer text
    ({"organization_name": [NAME], "serial_number": [OTHER_USCC]}, "mismatch"),   # right name, other USCC
    ({"serial_number": [USCC], "organizational_unit_name": [OTHER_USCC]}, "mismatch"),
    ({"organization_name": [NAME + "分公司"]}, "mismatch"),
    ({"serial_number": ["11010519491231002X"], "common_name": ["张三"]}, "mismatch"),    # a person's ID is no USCC
])
def test_identity_is_exact(identity, expected):
    assert identity_match(identity, USCC, NAME) == expected


def test_a_certificate_with_the_right_name_but_another_uscc_is_a_mismatch(tmp_path, pki):
    look_alike = make_signer(pki["folder"] / "alike", uscc=OTHER_USCC, organization=NAME, ca=pki["ca"])[0]
    r = run(tmp_path, sign(built_package(), look_alike), pki)
    assert r.verdict == "rejected" and "signature-signer-mismatch" in codes(r)


def test_a_certificate_naming_the_applicant_without_any_uscc_is_accepted_with_a_warning(tmp_path, pki):
    named = make_signer(pki["folder"] / "named", uscc=None, organization=NAME, ca=pki["ca"])[0]
    r = run(tmp_path, sign(built_package(), named), pki)
    assert r.verdict == "accepted"
    assert ("signature-signer-name-only", "warning") in {(f.code, f.severity) for f in r.findings}


def test_the_uscc_in_a_chinese_enterprise_certificate_extension_is_the_identity(tmp_path):
    from asn1crypto import core

    ca, root = make_root(tmp_path / "sm2")
    # GM/T 0015 extension (here 1.2.156.10260.4.1.4) holding the USCC; no USCC in the subject
    ext = {"extn_id": "1.2.156.10260.4.1.4", "critical": False, "extn_value": core.ParsableOctetString(core.PrintableString(USCC).dump())}
    seal = issue(ca, uscc=None, organization="示例印章", extensions=[ext])
    r = intake([_write(tmp_path, seal.seal(built_package()))], as_of=RECEIVED, trust=[str(root)])[0]
    assert r.verdict == "accepted" and codes(r) == set()
    assert {s["status"] for s in r.signatures} == {"valid"}


def _write(folder: Path, data: bytes) -> Path:
    path = folder / "p.pdf"
    path.write_bytes(data)
    return path


# ---- a validation-data revision may add validation data only -------------------------------

def dss_with_metadata_edit(data: bytes, ca) -> bytes:
    """Add a DSS revision (PAdES-B-LT) that also changes the document's title in /Info."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    last = PdfFileReader(io.BytesIO(data)).embedded_signatures[-1]
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    DocumentSecurityStore.supply_dss_in_writer(w, last.pkcs7_content, certs=[load_cert_from_pemder(str(ca[2]))])
    info = w.trailer["/Info"].get_object()
    info[generic.pdf_name("/Title")] = generic.TextStringObject("2025年度运营经费补贴申请材料（已修改）")
    w.update_container(info)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_a_dss_revision_that_also_edits_the_metadata_is_a_modification(tmp_path, pki):
    data = dss_with_metadata_edit(sign(built_package(), pki["own"]), pki["ca"])
    r = run(tmp_path, data, pki)
    assert r.verdict == "rejected" and "signature-modified-after" in codes(r)
    # the same DSS revision without the edit is validation data, and accepted
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import add_validation_info
    from pyhanko_certvalidator import ValidationContext

    signed = sign(built_package(), pki["own"])
    vc = ValidationContext(trust_roots=[load_cert_from_pemder(str(pki["ca"][2]))], allow_fetching=False)
    plain = add_validation_info(PdfFileReader(io.BytesIO(signed)).embedded_signatures[-1], vc).getvalue()
    assert run(tmp_path, plain, pki).verdict == "accepted"

