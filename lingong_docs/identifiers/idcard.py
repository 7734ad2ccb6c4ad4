"""身份证号 (GB 11643-1999): 17 digits + ISO 7064 MOD 11-2 check character."""

from __future__ import annotations

import datetime as dt
import unicodedata

from lingong_docs.identifiers._cache import cached_check

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
PROVINCES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83]
)


def compact(value: object) -> str:
    """Return the ID with full-width characters folded, spaces around removed, x upper-cased."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip().upper()


def check_char(first17: str) -> str:
    """Return the check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def to_18(value: str) -> str | None:
    """Return the 18-digit form of a 15-digit (pre-1999) ID: century 19 inserted, check char added."""
    v = compact(value)
    if not (len(v) == 15 and v.isascii() and v.isdigit()):
        return None
    first17 = v[:6] + "19" + v[6:]
    return first17 + check_char(first17)


def birth_date(value: str) -> dt.date | None:
    """Return the birth date encoded in digits 7-14, or None when it is not a real date."""
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except (ValueError, IndexError):
        return None


# The codes ``check`` can return (every one is in the message catalogue).
CODES = ("id-missing", "id-15-digit", "id-length", "id-characters", "id-province", "id-birth-date", "id-check-char")


def _check(v: str) -> str | None:
    if not v:
        return "id-missing"
    if len(v) == 15 and v.isascii() and v.isdigit():
        return "id-15-digit"
    if len(v) != 18:
        return "id-length"
    if not (v[:17].isascii() and v[:17].isdigit() and (v[17].isdigit() or v[17] == "X") and v.isascii()):
        return "id-characters"
    if int(province_digits(v)) not in PROVINCES:
        return "id-province"
    born = birth_date(v)
    if born is None or born.year < 1900:
        return "id-birth-date"
    if check_char(v[:17]) != v[17]:
        return "id-check-char"
    return None


check = cached_check(compact, _check)
check.__doc__ = "Return None for a valid 18-character ID, else a finding code."


def is_valid(value: object) -> bool:
    return check(value) is None


def province_digits(value: str) -> str:
    """Return the two digits naming the province: digits 1-2, or 2-3 after a leading 9.

    The foreigners' permanent-residence ID (since 2023) starts with 9 followed by the code of the
    province that issued it; a 9 followed by anything else is not an ID number.
    """
    return value[1:3] if value[:1] == "9" else value[:2]


def is_foreign_permanent(value: str) -> bool:
    """True for a valid foreigners' permanent-residence ID (9, then a real province code)."""
    return value[:1] == "9" and check(value) is None


def is_male(value: str) -> bool:
    return int(value[16]) % 2 == 1
