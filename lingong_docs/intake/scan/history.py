"""Child side: what changed after the package was built (its first revision).

Signature fields present in the first revision (the package as built, unsigned) are the places;
signature fields and annotations that appeared later go to ``added``; fields whose box was moved
or resized later go to ``moved``. Page trees are walked by hand with a visited set and a cap.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lingong_docs.intake.scan.result import Annotation, Fatal, ScanResult


def _ref_key(ref: Any, fallback: tuple[Any, ...]) -> tuple[Any, ...]:
    from pyhanko.pdf_utils import generic

    if isinstance(ref, generic.IndirectObject):
        return ("ref", ref.idnum, ref.generation)
    return ("direct", *fallback)


def _annotations(handler: Any, limits: dict[str, Any]) -> dict[tuple[Any, ...], tuple[int, str, str | None]]:
    """Return {annotation key: (page number, subtype, field name)} of every page, walking the page
    tree of ``handler`` (a revision) by hand, with a visited set and a cap on nodes and entries."""
    from pyhanko.pdf_utils import generic

    found: dict[tuple[Any, ...], tuple[int, str, str | None]] = {}
    cap_nodes = 2 * int(limits.get("max_pages", 20_000)) + 10
    cap_annots = 50 * cap_nodes
    seen: set[tuple[Any, ...]] = set()
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


def _field_name(annot: Any) -> str | None:
    """Return the (partial) field name of a widget, from the widget or its parent field."""
    for node, _ in zip(_parents(annot), range(20)):
        if "/T" in node:
            return str(node["/T"])
    return None


def _parents(node: Any) -> Iterator[Any]:
    while node is not None:
        yield node
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None


def read_history(r: Any, total: int, out: ScanResult, limits: dict[str, Any]) -> None:
    """Compare the last revision with the first: signature fields present in the first (the
    package as built, unsigned) go to ``first_fields``; signature fields and annotations that
    appeared later (a new field whose appearance paints text over a page, say) go to ``added``;
    fields of the first revision whose box was moved or resized later go to ``moved``."""
    from pyhanko.sign.fields import enumerate_sig_fields

    if total <= 1:
        out.first_fields = [str(n) for n, _v, _r in enumerate_sig_fields(r)]
        return
    first = r.get_historical_resolver(0)
    first_fields = {_ref_key(ref, (str(n),)): (str(n), _rect(ref)) for n, _v, ref in enumerate_sig_fields(first)}
    out.first_fields = sorted({name for name, _ in first_fields.values()})
    before = _annotations(first, limits)
    after = _annotations(r, limits)
    added: dict[tuple[Any, ...], Annotation] = {}
    for key, (page, subtype, name) in after.items():
        if key not in before:
            added[key] = Annotation(page, subtype, name)
    for name, _v, ref in enumerate_sig_fields(r):
        key = _ref_key(ref, (str(name),))
        if key not in first_fields:
            added.setdefault(key, Annotation(None, "Widget", None)).field = str(name)
        elif not _same_rect(first_fields[key][1], _rect(ref)):
            # the same field, moved or enlarged later (its seal's picture could cover the page)
            where = after.get(key)
            out.moved.append(Annotation(where[0] if where else None, "Widget", str(name)))
    out.added = sorted(added.values(), key=lambda a: (a.page or 0, a.field or ""))


def _rect(ref: Any) -> list[float] | None:
    try:
        rect = [float(v) for v in ref.get_object()["/Rect"]]
    except Exception:  # a widget without a usable /Rect
        return None
    if len(rect) != 4:
        return None
    return [min(rect[0], rect[2]), min(rect[1], rect[3]), max(rect[0], rect[2]), max(rect[1], rect[3])]


def _same_rect(a: list[float] | None, b: list[float] | None) -> bool:
    if a is None or b is None:
        return a is b
    return all(abs(x - y) <= 0.5 for x, y in zip(a, b))
