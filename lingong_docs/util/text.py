"""The one text sanitiser: what is removed from any text shown, printed, logged or used as a name.

C0 controls (but tab and the line breaks), DEL, C1 controls, the Arabic letter mark, zero-width
characters, bidi embeddings, overrides and isolates, word joiners, the BOM, the non-characters
U+FFFE/U+FFFF and lone surrogates: invisible or deceptive in anything shown or printed (the way a
file name hides its real extension, ``roster.xlsx\\u202egpj.exe``), and most of them not allowed
in XML 1.0. The reader, the forms, the printed tables, the annotated workbook, masking, intake's
file names and the web's upload names all use this one set.
"""

from __future__ import annotations

import re

_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\u061c\u200b-\u200f\u202a-\u202e"
                         "\u2060-\u2064\u2066-\u2069\ufeff\ufffe\uffff\ud800-\udfff]")
_NEWLINES_RE = re.compile("\r\n|\r|\x85|\u2028|\u2029")


def strip_controls(text: str, *, newlines: bool = True) -> str:
    """Return ``text`` without control, zero-width and bidi characters.

    Line breaks (any convention: CR LF, CR, NEL, U+2028/9) become ``\\n`` when ``newlines``, else
    one space; a tab is a space.
    """
    text = _NEWLINES_RE.sub("\n", text).replace("\t", " ")
    text = _CONTROL_RE.sub("", text)
    return text if newlines else text.replace("\n", " ")


def has_controls(text: str) -> bool:
    """Return True when ``text`` holds a character ``strip_controls`` removes (line breaks aside)."""
    return bool(_CONTROL_RE.search(text))
