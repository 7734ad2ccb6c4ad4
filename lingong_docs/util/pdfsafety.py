"""Find what a PDF viewer could run, start or send by itself: the one active-content check.

Used by intake (on a received package and, recursively, on the PDFs embedded in it) and by the
evidence rule of ``validate`` (so an operator learns before building that a payment-evidence PDF
carries a script). Everything is walked by hand with a visited set and a node budget: a
self-referencing /Kids or /Fields tree ends the walk, it does not hang it. Objects are known by
(number, generation): ``7 0 R`` and ``7 1 R`` are two objects, and visiting one does not hide the
other. Nothing is cut short in silence: a walk that reaches a bound (nodes, an action chain, a
field tree's depth) sets ``Safety.truncated`` and names the bound in ``Safety.bounds``, and the
caller rejects what it could not check in full.

Found (``Safety.active``, an error wherever it appears): JavaScript anywhere (document /Names,
/OpenAction, /AA of the document, of pages, of annotations, of form fields and their parents),
/Launch, /GoToR, /GoToE, /SubmitForm, /ImportData, /Rendition, /RichMediaExecute actions,
/RichMedia, /Screen, /Movie and /Sound annotations, XFA forms, and any action other than going to
a page that runs on its own (/OpenAction, /AA). ``Safety.remote`` lists web links (/URI): shown
as a warning, since a bank's receipt may legitimately carry one. Files attached to a page
(/FileAttachment annotations) are checked like embedded files, PDFs to ``MAX_DEPTH`` levels, and
listed in ``Safety.attached``. ``Safety.dangling`` lists references the file's cross-reference
table does not hold (a reader that "repairs" them by searching the bytes, as pypdf does, may find
a decoy in a comment or in unsigned bytes): checked as found, and reported.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Actions that run code, start programs, open other files or send data.
ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/GoToR", "/GoToE", "/SubmitForm", "/ImportData",
                            "/Rendition", "/RichMediaExecute", "/Movie", "/Sound"})
# Run on their own (/OpenAction, /AA), only these are harmless.
AUTOMATIC_OK = frozenset({"/GoTo", "/Named"})
ACTIVE_ANNOTATIONS = frozenset({"/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"})
MAX_NODES = 200_000          # dictionaries visited per document (fields, annotations, actions)
MAX_DEPTH = 3                # PDFs embedded in PDFs
MAX_FIELD_DEPTH = 64         # /Kids levels of a form field, /Parent links of a widget
MAX_ATTACHED = 60_000_000    # bytes of one file attached to an annotation, decompressed


@dataclass
class Safety:
    """What was found: short English labels such as ``page3:annotation:JavaScript``."""

    active: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)
    truncated: bool = False
    shared_fields: bool = False          # a form field reached twice: a /Kids or /Fields tree that multiplies
    bounds: list[str] = field(default_factory=list)       # which bound ended a walk (``truncated``)
    attached: list[str] = field(default_factory=list)     # files attached to annotations (where)
    dangling: list[str] = field(default_factory=list)     # references outside the xref (where)

    def merge(self, other: Safety, prefix: str) -> None:
        self.active.extend(f"{prefix}:{a}" for a in other.active)
        self.remote.extend(f"{prefix}:{r}" for r in other.remote)
        self.attached.extend(f"{prefix}:{a}" for a in other.attached)
        self.dangling.extend(f"{prefix}:{d}" for d in other.dangling)
        self.bounds.extend(f"{prefix}:{b}" for b in other.bounds)
        self.truncated |= other.truncated

    def over(self, bound: str) -> None:
        """Record that a walk stopped at ``bound``: what lies beyond it was not checked."""
        self.truncated = True
        if bound not in self.bounds:
            self.bounds.append(bound)


class _Walk:
    """One walk over a document: the visited set and the node budget."""

    def __init__(self, out: Safety, reader: Any = None, depth: int = 0) -> None:
        self.out = out
        self.seen: set[tuple[int, int]] = set()
        self.budget = MAX_NODES
        self.xref = _xref_keys(reader)
        self.depth = depth

    @staticmethod
    def key(ref: Any) -> tuple[int, int] | None:
        idnum = getattr(ref, "idnum", None)
        return None if idnum is None else (int(idnum), int(getattr(ref, "generation", 0) or 0))

    def known(self, ref: Any) -> bool:
        key = self.key(ref)
        return key is not None and key in self.seen

    def visit(self, ref: Any, where: str = "") -> Any | None:
        """Return the object behind ``ref`` the first time it is met, else None."""
        self.budget -= 1
        if self.budget < 0:
            self.out.over("nodes")
            return None
        key = self.key(ref)
        if key is not None:
            if key in self.seen:
                return None
            self.seen.add(key)
            if self.xref is not None and key not in self.xref:
                self.out.dangling.append(f"{where or 'object'}:{key[0]} {key[1]} R")
        try:
            return ref.get_object() if hasattr(ref, "get_object") else ref
        except Exception:  # a dangling reference holds nothing to run
            return None

    def action(self, ref: Any, where: str, *, automatic: bool = False) -> None:
        """Classify an action and every action of its /Next chain (a list, a tree or a cycle)."""
        from pypdf.generic import ArrayObject, DictionaryObject

        stack = [ref]
        while stack and not self.out.truncated:
            action = self.visit(stack.pop(), where)
            if not isinstance(action, DictionaryObject):
                continue                             # an explicit destination, met before, or nothing
            kind = str(action.get("/S") or "")
            if kind in ACTIVE_ACTIONS or "/JS" in action or (automatic and kind not in AUTOMATIC_OK):
                self.out.active.append(f"{where}:{(kind or '/JS').lstrip('/')}")
            elif kind == "/URI":
                self.out.remote.append(f"{where}:URI")
            nxt = action.raw_get("/Next") if "/Next" in action else None
            if self.key(nxt) is not None and isinstance(_resolve(nxt), ArrayObject):
                nxt = self.visit(nxt, where)         # a referenced array of actions, met once
            if isinstance(nxt, ArrayObject):
                stack.extend(reversed(list(nxt)))
            elif nxt is not None:
                stack.append(nxt)

    def triggers(self, node: Any, where: str) -> None:
        """An /AA dictionary runs its actions on events: any of them counts."""
        from pypdf.generic import DictionaryObject

        aa = self.visit(node.raw_get("/AA"), where) if "/AA" in node else None
        if isinstance(aa, DictionaryObject):
            for event in list(aa.keys()):
                self.action(aa.raw_get(event), f"{where}:AA{event}", automatic=True)

    def annotation(self, ref: Any, where: str) -> None:
        from pypdf.generic import DictionaryObject

        annot = self.visit(ref, where)
        if not isinstance(annot, DictionaryObject):
            return
        subtype = str(annot.get("/Subtype") or "")
        if subtype in ACTIVE_ANNOTATIONS:
            self.out.active.append(f"{where}:{subtype.lstrip('/')}")
        if subtype == "/FileAttachment":
            self.attached_file(annot.get("/FS"), f"{where}:FileAttachment")
        self.triggers(annot, where)
        if "/A" in annot:
            self.action(annot.raw_get("/A"), f"{where}:annotation")
        self.field_parents(annot, where)

    def field_parents(self, node: Any, where: str) -> None:
        """A widget's field and the field's parents may carry /AA of their own."""
        from pypdf.generic import DictionaryObject

        parent = node.raw_get("/Parent") if hasattr(node, "raw_get") and "/Parent" in node else None
        for _ in range(MAX_FIELD_DEPTH):
            if parent is None or self.known(parent):
                return                           # the top, or a parent already checked
            obj = self.visit(parent, where)
            if not isinstance(obj, DictionaryObject):
                return
            self.triggers(obj, f"{where}:field")
            if "/A" in obj:
                self.action(obj.raw_get("/A"), f"{where}:field")
            parent = obj.raw_get("/Parent") if "/Parent" in obj else None
        if parent is not None:
            self.out.over("field-depth")

    def attached_file(self, spec: Any, where: str) -> None:
        """A file attached to an annotation: listed, and checked like an embedded PDF."""
        from pypdf.generic import DictionaryObject

        self.out.attached.append(where)
        spec = _resolve(spec)
        ef = _resolve(spec.get("/EF")) if isinstance(spec, DictionaryObject) else None
        if not isinstance(ef, DictionaryObject):
            return
        for name in ("/F", "/UF"):
            stream = _resolve(ef.get(name))
            if stream is None or not hasattr(stream, "get_data"):
                continue
            try:
                data = stream.get_data()
            except Exception:
                continue
            if len(data) > MAX_ATTACHED:
                self.out.over("attached-size")
            elif data[:1024].find(b"%PDF-") >= 0:
                if self.depth >= MAX_DEPTH:
                    self.out.over("embedded-depth")
                else:
                    self.out.merge(check_bytes(data, depth=self.depth + 1), where)
            return                               # /UF is the same file under its Unicode name

    def fields(self, refs: Any, depth: int = 0) -> None:
        """Every field of the form, however deep (``/Kids``), including hidden ones."""
        from pypdf.generic import ArrayObject, DictionaryObject

        items = self.visit(refs, "field") if depth == 0 else refs
        if depth > MAX_FIELD_DEPTH:
            self.out.over("field-depth")
            return
        if not isinstance(items, ArrayObject):
            return
        for i in range(len(items)):
            if self.known(items[i]):
                self.out.shared_fields = True
                continue
            node = self.visit(items[i], "field")
            if not isinstance(node, DictionaryObject):
                continue
            self.triggers(node, "field")
            if "/A" in node:
                self.action(node.raw_get("/A"), "field")
            kids = node.get("/Kids")
            if isinstance(kids, ArrayObject):
                self.fields(kids, depth + 1)


def check_reader(reader: Any, *, depth: int = 0, embedded: bool = True) -> Safety:
    """Return what ``reader`` (a pypdf PdfReader) would run; embedded PDFs too unless ``embedded=False``."""
    from pypdf.generic import DictionaryObject

    out = Safety()
    walk = _Walk(out, reader, depth)
    root = reader.trailer["/Root"].get_object()
    if "/OpenAction" in root:
        walk.action(root.raw_get("/OpenAction"), "OpenAction", automatic=True)
    walk.triggers(root, "document")
    names = root.get("/Names")
    names = names.get_object() if names is not None else None
    if isinstance(names, DictionaryObject) and "/JavaScript" in names:
        out.active.append("document:JavaScript")
    form = root.get("/AcroForm")
    form = form.get_object() if form is not None else None
    if isinstance(form, DictionaryObject):
        if "/XFA" in form:
            out.active.append("XFA")
        if "/Fields" in form:
            walk.fields(form.raw_get("/Fields"))
    _pages(reader, walk)
    _outline(root, walk)
    if embedded:
        _embedded(reader, out, depth)
    out.active = sorted(set(out.active))
    out.remote = sorted(set(out.remote))
    return out


def _pages(reader: Any, walk: _Walk) -> None:
    from pypdf.generic import ArrayObject

    for number, page in enumerate(reader.pages, start=1):
        walk.triggers(page, f"page{number}")
        annots = page.get("/Annots")
        annots = annots.get_object() if annots is not None else None
        if not isinstance(annots, ArrayObject):
            continue
        for i in range(len(annots)):
            walk.annotation(annots[i], f"page{number}")
            if walk.out.truncated:
                return


def _outline(root: Any, walk: _Walk) -> None:
    """Bookmarks may carry actions too (a click on 封面 that starts a program)."""
    outlines: Any = walk.visit(root.raw_get("/Outlines"), "outline") if "/Outlines" in root else None
    stack = [outlines.raw_get("/First")] if hasattr(outlines, "raw_get") and "/First" in outlines else []
    while stack and not walk.out.truncated:
        node: Any = walk.visit(stack.pop(), "outline")
        if node is None or not hasattr(node, "raw_get"):
            continue
        if "/A" in node:
            walk.action(node.raw_get("/A"), "outline")
        stack.extend(node.raw_get(k) for k in ("/Next", "/First") if k in node)


def _resolve(obj: Any) -> Any:
    try:
        return obj.get_object() if hasattr(obj, "get_object") else obj
    except Exception:
        return None


def _xref_keys(reader: Any) -> set[tuple[int, int]] | None:
    """Return the (number, generation) of every object the reader's xref holds (None: not a reader)."""
    xref = getattr(reader, "xref", None)
    if not isinstance(xref, dict):
        return None
    keys = {(int(num), int(gen)) for gen, entries in xref.items() for num in entries}
    keys.update((int(num), 0) for num in getattr(reader, "xref_objStm", {}) or {})
    return keys


def _embedded(reader: Any, out: Safety, depth: int) -> None:
    """Check every embedded PDF (by content, not by name), ``MAX_DEPTH`` levels deep."""
    if depth >= MAX_DEPTH:
        try:
            if any(a.content[:1024].find(b"%PDF-") >= 0 for a in reader.attachment_list):
                out.over("embedded-depth")
        except Exception:
            pass
        return
    try:
        attachments = reader.attachment_list
    except Exception:  # an unreadable name tree is reported by whoever extracts files
        return
    for index, att in enumerate(attachments):
        try:
            data = att.content
        except Exception:
            continue
        if isinstance(data, bytes) and data[:1024].find(b"%PDF-") >= 0:
            out.merge(check_bytes(data, depth=depth + 1), f"embedded{index + 1}")


def check_bytes(data: bytes, *, depth: int = 0) -> Safety:
    """Return what the PDF in ``data`` would run; an unreadable PDF holds nothing that runs."""
    from pypdf import PdfReader

    try:
        return check_reader(PdfReader(io.BytesIO(data), strict=False), depth=depth)
    except RecursionError:
        return Safety(truncated=True)
    except Exception:  # not readable as PDF: nothing a viewer would run either
        return Safety()


def check_file(path: str | Path, *, depth: int = 0) -> Safety:
    """Return what the PDF at ``path`` would run."""
    return check_bytes(Path(path).read_bytes(), depth=depth)
