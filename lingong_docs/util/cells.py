"""Excel cell references and serial dates without importing openpyxl (whose import costs a quarter second).

The reader needs only these three conversions; ``validate`` runs (and the operator's page) start faster
for not loading the whole openpyxl package. Each gives the same result as its openpyxl namesake
(``get_column_letter``, ``range_boundaries`` for cell and cell:cell references, ``from_excel``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

MAX_COLUMN = 18278              # ZZZ: the largest column index openpyxl converts
WINDOWS_EPOCH = dt.datetime(1899, 12, 30)
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")


@functools.cache
def column_letter(index: int) -> str:
    """1 → "A", 27 → "AA" (1-based, as Excel counts)."""
    if not 1 <= index <= MAX_COLUMN:
        raise ValueError(f"Invalid column index {index}")
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """"A" → 1, "AA" → 27."""
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    if not 1 <= index <= MAX_COLUMN or not letters.isalpha():
        raise ValueError(f"{letters} is not a valid column name")
    return index


def range_bounds(ref: str) -> tuple[int, int, int, int]:
    """"B3:D5" → (min_col, min_row, max_col, max_row) = (2, 3, 4, 5); a single cell gives it twice."""
    m = _REF.match(ref)
    if not m:
        raise ValueError(f"{ref} is not a valid coordinate or range")
    first_col, first_row, last_col, last_row = m.groups()
    min_col, min_row = column_index(first_col), int(first_row)
    if last_col is None:
        return min_col, min_row, min_col, min_row
    return min_col, min_row, column_index(last_col), int(last_row)


def from_excel(value: float, epoch: dt.datetime = WINDOWS_EPOCH) -> dt.datetime | dt.time:
    """An Excel serial date (days since ``epoch``, fraction = time of day, to the millisecond) as a datetime.

    A serial below 60 in the 1900 system is moved one day on: Excel counts a 29 February 1900 that never was.
    A fraction alone (0 ≤ value < 1) is a time of day.
    """
    day, fraction = divmod(value, 1)
    diff = dt.timedelta(milliseconds=round(fraction * 86400 * 1000))
    if 0 <= value < 1 and diff.days == 0:
        return (dt.datetime.min + diff).time()
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1
    return epoch + dt.timedelta(days=day) + diff
