"""Child side: open one received PDF and describe it (``scan_package``), within limits.

Runs only inside the limited child process (``worker``). Everything read here is untrusted:
sizes are checked before anything is decompressed, attachment names never become paths, and
any failure becomes a problem code in the answer instead of an exception.
"""

from __future__ import annotations

import logging
import math
import random
import re
from pathlib import Path
from typing import Any, BinaryIO

from pypdf import PdfReader

from lingong_docs.intake.scan.attachments import extract_attachments
from lingong_docs.intake.scan.drawing import foreign_drawing
from lingong_docs.intake.scan.reading import XrefReader, covered_end, signed_copy, trailing_bytes
from lingong_docs.intake.scan.result import Fatal, OutlineItem, Problem, ScanResult
from lingong_docs.intake.scan.signatures import read_signatures
from lingong_docs.util.pdfsafety import Safety, check_file, check_reader


def scan_package(request: dict[str, Any]) -> dict[str, Any]:
    """Return the description of the package named in ``request`` (see ``worker``) as JSON data."""
    logging.disable(logging.CRITICAL)       # pypdf/pyHanko log parts of the file; nobody reads them
    out = ScanResult()
    try:
        _scan(Path(request["pdf"]), Path(request["workdir"]), request["limits"], request, out)
    except Fatal as e:
        out.fatal = Problem(e.code, e.params)
    except MemoryError:
        out.fatal = Problem("pdf-bomb", {"what": "memory"})
    except RecursionError:
        out.fatal = Problem("pdf-loop", {"where": "structure"})
    except Exception as e:  # any parser failure is a finding, never a crash
        out.fatal = _classify(e)
    return out.to_dict()


def _classify(e: BaseException) -> Problem:
    from pypdf.errors import FileNotDecryptedError, LimitReachedError

    if isinstance(e, LimitReachedError):
        return Problem("pdf-bomb", {"what": "stream"})
    if isinstance(e, FileNotDecryptedError):
        return Problem("pdf-encrypted", {})
    return Problem("pdf-unreadable", {"reason": type(e).__name__})


def _scan(path: Path, workdir: Path, limits: dict[str, Any], request: dict[str, Any], out: ScanResult) -> None:
    import pypdf

    size = path.stat().st_size
    if size > limits["max_file"]:
        raise Fatal("pdf-too-large", size=size, limit=limits["max_file"])
    with open(path, "rb") as f:
        _check_structure(f, size)
    password = request.get("password")
    covered = covered_end(path, password)
    loose = trailing_bytes(path, size, covered)
    if loose:
        out.problem("pdf-trailing-data", size=loose)
    with pypdf.apply_configuration(zlib_maximum_output_length=limits["max_attachment"],
                                   lzw_maximum_output_length=limits["max_attachment"],
                                   run_length_maximum_output_length=limits["max_attachment"],
                                   outline_maximum_entries=10_000, outline_maximum_depth=20):
        # What is read, recomputed and shown comes from the bytes the seals cover, as written.
        reader = _open(XrefReader, signed_copy(path, workdir, covered, size), password, out)
        _count_pages(reader, limits)
        out.pages = len(reader.pages)
        out.outline = _outline(reader, out)
        safety = check_reader(reader, embedded=False)
        if covered is not None and covered < size:     # what a viewer shows: the last revision too
            safety.merge(check_reader(_open(PdfReader, path, password, out), embedded=False), "later")
        manifest = extract_attachments(reader, workdir, limits, out)
        _embedded_pdfs(workdir, out, safety)
        read = request.get("read") or {}
        out.texts = _texts(reader, manifest, limits, out, str(request.get("seed") or ""), read)
        _drawings(reader, manifest, out, read)
        _safety_findings(safety, reader, out)
    read_signatures(path, password, request.get("trust") or [], out, limits)


def _drawings(reader: Any, manifest: dict[str, Any] | None, out: ScanResult, read: dict[str, Any]) -> None:
    """One problem for the pages of the tool's own materials (forms and tables) that carry drawing
    it never makes."""
    pages: list[int] = []
    what: set[str] = set()
    for _key, first, last in _ranges(manifest, out.pages or 0, _keys(read)):
        for p in range(first, last + 1):
            try:
                found = foreign_drawing(reader.pages[p - 1])
            except Exception:
                found = ["unreadable"]
            if found:
                pages.append(p)
                what.update(found)
    if pages:
        out.problem("page-drawing-added", pages="、".join(map(str, pages[:20])) + ("等" if len(pages) > 20 else ""),
                    what=",".join(sorted(what)))


def _open(kind: Any, path: Path, password: str | None, out: ScanResult) -> Any:
    reader = kind(str(path))
    if reader.is_encrypted:
        out.encrypted = True
        if not password or not reader.decrypt(password):
            raise Fatal("pdf-encrypted")
    return reader


def _safety_findings(safety: Safety, reader: XrefReader, out: ScanResult) -> None:
    """Turn what the active-content walk and the reading met into problems (or a fatal one)."""
    out.active, out.remote = safety.active, safety.remote
    if safety.bounds:
        out.problem("active-content-unchecked", what=",".join(sorted(set(safety.bounds))[:5]))
    own = [a for a in safety.attached if not a.startswith("embedded")]   # on the package's pages
    if own:
        out.problem("annotation-file", count=len(own), what=",".join(own[:5]))
    outside = sorted(set(reader.outside))      # asked of the sealed bytes by any reading, the walk's included
    if outside or reader.rebuilt:
        out.problem("pdf-outside-xref", count=len(outside) or 1, what=",".join(outside[:5]) or "xref")
    if safety.shared_fields:           # pyHanko would walk it exponentially: stop before it does
        raise Fatal("pdf-loop", where="fields")


def _embedded_pdfs(workdir: Path, out: ScanResult, safety: Safety) -> None:
    """Check the embedded files that are PDFs (by content) as they were extracted."""
    for att in out.attachments:
        if att.stored is None:
            continue
        path = workdir / "files" / att.stored
        with open(path, "rb") as f:
            if b"%PDF-" not in f.read(1024):
                continue
        safety.merge(check_file(path, depth=1), f"embedded{att.index + 1}")
    safety.active, safety.remote = sorted(set(safety.active)), sorted(set(safety.remote))


def _count_pages(reader: Any, limits: dict[str, Any]) -> None:
    """Count the page tree by hand first: a page-tree bomb is refused by name, not by memory."""
    root = reader.trailer["/Root"].get_object()
    stack = [root.raw_get("/Pages")]
    seen: set[int] = set()
    pages = 0
    while stack:
        ref = stack.pop()
        idnum = getattr(ref, "idnum", None)
        if idnum is not None:
            if idnum in seen:
                raise Fatal("pdf-page-tree", nodes=len(seen))
            seen.add(idnum)
        if len(seen) > 2 * limits["max_pages"] + 10:
            raise Fatal("pdf-page-tree", nodes=len(seen))
        node = ref.get_object() if hasattr(ref, "get_object") else ref
        kids = node.get("/Kids") if hasattr(node, "get") else None
        if kids is None:
            pages += 1
            continue
        kids = kids.get_object()
        stack.extend(kids[i] for i in range(len(kids)))
    if pages > limits["max_pages"]:
        raise Fatal("pdf-too-large", pages=pages, limit=limits["max_pages"])


# ---- raw structure -------------------------------------------------------------------------

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF")
_PREV = re.compile(rb"/Prev\s+(\d+)")


def _check_structure(f: BinaryIO, size: int) -> None:
    """Refuse non-PDFs, truncated files and /Prev chains that loop or point outside the file."""
    head = f.read(1024)
    if b"%PDF-" not in head:
        raise Fatal("pdf-not-pdf")
    f.seek(max(0, size - 2048))
    tail = f.read()
    m = None
    for m in _STARTXREF.finditer(tail):  # the last match is wanted  # noqa: B007
        pass
    if m is None:
        raise Fatal("pdf-truncated")
    if tail[m.end():].strip():             # bytes after the end marker: not part of any revision
        raise Fatal("pdf-trailing-data", size=len(tail) - m.end())
    offset: int | None = int(m.group(1))
    seen: set[int] = set()
    while offset is not None:
        if offset in seen or len(seen) > 10_000:
            raise Fatal("pdf-xref-loop")
        seen.add(offset)
        if not 0 < offset < size:
            raise Fatal("pdf-unreadable", reason="xref-offset")
        offset = _prev_of_section(f, offset, size)


def _prev_of_section(f: BinaryIO, offset: int, size: int) -> int | None:
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

def _dest_page(dest: Any, reader: Any, page_index: dict[int, int]) -> int | None:
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
            return None if idnum is None else page_index.get(idnum)
    except Exception:  # a broken destination is reported as "no page"
        return None
    return None


def _outline(reader: Any, out: ScanResult) -> list[OutlineItem]:
    """Walk /Outlines by hand, with a visited set: a cycle is a finding, not a hang."""
    root = reader.trailer["/Root"].get_object()
    items: list[OutlineItem] = []
    outlines = root.get("/Outlines")
    if outlines is None:
        return items
    page_index = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)
                  if page.indirect_reference is not None}
    seen: set[int] = set()
    stack = [(outlines.get_object().get("/First"), 0)]
    while stack:
        ref, depth = stack.pop()
        while ref is not None:
            node = ref.get_object()
            key = getattr(ref, "idnum", None) or id(node)
            if key in seen or len(seen) > 10_000 or depth > 20:
                out.problem("pdf-loop", where="outline")
                return items
            seen.add(key)
            items.append(OutlineItem(str(node.get("/Title", "")), _outline_page(node, reader, page_index), depth))
            if node.get("/First") is not None:
                stack.append((node.get("/Next"), depth))
                ref, depth = node.get("/First"), depth + 1
                continue
            ref = node.get("/Next")
    return items


def _outline_page(node: Any, reader: Any, page_index: dict[int, int]) -> int | None:
    dest = node.get("/Dest")
    action = node.get("/A")
    if dest is None and action is not None:
        act = action.get_object()
        if act.get("/S") == "/GoTo":
            dest = act.get("/D")
    page = _dest_page(dest, reader, page_index) if dest is not None else None
    return None if page is None else page + 1


# ---- text of the pages the checks read ------------------------------------------------------

def _texts(reader: Any, manifest: dict[str, Any] | None, limits: dict[str, Any], out: ScanResult,
           seed: str, read: dict[str, Any]) -> dict[int, str]:
    """Extract the text of the pages the checks read: forms (``read["text"]``, up to
    ``max_text_pages``) and the printed tables (``read["tables"]``) with the position of every
    text run (``out.runs``): all pages of 附件4, all of 附件5 up to ``max_table_pages``, beyond that
    a sample of that many drawn from ``seed`` (the file's SHA-256), so the same file is always
    checked on the same pages. The parent names the forms and tables from the policies' materials."""
    pages: list[int] = []
    tables: set[int] = set()
    forms = 0
    table_keys = tuple(read.get("tables") or ())
    for key, first, last in _ranges(manifest, out.pages or 0, _keys(read)):
        span = list(range(first, last + 1))
        if key in table_keys:
            budget = int(limits.get("max_table_pages", 30))
            if key != "job_posts" and len(span) > budget:
                span = sorted(random.Random(f"{seed}:{key}").sample(span, budget))
            pages.extend(span)
            tables.update(span)
        else:
            pages.extend(span[: max(0, limits["max_text_pages"] - forms)])
            forms += len(span)
    texts = {}
    for p in dict.fromkeys(pages):
        try:
            texts[p], runs = _page_text(reader.pages[p - 1], p in tables)
        except Exception:
            out.problem("page-text-unreadable", page=p)
            continue
        if p in tables:
            out.runs[p] = runs
    return texts


def _page_text(page: Any, positions: bool) -> tuple[str, list[list[Any]]]:
    """Return the text of ``page`` and (``positions``) its runs as [x, y, font size, text]."""
    runs: list[list[Any]] = []

    def visit(text: str, cm: Any, tm: Any, _font: Any, size: Any) -> None:
        if not text.strip():
            return
        a, b = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]
        x, y = tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        runs.append([round(x, 2), round(y, 2), round(float(size or 0) * math.hypot(a, b), 2), text])

    text = page.extract_text(visitor_text=visit if positions else None) or ""
    return text, runs


def _keys(read: dict[str, Any]) -> tuple[str, ...]:
    """Return the materials whose pages are read: the forms and the tables the parent named."""
    return tuple(read.get("text") or ()) + tuple(read.get("tables") or ())


def _ranges(manifest: dict[str, Any] | None, npages: int, keys: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """Return (material, first, last) of the materials ``keys`` whose text is read, pages clipped to the file."""
    materials = manifest.get("materials") if manifest else None
    out = []
    for m in materials if isinstance(materials, list) else []:
        if not isinstance(m, dict) or m.get("key") not in keys:
            continue
        try:
            first, last = max(1, int(m["first_page"])), min(int(m["last_page"]), npages)
        except (KeyError, TypeError, ValueError):
            continue
        if first <= last:
            out.append((str(m["key"]), first, last))
    return out
