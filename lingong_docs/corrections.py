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

import datetime as dt
import os
import shutil
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from lingong_docs.core.errors import ConfigError
from lingong_docs.core.evidence import covered_rows
from lingong_docs.core.model import Application, Table
from lingong_docs.core.tables import Column
from lingong_docs.identifiers import idcard, phone
from lingong_docs.reader import normalize as N
from lingong_docs.reader.folder import read_application
from lingong_docs.util.atomic import atomic_path
from lingong_docs.util.pii import mask, mask_file_name
from lingong_docs.util.workbook import HEAD_FILL, HEAD_FONT, safe_text

# Findings ``fix`` corrects (or makes easier to correct) in a copy of the folder.
FIXABLE = frozenset({"id-15-digit", "name-separator", "merged-cells", "seq-gap", "seq-repeated", "id-characters",
                     "phone-format", "number-unreadable", "date-unreadable", "date-no-time"})
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


def fix_application(folder: str | Path, out: str | Path) -> FixResult:
    """Write ``folder`` to ``out`` with the safe corrections made; return what was changed."""
    source, target = Path(folder), Path(out)
    _check_target(source, target)
    app = read_application(source)
    result = FixResult(source=source, target=target,
                       names=frozenset().union(*(t.personal_names() for t in app.tables)))
    staging = target.parent / f".{target.name}.fixing-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        shutil.copytree(source, staging, symlinks=False,
                        ignore=shutil.ignore_patterns("~$*", ".~lock.*#", ".*.part"))
        renumber = _may_renumber(app, result)
        for table in app.tables:
            copy = staging / table.path.relative_to(source)
            _fix_workbook(table, copy, renumber, result)
        os.replace(staging, target) if not target.exists() else _replace_empty(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result


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


def _may_renumber(app: Application, result: FixResult) -> bool:
    """序号 may be renumbered only while no evidence file name refers to one."""
    if any(covered_rows(p.name) for p in app.evidence):
        result.notes.append("序号未重新编号：支付凭证的文件名按序号对应花名册的行，重新编号会使其对应错行。")
        return False
    return True


def _fix_workbook(table: Table, path: Path, renumber: bool, result: FixResult) -> None:
    wb = load_workbook(path)
    ws = wb[table.sheet]
    before = len(result.changes)
    _unmerge(ws, table, result)
    columns = {c.key: c for c in table.spec.columns}
    for rec in table.records:
        for key, letter in table.columns.items():
            if key != "seq":
                _fix_cell(ws, table, columns[key], f"{letter}{rec.row}", result)
    if renumber and "seq" in table.columns:
        _renumber(ws, table, result)
    mine = result.changes[before:]
    if not mine:
        return
    _write_log(wb, mine, result.names)
    with atomic_path(path, mode=0o600) as tmp:
        wb.save(tmp)


def _unmerge(ws: Worksheet, table: Table, result: FixResult) -> None:
    """Unmerge every merged range in the data and fill its value into each cell it covered."""
    data_rows = {rec.row for rec in table.records}
    for rng in list(ws.merged_cells.ranges):
        if rng.max_row <= table.header_row or (rng.min_row == rng.max_row and rng.min_row not in data_rows):
            continue
        ref = rng.coord
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        value = ws.cell(min_row, min_col).value
        ws.unmerge_cells(ref)
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                if (r, c) != (min_row, min_col):
                    ws.cell(r, c).value = value
                    result.changes.append(_change(table, f"{get_column_letter(c)}{r}", c, None, value,
                                                  f"取消合并单元格 {ref}，填入合并前的值"))


def _change(table: Table, cell: str, col_idx: int, before: Any, after: Any, reason: str) -> Change:
    letter = get_column_letter(col_idx)
    key = next((k for k, v in table.columns.items() if v == letter), None)
    column = table.spec.column(key) if key else None
    return Change(file=table.path.name, sheet=table.sheet, cell=cell, header=column.header if column else "",
                  before=before, after=after, reason=reason, pii=column.pii if column else None)


def _fix_cell(ws: Worksheet, table: Table, column: Column, ref: str, result: FixResult) -> None:
    cell = ws[ref]
    value = cell.value
    fixed = corrected(column, value)
    if fixed is None:
        if column.pii == "id" and isinstance(value, (int, float)) and value >= 1e15:
            result.kept.append({"file": mask_file_name(table.path.name), "cell": ref, "header": column.header,
                                "reason": "身份证号已被 Excel 存成数字，后几位已丢失，无法自动恢复；请对照证件重新输入"})
        return
    new, number_format, reason = fixed
    if new == value and (number_format is None or cell.number_format == number_format):
        return
    if isinstance(new, str):
        safe_text(cell, new)
    else:
        cell.value = new
    if number_format is not None:
        cell.number_format = number_format
    result.changes.append(Change(file=table.path.name, sheet=table.sheet, cell=ref, header=column.header,
                                 before=value, after=new, reason=reason, pii=column.pii))


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


def _renumber(ws: Worksheet, table: Table, result: FixResult) -> None:
    letter = table.columns["seq"]
    for n, rec in enumerate(table.records, start=1):
        cell = ws[f"{letter}{rec.row}"]
        if cell.value != n:
            result.changes.append(Change(file=table.path.name, sheet=table.sheet, cell=cell.coordinate,
                                         header="序号", before=cell.value, after=n, reason="序号按行重新编号"))
            cell.value = n


def _write_log(wb: Any, changes: list[Change], names: frozenset[str]) -> None:
    if LOG_SHEET in wb.sheetnames:
        del wb[LOG_SHEET]
    ws = wb.create_sheet(LOG_SHEET)
    headers = ["序号", "工作表", "单元格", "列名", "修改前（已脱敏）", "修改后（已脱敏）", "说明"]
    for i, (h, w) in enumerate(zip(headers, [6, 10, 9, 14, 24, 24, 48]), start=1):
        c = ws.cell(1, i, h)
        c.font, c.fill = HEAD_FONT, HEAD_FILL
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    for n, change in enumerate(changes, start=2):
        shown = change.shown(names)
        for i, v in enumerate([n - 1, change.sheet, change.cell, change.header, shown["before"], shown["after"],
                               change.reason], start=1):
            safe_text(ws.cell(n, i), v)
