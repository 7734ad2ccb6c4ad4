"""A throwaway SM2 PKI and SM2 sealing for the tests, through the operators' tool (tools/seal_sm2.py)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.apps import USCC
from lingong_docs.intake import sm2

_TOOL = Path(__file__).resolve().parents[2] / "tools" / "seal_sm2.py"
_spec = importlib.util.spec_from_file_location("seal_sm2", _TOOL)
assert _spec is not None and _spec.loader is not None
tool: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)

APPLICANT = "北京示例人力资源有限公司"


@dataclass
class Sm2Identity:
    """An SM2 key, its certificate and the chain above it (without the root)."""

    private: int
    cert: Any
    chain: list[Any]

    def seal(self, data: bytes, fields: list[str] | None = None, **options: Any) -> bytes:
        return tool.seal_all(data, private=self.private, cert=self.cert, chain=self.chain, fields=fields, **options)


def pem(cert: Any) -> bytes:
    from asn1crypto import pem as armor

    return armor.armor("CERTIFICATE", cert.dump())


def make_root(folder: Path, name: str = "SM2 Test Root CA", *, since_days: int = 1) -> tuple[Sm2Identity, Path]:
    """Return a self-signed SM2 root (as an identity that can issue, valid from ``since_days`` ago)
    and its PEM file."""
    private = sm2.new_private_key()
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=since_days)
    cert = tool.make_certificate({"common_name": name, "organization_name": "测试电子认证服务机构"},
                                 sm2.public_point(private), issuer_key=private, ca=True, days=3650, not_before=start)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.pem"
    path.write_bytes(pem(cert))
    return Sm2Identity(private, cert, []), path


def issue(ca: Sm2Identity, subject: dict[str, str] | None = None, *, uscc: str | None = USCC,
          organization: str | None = APPLICANT, **options: Any) -> Sm2Identity:
    """Return a seal identity issued by ``ca`` (the USCC in serialNumber and OU by default, as the
    city's enterprise certificates carry it)."""
    names: dict[str, str] = {"common_name": (organization or "测试") + "电子印章"}
    if organization:
        names["organization_name"] = organization
    if uscc:
        names["serial_number"] = uscc
        names["organizational_unit_name"] = uscc
    names.update(subject or {})
    private = sm2.new_private_key()
    cert = tool.make_certificate(names, sm2.public_point(private), issuer=ca.cert, issuer_key=ca.private, **options)
    return Sm2Identity(private, cert, [ca.cert])


def expired(ca: Sm2Identity) -> Sm2Identity:
    """A seal certificate that expired a month before today."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return issue(ca, not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=30))


def crl(ca: Sm2Identity, revoked: list[tuple[Any, dt.datetime]], *, key: int | None = None) -> Any:
    """Return a CRL of ``ca`` listing ``revoked`` (certificate, revocation time), SM2-signed by
    ``ca``'s key (or by ``key``: a forgery under the CA's name)."""
    from asn1crypto import crl as crls
    from asn1crypto import x509

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    tbs = crls.TbsCertList({
        "version": "v2", "signature": {"algorithm": sm2.SM2_SM3}, "issuer": ca.cert.subject,
        "this_update": x509.Time(name="utc_time", value=now - dt.timedelta(hours=1)),
        "next_update": x509.Time(name="utc_time", value=now + dt.timedelta(days=7)),
        "revoked_certificates": [{"user_certificate": cert.serial_number,
                                  "revocation_date": x509.Time(name="utc_time", value=when)} for cert, when in revoked]
        or None,
    })
    return crls.CertificateList({"tbs_cert_list": tbs, "signature_algorithm": {"algorithm": sm2.SM2_SM3},
                                 "signature": sm2.sign(ca.private if key is None else key, tbs.dump())})


def ocsp_response(ca: Sm2Identity, cert: Any, revoked_at: dt.datetime | None = None) -> Any:
    """Return an OCSP response of ``ca`` (SM2-signed by it) saying ``cert`` is good, or revoked at ``revoked_at``."""
    import hashlib

    from asn1crypto import core, ocsp

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    key = bytes(ca.cert["tbs_certificate"]["subject_public_key_info"]["public_key"].contents)[1:]
    status = (ocsp.CertStatus(name="good", value=core.Null()) if revoked_at is None
              else ocsp.CertStatus(name="revoked", value={"revocation_time": revoked_at}))
    data = ocsp.ResponseData({
        "responder_id": ocsp.ResponderId(name="by_name", value=ca.cert.subject), "produced_at": now,
        "responses": [{"cert_id": {"hash_algorithm": {"algorithm": "sha1"},
                                   "issuer_name_hash": hashlib.sha1(ca.cert.subject.dump()).digest(),
                                   "issuer_key_hash": hashlib.sha1(key).digest(),
                                   "serial_number": cert.serial_number},
                       "cert_status": status, "this_update": now}],
    })
    basic = ocsp.BasicOCSPResponse({"tbs_response_data": data, "signature_algorithm": {"algorithm": sm2.SM2_SM3},
                                    "signature": sm2.sign(ca.private, data.dump())})
    return ocsp.OCSPResponse({"response_status": "successful",
                              "response_bytes": {"response_type": "basic_ocsp_response", "response": basic}})


def with_validation_data(data: bytes, certs: list[Any], *, crls: tuple[Any, ...] = (), ocsps: tuple[Any, ...] = ()) -> bytes:
    """Return ``data`` with a DSS revision holding ``certs``, ``crls`` and ``ocsps`` (what a seal
    client adds for PAdES-B-LT; pyHanko cannot gather it for SM2 seals, so it is given here)."""
    import io

    from pyhanko.sign.validation.dss import DocumentSecurityStore

    out = io.BytesIO(data)
    DocumentSecurityStore.add_dss(out, None, certs=certs, crls=list(crls) or None, ocsps=list(ocsps) or None,
                                  force_write=True)
    return out.getvalue()


def document_timestamp(data: bytes, tsa: Any, roots: list[Path], at: dt.datetime | None = None) -> bytes:
    """Return ``data`` with a document timestamp (PAdES-B-LTA) from pyHanko's test ``tsa``, dated ``at``."""
    import io

    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko_certvalidator import ValidationContext

    vc = ValidationContext(trust_roots=[load_cert_from_pemder(str(p)) for p in roots], allow_fetching=False)
    tsa.fixed_dt = at
    out = io.BytesIO()
    PdfTimeStamper(tsa).timestamp_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), "sha256", vc, output=out)
    return out.getvalue()


def sm2_document_timestamp(data: bytes, tsa: Sm2Identity, at: dt.datetime | None = None, *,
                           imprint: str = "sha256") -> bytes:
    """Return ``data`` with a document timestamp whose token an SM2 timestamp service (``tsa``)
    signed (SM2-with-SM3 over signed attributes, the TSTInfo dated ``at``, its message imprint by
    ``imprint``), embedded by pyHanko as any document timestamp."""
    import io
    import secrets

    from asn1crypto import cms, tsp
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.timestamps.api import TimeStamper

    def token(digest: bytes, algorithm: str) -> Any:
        when = at or dt.datetime.now(dt.UTC).replace(microsecond=0)
        hash_oid = sm2.SM3 if algorithm == "sm3" else algorithm
        tst = tsp.TSTInfo({"version": "v1", "policy": "1.2.156.10197.1.999",
                           "message_imprint": {"hash_algorithm": {"algorithm": hash_oid}, "hashed_message": digest},
                           "serial_number": secrets.randbits(63), "gen_time": when})
        attrs = cms.CMSAttributes([{"type": "content_type", "values": ["tst_info"]},
                                   {"type": "message_digest", "values": [sm2.sm3(tst.dump())]}])
        signer = {"version": "v1", "sid": cms.SignerIdentifier(name="issuer_and_serial_number", value={
            "issuer": tsa.cert.issuer, "serial_number": tsa.cert.serial_number}),
            "digest_algorithm": {"algorithm": sm2.SM3}, "signature_algorithm": {"algorithm": sm2.SM2_SM3},
            "signed_attrs": attrs, "signature": sm2.sign(tsa.private, attrs.dump())}
        signed = cms.SignedData({"version": "v3", "digest_algorithms": [{"algorithm": sm2.SM3}],
                                 "encap_content_info": {"content_type": "tst_info", "content": tst},
                                 "certificates": [tsa.cert, *tsa.chain], "signer_infos": [signer]})
        return cms.ContentInfo({"content_type": "signed_data", "content": signed})

    class Sm2TimeStamper(TimeStamper):
        async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> Any:
            return token(message_digest, md_algorithm)

    out = io.BytesIO()
    PdfTimeStamper(Sm2TimeStamper()).timestamp_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), imprint, output=out)
    return out.getvalue()
