"""Child side: the tool's own pages hold only the tool's own drawing.

The forms (cover, checklist, reports) and the printed tables come out of LibreOffice and the
package stage as text, thin stroked lines (cell borders, underlines) and the page-number stamp —
never a filled shape, an image, a thick line or an annotation other than the signature widgets
and links. The applicant controls every byte before sealing, so a white box with new figures
drawn over a page (附件2: 5200 → 9840) is sealed along with the rest; it shows here as a fill,
an image or a thick stroke on a page where the tool draws none. Checked on every page of those
materials, in the page's content and in every form XObject it draws (bounded, by reference).

Not covered (docs/security.md §6): new text drawn on blank paper without covering anything and
clipping paths that hide part of the tool's own text; the text checks catch what they change in
the text layer, a comparison with a page rendered again from the data would catch the rest.
"""

from __future__ import annotations

import re
from typing import Any

# Painting operators that fill an area, shadings and inline images, as whole tokens.
_FILL = re.compile(rb"(?<![^\s\])>])(?:f\*?|F|B\*?|b\*?|sh|BI)(?![^\s\[(</])")
_WIDTH = re.compile(rb"(?<![^\s\])>])(\d*\.?\d+)\s+w(?![^\s\[(</])")
_SPECIAL = re.compile(rb"[(<%]")
MAX_LINE_WIDTH = 3.0          # points: the tool's borders are below 1
MAX_FORMS = 64                # form XObjects followed per page
OWN_ANNOTATIONS = frozenset({"/Widget", "/Link"})


def _strip_strings(data: bytes) -> bytes:
    """Return ``data`` with its strings and comments blanked (what remains are operators and operands)."""
    out: list[bytes] = []
    i, n = 0, len(data)
    while i < n:
        m = _SPECIAL.search(data, i)
        if m is None:
            out.append(data[i:])
            break
        j = m.start()
        out.append(data[i:j] + b" ")
        if data[j:j + 1] == b"%":
            k = min((x for x in (data.find(b"\n", j), data.find(b"\r", j)) if x >= 0), default=n)
        elif data[j:j + 2] == b"<<":
            out.append(b"<<")
            k = j + 2
        elif data[j:j + 1] == b"<":
            k = data.find(b">", j)
            k = n if k < 0 else k + 1
        else:
            k = _string_end(data, j)
        i = k
    return b"".join(out)


def _string_end(data: bytes, start: int) -> int:
    """Return the index after the literal string starting at ``start`` (nested, escaped)."""
    depth, i, n = 0, start, len(data)
    while i < n:
        c = data[i]
        if c == 0x5C:                     # backslash: the next byte is escaped
            i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _painted(data: bytes) -> list[str]:
    """Return what in one content stream the tool never draws ('fill', 'thick-line')."""
    found: list[str] = []
    fill, widths = _FILL.search(data), [float(w) for w in _WIDTH.findall(data)]
    if fill is None and all(w <= MAX_LINE_WIDTH for w in widths):
        return found                                   # the usual case: no need to look closer
    plain = _strip_strings(data)
    if _FILL.search(plain):
        found.append("fill")
    if any(float(w) > MAX_LINE_WIDTH for w in _WIDTH.findall(plain)):
        found.append("thick-line")
    return found


def _resolve(obj: Any) -> Any:
    return obj.get_object() if obj is not None and hasattr(obj, "get_object") else obj


def _contents(page: Any) -> bytes:
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else None
    streams = contents if isinstance(contents, list) else [contents] if contents is not None else []
    return b"\n".join(s.get_object().get_data() for s in streams)


def _xobjects(holder: Any, seen: set[tuple[int, int]], found: list[str]) -> None:
    """Check the form XObjects and images ``holder`` (a page or a form) can draw."""
    resources: Any = _resolve(holder.get("/Resources"))
    xobjects: Any = _resolve(resources.get("/XObject")) if hasattr(resources, "get") else None
    if not hasattr(xobjects, "items"):
        return
    for _name, ref in xobjects.items():
        key = (int(getattr(ref, "idnum", -1)), int(getattr(ref, "generation", 0) or 0))
        if key in seen:
            continue
        seen.add(key)
        if len(seen) > MAX_FORMS:
            found.append("too-many-forms")
            return
        xobject = ref.get_object()
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            found.append("image")
        elif subtype == "/Form":
            found.extend(_painted(xobject.get_data()))
            _xobjects(xobject, seen, found)


def foreign_drawing(page: Any) -> list[str]:
    """Return what on ``page`` the tool never draws: 'fill', 'thick-line', 'image', 'annotation:<type>'."""
    found = _painted(_contents(page))
    _xobjects(page, set(), found)
    annots: Any = _resolve(page.get("/Annots"))
    for i in range(len(annots) if isinstance(annots, list) else 0):
        subtype = str(annots[i].get_object().get("/Subtype") or "")
        if subtype not in OWN_ANNOTATIONS:
            found.append(f"annotation:{subtype.lstrip('/')}")
    return sorted(set(found))
