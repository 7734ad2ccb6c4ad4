"""Pre-flight checks on an untrusted .xlsx before any XML parser or reader touches it.

Everything here works on the zip directory and on raw bytes with bounded cost, so an XML bomb, a
zip bomb, a far-out cell or a renamed file is refused in well under a second and a few MB.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET

from lingong_docs.core.errors import LingongError, ReadError

MAX_FILE_BYTES = 200_000_000
MAX_MEMBERS = 500
MAX_TOTAL_UNCOMPRESSED = 400_000_000
MAX_MEMBER_UNCOMPRESSED = 300_000_000
MAX_RATIO = 150           # real sheets compress 5-30x; a shared-strings bomb ~1000x
RATIO_FLOOR = 1_000_000   # small members may compress better than that
MAX_ROWS = 200_000
MAX_COLS = 60             # official tables have 6 and 11 columns; the header block a few more

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_FAR_ROW_RE = re.compile(rb' r="[A-Z]{0,3}(\d{6,})"')
_CELL_COL_RE = re.compile(rb' r="([A-Z]{2,})(\d+)"')
_CELL_REF_RE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>')
_HIDDEN_ROW_RE = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"')
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
_DTD_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROW_WITHOUT_REF_RE = re.compile(rb"<(?:\w+:)?row\b(?![^>]*\br=)[^>]*>")
_CELL_CONTENT_RE = re.compile(rb"<(?:\w+:)?(?:v|f|is)\b[^>]*>\s*[^<\s]|<(?:\w+:)?f\b[^>]*/>")
_STYLED_CELL_RE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bs="(\d+)"[^>]*?(/?)>')


@dataclass
class SheetScan:
    name: str
    path: str
    state: str                      # visible | hidden | veryHidden
    formula_cells: set = field(default_factory=set)   # {(row, col_letters)}
    error_cells: set = field(default_factory=set)
    hidden_rows: list = field(default_factory=list)
    merged: list = field(default_factory=list)        # ["B24:B25", ...]
    struck_cells: set = field(default_factory=set)    # {(row, col_letters)} with a struck-through font


@dataclass
class WorkbookScan:
    date1904: bool
    sheets: list[SheetScan]


def _reject(code: str, path: Path, message: str, hint: str = "") -> ReadError:
    return ReadError(code, f"{path.name}：{message}", hint=hint, path=str(path))


def col_to_index(letters: str) -> int:
    """Return the 0-based column index of Excel letters (A → 0)."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def scan_workbook(path: Path) -> WorkbookScan:
    """Check ``path`` is a safe, ordinary .xlsx and return what the fast reader cannot see."""
    if not path.exists():
        raise _reject("file-not-found", path, "文件不存在。", "请检查路径和文件名。")
    if not path.is_file():
        raise _reject("not-a-file", path, "这不是一个文件。")
    size = path.stat().st_size
    if size == 0:
        raise _reject("file-empty", path, "文件是空的（0 字节）。", "请重新保存或导出该工作簿。")
    if size > MAX_FILE_BYTES:
        raise _reject("file-too-large", path, f"文件过大（{size // 1_000_000} MB）。")
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        streams = _ole_streams(path)
        if "EncryptedPackage" not in streams and (path.suffix.lower() in OTHER_FORMATS or "Workbook" in streams):
            raise other_format(path, OTHER_FORMATS.get(path.suffix.lower(), OTHER_FORMATS[".xls"]))
        raise _reject("xls-or-encrypted", path,
                      "这是设置了打开密码的工作簿，或旧版 .xls / .et 文件，无法读取。",
                      "请在 Excel/WPS 中去除打开密码，并“另存为” Excel 工作簿（.xlsx）。")
    if not head.startswith(b"PK\x03\x04"):
        if path.suffix.lower() in OTHER_FORMATS:
            raise other_format(path, OTHER_FORMATS[path.suffix.lower()])
        raise _reject("not-xlsx", path, "这不是 Excel 工作簿（.xlsx）。可能是 CSV、文本或其他格式改了扩展名。",
                      "请在 Excel/WPS 中打开后“另存为” Excel 工作簿（.xlsx）。")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _reject("xlsx-corrupt", path, "文件已损坏或不完整（可能下载或复制中断）。",
                      "请重新导出或从原始位置再复制一份。") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _reject("xlsx-too-complex", path, "工作簿内部文件过多，拒绝读取。")
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > MAX_MEMBER_UNCOMPRESSED or (
                info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
            ):
                raise _reject("xlsx-bomb", path, "工作簿内容解压后异常巨大（疑似“压缩炸弹”），拒绝读取。",
                              "请确认文件来源；正常的表格请重新另存后再试。")
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise _reject("xlsx-bomb", path, "工作簿内容解压后过大，拒绝读取。")
        try:
            return _scan_parts(zf, path)
        except ReadError:
            raise
        except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, SafeET.ParseError,
                Exception):  # any parser failure means "not a readable workbook"
            raise _reject("xlsx-corrupt", path, "工作簿结构损坏，无法读取。",
                          "请在 Excel/WPS 中打开并重新保存为 .xlsx。") from None


OTHER_FORMATS = {
    ".xls": "旧版 Excel 97-2003 工作簿（.xls）",
    ".et": "WPS 表格文件（.et）",
    ".ett": "WPS 表格模板（.ett）",
    ".csv": "CSV 文本文件（.csv）",
    ".txt": "文本文件（.txt）",
    ".ods": "OpenDocument 表格（.ods，LibreOffice/WPS 的默认格式）",
    ".numbers": "Numbers 表格（.numbers）",
    ".xlsb": "Excel 二进制工作簿（.xlsb）",
}
"""Spreadsheet formats operators save by mistake; named in the message, with how to save as .xlsx.

They are not read directly: the guard above checks the .xlsx zip and XML before any parser runs,
and ``fix``, ``--annotate`` and the printed tables all work on .xlsx. Saving as .xlsx takes the
operator a minute and gives every later step the same file.
"""


def other_format(path: Path, fmt: str) -> LingongError:
    """Return the error naming a workbook saved in another format, with how to save it as .xlsx."""
    from lingong_docs.util.pii import mask_file_name

    rename = "" if path.suffix.lower() == ".xlsx" else f"另存后的文件名为“{mask_file_name(path.stem)}.xlsx”。"
    return ReadError.make("workbook-other-format", file=mask_file_name(path.name), format=fmt, rename=rename)


def _ole_streams(path: Path) -> set[str]:
    """Return which of the telling OLE stream names a file holds: an encrypted .xlsx or an .xls."""
    needles = {name: name.encode("utf-16-le") for name in ("EncryptedPackage", "Workbook")}
    found: set[str] = set()
    tail = b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            found.update(name for name, needle in needles.items() if needle in tail + chunk)
            tail = chunk[-32:]
    return found


def _read_member(zf: zipfile.ZipFile, name: str, path: Path) -> bytes:
    return zf.read(name)


def _scan_parts(zf: zipfile.ZipFile, path: Path) -> WorkbookScan:
    names = set(zf.namelist())
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        raise _reject("xls-or-encrypted", path, "工作簿设置了密码，无法读取。", "请去除打开密码后另存为 .xlsx。")
    wb_name = "xl/workbook.xml"
    if wb_name not in names and "mimetype" in names and b"opendocument.spreadsheet" in zf.read("mimetype")[:200]:
        raise other_format(path, OTHER_FORMATS[".ods"])
    if wb_name not in names:
        raise _reject("not-xlsx", path, "这不是 Excel 工作簿（缺少 workbook.xml），可能是 Word 等其他文件。",
                      "请另存为 Excel 工作簿（.xlsx）。")
    for name in names:
        if name.endswith((".xml", ".rels", ".vml")):
            with zf.open(name) as member:
                head = member.read(65536)
            if _DTD_RE.search(head):
                raise _reject("xlsx-unsafe-xml", path,
                              "工作簿包含 XML 实体声明（可能是恶意文件），拒绝读取。")
    wb = SafeET.fromstring(_read_member(zf, wb_name, path), forbid_dtd=True)
    pr = wb.find("m:workbookPr", _NS)
    date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    rels_name = "xl/_rels/workbook.xml.rels"
    targets = {}
    if rels_name in names:
        rels = SafeET.fromstring(_read_member(zf, rels_name, path), forbid_dtd=True)
        for rel in rels.findall("rel:Relationship", _NS):
            t = rel.get("Target", "")
            t = t.lstrip("/") if t.startswith("/") else "xl/" + t
            targets[rel.get("Id")] = t
    struck = _struck_styles(zf, names)
    sheets = []
    for s in wb.findall("m:sheets/m:sheet", _NS):
        rid = s.get(f"{{{_NS['r']}}}id")
        target = targets.get(rid, "")
        scan = SheetScan(name=s.get("name", ""), path=target, state=s.get("state", "visible"))
        if target in names:
            _scan_sheet(_read_member(zf, target, path), scan, path, struck)
        sheets.append(scan)
    return WorkbookScan(date1904=date1904, sheets=sheets)


def _has_content(xml: bytes, at: int) -> bool:
    """True when the reference at ``at`` belongs to a cell (``<c>``) that holds a value or formula."""
    tag_start = xml.rfind(b"<", 0, at)
    tag = xml[tag_start:at]
    if not re.match(rb"<(?:\w+:)?c\b", tag):
        return False              # a <row>: only its cells can hold anything
    tag_end = xml.find(b">", at)
    if tag_end < 0 or xml[tag_end - 1:tag_end] == b"/":
        return False              # <c r="K1048576" s="3"/>: formatted, empty
    close = xml.find(b"</", tag_end)
    body = xml[tag_end + 1:close if close >= 0 else tag_end + 4096]
    if re.match(rb"\s*<(?:\w+:)?is\b", body):
        return bool(re.search(rb"<(?:\w+:)?t\b[^>]*>[^<]", xml[tag_end:tag_end + 4096]))
    return bool(_CELL_CONTENT_RE.search(body))


def _struck_styles(zf: zipfile.ZipFile, names: set[str]) -> frozenset[int]:
    """Return the cell style indexes whose font is struck through (``<strike/>``)."""
    name = "xl/styles.xml"
    if name not in names:
        return frozenset()
    root = SafeET.fromstring(zf.read(name), forbid_dtd=True)
    fonts = root.findall("m:fonts/m:font", _NS)
    struck_fonts = set()
    for i, font in enumerate(fonts):
        strike = font.find("m:strike", _NS)
        if strike is not None and strike.get("val", "1").lower() not in ("0", "false"):
            struck_fonts.add(i)
    if not struck_fonts:
        return frozenset()
    return frozenset(i for i, xf in enumerate(root.findall("m:cellXfs/m:xf", _NS))
                     if int(xf.get("fontId", "0") or 0) in struck_fonts)


def _struck_cells(xml: bytes, struck: frozenset[int]) -> set[tuple[int, str]]:
    """Return the (row, column letters) of the cells with content whose style is struck through."""
    out = set()
    for m in _STYLED_CELL_RE.finditer(xml):
        if int(m.group(3)) in struck and not m.group(4) and _has_content(xml, m.start(1) - 3):
            out.add((int(m.group(2)), m.group(1).decode()))
    return out


def _scan_sheet(xml: bytes, scan: SheetScan, path: Path, struck: frozenset[int] = frozenset()) -> None:
    for m in _CELL_COL_RE.finditer(xml):
        if col_to_index(m.group(1).decode()) >= MAX_COLS:
            raise _reject("sheet-too-large", path,
                          f"工作表“{scan.name}”在第 {m.group(1).decode()} 列有内容，超出表格范围，拒绝读取。",
                          "请删除表格右侧远处的单元格内容后重新保存。")
    # Any row or cell reference with 6+ digits is a candidate for "too far down"; ordinary sheets
    # have none, so this is one fast scan with no matches. Only a cell with content counts: an
    # empty formatted cell (K1048576, or formatting applied down to the last row) is no data.
    max_row = max((int(m.group(1)) for m in _FAR_ROW_RE.finditer(xml) if _has_content(xml, m.start())),
                  default=0)
    if max_row > MAX_ROWS:
        raise _reject("sheet-too-large", path,
                      f"工作表“{scan.name}”有内容直到第 {max_row} 行，超过 {MAX_ROWS} 行的上限，拒绝读取。",
                      "请删除表格下方远处的单元格内容后重新保存。")
    # Rows numbered only by their position; every row tag holds "<row" or ":row" (x:row), so with
    # fewer of those than the limit the regex cannot count more: it runs only on a long sheet.
    if xml.count(b"<row") + xml.count(b":row") > MAX_ROWS and len(_ROW_WITHOUT_REF_RE.findall(xml)) > MAX_ROWS:
        raise _reject("sheet-too-large", path, f"工作表“{scan.name}”行数超过上限，拒绝读取。")
    if b'hidden="' in xml:
        scan.hidden_rows = [int(m.group(1)) for m in _HIDDEN_ROW_RE.finditer(xml)]
    if struck:
        scan.struck_cells = _struck_cells(xml, struck)
    merge_at = xml.find(b"mergeCell")
    if merge_at >= 0:
        scan.merged = [m.group(1).decode() for m in _MERGE_RE.finditer(xml, merge_at - 10)]
    if b"<f" in xml or b't="e"' in xml:
        for m in _CELL_REF_RE.finditer(xml):
            tag = m.group(0)
            ref = (int(m.group(2)), m.group(1).decode())
            after = xml[m.end():m.end() + 4]
            if after.startswith(b"<f") and after[2:3] in (b">", b" ", b"/"):
                scan.formula_cells.add(ref)
            if b't="e"' in tag:
                scan.error_cells.add(ref)
