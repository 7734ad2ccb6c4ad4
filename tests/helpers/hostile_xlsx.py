"""Builders of hostile or broken .xlsx files for the reader tests (made at test time, not stored)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import Workbook

BOMB_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">' for i in range(1, 10))
    + "]>\n"
)


def base_workbook(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "附件5"
    ws.append(["序号", "姓名"])
    ws.append([1, "x"])
    wb.save(path)
    return path


def rewrite_member(src: Path, dst: Path, member: str, transform) -> Path:
    """Copy the zip ``src`` to ``dst`` with ``member`` replaced by ``transform(old_bytes)``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == member:
                data = transform(data)
            zout.writestr(info.filename, data)
    return dst


def xml_bomb(tmp: Path) -> Path:
    src = base_workbook(tmp / "src.xlsx")

    def inject(data: bytes) -> bytes:
        body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
        return BOMB_DTD.encode() + body.replace(b"<sheetData>", b"<sheetData><!-- &lol9; -->", 1)

    return rewrite_member(src, tmp / "xmlbomb.xlsx", "xl/worksheets/sheet1.xml", inject)


def shared_strings_bomb(tmp: Path, megabytes: int = 40) -> Path:
    src = base_workbook(tmp / "src.xlsx")
    big = b"A" * (megabytes * 1_000_000)
    out = tmp / "sstbomb.xlsx"
    rewrite_member(src, out, "", lambda d: d)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/'
                   b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>' + big + b"</t></si></sst>")
    return out


def far_cell(tmp: Path) -> Path:
    src = base_workbook(tmp / "src.xlsx")

    def add(data: bytes) -> bytes:
        return data.replace(b"</sheetData>",
                            b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')

    return rewrite_member(src, tmp / "farcell.xlsx", "xl/worksheets/sheet1.xml", add)


def far_column(tmp: Path) -> Path:
    src = base_workbook(tmp / "src.xlsx")

    def add(data: bytes) -> bytes:
        return data.replace(b'<c r="B2"', b'<c r="XFD2" t="inlineStr"><is><t>x</t></is></c><c r="B2"')

    return rewrite_member(src, tmp / "farcol.xlsx", "xl/worksheets/sheet1.xml", add)


def truncated(tmp: Path) -> Path:
    src = base_workbook(tmp / "src.xlsx")
    data = src.read_bytes()
    out = tmp / "truncated.xlsx"
    out.write_bytes(data[: len(data) // 2])
    return out


def csv_renamed(tmp: Path) -> Path:
    out = tmp / "roster-csv.xlsx"
    out.write_text("序号,姓名,身份证号\n1,张三,11010519491231002X\n", encoding="utf-8")
    return out


def ole_file(tmp: Path) -> Path:
    """The OLE header that both .xls files and password-protected .xlsx files start with."""
    out = tmp / "protected.xlsx"
    out.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    return out


def empty_file(tmp: Path) -> Path:
    out = tmp / "empty.xlsx"
    out.write_bytes(b"")
    return out


def docx_renamed(tmp: Path) -> Path:
    out = tmp / "word.xlsx"
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out


HOSTILE = {
    "xlsx-unsafe-xml": xml_bomb,
    "xlsx-bomb": shared_strings_bomb,
    "sheet-too-large": far_cell,
    "sheet-too-large-col": far_column,
    "xlsx-corrupt": truncated,
    "not-xlsx": csv_renamed,
    "xls-or-encrypted": ole_file,
    "file-empty": empty_file,
    "not-xlsx-docx": docx_renamed,
}
