"""What makes two roster rows the same record, and the one text sanitiser.

Validate (``duplicate-row``), compute (exact duplicates count once) and the intake ledger (the
same row claimed twice, keyed hashes) all call ``record_key``: a row that differs from another
only in spaces, full-width forms or the case of the ID's X is the same row everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# C0 controls (but \t \n \r), DEL, C1 controls, zero-width characters, bidi embeddings,
# overrides and isolates, word joiners and the BOM: invisible or deceptive in anything shown or
# printed, and the way a file name hides its real extension (``roster.xlsx\u202egpj.exe``).
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e"
                         "\u2060-\u2064\u2066-\u2069\ufeff\ufffe\uffff\ud800-\udfff]")
_NEWLINES_RE = re.compile("\r\n|\r|\u2028|\u2029")


def strip_controls(text: str, *, newlines: bool = True) -> str:
    """Return ``text`` without control, zero-width and bidi characters.

    Line breaks (any convention) become ``\\n`` when ``newlines``, else one space; a tab is a space.
    """
    text = _NEWLINES_RE.sub("\n", text).replace("\t", " ")
    text = _CONTROL_RE.sub("", text)
    return text if newlines else text.replace("\n", " ")


def has_controls(text: str) -> bool:
    """Return True when ``text`` holds a character ``strip_controls`` removes (line breaks aside)."""
    return bool(_CONTROL_RE.search(text))


def canonical_id(value: object) -> str:
    """Return an ID number folded to one form: NFKC, no spaces, upper-case X."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(text.split()).upper()


def place_key(place: object) -> str:
    """Return a 工作地点岗位 for comparison: full-width folded, every space removed."""
    if not isinstance(place, str):
        return ""
    return "".join(unicodedata.normalize("NFKC", place).split())


def _instant(value: object) -> object:
    """Return a task time in one form: a naive datetime to the second (ISO text is parsed)."""
    if isinstance(value, dt.datetime):
        if value.microsecond or value.tzinfo is not None:        # rare: keep the common path cheap
            return value.replace(microsecond=0, tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, str):
        try:
            return _instant(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def record_key(id_number: object, start: object, end: object, place: object) -> tuple[str, object, object, str]:
    """Return what makes two roster rows the same record: person, start, end and place (附件5)."""
    return (canonical_id(id_number), _instant(start), _instant(end), place_key(place))


def record_text(key: tuple[str, object, object, str]) -> str:
    """Return a ``record_key`` as one text (what the ledger hashes): times as ISO 8601."""
    ident, start, end, place = key
    times = (v.isoformat() if isinstance(v, dt.datetime) else str(v or "") for v in (start, end))
    return "\x00".join((ident, *times, place))
