"""The private internals of third-party libraries the product relies on, checked against the pinned versions.

Each one lives in a single small function (lingong_docs/util/pdfobjects.py, render/tables.py
``_set_default_font``, intake/scan/reading.py ``XrefReader``) because the library has no public
way to do it. If a new version (constraints.txt) moves one, a test here fails naming it.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

import openpyxl
import pypdf
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

from lingong_docs.util.pdfobjects import add_object, encoded_stream, replace_object

PINNED = {line.split("==")[0].lower(): line.split("==")[1].strip()
          for line in (__import__("pathlib").Path(__file__).resolve().parents[1] / "constraints.txt")
          .read_text(encoding="utf-8").splitlines() if "==" in line and not line.startswith("#")}


def _written(writer: PdfWriter) -> PdfReader:
    out = io.BytesIO()
    writer.write(out)
    return PdfReader(io.BytesIO(out.getvalue()))


def test_the_installed_versions_are_the_pinned_ones():
    """The internals below were checked against these versions; moving one means re-checking them."""
    assert pypdf.__version__ == PINNED["pypdf"], "pypdf moved: re-check lingong_docs/util/pdfobjects.py"
    assert openpyxl.__version__ == PINNED["openpyxl"], "openpyxl moved: re-check render/tables.py _set_default_font"


def test_pypdf_add_object_gives_a_reference_the_written_file_resolves():
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    ref = add_object(writer, DictionaryObject({NameObject("/LgProbe"): NumberObject(7)}))
    assert ref.pdf is writer and ref.get_object()["/LgProbe"] == 7
    writer.root_object[NameObject("/LgProbe")] = ref
    assert _written(writer).trailer["/Root"]["/LgProbe"]["/LgProbe"] == 7


def test_pypdf_replace_object_puts_the_new_object_behind_the_old_reference():
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    old = DecodedStreamObject()
    old.set_data(b"plain " * 100)
    ref = add_object(writer, old)
    writer.root_object[NameObject("/LgProbe")] = ref
    packed = old.flate_encode(level=9)
    replace_object(writer, ref, packed)
    assert writer.get_object(ref) is packed and packed.indirect_reference == ref
    stream = _written(writer).trailer["/Root"]["/LgProbe"].get_object()
    assert stream["/Filter"] == "/FlateDecode" and stream.get_data() == b"plain " * 100


def test_pypdf_encoded_stream_is_written_as_given():
    data = zlib.compress(b"q Q\n" * 50)
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.root_object[NameObject("/LgProbe")] = add_object(writer, encoded_stream(data, "/FlateDecode"))
    stream = _written(writer).trailer["/Root"]["/LgProbe"].get_object()
    assert stream._data == data and stream.get_data() == b"q Q\n" * 50   # the bytes as given, not re-encoded


def test_pypdf_reader_still_calls_the_repair_hook_xref_reader_overrides():
    """``XrefReader`` records a rebuilt xref table by overriding pypdf's private ``_rebuild_xref_table``."""
    from lingong_docs.intake.scan.reading import XrefReader

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    out = io.BytesIO()
    writer.write(out)
    good = out.getvalue()
    bad = re.sub(rb"startxref\s+(\d+)", lambda m: b"startxref\n%d" % (int(m.group(1)) + 7), good)
    assert not XrefReader(io.BytesIO(good)).rebuilt
    assert XrefReader(io.BytesIO(bad)).rebuilt, \
        "pypdf no longer calls PdfReader._rebuild_xref_table: intake/scan/reading.py XrefReader misses repairs"


def test_openpyxl_default_font_is_the_one_set_privately():
    from lingong_docs.render.tables import DEFAULT_FONT_PRINT, _set_default_font

    wb = openpyxl.Workbook()
    _set_default_font(wb)
    out = io.BytesIO()
    wb.save(out)
    styles = zipfile.ZipFile(out).read("xl/styles.xml").decode()
    fonts = styles.split("<fonts", 1)[1].split("</fonts>", 1)[0]
    assert fonts.count("<font>") + fonts.count("<font ") == 1, "openpyxl: font 0 is no longer the workbook's only font"
    assert f'val="{DEFAULT_FONT_PRINT.name}"' in fonts, "openpyxl: _fonts no longer sets the default font"


def test_asn1crypto_names_an_algorithm_through_its_public_map():
    from lingong_docs.intake.sm2 import algorithm_name

    assert algorithm_name("1.2.840.113549.1.1.11") == "sha256_rsa（1.2.840.113549.1.1.11）"
    assert algorithm_name("1.2.3.4.5") == "未知算法（1.2.3.4.5）"
