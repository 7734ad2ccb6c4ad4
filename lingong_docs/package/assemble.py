"""Bundle stage: rendered parts (PDF files) → one signing-ready, self-describing package.

``bundle(parts, out_pdf, attachments=, manifest=, metadata=, draft=)`` assembles the pages of the
parts in order into a fresh ``PdfWriter`` and adds:

- "第X页 共Y页" at the bottom centre of every page (and, for drafts, a diagonal 草稿 mark);
- one bookmark per material (one child per payment-evidence file);
- an empty signature field (/FT /Sig) at every place a form asks for a seal or a signature;
- the source files, the validation report and ``manifest.json`` as embedded files;
- fixed document information (no data of any worker), a content-derived /ID, and — with a
  password — AES-256 encryption.

Without encryption the same inputs give the same bytes (the date comes from the caller).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from lingong_docs._version import __version__
from lingong_docs.core import manifest as contract
from lingong_docs.core.errors import BuildError
from lingong_docs.core.manifest import field_name
from lingong_docs.package.evidence_pages import EvidenceEntry, evidence_pdf, file_label
from lingong_docs.package.marks import (
    SEAL,
    SIGNATURE,
    Place,
    add_signature_fields,
    box_for,
    default_box,
    read_page,
    resolve,
)
from lingong_docs.package.overlay import Stamper, make_overlay, page_number_text
from lingong_docs.util.atomic import atomic_path
from lingong_docs.util.pdfobjects import replace_object

_COMPRESSED = (".xlsx", ".xls", ".pdf", ".jpg", ".jpeg", ".png", ".zip")
_STRIP_PAGE_KEYS = ("/Metadata", "/PieceInfo", "/Thumb", "/LastModified")


@dataclass(frozen=True)
class Child:
    """An outline entry below a material (one per evidence file); pages 0-based within the part."""

    title: str
    first: int
    last: int
    data: dict = field(default_factory=dict)   # extra manifest keys (file, attachment, rows)


@dataclass(frozen=True)
class Part:
    """One material: its PDF, its place in the outline, and where it needs seals/signatures.

    ``marks``: roles whose words ("（盖章）", "（签字）") are looked for on its pages;
    ``required``: roles that get a default place (on its first page for ``scan="ends"``, else
    its last) when the words are not found; ``scan``: ``"all"`` pages, or only the first and
    last (``"ends"``: a long table has its header block on the first page and its seal line on
    the last, and reading the text of 1,000 pages would cost seconds); ``seal_over``: texts a
    seal may cover besides its own line and dates (the unit's name, when it wraps); ``seam``: a
    part that asks for a 骑缝章 when it has more than one page (paper edition: the tables); the
    guide strip is then drawn on every page of the package (``has_seam``).
    """

    key: str
    title: str
    pdf: Path
    marks: tuple = ()
    required: tuple = ()
    scan: str = "all"
    children: tuple = ()
    seal_over: tuple = ()
    seam: bool = False


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the package: ``name`` inside the PDF, ``role`` for the manifest."""

    name: str
    data: bytes = field(repr=False)
    role: str
    source: str = ""
    description: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def to_manifest(self) -> contract.FileEntry:
        return contract.FileEntry(name=self.source or self.name, role=self.role, sha256=self.sha256,
                                  size=len(self.data), attachment=self.name)


@dataclass
class BundleResult:
    """What ``bundle`` wrote: the file, page count, material page ranges, fields, manifest."""

    path: Path
    pages: int
    materials: list
    signature_fields: list
    manifest: dict = field(repr=False)


def page_counts(paths: list[Path]) -> list[int]:
    """Return the number of pages of each PDF (for the checklist's page ranges)."""
    return [len(_read(p).pages) for p in paths]


def has_seam(parts: list[Part], counts: list[int]) -> bool:
    """Return whether the package asks for a 骑缝章 (across the whole bound stack): only where a
    part asking for one (a table of the paper edition) runs over several pages."""
    return any(part.seam and count > 1 for part, count in zip(parts, counts))


def material_ranges(parts: list[tuple[str, str, int]]) -> list[dict]:
    """Return [{key, title, first_page, last_page}] (1-based) for (key, title, pages) in order."""
    out, page = [], 1
    for key, title, count in parts:
        out.append({"key": key, "title": title, "first_page": page, "last_page": page + count - 1})
        page += count
    return out


def evidence_part(files: list[Path], out: Path, *, key: str = "evidence", title: str = "支付凭证",
                  attachment_prefix: str = "支付凭证/") -> Part:
    """Write the evidence pages for ``files`` to ``out``; return them as a Part with children."""
    entries: list[EvidenceEntry] = evidence_pdf(files, out)
    children = tuple(
        Child(title=e.title, first=e.first, last=e.last,
              data={"file": e.path.name, "attachment": attachment_prefix + e.path.name,
                    "rows": [list(r) for r in e.rows] if e.rows else None})
        for e in entries)
    return Part(key=key, title=title, pdf=out, children=children)


def files_part(files: list[Path], out: Path, *, key: str, title: str, section: str, subtitle: str) -> Part:
    """Write the pages of supporting ``files`` (认定材料, 其他材料) to ``out``, each under a heading
    naming it; return them as a Part with one child (outline entry, checklist row) per file."""
    entries = evidence_pdf(files, out, section=section, subtitle=subtitle)
    children = tuple(Child(title=e.path.name, first=e.first, last=e.last, data={"file": e.path.name})
                     for e in entries)
    return Part(key=key, title=title, pdf=out, children=children)


def bundle(parts: list[Part], out_pdf: str | Path, *, attachments: list[Attachment], manifest: contract.Manifest,
           metadata: dict, draft: bool = False, password: str | None = None, atomic: bool = True,
           progress: Callable[[str, int, int], None] | None = None, watermark: str = "") -> BundleResult:
    """Assemble ``parts`` into the package ``out_pdf``; return what was written.

    ``manifest`` (the typed ``core.manifest.Manifest`` intake reads back) is completed here
    (``materials``, ``signature_fields``, ``pages``, ``files``) and embedded as ``manifest.json``.
    ``metadata``: title, author, subject, keywords, and ``date`` (a timezone-aware datetime used
    for every date in the file). ``atomic=False`` writes straight
    to ``out_pdf`` (the caller already writes through ``atomic_path``). ``watermark``: why a
    draft is one (the diagonal mark reads "草稿 — <watermark>").
    """
    out_pdf = Path(out_pdf)
    tick = progress or (lambda *_: None)
    readers = [_read(p.pdf) for p in parts]
    counts = [len(r.pages) for r in readers]
    if sum(counts) == 0:
        raise BuildError.make("bundle-empty")
    sizes = [_display_size(page) for r in readers for page in r.pages]
    seams = [has_seam(parts, counts)] * len(sizes)
    overlay = make_overlay(sizes, draft=draft, watermark=watermark, seams=seams)
    writer = PdfWriter()
    places, materials = _add_parts(writer, parts, readers, overlay, tick)
    add_signature_fields(writer, places, list(writer.pages))
    for part, material in zip(parts, materials):
        parent = writer.add_outline_item(title=part.title, page_number=material.first_page - 1)
        for child in part.children:
            writer.add_outline_item(title=child.title, page_number=material.first_page - 1 + child.first,
                                    parent=parent)
    complete = replace(manifest, files=tuple(a.to_manifest() for a in attachments), materials=tuple(materials),
                       signature_fields=tuple(p.to_manifest() for p in places), pages=sum(counts))
    data = complete.to_dict()
    manifest_bytes = (json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n").encode()
    date = metadata.get("date") or dt.datetime.now(dt.UTC)
    everything = [*attachments, Attachment(name=contract.NAME, data=manifest_bytes, role="manifest",
                                           description="材料包清单（文件、页码、签章位置、计算结果）")]
    _attach(writer, everything, date)
    _catalog(writer, metadata, date)
    tick("writing", 0, 1)
    _write(out_pdf, _serialize(writer, password), atomic)
    tick("writing", 1, 1)
    return BundleResult(path=out_pdf, pages=sum(counts), materials=data["materials"],
                        signature_fields=data["signature_fields"], manifest=data)


def _add_parts(writer: PdfWriter, parts: list[Part], readers: list[PdfReader], overlay: PdfReader,
               tick: Callable[[str, int, int], None]) -> tuple[list[Place], list[contract.MaterialEntry]]:
    """Add every page to ``writer`` (stamped); return the signature places and the materials."""
    stamper = Stamper(writer)
    places: list[Place] = []
    materials: list[contract.MaterialEntry] = []
    total = len(overlay.pages)
    index = 0
    for part, reader in zip(parts, readers):
        first, count = index, len(reader.pages)
        part_places: list[Place] = []
        for k, source in enumerate(reader.pages):
            page = writer.add_page(source)
            for key in _STRIP_PAGE_KEYS:
                page.pop(NameObject(key), None)
            if page.get("/Rotate", 0) % 360:
                page.transfer_rotation_to_content()
            if part.marks and (part.scan == "all" or k in (0, count - 1)):
                part_places.extend(_places_on(page, part, index))
            stamper.stamp(page, overlay.pages[index])
            index += 1
            if index % 50 == 0 or index == total:
                tick("bundling", index, total)
        part_places.extend(_default_places(part, part_places, writer, first, index - 1))
        places.extend(_name_places(part, part_places, writer))
        materials.append(_material(part, first, index))
    return places, materials


def _material(part: Part, first: int, end: int) -> contract.MaterialEntry:
    """Return the manifest entry of a part on 0-based pages ``first`` … ``end - 1``."""
    items = tuple({"title": c.title, "first_page": first + c.first + 1, "last_page": first + c.last + 1, **c.data}
                  for c in part.children)
    return contract.MaterialEntry(key=part.key, title=part.title, first_page=first + 1, last_page=end, items=items)


def _write(out_pdf: Path, data: bytes, atomic: bool) -> None:
    if atomic:
        with atomic_path(out_pdf, 0o600) as tmp:
            tmp.write_bytes(data)
        return
    with open(os.open(out_pdf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(data)


# --- helpers -------------------------------------------------------------------------------------

def _read(path: Path) -> PdfReader:
    try:
        return PdfReader(path)
    except (OSError, PdfReadError) as e:
        raise BuildError.make("part-unreadable", part=Path(path).name) from e


def _display_size(page) -> tuple[float, float]:
    box = page.mediabox
    w, h = float(box.width), float(box.height)
    return (h, w) if page.get("/Rotate", 0) % 180 else (w, h)


def _places_on(page, part: Part, index: int) -> list[Place]:
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    out: list[Place] = []
    marks, text = read_page(page, part.seal_over)
    # Signatures first: their place is fixed by the words; a seal then keeps clear of them.
    for mark in sorted(marks, key=lambda m: m.role != SIGNATURE):
        if mark.role in part.marks:
            out.append(Place(name="", material=part.key, page=index, role=mark.role,
                             rect=box_for(mark, w, h, text, avoid=[p.rect for p in out]), found=True))
    return out


def _default_places(part: Part, found: list[Place], writer: PdfWriter, first: int, last: int) -> list[Place]:
    target = first if part.scan == "ends" else last
    page = writer.pages[target]
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    return [Place(name="", material=part.key, page=target, role=role, rect=default_box(role, w, h), found=False)
            for role in part.required if not any(p.role == role for p in found)]


def _name_places(part: Part, places: list[Place], writer: PdfWriter) -> list[Place]:
    """Name the places ``seal_<key>``, ``sign_<key>`` (``_2``, ``_3`` … for further ones), in
    reading order, and move boxes that would overlap on a page."""
    named: list[Place] = []
    seen: dict[str, int] = {}
    for p in sorted(places, key=lambda p: (p.page, p.role != SEAL, -p.rect[1], p.rect[0])):
        n = seen[p.role] = seen.get(p.role, 0) + 1
        named.append(replace(p, name=field_name(p.role, part.key, n)))
    out = []
    for page in sorted({p.page for p in named}):
        box = writer.pages[page].mediabox
        out.extend(resolve([p for p in named if p.page == page], float(box.width), float(box.height)))
    return out


_ZERO_ID = ByteStringObject(bytes(16))


def _serialize(writer: PdfWriter, password: str | None) -> bytes:
    """Return the file's bytes. Unencrypted, its /ID is the first 16 bytes of the SHA-256 of the
    file written with a zero /ID (so the same content gives the same bytes, whatever the
    LibreOffice parts carried in their own /ID and dates); encrypted, a random one (AES-256 salts
    are random anyway)."""
    if password:
        writer._ID = ArrayObject([ByteStringObject(os.urandom(16))] * 2)
        writer.encrypt(user_password=password, owner_password=password, algorithm="AES-256")
        buf = io.BytesIO()
        writer.write(buf)
        return buf.getvalue()
    writer._ID = ArrayObject([_ZERO_ID, _ZERO_ID])
    buf = io.BytesIO()
    writer.write(buf)
    data = buf.getvalue()
    file_id = hashlib.sha256(data).digest()[:16]
    zero, real = b"<" + b"00" * 16 + b">", b"<" + file_id.hex().encode() + b">"
    tail = data.rfind(b"trailer")
    if tail >= 0 and data.count(zero, tail) == 2:   # same length: offsets stay valid
        return data[:tail] + data[tail:].replace(zero, real)
    writer._ID = ArrayObject([ByteStringObject(file_id)] * 2)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _pdf_date(date: dt.datetime) -> str:
    if date.tzinfo is None:
        date = date.replace(tzinfo=dt.UTC)
    offset = date.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return date.strftime("D:%Y%m%d%H%M%S") + f"{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"


def _attach(writer: PdfWriter, attachments: list[Attachment], date: dt.datetime) -> None:
    """Embed the files with fixed dates, sizes and checksums (text files Flate-compressed)."""
    specs = ArrayObject()
    for a in attachments:
        ef = writer.add_attachment(a.name, a.data)
        ref = ef.pdf_object["/EF"].raw_get("/F")  # type: ignore[attr-defined]  # a DictionaryObject
        if not a.name.lower().endswith(_COMPRESSED):
            stream = ref.get_object()
            packed = stream.flate_encode(level=9)
            replace_object(writer, ref, packed)
        ef.size = NumberObject(len(a.data))
        ef.creation_date = date
        ef.modification_date = date
        ef.checksum = ByteStringObject(hashlib.md5(a.data).digest())  # PDF /CheckSum is MD5 by definition
        spec = ef.pdf_object
        spec[NameObject("/UF")] = TextStringObject(a.name)
        spec[NameObject("/AFRelationship")] = NameObject("/Source" if a.role != "manifest" else "/Data")
        if a.description:
            spec[NameObject("/Desc")] = TextStringObject(a.description)
        specs.append(spec.indirect_reference)
    writer.root_object[NameObject("/AF")] = specs


def _catalog(writer: PdfWriter, metadata: dict, date: dt.datetime) -> None:
    root = writer.root_object
    root.pop(NameObject("/Metadata"), None)
    root[NameObject("/PageMode")] = NameObject("/UseOutlines")
    root[NameObject("/Lang")] = TextStringObject("zh-CN")
    root[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)})
    stamp = _pdf_date(date)
    info = {"/Title": metadata.get("title", ""), "/Author": metadata.get("author", ""),
            "/Subject": metadata.get("subject", ""), "/Keywords": metadata.get("keywords", ""),
            "/Creator": metadata.get("creator", f"lingong-docs {__version__}"),
            "/Producer": f"lingong-docs {__version__}", "/CreationDate": stamp, "/ModDate": stamp}
    writer.add_metadata({k: v for k, v in info.items() if v})


__all__ = ["Part", "Child", "Attachment", "BundleResult", "bundle", "evidence_part", "files_part", "page_counts",
           "has_seam",
           "material_ranges", "page_number_text", "file_label", "SEAL", "SIGNATURE"]
