"""``fix_application(folder, out)``: corrected copies of the workbooks, with every change listed.

Only corrections that cannot change what the operator meant are made: full-width digits and
letters folded in IDs, phones and numbers; surrounding spaces trimmed; name separators made "·";
15-digit IDs given their 18-digit form; merged cells in the data unmerged and filled down; 序号
renumbered (only while no evidence file name refers to a 序号); dates typed as text made real
dates; ID and phone cells formatted as text. Anything else stays as it was and stays a finding:
an ID Excel already turned into a number has lost its last digits, and nothing here guesses them.

The originals are never touched: the whole folder is copied to ``out`` (written to a temporary
folder first, renamed at the end), and each corrected workbook gets a 修改记录 sheet listing every
change, personal values masked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import get_column_letter, range_boundaries
from python_calamine import CalamineWorkbook

from lingong_docs.core import findings as F
from lingong_docs.core.errors import ConfigError
from lingong_docs.core.evidence import covered_rows
from lingong_docs.core.findings import Report
from lingong_docs.core.model import Application, Table
from lingong_docs.core.tables import Column
from lingong_docs.identifiers import idcard, phone
from lingong_docs.reader import normalize as N
from lingong_docs.reader.folder import read_application
from lingong_docs.reader.guard import col_to_index, scan_workbook
from lingong_docs.util.atomic import atomic_path
from lingong_docs.util.pii import mask, mask_file_name
from lingong_docs.util.workdir import pid_alive, sweep_stale
from lingong_docs.util.xlsx_edit import WorkbookEditor
from lingong_docs.validate.checks import finite
from lingong_docs.validate.rules.plausibility import day_fraction_rows

LOG_SHEET = "修改记录"
TEXT_FORMAT = "@"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"


@dataclass(frozen=True)
class Change:
    """One corrected cell: where, before and after (full values: shown only through ``shown``)."""

    file: str
    sheet: str
    cell: str
    header: str
    before: Any
    after: Any
    reason: str
    pii: str | None = None

    def shown(self, names: frozenset[str] = frozenset()) -> dict[str, str]:
        """Return this change as it may be printed: personal values masked, ``names`` in free text too."""
        return {"file": mask_file_name(self.file), "sheet": self.sheet, "cell": self.cell, "header": self.header,
                "before": mask(self.before, self.pii, names), "after": mask(self.after, self.pii, names),
                "reason": self.reason}


@dataclass
class FixResult:
    """What ``fix_application`` did: the copy, the changes, and what it left for the operator."""

    source: Path
    target: Path
    changes: list[Change] = field(default_factory=list)
    kept: list[dict[str, str]] = field(default_factory=list)   # cells left as they were, and why
    notes: list[str] = field(default_factory=list)
    names: frozenset[str] = field(default_factory=frozenset, repr=False)   # the roster's names: masked in free text

    def to_dict(self) -> dict[str, Any]:
        return {"target": mask_file_name(str(self.target)), "changes": [c.shown(self.names) for c in self.changes],
                "kept": self.kept, "notes": self.notes}


STAGING_PREFIX = ".lingong-fixing-"
"""The hidden folder a run writes before renaming it to the output: ``.lingong-fixing-<pid>-<random>``.

It holds full personal data; a run that was killed leaves it, and the next run in that folder
removes it (``util.workdir.sweep_stale``), like every other temporary folder of the toolkit.
"""
_LEGACY_STAGING = re.compile(r"\..+\.fixing-(\d+)")   # an older release's name: .OUT.fixing-PID


def fix_application(folder: str | Path, out: str | Path) -> FixResult:
    """Write ``folder`` to ``out`` with the safe corrections made; return what was changed."""
    source, target = Path(folder), Path(out)
    _check_target(source, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_staging(target.parent)
    app = read_application(source)
    result = FixResult(source=source, target=target,
                       names=frozenset().union(*(t.personal_names() for t in app.tables)))
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=target.parent))
    try:
        shutil.copytree(source, staging, symlinks=False, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("~$*", ".~lock.*#", ".*.part"))
        renumber = may_renumber(app)
        if not renumber and any("seq" in t.columns for t in app.tables):
            result.notes.append("序号未重新编号：支付凭证的文件名按序号对应花名册的行，重新编号会使其对应错行。")
        by_path: dict[Path, list[Table]] = {}
        for table in app.tables:
            by_path.setdefault(table.path, []).append(table)
        for path, tables in by_path.items():   # both tables in one workbook: one copy, one 修改记录
            _fix_workbook(tables, staging / path.relative_to(source), renumber, result)
        os.replace(staging, target) if not target.exists() else _replace_empty(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result


def sweep_staging(folder: Path) -> list[Path]:
    """Remove the staging folders in ``folder`` that runs killed midway left (their process is gone)."""
    removed = sweep_stale(STAGING_PREFIX, base=folder)
    with contextlib.suppress(OSError):
        for p in folder.iterdir():
            m = _LEGACY_STAGING.fullmatch(p.name)
            if m and p.is_dir() and not p.is_symlink() and not pid_alive(int(m.group(1))):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
    return removed


def _check_target(source: Path, target: Path) -> None:
    if not source.is_dir():
        raise ConfigError.make("fix-not-folder", folder=mask_file_name(source.name))
    src, dst = source.resolve(), target.resolve()
    if dst == src or src in dst.parents or dst in src.parents:
        raise ConfigError.make("fix-output-inside-source")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError.make("fix-output-exists", folder=mask_file_name(target.name))


def _replace_empty(staging: Path, target: Path) -> None:
    target.rmdir()   # an empty folder the operator made for the output
    os.replace(staging, target)


def may_renumber(app: Application) -> bool:
    """序号 may be renumbered only while no evidence file name refers to one."""
    return not any(covered_rows(p.name) for p in app.evidence)


@dataclass
class _Sheet:
    """One table's sheet in the copy: its raw cells (as calamine reads them) and its formulas."""

    table: Table
    rows: list[list[Any]]
    formulas: set[tuple[int, str]]
    merged: list[str]

    def raw(self, row: int, letter: str) -> Any:
        cells = self.rows[row - 1] if 0 < row <= len(self.rows) else []
        idx = col_to_index(letter)
        return cells[idx] if idx < len(cells) else None


def _fix_workbook(tables: list[Table], path: Path, renumber: bool, result: FixResult) -> None:
    scan = {s.name: s for s in scan_workbook(path).sheets}
    book = CalamineWorkbook.from_path(str(path))
    editor = WorkbookEditor(path)
    before = len(result.changes)
    for table in tables:
        sc = scan[table.sheet]
        sheet = _Sheet(table, book.get_sheet_by_name(table.sheet).to_python(skip_empty_area=False),
                       sc.formula_cells, sc.merged)
        _unmerge(editor, sheet, result)
        columns = {c.key: c for c in table.spec.columns}
        days = _is_day_fraction_table(table)
        keys = [(k, letter) for k, letter in table.columns.items() if k != "seq" and not (days and k == "hours")]
        for rec in table.records:
            for key, letter in keys:
                _fix_cell(editor, sheet, columns[key], rec.row, letter, result)
        if days:
            _hours_from_days(editor, sheet, result)
        if renumber and "seq" in table.columns:
            _renumber(editor, sheet, result)
    mine = result.changes[before:]
    if not mine:
        return
    editor.replace_sheet(LOG_SHEET, _log_rows(mine, result.names), LOG_WIDTHS)
    with atomic_path(path, mode=0o600) as tmp:
        editor.save(tmp)


def _unmerge(editor: WorkbookEditor, sheet: _Sheet, result: FixResult) -> None:
    """Unmerge every merged range in the data and fill its value into each cell it covered.

    A range that reaches into the header (a two-row header: 序号 merged over rows 4–5) is the
    header's own layout and stays: filling it down would write header text into a data row.
    """
    table = sheet.table
    data_rows = {rec.row for rec in table.records}
    for ref in sheet.merged:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (ValueError, TypeError):
            continue
        if min_row <= table.header_row or (min_row == max_row and min_row not in data_rows):
            continue
        value = sheet.raw(min_row, get_column_letter(min_col))
        editor.unmerge(table.sheet, ref)
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                if (r, c) != (min_row, min_col) and value not in (None, ""):
                    editor.set_value(table.sheet, f"{get_column_letter(c)}{r}", value)
                    result.changes.append(_change(table, f"{get_column_letter(c)}{r}", c, None, value,
                                                  f"取消合并单元格 {ref}，填入合并前的值"))


def _change(table: Table, cell: str, col_idx: int, before: Any, after: Any, reason: str) -> Change:
    letter = get_column_letter(col_idx)
    key = next((k for k, v in table.columns.items() if v == letter), None)
    column = table.spec.column(key) if key else None
    return Change(file=table.path.name, sheet=table.sheet, cell=cell, header=column.header if column else "",
                  before=before, after=after, reason=reason, pii=column.pii if column else None)


def _fix_cell(editor: WorkbookEditor, sheet: _Sheet, column: Column, row: int, letter: str,
              result: FixResult) -> None:
    table, ref = sheet.table, f"{letter}{row}"
    if (row, letter) in sheet.formulas:
        return    # a formula stays a formula: its result is the operator's to correct
    value = sheet.raw(row, letter)
    fixed = corrected(column, value)
    if fixed is None:
        if column.pii == "id" and isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 1e15:
            result.kept.append({"file": mask_file_name(table.path.name), "cell": ref, "header": column.header,
                                "reason": "身份证号已被 Excel 存成数字，后几位已丢失，无法自动恢复；请对照证件重新输入"})
        return
    new, number_format, reason = fixed
    if _same(new, value):
        return     # only the format would change: not a correction of anything
    editor.set_value(table.sheet, ref, new, number_format)
    result.changes.append(Change(file=table.path.name, sheet=table.sheet, cell=ref, header=column.header,
                                 before=value, after=new, reason=reason, pii=column.pii))


def _same(new: Any, old: Any) -> bool:
    """True when a cell already holds ``new`` (calamine reads every number as a float: 8.0 is 8)."""
    if isinstance(new, str) != isinstance(old, str):
        return False
    return bool(new == old)


def corrected(column: Column, value: Any) -> tuple[Any, str | None, str] | None:
    """Return (corrected value, number format, reason) for a cell of ``column``, or None to leave it."""
    if value is None or value == "":
        return None
    if column.pii == "id":
        return _corrected_id(value)
    if column.pii == "phone":
        return _corrected_phone(value)
    if not isinstance(value, str):
        return None
    if column.pii == "name":
        name, _code = N.to_name(value)
        return (name, None, "姓名去除多余空格，分隔符统一为“·”") if name != value else None
    if column.type == "datetime":
        return _corrected_date(value)
    if column.type in ("number", "integer"):
        return _corrected_number(value)
    stripped = value.strip()
    return (stripped, None, "去除首尾空格") if stripped != value else None


def _corrected_id(value: Any) -> tuple[Any, str | None, str] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if value >= 1e15 or not float(value).is_integer():
            return None   # digits already lost: never guessed
        text = str(int(value))
    elif isinstance(value, str):
        text = N.compact_id(value)
        if len(text) not in (15, 18):
            text = "".join(unicodedata.normalize("NFKC", value).split()).upper()
    else:
        return None
    upgraded = idcard.to_18(text)
    if upgraded is not None:
        return upgraded, TEXT_FORMAT, "15位身份证号换算为18位（请对照证件核实）"
    return text, TEXT_FORMAT, "身份证号统一为半角、去除空格，单元格设为文本格式"


def _corrected_phone(value: Any) -> tuple[Any, str | None, str] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if not float(value).is_integer():
            return None
        text = str(int(value))
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        compact = phone.compact(text)
        if phone.check(compact) is None:
            text = compact
    else:
        return None
    return text, TEXT_FORMAT, "联系方式统一为半角、去除空格和连字符，单元格设为文本格式"


def _corrected_date(value: str) -> tuple[Any, str | None, str] | None:
    when, code = N.to_datetime(value)
    if not isinstance(when, dt.datetime):
        return None
    if code == "date-no-time":
        return when, DATE_FORMAT, "文本日期改为 Excel 日期"
    return when, DATETIME_FORMAT, "文本日期时间改为 Excel 日期时间"


def _corrected_number(value: str) -> tuple[Any, str | None, str] | None:
    number, code = N.to_decimal(value)
    if code is not None or not isinstance(number, Decimal):
        return None
    as_number: int | float = int(number) if number == number.to_integral_value() else float(number)
    return as_number, None, "文本数字改为数值（全角改半角）"


def _is_day_fraction_table(table: Table) -> bool:
    """True when every row's 工作时长 is its task span as a fraction of a day (=G-F): fix may ×24."""
    if table.kind != "roster" or "hours" not in table.columns:
        return False
    rows, _ = day_fraction_rows(table, Decimal(1))
    with_hours = [rec.row for rec in table.records if finite(h := rec.values.get("hours")) and h > 0]
    return bool(with_hours) and rows == with_hours


def _hours_from_days(editor: WorkbookEditor, sheet: _Sheet, result: FixResult) -> None:
    table = sheet.table
    letter = table.columns["hours"]
    for rec in table.records:
        days = rec.values.get("hours")
        if not finite(days) or days <= 0:
            continue
        hours = (Decimal(days) * 24).quantize(Decimal("0.01")).normalize()
        new: int | float = int(hours) if hours == hours.to_integral_value() else float(hours)
        before = sheet.raw(rec.row, letter)
        reason = "工作时长由天数换算为小时（×24）" + ("，原为公式" if (rec.row, letter) in sheet.formulas else "")
        editor.set_value(table.sheet, f"{letter}{rec.row}", new)
        result.changes.append(Change(file=table.path.name, sheet=table.sheet, cell=f"{letter}{rec.row}",
                                     header=table.spec.column("hours").header, before=before, after=new,
                                     reason=reason))


def _renumber(editor: WorkbookEditor, sheet: _Sheet, result: FixResult) -> None:
    table = sheet.table
    letter = table.columns["seq"]
    for n, rec in enumerate(table.records, start=1):
        value = sheet.raw(rec.row, letter)
        if value != n or isinstance(value, str):
            editor.set_value(table.sheet, f"{letter}{rec.row}", n)
            result.changes.append(Change(file=table.path.name, sheet=table.sheet, cell=f"{letter}{rec.row}",
                                         header="序号", before=value, after=n, reason="序号按行重新编号"))


LOG_HEADERS = ["序号", "工作表", "单元格", "列名", "修改前（已脱敏）", "修改后（已脱敏）", "说明"]
LOG_WIDTHS = [6, 10, 9, 14, 24, 24, 48]


def _log_rows(changes: list[Change], names: frozenset[str]) -> list[list[Any]]:
    rows: list[list[Any]] = [list(LOG_HEADERS)]
    for n, change in enumerate(changes, start=1):
        shown = change.shown(names)
        rows.append([n, change.sheet, change.cell, change.header, shown["before"], shown["after"], change.reason])
    return rows


def fixable(app: Application, report: Report) -> list[F.Finding]:
    """Return the findings ``fix`` corrects in its copy (the hint after validate counts these)."""
    codes = set(ALWAYS_FIXED)
    if may_renumber(app):
        codes |= {"seq-gap", "seq-repeated"}
    if app.roster is not None and _is_day_fraction_table(app.roster):
        codes |= {"hours-day-fraction", "hours-day-fraction-suspect"}
    return [f for f in report.findings if f.code in codes]


ALWAYS_FIXED = frozenset({"id-15-digit", "id-extra-characters", "name-separator", "merged-cells"})
"""Findings whose cell ``fix`` always corrects (the round-trip test holds it to this)."""
