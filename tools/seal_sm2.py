"""Seal every empty signature field of a package with an SM2 key, one incremental revision each.

For the tests and for operators who hold a soft SM2 key (a seal client does the same with a USB
key). The CMS is built here (pyHanko has no SM2): either OID family — PKCS#7 ("pkcs7") or
GB/T 35275 ("gb") —, with signed attributes (contentType, messageDigest = SM3 of the byte ranges,
signingTime) or without (the SM2 signature then covers the byte ranges themselves), and the
signature algorithm written as SM2-with-SM3 (1.2.156.10197.1.501) or as the key OID (…1.301).

    python tools/seal_sm2.py 材料包.pdf --key 印章.key.pem --cert 印章.pem [--chain 根证书.pem]
                             [--family gb] [--no-signed-attributes] [--key-oid] [-o 已盖章.pdf]

The key file is a PKCS#8 ("PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY") PEM on sm2p256v1, not encrypted.
Also used by the tests to make a throwaway SM2 PKI (``make_certificate``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import secrets
import sys
from pathlib import Path
from typing import Any

from lingong_docs.intake import sm2

# ---- keys and certificates ----------------------------------------------------------------------


def _public_key_info(point: bytes) -> Any:
    from asn1crypto import keys

    return keys.PublicKeyInfo({
        "algorithm": {"algorithm": "ec", "parameters": keys.ECDomainParameters(name="named", value=sm2.SM2_KEY)},
        "public_key": b"\x04" + point,
    })


def private_key_pem(private: int) -> bytes:
    """Return ``private`` as an unencrypted PKCS#8 PEM (what OpenSSL writes for an SM2 key)."""
    from asn1crypto import core, pem

    curve = core.ObjectIdentifier(sm2.SM2_KEY).dump()
    ec = _tlv(0x30, core.Integer(1).dump() + core.OctetString(private.to_bytes(32, "big")).dump()
              + _tlv(0xA1, core.BitString.load(b"\x03\x42\x00\x04" + sm2.public_point(private)).dump()))
    algorithm = _tlv(0x30, core.ObjectIdentifier(sm2.EC_KEY).dump() + curve)
    return pem.armor("PRIVATE KEY", _tlv(0x30, core.Integer(0).dump() + algorithm + core.OctetString(ec).dump()))


def load_private_key(data: bytes) -> int:
    """Return the SM2 private key held in PEM or DER ``data`` (PKCS#8 or SEC 1)."""
    from asn1crypto import pem

    if pem.detect(data):
        kind, _headers, data = pem.unarmor(data)
        if "ENCRYPTED" in kind:
            raise SystemExit("加密的私钥文件不支持：请先用 openssl pkey 导出未加密的 PEM")
    from asn1crypto import core

    outer = core.Sequence.load(data)
    if isinstance(outer[0], core.Integer) and outer[0].native == 0:      # PKCS#8: the SEC 1 key inside
        outer = core.Sequence.load(outer[2].cast(core.OctetString).native)
    return int.from_bytes(outer[1].cast(core.OctetString).native, "big")


def make_certificate(subject: dict[str, str], point: bytes, *, issuer: Any = None, issuer_key: int,
                     ca: bool = False, days: int = 60, not_before: dt.datetime | None = None,
                     not_after: dt.datetime | None = None, extensions: list[dict[str, Any]] | None = None,
                     signature_oid: str = sm2.SM2_SM3) -> Any:
    """Return an X.509 certificate for SM2 key ``point``, signed SM2-with-SM3 by ``issuer_key``
    (``issuer`` the issuing certificate, None: self-signed). ``subject`` uses asn1crypto's names
    (common_name, organization_name, organizational_unit_name, serial_number, organization_identifier)."""
    from asn1crypto import x509

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = not_before or now - dt.timedelta(days=1)
    name = x509.Name.build(subject, use_printable=False)
    exts: list[dict[str, Any]] = [
        {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": ca}},
        {"extn_id": "key_usage", "critical": True,
         "extn_value": {"key_cert_sign", "crl_sign"} if ca else {"digital_signature", "non_repudiation"}},
        *(extensions or []),
    ]
    tbs = x509.TbsCertificate({
        "version": "v3", "serial_number": secrets.randbits(63) + 1,
        "signature": {"algorithm": signature_oid},
        "issuer": issuer.subject if issuer is not None else name,
        "validity": {"not_before": x509.Time(name="utc_time", value=start),
                     "not_after": x509.Time(name="utc_time", value=not_after or start + dt.timedelta(days=days))},
        "subject": name, "subject_public_key_info": _public_key_info(point), "extensions": exts,
    })
    signature = sm2.sign(issuer_key, tbs.dump())
    return x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": {"algorithm": signature_oid},
                             "signature_value": signature})


def load_certificates(path: Path) -> list[Any]:
    from asn1crypto import pem, x509

    data = path.read_bytes()
    if pem.detect(data):
        return [x509.Certificate.load(der) for _k, _h, der in pem.unarmor(data, multiple=True)]
    return [x509.Certificate.load(data)]


# ---- the CMS ----------------------------------------------------------------------------------


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    length = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes(
        (n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + content


def build_cms(*, private: int, cert: Any, chain: list[Any], data: bytes, family: str = "pkcs7",
              signed_attributes: bool = True, signature_oid: str = sm2.SM2_SM3,
              signing_time: dt.datetime | None = None) -> bytes:
    """Return the DER CMS (detached) of an SM2 signature over ``data``."""
    from asn1crypto import cms, core

    data_oid, signed_oid = (sm2.GB_DATA, sm2.GB_SIGNED) if family == "gb" else (sm2.PKCS7_DATA, sm2.PKCS7_SIGNED)
    sid = cms.SignerIdentifier(name="issuer_and_serial_number", value=cms.IssuerAndSerialNumber(
        {"issuer": cert.issuer, "serial_number": cert.serial_number}))
    info: dict[str, Any] = {"version": "v1", "sid": sid, "digest_algorithm": {"algorithm": sm2.SM3},
                            "signature_algorithm": {"algorithm": signature_oid}}
    if signed_attributes:
        when = signing_time or dt.datetime.now(dt.UTC).replace(microsecond=0)
        attrs = cms.CMSAttributes([
            {"type": "content_type", "values": [data_oid]},
            {"type": "signing_time", "values": [cms.Time(name="utc_time", value=when)]},
            {"type": "message_digest", "values": [sm2.sm3(data)]},
        ])
        info["signed_attrs"] = attrs
        info["signature"] = sm2.sign(private, b"\x31" + attrs.dump()[1:])
    else:
        info["signature"] = sm2.sign(private, data)
    signed = cms.SignedData({
        "version": "v1", "digest_algorithms": [{"algorithm": sm2.SM3}],
        "encap_content_info": {"content_type": data_oid},
        "certificates": [cert, *chain], "signer_infos": [cms.SignerInfo(info)],
    })
    return _tlv(0x30, core.ObjectIdentifier(signed_oid).dump() + _tlv(0xA0, signed.dump()))


# ---- sealing -------------------------------------------------------------------------------------


def empty_fields(data: bytes) -> list[str]:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    return [str(n) for n, value, _ in enumerate_sig_fields(PdfFileReader(io.BytesIO(data), strict=False))
            if value is None]


def seal_field(data: bytes, name: str, *, private: int, cert: Any, chain: list[Any], **cms_options: Any) -> bytes:
    """Return ``data`` with field ``name`` sealed in a new incremental revision."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.signers.pdf_signer import PdfTBSDocument

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    external = signers.ExternalSigner(signing_cert=cert, cert_registry=None, signature_value=bytes(80))
    pdf_signer = signers.PdfSigner(signers.PdfSignatureMetadata(field_name=name, md_algorithm="sm3"),
                                   signer=external)
    reserved = len(build_cms(private=private, cert=cert, chain=chain, data=b"", **cms_options)) + 32
    prepared, _tbs, output = asyncio.run(pdf_signer.async_digest_doc_for_signing(
        writer, existing_fields_only=True, bytes_reserved=2 * reserved))     # hex digits
    buf = output.getbuffer()
    signed = bytes(buf[:prepared.reserved_region_start]) + bytes(buf[prepared.reserved_region_end:])
    del buf
    der = build_cms(private=private, cert=cert, chain=chain, data=signed, **cms_options)
    PdfTBSDocument.finish_signing(output, prepared, der)
    return bytes(output.getvalue())


def seal_all(data: bytes, *, private: int, cert: Any, chain: list[Any] | None = None,
             fields: list[str] | None = None, **cms_options: Any) -> bytes:
    """Seal ``fields`` (default: every empty field) one after another."""
    for name in (empty_fields(data) if fields is None else fields):
        data = seal_field(data, name, private=private, cert=cert, chain=chain or [], **cms_options)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="用 SM2 软证书在材料包的每个空签章位置盖章（每处一次增量修订）")
    parser.add_argument("package", type=Path, help="材料包 PDF")
    parser.add_argument("--key", type=Path, required=True, help="SM2 私钥（PEM/DER，未加密）")
    parser.add_argument("--cert", type=Path, required=True, help="印章证书（PEM/DER）")
    parser.add_argument("--chain", type=Path, action="append", default=[], help="中间/根证书（可多次给出）")
    parser.add_argument("--family", choices=("pkcs7", "gb"), default="pkcs7",
                        help="CMS 的 OID：pkcs7（1.2.840.113549.1.7.2）或 gb（GB/T 35275，1.2.156.10197.6.1.4.2.2）")
    parser.add_argument("--no-signed-attributes", action="store_true", help="不带签名属性（签名直接覆盖文件内容）")
    parser.add_argument("--key-oid", action="store_true", help="签名算法写作 SM2 密钥 OID 1.2.156.10197.1.301")
    parser.add_argument("-o", "--output", type=Path, help="输出文件（默认：原名加“-已盖章”）")
    args = parser.parse_args(argv)
    if not sm2.sm3_available():
        print("本机 Python 的 OpenSSL 不支持 SM3", file=sys.stderr)
        return 2
    [cert, *rest] = load_certificates(args.cert)
    chain = rest + [c for p in args.chain for c in load_certificates(p)]
    private = load_private_key(args.key.read_bytes())
    if sm2.public_point(private) != sm2.key_point(cert["tbs_certificate"]["subject_public_key_info"]):
        print("私钥与证书不匹配", file=sys.stderr)
        return 2
    data = args.package.read_bytes()
    fields = empty_fields(data)
    sealed = seal_all(data, private=private, cert=cert, chain=chain, fields=fields, family=args.family,
                      signed_attributes=not args.no_signed_attributes,
                      signature_oid=sm2.SM2_KEY if args.key_oid else sm2.SM2_SM3)
    target = args.output or args.package.with_name(args.package.stem + "-已盖章.pdf")
    tmp = target.with_name("." + target.name + ".part")
    tmp.write_bytes(sealed)
    tmp.replace(target)
    print(f"已盖章 {len(fields)} 处：{target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
