"""Shared pieces of the intake tests: one small built package, a throwaway signer, tampering.

The package is built once per test session with the real build stage (a 1,000-row operating
application made with util.make_app + fill) and cached here; every test copies the bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from helpers.apps import USCC, fill, make_app, table_path
from helpers.figures import idcard, roster_row
from lingong_docs.core import manifest as contract

YEAR = 2025
ROWS = 1000
RECEIVED = dt.date(2026, 3, 10)
OTHER_USCC = "91350100M000100Y43"


def uscc_code(first17: str) -> str:
    """A valid 统一社会信用代码 from its first 17 characters."""
    from lingong_docs.identifiers.uscc import check_char

    return first17 + check_char(first17)


THIRD_USCC = uscc_code("91110000MA0000000")
_CACHE: dict = {}


def _evidence(folder: Path, n: int) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with open(folder / "支付凭证" / f"0001-{n:04d} 银行代发回单.pdf", "wb") as f:
        writer.write(f)


# A market's year of posts as an operator publishes them: a dozen gigs, none above the 500 people
# a single post plausibly asks for, together the 5,000 the operating subsidy needs (the first asks for 500).
POSTS = [("分拣员", "物流仓储", 500), ("快递配送员", "物流仓储", 450), ("装卸搬运工", "物流仓储", 400),
         ("家政保洁员", "家政服务", 480), ("养老护理员", "家政服务", 350), ("餐厅服务员", "餐饮服务", 500),
         ("后厨帮工", "餐饮服务", 420), ("超市理货员", "商贸零售", 380), ("促销员", "商贸零售", 500),
         ("展会布展工", "会展服务", 300), ("安保巡逻员", "安保服务", 400), ("外卖骑手", "物流仓储", 320)]
DEMAND = sum(demand for _t, _c, demand in POSTS)


def job_posts() -> list[dict]:
    """附件4's rows for the test package: one post a month, in the application year."""
    return [{"seq": i + 1, "title": title, "category": category, "published": dt.datetime(YEAR, i + 1, 5),
             "demand": demand} for i, (title, category, demand) in enumerate(POSTS)]


def built_package() -> bytes:
    """Return the bytes of the small operating package (built once per session)."""
    if "package" not in _CACHE:
        from lingong_docs.package.build import build_packages

        root = Path(tempfile.mkdtemp(prefix="intake-test-build-"))
        try:
            folder = make_app(root / "app", year=YEAR)
            fill(table_path(folder, "roster"), "roster", [roster_row(i) for i in range(ROWS)])
            fill(table_path(folder, "job_posts"), "job_posts", job_posts())
            _evidence(folder, ROWS)
            [result] = build_packages(folder, kinds=["operating"], out=root / "out", today=dt.date(YEAR + 1, 3, 1))
            _CACHE["package"] = result.path.read_bytes()
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return _CACHE["package"]


def built_recognition_package() -> bytes:
    """Return the bytes of a small 零工市场认定 package (built once per session, only when asked)."""
    if "recognition" not in _CACHE:
        from lingong_docs.package.build import build_packages

        root = Path(tempfile.mkdtemp(prefix="intake-test-build-"))
        try:
            folder = make_app(root / "app", year=YEAR)
            fill(table_path(folder, "roster"), "roster", [roster_row(i) for i in range(10)])
            fill(table_path(folder, "job_posts"), "job_posts",
                 [{"seq": 1, "title": "分拣员", "category": "物流仓储", "published": dt.datetime(YEAR, 1, 5),
                   "demand": 50}])
            _evidence(folder, 10)
            app_file = folder / "application.yaml"
            text = app_file.read_text(encoding="utf-8").replace("  - 运营经费补贴\n  - 就业服务补贴\n", "  - 零工市场认定\n")
            for part in ("选址建设情况", "场地设施人员制度服务", "线上平台搭建情况", "机构基本情况及成功案例"):
                text = text.replace(f'  {part}: ""', f'  {part}: "（测试）{part}的说明文字。"')
            app_file.write_text(text, encoding="utf-8")
            [result] = build_packages(folder, kinds=["recognition"], out=root / "out", today=dt.date(YEAR + 1, 3, 1))
            _CACHE["recognition"] = result.path.read_bytes()
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return _CACHE["recognition"]


# ---- signing -----------------------------------------------------------------------------------

def _key_usage(x509, *, ca: bool):
    return x509.KeyUsage(digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def make_ca(tmp: Path, name: str = "Test Root CA", *, since_days: int = 1):
    """Return (private key, certificate, PEM path) of a throwaway root certificate authority
    (valid from ``since_days`` ago for 60 days more)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=since_days)).not_valid_after(now + dt.timedelta(days=60))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_key_usage(x509, ca=True), critical=True)
            .sign(key, hashes.SHA256()))
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / f"{name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, path


def make_signer(tmp: Path, name: str = "Test Seal", *, uscc: str | None = USCC,
                organization: str | None = "北京示例人力资源有限公司", ca=None, valid: tuple | None = None,
                crl_url: str | None = None):
    """Return a pyHanko signer with a fresh EC certificate (and the cert's path).

    The subject carries ``uscc`` as serialNumber and ``organization`` as O, as Chinese e-seal
    certificates do; ``ca`` (from ``make_ca``) issues it, else it is self-signed; ``valid`` is
    (not before, not after), default from yesterday for 30 days; ``crl_url`` a CRL distribution
    point (pyHanko checks revocation only for certificates that name where to find it).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers

    key = ec.generate_private_key(ec.SECP256R1())
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, name)]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if uscc:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, uscc))
    subject = x509.Name(attrs)
    issuer_key, issuer = (key, subject) if ca is None else (ca[0], ca[1].subject)
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(valid[0] if valid else now - dt.timedelta(days=1))
               .not_valid_after(valid[1] if valid else now + dt.timedelta(days=30))
               .add_extension(_key_usage(x509, ca=False), critical=True))
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())
    tmp.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = tmp / f"{name}.key.pem", tmp / f"{name}.cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    chain = [] if ca is None else [str(ca[2])]
    return signers.SimpleSigner.load(str(key_path), str(cert_path), ca_chain_files=chain or None), cert_path


def make_tsa(tmp: Path, ca, *, since_days: int = 1):
    """Return pyHanko's own test timestamp service (DummyTimeStamper) with a certificate issued by ``ca``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)    # the dummy service is RSA-only
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")]))
            .issuer_name(ca[1].subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=since_days)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(ca[0], hashes.SHA256()))
    tmp.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = tmp / "tsa.key.pem", tmp / "tsa.cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return DummyTimeStamper(tsa_cert=load_cert_from_pemder(str(cert_path)),
                            tsa_key=load_private_key_from_pemder(str(key_path), passphrase=None),
                            certs_to_embed=[load_cert_from_pemder(str(ca[2]))])


def make_long_term(data: bytes, ca, tsa, at: dt.datetime | None = None) -> bytes:
    """Add what e-seal clients add after signing: validation data (a DSS revision, PAdES-B-LT)
    for every signature, then a document timestamp (PAdES-B-LTA) from ``tsa`` (dated ``at``, and
    the validation data gathered as of ``at``, when given)."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.validation import add_validation_info
    from pyhanko_certvalidator import ValidationContext

    root = [load_cert_from_pemder(str(ca[2]))]
    vc = ValidationContext(trust_roots=root, allow_fetching=False)
    last = PdfFileReader(io.BytesIO(data)).embedded_signatures[-1]
    then = vc if at is None else ValidationContext(trust_roots=root, allow_fetching=False, moment=at)
    data = add_validation_info(last, then).getvalue()
    tsa.fixed_dt = at
    out = io.BytesIO()
    PdfTimeStamper(tsa).timestamp_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), "sha256", vc, output=out)
    return out.getvalue()


def empty_fields(data: bytes) -> list[str]:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    return [name for name, value, _ in enumerate_sig_fields(PdfFileReader(io.BytesIO(data))) if value is None]


def sign(data: bytes, signer, fields: list[str] | None = None) -> bytes:
    """Sign ``fields`` (default: every empty field) one after another, each an incremental revision."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    for name in (empty_fields(data) if fields is None else fields):
        out = io.BytesIO()
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), signers.PdfSignatureMetadata(field_name=name),
                         signer=signer, output=out, existing_fields_only=True)
        data = out.getvalue()
    return data


# ---- examining ----------------------------------------------------------------------------------

@pytest.fixture(scope="module", name="signer")
def signer_fixture(tmp_path_factory):
    """Fixture ``signer``: a pyHanko signer with a self-signed certificate in the applicant's names
    (a test module imports ``signer_fixture`` to use it)."""
    return make_signer(tmp_path_factory.mktemp("cert"))[0]


@pytest.fixture(scope="module", name="signed")
def signed_fixture(signer) -> bytes:
    """Fixture ``signed``: the test package with every place sealed by ``signer``."""
    return sign(built_package(), signer)


def run(tmp_path: Path, data: bytes, name: str = "package.pdf", **kw):
    """Examine ``data`` saved as ``name`` (received on RECEIVED unless ``as_of`` says otherwise) and
    return its receipt; every placeholder of every finding's message must have been filled."""
    from lingong_docs.intake.service import intake

    path = tmp_path / name
    path.write_bytes(data)
    kw.setdefault("as_of", RECEIVED)
    [receipt] = intake([path], **kw)
    for f in receipt.findings:
        assert "{" not in f.message and "}" not in f.message, f.message
    return receipt


def errors(receipt) -> set[str]:
    return {f.code for f in receipt.findings if f.severity == "error"}


def message(receipt, code: str) -> str:
    return next(f.message for f in receipt.findings if f.code == code)


def seal_codes(receipt) -> list[tuple[str, str]]:
    """(code, severity) of the findings about the seals and the file's structure, sorted."""
    return sorted((f.code, f.severity) for f in receipt.findings
                  if f.code.startswith(("signature", "form-field", "pdf-", "active")))


# ---- reading and tampering ----------------------------------------------------------------------

def attachments(data: bytes) -> dict[str, bytes]:
    return {a.name: a.content for a in PdfReader(io.BytesIO(data)).attachment_list}


def manifest_of(data: bytes) -> dict:
    return json.loads(attachments(data)["manifest.json"])


def rewrite(data: bytes, *, replace: dict | None = None, manifest=None, fix_hashes: bool = False) -> bytes:
    """Return a full rewrite of the package with attachments replaced.

    ``replace``: {attachment name: new bytes}. ``manifest``: a function editing the manifest dict.
    ``fix_hashes``: update the manifest's sha256/size of replaced files (a careful forger).
    """
    replace = dict(replace or {})
    m = manifest_of(data)
    if fix_hashes:
        for f in m["files"]:
            if f["attachment"] in replace:
                f["sha256"] = hashlib.sha256(replace[f["attachment"]]).hexdigest()
                f["size"] = len(replace[f["attachment"]])
    if manifest is not None:
        manifest(m)
    replace["manifest.json"] = json.dumps(m, ensure_ascii=False, indent=2).encode()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for att in list(writer.attachment_list):
        if att.name in replace:
            att.delete()
    for name, content in replace.items():
        writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _edit_workbook(content: bytes, *, uscc: str | None = None, applicant: str | None = None,
                   shift: dt.timedelta | None = None, demand: list[int] | None = None) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    for row in ws.iter_rows(min_row=1, max_row=3):
        for cell in row:
            if uscc and cell.value == USCC:
                cell.value = uscc
            elif applicant and isinstance(cell.value, str) and cell.value == "北京示例人力资源有限公司":
                cell.value = applicant
    demands = iter(demand or ())
    for row in ws.iter_rows(min_row=5):
        for cell in row:
            if shift and isinstance(cell.value, dt.datetime):
                cell.value = cell.value + shift
        if demand is not None and row[4].value is not None:
            row[4].value = next(demands)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rebrand(data: bytes, *, uscc: str = OTHER_USCC, applicant: str = "北京另一家人力资源有限公司",
            market: str | None = None, shift: dt.timedelta | None = None) -> bytes:
    """Return the package re-issued for another agency (or market): the workbooks' header block,
    application.yaml and the manifest rewritten consistently, hashes fixed; optionally every
    roster time shifted by ``shift``. The printed pages keep the old name (intake reads data)."""
    atts = attachments(data)
    m = manifest_of(data)
    names = {f["role"]: f["attachment"] for f in m["files"]}
    app_yaml = atts[names["application"]].decode("utf-8")
    app_yaml = app_yaml.replace(USCC, uscc).replace("北京示例人力资源有限公司", applicant)
    if market:
        app_yaml = app_yaml.replace(m["applicant"]["market"], market)
    replace = {
        names["application"]: app_yaml.encode("utf-8"),
        names["job_posts"]: _edit_workbook(atts[names["job_posts"]], uscc=uscc, applicant=applicant),
        names["roster"]: _edit_workbook(atts[names["roster"]], uscc=uscc, applicant=applicant, shift=shift),
    }

    def edit(man):
        man["applicant"].update(name=applicant, uscc=uscc)
        man["figures"].update(applicant=applicant, uscc=uscc)
        if market:
            man["applicant"]["market"] = market
            man["figures"]["market"] = market

    return rewrite(data, replace=replace, manifest=edit, fix_hashes=True)


def with_demand(data: bytes, total: int) -> bytes:
    """Return the package with 附件4's 需求人数 changed to add up to ``total`` (spread evenly over
    the posts; hashes fixed: a careful forger)."""
    atts = attachments(data)
    name = next(f["attachment"] for f in manifest_of(data)["files"] if f["role"] == "job_posts")
    each, rest = divmod(total, len(POSTS))
    demands = [each + (1 if i < rest else 0) for i in range(len(POSTS))]
    return rewrite(data, replace={name: _edit_workbook(atts[name], demand=demands)}, fix_hashes=True)


def encrypted(data: bytes, password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def drop_material(data: bytes, key: str) -> bytes:
    """Return the package without the pages and the bookmark of material ``key`` (manifest kept)."""
    m = manifest_of(data)
    mat = next(x for x in m["materials"] if x["key"] == key)
    first, last = mat["first_page"] - 1, mat["last_page"] - 1
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for i in range(last, first - 1, -1):
        writer.remove_page(i)
    del writer.root_object["/Outlines"]
    removed = last - first + 1
    for other in m["materials"]:
        if other["key"] == key:
            continue
        page = other["first_page"] - 1 - (removed if other["first_page"] - 1 > last else 0)
        writer.add_outline_item(title=other["title"], page_number=page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def append_revision(data: bytes) -> bytes:
    """Return ``data`` with an incremental revision appended by pypdf (what an editor does)."""
    writer = PdfWriter(io.BytesIO(data), incremental=True)
    writer.add_metadata({"/Title": "已修改"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def flip_byte_in_signed_range(data: bytes) -> bytes:
    """Return ``data`` with one byte changed inside the first signature's signed range."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    sig = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    start, length = sig.byte_range[0], sig.byte_range[1]
    # a byte in the middle of the signed prefix that is not inside a stream header
    pos = start + length // 2
    b = bytearray(data)
    b[pos] = ord("A") if b[pos] != ord("A") else ord("B")
    return bytes(b)


def _write_manifest(writer: PdfWriter, manifest: dict) -> None:
    """Replace the bytes of manifest.json inside ``writer`` in place (no other attachment touched)."""
    from pypdf.generic import NameObject, NumberObject

    data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    names = writer.root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    for i in range(0, len(names), 2):
        if str(names[i]) == "manifest.json":
            stream = names[i + 1].get_object()["/EF"]["/F"].get_object()
            stream.set_data(data)
            stream["/Params"][NameObject("/Size")] = NumberObject(len(data))
            stream["/Params"].pop("/CheckSum", None)


def without_signature_fields(data: bytes, names: list[str] | None = None, *, listed: bool = False) -> bytes:
    """Return the package without the signature fields ``names`` (default: all of them, and the
    /AcroForm with them), removed from the pages and from the manifest — or, with ``listed=True``,
    removed from the manifest only (the fields stay in the file)."""
    m = manifest_of(data)
    everything = names is None
    names = set(names or [f["name"] for f in m["signature_fields"]])
    m["signature_fields"] = [f for f in m["signature_fields"] if f["name"] not in names]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    if not listed:
        from pypdf.generic import ArrayObject, NameObject

        for page in writer.pages:
            if "/Annots" in page:
                kept = [a for a in page["/Annots"] if str(a.get_object().get("/T")) not in names]
                page[NameObject("/Annots")] = ArrayObject(kept)
        form = writer.root_object["/AcroForm"].get_object()
        if everything:
            del writer.root_object["/AcroForm"]
        else:
            form[NameObject("/Fields")] = ArrayObject(
                [f for f in form["/Fields"] if str(f.get_object().get("/T")) not in names])
    _write_manifest(writer, m)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_stamped_field(data: bytes, signer, *, page: int = 2, text: str = "Apply for 500000 yuan") -> bytes:
    """Return ``data`` with a NEW signature field appended on ``page`` (0-based) and signed with a
    stamp that paints ``text`` over the page (the shadow attack: pyHanko calls it form filling)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    w = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    fields.append_signature_field(w, fields.SigFieldSpec("overlay", on_page=page, box=(80, 520, 520, 580)))
    out = io.BytesIO()
    signers.PdfSigner(signers.PdfSignatureMetadata(field_name="overlay"), signer=signer,
                      stamp_style=TextStampStyle(stamp_text=text, border_width=0)).sign_pdf(w, output=out)
    return out.getvalue()


def move_field(data: bytes, name: str, rect: tuple = (60, 300, 540, 700)) -> bytes:
    """Return ``data`` with the box of signature field ``name`` moved/enlarged in an incremental
    revision (before it is signed, a seal's picture could then cover the page)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import enumerate_sig_fields

    w = IncrementalPdfFileWriter(io.BytesIO(data))
    [ref] = [ref for n, _v, ref in enumerate_sig_fields(w) if n == name]
    widget = ref.get_object()
    widget["/Rect"] = generic.ArrayObject([generic.FloatObject(v) for v in rect])
    w.update_container(widget)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def add_text_annotation(data: bytes, *, page: int = 2, text: str = "500000") -> bytes:
    """Return ``data`` with a FreeText annotation appended in an incremental revision (an editor)."""
    from pypdf.annotations import FreeText

    writer = PdfWriter(io.BytesIO(data), incremental=True)
    writer.add_annotation(page_number=page, annotation=FreeText(text=text, rect=(80, 520, 520, 580)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_roster_rows(data: bytes, rows: int) -> bytes:
    """Return the package with the embedded 附件5 replaced by one of ``rows`` rows (hashes fixed,
    the manifest's 撮合个次 and its record of the printed texts set to the new count): only the
    printed pages still show the old one."""

    name = next(f["attachment"] for f in manifest_of(data)["files"] if f["role"] == "roster")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.xlsx"
        path.write_bytes(attachments(data)[name])
        fill(path, "roster", [roster_row(i) for i in range(rows)])
        new = path.read_bytes()
    def edit(m: dict) -> None:
        m["figures"].update(match_count=rows)
        for p in m["printed"]:
            if p["field"] == "match_count":
                p["text"] = f"撮合服务{rows}个次"
            elif p.get("table") == "roster":
                p["text"] = contract.printed_text(contract.PRINTED_RECORDS, f"{rows:,}", "roster")

    return rewrite(data, replace={name: new}, fix_hashes=True, manifest=edit)
__all__ = ["YEAR", "ROWS", "POSTS", "DEMAND", "job_posts", "signer_fixture", "signed_fixture", "run", "errors", "message", "seal_codes", "RECEIVED", "USCC", "OTHER_USCC", "THIRD_USCC", "uscc_code", "idcard", "roster_row", "built_package", "make_signer", "make_ca", "make_tsa", "make_long_term",
           "sign", "empty_fields", "attachments", "manifest_of", "rewrite", "drop_material", "append_revision",
           "flip_byte_in_signed_range", "rebrand", "with_demand", "encrypted", "built_recognition_package",
           "without_signature_fields", "add_stamped_field", "add_text_annotation", "move_field", "with_roster_rows"]
