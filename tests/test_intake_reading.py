"""One reading of the file: what intake reads is what the seals cover, parsed without repairs, and
every place that can run or open something is walked by (number, generation), with no silent cap.

Each attack is built here on a real package sealed with pyHanko (a throwaway certificate)."""

from __future__ import annotations

import io
import re

from helpers.intake import built_package, errors, manifest_of, run, sign, signed_fixture, signer_fixture  # noqa: F401
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from lingong_docs.util.pdfsafety import MAX_NODES, check_bytes


def test_the_sealed_package_is_accepted_as_a_reference(tmp_path, signed):
    r = run(tmp_path, signed)
    assert r.accepted, errors(r)
    assert {"pdf-trailing-data", "pdf-outside-xref", "active-content", "annotation-file"}.isdisjoint(
        {f.code for f in r.findings})


# ---- bytes outside the seals ----------------------------------------------------------------

def test_plain_bytes_after_the_last_eof_are_refused(tmp_path, signed):
    r = run(tmp_path, signed + b"\n<< /Forged (after the last seal) >>\n")
    assert "pdf-trailing-data" in errors(r) and not r.accepted


def test_objects_after_the_last_seal_that_form_no_revision_are_refused(tmp_path, signed):
    # an object and an end marker, but no xref section of its own: no revision, only loose bytes
    r = run(tmp_path, signed + b"999 0 obj\n(loose)\nendobj\nstartxref\n%d\n%%%%EOF\n" % _last_startxref(signed))
    assert "pdf-trailing-data" in errors(r) and not r.accepted


def _last_startxref(data: bytes) -> int:
    return int(re.findall(rb"startxref\s+(\d+)", data)[-1])


def _manifest_spec_ref(data: bytes) -> tuple[int, int]:
    """Return (position of the object number in ``/EF << /F K 0 R``, K) of the manifest's file spec."""
    i = data.find(b"/F (manifest\\056json)")
    assert i > 0
    start = data.rfind(b" obj", 0, i)
    m = re.compile(rb"/EF\s*<<\s*/F\s+(\d+)\s+0\s+R").search(data, start)
    assert m is not None
    return m.start(1), int(m.group(1))


def _orphaned_manifest(data: bytes) -> tuple[bytes, int]:
    """The package whose manifest entry points at ``K 1 R``: an object no xref holds."""
    pos, number = _manifest_spec_ref(data)
    end = data.index(b"R", pos)
    return data[:pos] + data[pos:end].replace(b" 0 ", b" 1 ") + data[end:], number


def _stream(number: int, generation: int, body: bytes) -> bytes:
    return (b"%d %d obj\n<< /Type /EmbeddedFile /Length %d /Params << /Size %d >> >>\nstream\n%s\nendstream\nendobj\n"
            % (number, generation, len(body), len(body), body))


def test_a_manifest_reachable_only_from_bytes_after_the_last_seal_is_not_used(tmp_path, signer):
    forged_manifest = manifest_of(built_package())
    forged_manifest["applicant"]["name"] = "附加字节里的申请单位"
    body = __import__("json").dumps(forged_manifest, ensure_ascii=False).encode()
    orphan, number = _orphaned_manifest(built_package())
    sealed = sign(orphan, signer)
    end = b"startxref\n%d\n%%%%EOF\n" % _last_startxref(sealed)        # ends like a file, adds no revision
    r = run(tmp_path, sealed + b"\n" + _stream(number, 1, body) + end)
    found = errors(r)
    assert {"pdf-outside-xref", "pdf-trailing-data"} <= found and not r.accepted
    assert "附加字节里的申请单位" not in " ".join(f.message for f in r.findings)
    assert f"{number} 1 R" in next(f.message for f in r.findings if f.code == "pdf-outside-xref")


def test_a_decoy_in_a_comment_inside_the_sealed_bytes_is_not_used(tmp_path, signer):
    # the decoy sits in a comment before the seals' revisions: covered, but no xref holds it
    orphan, number = _orphaned_manifest(built_package())
    decoy = b"".join(b"% " + line + b"\n" for line in _stream(number, 1, b"{}").splitlines())
    sealed = sign(orphan + decoy, signer)
    r = run(tmp_path, sealed)
    assert "pdf-outside-xref" in errors(r) and "pdf-trailing-data" not in errors(r) and not r.accepted


# ---- the active-content walk ----------------------------------------------------------------

def _raw_pdf(objects: list[tuple[int, int, bytes]], root: int = 1, extra: bytes = b"") -> bytes:
    """A PDF from (number, generation, body) objects with a correct xref table (one subsection
    per object); ``extra`` goes between the objects and the xref (comments, say)."""
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, gen, body in objects:
        offsets.append((number, gen, len(out)))
        out += b"%d %d obj\n%s\nendobj\n" % (number, gen, body)
    out += extra
    xref = len(out)
    size = max(n for n, _, _ in objects) + 1
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for number, gen, offset in sorted(offsets):
        out += b"%d 1\n%010d %05d n \n" % (number, offset, gen)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


def _generation_trick() -> bytes:
    """/OpenAction 5 0 R (no such entry: a decoy in a comment answers a repairing reader) while
    page 1's /AA /O is 5 1 R, a real entry holding JavaScript."""
    return _raw_pdf([
        (1, 0, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>"),
        (2, 0, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, 0, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /AA << /O 5 1 R >> >>"),
        (5, 1, b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"),
    ], extra=b"% 5 0 obj << /S /GoTo /D [3 0 R /Fit] >> endobj\n")


def test_objects_are_known_by_number_and_generation():
    found = check_bytes(_generation_trick())
    assert "page1:AA/O:JavaScript" in found.active
    assert any(d.endswith("5 0 R") for d in found.dangling)


def _chain(length: int, last: DictionaryObject) -> bytes:
    w = PdfWriter()
    w.add_blank_page(200, 200)
    action = w._add_object(last)
    for _ in range(length):
        action = w._add_object(DictionaryObject({NameObject("/S"): NameObject("/GoTo"),
                                                 NameObject("/D"): ArrayObject([NumberObject(0), NameObject("/Fit")]),
                                                 NameObject("/Next"): action}))
    w._root_object[NameObject("/OpenAction")] = action
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _js() -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("x")})


def test_javascript_after_sixty_goto_actions_is_found():
    assert check_bytes(_chain(60, _js())).active == ["OpenAction:JavaScript"]


def test_a_chain_longer_than_the_walk_may_go_is_a_finding_not_silence(monkeypatch):
    import lingong_docs.util.pdfsafety as ps

    monkeypatch.setattr(ps, "MAX_NODES", 100)         # the bound, made small to keep the test quick
    found = check_bytes(_chain(150, _js()))
    assert found.truncated and "nodes" in found.bounds and MAX_NODES > 100


def _attached(inner: bytes) -> bytes:
    """A one-page PDF with ``inner`` attached to a FileAttachment annotation."""
    w = PdfWriter()
    w.add_blank_page(200, 200)
    from pypdf.generic import StreamObject

    stream = StreamObject()
    stream.set_data(inner)
    stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
    spec = DictionaryObject({NameObject("/Type"): NameObject("/Filespec"), NameObject("/F"): TextStringObject("a.pdf"),
                             NameObject("/EF"): DictionaryObject({NameObject("/F"): w._add_object(stream)})})
    annot = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/FileAttachment"),
                              NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4), NameObject("/FS"): w._add_object(spec)})
    w.pages[0][NameObject("/Annots")] = ArrayObject([w._add_object(annot)])
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _scripted() -> bytes:
    w = PdfWriter()
    w.add_blank_page(200, 200)
    w._root_object[NameObject("/OpenAction")] = _js()
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_a_scripted_pdf_attached_to_an_annotation_is_found_to_depth():
    found = check_bytes(_attached(_scripted()))
    assert found.active == ["page1:FileAttachment:OpenAction:JavaScript"]
    assert found.attached == ["page1:FileAttachment"]
    deeper = check_bytes(_attached(_attached(_attached(_scripted()))))
    assert deeper.active == ["page1:FileAttachment:page1:FileAttachment:page1:FileAttachment:OpenAction:JavaScript"]
    too_deep = check_bytes(_attached(_attached(_attached(_attached(_scripted())))))
    assert too_deep.truncated and any(b.endswith("embedded-depth") for b in too_deep.bounds)


def test_validate_refuses_evidence_with_an_attached_script_or_the_generation_trick(tmp_path):
    from helpers.apps import fill, make_app, table_path
    from helpers.intake import roster_row

    import lingong_docs as lg

    folder = make_app(tmp_path / "app")
    fill(table_path(folder, "roster"), "roster", [roster_row(i) for i in range(3)])
    (folder / "支付凭证").mkdir(exist_ok=True)
    (folder / "支付凭证" / "0001 银行回单.pdf").write_bytes(_attached(_scripted()))
    (folder / "支付凭证" / "0002 银行回单.pdf").write_bytes(_generation_trick())
    (folder / "支付凭证" / "0003 银行回单.pdf").write_bytes(_attached(b"%PDF-1.4 not really"))
    found = sorted((f.code, f.severity, f.file) for f in lg.validate(folder).findings if f.code == "evidence-active-content")
    assert [(c, s) for c, s, _ in found] == [("evidence-active-content", "error")] * 2
    assert all("0003" not in str(file) for _, _, file in found)


def test_a_scripted_pdf_attached_to_the_cover_is_refused(tmp_path, signer):
    from pypdf import PdfReader
    from pypdf.generic import StreamObject

    w = PdfWriter(clone_from=PdfReader(io.BytesIO(built_package())))
    stream = StreamObject()
    stream.set_data(_scripted())
    spec = DictionaryObject({NameObject("/Type"): NameObject("/Filespec"), NameObject("/F"): TextStringObject("说明.pdf"),
                             NameObject("/EF"): DictionaryObject({NameObject("/F"): w._add_object(stream)})})
    annot = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/FileAttachment"),
                              NameObject("/Rect"): ArrayObject([NumberObject(v) for v in (10, 10, 30, 30)]),
                              NameObject("/FS"): w._add_object(spec)})
    cover = w.pages[0]
    annots = cover.get("/Annots")
    if annots is None:
        cover[NameObject("/Annots")] = annots = ArrayObject()
    annots.get_object().append(w._add_object(annot))
    out = io.BytesIO()
    w.write(out)
    r = run(tmp_path, sign(out.getvalue(), signer))
    assert {"active-content", "annotation-file"} <= errors(r) and not r.accepted
    assert "FileAttachment:OpenAction:JavaScript" in next(f.message for f in r.findings if f.code == "active-content")
