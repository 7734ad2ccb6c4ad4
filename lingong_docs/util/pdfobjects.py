"""The three pypdf writer internals the package stage relies on, each in one small function.

pypdf (7.1.1, pinned in constraints.txt) has no public way to add a new indirect object to a
``PdfWriter`` (``PdfWriter._add_object``), to put a new object behind a reference the writer
already handed out (``PdfWriter._objects``), or to make a stream object from bytes that are
already encoded — a JPEG (``/DCTDecode``) or a Flate stream — without decoding them
(``StreamObject._data``). Everything else goes through pypdf's public API. If a new pypdf moves
one of these, tests/test_third_party.py fails naming it: change it here, nowhere else.
"""

from __future__ import annotations

from pypdf import PdfWriter
from pypdf.generic import EncodedStreamObject, IndirectObject, NameObject, PdfObject


def add_object(writer: PdfWriter, obj: PdfObject) -> IndirectObject:
    """Add ``obj`` to ``writer`` as an indirect object; return its reference."""
    return writer._add_object(obj)


def replace_object(writer: PdfWriter, ref: IndirectObject, obj: PdfObject) -> None:
    """Put ``obj`` behind ``ref`` (a reference of ``writer``) in place of the object there."""
    if ref.pdf is not writer:
        raise ValueError("the reference belongs to another PDF")
    obj.indirect_reference = ref
    writer._objects[ref.idnum - 1] = obj


def encoded_stream(data: bytes, filter_name: str) -> EncodedStreamObject:
    """A stream object holding ``data`` as it is, already encoded with ``filter_name``."""
    stream = EncodedStreamObject()
    stream._data = data
    stream[NameObject("/Filter")] = NameObject(filter_name)
    return stream
