"""Read one official table (附件4 or 附件5) from an untrusted .xlsx into typed, located records."""

from __future__ import annotations

import bisect
import functools
import gc
import re
from collections.abc import Callable
from operator import itemgetter
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from lingong_docs.core import findings as F
from lingong_docs.core.errors import LingongError, ReadError
from lingong_docs.core.model import Columns, Record, Table
from lingong_docs.core.policy import policy_for_year
from lingong_docs.core.tables import JOB_POSTS, ROSTER, TableSpec, normalize_header, spec
from lingong_docs.identifiers import uscc as uscc_mod
from lingong_docs.reader import fast
from lingong_docs.reader import normalize as N
from lingong_docs.reader.guard import SheetScan, scan_workbook
from lingong_docs.util.cells import column_letter as get_column_letter
from lingong_docs.util.cells import range_bounds as range_boundaries
from lingong_docs.util.pii import mask_file_name

HEADER_SEARCH_ROWS = 100
GAP_ROWS = 50   # consecutive blank rows after which trailing content is reported
STRUCK_SHARE = 0.5   # a row is struck through when at least half its filled cells are


def _open(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception:  # calamine raises its own types; message may hold paths
        raise ReadError.make("xlsx-corrupt", file=mask_file_name(path.name)) from None


def _rows(wb: CalamineWorkbook, name: str, path: Path) -> list[list]:
    try:
        return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception:
        raise ReadError.make("xlsx-corrupt", file=f"{mask_file_name(path.name)}（工作表“{mask_file_name(name)}”）") from None


def _header_map(row: list, table_spec: TableSpec, duplicates: list | None = None) -> dict[str, int]:
    names = {}
    for col in table_spec.columns:
        names[normalize_header(col.header)] = col.key
        for alias in col.aliases:
            names.setdefault(normalize_header(alias), col.key)
    found: dict[str, int] = {}
    duplicates = duplicates if duplicates is not None else []
    for idx, cell in enumerate(row):
        if not isinstance(cell, str):
            continue
        h = normalize_header(cell)
        h = re.sub(r"[（(][^）)]*[)）]$", "", h) if h not in names else h
        key = names.get(h) or names.get(normalize_header(cell))
        if key and key not in found:
            found[key] = idx
        elif key:
            duplicates.append((key, idx))
    return found


class _Heads:
    """The first rows of each sheet (``fast.head_rows``), read once per sheet."""

    def __init__(self, path: Path, scan) -> None:
        self.path, self.members = path, {s.name: s.path for s in scan.sheets}
        self.read: dict[str, fast.Head] = {}

    def __call__(self, name: str) -> fast.Head:
        if name not in self.read:
            try:
                self.read[name] = fast.head_rows(self.path, self.members[name], name, HEADER_SEARCH_ROWS)
            except Exception:   # calamine raises its own types: read the whole sheet, or say it is broken
                self.read[name] = fast.Head(_rows(_open(self.path), name, self.path), cut=False)
        return self.read[name]


def _has_header(heads: _Heads, name: str, table_spec: TableSpec) -> bool:
    required = {c.key for c in table_spec.columns if c.required}
    return any(len(required & _header_map(row, table_spec).keys()) >= max(3, len(required) - 2)
               for row in heads(name).rows[:HEADER_SEARCH_ROWS])


def _find_sheet(heads: _Heads, scan, table_spec: TableSpec):
    """Return (sheet scan, its first rows, header index, header map) of the sheet holding the table."""
    required = {c.key for c in table_spec.columns if c.required}
    best = None
    for sheet in scan.sheets:
        if sheet.state != "visible":
            continue
        head = heads(sheet.name)
        for i, row in enumerate(head.rows[:HEADER_SEARCH_ROWS]):
            hmap = _header_map(row, table_spec)
            hits = len(required & hmap.keys())
            if hits >= max(3, len(required) - 2) and (best is None or hits > best[0]):
                best = (hits, sheet, head, i, hmap)
        if best and best[0] == len(required):
            break
    return None if best is None else best[1:]


def read_table(path: str | Path, kind: str | None = None, footer_words: tuple[str, ...] | None = None) -> Table:
    """Return the table in ``path``; raise ReadError when the file cannot be read safely.

    ``footer_words`` start the lines under a table that are no record (填表人, 合计 …); by default
    the policy file's list.
    """
    # Reading makes hundreds of thousands of small objects (cells, values, records), none in a
    # reference cycle: the cyclic garbage collector would walk them again and again (~10 % of the
    # read). It is paused while one table is read and resumed as it was.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _read_table(Path(path), kind, footer_words)
    finally:
        if was_enabled:
            gc.enable()


def _read_table(path: Path, kind: str | None, footer_words: tuple[str, ...] | None) -> Table:
    scan = scan_workbook(path)
    wb = _open(path)
    heads = _Heads(path, scan)
    kinds = [kind] if kind else [ROSTER, JOB_POSTS]
    found = None
    for k in kinds:
        found = _find_sheet(heads, scan, spec(k))
        if found:
            kind = k
            break
    if not found:
        raise _not_found(heads, scan, path, kinds)
    sheet, head, header_idx, hmap = found
    rows = head.rows
    assert kind is not None   # set with ``found``
    table_spec = spec(kind)
    table = Table(kind=kind, path=path, sheet=sheet.name, header_row=header_idx + 1,
                  columns={k: get_column_letter(i + 1) for k, i in hmap.items()}, records=[],
                  date1904=scan.date1904)
    for s in scan.sheets:
        if s.state != "visible":
            table.findings.append(F.make("sheet-hidden", file=path.name, sheet=s.name))
        elif s.name != sheet.name and _has_header(heads, s.name, table_spec):
            table.findings.append(F.make("sheet-ignored", file=path.name, sheet=sheet.name, other=s.name,
                                         table=table_spec.attachment))
    dup: list = []
    _header_map(rows[header_idx], table_spec, dup)
    for _key, idx in dup:
        table.findings.append(F.make("column-duplicate", file=path.name, sheet=sheet.name, row=header_idx + 1,
                                     column=get_column_letter(idx + 1),
                                     header=str(rows[header_idx][idx]).strip()[:30]))
    for col in table_spec.columns:
        if col.required and col.key not in hmap:
            table.findings.append(F.make("column-missing", file=path.name, sheet=sheet.name,
                                         row=header_idx + 1, header=col.header))
    _read_header_block(table, rows[:header_idx + 1])
    large = head.cut or fast.MODE == "always"
    if large:       # fastexcel or python-calamine reads the sheet without the GIL: polars is imported meanwhile
        fast.preload(*([default_footer_words] if footer_words is None else []))
    body = _fast_body(table, path, head, header_idx, hmap, sheet) if large and fast.MODE != "never" else None
    if footer_words is None:
        footer_words = default_footer_words()      # the policy file, loaded meanwhile by fast.preload
    if body is not None:
        _read_records_fast(table, body, header_idx, hmap, sheet, footer_words)
    else:
        _read_records(table, _rows(wb, sheet.name, path) if head.cut else rows, header_idx, hmap, sheet,
                      footer_words)
    return table


def _fast_body(table: Table, path: Path, head: fast.Head, header_idx: int, hmap: dict[str, int],
               sheet: SheetScan) -> fast.Body | None:
    """Return the sheet below the header as columns (``fast.load``), or None for the whole-sheet path."""
    if table.date1904 or sheet.error_cells:
        return None
    if any(_merge_in_data(ref, header_idx + 1) for ref in sheet.merged):
        return None
    headers = {idx: head.rows[header_idx][idx] for idx in hmap.values()}
    return fast.load(path, sheet.path, sheet.name, head, header_idx, headers, (sheet.start_xml, sheet.end_xml))


def default_footer_words() -> tuple[str, ...]:
    """Return the newest policy's footer words (the words do not change with the year)."""
    return policy_for_year(None).plausibility.footer_words


def _not_found(heads: _Heads, scan, path: Path, kinds: list[str]) -> LingongError:
    """Return the error for a workbook without the expected header: swapped, or where it looked."""
    table_spec = spec(kinds[0])
    if len(kinds) == 1:
        other = JOB_POSTS if kinds[0] == ROSTER else ROSTER
        if _find_sheet(heads, scan, spec(other)):
            return ReadError.make("table-swapped", file=mask_file_name(path.name), table=table_spec.attachment,
                                  other=spec(other).attachment, other_title=spec(other).title)
    headers = "、".join(c.header for c in table_spec.columns if c.required)
    sheets = "、".join(f"“{mask_file_name(s.name)}”" for s in scan.sheets if s.state == "visible") or "（无）"
    return ReadError.make("table-header-not-found", file=mask_file_name(path.name), headers=headers,
                          table=f"{table_spec.attachment}（{table_spec.title}）", rows=HEADER_SEARCH_ROWS,
                          sheets=sheets)


_SHORT_LABELS = {"applicant": "申请单位", "uscc": "统一社会信用代码"}


def _read_header_block(table: Table, rows: list[list[Any]]) -> None:
    """Fill the table's 申请单位 and 统一社会信用代码 from the block above the header."""
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if not isinstance(cell, str):
                continue
            h = normalize_header(cell)
            for field_name, label in _SHORT_LABELS.items():
                if getattr(table, field_name) is None and label in h:
                    _take_label_value(table, field_name, row, r, c)


def _take_label_value(table: Table, field_name: str, row: list[Any], r: int, c: int) -> None:
    """Set ``field_name`` from the text after its label in cell ``c``, or from the next filled cell."""
    label = _SHORT_LABELS[field_name]
    others = [v for k, v in _SHORT_LABELS.items() if k != field_name]
    value: object = None
    where: tuple[int, str] | None = None
    rest = _after_label(row[c], label, others)
    if rest:
        value, where = rest, (r + 1, get_column_letter(c + 1))
    else:
        for c2 in range(c + 1, len(row)):
            v = row[c2]
            if isinstance(v, str) and any(s in normalize_header(v) for s in _SHORT_LABELS.values()):
                break
            if v not in (None, ""):
                value, where = v, (r + 1, get_column_letter(c2 + 1))
                break
    if value is None:
        return
    text, _ = N.to_text(value)
    if field_name == "uscc" and text:
        text = uscc_mod.compact(text)
    setattr(table, field_name, text)
    setattr(table, field_name + "_cell", where)


def _after_label(cell: str, label: str, others: list[str]) -> str:
    """Return the text after ``label`` and its colon, up to the next other label in the cell.

    The official form prints both labels on one line: ``申请单位全称（盖章）：X公司  统一社会信用代码：…``.
    """
    at = cell.find(label)
    if at < 0:
        return ""
    colon = re.search(r"[:：]", cell[at:])
    if not colon:
        return ""
    text = cell[at + colon.end():]
    for other in others:
        cut = text.find(other)
        if cut >= 0:
            text = text[:cut]
    return text.strip()


Converter = Callable[[Any], tuple[Any, str | None]]


def _converters(table: Table, hmap: dict[str, int]) -> list[tuple[str, int, Converter, str]]:
    """Return (key, column index, converter, column letter) for every column found."""
    return [(key, idx, fn, letter) for key, idx, fn, letter, _form in _converter_forms(table, hmap)]


def _converter_forms(table: Table, hmap: dict[str, int]) -> list[tuple[str, int, Converter, str, str]]:
    """Return (key, column index, converter, column letter, form) for every column found; the form
    names the converter for ``fast.convert``."""
    conv: list[tuple[str, int, Converter, str, str]] = []
    for col in table.spec.columns:
        if col.key not in hmap:
            continue
        fn: Converter
        if col.key == "seq":
            fn, form = N.to_seq, "seq"
        elif col.key == "hours":
            fn, form = N.to_hours, "number"
        elif col.pii in ("id", "phone", "name"):
            fn, form = {"id": N.to_id_text, "phone": N.to_phone_text, "name": N.to_name}[col.pii], col.pii
        elif col.type == "datetime":
            fn, form = functools.partial(N.to_datetime, date1904=table.date1904), "datetime"
        else:
            fn, form = N.CONVERTERS[col.type], ("text" if col.type == "string" else "number")
        conv.append((col.key, hmap[col.key], fn, get_column_letter(hmap[col.key] + 1), form))
    return conv


def _footer_line(row: list[Any], words: tuple[str, ...], key_cols: list[int]) -> bool:
    """True for a line under the table that holds no record: 填表人：…, 合计, 注：… and no key value.

    ``key_cols`` are the columns a record always fills (附件5: 身份证号; 附件4: 发布时间):
    a row with any of them is data, whatever its first cell says.
    """
    first = next((v for v in row if v is not None and v != ""), None)
    if not (isinstance(first, str) and _starts_with_word(first.strip(), words)):
        return False
    return not any(i < len(row) and row[i] not in (None, "") for i in key_cols)


def _starts_with_word(text: str, words: tuple[str, ...]) -> bool:
    """True when ``text`` starts with one of ``words``; a one-character word (注) must end there (注：)."""
    for word in words:
        if text.startswith(word):
            after = text[len(word):len(word) + 1]
            if len(word) > 1 or not after or not "\u4e00" <= after <= "\u9fff":
                return True
    return False


def _data_rows(table: Table, rows: list[list[Any]], header_idx: int, used: list[int],
               special_rows: set[int], footer: tuple[tuple[str, ...], list[int]]) -> list[int]:
    """Return the 0-based indexes of rows holding data (blank, footer and trailing rows skipped)."""
    words, key_cols = footer
    footer_rows, filled = _row_flags(rows[header_idx + 1:], words, key_cols, used)
    return _data_rows_flagged(table, header_idx, filled, footer_rows, special_rows)


def _row_flags(rows: list[list[Any]], words: tuple[str, ...], key_cols: list[int], used: list[int],
               start: int = 0) -> tuple[set[int], list[bool]]:
    """Return the positions (from ``start``) of the footer lines among ``rows``, and per row whether
    a ``used`` column is filled."""
    footer_rows = {pos for pos, row in enumerate(rows, start) if words and _footer_line(row, words, key_cols)}
    return footer_rows, [any(i < len(row) and row[i] != "" and row[i] is not None for i in used) for row in rows]


def _merged_covered(table: Table, sheet: SheetScan, header_idx: int, data_rows: set[int]) -> set[tuple[int, int]]:
    """Report each merged range in the data once; return its covered cells (Excel row, column index).

    The cells a merge covers (all but the top-left one) are empty in the file: they are read as
    unreadable, explained by the one ``merged-cells`` finding, not as one "必填项为空" per cell.
    A merge within one row counts only on a data row (a merged 填表人 line below the table does not).
    """
    covered: set[tuple[int, int]] = set()
    for ref in sheet.merged:
        if not _merge_in_data(ref, header_idx + 1):
            continue
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if (min_row, min_col) == (max_row, max_col) or (min_row == max_row and min_row - 1 not in data_rows):
            continue
        table.findings.append(F.make("merged-cells", file=table.path.name, sheet=table.sheet,
                                     row=min_row, column=get_column_letter(min_col), ref=ref))
        covered.update((r, c - 1) for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)
                       if (r, c) != (min_row, min_col))
    return covered


KEY_COLUMNS = {ROSTER: ("id_number",), JOB_POSTS: ("published",)}


def _read_records(table: Table, rows: list[list[Any]], header_idx: int, hmap: dict[str, int],
                  sheet: SheetScan, footer_words: tuple[str, ...]) -> None:
    conv = _converters(table, hmap)
    skip = (hmap.get("seq"), hmap.get("remark"))
    formula, errors = sheet.formula_cells, sheet.error_cells
    special_rows = {r for r, _ in formula} | {r for r, _ in errors}
    used = [i for _, i, _, _ in conv if i not in skip]
    key_cols = [hmap[k] for k in KEY_COLUMNS[table.kind] if k in hmap]
    data_rows = _data_rows(table, rows, header_idx, used, special_rows, (footer_words, key_cols))
    covered = _merged_covered(table, sheet, header_idx, set(data_rows))
    # Convert column by column (one tight loop per column is much faster than cell by cell).
    columns = {key: _read_column(table, rows, data_rows, key, idx, fn, letter, sheet, covered)
               for key, idx, fn, letter in conv}
    table.set_columns([r + 1 for r in data_rows], columns)     # records made when first read
    hidden = set(sheet.hidden_rows)
    for r in data_rows:
        if r + 1 in hidden:
            table.findings.append(F.make("row-hidden", file=table.path.name, sheet=table.sheet, row=r + 1))
    if sheet.struck_cells:
        _struck_rows(table, rows, data_rows, sheet)


def _read_records_fast(table: Table, body: fast.Body, header_idx: int, hmap: dict[str, int], sheet: SheetScan,
                       footer_words: tuple[str, ...]) -> None:
    """``_read_records`` on the columns of ``fast.load``: the same records, values and findings."""
    conv = _converter_forms(table, hmap)
    data = _fast_data_rows(table, body, header_idx, hmap, sheet, footer_words, conv)
    covered = _merged_covered(table, sheet, header_idx, set(data))   # none: merges in the data go the other way
    split = bisect.bisect_left(data, header_idx + 1 + body.df.height)     # data[split:] lie in the tail
    # every row under the header holds data (the usual table): the columns as they are, no copy
    whole = split == body.df.height and (not data or data[split - 1] == header_idx + split) if split else False
    picked = body.df if whole else body.df[[r - header_idx - 1 for r in data[:split]]]
    tail = [body.tail[r - header_idx - 1 - body.df.height] for r in data[split:]]
    columns = Columns()
    specials = bool(sheet.formula_cells or covered)
    for key, idx, fn, letter, form in conv:
        values, coded, typed = fast.convert(picked[f"c{idx}"].alias(key), form, fn)
        if callable(values) and not (tail or specials):     # the typed column, value for value
            columns.put(key, values, typed)
            continue
        made = values() if callable(values) else values
        if tail:
            raw_tail = [row[idx] if idx < len(row) else None for row in tail]
            converted, _ = _convert(fn, raw_tail)
            coded += [(split + pos, code, raw_tail[pos]) for pos, (_, code) in enumerate(converted) if code]
            made += [value for value, _ in converted]
        for pos, code, raw in coded:
            if code != "date-no-time":
                table.findings.append(table.finding(code, data[pos] + 1, key, raw if made[pos] is N.BAD else made[pos]))
        # with a tail or marked cells the typed column does not hold these values
        columns.put(key, _mark_specials(table, made, data, key, idx, letter, sheet, covered),
                    None if tail or specials else typed)
    table.set_columns([r + 1 for r in data], columns)
    hidden = set(sheet.hidden_rows)
    for r in data:
        if r + 1 in hidden:
            table.findings.append(F.make("row-hidden", file=table.path.name, sheet=table.sheet, row=r + 1))
    if sheet.struck_cells:
        import polars as pl

        counts = picked.select(pl.sum_horizontal([fast.filled(picked, c).cast(pl.Int32) for c in picked.columns]))
        _struck_counted(table, data, counts.to_series().to_list() + list(map(_filled_count, tail)), sheet)


def _fast_data_rows(table: Table, body: fast.Body, header_idx: int, hmap: dict[str, int], sheet: SheetScan,
                    footer_words: tuple[str, ...], conv: list) -> list[int]:
    """``_data_rows`` on columns: the 0-based sheet indexes of the rows holding data."""
    import polars as pl

    df = body.df
    skip = (hmap.get("seq"), hmap.get("remark"))
    used_idx = [i for _, i, _, _, _ in conv if i not in skip]
    key_cols = [hmap[k] for k in KEY_COLUMNS[table.kind] if k in hmap]
    false = pl.lit(False)
    flags = df.select(
        pl.any_horizontal([fast.filled(df, f"c{i}") for i in used_idx] or [false]).alias("used"),
        (~pl.any_horizontal([fast.filled(df, f"c{i}") for i in key_cols] or [false])).alias("no_key"))
    footer_rows: set[int] = set()
    if footer_words:
        for pos in flags["no_key"].arg_true().to_list():
            if _footer_line(_sheet_row(df, pos), footer_words, key_cols):
                footer_rows.add(pos)
    tail_footer, tail_used = _row_flags(body.tail, footer_words, key_cols, used_idx, start=df.height)
    used = flags["used"].to_list() + tail_used
    footer_rows |= tail_footer
    special = {r for r, _ in sheet.formula_cells}
    return _data_rows_flagged(table, header_idx, used, footer_rows, special)


def _sheet_row(df, pos: int) -> list[Any]:
    """Return row ``pos`` of ``fast.load``'s columns as a sheet row from column A (python-calamine's values)."""
    cells = {int(name[1:]): fast.python_values(df[name][pos:pos + 1])[0] for name in df.columns}
    row: list[Any] = [""] * (max(cells, default=-1) + 1)
    for idx, value in cells.items():
        row[idx] = "" if value is None else value
    return row


def _data_rows_flagged(table: Table, header_idx: int, used: list[bool], footer_rows: set[int],
                       special_rows: set[int]) -> list[int]:
    """The loop of ``_data_rows`` over precomputed flags (position 0 is the row under the header)."""
    fname, sname = table.path.name, table.sheet
    data_rows: list[int] = []
    blank_run = 0
    for pos, filled in enumerate(used):
        r = header_idx + 1 + pos
        if pos in footer_rows:
            table.findings.append(F.make("total-row-ignored", file=fname, sheet=sname, row=r + 1))
            blank_run += 1
            continue
        if not filled and (r + 1) not in special_rows:
            blank_run += 1
            continue
        if blank_run >= GAP_ROWS and data_rows:
            table.findings.append(F.make("rows-after-gap", file=fname, sheet=sname, row=r + 1))
        blank_run = 0
        data_rows.append(r)
    return data_rows


def _struck_rows(table: Table, rows: list[list[Any]], data_rows: list[int], sheet: SheetScan) -> None:
    """Warn about data rows whose filled cells are (mostly) struck through: the operator's "void"."""
    _struck_counted(table, data_rows, [_filled_count(rows[r]) for r in data_rows], sheet)


def _filled_count(row: list[Any]) -> int:
    return sum(1 for v in row if v not in (None, ""))


def _struck_counted(table: Table, data_rows: list[int], filled_counts: list[int], sheet: SheetScan) -> None:
    """``_struck_rows`` with the number of filled cells of each data row counted."""
    struck_by_row: dict[int, int] = {}
    for r, _letters in sheet.struck_cells:
        struck_by_row[r] = struck_by_row.get(r, 0) + 1
    for r, filled in zip(data_rows, filled_counts):
        n_struck = struck_by_row.get(r + 1, 0)
        if n_struck and filled and n_struck >= STRUCK_SHARE * filled:
            table.findings.append(F.make("row-struck-through", file=table.path.name, sheet=table.sheet, row=r + 1))


def _convert(fn: Converter, raw_col: list[Any]) -> tuple[list[tuple[Any, str | None]], bool]:
    """Return ``fn`` of every cell, computed once per distinct cell value (a converter depends on
    the value alone; the type is part of the key, as 1 == 1.0 == True), and whether any gave a code."""
    memo: dict[tuple[type, Any], tuple[Any, str | None]] = {}
    out = []
    coded = False
    for v in raw_col:
        key = (v.__class__, v)
        try:
            result = memo.get(key)
        except TypeError:       # an unhashable value (calamine gives none today): no memo
            result = fn(v)
            coded = coded or result[1] is not None
            out.append(result)
            continue
        if result is None:
            result = memo[key] = fn(v)
            coded = coded or result[1] is not None
        out.append(result)
    return out, coded


def _read_column(table: Table, rows: list[list[Any]], data_rows: list[int], key: str, idx: int,
                 fn: Converter, letter: str, sheet: SheetScan, covered: set[tuple[int, int]]) -> list[Any]:
    """Return the converted values of one column; read findings go to the table."""
    raw_col = [rows[r][idx] if idx < len(rows[r]) else None for r in data_rows]
    converted, coded = _convert(fn, raw_col)
    values = list(map(itemgetter(0), converted))
    findings = table.findings
    for pos, (value, code) in enumerate(converted) if coded else ():
        if code and code != "date-no-time":  # a plain date is legitimate; rules judge it
            findings.append(table.finding(code, data_rows[pos] + 1, key, raw_col[pos] if value is N.BAD else value))
    return _mark_specials(table, values, data_rows, key, idx, letter, sheet, covered)


def _mark_specials(table: Table, values: list[Any], data_rows: list[int], key: str, idx: int, letter: str,
                   sheet: SheetScan, covered: set[tuple[int, int]]) -> list[Any]:
    """Mark the empty cells a merge covers, or that hold an Excel error or a formula without value, BAD."""
    formula, errors = sheet.formula_cells, sheet.error_cells
    if not (formula or errors or covered):
        return values           # no cell of the sheet is covered, an error or a formula
    findings = table.findings
    for pos, r in enumerate(data_rows):
        if values[pos] is not None:
            continue
        if (r + 1, idx) in covered:
            values[pos] = N.BAD
        elif (r + 1, letter) in errors or (r + 1, letter) in formula:
            values[pos] = N.BAD
            findings.append(table.finding("cell-error" if (r + 1, letter) in errors else "formula-without-value",
                                          r + 1, key))
    return values


def _merge_in_data(ref: str, header_row: int) -> bool:
    """True for a merged range below the header (one reaching into it is the header's own layout)."""
    try:
        _, min_row, _, _ = range_boundaries(ref)
    except (ValueError, TypeError):
        return False
    return min_row > header_row


__all__ = ["Table", "Record", "read_table"]
