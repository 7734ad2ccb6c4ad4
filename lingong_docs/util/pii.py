"""Masking of personal data, and ``mask``: the one entry point for any value shown or written.

Masked forms: ID ``110105********1234``, phone ``138****5678``, name ``张*`` / ``欧阳**``. Nothing
outside the package itself shows more (docs/rules.md, "个人信息").
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import unicodedata
from decimal import Decimal

from lingong_docs.util.text import strip_controls

_ID_RE = re.compile(r"(?<![0-9０-９])(?:[0-9０-９]{17}[0-9０-９XxＸｘ]|[0-9０-９]{15})(?![0-9０-９])")
_PHONE_RE = re.compile(r"(?<![0-9０-９])(?:\+?86[- ]?)?1[3-9３-９][0-9０-９]{9}(?![0-9０-９])")
_LONG_DIGITS_RE = re.compile(r"(?<![0-9０-９])[0-9０-９]{11,}(?:\.[0-9]+)?(?:[eE][+]?[0-9]+)?")
# Digits typed in groups of three or more with spaces or hyphens between them
# ("110105 19900307 1239", "139-1234-5678", full-width with an ideographic space). Groups of two
# (dates such as 2025-01-01) never match.
_SEP = "[ \t\u00a0\u3000\\-‐‑–—－]{1,2}"
_GROUPED_RE = re.compile(f"(?<![0-9０-９])(?:\\+?86{_SEP})?[0-9０-９]{{3,}}(?:{_SEP}[0-9０-９]{{3,}})+"
                         f"(?:{_SEP}[0-9０-９]{{1,2}})?[XxＸｘ]?(?![0-9０-９])")
MAX_SHOWN = 60


def mask_id(value: str | None) -> str:
    """Return ``110105********1234`` for an 18-character ID (first 6 and last 4 kept).

    Every birth-date digit is hidden: a 15-digit ID (``110105******123``) keeps only its 3 sequence digits.
    """
    if value is None:
        return ""
    v = unicodedata.normalize("NFKC", str(value)).strip()
    if len(v) == 15:
        return v[:6] + "*" * 6 + v[-3:]
    if len(v) >= 15:
        return v[:6] + "*" * (len(v) - 10) + v[-4:]
    if len(v) > 4:
        return "*" * (len(v) - 2) + v[-2:]
    return "*" * len(v)


def mask_phone(value: str | None) -> str:
    """Return ``138****5678`` for a mobile number; landlines keep their last 4 digits."""
    if value is None:
        return ""
    v = unicodedata.normalize("NFKC", str(value)).strip()
    digits = re.sub(r"\D", "", v)
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def mask_name(value: str | None) -> str:
    """Return the first character (two for common compound surnames) followed by ``*``."""
    if value is None:
        return ""
    v = unicodedata.normalize("NFKC", str(value)).strip()
    if not v:
        return ""
    keep = 2 if len(v) >= 4 and v[:2] in _COMPOUND_SURNAMES else 1
    return v[:keep] + "*" * max(1, len(v) - keep)


_COMPOUND_SURNAMES = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "令狐", "澹台", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "呼延", "百里", "东郭", "闻人",
}


def _mask_grouped(match: re.Match[str]) -> str:
    digits = re.sub(r"[^0-9X]", "", unicodedata.normalize("NFKC", match.group(0)).upper())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) in (15, 18):
        return mask_id(digits)
    if len(digits) == 11 and digits.startswith("1"):
        return mask_phone(digits)
    if len(digits) >= 11:
        return "*" * (len(digits) - 4) + digits[-4:]
    return match.group(0)


@functools.lru_cache(maxsize=8)
def _name_lengths(names: frozenset[str]) -> tuple[int, ...]:
    return tuple(sorted({len(n) for n in names if len(n) >= 2}, reverse=True))


def _mask_names(text: str, names: frozenset[str]) -> str:
    """Mask every known name in ``text`` (longest first), by lookups rather than one big regex."""
    lengths = _name_lengths(names)
    out, i = [], 0
    while i < len(text):
        for n in lengths:
            if text[i:i + n] in names:
                out.append(mask_name(text[i:i + n]))
                i += n
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def scrub(text: str, names: frozenset[str] = frozenset()) -> str:
    """Mask anything in free text that looks like an ID or a phone number, and the ``names`` given.

    IDs and phones are found with or without spaces, hyphens or full-width digits between their
    groups; ``names`` are the people's names known from the roster (a name cannot be recognised
    in free text otherwise).
    """
    if not text:
        return text
    text = _GROUPED_RE.sub(_mask_grouped, text)
    text = _ID_RE.sub(lambda m: mask_id(m.group(0)), text)
    text = _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)
    text = _LONG_DIGITS_RE.sub(lambda m: "*" * (len(m.group(0)) - 4) + m.group(0)[-4:], text)
    return _mask_names(text, names) if names else text


def mask_file_name(name: str, names: frozenset[str] = frozenset()) -> str:
    """Return a file name as it may be shown: bytes that are not UTF-8 as ``?``, personal data masked.

    Operators name evidence after the person paid (``0007 张三 110105….png``).
    """
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\ufffd", "?")
    return scrub(strip_controls(text, newlines=False), names)


def _number_text(value: int | float | Decimal) -> str:
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and value.is_finite():
        exact = value == value.to_integral_value()
        value = value.quantize(Decimal(1)) if exact and abs(value) < Decimal(10) ** 28 else value.normalize()
        return f"{value:f}"
    return str(value)


def mask(value: object, kind: str | None = None, names: frozenset[str] = frozenset()) -> str:
    """Return ``value`` as it may be shown anywhere outside the package: the one masking function.

    ``kind`` is the personal data a column holds (``"id"``, ``"phone"``, ``"name"``); any other
    value — text, a number, a date — is shown with every ID, phone number and known name inside
    it masked, without control characters, and cut to ``MAX_SHOWN`` characters. A number is
    judged by its digits: an ID stored as a number or a phone typed into 报酬 is masked too.
    """
    if value is None:
        return ""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.strftime("%Y-%m-%d %H:%M" if isinstance(value, dt.datetime) else
                              "%Y-%m-%d" if isinstance(value, dt.date) else "%H:%M")
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        text = _number_text(value)
    else:
        text = strip_controls(str(value), newlines=False)
    if kind == "id":
        return mask_id(text)
    if kind == "phone":
        return mask_phone(text)
    if kind == "name":
        return mask_name(text)
    text = scrub(text, names)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 3] + "…"


class ScrubFilter(logging.Filter):
    """Logging filter that masks IDs and phones in messages and tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = ()
        if record.exc_info:
            import traceback

            record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return True
