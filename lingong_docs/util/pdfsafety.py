"""Find what a PDF viewer could run, start or send by itself: the one active-content check.

Used by intake (on a received package and, recursively, on the PDFs embedded in it) and by the
evidence rule of ``validate`` (so an operator learns before building that a payment-evidence PDF
carries a script). Everything is walked by hand with a visited set and a node budget: a
self-referencing /Kids or /Fields tree ends the walk, it does not hang it.

Found (``Safety.active``, an error wherever it appears): JavaScript anywhere (document /Names,
/OpenAction, /AA of the document, of pages, of annotations, of form fields and their parents),
/Launch, /GoToR, /GoToE, /SubmitForm, /ImportData, /Rendition, /RichMediaExecute actions,
/RichMedia, /Screen, /Movie and /Sound annotations, XFA forms, and any action other than going to
a page that runs on its own (/OpenAction, /AA). ``Safety.remote`` lists web links (/URI): shown
as a warning, since a bank's receipt may legitimately carry one.
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


@dataclass
class Safety:
    """What was found: short English labels such as ``page3:annotation:JavaScript``."""

    active: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)
    truncated: bool = False
    shared_fields: bool = False          # a form field reached twice: a /Kids or /Fields tree that multiplies

    def merge(self, other: Safety, prefix: str) -> None:
        self.active.extend(f"{prefix}:{a}" for a in other.active)
        self.remote.extend(f"{prefix}:{r}" for r in other.remote)
        self.truncated |= other.truncated


class _Walk:
    """One walk over a document: the visited set and the node budget."""

    def __init__(self, out: Safety) -> None:
        self.out = out
        self.seen: set[int] = set()
        self.budget = MAX_NODES

    def visit(self, ref: Any) -> Any | None:
        """Return the object behind ``ref`` the first time it is met, else None."""
        self.budget -= 1
        if self.budget < 0:
            self.out.truncated = True
            return None
        idnum = getattr(ref, "idnum", None)
        if idnum is not None:
            if idnum in self.seen:
                return None
            self.seen.add(idnum)
        try:
            return ref.get_object() if hasattr(ref, "get_object") else ref
        except Exception:  # a dangling reference holds nothing to run
            return None

    def action(self, ref: Any, where: str, *, automatic: bool = False, depth: int = 0) -> None:
        """Classify an action and its /Next chain."""
        from pypdf.generic import ArrayObject, DictionaryObject

        action = self.visit(ref) if depth < 50 else None
        if not isinstance(action, DictionaryObject):
            return                               # an explicit destination, or nothing
        kind = str(action.get("/S") or "")
        if kind in ACTIVE_ACTIONS or "/JS" in action or (automatic and kind not in AUTOMATIC_OK):
            self.out.active.append(f"{where}:{(kind or '/JS').lstrip('/')}")
        elif kind == "/URI":
            self.out.remote.append(f"{where}:URI")
        nxt = action.get("/Next")
        items = nxt if isinstance(nxt, ArrayObject) else [nxt] if nxt is not None else []
        for item in items:
            self.action(item, where, automatic=automatic, depth=depth + 1)

    def triggers(self, node: Any, where: str) -> None:
        """An /AA dictionary runs its actions on events: any of them counts."""
        from pypdf.generic import DictionaryObject

        aa = self.visit(node.raw_get("/AA")) if "/AA" in node else None
        if isinstance(aa, DictionaryObject):
            for event in list(aa.keys()):
                self.action(aa.raw_get(event), f"{where}:AA{event}", automatic=True)

    def annotation(self, ref: Any, where: str) -> None:
        from pypdf.generic import DictionaryObject

        annot = self.visit(ref)
        if not isinstance(annot, DictionaryObject):
            return
        subtype = str(annot.get("/Subtype") or "")
        if subtype in ACTIVE_ANNOTATIONS:
            self.out.active.append(f"{where}:{subtype.lstrip('/')}")
        self.triggers(annot, where)
        if "/A" in annot:
            self.action(annot.raw_get("/A"), f"{where}:annotation")
        self.field_parents(annot, where)

    def field_parents(self, node: Any, where: str) -> None:
        """A widget's field and the field's parents may carry /AA of their own."""
        from pypdf.generic import DictionaryObject

        parent = node.get("/Parent") if hasattr(node, "get") else None
        for _ in range(32):
            if parent is None:
                return
            obj = self.visit(parent)
            if not isinstance(obj, DictionaryObject):
                return
            self.triggers(obj, f"{where}:field")
            if "/A" in obj:
                self.action(obj.raw_get("/A"), f"{where}:field")
            parent = obj.get("/Parent")

    def fields(self, refs: Any, depth: int = 0) -> None:
        """Every field of the form, however deep (``/Kids``), including hidden ones."""
        from pypdf.generic import ArrayObject, DictionaryObject

        items = self.visit(refs) if depth == 0 else refs
        if not isinstance(items, ArrayObject) or depth > 64:
            return
        for i in range(len(items)):
            if getattr(items[i], "idnum", None) in self.seen:
                self.out.shared_fields = True
                continue
            node = self.visit(items[i])
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
    walk = _Walk(out)
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
    outlines: Any = walk.visit(root.raw_get("/Outlines")) if "/Outlines" in root else None
    stack = [outlines.get("/First")] if outlines is not None and hasattr(outlines, "get") else []
    while stack:
        node: Any = walk.visit(stack.pop())
        if node is None or not hasattr(node, "get"):
            continue
        if "/A" in node:
            walk.action(node.raw_get("/A"), "outline")
        stack.extend(n for n in (node.get("/Next"), node.get("/First")) if n is not None)


def _embedded(reader: Any, out: Safety, depth: int) -> None:
    """Check every embedded PDF (by content, not by name), ``MAX_DEPTH`` levels deep."""
    if depth >= MAX_DEPTH:
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
