"""The reader's guard streams every member in pieces: nothing is lost or gained at a piece boundary.

``reader/guard.py`` scans each sheet in windows (carry + new bytes, cut at the last ``<`` before an
overlap). These tests cut real sheets at every byte, and in 64-byte pieces, and require the same
scan as one whole piece; hostile sheets are refused with the same code wherever they are cut; a
zip header that under-declares a member is refused as a bomb after one piece; the guard's memory
does not grow with the sheet.
"""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from helpers.hostile_xlsx import base_workbook, rewrite_member
from openpyxl import Workbook
from openpyxl.styles import Font

from lingong_docs.core.errors import ReadError
from lingong_docs.reader import guard
from lingong_docs.reader.guard import SheetScan, scan_workbook

SHEET = "xl/worksheets/sheet1.xml"
FAR_CELL = b'<row r="1048577"><c r="K1048577" t="inlineStr"><is><t>x</t></is></c></row>'


def _features(tmp: Path) -> Path:
    """A roster-like sheet with one of each thing the guard reports."""
    wb = Workbook()
    ws = wb.active
    ws.title = "附件5"
    for i in range(1, 40):
        ws.append([i, f"姓名{i}", "x" * (i % 7 + 1), f"备注{i}"])
    ws["E3"] = "=A3+1"
    ws["E5"] = "#N/A"
    ws.row_dimensions[7].hidden = True
    ws.row_dimensions[31].hidden = True
    ws.merge_cells("B24:B25")
    ws["C10"].font = Font(strike=True)
    ws["C12"].font = Font(strike=True)
    ws["C12"] = None                       # struck but empty: not reported
    out = tmp / "features.xlsx"
    wb.save(out)
    return out


def _summary(scan: SheetScan) -> tuple:
    return (sorted(scan.formula_cells), sorted(scan.error_cells), scan.hidden_rows, scan.merged,
            sorted(scan.struck_cells))


def _scan_pieces(path: Path, pieces: list[bytes], struck: frozenset[int]) -> tuple:
    scan = SheetScan(name="附件5", path=SHEET, state="visible")
    guard._SheetScanner(scan, path, struck).run(iter(pieces))
    return _summary(scan)


def _sheet_and_struck(path: Path) -> tuple[bytes, frozenset[int]]:
    with zipfile.ZipFile(path) as zf:
        return zf.read(SHEET), guard._struck_styles(zf, set(zf.namelist()), path)


@pytest.fixture
def small_windows(monkeypatch):
    """Windows of a few hundred bytes, so a small sheet is cut many times."""
    monkeypatch.setattr(guard, "OVERLAP", 256)
    monkeypatch.setattr(guard, "CHUNK", 64)


def test_the_features_are_found(tmp_path: Path):
    scan = scan_workbook(_features(tmp_path)).sheets[0]
    assert _summary(scan) == ([(3, "E")], [(5, "E")], [7, 31], ["B24:B25"], [(10, "C")])


def _cuts_change_nothing(tmp: Path, monkeypatch, step: int) -> None:
    path = _features(tmp)
    xml, struck = _sheet_and_struck(path)
    whole = _scan_pieces(path, [xml], struck)
    assert whole == ([(3, "E")], [(5, "E")], [7, 31], ["B24:B25"], [(10, "C")])
    windows = []
    feed = guard._SheetScanner.feed
    monkeypatch.setattr(guard._SheetScanner, "feed", lambda self, x, cut, final: (windows.append(final),
                                                                                   feed(self, x, cut, final)))
    for k in range(1, len(xml), step):
        assert _scan_pieces(path, [xml[:k], xml[k:]], struck) == whole, f"cut at byte {k}"
    assert windows.count(False) > len(xml) // step  # the sheet really was scanned in several windows
    for size in (64, 100, 257):
        assert _scan_pieces(path, [xml[i:i + size] for i in range(0, len(xml), size)], struck) == whole


def test_cuts_across_the_sheet_change_nothing(tmp_path: Path, small_windows, monkeypatch):
    _cuts_change_nothing(tmp_path, monkeypatch, step=13)


@pytest.mark.slow
def test_a_cut_at_every_byte_changes_nothing(tmp_path: Path, small_windows, monkeypatch):
    _cuts_change_nothing(tmp_path, monkeypatch, step=1)


def test_tiny_chunks_through_the_zip_give_the_same_scan(tmp_path: Path, monkeypatch):
    path = _features(tmp_path)
    whole = scan_workbook(path)
    monkeypatch.setattr(guard, "OVERLAP", 256)
    monkeypatch.setattr(guard, "CHUNK", 64)
    assert scan_workbook(path) == whole


def _with_sheet(tmp: Path, name: str, change) -> Path:
    return rewrite_member(base_workbook(tmp / "src.xlsx"), tmp / name, SHEET, change)


@pytest.mark.parametrize(("name", "change", "code", "words"), [
    ("far-row", lambda d: d.replace(b"</sheetData>", FAR_CELL + b"</sheetData>"), "sheet-too-large", "1048577"),
    ("far-column", lambda d: d.replace(b'<c r="B2"', b'<c r="BI2" t="inlineStr"><is><t>x</t></is></c><c r="B2"'),
     "sheet-too-large", "BI"),
    ("doctype", lambda d: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + d.split(b"?>")[-1],
     "xlsx-unsafe-xml", "实体"),
    ("entity-late", lambda d: d.replace(b"</sheetData>", b"</sheetData>" + b" " * 3000 + b'<!ENTITY a "b">'),
     "xlsx-unsafe-xml", "实体"),
])
def test_hostile_sheets_are_refused_wherever_they_are_cut(tmp_path: Path, small_windows, name, change, code, words):
    path = _with_sheet(tmp_path, f"{name}.xlsx", change)
    with pytest.raises(ReadError) as info:
        scan_workbook(path)
    assert info.value.code == code and words in info.value.message
    xml, struck = _sheet_and_struck(path)
    for k in range(1, len(xml)):
        with pytest.raises(ReadError) as info:
            _scan_pieces(path, [xml[:k], xml[k:]], struck)
        assert info.value.code == code, f"cut at byte {k}"


def test_content_at_excels_last_row_is_allowed_below_a_full_sheet(tmp_path: Path, monkeypatch):
    """Rows up to 1,048,576 are allowed when the rows above are there; a lone far cell is not."""
    monkeypatch.setattr(guard, "MAX_ROW_GAP", 1_000)
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(3, 1_500))

    def sheet(tail: bytes):
        return lambda d: d.replace(b"</sheetData>", rows + tail + b"</sheetData>")

    near = b'<row r="2400"><c r="K2400" t="inlineStr"><is><t>x</t></is></c></row>'
    far = b'<row r="9000"><c r="K9000" t="inlineStr"><is><t>x</t></is></c></row>'
    empty_far = b'<row r="9000"><c r="K9000" s="1"/></row>'
    assert scan_workbook(_with_sheet(tmp_path, "near.xlsx", sheet(near))).sheets[0].name == "附件5"
    assert scan_workbook(_with_sheet(tmp_path, "empty.xlsx", sheet(empty_far))).sheets[0].name == "附件5"
    with pytest.raises(ReadError) as info:
        scan_workbook(_with_sheet(tmp_path, "far.xlsx", sheet(far)))
    assert info.value.code == "sheet-too-large" and "第 9000 行有内容" in info.value.message


def test_rows_without_references_past_the_limit_are_refused(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(guard, "MAX_ROWS", 3_000)
    monkeypatch.setattr(guard, "CHUNK", 4096)
    monkeypatch.setattr(guard, "OVERLAP", 1024)

    def rows(n: int):
        body = b"".join(b"<row><c><v>%d</v></c></row>" % i for i in range(n))
        return lambda d: d.replace(b"</sheetData>", body + b"</sheetData>")

    # Up to half the limit nothing is counted ("w" bytes bound the rows); past it, rows without a
    # number are counted and the rows before are taken at their bound: conservative, never lax.
    assert scan_workbook(_with_sheet(tmp_path, "ok.xlsx", rows(1_400))).sheets[0].name == "附件5"
    with pytest.raises(ReadError) as info:
        scan_workbook(_with_sheet(tmp_path, "many.xlsx", rows(3_001)))
    assert info.value.code == "sheet-too-large" and "行数超过上限" in info.value.message


def test_rows_with_references_are_not_counted_as_positional(tmp_path: Path, monkeypatch):
    """Past the 'w' bound the count is exact: rows that carry r= do not add up to a refusal."""
    monkeypatch.setattr(guard, "MAX_ROWS", 3_000)
    monkeypatch.setattr(guard, "MAX_ROW_GAP", 10_000)
    monkeypatch.setattr(guard, "CHUNK", 4096)
    monkeypatch.setattr(guard, "OVERLAP", 1024)
    body = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(3, 2_900))
    path = _with_sheet(tmp_path, "refs.xlsx", lambda d: d.replace(b"</sheetData>", body + b"</sheetData>"))
    assert scan_workbook(path).sheets[0].name == "附件5"


def _lying_header(tmp: Path, garbage_tail: bool) -> Path:
    """sheet1.xml really inflates to 20 MB; its zip header says it is as small as the real sheet."""
    src = base_workbook(tmp / "src.xlsx")
    with zipfile.ZipFile(src) as zf:
        small = zf.read(SHEET)
    big = small.replace(b"</sheetData>", b"</sheetData>" + b" " * 20_000_000)
    out = rewrite_member(src, tmp / "liar.xlsx", SHEET, lambda d: big)
    data = bytearray(out.read_bytes())
    with zipfile.ZipFile(out) as zf:
        info = zf.getinfo(SHEET)
        central = zf.start_dir
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    if garbage_tail:          # whoever reads past the first megabytes finds a broken stream
        end = start + info.compress_size
        data[end - 4000:end - 100] = b"\xff" * 3900
    struct.pack_into("<I", data, info.header_offset + 22, len(small))            # local header
    while data[central + 46:central + 46 + len(SHEET)] != SHEET.encode():
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, central + 28)
        central += 46 + name_len + extra_len + comment_len
    struct.pack_into("<I", data, central + 24, len(small))                       # central directory
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("garbage_tail", [False, True])
def test_a_lying_zip_header_is_a_bomb_found_after_one_piece(tmp_path: Path, garbage_tail: bool):
    path = _lying_header(tmp_path, garbage_tail)
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo(SHEET).file_size < 2_000          # the header does lie
    tracemalloc.start()
    try:
        with pytest.raises(ReadError) as info:
            scan_workbook(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # With the broken tail, reading the member to its end would fail as xlsx-corrupt: the bomb is
    # refused from the first piece, long before the data the header hid.
    assert info.value.code == "xlsx-bomb"
    assert peak < 8_000_000


def test_a_stored_member_longer_than_its_header_is_a_bomb(tmp_path: Path):
    """An uncompressed (stored) member whose data runs past the size its header declares."""
    src = base_workbook(tmp_path / "src.xlsx")
    out = tmp_path / "stored-liar.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, data + b" " * 3_000_000 if info.filename == SHEET else data)
    data = bytearray(out.read_bytes())
    with zipfile.ZipFile(out) as zf:
        info, central = zf.getinfo(SHEET), zf.start_dir
    while data[central + 46:central + 46 + len(SHEET)] != SHEET.encode():
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, central + 28)
        central += 46 + name_len + extra_len + comment_len
    struct.pack_into("<I", data, central + 24, 1_500)           # says 1.5 KB; 3 MB follow
    out.write_bytes(bytes(data))
    with pytest.raises(ReadError) as info_:
        scan_workbook(out)
    assert info_.value.code == "xlsx-bomb"


def test_a_part_parsed_whole_is_bounded(tmp_path: Path, monkeypatch):
    """workbook.xml, its relationships and styles.xml are parsed whole: each has its own size limit."""
    path = _features(tmp_path)
    assert scan_workbook(path).sheets[0].name == "附件5"
    with zipfile.ZipFile(path) as zf:
        styles = zf.getinfo("xl/styles.xml").file_size
    monkeypatch.setattr(guard, "MAX_PARSED_PART", styles - 1)
    with pytest.raises(ReadError) as info:
        scan_workbook(path)
    assert info.value.code == "xlsx-bomb"


def test_an_entity_declaration_deep_in_any_member_is_refused(tmp_path: Path, monkeypatch):
    """Not only the first 64 KB: a .vml or .rels member is read to its end, also in 64-byte pieces."""
    monkeypatch.setattr(guard, "CHUNK", 64)
    src = base_workbook(tmp_path / "src.xlsx")
    for member in ("xl/drawings/vmlDrawing1.vml", "docProps/custom.xml"):
        for offset in range(200_000, 200_064, 7):
            out = tmp_path / "deep.xlsx"
            rewrite_member(src, out, "", lambda d: d)
            with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z:
                z.writestr(member, b"<xml>" + b"<!-- padding -->" * (offset // 16) + b'<!ENTITY x "y"></xml>')
            with pytest.raises(ReadError) as info:
                scan_workbook(out)
            assert info.value.code == "xlsx-unsafe-xml", (member, offset)


def test_the_guard_memory_does_not_grow_with_the_sheet(tmp_path: Path, monkeypatch):
    """A 12 MB sheet read in 256 KB pieces costs about 1 MB: the pieces in flight, a window, its carry."""
    monkeypatch.setattr(guard, "CHUNK", 1 << 18)
    monkeypatch.setattr(guard, "OVERLAP", 1 << 14)
    row = (b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>&#36213;&#26480;&#26126;</t></is></c>'
           b'<c r="B%d"><v>%d</v></c><c r="C%d" t="inlineStr"><is><t>410102199307301672</t></is></c></row>')
    body = b"".join(row % (i, i, i, i * 7919 % 100_003, i) for i in range(1, 80_000))
    path = _with_sheet(tmp_path, "big.xlsx", lambda d: d.replace(b"</sheetData>", body + b"</sheetData>"))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo(SHEET).file_size > 12_000_000
    tracemalloc.start()
    try:
        scan = scan_workbook(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert scan.sheets[0].name == "附件5" and not scan.sheets[0].formula_cells
    assert peak < 3_000_000, f"guard peak {peak / 1e6:.1f} MB"


def test_the_limits_say_what_docs_security_says(repo_root: Path):
    """MAX_ROWS is Excel's last row; the member limit is that many rows of ROW_BYTES each."""
    assert guard.MAX_ROWS == 1_048_576
    assert guard.MAX_MEMBER_UNCOMPRESSED == guard.MAX_ROWS * guard.ROW_BYTES
    text = (repo_root / "docs" / "security.md").read_text(encoding="utf-8")
    for figure in ("1,048,576", f"{guard.ROW_BYTES:,}", f"{guard.MAX_RATIO}", f"{guard.MAX_ROW_GAP:,}"):
        assert figure in text, figure
