"""Pre-flight checks on an untrusted .xlsx before any XML parser or reader touches it.

Everything here works on the zip directory and on raw bytes with bounded cost, so an XML bomb, a
zip bomb, a far-out cell or a renamed file is refused in well under a second and a few MB. Every
XML member is streamed in pieces of ``CHUNK`` bytes (a 663 MB sheet of a million rows costs the
guard a few MB), and no member may give more bytes than its zip header declares.
"""

from __future__ import annotations

import functools
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET

try:                      # ISA-L inflates about twice as fast as zlib; same API, same results
    from isal import isal_zlib as zlib
except ImportError:       # pragma: no cover - isal is a dependency; zlib keeps the guard working
    import zlib  # type: ignore[no-redef]

from lingong_docs.core.errors import LingongError, ReadError

MAX_FILE_BYTES = 200_000_000
MAX_MEMBERS = 500
MAX_ROWS = 1_048_576      # Excel's own last row: a million-row roster is allowed (docs/security.md §1)
ROW_BYTES = 1_400         # generous bytes per row of the official 11 columns (the bench roster: 663)
MAX_MEMBER_UNCOMPRESSED = MAX_ROWS * ROW_BYTES     # 1,468,006,400: a full sheet
MAX_TOTAL_UNCOMPRESSED = 1_600_000_000             # a full sheet + ~130 MB of shared strings, styles, posts
MAX_PARSED_PART = 64_000_000   # workbook.xml, its rels and styles.xml are parsed whole; real ones < 1 MB
MAX_RATIO = 150           # real sheets compress 5-30x; a shared-strings bomb ~1000x
RATIO_FLOOR = 1_000_000   # small members may compress better than that
MAX_COLS = 60             # official tables have 6 and 11 columns; the header block a few more
MAX_ROW_GAP = 200_000     # content may lie this far below the rows above it (one cell at K1048576 may not)
CHUNK = 1 << 20           # decompressed bytes scanned per step (tests lower it to cut tags in two)
OVERLAP = 64 << 10        # context kept after the cut: a cell's tag and its value are far shorter
MAX_CARRY = 8 << 20       # one tag or text without a "<" for this long is not a sheet any program writes
END_BYTES = 1 << 20       # the end of each sheet kept for the reader (SheetScan.end_xml): a few thousand rows

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_CELL_COL_RE = re.compile(rb' r="([A-Z]{2,})(\d+)"')
_CELL_REF_RE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>')
_HIDDEN_ROW_RE = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"')
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
_DTD_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROW_WITHOUT_REF_RE = re.compile(rb"<(?:\w+:)?row\b(?![^>]*\br=)[^>]*>")
_CELL_CONTENT_RE = re.compile(rb"<(?:\w+:)?(?:v|f|is)\b[^>]*>\s*[^<\s]|<(?:\w+:)?f\b[^>]*/>")
_STYLED_CELL_RE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bs="(\d+)"[^>]*?(/?)>')
_XML_PARTS = (".xml", ".rels", ".vml")
_Bytes = bytes | bytearray   # a sheet window is one bytearray, reused from window to window
_SHORT_SUSPECT_RE = re.compile(rb' r="[A-Z]?+(?:[A-Z]|[0-9]{6})')   # a column past Z or a row past 99,999
# The regex engine skips to the first byte of a pattern: "e" is five times rarer than "t" in a sheet.
_ERROR_CELL_RE = re.compile(rb'e"(?<=t="e")')


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
    # The sheet's first bytes (up to its first window's cut) and its last ``END_BYTES`` or more: the
    # reader takes the last rows from them without reading the sheet again (``reader.fast.tail_rows``).
    start_xml: bytes = field(default=b"", repr=False, compare=False)
    end_xml: bytes = field(default=b"", repr=False, compare=False)


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
                raise _bomb(path)
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise _reject("xlsx-bomb", path, "工作簿内容解压后过大，拒绝读取。")
        try:
            return _scan_parts(zf, path)
        except ReadError:
            raise
        except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, SafeET.ParseError,
                Exception):  # any parser failure means "not a readable workbook"
            raise _corrupt(path) from None


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


def _bomb(path: Path) -> ReadError:
    return _reject("xlsx-bomb", path, "工作簿内容解压后异常巨大（疑似“压缩炸弹”），拒绝读取。",
                   "请确认文件来源；正常的表格请重新另存后再试。")


def _corrupt(path: Path) -> ReadError:
    return _reject("xlsx-corrupt", path, "工作簿结构损坏，无法读取。", "请在 Excel/WPS 中打开并重新保存为 .xlsx。")


def _raw_pieces(path: Path, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Yield the compressed bytes of ``info`` as stored in the file (after its local header)."""
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        head = f.read(30)
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            raise _corrupt(path)
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        f.seek(info.header_offset + 30 + name_len + extra_len)
        left = info.compress_size
        while left > 0:
            piece = f.read(min(left, CHUNK >> 2 or 1))
            if not piece:
                raise _corrupt(path)
            left -= len(piece)
            yield piece


def _inflate(path: Path, info: zipfile.ZipInfo) -> Iterator[bytes]:
    d = zlib.decompressobj(-15)
    step = max(CHUNK, 1)
    for piece in _raw_pieces(path, info):
        data = d.decompress(piece, step)
        while data:
            yield data
            if not d.unconsumed_tail and len(data) < step:
                break
            data = d.decompress(d.unconsumed_tail, step)
    if not d.eof:
        raise _corrupt(path)


def member_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> Iterator[bytes]:
    """Yield the bytes of one member in pieces of at most ``CHUNK``.

    A zip header can lie: the directory says 1 KB, the data inflates to gigabytes. Other readers may
    trust the data rather than the header, so this one reads the stored bytes itself and refuses
    (``xlsx-bomb``) as soon as more come out than the header declares: a lie costs one piece.
    """
    if info.flag_bits & 1:
        raise _corrupt(path)          # an encrypted member: not something Excel writes in an .xlsx
    if info.compress_type == zipfile.ZIP_DEFLATED:
        pieces = _inflate(path, info)
    elif info.compress_type == zipfile.ZIP_STORED:
        pieces = _raw_pieces(path, info)
    else:
        pieces = _zipfile_pieces(zf, info)
    total = 0
    for data in pieces:
        total += len(data)
        if total > info.file_size:
            raise _bomb(path)
        yield data
    if total != info.file_size:
        raise _corrupt(path)


def _zipfile_pieces(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Other compression methods (bzip2, lzma): zipfile stops at the declared size itself."""
    with zf.open(info) as member:
        while data := member.read(max(CHUNK, 1)):
            yield data


def _read_member(zf: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """Return a part that is parsed whole (workbook, relationships, styles), bounded and free of DTDs."""
    info = zf.getinfo(name)
    if info.file_size > MAX_PARSED_PART:
        raise _bomb(path)
    data = b"".join(member_chunks(zf, info, path))
    if _DTD_RE.search(data):
        raise _unsafe(path)
    return data


def _unsafe(path: Path) -> ReadError:
    return _reject("xlsx-unsafe-xml", path, "工作簿包含 XML 实体声明（可能是恶意文件），拒绝读取。")


def _check_no_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> None:
    """Refuse a member with an entity or DOCTYPE declaration anywhere in it, streaming the whole member."""
    tail = b""
    for data in member_chunks(zf, info, path):
        if (b"!" in data or b"!" in tail) and (_DTD_RE.search(tail + data[:16]) or _DTD_RE.search(data)):
            raise _unsafe(path)
        tail = (tail + data)[-16:]


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
    wb = SafeET.fromstring(_read_member(zf, wb_name, path), forbid_dtd=True)
    pr = wb.find("m:workbookPr", _NS)
    date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    targets = _sheet_targets(zf, names, path)
    sheet_list = [(s, targets.get(s.get(f"{{{_NS['r']}}}id"), "")) for s in wb.findall("m:sheets/m:sheet", _NS)]
    scanned = {target for _, target in sheet_list if target in names}
    for info in zf.infolist():        # the sheets are checked while they are scanned below
        if info.filename.endswith(_XML_PARTS) and info.filename not in scanned:
            _check_no_dtd(zf, info, path)
    struck = _struck_styles(zf, names, path)
    sheets = []
    for s, target in sheet_list:
        scan = SheetScan(name=s.get("name", ""), path=target, state=s.get("state", "visible"))
        if target in scanned:
            _SheetScanner(scan, path, struck).run(member_chunks(zf, zf.getinfo(target), path))
        sheets.append(scan)
    return WorkbookScan(date1904=date1904, sheets=sheets)


def _sheet_targets(zf: zipfile.ZipFile, names: set[str], path: Path) -> dict[str | None, str]:
    rels_name = "xl/_rels/workbook.xml.rels"
    targets: dict[str | None, str] = {}
    if rels_name in names:
        rels = SafeET.fromstring(_read_member(zf, rels_name, path), forbid_dtd=True)
        for rel in rels.findall("rel:Relationship", _NS):
            t = rel.get("Target", "")
            t = t.lstrip("/") if t.startswith("/") else "xl/" + t
            targets[rel.get("Id")] = t
    return targets


def _has_content(xml: _Bytes, at: int, final: bool = True) -> bool:
    """True when the reference at ``at`` belongs to a cell (``<c>``) that holds a value or formula.

    ``xml`` may be a window of the sheet that ends before the sheet does (``final`` false): a cell
    whose end lies past the window then counts as holding content, so no far cell slips through.
    """
    tag_start = xml.rfind(b"<", 0, at)
    tag = xml[tag_start:at]
    if not re.match(rb"<(?:\w+:)?c\b", tag):
        return False              # a <row>: only its cells can hold anything
    tag_end = xml.find(b">", at)
    if tag_end < 0 and not final:
        return True
    if tag_end < 0 or xml[tag_end - 1:tag_end] == b"/":
        return False              # <c r="K1048576" s="3"/>: formatted, empty
    close = xml.find(b"</", tag_end)
    if close < 0 and not final:
        return True
    body = xml[tag_end + 1:close if close >= 0 else tag_end + 4096]
    if re.match(rb"\s*<(?:\w+:)?is\b", body):
        return bool(re.search(rb"<(?:\w+:)?t\b[^>]*>[^<]", xml[tag_end:tag_end + 4096]))
    return bool(_CELL_CONTENT_RE.search(body))


def _struck_styles(zf: zipfile.ZipFile, names: set[str], path: Path) -> frozenset[int]:
    """Return the cell style indexes whose font is struck through (``<strike/>``)."""
    name = "xl/styles.xml"
    if name not in names:
        return frozenset()
    root = SafeET.fromstring(_read_member(zf, name, path), forbid_dtd=True)
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


def _before(pattern: re.Pattern[bytes], xml: _Bytes, cut: int, pos: int = 0) -> Iterator[re.Match[bytes]]:
    """The matches of ``pattern`` in ``xml`` that start before ``cut`` (each sees the whole window)."""
    for m in pattern.finditer(xml, pos):
        if m.start() >= cut:
            return
        yield m


def _at_least(n: int) -> bytes:
    """A regex for the decimal numbers of ``n`` or more."""
    s = str(n)
    parts = [b"[0-9]{%d,}" % (len(s) + 1), s.encode()]
    for i, ch in enumerate(s):
        if ch != "9":
            parts.append(b"%s[%d-9][0-9]{%d}" % (s[:i].encode(), int(ch) + 1, len(s) - i - 1))
    return b"(?:" + b"|".join(parts) + b")"


@functools.lru_cache(maxsize=32)
def _far_patterns(limit: int) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """Return (suspect, far row) for references past row ``limit``.

    ``suspect`` is the one pass every window gets: a reference with two letters (a column past Z)
    or a row past ``limit``. It matches nothing in an ordinary window, so the exact checks run only
    on the window that holds such a reference.
    """
    above = _at_least(limit + 1)
    suspect = re.compile(rb' r="(?:[A-Z]{2}|[A-Z]?+(?=[0-9]{%d})%s)' % (len(str(limit + 1)), above))
    return suspect, re.compile(rb' r="[A-Z]{0,3}(%s)"' % above)


class _SheetScanner:
    """Scan one worksheet streamed in windows: carry + new bytes, cut at the last ``<`` before the overlap.

    A window's matches are taken only when they start before the cut; the rest of the window is
    context (a cell's value after its tag) and comes again, from the cut, at the head of the next
    window, so a tag split across two pieces is seen whole exactly once. Cheap one-byte tests
    (``b"!" in window``) keep the regexes off windows that cannot match.
    """

    def __init__(self, scan: SheetScan, path: Path, struck: frozenset[int]) -> None:
        self.scan, self.path, self.struck = scan, path, struck
        self.rows = 0             # "w" bytes so far: every row tag holds one, so the rows so far <= rows
        self.early = -1           # ``rows`` when it passed MAX_ROWS (-1: not yet)
        self.exact_rows = 0       # rows without a reference after that, counted exactly

    def run(self, chunks: Iterator[bytes]) -> None:
        window = bytearray()      # one buffer: dropping the scanned head and appending reuse its memory
        before = b""              # the last END_BYTES scanned before ``window``
        try:
            for data in chunks:
                window += data
                cut = window.rfind(b"<", 0, len(window) - OVERLAP)
                if cut <= 0:
                    if len(window) > MAX_CARRY:
                        raise _corrupt(self.path)
                    continue
                self.feed(window, cut, final=False)
                if not self.scan.start_xml:
                    self.scan.start_xml = bytes(window[:cut])
                before = bytes(window[max(0, cut - END_BYTES):cut])
                del window[:cut]
        finally:
            getattr(chunks, "close", lambda: None)()    # close the member on a refusal too
        if window:
            self.feed(window, len(window), final=True)
        if not self.scan.start_xml:
            self.scan.start_xml = bytes(window)
        self.scan.end_xml = before + bytes(window)

    def feed(self, xml: _Bytes, cut: int, final: bool) -> None:
        if b"!" in xml and _DTD_RE.search(xml):
            raise _unsafe(self.path)
        self._count_rows(xml, cut)
        limit = min(self.rows + MAX_ROW_GAP, MAX_ROWS)
        limit = limit if limit == MAX_ROWS else limit // 10_000 * 10_000   # few distinct patterns
        # While the sheet is short, "six digits or two letters" is the cheaper test (a short sheet
        # has no six-digit rows); past 100,000 rows the test names the rows past the limit.
        short = self.rows < 100_000 and limit >= 99_999
        if (_SHORT_SUSPECT_RE if short else _far_patterns(limit)[0]).search(xml, 0, cut + 64):
            self._far(xml, cut, final, limit)
        scan = self.scan
        if b"h" in xml and b'hidden="' in xml:
            scan.hidden_rows += [int(m.group(1)) for m in _before(_HIDDEN_ROW_RE, xml, cut)]
        if self.struck:
            scan.struck_cells |= _struck_cells(xml, cut, self.struck, final)
        merge_at = xml.find(b"mergeCell") if b"g" in xml else -1
        if merge_at >= 0:
            scan.merged += [m.group(1).decode() for m in _before(_MERGE_RE, xml, cut, max(merge_at - 10, 0))]
        if (b"f" in xml and b"<f" in xml) or _ERROR_CELL_RE.search(xml, 0, cut + 8):
            self._formulas_and_errors(xml, cut)

    def _far(self, xml: _Bytes, cut: int, final: bool, limit: int) -> None:
        name = self.scan.name
        for m in _before(_CELL_COL_RE, xml, cut):
            if col_to_index(m.group(1).decode()) >= MAX_COLS:
                raise _reject("sheet-too-large", self.path,
                              f"工作表“{name}”在第 {m.group(1).decode()} 列有内容，超出表格范围，拒绝读取。",
                              "请删除表格右侧远处的单元格内容后重新保存。")
        # Only a cell with content counts: an empty formatted cell (K1048576, or formatting applied
        # down to the last row) is no data. Past Excel's last row nothing may be; below the rows the
        # sheet has, a gap of MAX_ROW_GAP empty rows at most (a lone far cell would make the reader
        # fill the gap: a 5 KB file costing what a million rows cost).
        max_row = max((int(m.group(1)) for m in _before(_far_patterns(limit)[1], xml, cut)
                       if int(m.group(1)) > min(self.rows + MAX_ROW_GAP, MAX_ROWS)
                       and _has_content(xml, m.start(), final)), default=0)
        hint = "请删除表格下方远处的单元格内容后重新保存。"
        if max_row > MAX_ROWS:
            raise _reject("sheet-too-large", self.path,
                          f"工作表“{name}”有内容直到第 {max_row} 行，超过 {MAX_ROWS} 行的上限，拒绝读取。", hint)
        if max_row:
            raise _reject("sheet-too-large", self.path,
                          f"工作表“{name}”第 {max_row} 行有内容，远在表格下方（中间是大片空行），拒绝读取。", hint)

    def _count_rows(self, xml: _Bytes, cut: int) -> None:
        """Refuse more than MAX_ROWS rows numbered only by their position (no ``r=``).

        Every row tag holds a "w", so while the sheet has fewer "w" bytes than the limit nothing is
        counted. Past that, rows without a reference are counted exactly; the rows before are
        bounded by their "w" bytes, so a sheet is refused only when that bound plus the exact count
        passes the limit (a sheet whose later rows all have references passes).
        """
        w = xml.count(b"w", 0, cut)
        self.rows += w
        if self.early < 0:
            if self.rows <= MAX_ROWS:
                return
            self.early = self.rows - w
        if xml.count(b":row", 0, cut) or xml.count(b"<row", 0, cut) != xml.count(b'<row r="', 0, cut):
            self.exact_rows += len(_ROW_WITHOUT_REF_RE.findall(xml, 0, cut))
        if self.exact_rows and self.early + self.exact_rows > MAX_ROWS:
            raise _reject("sheet-too-large", self.path, f"工作表“{self.scan.name}”行数超过上限，拒绝读取。")

    def _formulas_and_errors(self, xml: _Bytes, cut: int) -> None:
        for m in _before(_CELL_REF_RE, xml, cut):
            tag = m.group(0)
            ref = (int(m.group(2)), m.group(1).decode())
            after = xml[m.end():m.end() + 4]
            if after.startswith(b"<f") and after[2:3] in (b">", b" ", b"/"):
                self.scan.formula_cells.add(ref)
            if b't="e"' in tag:
                self.scan.error_cells.add(ref)


def _struck_cells(xml: _Bytes, cut: int, struck: frozenset[int], final: bool = True) -> set[tuple[int, str]]:
    """Return the (row, column letters) of the cells with content whose style is struck through."""
    out = set()
    for m in _before(_STYLED_CELL_RE, xml, cut):
        if int(m.group(3)) in struck and not m.group(4) and _has_content(xml, m.start(1) - 3, final):
            out.add((int(m.group(2)), m.group(1).decode()))
    return out
