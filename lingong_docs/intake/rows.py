"""Child side: the printed 附件4/附件5 pages against the embedded workbooks, row by row.

The page text comes from the scanning child (all pages of a table, or a random sample of them when
the table is longer than the budget). On each page a row starts at a line whose first token is the
序号 of a record; the identifiers of that record (身份证号, 联系方式) must appear in the row as
printed, and each of its numbers (工作时长, 实际结算报酬, 需求人数 …) as a number. Only values that
print on one line are compared: wrapped text cells come out of a PDF's text layer interleaved.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_IDENTIFIERS = {"roster": ("id_number", "phone")}


def _numbers(text: str) -> set[Decimal]:
    out = set()
    for token in _NUMBER.findall(text.replace(",", "")):
        try:
            out.add(Decimal(token).normalize())
        except InvalidOperation:
            continue
    return out


def _expected(table: Any, name: str) -> dict[str, tuple[int, list[str], list[Decimal]]]:
    """Return {序号 as printed: (Excel row, identifiers, numbers)} of the records of ``table``."""
    numeric = [c.key for c in table.spec.columns if c.type in ("integer", "number") and c.key != "seq"]
    out = {}
    for rec in table.records:
        seq = rec.values.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            continue
        ids = [str(rec.values[k]) for k in _IDENTIFIERS.get(name, ()) if isinstance(rec.values.get(k), str)]
        numbers = []
        for key in numeric:
            value = rec.values.get(key)
            if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                numbers.append(Decimal(value).normalize())
        out[str(seq)] = (rec.row, ids, numbers)
    return out


def _rows_on_page(text: str, known: dict[str, Any]) -> list[tuple[str, str]]:
    """Split a page's text into (序号, row text) at lines starting with a known 序号, in increasing order."""
    rows: list[tuple[str, str]] = []
    for line in unicodedata.normalize("NFKC", text).splitlines():
        first = line.split(maxsplit=1)[0] if line.strip() else ""
        if first in known and (not rows or int(first) > int(rows[-1][0])):
            rows.append((first, line))
        elif rows:
            rows[-1] = (rows[-1][0], rows[-1][1] + "\n" + line)
    return rows


def compare(table: Any, name: str, pages: dict[int, str], complete: bool) -> list[tuple[int, int]]:
    """Return (page, Excel row) of every record printed otherwise than the workbook holds it; with
    ``complete`` (every page of the table was read) also (0, row) of every record not printed at all."""
    known = _expected(table, name)
    differences, seen = [], set()
    for page in sorted(pages):
        for seq, text in _rows_on_page(pages[page], known):
            row, ids, numbers = known[seq]
            seen.add(seq)
            compact = "".join(text.split())
            found = _numbers(text)
            if any(i not in compact for i in ids) or any(n not in found for n in numbers):
                differences.append((page, row))
    if complete:
        differences += [(0, row) for seq, (row, _, _) in known.items() if seq not in seen]
    return differences
