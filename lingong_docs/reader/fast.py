"""The reader's fast path: a large sheet read once into typed columns and converted column-wise.

``reader.xlsx`` finds the table in the first rows of each sheet (``head_rows``: python-calamine
on a copy of the workbook cut after those rows, a few milliseconds whatever the sheet's size).
For the table's sheet it then asks ``load`` here: fastexcel reads the sheet into Arrow columns
(``dtype_coercion="strict"``: every column holds one type, or fastexcel refuses), and ``convert``
turns each column into the reader's values. A cell whose value is already in its normal form (an
18-character ID, a name without separators, a text without controls or outer spaces, a date and
time, a whole 序号) is taken as it is, by column operations; the other cells go through the
converter of ``reader.normalize`` that the whole-sheet path uses, once per distinct value.

Where the columns are not plain — a column mixing types above the last rows, a type fastexcel
gives that this path does not take (durations, Excel errors), merged cells in the data, a 1904
workbook, a header fastexcel names differently — ``load`` answers ``None`` and the reader takes
the whole-sheet path (python-calamine, Python values cell by cell). Both give the same records and
findings: ``tests/test_reader_fast.py`` runs the validate corpus through the fast path,
``tests/test_reader_fast_values.py`` compares both paths cell by cell.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from python_calamine import CalamineWorkbook

if TYPE_CHECKING:
    import polars as pl

MODE = "auto"
"""``auto``: sheets of more than ``HEADER_SEARCH_ROWS`` + 1 rows come here (smaller ones are read
whole for the header search anyway); ``always`` / ``never``: every sheet here / none (tests
compare the two paths)."""

_ROW_END_RE = re.compile(rb"</(?:\w+:)?row>")
_ROOT_RE = re.compile(rb"<(\w+:)?worksheet\b")
_CHUNK = 1 << 16
_CTRL = r"\x00-\x1f\x7f-\x9f\x{061c}\x{200b}-\x{200f}\x{202a}-\x{202e}\x{2060}-\x{2064}\x{2066}-\x{2069}\x{feff}\x{fffe}\x{ffff}"
CANONICAL = {
    # to_text gives the value itself: no control or zero-width character, no space around.
    "text": rf"^[^\s{_CTRL}](?:[^{_CTRL}]*[^\s{_CTRL}])?$",
    # to_id_text: 17 digits and a digit or X, nothing to fold or take out.
    "id": r"^[0-9]{17}[0-9X]$",
    # to_phone_text: printable ASCII (NFKC leaves it alone), no space around.
    "phone": r"^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$",
    # to_name: a canonical text with no space and no separator but "·" (nothing to normalise).
    "name": rf"^[^\s{_CTRL}・•．.‧∙･]+$",
}


@dataclass
class Head:
    """The first rows of a sheet as python-calamine gives them, and whether the sheet goes on."""

    rows: list[list[Any]]
    cut: bool        # True when the sheet has more rows than ``rows`` holds


def head_rows(path: Path, member: str, name: str, n: int) -> Head:
    """Return the first ``n``+1 non-empty rows of sheet ``name`` (zip member ``member``), from A1.

    The sheet's XML is cut after its (n+1)th row and closed; python-calamine reads that copy
    of the workbook, so the rows are exactly those of the whole sheet (same types, dates, shared
    strings). A sheet no longer than that is read whole.
    """
    with zipfile.ZipFile(path) as zf:
        xml, cut = _sheet_start(zf, member, n + 1)
        wb = CalamineWorkbook.from_filelike(io.BytesIO(_cut_copy(zf, member, xml))) if cut \
            else CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return Head(rows=rows[:n] if cut else rows, cut=cut)


def _cut_copy(zf: zipfile.ZipFile, member: str, xml: bytes) -> bytes:
    """Return the workbook with sheet ``member`` replaced by ``xml`` and no other sheet (stored, in memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
        for info in zf.infolist():
            if info.filename == member:
                copy.writestr(info.filename, xml)
            elif not info.filename.startswith("xl/worksheets/"):
                copy.writestr(info.filename, zf.read(info))
    return buffer.getvalue()


def _sheet_start(zf: zipfile.ZipFile, member: str, rows: int) -> tuple[bytes, bool]:
    """Return the sheet XML up to the end of its ``rows``-th row, closed, and whether it was cut."""
    buf = bytearray()
    ends, pos = 0, 0      # row ends counted, and where the last one ended (matches do not overlap)
    with zf.open(member) as f:
        while chunk := f.read(_CHUNK):
            buf += chunk
            for m in _ROW_END_RE.finditer(buf, pos):
                ends, pos = ends + 1, m.end()
                if ends == rows:
                    return bytes(buf[:pos]) + _closing(bytes(buf[:pos])), True
    return bytes(buf), False


def preload(*also: Callable[[], object]) -> None:
    """Start importing polars, then calling ``also``, in a thread: fastexcel reads the sheet without
    the GIL meanwhile. A failure there is left to the main thread, which calls them again."""
    def work() -> None:
        try:
            __import__("polars")
            for fn in also:
                fn()
        except Exception:       # the main thread meets it again and says what is wrong
            pass
    threading.Thread(target=work, name="lingong-preload", daemon=True).start()


_ALLOWED = ("String", "Float64", "Datetime", "Null", "Boolean")


TAIL_ROWS = 200
"""Rows at the end of a sheet read the whole-sheet way when they alone mix types into a column
(合计 under the 序号 column, 填表人：… lines): the rows above them still come as columns."""


@dataclass
class Body:
    """The rows under the header: ``df`` as columns (``c<index>``, 0-based from A), then ``tail``,
    rows as python-calamine gives them (from column A), for the last rows that would mix types."""

    df: pl.DataFrame
    tail: list[list[Any]]


def load(path: Path, member: str, name: str, head: Head, header_idx: int, headers: dict[int, str],
         ends: tuple[bytes, bytes]) -> Body | None:
    """Return the rows of sheet ``name`` (zip member ``member``) below its header row.

    ``headers`` are the table's header cells ({column index: text}) as the header search read
    them: fastexcel must name the same columns alike, else None (the whole-sheet path reads it).
    The last ``TAIL_ROWS`` rows (``tail_rows``; ``ends``: the sheet's first and last bytes the guard
    kept) are read apart when they bring a kind of value the first rows under the header do not
    have in some column (合计 under 序号, 填表人 lines): the rows above them come as columns. None
    where a column mixes types above them (the first rows already do: fastexcel is not even
    asked), or has a type this path does not convert.
    """
    first_rows = head.rows[header_idx + 1:]
    if any(len(_kinds(first_rows, idx)) > 1 for idx in headers):
        return None
    first, tail = tail_rows(path, member, name, TAIL_ROWS, ends)
    above = first - header_idx - 1 if first is not None and first > header_idx else None
    split = above is not None and _tail_brings_types(first_rows, tail, headers)
    # fastexcel logs "could not determine dtype … falling back to string" for an empty column: no news
    logging.getLogger("fastexcel").setLevel(logging.ERROR)
    try:
        df = _columns(path, name, header_idx, headers, above if split else None)
    except Exception:           # a column mixing types, or anything fastexcel cannot read: the whole-sheet path
        return None
    return None if df is None else Body(df, tail if split else [])


def _kinds(rows: list[list[Any]], idx: int) -> set[str]:
    """The kinds of value (text, number, date, boolean) column ``idx`` holds in ``rows``."""
    kinds = set()
    for row in rows:
        v = row[idx] if idx < len(row) else None
        if v is not None and v != "":
            kinds.add("b" if isinstance(v, bool) else "s" if isinstance(v, str)
                      else "n" if isinstance(v, (int, float)) else "d")
    return kinds


def _tail_brings_types(first: list[list[Any]], tail: list[list[Any]], headers: dict[int, str]) -> bool:
    """True when, in some column of the table, the last rows hold a kind of value the first rows
    under the header do not."""
    return any(_kinds(tail, idx) - _kinds(first, idx) for idx in headers)


def _columns(path: Path, name: str, header_idx: int, headers: dict[int, str], n_rows: int | None
             ) -> pl.DataFrame | None:
    import fastexcel

    sheet = fastexcel.read_excel(str(path)).load_sheet(
        name, header_row=header_idx, dtype_coercion="strict", schema_sample_rows=None, n_rows=n_rows)
    columns = sheet.available_columns()
    df = sheet.to_polars()
    by_index = {c.absolute_index: c.name for c in columns}
    for idx, text in headers.items():
        got = by_index.get(idx)
        if got is None or not (got == text or got.startswith(text + "_")):
            return None
    df.columns = [f"c{c.absolute_index}" for c in columns]
    if any(df.schema[f"c{idx}"].base_type().__name__ not in _ALLOWED for idx in headers):
        return None
    return df


_ROW_START_RE = re.compile(rb"<(?:\w+:)?row\b")
_ROW_NUMBER_RE = re.compile(rb'\br="(\d+)"')
_SHEET_DATA_RE = re.compile(rb"<(?:\w+:)?sheetData\b[^>]*>")
_SHEET_DATA_END_RE = re.compile(rb"</(?:\w+:)?sheetData>")


def tail_rows(path: Path, member: str, name: str, n: int, ends: tuple[bytes, bytes]
              ) -> tuple[int | None, list[list[Any]]]:
    """Return (0-based sheet index of the first, rows) of the last ``n`` rows of the sheet, each as
    python-calamine gives it from column A — fewer where the guard's kept end holds fewer whole
    rows; (None, []) when there is none or the rows carry no numbers.

    ``ends`` are the sheet's first and last bytes as the guard kept them (``SheetScan.start_xml``,
    ``end_xml``): the sheet is not read again."""
    kept = _kept_end(*ends, n)
    number = _ROW_NUMBER_RE.search(kept[1][:kept[1].find(b">") + 1]) if kept else None
    if kept is None or number is None:
        return None, []
    with zipfile.ZipFile(path) as zf:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(_cut_copy(zf, member, kept[0] + kept[1] + _closing(kept[0]))))
    sheet = wb.get_sheet_by_name(name)
    first = int(number.group(1)) - 1
    found = sheet.to_python(skip_empty_area=True)
    top, left = (sheet.start or (first, 0)) if found else (first, 0)
    rows: list[list[Any]] = [[] for _ in range(top - first)]
    rows.extend([""] * left + row for row in found)
    return first, rows


def _closing(start: bytes) -> bytes:
    """The tags that close a sheet's XML cut inside its ``sheetData``."""
    root = _ROOT_RE.search(start)
    prefix = (root.group(1) or b"") if root else b""
    return b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"


def _kept_end(start_xml: bytes, end_xml: bytes, n: int) -> tuple[bytes, bytes] | None:
    """Return (the sheet XML up to its ``<sheetData>`` tag, the XML of its last ``n`` whole row
    elements) from the bytes the guard kept; None without a ``<sheetData>`` tag or a whole row."""
    tag = _SHEET_DATA_RE.search(start_xml)
    if tag is None:
        return None
    whole = end_xml.startswith(start_xml[:tag.end()])     # a short sheet: the guard kept all of it
    body = end_xml[tag.end():] if whole else end_xml
    starts = [m.start() for m in _ROW_START_RE.finditer(body)]
    if not whole:
        starts = starts[1:]         # the first row there may have begun before the kept bytes
    if not starts:
        return None
    end = _SHEET_DATA_END_RE.search(body, starts[-1])
    return start_xml[:tag.end()], body[starts[-min(n, len(starts))]:end.start() if end else len(body)]


def filled(df: pl.DataFrame, column: str) -> pl.Expr:
    """Return the expression "the cell holds something" (not empty, not an empty text)."""
    import polars as pl

    col = pl.col(column)
    return (col.is_not_null() & (col != "")) if df.schema[column] == pl.String else col.is_not_null()


def python_values(series: pl.Series) -> list[Any]:
    """Return the values as python-calamine gives them (a date and time at midnight is a date)."""
    import polars as pl

    if series.dtype == pl.Null:
        return [None] * len(series)
    if series.dtype.base_type() != pl.Datetime:
        return series.to_list()
    return [v.date() if v is not None and v.time() == dt.time(0) else v
            for v in series.cast(pl.Datetime("us")).to_list()]


Converter = Callable[[Any], tuple[Any, str | None]]
Coded = list[tuple[int, str, Any]]      # (position, code, raw value) of the cells a converter flagged


Values = list[Any] | Callable[[], list[Any]]


def convert(series: pl.Series, form: str, fn: Converter) -> tuple[Values, Coded, pl.Series | None]:
    """Return the converted values of a column, the cells with a read code, and the values as a
    polars column where this path made one (text: String, 序号: Int64, dates: Datetime("us"); null
    where the value is not of that type) — validate's frame takes it as it is.

    Where every value was in normal form the values are exactly that column's: they come as a
    function making the Python list (``typed.to_list``), called only if something asks.

    ``form`` says which converter ``fn`` is (``text``, ``name``, ``id``, ``phone``, ``seq``,
    ``datetime``, ``number``); values in normal form are taken by column operations, the rest
    through ``fn`` once per distinct value.
    """
    import polars as pl

    dtype = series.dtype
    if dtype == pl.String and form in CANONICAL:
        ok = series.str.contains(CANONICAL[form]).fill_null(True)
        if ok.all():
            return series.to_list, [], series
        values, coded, changed = _through(fn, series.to_list(), ok)
        return values, coded, _patched(series, values, changed, str)
    if dtype == pl.Float64 and form in ("seq", "phone"):
        ok = ((series == series.floor()) & (series.abs() < (2.0**53 if form == "seq" else 1e15))).fill_null(True)
        whole = series.cast(pl.Int64, strict=False)
        typed = whole if form == "seq" else whole.cast(pl.String)
        if ok.all():
            return typed.to_list, [], typed
        values, coded, changed = _through(fn, typed.to_list(), ok, series.to_list())
        return values, coded, _patched(typed, values, changed, int if form == "seq" else str)
    if dtype.base_type() == pl.Datetime and form == "datetime":
        v = pl.col("v")
        second = v.dt.truncate("1s")
        # _round_seconds: from half a second up to the next second (the reader's values are ms)
        rounded = series.cast(pl.Datetime("ms")).to_frame("v").select(
            pl.when(v - second >= dt.timedelta(milliseconds=500)).then(second + dt.timedelta(seconds=1))
            .otherwise(second)).to_series().cast(pl.Datetime("us")).alias(series.name)
        return rounded.to_list, [], rounded
    values, coded, _ = _through(fn, python_values(series), None)
    return values, coded, None


def _patched(series: pl.Series, values: list[Any], changed: list[int], kind: type) -> pl.Series | None:
    """Return ``series`` with the values at ``changed`` put in (null where not a ``kind``), or None
    when one does not fit the column (an integer beyond Int64)."""
    import polars as pl

    if not changed:
        return series
    new: list[Any] = [v if type(v) is kind else None for v in (values[i] for i in changed)]
    if kind is int and not all(-2**63 <= v < 2**63 for v in new if v is not None):
        return None
    return series.scatter(changed, pl.Series(new, dtype=series.dtype))


def _through(fn: Converter, values: list[Any], ok: pl.Series | None, raw: list[Any] | None = None
             ) -> tuple[list[Any], Coded, list[int]]:
    """Return ``values`` with every cell ``ok`` does not pass replaced by ``fn`` of its raw value,
    the cells with a read code, and the positions replaced."""
    raw = values if raw is None else raw
    positions = list(range(len(values))) if ok is None else (~ok).arg_true().to_list()
    if ok is not None and not positions:
        return values, [], []
    out = list(values) if ok is not None else [None] * len(values)
    memo: dict[tuple[type, Any], tuple[Any, str | None]] = {}
    coded: Coded = []
    for pos in positions:
        v = raw[pos]
        key = (v.__class__, v)
        result = memo.get(key)
        if result is None:
            result = memo[key] = fn(v)
        out[pos] = result[0]
        if result[1] is not None:
            coded.append((pos, result[1], v))
    return out, coded, positions
