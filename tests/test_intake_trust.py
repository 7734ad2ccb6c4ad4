"""Who signed, and is that certificate trusted: statuses say what was checked; a seal must be the
applicant's; long-term signatures (DSS, document timestamps) pass; unsupported algorithms are named."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.intake import (
    OTHER_USCC,
    built_package,
    make_ca,
    make_long_term,
    make_signer,
    make_tsa,
    manifest_of,
    run,
    sign,
)
from helpers.intake import seal_codes as codes

from lingong_docs.intake.service import intake


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    ca = make_ca(folder)
    own = make_signer(folder / "own", ca=ca)[0]
    other = make_signer(folder / "other", uscc=OTHER_USCC, organization="北京另一家人力资源有限公司", ca=ca)[0]
    return {"ca": ca, "own": own, "other": other, "tsa": make_tsa(folder / "tsa", ca), "folder": folder}


def test_a_chain_to_a_configured_root_is_valid_without_it_only_intact(tmp_path, pki):
    signed = sign(built_package(), pki["own"])
    trusted = run(tmp_path, signed, trust=[str(pki["ca"][2])])
    assert trusted.verdict == "accepted" and codes(trusted) == []
    assert {s["status"] for s in trusted.signatures} == {"valid"}
    assert {s["issuer"] for s in trusted.signatures} == {"Test Root CA"}
    assert all(s["signing_time"] and "页" in s["place"] and "seal_" not in s["place"] for s in trusted.signatures)
    unchecked = run(tmp_path, signed)
    assert codes(unchecked) == [("signature-trust-unchecked", "warning")]
    assert {s["status"] for s in unchecked.signatures} == {"intact"}


def test_the_trust_folder_is_configured_once(tmp_path, pki, monkeypatch):
    roots = tmp_path / "roots"
    roots.mkdir()
    roots.joinpath("root.pem").write_bytes(pki["ca"][2].read_bytes())
    monkeypatch.setenv("LINGONG_TRUST_DIR", str(roots))
    r = run(tmp_path, sign(built_package(), pki["own"]))
    assert codes(r) == [] and {s["status"] for s in r.signatures} == {"valid"}


def test_another_companys_seal_under_the_same_root_is_rejected(tmp_path, pki):
    r = run(tmp_path, sign(built_package(), pki["other"]), trust=[str(pki["ca"][2])])
    assert r.verdict == "rejected"
    # the seals are not the applicant's, and a 签字 by a certificate naming another company is refused too
    assert codes(r) == [("signature-signer-mismatch", "error"), ("signature-signer-other-organisation", "error")]
    seals = [f for f in manifest_of(built_package())["signature_fields"] if f["role"] == "seal"]
    mismatch = next(f.message for f in r.findings if f.code == "signature-signer-mismatch")
    assert f"以下{len(seals)}个电子印章" in mismatch


def test_a_seal_outside_the_configured_roots_is_untrusted_and_not_shown_as_valid(tmp_path, pki):
    stranger = make_signer(pki["folder"] / "stranger")[0]                # self-signed, same names
    r = run(tmp_path, sign(built_package(), stranger), trust=[str(pki["ca"][2])], receipt_dir=tmp_path / "回执")
    assert codes(r) == [("signature-untrusted", "error")]
    assert {s["status"] for s in r.signatures} == {"untrusted"}
    from pypdf import PdfReader

    text = "".join("".join(p.extract_text() for p in PdfReader(tmp_path / "回执" / f"{r.receipt_no}.pdf").pages).split())
    assert "证书不受信任" in text and "有效" not in text


def test_long_term_validation_data_and_a_document_timestamp_are_accepted(tmp_path, pki):
    data = make_long_term(sign(built_package(), pki["own"]), pki["ca"], pki["tsa"])
    r = run(tmp_path, data, trust=[str(pki["ca"][2])])
    assert r.verdict == "accepted" and codes(r) == []
    [stamp] = [s for s in r.signatures if s["kind"] == "timestamp"]
    assert stamp["status"] == "valid" and stamp["timestamp"] and stamp["place"] == "文档时间戳"
    assert {s["status"] for s in r.signatures if s["kind"] == "signature"} == {"valid"}


def test_a_revoked_certificate_is_refused_when_the_file_carries_the_crl(tmp_path, pki):
    # PAdES-B-LT: the DSS holds the CA's CRL, which revokes the seal certificate an hour ago
    from asn1crypto import crl as crls
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from helpers.sm2 import with_validation_data

    seal, cert_path = make_signer(pki["folder"] / "revoked", ca=pki["ca"], crl_url="http://crl.example.invalid/ca.crl")
    now = dt.datetime.now(dt.UTC)
    revoked = (x509.RevokedCertificateBuilder().serial_number(seal.signing_cert.serial_number)
               .revocation_date(now - dt.timedelta(hours=1)).build())
    crl = (x509.CertificateRevocationListBuilder().issuer_name(pki["ca"][1].subject)
           .last_update(now - dt.timedelta(hours=2)).next_update(now + dt.timedelta(days=7))
           .add_revoked_certificate(revoked).sign(pki["ca"][0], hashes.SHA256()))
    ca_cert = seal.cert_registry.retrieve_by_name(seal.signing_cert.issuer)
    data = with_validation_data(sign(built_package(), seal), list(ca_cert),
                                crls=(crls.CertificateList.load(crl.public_bytes(serialization.Encoding.DER)),))
    r = run(tmp_path, data, trust=[str(pki["ca"][2])])
    assert r.verdict == "rejected" and codes(r) == [("signature-revoked", "error")]
    assert {s["status"] for s in r.signatures} == {"revoked"} and cert_path.is_file()


def test_an_algorithm_the_verifier_lacks_is_named_not_called_broken(tmp_path, pki):
    # the SignerInfo's ecdsa-with-SHA256 replaced by SM2-with-SM3 (same DER length, outside the signed range)
    pkg = built_package()
    first = manifest_of(pkg)["signature_fields"][0]["name"]
    data = sign(pkg, pki["own"], [first])
    ecdsa, sm2 = b"2A8648CE3D040302", b"2A811CCF55018375"
    i = data.rfind(ecdsa)
    assert i > 0
    r = run(tmp_path, data[:i] + sm2 + data[i + len(ecdsa):], allow_unsigned=True)
    assert ("signature-algorithm-unsupported", "error") in codes(r)
    assert "signature-broken" not in {c for c, _ in codes(r)}
    assert {s["status"] for s in r.signatures if s["field"] == first} == {"unsupported"}


def test_a_signature_by_someone_else_than_the_legal_representative_is_a_warning(tmp_path, pki):
    from helpers.intake import attachments, rewrite

    pkg = built_package()
    app = attachments(pkg)["application.yaml"].decode().replace('法定代表人: ""', '法定代表人: "李法人"')
    with_rep = rewrite(pkg, replace={"application.yaml": app.encode()}, fix_hashes=True)
    # the file was edited after the build, so the cover does not print the 法定代表人 a build from it
    # prints: the forms' comparison (test_intake_forms) is off here, this test is about the signer
    from lingong_docs.intake.sandbox import Limits

    r = run(tmp_path, sign(with_rep, pki["own"]), trust=[str(pki["ca"][2])],      # signed as "Test Seal"
            limits=Limits(max_form_pages=0))
    assert r.verdict == "accepted"
    assert codes(r) == [("signature-signer-not-representative", "warning")]
    from lingong_docs.core import manifest as contract

    signs = [f for f in manifest_of(pkg)["signature_fields"]     # where the form asks for the 法定代表人
             if f["role"] == "signature" and contract.signer_title(f["material"]) == "法定代表人"]
    text = next(f.message for f in r.findings if f.code == "signature-signer-not-representative")
    assert f"以下{len(signs)}处签字" in text and "李法人" not in text


def test_a_trust_file_that_is_no_certificate_is_the_bureaus_error_not_the_packages(pki, tmp_path):
    from lingong_docs.core.errors import IntakeError

    junk = tmp_path / "根证书.pem"
    junk.write_text("not a certificate\n", encoding="utf-8")
    package = tmp_path / "p.pdf"
    package.write_bytes(built_package())
    with pytest.raises(IntakeError) as refused:
        intake([package], trust=[str(junk)], record=False)
    assert refused.value.code == "trust-file-invalid" and "根证书.pem" in refused.value.message
    folder = tmp_path / "roots"          # a folder may hold key files beside its roots: they are skipped
    folder.mkdir()
    (folder / "ca.pem").write_bytes(pki["ca"][2].read_bytes())
    (folder / "seal.key.pem").write_bytes(next(pki["folder"].glob("own/*.key.pem")).read_bytes())
    assert run(tmp_path, built_package(), trust=[str(folder)], allow_unsigned=True).verdict == "accepted"


def test_a_seal_made_before_its_certificate_expired_is_checked_at_the_document_timestamps_time(tmp_path):
    import datetime as dt

    folder = tmp_path / "lta"
    now = dt.datetime.now(dt.UTC)
    ca = make_ca(folder, since_days=500)
    old = make_signer(folder / "old", ca=ca, valid=(now - dt.timedelta(days=100), now - dt.timedelta(days=30)))[0]
    signed = sign(built_package(), old)
    # without long-term data the expired certificate is checked today: not trusted
    assert codes(run(tmp_path, signed, trust=[str(ca[2])])) == [("signature-untrusted", "error")]
    then = (now - dt.timedelta(days=45)).replace(microsecond=0)
    data = make_long_term(signed, ca, make_tsa(folder / "tsa", ca, since_days=500), at=then)
    r = run(tmp_path, data, trust=[str(ca[2])])
    assert r.verdict == "accepted" and codes(r) == []
    seals = [s for s in r.signatures if s["kind"] == "signature"]
    assert {s["status"] for s in seals} == {"valid"}
    assert {s["checked_at_source"] for s in seals} == {"timestamp"}
    assert {dt.datetime.fromisoformat(s["checked_at"]) for s in seals} == {then}

