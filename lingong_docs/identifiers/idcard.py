"""身份证号 (GB 11643-1999): 17 digits + ISO 7064 MOD 11-2 check character."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import TYPE_CHECKING

from lingong_docs.identifiers._cache import cached_check

if TYPE_CHECKING:
    import polars as pl

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


CANONICAL = r"^[0-9]{17}[0-9X]$"
"""An ID in its compact form with nothing to fold: ``compact`` leaves it as it is."""


def canonical_valid(values: pl.Series) -> pl.Series:
    """Return per value of the text column ``values`` whether it is an ID in the canonical form
    (``CANONICAL``) that passes every check of ``check`` (province, birth date, check character),
    in column operations.

    False says nothing: a value in another form (lower-case x, full-width digits, spaces) may still
    pass ``check``, which decides those (``valid_mask``).
    """
    import polars as pl

    col = pl.col("id")
    shape = col.str.contains(CANONICAL) & (col.str.len_bytes() == 18)
    # The first 17 digits as one integer (< 10^17), worked on with integer arithmetic.
    frame = pl.DataFrame({"id": values}).with_columns(n=pl.when(shape).then(col.str.slice(0, 17).str.to_integer()))
    n = pl.col("n")

    def digits(first: int, count: int) -> pl.Expr:   # digits first+1 … first+count (1-based) as a number
        return (n // 10 ** (17 - first - count)) % 10 ** count

    frame = frame.with_columns(province=pl.when(digits(0, 1) == 9).then(digits(1, 2)).otherwise(digits(0, 2)),
                               year=digits(6, 4), month=digits(10, 2), day=digits(12, 2),
                               total=pl.sum_horizontal([digits(i, 1) * w for i, w in enumerate(WEIGHTS)]))
    year, month, day = pl.col("year"), pl.col("month"), pl.col("day")
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = (pl.when(month == 2).then(28 + leap.cast(pl.Int64))
                  .when(month.is_in([4, 6, 9, 11])).then(30).otherwise(31))
    expected = (pl.col("total") % 11).replace_strict(list(range(11)), list(CHECK_CHARS), return_dtype=pl.String)
    ok = (n.is_not_null() & pl.col("province").is_in(sorted(PROVINCES)) & (year >= 1900)
          & month.is_between(1, 12) & day.is_between(1, month_days) & (col.str.slice(17, 1) == expected))
    return frame.select(ok.fill_null(False)).to_series().alias(values.name)


def valid_mask(values: pl.Series) -> pl.Series:
    """Return per value of the text column ``values`` whether ``check`` passes it (false for null):
    the canonical form decided by column operations, ``check`` called once per distinct other text."""
    import polars as pl

    values = values.cast(pl.String)
    fast = canonical_valid(values)
    rest = values.filter(~fast & values.is_not_null()).unique().to_list()
    passed = [v for v in rest if check(v) is None]
    if passed:
        fast = fast | values.is_in(passed).fill_null(False)
    return fast.alias(values.name)


FOREIGN_PREFIX = "9"
"""The first digit of a foreigners' permanent-residence ID (since 2023)."""


def province_digits(value: str) -> str:
    """Return the two digits naming the province: digits 1-2, or 2-3 after a leading 9.

    The foreigners' permanent-residence ID (since 2023) starts with 9 followed by the code of the
    province that issued it; a 9 followed by anything else is not an ID number.
    """
    return value[1:3] if value[:1] == FOREIGN_PREFIX else value[:2]


def is_foreign_permanent(value: str) -> bool:
    """True for a valid foreigners' permanent-residence ID (9, then a real province code)."""
    return value[:1] == FOREIGN_PREFIX and check(value) is None


def is_male(value: str) -> bool:
    return int(value[16]) % 2 == 1


def births(ids: pl.Series) -> pl.DataFrame:
    """Return ``id_number``, ``born`` (Date, ``birth_date``) and ``male`` (``is_male``) of each value
    of the text column ``ids`` — IDs that pass ``check``: column operations for the canonical form,
    the two functions for the others."""
    import polars as pl

    schema = pl.Schema({"id_number": pl.String(), "born": pl.Date(), "male": pl.Boolean()})
    plain = ids.str.contains(CANONICAL).fill_null(False)
    col = pl.col("id_number")

    def number(start: int, count: int) -> pl.Expr:
        return col.str.slice(start, count).cast(pl.Int32)

    fast = pl.DataFrame({"id_number": ids.filter(plain)}, schema={"id_number": pl.String}).select(
        col, born=pl.date(number(6, 4), number(10, 2), number(12, 2)), male=number(16, 1) % 2 == 1)
    rest = ids.filter(~plain).drop_nulls().to_list()
    slow = pl.DataFrame({"id_number": rest, "born": [birth_date(v) for v in rest],
                         "male": [is_male(v) for v in rest]}, schema=schema)
    return pl.concat([fast.cast(schema), slow])
