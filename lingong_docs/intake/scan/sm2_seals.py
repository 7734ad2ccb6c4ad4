"""Child side: an SM2 seal of a PDF checked like pyHanko checks an RSA one, into the same ``SignatureInfo``.

pyHanko reads the signature dictionary, the byte range, the revision a seal signed, its coverage
and the difference analysis of later revisions (none of which depends on the algorithm); the CMS,
the SM2 signature and the certificate chain are checked by ``intake.sm2``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from lingong_docs.intake import sm2
from lingong_docs.intake.scan.result import SignatureInfo


def raw_signature(reader: Any, field: Any, name: str) -> Any:
    """Return a pyHanko ``EmbeddedPdfSignature`` for an SM2 seal, whose CMS pyHanko cannot parse:
    built without reading the CMS (everything else pyHanko does with it still works)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature, extract_contents

    class RawPdfSignature(EmbeddedPdfSignature):
        def __init__(self) -> None:          # what EmbeddedPdfSignature.__init__ sets, minus the CMS
            self.reader = reader
            self.sig_field = field.get_object() if isinstance(field, generic.IndirectObject) else field
            ref = self.sig_field.raw_get("/V")
            self.sig_object = ref.get_object()
            self.byte_range = self.sig_object.raw_get("/ByteRange")
            self.pkcs7_content = extract_contents(self.sig_object)
            self.md_algorithm = self.external_md_algorithm = "sm3"
            self.signed_revision = reader.xrefs.get_last_change(ref.reference)
            self.coverage = None
            self.external_digests: dict[str, bytes] = {}
            self._docmdp = self._fieldmdp = None
            self._docmdp_queried = self._fieldmdp_queried = False
            self.tst_signature_digest = None
            self.diff_result = None
            self._integrity_checked = False
            self.fq_name = name
            self._sd_cert_info = None

    return RawPdfSignature()


def range_digest(stream: Any, byte_range: Any, prefix: bytes = b"", algorithm: str = "sm3") -> bytes:
    """Return the digest (SM3 unless ``algorithm`` says otherwise) of prefix ‖ the bytes ``byte_range``
    names, read in chunks."""
    h = hashlib.new(algorithm, prefix)
    values = [int(v) for v in byte_range]
    for start, length in zip(values[0::2], values[1::2]):
        stream.seek(start)
        left = length
        while left > 0:
            chunk = stream.read(min(left, 1 << 20))
            if not chunk:
                break
            h.update(chunk)
            left -= len(chunk)
    return h.digest()


def check_sm2(sig: Any, info: SignatureInfo, roots: list[Any], moment: dt.datetime | None) -> Any:
    """Fill ``info`` for SM2 seal ``sig``; return the signer's certificate (or None)."""
    info.revision = sig.signed_revision
    info.trust_checked = bool(roots)
    info.algorithm = "SM2"
    if sig.sig_object_type == "/DocTimeStamp":
        info.kind = "timestamp"
    if not _byte_range_ok(sig.byte_range):
        info.intact, info.valid, info.error = False, False, "byte-range"
        return None
    stream = sig.reader.stream
    check = sm2.check_cms(sig.pkcs7_content,
                          lambda prefix, algorithm="sm3": range_digest(stream, sig.byte_range, prefix, algorithm))
    if check.unsupported is not None:
        info.intact, info.valid, info.error, info.unsupported = False, False, "unsupported", check.unsupported
        return check.signer_cert
    info.intact = info.valid = check.intact
    if not check.intact:
        info.error = check.error or "signature"
        return check.signer_cert
    info.coverage = sig.evaluate_signature_coverage().name
    info.signing_time = _iso(check.signing_time or _pdf_time(sig))
    if info.kind == "timestamp":
        info.timestamp = _iso(check.timestamp)
    at = moment or dt.datetime.now(dt.UTC)
    certs, revocation = _dss(sig.reader)
    chain = sm2.validate_chain(check.signer_cert, check.certificates + certs, roots, at, check.crls + revocation)
    info.trusted = chain.trusted if roots else False
    info.trust_problem = chain.reason if roots and not chain.trusted else None
    return check.signer_cert


def _byte_range_ok(byte_range: Any) -> bool:
    try:
        values = [int(v) for v in byte_range]
    except (TypeError, ValueError):
        return False
    return len(values) == 4 and values[0] == 0 and all(v >= 0 for v in values) and values[1] <= values[2]


def _dss(reader: Any) -> tuple[list[Any], list[Any]]:
    """The document security store's certificates (for chains a seal does not carry) and its
    revocation data (/CRLs, /OCSPs), as PAdES-B-LT puts them there; empty when there is none."""
    from asn1crypto import crl, ocsp, x509

    found: tuple[list[Any], list[Any]] = ([], [])
    try:
        dss = reader.root["/DSS"]
    except Exception:  # no DSS: nothing more to offer
        return found
    for key, kind, into in (("/Certs", x509.Certificate, 0), ("/CRLs", crl.CertificateList, 1),
                            ("/OCSPs", ocsp.OCSPResponse, 1)):
        try:
            found[into].extend(kind.load(s.get_object().data) for s in list(dss.get(key, []))[:200])
        except Exception:  # an unreadable entry: the others still count
            continue
    return found


def _pdf_time(sig: Any) -> dt.datetime | None:
    from pyhanko.pdf_utils import generic

    try:
        return generic.parse_pdf_date(sig.sig_object["/M"])
    except Exception:
        return None


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else None


def integrity(sig: Any, policy: Any) -> tuple[str, bool]:
    """Run pyHanko's difference analysis for an SM2 seal: (modification level, DocMDP respected)."""
    sig.compute_integrity_info(policy)
    summary = sig.summarise_integrity_info()
    result = summary.get("diff_result")
    level = getattr(result, "modification_level", None)
    return (level.name if level is not None else "OTHER"), summary.get("docmdp_ok") is not False
