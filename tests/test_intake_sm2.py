"""SM2/SM3 seals (Chinese e-seals) are verified like RSA ones, in both CMS OID families, with and
without signed attributes; the SM2 arithmetic agrees with OpenSSL's; statuses stay honest."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers.intake import OTHER_USCC, built_package, flip_byte_in_signed_range, make_ca, make_tsa, manifest_of, run
from helpers.intake import seal_codes as codes
from helpers.sm2 import (
    crl,
    document_timestamp,
    expired,
    issue,
    make_root,
    ocsp_response,
    pem,
    sm2_document_timestamp,
    tool,
    with_validation_data,
)

from lingong_docs.intake import sm2

DISTID = "distid:1234567812345678"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sm2pki")
    ca, root = make_root(folder)
    return {"ca": ca, "root": root, "own": issue(ca), "folder": folder}


@pytest.fixture(scope="module")
def sealed(pki) -> bytes:
    """Every place sealed with the applicant's SM2 certificate: PKCS#7 OIDs, signed attributes."""
    return pki["own"].seal(built_package())


def _openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    assert shutil.which("openssl"), "the openssl command is needed to cross-check SM2"
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_sm3_is_openssls_and_gives_the_standard_vector():
    assert sm2.sm3_available()
    assert sm2.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm2_signatures_and_certificates_agree_with_openssl(tmp_path, pki):
    private = sm2.new_private_key()
    (tmp_path / "k.pem").write_bytes(tool.private_key_pem(private))
    (tmp_path / "m").write_bytes(b"2025 operating subsidy")
    (tmp_path / "ours.sig").write_bytes(sm2.sign(private, b"2025 operating subsidy"))
    assert _openssl("pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem", cwd=tmp_path).returncode == 0
    verify = ("pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3", "-in", "m",
              "-pkeyopt", DISTID)
    assert "Verified Successfully" in _openssl(*verify, "-sigfile", "ours.sig", cwd=tmp_path).stdout
    signed = _openssl("pkeyutl", "-sign", "-inkey", "k.pem", "-rawin", "-digest", "sm3", "-in", "m",
                      "-pkeyopt", DISTID, "-out", "theirs.sig", cwd=tmp_path)
    assert signed.returncode == 0, signed.stderr
    theirs = (tmp_path / "theirs.sig").read_bytes()
    point = sm2.public_point(private)
    assert sm2.verify(point, b"2025 operating subsidy", theirs)
    assert not sm2.verify(point, b"2025 operating subsidy!", theirs)
    assert not sm2.verify(point, b"2025 operating subsidy", theirs, uid=b"")      # the Z value counts
    # a certificate issued here verifies under OpenSSL, and one OpenSSL issues verifies here
    (tmp_path / "root.pem").write_bytes(pki["root"].read_bytes())
    (tmp_path / "seal.pem").write_bytes(pem(pki["own"].cert))
    checked = _openssl("verify", "-vfyopt", DISTID, "-CAfile", "root.pem", "seal.pem", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    made = _openssl("req", "-x509", "-new", "-key", "k.pem", "-sm3", "-subj", "/CN=OpenSSL SM2", "-days", "5",
                    "-sigopt", DISTID, "-out", "openssl.pem", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    [cert] = tool.load_certificates(tmp_path / "openssl.pem")
    assert sm2.key_point(cert["tbs_certificate"]["subject_public_key_info"]) == point
    assert sm2.certificate_signed_by(cert, cert)
    assert not sm2.certificate_signed_by(pki["own"].cert, cert)


def test_the_applicants_sm2_seals_under_a_trusted_root_are_valid(tmp_path, pki, sealed):
    r = run(tmp_path, sealed, trust=[str(pki["root"])], receipt_dir=tmp_path / "回执")
    assert codes(r) == [] and r.verdict == "accepted"
    assert {(s["status"], s["algorithm"]) for s in r.signatures} == {("valid", "SM2")}
    assert {s["issuer"] for s in r.signatures} == {"测试电子认证服务机构"}
    assert "北京示例人力资源有限公司电子印章" in {s["signer"] for s in r.signatures}
    assert all(s["signing_time"] and s["checked_at_source"] == "now" for s in r.signatures)
    from pypdf import PdfReader

    pages = PdfReader(tmp_path / "回执" / f"{r.receipt_no}.pdf").pages
    text = "".join("".join(p.extract_text() for p in pages).split())
    assert "SM2" in text and "算法" in text and "有效（证书可信）" in text


def test_gb_oids_the_key_oid_and_no_signed_attributes_are_verified_too(tmp_path, pki):
    data = pki["own"].seal(built_package(), family="gb", signature_oid=sm2.SM2_KEY, signed_attributes=False)
    contents = _first_contents(data)
    assert sm2.signed_data_of(contents)[0] == sm2.GB_SIGNED
    r = run(tmp_path, data, trust=[str(pki["root"])])
    assert r.verdict == "accepted" and codes(r) == []
    assert {(s["status"], s["algorithm"]) for s in r.signatures} == {("valid", "SM2")}


def test_without_a_root_sm2_seals_are_intact_with_the_trust_warning(tmp_path, sealed):
    r = run(tmp_path, sealed)
    assert r.verdict == "accepted" and codes(r) == [("signature-trust-unchecked", "warning")]
    assert {s["status"] for s in r.signatures} == {"intact"}


def test_another_companys_sm2_seal_is_a_signer_mismatch(tmp_path, pki):
    other = issue(pki["ca"], uscc=OTHER_USCC, organization="北京另一家人力资源有限公司")
    r = run(tmp_path, other.seal(built_package()), trust=[str(pki["root"])])
    assert r.verdict == "rejected"
    assert ("signature-signer-mismatch", "error") in codes(r)
    assert {s["status"] for s in r.signatures} == {"valid"}


def test_one_changed_byte_in_an_sm2_sealed_range_breaks_the_seal(tmp_path, pki, sealed):
    r = run(tmp_path, flip_byte_in_signed_range(sealed), trust=[str(pki["root"])])
    assert r.verdict == "rejected"
    assert ("signature-broken", "error") in codes(r)
    first = manifest_of(built_package())["signature_fields"][0]["name"]
    assert {s["status"] for s in r.signatures if s["field"] == first} == {"broken"}


def test_an_expired_sm2_certificate_is_untrusted(tmp_path, pki):
    r = run(tmp_path, expired(pki["ca"]).seal(built_package()), trust=[str(pki["root"])])
    assert r.verdict == "rejected" and codes(r) == [("signature-untrusted", "error")]
    assert {s["status"] for s in r.signatures} == {"untrusted"}


def test_an_sm2_seal_with_an_unknown_digest_is_unsupported_and_named(tmp_path, pki):
    # SM2-with-SM3 written, but the digest algorithm is one this verifier does not implement for SM2
    pkg = built_package()
    first = manifest_of(pkg)["signature_fields"][0]["name"]
    data = pki["own"].seal(pkg, [first])
    sm3_der = bytes.fromhex("06082a811ccf55018311")        # OID 1.2.156.10197.1.401
    sm3_bad = bytes.fromhex("06082a811ccf55018312")        # …1.402, same length
    i = data.rfind(sm3_der.hex().upper().encode())
    assert i > 0
    data = data[:i] + sm3_bad.hex().upper().encode() + data[i + len(sm3_der) * 2:]
    r = run(tmp_path, data, trust=[str(pki["root"])], allow_unsigned=True)
    assert ("signature-algorithm-unsupported", "error") in codes(r)
    assert "signature-broken" not in {c for c, _ in codes(r)}
    message = next(f.message for f in r.findings if f.code == "signature-algorithm-unsupported")
    assert "1.2.156.10197.1.402" in message and "并非签章已失效" in message


@pytest.fixture(scope="module")
def tsa(tmp_path_factory):
    """pyHanko's test timestamp service (an ordinary ECDSA/RSA TSA, as a bureau's would be) and its root."""
    folder = tmp_path_factory.mktemp("tsa")
    ca = make_ca(folder, "TSA Root CA", since_days=500)
    return make_tsa(folder / "tsa", ca, since_days=500), ca[2]


@pytest.mark.parametrize("service", ["ecdsa", "sm2"])
def test_an_expired_sm2_seal_under_a_document_timestamp_is_checked_at_the_timestamps_time(tmp_path, tsa, service):
    # sealed while the certificate was valid; the DSS holds the chain and a CRL revoking it later;
    # a document timestamp (PAdES-B-LTA) dated 45 days ago proves the seals existed then — from an
    # ordinary timestamp service, or from an SM2 one (its token SM2-signed, its imprint SM3)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ca, root = make_root(tmp_path / "pki", since_days=500)
    old = issue(ca, not_before=now - dt.timedelta(days=100), not_after=now - dt.timedelta(days=30))
    then = now - dt.timedelta(days=45)
    late = crl(ca, [(old.cert, now - dt.timedelta(days=10))])         # revoked after the timestamp
    data = with_validation_data(old.seal(built_package()), [ca.cert], crls=(late,))
    if service == "sm2":
        sm2_tsa = issue(ca, {"common_name": "国密时间戳服务"}, uscc=None, organization=None,
                        not_before=now - dt.timedelta(days=400), not_after=now + dt.timedelta(days=30))
        data, trust = sm2_document_timestamp(data, sm2_tsa, then, imprint="sm3"), [str(root)]
    else:
        stamper, tsa_root = tsa
        data, trust = document_timestamp(data, stamper, [tsa_root], at=then), [str(root), str(tsa_root)]
    r = run(tmp_path, data, trust=trust)
    assert r.verdict == "accepted" and codes(r) == [], [(f.code, f.message) for f in r.findings]
    seals = [s for s in r.signatures if s["kind"] == "signature"]
    assert {(s["status"], s["algorithm"]) for s in seals} == {("valid", "SM2")}
    assert {s["checked_at_source"] for s in seals} == {"timestamp"}
    assert {dt.datetime.fromisoformat(s["checked_at"]) for s in seals} == {then}
    [stamp] = [s for s in r.signatures if s["kind"] == "timestamp"]
    assert stamp["status"] == "valid" and dt.datetime.fromisoformat(stamp["timestamp"]) == then


@pytest.mark.parametrize("proof", ["crl", "ocsp"])
def test_a_revoked_sm2_seal_certificate_is_refused(tmp_path, pki, proof):
    seal = issue(pki["ca"])
    when = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    data = seal.seal(built_package())
    if proof == "crl":
        data = with_validation_data(data, [pki["ca"].cert], crls=(crl(pki["ca"], [(seal.cert, when)]),))
    else:
        data = with_validation_data(data, [pki["ca"].cert], ocsps=(ocsp_response(pki["ca"], seal.cert, when),))
    r = run(tmp_path, data, trust=[str(pki["root"])], receipt_dir=tmp_path / "回执")
    assert r.verdict == "rejected" and codes(r) == [("signature-revoked", "error")]
    assert {s["status"] for s in r.signatures} == {"revoked"}
    assert "已被吊销" in next(f.message for f in r.findings if f.code == "signature-revoked")
    from pypdf import PdfReader

    text = "".join("".join(p.extract_text() for p in PdfReader(tmp_path / "回执" / f"{r.receipt_no}.pdf").pages).split())
    assert "证书已吊销" in text and "有效（证书可信）" not in text


def test_revocation_data_that_does_not_verify_or_says_good_revokes_nothing(tmp_path, pki):
    seal = issue(pki["ca"])
    when = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    forged = crl(pki["ca"], [(seal.cert, when)], key=sm2.new_private_key())     # the CA's name, another key
    good = ocsp_response(pki["ca"], seal.cert)
    data = with_validation_data(seal.seal(built_package()), [pki["ca"].cert], crls=(forged,), ocsps=(good,))
    r = run(tmp_path, data, trust=[str(pki["root"])])
    assert r.verdict == "accepted" and codes(r) == []
    assert {s["status"] for s in r.signatures} == {"valid"}


def _first_contents(data: bytes) -> bytes:
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation.pdf_embedded import extract_contents

    for _n, value, _r in enumerate_sig_fields(PdfFileReader(io.BytesIO(data))):
        if value is not None:
            return extract_contents(value.get_object())
    raise AssertionError("no signature")

