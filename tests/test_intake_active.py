"""No script gets through: every place a PDF can carry an action, in the package, in PDFs embedded
in it, in a later revision, and in the operator's own evidence PDFs (validate refuses them)."""

from __future__ import annotations

import io

import pytest
from helpers.intake import RECEIVED, attachments, manifest_of, rewrite
from helpers.pdf import blank_pdf
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from lingong_docs.intake.service import intake
from lingong_docs.util.pdfsafety import check_bytes


def _js(code: str = "app.alert(1)") -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)})


def _pdf(edit=None, pages: int = 1) -> bytes:
    return blank_pdf(pages, size=(200, 200), edit=edit)


def _link(w: PdfWriter, action: DictionaryObject, page: int = 0) -> None:
    annot = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
                              NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4), NameObject("/A"): action})
    p = w.pages[page]
    annots = p.get("/Annots")
    if annots is None:
        p[NameObject("/Annots")] = annots = ArrayObject()
    annots.append(w._add_object(annot))


def _action(kind: str, **extra) -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject(kind),
                             **{NameObject(f"/{k}"): TextStringObject(v) for k, v in extra.items()}})


def test_javascript_on_the_501st_annotation_of_a_page():
    def edit(w):
        for _ in range(500):
            _link(w, _action("/GoTo"))
        _link(w, _js())

    assert check_bytes(_pdf(edit)).active == ["page1:annotation:JavaScript"]


def _form(w: PdfWriter, field: DictionaryObject) -> None:
    ref = w._add_object(field)
    w._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([ref])})


def test_javascript_in_a_parent_field_and_in_a_hidden_calculated_field():
    def parent_aa(w):
        parent = DictionaryObject({NameObject("/T"): TextStringObject("p"),
                                   NameObject("/AA"): DictionaryObject({NameObject("/K"): _js()})})
        parent_ref = w._add_object(parent)
        widget = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
                                   NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
                                   NameObject("/Parent"): parent_ref})
        widget_ref = w._add_object(widget)
        parent[NameObject("/Kids")] = ArrayObject([widget_ref])
        w.pages[0][NameObject("/Annots")] = ArrayObject([widget_ref])
        w._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([parent_ref])})

    assert any(a.endswith("AA/K:JavaScript") for a in check_bytes(_pdf(parent_aa)).active)

    def hidden(w):   # a field on no page at all, run by the form's calculation order (/CO)
        _form(w, DictionaryObject({NameObject("/T"): TextStringObject("h"),
                                   NameObject("/AA"): DictionaryObject({NameObject("/C"): _js()})}))

    assert check_bytes(_pdf(hidden)).active == ["field:AA/C:JavaScript"]


@pytest.mark.parametrize(("kind", "extra"), [("/Launch", {"F": "calc.exe"}), ("/GoToR", {"F": "//share/x.pdf"}),
                                             ("/GoToE", {}), ("/SubmitForm", {"F": "http://x/"}),
                                             ("/ImportData", {"F": "x.fdf"})])
def test_actions_that_leave_the_document_are_active(kind, extra):
    assert check_bytes(_pdf(lambda w: _link(w, _action(kind, **extra)))).active == [
        f"page1:annotation:{kind.lstrip('/')}"]


def test_document_level_places_and_web_links():
    def everywhere(w):
        w._root_object[NameObject("/OpenAction")] = _js()
        w._root_object[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): _js()})
        w.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action("/Launch", F="x")})
        _link(w, _action("/URI", URI="http://example.invalid/"))

    found = check_bytes(_pdf(everywhere))
    assert found.active == ["OpenAction:JavaScript", "document:AA/WC:JavaScript", "page1:AA/O:Launch"]
    assert found.remote == ["page1:annotation:URI"]


def test_a_self_multiplying_fields_tree_ends_quickly():
    def bomb(w):
        node = DictionaryObject({NameObject("/T"): TextStringObject("n")})
        ref = w._add_object(node)
        node[NameObject("/Kids")] = ArrayObject([ref] * 64)        # each node its own 64 children
        w._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([ref] * 64)})

    found = check_bytes(_pdf(bomb))
    assert found.active == [] and found.shared_fields


def _evil_evidence() -> bytes:
    def edit(w):
        w._root_object[NameObject("/OpenAction")] = _js()
    return _pdf(edit)


def test_package_carrying_an_evidence_pdf_with_openaction_is_rejected(tmp_path, package_bytes):
    evidence = next(f["attachment"] for f in manifest_of(package_bytes)["files"] if f["role"] == "evidence")
    forged = rewrite(package_bytes, replace={evidence: _evil_evidence()}, fix_hashes=True)
    path = tmp_path / "p.pdf"
    path.write_bytes(forged)
    [r] = intake([path], as_of=RECEIVED, allow_unsigned=True)
    [f] = [f for f in r.findings if f.code == "active-content"]
    assert f.severity == "error" and "OpenAction:JavaScript" in f.message and "embedded" in f.message


def test_javascript_added_in_a_later_revision_is_active_content(tmp_path, package_bytes):
    w = PdfWriter(io.BytesIO(package_bytes), incremental=True)
    w._root_object[NameObject("/OpenAction")] = _js()
    out = io.BytesIO()
    w.write(out)
    assert check_bytes(out.getvalue()).active == ["OpenAction:JavaScript"]
    assert check_bytes(package_bytes).active == []
    assert attachments(out.getvalue()).keys() == attachments(package_bytes).keys()


def test_validate_refuses_an_evidence_pdf_with_active_content(tmp_path):
    from helpers.apps import fill, make_app, table_path
    from helpers.intake import roster_row

    import lingong_docs as lg

    folder = make_app(tmp_path / "app")
    fill(table_path(folder, "roster"), "roster", [roster_row(i) for i in range(3)])
    (folder / "支付凭证").mkdir(exist_ok=True)
    (folder / "支付凭证" / "0001-0002 银行代发回单.pdf").write_bytes(_pdf())
    (folder / "支付凭证" / "0003 银行回单.pdf").write_bytes(_evil_evidence())
    found = [(f.code, f.severity) for f in lg.validate(folder).findings if f.code.startswith("evidence-a")]
    assert found == [("evidence-active-content", "error")]
    assert PdfReader(folder / "支付凭证" / "0003 银行回单.pdf").trailer["/Root"]["/OpenAction"]["/S"] == "/JavaScript"


def test_a_package_with_a_self_multiplying_fields_tree_is_refused_by_name(tmp_path):
    def bomb(w):
        node = DictionaryObject({NameObject("/T"): TextStringObject("n"), NameObject("/FT"): NameObject("/Sig")})
        ref = w._add_object(node)
        node[NameObject("/Kids")] = ArrayObject([ref] * 64)
        w._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([ref] * 64)})

    path = tmp_path / "bomb.pdf"
    path.write_bytes(_pdf(bomb))
    [r] = intake([path], as_of=RECEIVED)
    assert [(f.code, f.severity) for f in r.findings] == [("pdf-loop", "error")]
    assert "表单域" in r.findings[0].message


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF from numbered object bodies (1 0 obj is the catalog), with a correct xref table."""
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_page_tree_bomb_is_named_as_such(tmp_path):
    # every level lists the same node twice: 2^40 pages from a few hundred bytes
    levels = 40
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(levels):
        objects.append(b"<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count %d >>" % (level + 3, level + 3, 2 ** (levels - level)))
    objects.append(b"<< /Type /Page /MediaBox [0 0 200 200] >>")
    path = tmp_path / "tree.pdf"
    path.write_bytes(_raw_pdf(objects))
    [r] = intake([path], as_of=RECEIVED)
    assert [(f.code, f.severity) for f in r.findings] == [("pdf-page-tree", "error")]
    assert "页面树炸弹" in r.findings[0].message and "压缩炸弹" not in r.findings[0].message
