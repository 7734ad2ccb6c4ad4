"""Child side: the one reading of a package — the bytes its seals cover, parsed without repairs.

pyHanko checks each seal over the byte ranges it signs; everything intake reads, recomputes and
shows (pages, text, outline, embedded files, the manifest) must come from those same bytes. So:

- ``covered_end`` is where the last seal's (signature's or document timestamp's) byte range ends;
  the content is parsed from the file cut there (``signed_copy``). Revisions after it (validation
  data of PAdES-B-LT) are judged by the signature check; bytes after it that form no revision at
  all, and anything but white space after the last ``%%EOF``, are findings (``trailing_bytes``).
- ``XrefReader`` is pypdf's reader that never repairs: a reference the cross-reference table does
  not hold, or whose entry points at another object, reads as null and is recorded in
  ``outside``; pypdf's own repair would search the whole file (comments and unsigned bytes
  included) and take whatever it finds there. A rebuilt xref table is recorded as well.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.generic import IndirectObject, NullObject

_EOF = re.compile(rb"%%EOF")
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
MAX_OUTSIDE = 1000          # references outside the xref recorded (one is already a finding)


class XrefReader(PdfReader):
    """A pypdf reader over the cross-reference table as written: no object is found by searching."""

    def __init__(self, stream: Any, **kwargs: Any) -> None:
        self.outside: list[str] = []
        self.rebuilt = False
        super().__init__(stream, strict=False, **kwargs)

    def _rebuild_xref_table(self, stream: Any) -> None:
        # pypdf (7.1.1, constraints.txt) says nowhere public that it rebuilt the table: this private
        # hook is the one place that learns it (tests/test_third_party.py fails if pypdf drops it)
        self.rebuilt = True
        super()._rebuild_xref_table(stream)

    def get_object(self, indirect_reference: int | IndirectObject) -> Any:
        ref = IndirectObject(indirect_reference, 0, self) if isinstance(indirect_reference, int) else indirect_reference
        if (ref.generation, ref.idnum) not in self.resolved_objects and not self._holds(ref):
            if len(self.outside) < MAX_OUTSIDE:
                self.outside.append(f"{ref.idnum} {ref.generation} R")
            return NullObject()
        return super().get_object(ref)

    def _holds(self, ref: IndirectObject) -> bool:
        """True when the xref holds ``ref`` and (for an offset entry) the object there is ``ref``."""
        if ref.generation == 0 and ref.idnum in self.xref_objStm:
            return True
        offset = self.xref.get(ref.generation, {}).get(ref.idnum)
        if offset is None:
            return False
        if self.xref_free_entry.get(ref.generation, {}).get(ref.idnum, False):
            return True                                   # a free entry: null, as the table says
        position = self.stream.tell()
        try:
            self.stream.seek(offset, 0)
            head = self.stream.read(64)
        finally:
            self.stream.seek(position, 0)
        m = re.match(rb"\s*(\d+)\s+(\d+)\s+obj", head)
        return m is not None and (int(m.group(1)), int(m.group(2))) == (ref.idnum, ref.generation)


def covered_end(path: Path, password: str | None) -> int | None:
    """Return the end of the bytes the last seal covers, or None when no seal covers any."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    ends: list[int] = []
    with open(path, "rb") as f:
        try:
            r = PdfFileReader(f, strict=False)
            if r.encrypted:
                r.decrypt(password or "")
            for sig in r.embedded_signatures:
                br = [int(v) for v in sig.byte_range]
                if len(br) == 4:
                    ends.append(br[2] + br[3])
        except Exception:
            return None
    return max(ends) if ends else None


def trailing_bytes(path: Path, size: int, covered: int | None) -> int:
    """Return how many bytes lie outside every revision (0 when none): after the last ``%%EOF``
    other than white space, or after the last seal when no revision starts after it."""
    with open(path, "rb") as f:
        f.seek(max(0, size - 4096))
        tail = f.read()
        last = None
        for last in _EOF.finditer(tail):  # noqa: B007 - the last match is wanted
            pass
        after = tail[last.end():] if last is not None else b""
        if after.strip():
            return len(after)
        if covered is None or covered >= size:
            return 0
        m = None
        for m in _STARTXREF.finditer(tail):  # noqa: B007
            pass
        if m is None or int(m.group(1)) < covered:
            return size - covered              # no revision after the last seal: loose bytes
    return 0


def signed_copy(path: Path, workdir: Path, covered: int | None, size: int) -> Path:
    """Return the file holding exactly the covered bytes (``path`` itself when it is all covered)."""
    if covered is None or covered >= size:
        return path
    target = workdir / "signed.pdf"
    with open(path, "rb") as src, open(target, "wb") as dst:
        remaining = covered
        while remaining > 0:
            chunk = src.read(min(1 << 20, remaining))
            if not chunk:
                break
            dst.write(chunk)
            remaining -= len(chunk)
    return target
