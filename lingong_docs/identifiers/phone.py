"""联系方式: a mainland mobile number or a landline with its area code."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from lingong_docs.identifiers._cache import cached_check

if TYPE_CHECKING:
    import polars as pl

_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
_LANDLINE = re.compile(r"0[1-9][0-9]{1,2}[0-9]{7,8}(?:[0-9]{1,5})?", re.ASCII)


def compact(value: object) -> str:
    """Return the number without +86, spaces, hyphens or brackets; floats like 1.38e10 rejoined."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    v = unicodedata.normalize("NFKC", str(value)).strip()
    v = re.sub(r"[\s\-()（）]", "", v)
    international = True
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("0086"):
        v = v[4:]
    elif v.startswith("86") and len(v) in (12, 13):
        v = v[2:]
    else:
        international = False
    if international and v[:1].isdigit() and v[:1] != "0" and not _MOBILE.fullmatch(v):
        v = "0" + v          # +86 10 8888 8888: the trunk 0 of the area code is dropped abroad
    return v


# The codes ``check`` can return (every one is in the message catalogue).
CODES = ("phone-missing", "phone-format")


def _check(v: str) -> str | None:
    if not v:
        return "phone-missing"
    if _MOBILE.fullmatch(v) or _LANDLINE.fullmatch(v):
        return None
    return "phone-format"


check = cached_check(compact, _check)
check.__doc__ = "Return None for a mobile or landline number, else a finding code."


def is_valid(value: object) -> bool:
    return check(value) is None


def canonical_valid(values: pl.Series) -> pl.Series:
    """Return per value of the text column ``values`` whether it is a mobile or landline number
    written as bare ASCII digits (``compact`` leaves it as it is) that passes ``check``, in column
    operations (the same patterns; polars' regex has no backtracking, the language is the same).

    False says nothing: a number written with spaces, hyphens or +86 may still pass ``check``.
    """
    return values.str.contains(f"^(?:{_MOBILE.pattern}|{_LANDLINE.pattern})$").fill_null(False)
