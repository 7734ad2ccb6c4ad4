"""Edit single cells of an .xlsx in place: every part and every other cell stays as it was.

openpyxl rewrites a whole workbook when it saves: it drops the cached results of formulas (a
folder whose hours are ``=(G5-F5)*24`` then reads as 15,600 "公式没有计算结果"), and with them
charts, images, extension lists and more. ``fix`` changes a handful of cells, so it edits only
those: the sheet XML of an edited sheet is parsed (lxml), the changed ``<c>`` elements are
rewritten, merged ranges removed, a number format added to ``styles.xml`` when a cell needs one,
and an added sheet (修改记录) is written as its own part. Every other zip member is copied byte for
byte. The workbook passed the reader's guard (``reader/guard.py``) before it gets here.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from lingong_docs.util.cells import column_index, column_letter

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKSHEET_TYPE = NS_REL + "/worksheet"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
TEXT_FORMAT_ID = 49          # the built-in "@" (text) number format
_M = f"{{{NS_MAIN}}}"
_REF_RE = re.compile(r"([A-Z]+)(\d+)")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)


def split_ref(ref: str) -> tuple[str, int]:
    m = _REF_RE.fullmatch(ref)
    if not m:
        raise ValueError(ref)
    return m.group(1), int(m.group(2))


@dataclass(frozen=True)
class Formula:
    """A formula with the value Excel would show for it (kept as the cell's cached value)."""

    text: str
    cached: float


@dataclass
class _Edit:
    value: Any = None
    has_value: bool = False
    number_format: str | None = None


@dataclass
class _Sheet:
    part: str
    edits: dict[str, _Edit] = field(default_factory=dict)
    unmerge: set[str] = field(default_factory=set)


class WorkbookEditor:
    """Collect cell edits for a workbook; ``save`` writes a copy with only those cells changed."""

    def __init__(self, path: Path):
        self.path = path
        with zipfile.ZipFile(path) as zf:
            self._infos = zf.infolist()
            self._data = {i.filename: zf.read(i.filename) for i in self._infos}
        self._workbook = etree.fromstring(self._data["xl/workbook.xml"], _PARSER)
        pr = self._workbook.find(f"{_M}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
        self._parts = self._sheet_parts()
        self._sheets: dict[str, _Sheet] = {}
        self._added: list[tuple[str, bytes]] = []

    # ---- what is in the workbook ---------------------------------------------------------------

    def _sheet_parts(self) -> dict[str, str]:
        rels = etree.fromstring(self._data["xl/_rels/workbook.xml.rels"], _PARSER)
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        out = {}
        for s in self._workbook.iter(f"{_M}sheet"):
            target = targets.get(s.get(f"{{{NS_REL}}}id"), "")
            out[s.get("name", "")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
        return out

    @property
    def sheet_names(self) -> list[str]:
        return list(self._parts)

    def _sheet(self, name: str) -> _Sheet:
        if name not in self._sheets:
            self._sheets[name] = _Sheet(part=self._parts[name])
        return self._sheets[name]

    # ---- edits ---------------------------------------------------------------------------------

    def set_value(self, sheet: str, ref: str, value: Any, number_format: str | None = None) -> None:
        """Set ``ref`` to ``value`` (str, int, float, Decimal, datetime, ``Formula``); keep its style."""
        edit = self._sheet(sheet).edits.setdefault(ref, _Edit())
        edit.value, edit.has_value = value, True
        if number_format is not None:
            edit.number_format = number_format

    def set_format(self, sheet: str, ref: str, number_format: str) -> None:
        """Give ``ref`` the number format ``number_format`` (its other style parts kept)."""
        self._sheet(sheet).edits.setdefault(ref, _Edit()).number_format = number_format

    def unmerge(self, sheet: str, ref: str) -> None:
        self._sheet(sheet).unmerge.add(ref)

    def replace_sheet(self, name: str, rows: list[list[Any]], widths: list[int]) -> None:
        """Add (or replace) a plain sheet ``name`` holding ``rows`` of text and numbers."""
        self._added.append((name, _plain_sheet(rows, widths)))

    # ---- writing -------------------------------------------------------------------------------

    def save(self, target: Path) -> None:
        """Write the edited copy to ``target`` (every part not edited copied byte for byte)."""
        data = dict(self._data)
        styles = _Styles(data.get("xl/styles.xml"))
        touched_formula = False
        for sheet in self._sheets.values():
            data[sheet.part], had_formula = _edit_sheet(data[sheet.part], sheet, styles, self.date1904)
            touched_formula |= had_formula
        if styles.changed:
            data["xl/styles.xml"] = styles.to_bytes()
        if self._added or self._sheets:
            self._update_workbook(data, touched_formula)
        order = [i.filename for i in self._infos] + [n for n in data if n not in {i.filename for i in self._infos}]
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for name in order:
                if name in data:
                    out.writestr(_info_for(name, self._infos), data[name])

    def _update_workbook(self, data: dict[str, bytes], touched_formula: bool) -> None:
        """Add the new sheets; ask Excel to recalculate on opening (edited inputs of formulas)."""
        for name, xml in self._added:
            if name in self._parts:
                data[self._parts[name]] = xml
            else:
                self._add_sheet_part(data, name, xml)
        calc = self._workbook.find(f"{_M}calcPr")
        if calc is None:
            calc = etree.SubElement(self._workbook, f"{_M}calcPr")
            _move_calc_pr(self._workbook, calc)
        calc.set("fullCalcOnLoad", "1")
        if touched_formula:
            _drop_calc_chain(data)
        data["xl/workbook.xml"] = _to_bytes(self._workbook)

    def _add_sheet_part(self, data: dict[str, bytes], name: str, xml: bytes) -> None:
        n = 1
        while f"xl/worksheets/sheet{n}.xml" in data:
            n += 1
        part = f"xl/worksheets/sheet{n}.xml"
        data[part] = xml
        rels = etree.fromstring(data["xl/_rels/workbook.xml.rels"], _PARSER)
        ids = {r.get("Id") for r in rels}
        rid = next(f"rIdLg{i}" for i in range(1, 10_000) if f"rIdLg{i}" not in ids)
        rel = etree.SubElement(rels, f"{{{NS_PKG}}}Relationship")
        rel.set("Id", rid)
        rel.set("Type", WORKSHEET_TYPE)
        rel.set("Target", f"/{part}")
        data["xl/_rels/workbook.xml.rels"] = _to_bytes(rels)
        sheets = self._workbook.find(f"{_M}sheets")
        sheet_ids = [int(s.get("sheetId", "0")) for s in sheets]
        el = etree.SubElement(sheets, f"{_M}sheet")
        el.set("name", name)
        el.set("sheetId", str(max(sheet_ids, default=0) + 1))
        el.set(f"{{{NS_REL}}}id", rid)
        types = etree.fromstring(data["[Content_Types].xml"], _PARSER)
        override = etree.SubElement(types, f"{{{NS_CT}}}Override")
        override.set("PartName", f"/{part}")
        override.set("ContentType", WORKSHEET_CT)
        data["[Content_Types].xml"] = _to_bytes(types)
        self._parts[name] = part


def _move_calc_pr(workbook: etree._Element, calc: etree._Element) -> None:
    """Put a new ``calcPr`` where the schema wants it: after the last of ``sheets`` … ``definedNames``."""
    before = [el for name in ("sheets", "functionGroups", "externalReferences", "definedNames")
              if (el := workbook.find(f"{_M}{name}")) is not None]
    if before:
        before[-1].addnext(calc)


def _drop_calc_chain(data: dict[str, bytes]) -> None:
    """Remove calcChain.xml (Excel rebuilds it): it lists formula cells, and one is no longer a formula."""
    if "xl/calcChain.xml" not in data:
        return
    del data["xl/calcChain.xml"]
    rels = etree.fromstring(data["xl/_rels/workbook.xml.rels"], _PARSER)
    for r in list(rels):
        if r.get("Target", "").endswith("calcChain.xml"):
            rels.remove(r)
    data["xl/_rels/workbook.xml.rels"] = _to_bytes(rels)
    types = etree.fromstring(data["[Content_Types].xml"], _PARSER)
    for o in list(types):
        if o.get("PartName", "").endswith("calcChain.xml"):
            types.remove(o)
    data["[Content_Types].xml"] = _to_bytes(types)


def _info_for(name: str, infos: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    for info in infos:
        if info.filename == name:
            copy = zipfile.ZipInfo(name, date_time=info.date_time)
            copy.compress_type = zipfile.ZIP_DEFLATED
            copy.external_attr = info.external_attr
            return copy
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---- the sheet XML ---------------------------------------------------------------------------

def _edit_sheet(xml: bytes, sheet: _Sheet, styles: _Styles, date1904: bool) -> tuple[bytes, bool]:
    """Return the sheet XML with ``sheet``'s edits made, and whether a formula cell was edited."""
    root = etree.fromstring(xml, _PARSER)
    data = root.find(f"{_M}sheetData")
    rows = {int(r.get("r")): r for r in data.iterfind(f"{_M}row") if r.get("r")}
    had_formula = False
    for ref, edit in sorted(sheet.edits.items(), key=lambda kv: split_ref(kv[0])[::-1]):
        cell = _cell(data, rows, ref)
        if edit.has_value:
            had_formula |= cell.find(f"{_M}f") is not None
            _put(cell, edit.value, date1904)
        if edit.number_format is not None:
            cell.set("s", str(styles.with_format(int(cell.get("s", "0")), edit.number_format)))
    if sheet.unmerge:
        _remove_merges(root, sheet.unmerge)
    return _to_bytes(root), had_formula


def _cell(data: etree._Element, rows: dict[int, etree._Element], ref: str) -> etree._Element:
    """Return the ``<c>`` of ``ref``, made (in column order, its row in row order) when absent."""
    letters, r = split_ref(ref)
    row = rows.get(r)
    if row is None:
        row = etree.Element(f"{_M}row")
        row.set("r", str(r))
        later = [n for n in rows if n > r]
        if later:
            rows[min(later)].addprevious(row)
        else:
            data.append(row)
        rows[r] = row
    col = column_index(letters)
    for c in row.iterfind(f"{_M}c"):
        ref_c = c.get("r")
        if ref_c == ref:
            return c
        if ref_c and column_index(split_ref(ref_c)[0]) > col:
            new = etree.Element(f"{_M}c")
            new.set("r", ref)
            c.addprevious(new)
            return new
    new = etree.SubElement(row, f"{_M}c")
    new.set("r", ref)
    return new


def _put(cell: etree._Element, value: Any, date1904: bool) -> None:
    """Replace the content of ``cell`` with ``value`` (its style attribute kept)."""
    for child in list(cell):
        if child.tag in (f"{_M}f", f"{_M}v", f"{_M}is"):
            cell.remove(child)
    for attr in ("t", "cm", "vm"):
        cell.attrib.pop(attr, None)
    if value is None:
        return
    if isinstance(value, Formula):
        etree.SubElement(cell, f"{_M}f").text = value.text
        etree.SubElement(cell, f"{_M}v").text = _number(value.cached)
    elif isinstance(value, str):
        cell.set("t", "inlineStr")
        t = etree.SubElement(etree.SubElement(cell, f"{_M}is"), f"{_M}t")
        t.text = value
        if value != value.strip() or "\n" in value:
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    elif isinstance(value, bool):
        cell.set("t", "b")
        etree.SubElement(cell, f"{_M}v").text = "1" if value else "0"
    elif isinstance(value, (dt.datetime, dt.date)):
        etree.SubElement(cell, f"{_M}v").text = _number(_serial(value, date1904))
    else:
        etree.SubElement(cell, f"{_M}v").text = _number(value)


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _serial(value: dt.date, date1904: bool) -> float:
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    when = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
    delta = when - epoch
    return round(delta.days + delta.seconds / 86400, 10)


def _remove_merges(root: etree._Element, refs: set[str]) -> None:
    merges = root.find(f"{_M}mergeCells")
    if merges is None:
        return
    for m in list(merges):
        if m.get("ref") in refs:
            merges.remove(m)
    if len(merges):
        merges.set("count", str(len(merges)))
    else:
        root.remove(merges)


class _Styles:
    """styles.xml, parsed only when a cell needs a new number format."""

    def __init__(self, xml: bytes | None):
        self._xml = xml
        self._root: etree._Element | None = None
        self._made: dict[tuple[int, str], int] = {}
        self.changed = False

    def _load(self) -> etree._Element:
        if self._root is None:
            if self._xml is None:
                raise ValueError("workbook without styles")
            self._root = etree.fromstring(self._xml, _PARSER)
        return self._root

    def with_format(self, xf_index: int, code: str) -> int:
        """Return the index of a cell style like ``xf_index`` with number format ``code``."""
        key = (xf_index, code)
        if key in self._made:
            return self._made[key]
        root = self._load()
        xfs = root.find(f"{_M}cellXfs")
        current = xfs[xf_index] if xf_index < len(xfs) else xfs[0]
        fmt_id = self._format_id(code)
        if current.get("numFmtId") == str(fmt_id):
            self._made[key] = xf_index
            return xf_index
        clone = etree.fromstring(etree.tostring(current))
        clone.set("numFmtId", str(fmt_id))
        clone.set("applyNumberFormat", "1")
        xfs.append(clone)
        xfs.set("count", str(len(xfs)))
        self.changed = True
        self._made[key] = len(xfs) - 1
        return len(xfs) - 1

    def _format_id(self, code: str) -> int:
        if code == "@":
            return TEXT_FORMAT_ID
        root = self._load()
        fmts = root.find(f"{_M}numFmts")
        if fmts is None:
            fmts = etree.Element(f"{_M}numFmts")
            root.insert(0, fmts)
        for f in fmts:
            if f.get("formatCode") == code:
                return int(f.get("numFmtId", "0"))
        new_id = max([163] + [int(f.get("numFmtId", "0")) for f in fmts]) + 1
        el = etree.SubElement(fmts, f"{_M}numFmt")
        el.set("numFmtId", str(new_id))
        el.set("formatCode", code)
        fmts.set("count", str(len(fmts)))
        return new_id

    def to_bytes(self) -> bytes:
        return _to_bytes(self._load())


def _plain_sheet(rows: list[list[Any]], widths: list[int]) -> bytes:
    """Return the XML of a sheet of inline text and numbers, first row frozen."""
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
    body = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row, start=1):
            ref = f"{column_letter(c)}{r}"
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"><v>{_number(value)}</v></c>')
            elif value not in (None, ""):
                text = escape(_xml_safe(str(value)))
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/></sheetView></sheetViews>'
            f'<cols>{cols}</cols><sheetData>{"".join(body)}</sheetData></worksheet>').encode()


def _xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (control characters)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or (ord(ch) >= 32 and ord(ch) not in (0xFFFE, 0xFFFF)))


__all__ = ["WorkbookEditor", "Formula"]
