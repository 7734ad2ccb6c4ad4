"""Child side: read one received PDF package and describe it as plain JSON-able data.

Runs only inside the limited child process (``worker``). Everything read here is untrusted:
sizes are checked before anything is decompressed, attachment names never become paths, and
any failure becomes a problem code in the answer instead of an exception.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from pathlib import Path

from lingong_docs.core import manifest as contract
from lingong_docs.intake.names import clean_name, indexed_name

MANIFEST_NAME = contract.NAME
TEXT_MATERIALS = ("checklist", "report_operating", "report_employment", "report_recognition", "cover")
# Actions that run code, start programs or send data. Run on their own (/OpenAction, /AA) any
# action but going to a page counts; behind a link a reader clicks, only these do (a web link does not).
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/Rendition", "/RichMediaExecute"}
_AUTOMATIC_OK = {"/GoTo", "/Named"}
_BIDI_OR_CONTROL = re.compile(r"[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class Fatal(Exception):
    """The package cannot be examined further; ``code`` and ``params`` say why."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def scan(request: dict) -> dict:
    """Return the description of the package named in ``request`` (see ``worker``)."""
    logging.disable(logging.CRITICAL)       # pypdf/pyHanko log parts of the file; nobody reads them
    path = Path(request["pdf"])
    workdir = Path(request["workdir"])
    limits = request["limits"]
    out: dict = {"fatal": None, "problems": [], "pages": None, "outline": [], "attachments": [],
                 "active": [], "signatures": [], "revisions": None, "texts": {}, "encrypted": False,
                 "first_fields": None, "added": [], "moved": []}
    try:
        _scan(path, workdir, limits, request.get("password"), request.get("trust") or [], out)
    except Fatal as e:
        out["fatal"] = {"code": e.code, "params": e.params}
    except MemoryError:
        out["fatal"] = {"code": "pdf-bomb", "params": {"what": "memory"}}
    except RecursionError:
        out["fatal"] = {"code": "pdf-loop", "params": {"where": "structure"}}
    except Exception as e:  # noqa: BLE001 - any parser failure is a finding, never a crash
        out["fatal"] = _classify(e)
    return out


def _classify(e: BaseException) -> dict:
    from pypdf.errors import FileNotDecryptedError, LimitReachedError

    if isinstance(e, LimitReachedError):
        return {"code": "pdf-bomb", "params": {"what": "stream"}}
    if isinstance(e, FileNotDecryptedError):
        return {"code": "pdf-encrypted", "params": {}}
    return {"code": "pdf-unreadable", "params": {"reason": type(e).__name__}}


def _scan(path: Path, workdir: Path, limits: dict, password: str | None, trust: list, out: dict) -> None:
    import pypdf
    from pypdf import PdfReader

    size = path.stat().st_size
    if size > limits["max_file"]:
        raise Fatal("pdf-too-large", size=size, limit=limits["max_file"])
    with open(path, "rb") as f:
        _check_structure(f, size)
    with pypdf.apply_configuration(zlib_maximum_output_length=limits["max_attachment"],
                                   lzw_maximum_output_length=limits["max_attachment"],
                                   run_length_maximum_output_length=limits["max_attachment"],
                                   outline_maximum_entries=10_000, outline_maximum_depth=20):
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            out["encrypted"] = True
            if not password or not reader.decrypt(password):
                raise Fatal("pdf-encrypted")
        root = reader.trailer["/Root"].get_object()
        npages = len(reader.pages)
        if npages > limits["max_pages"]:
            raise Fatal("pdf-too-large", pages=npages, limit=limits["max_pages"])
        out["pages"] = npages
        page_index = {}
        for i, page in enumerate(reader.pages):
            ref = page.indirect_reference
            if ref is not None:
                page_index[ref.idnum] = i
        out["outline"] = _outline(root, reader, page_index, out)
        out["active"] = _active_content(root, reader, out)
        manifest = _attachments(reader, workdir, limits, out)
        out["texts"] = _texts(reader, manifest, limits, out)
    _signatures(path, password, trust, out, limits)


# ---- raw structure -------------------------------------------------------------------------

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_PREV = re.compile(rb"/Prev\s+(\d+)")


def _check_structure(f, size: int) -> None:
    """Refuse non-PDFs, truncated files and /Prev chains that loop or point outside the file."""
    head = f.read(1024)
    if b"%PDF-" not in head:
        raise Fatal("pdf-not-pdf")
    f.seek(max(0, size - 2048))
    tail = f.read()
    m = None
    for m in _STARTXREF.finditer(tail):  # noqa: B007 - the last match is wanted
        pass
    if m is None:
        raise Fatal("pdf-truncated")
    offset, seen = int(m.group(1)), set()
    while offset is not None:
        if offset in seen or len(seen) > 10_000:
            raise Fatal("pdf-xref-loop")
        seen.add(offset)
        if not 0 < offset < size:
            raise Fatal("pdf-unreadable", reason="xref-offset")
        offset = _prev_of_section(f, offset, size)


def _prev_of_section(f, offset: int, size: int) -> int | None:
    """Return the /Prev offset of the xref section at ``offset`` (table or stream), or None."""
    f.seek(offset)
    start = f.read(64).lstrip()
    if start.startswith(b"xref"):
        # Find the trailer after the table (20 bytes per entry; read on in chunks).
        f.seek(offset)
        buf, pos = b"", offset
        while pos < size:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            buf = buf[-16:] + chunk
            i = buf.find(b"trailer")
            if i >= 0:
                f.seek(pos + len(chunk) - len(buf) + i)
                trailer = f.read(8192)
                end = trailer.find(b"startxref")
                trailer = trailer[: end if end > 0 else len(trailer)]
                m = _PREV.search(trailer)
                return int(m.group(1)) if m else None
            pos += len(chunk)
        raise Fatal("pdf-truncated")
    if re.match(rb"\d+\s+\d+\s+obj", start):
        f.seek(offset)
        head = f.read(8192)
        end = head.find(b"stream")
        m = _PREV.search(head[: end if end > 0 else len(head)])
        return int(m.group(1)) if m else None
    raise Fatal("pdf-unreadable", reason="xref-offset")


# ---- outline --------------------------------------------------------------------------------

def _dest_page(dest, reader, page_index: dict) -> int | None:
    from pypdf.generic import ArrayObject, DictionaryObject

    try:
        dest = dest.get_object() if hasattr(dest, "get_object") else dest
        if isinstance(dest, DictionaryObject) and "/D" in dest:
            dest = dest["/D"]
        if isinstance(dest, (str, bytes)):
            named = reader.named_destinations.get(str(dest))
            return None if named is None else reader.get_destination_page_number(named)
        if isinstance(dest, ArrayObject) and dest:
            ref = dest.raw_get(0) if hasattr(dest, "raw_get") else dest[0]
            idnum = getattr(ref, "idnum", None)
            return page_index.get(idnum)
    except Exception:  # noqa: BLE001 - a broken destination is reported as "no page"
        return None
    return None


def _outline(root, reader, page_index: dict, out: dict) -> list[dict]:
    """Walk /Outlines by hand, with a visited set: a cycle is a finding, not a hang."""
    items: list[dict] = []
    outlines = root.get("/Outlines")
    if outlines is None:
        return items
    outlines = outlines.get_object()
    seen: set = set()
    stack = [(outlines.get("/First"), 0)]
    while stack:
        ref, depth = stack.pop()
        while ref is not None:
            node = ref.get_object()
            key = getattr(ref, "idnum", None) or id(node)
            if key in seen or len(seen) > 10_000 or depth > 20:
                out["problems"].append({"code": "pdf-loop", "params": {"where": "outline"}})
                return items
            seen.add(key)
            title = str(node.get("/Title", ""))
            dest = node.get("/Dest")
            action = node.get("/A")
            if dest is None and action is not None:
                act = action.get_object()
                if act.get("/S") == "/GoTo":
                    dest = act.get("/D")
                else:
                    out["active"].append("outline-action")
            page = _dest_page(dest, reader, page_index) if dest is not None else None
            items.append({"title": title, "page": None if page is None else page + 1, "depth": depth})
            if node.get("/First") is not None:
                stack.append((node.get("/Next"), depth))
                ref, depth = node.get("/First"), depth + 1
                continue
            ref = node.get("/Next")
    return items


# ---- active content -------------------------------------------------------------------------

def _action_kinds(action, seen: set, found: list, depth: int = 0, automatic: bool = False) -> None:
    from pypdf.generic import ArrayObject, DictionaryObject

    if action is None or depth > 10:
        return
    ref = getattr(action, "idnum", None)
    if ref is not None:
        if ref in seen:
            return
        seen.add(ref)
    action = action.get_object()
    if isinstance(action, ArrayObject):     # an explicit destination: harmless
        return
    if not isinstance(action, DictionaryObject):
        return
    kind = action.get("/S")
    if kind in _ACTIVE_ACTIONS or "/JS" in action or (automatic and kind not in _AUTOMATIC_OK):
        found.append(str(kind or "/JS").lstrip("/"))
    nxt = action.get("/Next")
    if nxt is not None:
        nxt = nxt.get_object()
        for a in (nxt if isinstance(nxt, ArrayObject) else [nxt])[:50]:
            _action_kinds(a, seen, found, depth + 1, automatic)


def _active_content(root, reader, out: dict) -> list[str]:
    """Return what a viewer would run on its own: OpenAction, /AA, document JavaScript, XFA."""
    found: list[str] = list(out.get("active", []))
    seen: set = set()
    if "/OpenAction" in root:
        kinds: list[str] = []
        _action_kinds(root.raw_get("/OpenAction"), seen, kinds, automatic=True)
        found.extend(f"OpenAction:{k}" for k in kinds)
    if "/AA" in root:
        found.append("AA:document")
    names = root.get("/Names")
    if names is not None:
        names = names.get_object()
        if "/JavaScript" in names:
            found.append("JavaScript:document")
    form = root.get("/AcroForm")
    if form is not None and "/XFA" in form.get_object():
        found.append("XFA")
    for page in reader.pages:
        if "/AA" in page:
            found.append("AA:page")
        annots = page.get("/Annots")
        if annots is None:
            continue
        annots = annots.get_object()
        for annot in list(annots)[:500]:
            annot = annot.get_object()
            if not hasattr(annot, "get"):
                continue
            if "/AA" in annot:
                found.append("AA:annotation")
            if "/A" in annot:
                kinds = []
                _action_kinds(annot.raw_get("/A"), seen, kinds)
                found.extend(f"annotation:{k}" for k in kinds)
    return sorted(set(found))


# ---- attachments ----------------------------------------------------------------------------

def _unsafe(name: str) -> bool:
    parts = re.split(r"[\\/]", name)
    return bool(_BIDI_OR_CONTROL.search(name)) or name.startswith(("/", "\\")) or ":" in name \
        or any(p in ("..", ".") for p in parts) or "\\" in name or len(parts) > 2


def _attachments(reader, workdir: Path, limits: dict, out: dict) -> dict | None:
    """Copy every embedded file into ``workdir/files`` under an indexed clean name.

    Returns the parsed manifest (or None); its raw bytes were written like every other file.
    """
    from pypdf.errors import LimitReachedError

    files = workdir / "files"
    files.mkdir(mode=0o700, exist_ok=True)
    total = 0
    manifest = None
    for index, att in enumerate(reader.attachment_list):
        if index >= limits["max_attachments"]:
            out["problems"].append({"code": "pdf-too-large", "params": {"attachments": index}})
            break
        name = str(att.name)
        entry = {"index": index, "name": name, "safe": clean_name(name), "stored": None,
                 "size": None, "sha256": None, "declared": None}
        out["attachments"].append(entry)
        label = f"第{index + 1}个内嵌文件"      # names of evidence files may name a worker
        if _unsafe(name):
            out["problems"].append({"code": "attachment-name-unsafe", "params": {"name": clean_name(name)}})
        try:
            declared = att.size
        except Exception:  # noqa: BLE001
            declared = None
        entry["declared"] = int(declared) if isinstance(declared, int) else None
        if entry["declared"] is not None and entry["declared"] > limits["max_attachment"]:
            out["problems"].append({"code": "attachment-too-large",
                                    "params": {"name": label, "size": entry["declared"],
                                               "limit": limits["max_attachment"]}})
            continue
        try:
            data = att.content
        except LimitReachedError:
            out["problems"].append({"code": "pdf-bomb", "params": {"name": label}})
            continue
        except MemoryError:
            out["problems"].append({"code": "pdf-bomb", "params": {"name": label}})
            continue
        except Exception as e:  # noqa: BLE001
            out["problems"].append({"code": "attachment-unreadable",
                                    "params": {"name": label, "reason": type(e).__name__}})
            continue
        if not isinstance(data, bytes):
            data = bytes(data or b"")
        if len(data) > limits["max_attachment"]:
            out["problems"].append({"code": "attachment-too-large",
                                    "params": {"name": label, "size": len(data),
                                               "limit": limits["max_attachment"]}})
            continue
        total += len(data)
        if total > limits["max_attachments_total"]:
            out["problems"].append({"code": "pdf-bomb", "params": {"name": "total"}})
            break
        stored = indexed_name(index, name)
        target = files / stored
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        entry.update(stored=stored, size=len(data), sha256=hashlib.sha256(data).hexdigest())
        if name == MANIFEST_NAME and manifest is None and len(data) <= limits["max_manifest"]:
            try:
                manifest = json.loads(data.decode("utf-8"))
            except (ValueError, UnicodeDecodeError, RecursionError):
                manifest = None
        del data
    return manifest if isinstance(manifest, dict) else None


# ---- text of the pages the checks read ------------------------------------------------------

def _texts(reader, manifest: dict | None, limits: dict, out: dict) -> dict:
    pages: list[int] = []
    materials = manifest.get("materials") if manifest else None
    if isinstance(materials, list):
        for m in materials:
            if not isinstance(m, dict) or m.get("key") not in TEXT_MATERIALS:
                continue
            try:
                first, last = int(m["first_page"]), int(m["last_page"])
            except (KeyError, TypeError, ValueError):
                continue
            for p in range(max(1, first), min(last, out["pages"] or 0) + 1):
                if len(pages) < limits["max_text_pages"] and p not in pages:
                    pages.append(p)
    texts = {}
    for p in pages:
        try:
            texts[str(p)] = reader.pages[p - 1].extract_text() or ""
        except Exception:  # noqa: BLE001
            out["problems"].append({"code": "page-text-unreadable", "params": {"page": p}})
    return texts


# ---- signatures (pyHanko) -------------------------------------------------------------------

def _signatures(path: Path, password: str | None, trust_files: list, out: dict, limits: dict) -> None:
    """Describe every signature field: empty, or signed and what pyHanko says about it; and what
    was added or moved after the file's first revision (``first_fields``, ``added``, ``moved``)."""
    from pyhanko.keys import load_certs_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    trust = list(load_certs_from_pemder(trust_files)) if trust_files else []
    with open(path, "rb") as f:
        try:
            r = PdfFileReader(f, strict=False)
            if r.encrypted:
                r.decrypt(password or "")
            total = r.total_revisions
        except Exception as e:  # noqa: BLE001
            raise Fatal("pdf-unreadable", reason="signatures:" + type(e).__name__) from None
        out["revisions"] = total
        try:
            _history(r, total, out, limits)
        except Fatal:
            raise
        except Exception as e:  # noqa: BLE001 - a history that cannot be compared is not trusted
            raise Fatal("pdf-unreadable", reason="signatures:history:" + type(e).__name__) from None
        sigs, by_name = [], {}
        for name, value, _ref in enumerate_sig_fields(r):
            entry = {"field": str(name), "status": "none", "revision": None, "intact": None,
                     "valid": None, "trusted": None, "coverage": None}
            sigs.append(entry)
            by_name[str(name)] = (entry, value is not None)
        try:
            embedded = list(r.embedded_signatures)
        except Exception as e:  # noqa: BLE001
            embedded = []
            for entry, filled in by_name.values():
                if filled:
                    entry.update(intact=False, valid=False, error=type(e).__name__)
        vc = ValidationContext(trust_roots=trust, allow_fetching=False)
        checked = []
        for sig in embedded:
            entry, _ = by_name.get(sig.field_name, (None, True))
            if entry is None:
                entry = {"field": sig.field_name, "status": "none"}
                sigs.append(entry)
            try:
                entry["revision"] = sig.signed_revision
                # Integrity, signature and trust first; the (slow) diff analysis comes after.
                st = validate_pdf_signature(sig, vc, skip_diff=True)
                entry.update(intact=bool(st.intact), valid=bool(st.valid), trusted=bool(st.trusted),
                             trust_checked=bool(trust),
                             coverage=st.coverage.name if st.coverage is not None else None)
                checked.append((sig, entry))
            except Exception as e:  # noqa: BLE001 - an unreadable signature is a broken one
                entry.update(intact=False, valid=False, error=type(e).__name__)
        for entry, filled in by_name.values():
            if filled and entry.get("intact") is None:
                entry.update(intact=False, valid=False, error="unparsed")
        _diff_analysis(checked, vc)
        signed = {s.get("revision") for s in sigs if s.get("revision") is not None}
        for s in sigs:
            if s.get("intact") is None:
                continue
            if not (s["intact"] and s["valid"]):
                s["status"] = "broken"
                continue
            later = [rev for rev in range((s["revision"] or 0) + 1, total) if rev not in signed]
            s["later_revisions"] = len(later)
            allowed = s.get("modification") in ("NONE", "FORM_FILLING") and s.get("docmdp_ok") is not False
            s["status"] = "valid" if (s["coverage"] == "ENTIRE_FILE" or (not later and allowed)) else "modified"
        out["signatures"] = sigs


def _ref_key(ref, fallback) -> tuple:
    from pyhanko.pdf_utils import generic

    if isinstance(ref, generic.IndirectObject):
        return ("ref", ref.idnum, ref.generation)
    return ("direct", *fallback)


def _annotations(handler, limits: dict) -> dict:
    """Return {annotation key: (page number, subtype, field name)} of every page, walking the page
    tree of ``handler`` (a revision) by hand, with a visited set and a cap on nodes and entries."""
    from pyhanko.pdf_utils import generic

    found: dict = {}
    cap_nodes = 2 * int(limits.get("max_pages", 20_000)) + 10
    cap_annots = 50 * cap_nodes
    seen: set = set()
    stack = [handler.root.raw_get("/Pages")]
    page = 0
    while stack:
        ref = stack.pop()
        key = _ref_key(ref, (id(ref),))
        if key in seen:
            continue
        seen.add(key)
        if len(seen) > cap_nodes:
            raise Fatal("pdf-too-large", pages=len(seen), limit=cap_nodes)
        node = ref.get_object() if isinstance(ref, generic.IndirectObject) else ref
        if not isinstance(node, generic.DictionaryObject):
            continue
        kids = node.get("/Kids")
        if kids is not None:
            kids = kids.get_object() if isinstance(kids, generic.IndirectObject) else kids
            if isinstance(kids, generic.ArrayObject):
                stack.extend(kids.raw_get(i) for i in range(len(kids) - 1, -1, -1))
            continue
        page += 1
        annots = node.get("/Annots")
        if annots is None:
            continue
        annots = annots.get_object() if isinstance(annots, generic.IndirectObject) else annots
        if not isinstance(annots, generic.ArrayObject):
            continue
        for i in range(len(annots)):
            raw = annots.raw_get(i)
            annot = raw.get_object() if isinstance(raw, generic.IndirectObject) else raw
            if not isinstance(annot, generic.DictionaryObject):
                continue
            found[_ref_key(raw, (page, i))] = (page, str(annot.get("/Subtype", "")).lstrip("/"), _field_name(annot))
            if len(found) > cap_annots:
                raise Fatal("pdf-too-large", annotations=len(found), limit=cap_annots)
    return found


def _field_name(annot) -> str | None:
    """Return the (partial) field name of a widget, from the widget or its parent field."""
    for node, _ in zip(_parents(annot), range(20)):
        if "/T" in node:
            return str(node["/T"])
    return None


def _parents(node):
    while node is not None:
        yield node
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None


def _history(r, total: int, out: dict, limits: dict) -> None:
    """Compare the last revision with the first: signature fields present in the first (the
    package as built, unsigned) go to ``first_fields``; signature fields and annotations that
    appeared later (a new field whose appearance paints text over a page, say) go to ``added``;
    fields of the first revision whose box was moved or resized later go to ``moved``."""
    from pyhanko.sign.fields import enumerate_sig_fields

    if total <= 1:
        out["first_fields"] = [str(n) for n, _v, _r in enumerate_sig_fields(r)]
        return
    first = r.get_historical_resolver(0)
    first_fields = {_ref_key(ref, (str(n),)): (str(n), _rect(ref)) for n, _v, ref in enumerate_sig_fields(first)}
    out["first_fields"] = sorted({name for name, _ in first_fields.values()})
    before = _annotations(first, limits)
    after = _annotations(r, limits)
    added = {}
    for key, (page, subtype, name) in after.items():
        if key not in before:
            added[key] = {"page": page, "subtype": subtype, "field": name}
    for name, _v, ref in enumerate_sig_fields(r):
        key = _ref_key(ref, (str(name),))
        if key not in first_fields:
            entry = added.setdefault(key, {"page": None, "subtype": "Widget"})
            entry["field"] = str(name)
        elif not _same_rect(first_fields[key][1], _rect(ref)):
            # the same field, moved or enlarged later (its seal's picture could cover the page)
            page = after.get(key, (None,))[0]
            out["moved"].append({"page": page, "subtype": "Widget", "field": str(name)})
    out["added"] = sorted(added.values(), key=lambda a: (a["page"] or 0, a["field"] or ""))


def _rect(ref) -> list | None:
    try:
        rect = [float(v) for v in ref.get_object()["/Rect"]]
    except Exception:  # noqa: BLE001 - a widget without a usable /Rect
        return None
    if len(rect) != 4:
        return None
    return [min(rect[0], rect[2]), min(rect[1], rect[3]), max(rect[0], rect[2]), max(rect[1], rect[3])]


def _same_rect(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return all(abs(x - y) <= 0.5 for x, y in zip(a, b))


_ALLOWED_LEVELS = ("NONE", "FORM_FILLING")


def _diff_analysis(checked: list, vc) -> None:
    """Say how far the file was modified after each signature that does not cover all of it.

    pyHanko's difference analysis takes seconds on a thousand-page package, and a signature's
    analysis covers every revision after it, so the earliest signature is analysed first: if the
    later revisions only fill signature fields, every later signature is fine too. Otherwise the
    last signature still affected is found by bisection (few analyses even with many seals).
    """
    from pyhanko.sign.validation import validate_pdf_signature

    pending = sorted(((sig, e) for sig, e in checked if e.get("intact") and e.get("valid")
                      and e.get("coverage") != "ENTIRE_FILE"), key=lambda p: p[0].signed_revision)
    for _, e in checked:
        if e.get("coverage") == "ENTIRE_FILE":
            e.update(modification="NONE", docmdp_ok=True)
    if not pending:
        return

    def analyse(i: int) -> bool:
        sig, e = pending[i]
        if "modification" not in e:
            try:
                st = validate_pdf_signature(sig, vc)
                level = st.modification_level
                e.update(modification=level.name if level is not None else "OTHER", docmdp_ok=st.docmdp_ok)
            except Exception:  # noqa: BLE001 - an analysis that fails counts as a modification
                e.update(modification="OTHER", docmdp_ok=False)
        return e["modification"] in _ALLOWED_LEVELS and e["docmdp_ok"] is not False

    if analyse(0):
        for _, e in pending[1:]:
            e.setdefault("modification", "FORM_FILLING")
            e.setdefault("docmdp_ok", True)
        return
    lo, hi = 0, len(pending) - 1          # pending[lo] is affected; find the last affected one
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if analyse(mid):
            hi = mid - 1
        else:
            lo = mid
    for i, (_, e) in enumerate(pending):
        if i <= lo:
            e.setdefault("modification", "OTHER")
            e.setdefault("docmdp_ok", False)
        else:
            e.setdefault("modification", "FORM_FILLING")
            e.setdefault("docmdp_ok", True)
