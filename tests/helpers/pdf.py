"""PDF helpers: blank PDFs, sign every field, read text lines with positions."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from pathlib import Path


def blank_pdf(pages: int = 1, *, size: tuple[float, float] = (595, 842), edit=None) -> bytes:
    """Return a real PDF of ``pages`` blank pages (A4 by default); ``edit(writer)`` may add to it first."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=size[0], height=size[1])
    if edit is not None:
        edit(writer)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def make_signer():
    """Return (pyHanko signer, certificate) for a throwaway self-signed EC key."""
    import asn1crypto.keys
    import asn1crypto.x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign.signers.pdf_cms import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Seal"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lingong-docs tests")])
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).add_extension(usage, critical=True)
            .sign(key, hashes.SHA256()))
    c = asn1crypto.x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    k = asn1crypto.keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return SimpleSigner(signing_cert=c, signing_key=k, cert_registry=SimpleCertificateStore.from_certs([c])), c


def signature_fields(data: bytes, password: str | None = None) -> list[tuple[str, bool]]:
    """Return [(field name, is signed)] as pyHanko sees them."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    r = PdfFileReader(io.BytesIO(data))
    if password:
        r.decrypt(password)
    return [(str(name), value is not None) for name, value, _ref in enumerate_sig_fields(r)]


def sign_all(data: bytes, password: str | None = None) -> tuple[bytes, list]:
    """Sign every field one after another (incremental updates); return (bytes, statuses)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    signer, cert = make_signer()
    names = [n for n, _ in signature_fields(data, password)]
    for name in names:
        w = IncrementalPdfFileWriter(io.BytesIO(data))
        if password:
            w.encrypt(password)
        out = io.BytesIO()
        signers.sign_pdf(w, signers.PdfSignatureMetadata(field_name=name), signer=signer, output=out,
                         existing_fields_only=True)
        data = out.getvalue()
    r = PdfFileReader(io.BytesIO(data))
    if password:
        r.decrypt(password)
    vc = ValidationContext(trust_roots=[cert], allow_fetching=False)
    statuses = [(s.field_name, validate_pdf_signature(s, vc)) for s in r.embedded_signatures]
    return data, statuses


def assert_all_signed_ok(data: bytes, password: str | None = None) -> list[str]:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    names = [n for n, _ in signature_fields(data, password)]
    assert names, "no signature fields"
    assert all(not signed for _, signed in signature_fields(data, password))
    signed, statuses = sign_all(data, password)
    assert [n for n, _ in statuses] == names
    for _name, st in statuses:
        assert st.intact and st.valid and st.trusted
    assert statuses[-1][1].coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert all(signed for _, signed in signature_fields(signed, password))
    return names


def text_lines(pdf: Path, page: int) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Return [(text, box)] of the lines of ``page`` (1-based) as pdftotext -bbox sees them, the box
    in PDF user space (x0, y0, x1, y1; y up); words on one baseline make one line."""
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', out).group(1))
    lines: dict[float, list] = {}
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out):
        x0, top, x1, bottom = (float(v) for v in m.groups()[:4])
        key = next((k for k in lines if abs(k - bottom) < 3), bottom)
        lines.setdefault(key, []).append((x0, height - bottom, x1, height - top, m.group(5)))
    return [("".join(w[4] for w in sorted(ws)),
             (min(w[0] for w in ws), min(w[1] for w in ws), max(w[2] for w in ws), max(w[3] for w in ws)))
            for _, ws in sorted(lines.items())]


def line_with(lines, pattern: str):
    """Return the box of the one line matching ``pattern`` (a regular expression)."""
    found = [box for text, box in lines if re.search(pattern, text)]
    assert len(found) == 1, (pattern, [t for t, _ in lines])
    return found[0]


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


DATE_LINE = r"^\d{4}年\d{1,2}月\d{1,2}日$"
