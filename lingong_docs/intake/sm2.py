"""SM2/SM3 seals (GB/T 32918, GB/T 32905, GB/T 35275): the algorithm, the CMS wrapper, the chain.

pyHanko does not implement SM2, so Chinese e-seals are verified here. SM3 is OpenSSL's
(``hashlib.new("sm3")``: a 2.5 MB package in milliseconds); only the curve arithmetic is Python
(snowland-smx, a few milliseconds per verification). The signature is over e = SM3(Z ‖ M), Z
the SM3 of the default user ID "1234567812345678", the curve and the signer's key; (r, s) is DER.

The CMS wrapper comes in two OID families: PKCS#7 (1.2.840.113549.1.7.2) and GB/T 35275's
(1.2.156.10197.6.1.4.2.2); the SM2 key OID (1.2.156.10197.1.301) is accepted in place of
SM2-with-SM3 (1.2.156.10197.1.501) as some signers write it. With signed attributes the signature
covers them and their messageDigest is the SM3 of the byte ranges; without, it covers the data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
DEFAULT_UID = b"1234567812345678"

SM2_KEY = "1.2.156.10197.1.301"
SM3 = "1.2.156.10197.1.401"
SM2_SM3 = "1.2.156.10197.1.501"
EC_KEY = "1.2.840.10045.2.1"
PKCS7_DATA, PKCS7_SIGNED = "1.2.840.113549.1.7.1", "1.2.840.113549.1.7.2"
GB_DATA, GB_SIGNED = "1.2.156.10197.6.1.4.2.1", "1.2.156.10197.6.1.4.2.2"
TST_INFO = "1.2.840.113549.1.9.16.1.4"          # the content of an RFC 3161 timestamp token
SIGNATURE_OIDS = (SM2_SM3, SM2_KEY)
GM_OID_PREFIX = "1.2.156.10197."
# Names of the national algorithms a seal may name (Chinese, with the OID on the receipt).
ALGORITHM_ZH = {
    SM2_SM3: "SM2 签名（SM3 摘要）", SM2_KEY: "SM2", SM3: "SM3 摘要",
    "1.2.156.10197.1.502": "SM2 签名（SHA-1 摘要）", "1.2.156.10197.1.503": "SM2 签名（SHA-256 摘要）",
    "1.2.156.10197.1.504": "RSA 签名（SM3 摘要）", "1.2.156.10197.1.302": "SM2 密钥交换",
    "1.2.156.10197.1.303": "SM2 加密",
}
MAX_CHAIN = 8


def sm3(data: bytes) -> bytes:
    """Return the SM3 digest of ``data`` (OpenSSL's)."""
    return hashlib.new("sm3", data).digest()


def sm3_available() -> bool:
    """True when this Python's OpenSSL has SM3 (OpenSSL 1.1.1 and later builds do)."""
    try:
        return sm3(b"abc").hex().startswith("66c7f0f4")
    except ValueError:
        return False


def _int32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def on_curve(point: bytes) -> bool:
    """True when ``point`` (x ‖ y, 64 bytes) lies on sm2p256v1."""
    if len(point) != 64:
        return False
    x, y = int.from_bytes(point[:32], "big"), int.from_bytes(point[32:], "big")
    return x < P and y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def z_value(point: bytes, uid: bytes = DEFAULT_UID) -> bytes:
    """Return Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) of GB/T 32918.2."""
    entl = (len(uid) * 8).to_bytes(2, "big")
    return sm3(entl + uid + _int32(A) + _int32(B) + _int32(GX) + _int32(GY) + point)


def message_digest(point: bytes, message: bytes, uid: bytes = DEFAULT_UID) -> bytes:
    """Return e = SM3(Z ‖ M), what an SM2 signature signs."""
    return sm3(z_value(point, uid) + message)


def decode_signature(der: bytes) -> tuple[int, int] | None:
    """Return (r, s) of a DER SM2 signature, or None when it is not one (strict DER, 1 ≤ r, s < n)."""
    from asn1crypto.algos import DSASignature

    try:
        parsed = DSASignature.load(der, strict=True)
        r, s = int(parsed["r"].native), int(parsed["s"].native)
    except Exception:  # not a DER (r, s): no signature
        return None
    if not (0 < r < N and 0 < s < N):
        return None
    return r, s


def encode_signature(r: int, s: int) -> bytes:
    from asn1crypto.algos import DSASignature

    return DSASignature({"r": r, "s": s}).dump()


def verify_digest(point: bytes, e: bytes, signature: bytes) -> bool:
    """True when the DER ``signature`` is valid for digest ``e`` under public key ``point``."""
    from pysmx.SM2 import Verify

    rs = decode_signature(signature)
    if rs is None or not on_curve(point):
        return False
    try:
        return bool(Verify("{:064x}{:064x}".format(*rs), e.hex(), point.hex(), 64, Hexstr=1))
    except Exception:  # a degenerate point (infinity) makes the library raise
        return False


def verify(point: bytes, message: bytes, signature: bytes, uid: bytes = DEFAULT_UID) -> bool:
    """True when ``signature`` (DER r, s) is an SM2 signature of ``message`` by key ``point``."""
    return verify_digest(point, message_digest(point, message, uid), signature)


def public_point(private: int) -> bytes:
    """Return the public key x ‖ y of private key ``private``."""
    from pysmx.SM2 import kG

    return bytes.fromhex(kG(private, f"{GX:064x}{GY:064x}", 64))


def sign(private: int, message: bytes, uid: bytes = DEFAULT_UID) -> bytes:
    """Return a DER SM2 signature of ``message`` (for the sealing tool and the tests)."""
    from pysmx.SM2 import Sign

    e = message_digest(public_point(private), message, uid)
    while True:
        k = secrets.randbelow(N - 1) + 1
        rs = Sign(e.hex(), f"{private:064x}", f"{k:064x}", 64, Hexstr=1)
        if rs:
            return encode_signature(int.from_bytes(rs[:32], "big"), int.from_bytes(rs[32:], "big"))


def new_private_key() -> int:
    return secrets.randbelow(N - 2) + 1


# ---- keys and certificates ------------------------------------------------------------------

def key_point(public_key_info: Any) -> bytes | None:
    """Return x ‖ y of an SM2 public key (SubjectPublicKeyInfo), or None when it is not one."""
    try:
        algorithm = public_key_info["algorithm"]
        oid = algorithm["algorithm"].dotted
        params = algorithm["parameters"]
        curve = params.chosen.dotted if oid == EC_KEY and params.name == "named" else None
        raw = bytes(public_key_info["public_key"].contents)[1:]     # BIT STRING: unused-bits byte first
    except Exception:  # an unreadable key is no SM2 key
        return None
    if oid != SM2_KEY and curve != SM2_KEY:
        return None
    if len(raw) != 65 or raw[0] != 4:
        return None
    return raw[1:]


def is_sm2_certificate(cert: Any) -> bool:
    return key_point(cert["tbs_certificate"]["subject_public_key_info"]) is not None


def certificate_signed_by(cert: Any, issuer: Any) -> bool:
    """True when ``cert`` carries a valid SM2-with-SM3 signature by ``issuer``'s SM2 key."""
    point = key_point(issuer["tbs_certificate"]["subject_public_key_info"])
    if point is None or cert["signature_algorithm"]["algorithm"].dotted not in SIGNATURE_OIDS:
        return False
    return verify(point, cert["tbs_certificate"].dump(), bytes(cert["signature_value"].native))


def algorithm_name(oid: str) -> str:
    """The Chinese/common name of a signature or digest algorithm, with its OID."""
    from asn1crypto.algos import SignedDigestAlgorithmId

    if oid in ALGORITHM_ZH:
        return f"{ALGORITHM_ZH[oid]}（{oid}）"
    name = SignedDigestAlgorithmId.map(oid)         # the OID itself when asn1crypto has no name for it
    return f"{name}（{oid}）" if name != oid else f"未知算法（{oid}）"


# ---- the CMS wrapper ------------------------------------------------------------------------

@dataclass
class CmsCheck:
    """What the CMS of one seal says: intact (digest and signature verified), who, and why not."""

    intact: bool = False
    unsupported: str | None = None        # the algorithm (named, with its OID) that cannot be verified
    error: str | None = None
    signer_cert: Any = None
    certificates: list[Any] = field(default_factory=list)
    crls: list[Any] = field(default_factory=list)       # the CRLs the CMS carries (RevocationInfoChoices)
    signing_time: dt.datetime | None = None
    timestamp: dt.datetime | None = None              # a timestamp token's genTime (document timestamps)
    signed_attributes: bool = False


def signed_data_of(contents: bytes) -> tuple[str, Any] | None:
    """Return (content type OID, SignedData) of a PDF signature's /Contents, either OID family."""
    from asn1crypto import cms

    try:
        info = cms.ContentInfo.load(contents)          # not strict: /Contents is zero-padded
        oid = info["content_type"].dotted
        content = info["content"]
        if oid == GB_SIGNED:
            return oid, content.parse(cms.SignedData)
        if oid == PKCS7_SIGNED:
            return oid, content
    except Exception:  # not a CMS: not ours to judge
        return None
    return None


def uses_sm2(contents: bytes) -> bool:
    """True when a signature's CMS is a national-algorithm one (GB OIDs, SM2/SM3 anywhere)."""
    found = signed_data_of(contents)
    if found is None:
        return False
    oid, sd = found
    if oid == GB_SIGNED:
        return True
    try:
        info = sd["signer_infos"][0]
        oids = (info["digest_algorithm"]["algorithm"].dotted, info["signature_algorithm"]["algorithm"].dotted)
    except Exception:
        return False
    return any(o.startswith(GM_OID_PREFIX) for o in oids)


def check_cms(contents: bytes, digest_of: Callable[..., bytes]) -> CmsCheck:
    """Verify the SM2 CMS ``contents``; ``digest_of(prefix)`` gives SM3(prefix ‖ the signed bytes),
    ``digest_of(b"", name)`` the digest ``name`` (hashlib's) of the signed bytes. A timestamp token
    (an SM2-signed document timestamp: eContent TSTInfo) is verified as RFC 3161 says: its message
    imprint is the digest of the signed bytes, and the SM2 signature covers the TSTInfo."""
    out = CmsCheck()
    found = signed_data_of(contents)
    if found is None:
        out.error = "cms"
        return out
    try:
        _check_signer(found[1], digest_of, out)
    except Exception as e:  # a structure we cannot read is a broken seal
        out.intact, out.error = False, "cms:" + type(e).__name__
    return out


def _check_signer(sd: Any, digest_of: Callable[..., bytes], out: CmsCheck) -> None:
    infos = sd["signer_infos"]
    if len(infos) != 1:
        out.error = "signer-count"
        return
    info = infos[0]
    certs = [c.chosen for c in (sd["certificates"] or []) if c.name == "certificate"]
    out.certificates = certs
    out.crls = [c.chosen for c in (sd["crls"] or []) if c.name == "crl"]
    out.signer_cert = _signer_certificate(info, certs)
    digest_oid = info["digest_algorithm"]["algorithm"].dotted
    mechanism = info["signature_algorithm"]["algorithm"].dotted
    if digest_oid != SM3:
        out.unsupported = f"{algorithm_name(mechanism)}，摘要 {algorithm_name(digest_oid)}"
        return
    if mechanism not in SIGNATURE_OIDS:
        out.unsupported = algorithm_name(mechanism)
        return
    if out.signer_cert is None:
        out.error = "no-certificate"
        return
    point = key_point(out.signer_cert["tbs_certificate"]["subject_public_key_info"])
    if point is None:
        out.unsupported = algorithm_name(mechanism)
        return
    signature = bytes(info["signature"].native)
    token = _token(sd, digest_of, out)
    if out.error or out.unsupported:
        return
    attrs = info["signed_attrs"]
    if attrs is None or not len(attrs):      # the signature is over the signed bytes (or the TSTInfo) itself
        out.intact = (verify(point, token, signature) if token is not None
                      else verify_digest(point, digest_of(z_value(point)), signature))
        out.error = None if out.intact else "signature"
        return
    out.signed_attributes = True
    digest = _attribute(attrs, "1.2.840.113549.1.9.4")
    if digest is None or bytes(digest.native) != (sm3(token) if token is not None else digest_of(b"")):
        out.error = "message-digest"
        return
    when = _attribute(attrs, "1.2.840.113549.1.9.5")
    out.signing_time = when.native if when is not None and isinstance(when.native, dt.datetime) else None
    out.intact = verify(point, b"\x31" + _der_length(len(attrs.contents)) + attrs.contents, signature)
    if not out.intact:
        out.error = "signature"


def _token(sd: Any, digest_of: Callable[..., bytes], out: CmsCheck) -> bytes | None:
    """For a timestamp token: check its message imprint against the signed bytes and set
    ``out.timestamp``; return the TSTInfo's DER (what the signature covers). None for a seal."""
    from asn1crypto import tsp

    eci = sd["encap_content_info"]
    if eci["content_type"].dotted != TST_INFO:
        return None
    der = bytes(eci["content"].contents)
    tst = tsp.TSTInfo.load(der)
    imprint = tst["message_imprint"]
    oid = imprint["hash_algorithm"]["algorithm"]
    name = "sm3" if oid.dotted == SM3 else str(oid.native)
    if name not in hashlib.algorithms_available:
        out.unsupported = algorithm_name(oid.dotted)
    elif bytes(imprint["hashed_message"].native) != digest_of(b"", name):
        out.error = "message-imprint"
    else:
        out.timestamp = tst["gen_time"].native
    return der


def _attribute(attrs: Any, oid: str) -> Any:
    for attr in attrs:
        if attr["type"].dotted == oid:
            values = attr["values"]
            return values[0] if len(values) == 1 else None
    return None


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _signer_certificate(info: Any, certs: list[Any]) -> Any:
    sid = info["sid"]
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            if (cert.issuer == sid.chosen["issuer"]
                    and cert.serial_number == sid.chosen["serial_number"].native):
                return cert
        elif cert.key_identifier == sid.chosen.native:
            return cert
    return None


# ---- the certificate chain ------------------------------------------------------------------

@dataclass
class ChainCheck:
    """Whether a signer's certificate chains to a trust root, valid at ``moment``; why not."""

    trusted: bool
    reason: str | None = None            # no-path | expired | not-yet-valid | not-ca | key-usage | revoked
    path: list[Any] = field(default_factory=list)


def validate_chain(leaf: Any, certificates: list[Any], roots: list[Any], moment: dt.datetime,
                   revocation: list[Any] | None = None) -> ChainCheck:
    """Build the path from ``leaf`` through ``certificates`` to one of ``roots`` (each link an SM2
    signature), then check every certificate's validity period at ``moment``, the CA flags, and
    whether ``revocation`` (CRLs and OCSP responses, asn1crypto objects) says a certificate of the
    path was revoked at or before ``moment``. Revocation data whose SM2 signature does not verify
    is not believed; no data at all is no finding (as pyHanko's soft-fail mode for RSA)."""
    anchors = {root.dump() for root in roots}
    path = [leaf]
    current = leaf
    for _ in range(MAX_CHAIN):
        if current.dump() in anchors:
            check = _check_path(path, moment)
            if check.trusted and any(revoked(cert, issuer, revocation or [], moment)
                                     for cert, issuer in zip(path, path[1:])):
                return ChainCheck(False, "revoked", path)
            return check
        issuer = next((c for c in [*roots, *certificates] if c.subject == current.issuer
                       and c.dump() != current.dump() and certificate_signed_by(current, c)), None)
        if issuer is None:
            return ChainCheck(False, "no-path", path)
        path.append(issuer)
        current = issuer
    return ChainCheck(False, "no-path", path)


def _check_path(path: list[Any], moment: dt.datetime) -> ChainCheck:
    for i, cert in enumerate(path):
        validity = cert["tbs_certificate"]["validity"]
        if moment < validity["not_before"].native:
            return ChainCheck(False, "not-yet-valid", path)
        if moment > validity["not_after"].native:
            return ChainCheck(False, "expired", path)
        usage = cert.key_usage_value.native if cert.key_usage_value is not None else None
        if i == 0:
            if usage is not None and not ({"digital_signature", "non_repudiation"} & set(usage)):
                return ChainCheck(False, "key-usage", path)
            continue
        constraints = cert.basic_constraints_value
        if constraints is None or not constraints["ca"].native:
            return ChainCheck(False, "not-ca", path)
        if usage is not None and "key_cert_sign" not in usage:
            return ChainCheck(False, "key-usage", path)
    return ChainCheck(True, None, path)


# ---- revocation (CRLs and OCSP responses the file carries) ------------------------------------

def revoked(cert: Any, issuer: Any, revocation: list[Any], moment: dt.datetime) -> bool:
    """True when a CRL or OCSP response signed by ``issuer`` (or its OCSP responder) says ``cert``
    was revoked at or before ``moment``."""
    for item in revocation:
        try:
            when = (_crl_revocation(cert, issuer, item) if item.__class__.__name__ == "CertificateList"
                    else _ocsp_revocation(cert, issuer, item))
        except Exception:  # unreadable revocation data proves nothing
            when = None
        if when is not None and when <= moment:
            return True
    return False


def _signed_by(issuer: Any, tbs: bytes, algorithm: str, signature: bytes) -> bool:
    point = key_point(issuer["tbs_certificate"]["subject_public_key_info"])
    return point is not None and algorithm in SIGNATURE_OIDS and verify(point, tbs, signature)


def _crl_revocation(cert: Any, issuer: Any, crl: Any) -> dt.datetime | None:
    tbs = crl["tbs_cert_list"]
    if tbs["issuer"] != cert.issuer or tbs["issuer"] != issuer.subject:
        return None
    if not _signed_by(issuer, tbs.dump(), crl["signature_algorithm"]["algorithm"].dotted,
                      bytes(crl["signature"].native)):
        return None
    for entry in tbs["revoked_certificates"] or []:
        if entry["user_certificate"].native == cert.serial_number:
            when: dt.datetime = entry["revocation_date"].native
            return when
    return None


def _ocsp_revocation(cert: Any, issuer: Any, response: Any) -> dt.datetime | None:
    basic = response["response_bytes"]["response"].parsed
    data = basic["tbs_response_data"]
    responder = _ocsp_responder(issuer, basic)
    if responder is None or not _signed_by(responder, data.dump(), basic["signature_algorithm"]["algorithm"].dotted,
                                           bytes(basic["signature"].native)):
        return None
    for single in data["responses"]:
        cid = single["cert_id"]
        digest = "sm3" if cid["hash_algorithm"]["algorithm"].dotted == SM3 else cid["hash_algorithm"]["algorithm"].native
        key = bytes(issuer["tbs_certificate"]["subject_public_key_info"]["public_key"].contents)[1:]
        if (cid["serial_number"].native == cert.serial_number
                and bytes(cid["issuer_key_hash"].native) == hashlib.new(digest, key).digest()
                and single["cert_status"].name == "revoked"):
            when: dt.datetime = single["cert_status"].chosen["revocation_time"].native
            return when
    return None


def _ocsp_responder(issuer: Any, basic: Any) -> Any:
    """The certificate that signed an OCSP response: the issuer itself, or a responder certificate
    the issuer signed for OCSP signing (id-kp-OCSPSigning)."""
    rid = basic["tbs_response_data"]["responder_id"]
    if rid.name == "by_name" and rid.chosen == issuer.subject:
        return issuer
    for cert in basic["certs"] or []:
        usage = cert.extended_key_usage_value.native if cert.extended_key_usage_value is not None else []
        if "ocsp_signing" in usage and cert.issuer == issuer.subject and certificate_signed_by(cert, issuer):
            return cert
    return issuer
