"""Cell value normalisation: exact or a finding code, never a guess.

Each ``to_*`` function takes the raw value calamine returned and gives ``(value, code)``: the
normalised value, or ``BAD`` with the code of the read finding that explains why.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from lingong_docs.core.model import BAD
from lingong_docs.util.cells import from_excel
from lingong_docs.util.text import has_controls, strip_controls

_NUMBER_RE = re.compile(r"[¥$]?\s*([+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?)\s*(?:元|小时|h|H|时|个|人|名)?", re.ASCII)
_DATE_RE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*(?P<H>\d{1,2})\s*(?:[:：时点]\s*(?P<M>\d{1,2})?\s*(?:[:：分]\s*(?P<S>\d{1,2})?\s*秒?)?)?)?",
    re.ASCII,
)
_TIME_ONLY_RE = re.compile(r"\s*\d{1,2}\s*[:：时点]\s*(?:\d{1,2}\s*分?)?(?:\s*[:：]\s*\d{1,2})?\s*", re.ASCII)
_COMPACT_DATE_RE = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:\s*(?P<H>\d{2}):?(?P<M>\d{2}))?", re.ASCII)


@functools.lru_cache(maxsize=65536)
def clean_text(value: str) -> tuple[str, bool]:
    """Return text without control characters and surrounding spaces; flag removals.

    Prose keeps its Chinese punctuation (（）、，；): no NFKC here. Identifiers, numbers and dates
    are folded with ``fold_text`` instead.
    """
    if not has_controls(value):
        return value.strip(), False
    return strip_controls(value).strip(), True


@functools.lru_cache(maxsize=65536)
def fold_text(value: str) -> str:
    """Return NFKC-folded text (full-width digits and letters to ASCII), cleaned and stripped."""
    return clean_text(unicodedata.normalize("NFKC", value))[0]


def excel_shown(value: dt.date | dt.time | dt.timedelta) -> str:
    """Return a date or time as Excel shows it in a Chinese locale: ``2025/1/1``, ``2025/1/1 8:00``.

    Excel turns "2025/1/1" typed into a text column (备注, 岗位名称) into a date; read back, it is
    the text the operator typed.
    """
    if isinstance(value, dt.timedelta):
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    if isinstance(value, dt.time):
        return f"{value.hour}:{value.minute:02d}" + (f":{value.second:02d}" if value.second else "")
    day = f"{value.year}/{value.month}/{value.day}"
    if isinstance(value, dt.datetime) and value.time() != dt.time(0):
        return f"{day} {excel_shown(value.time())}"
    return day


def to_text(value: object) -> tuple[str | None, str | None]:
    """Return any cell as text (a date as Excel shows it, 3.0 as 3), or None for an empty cell."""
    if isinstance(value, str):
        if not value:
            return None, None
        text, removed = clean_text(value)
        if not text:
            return None, None
        return text, ("text-control-chars" if removed else None)
    if value is None:
        return None, None
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value)), None
        return repr(value), None
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return excel_shown(value), None
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    return str(value), None


NAME_DOT = "·"
_LATIN_NAME_RE = re.compile(r"[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ .'\-]*")
_NAME_SEPARATORS_RE = re.compile(r"\s*[·・•．.‧∙･]\s*|\s+")


def to_name(value: object) -> tuple[str | None, str | None]:
    """Return a person's name with its separators as "·" (``阿依古丽・买买提`` → ``阿依古丽·买买提``).

    The separator of ethnic-minority and foreign names is the middle dot; Japanese, bullet,
    full-width full stop and spaces typed instead are normalised, with a warning. Spaces inside a
    short all-Chinese name (``张　三``, padded to align with three-character names) are removed.
    """
    text, code = to_text(value)
    if text is None:
        return text, code
    if _LATIN_NAME_RE.fullmatch(text):
        return " ".join(text.split()), code   # JOHN SMITH: spaces are part of a Latin-script name
    squeezed = "".join(text.split())
    if len(squeezed) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in squeezed):
        normalised = squeezed   # "张　三": spaces padding a short Chinese name, not a separator
    else:
        normalised = _NAME_SEPARATORS_RE.sub(NAME_DOT, text)
    if normalised != text:
        return normalised, code or "name-separator"
    return text, code


def to_id_text(value):
    """ID numbers: a float means Excel already dropped digits (``1.10101199003075E+17``)."""
    if isinstance(value, float):
        # Below 10^15 a float holds every digit: a 15-digit (old) ID survives and is judged as such.
        if value >= 1e15 or not value.is_integer():
            return BAD, "id-stored-as-number"
        return str(int(value)), None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), None
    text, code = to_text(value)
    if text is None:
        return None, None
    text = fold_text(text)
    if re.fullmatch(r"[0-9.]+[eE]\+?[0-9]+", text):
        return BAD, "id-stored-as-number"
    if len(text) == 18 and text[:17].isdigit():
        return text.upper(), code      # the usual case: nothing to take out
    bare = _ID_SEPARATORS_RE.sub("", text.lstrip(APOSTROPHES))
    if len(bare) in (15, 18) and bare[:-1].isdigit():
        extra = bare != text.replace(" ", "")   # an apostrophe or dashes: explained; spaces alone are not
        return bare.upper(), code or ("id-extra-characters" if extra else None)
    return text.upper(), code


APOSTROPHES = "'‘’`´"
"""A leading apostrophe marks a cell as text in Excel; typed or imported, it stays in the value."""
_ID_SEPARATORS_RE = re.compile(r"[\s\-‐‑‒–—―_]")


def compact_id(text: str) -> str:
    """Return an ID without a leading apostrophe and without separators (dashes, spaces)."""
    return _ID_SEPARATORS_RE.sub("", fold_text(text).lstrip(APOSTROPHES)).upper()


def to_phone_text(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), None
    text, code = to_text(value)
    return (fold_text(text) if text else text), code


def float_to_decimal(value: float) -> Decimal:
    """Return the number a person typed or meant, without binary float noise.

    Excel keeps 15 significant digits and formulas add noise in the last bits
    (``=(G5-F5)*24`` gives 8.000000000058208, ``=H5*30.3`` gives 242.4000000017637). A float that
    lies within 1e-9 (relative) of a value with at most 6 decimals is that value; anything else is
    kept exactly as stored (so 320.555 typed by hand is still 320.555).
    """
    snapped = round(value, 6)
    if abs(value - snapped) <= 1e-9 * max(1.0, abs(value)):
        value = snapped
    return Decimal(repr(value))


def to_decimal(value):
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return BAD, "number-unreadable"
        return float_to_decimal(value), None
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return BAD, "number-unreadable"
    if isinstance(value, int):
        return Decimal(value), None
    if isinstance(value, str):
        text = fold_text(value)
        if not text:
            return None, None
        m = _NUMBER_RE.fullmatch(text)
        if not m:
            return BAD, "number-unreadable"
        try:
            return Decimal(m.group(1).replace(",", "")), None
        except InvalidOperation:
            return BAD, "number-unreadable"
    return BAD, "number-unreadable"


def to_hours(value):
    """Hours: a number, or a duration the operator typed as 8:00 or formatted as [h]:mm."""
    if isinstance(value, dt.timedelta):
        return float_to_decimal(value.total_seconds() / 3600), None
    if isinstance(value, dt.time):
        return float_to_decimal(value.hour + value.minute / 60 + value.second / 3600), None
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{1,3})\s*[:：]\s*([0-5]\d)\s*", fold_text(value))
        if m:
            return Decimal(m.group(1)) + (Decimal(m.group(2)) / 60).quantize(Decimal("0.01")), None
    return to_decimal(value)


def to_seq(value):
    """序号: an integer when it is one; otherwise kept as text with a warning (it only links evidence)."""
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value), None     # the usual 序号, exactly what the Decimal path gives
    number, code = to_integer(value)
    if code is None:
        return number, None
    text, _ = to_text(value)
    return (text if text is not None else BAD), "seq-unreadable"


def to_integer(value):
    d, code = to_decimal(value)
    if d is None or d is BAD:
        return d, code
    if d != d.to_integral_value():
        return BAD, "not-integer"
    return int(d), None


def to_datetime(value, date1904: bool = False):
    """Return a naive datetime. Serials use the workbook's date system; text in Chinese forms."""
    if value is None or value == "":
        return None, None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and not value.microsecond:
            return value, None
        return _round_seconds(value.replace(tzinfo=None)), None
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day), "date-no-time"
    if isinstance(value, (dt.time, dt.timedelta)):
        return BAD, "date-time-only"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 0 < value < 1:
            return BAD, "date-time-only"   # a serial fraction: a time of day without the day
        if not (1 <= value < 2958466):
            return BAD, "date-unreadable"
        result = from_excel(value, epoch=dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30))
        if isinstance(result, dt.datetime):
            return _round_seconds(result), None
        return BAD, "date-unreadable"
    if isinstance(value, str):
        return _text_datetime(value)
    return BAD, "date-unreadable"


_HALF_DAY_RE = re.compile(r"(上午|早上|早晨|凌晨|AM|A\.M\.)|(下午|晚上|傍晚|中午|PM|P\.M\.)", re.IGNORECASE)


def _text_datetime(value: str) -> tuple[dt.datetime | None | object, str | None]:
    """Read a date typed as text: 2025-03-05 08:00, 2025年3月5日 8时, 20250305, 2025/3/5 下午5:30."""
    text = fold_text(value)
    if not text:
        return None, None
    half = _HALF_DAY_RE.search(text)
    if half:   # 上午8:00 / 下午5:30 as Excel shows a time in a Chinese locale
        text = (text[:half.start()] + " " + text[half.end():]).strip()
    m = _DATE_RE.fullmatch(text) or _COMPACT_DATE_RE.fullmatch(text)
    if not m:
        return BAD, ("date-time-only" if _TIME_ONLY_RE.fullmatch(text) else "date-unreadable")
    g = m.groupdict()
    hour = int(g.get("H") or 0)
    if half and g.get("H") is not None:
        if half.group(2) and hour < 12:
            hour += 12
        elif half.group(1) and hour == 12:
            hour = 0
    try:
        result = dt.datetime(int(g["y"]), int(g["m"]), int(g["d"]), hour, int(g.get("M") or 0), int(g.get("S") or 0))
    except ValueError:
        return BAD, "date-unreadable"
    return result, (None if g.get("H") is not None else "date-no-time")


def _round_seconds(value: dt.datetime) -> dt.datetime:
    """Serial fractions carry float noise (08:00 → 07:59:59.999); round to the second."""
    if value.microsecond:
        value = value.replace(microsecond=0) + (dt.timedelta(seconds=1) if value.microsecond >= 500_000 else dt.timedelta())
    return value


CONVERTERS = {"string": to_text, "number": to_decimal, "integer": to_integer}
