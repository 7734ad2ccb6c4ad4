"""What the intake benchmark needs besides the product: re-issue a package, sign it.

The benchmark imports nothing from ``tests/``; these are its own small copies of the two tools.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def rewrite(data: bytes, *, replace: dict[str, bytes], manifest: Callable[[dict[str, Any]], None]) -> bytes:
    """Return the package rewritten with attachments replaced and the manifest (hashes fixed) edited."""
    from pypdf import PdfReader, PdfWriter

    atts = {a.name: a.content for a in PdfReader(io.BytesIO(data)).attachment_list}
    m = json.loads(atts["manifest.json"])
    for f in m["files"]:
        if f["attachment"] in replace:
            f["sha256"] = hashlib.sha256(replace[f["attachment"]]).hexdigest()
            f["size"] = len(replace[f["attachment"]])
    manifest(m)
    replace = dict(replace, **{"manifest.json": json.dumps(m, ensure_ascii=False, indent=2).encode()})
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for att in list(writer.attachment_list):
        if att.name in replace:
            att.delete()
    for name, content in replace.items():
        writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_signer(folder: Path, uscc: str, organization: str) -> Any:
    """Return a pyHanko signer with a throwaway self-signed EC certificate naming the agency."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench Seal"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                         x509.NameAttribute(NameOID.SERIAL_NUMBER, uscc)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / "seal.key.pem", folder / "seal.cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return signers.SimpleSigner.load(str(key_path), str(cert_path))


def sign(data: bytes, signer: Any) -> bytes:
    """Sign every empty signature field, one incremental revision each (as an e-seal client does)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import signers
    from pyhanko.sign.fields import enumerate_sig_fields

    empty = [n for n, v, _ in enumerate_sig_fields(PdfFileReader(io.BytesIO(data))) if v is None]
    for name in empty:
        out = io.BytesIO()
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), signers.PdfSignatureMetadata(field_name=name),
                         signer=signer, output=out, existing_fields_only=True)
        data = out.getvalue()
    return data
