"""统一社会信用代码 (GB 32100-2015): 18 characters, check character MOD 31."""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def compact(value: object) -> str:
    """Return the code with full-width characters folded, spaces removed, upper-cased."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "").upper()


def check_char(first17: str) -> str:
    """Return the check character for the first 17 characters."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


# The codes ``check`` can return (every one is in the message catalogue).
CODES = ("uscc-missing", "uscc-length", "uscc-characters", "uscc-check-char")


def check(value: object) -> str | None:
    """Return None for a valid code, else a finding code."""
    v = compact(value)
    if not v:
        return "uscc-missing"
    if len(v) != 18:
        return "uscc-length"
    if any(c not in _VALUE for c in v):
        return "uscc-characters"
    if check_char(v[:17]) != v[17]:
        return "uscc-check-char"
    return None


def is_valid(value: object) -> bool:
    return check(value) is None
