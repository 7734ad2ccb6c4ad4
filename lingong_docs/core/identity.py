"""What makes two roster rows the same record (the text sanitiser is ``util.text``).

Validate (``duplicate-row``), compute (exact duplicates count once) and the intake ledger (the
same row claimed twice, keyed hashes) all call ``record_key``: a row that differs from another
only in spaces, full-width forms or the case of the ID's X is the same row everywhere.
"""

from __future__ import annotations

import datetime as dt
import unicodedata


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
