"""Masking of personal data (DOMAIN.md §10) and a scrubber for anything printed or logged.

Masked forms: ID ``110105********1234``, phone ``138****5678``, name ``张*`` / ``欧阳**``.
"""

from __future__ import annotations

import logging
import re
import unicodedata

_ID_RE = re.compile(r"(?<![0-9０-９])(?:[0-9０-９]{17}[0-9０-９XxＸｘ]|[0-9０-９]{15})(?![0-9０-９])")
_PHONE_RE = re.compile(r"(?<![0-9０-９])(?:\+?86[- ]?)?1[3-9３-９][0-9０-９]{9}(?![0-9０-９])")
_LONG_DIGITS_RE = re.compile(r"(?<![0-9０-９])[0-9０-９]{11,}(?:\.[0-9]+)?(?:[eE][+]?[0-9]+)?")


def mask_id(value: str | None) -> str:
    """Return ``110105********1234`` for an 18-character ID (first 6 and last 4 kept)."""
    if value is None:
        return ""
    v = unicodedata.normalize("NFKC", str(value)).strip()
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


def scrub(text: str) -> str:
    """Mask anything in free text that looks like an ID number or a phone number."""
    if not text:
        return text
    text = _ID_RE.sub(lambda m: mask_id(m.group(0)), text)
    text = _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)
    return _LONG_DIGITS_RE.sub(lambda m: "*" * (len(m.group(0)) - 4) + m.group(0)[-4:], text)


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
