"""Fill the official Word forms (``forms/*.docx``) with docxtpl, safely and reproducibly.

Safety (research notes §3): docxtpl renders the whole document XML as one Jinja template, turns
``{_{`` into ``{{`` in its output and turns ``\\n \\a \\t \\f`` into breaks; its table fixer parses
with ``recover=True``, so a stray ``<`` silently drops the rest of the document. Therefore:

* the environment is a ``SandboxedEnvironment`` with ``autoescape=True`` and ``StrictUndefined``;
* every value printed goes through :func:`_finalize`: control characters are removed (``\\t``
  becomes a space), then the text is XML-escaped and ``{``/``}`` are written as character
  references so that no docxtpl post-processing can see a tag in the data;
* **a newline in a value is a line break** (``<w:br/>``) inside the same paragraph — paragraphs
  come only from the template (lists rendered with ``{%p for %}``);
* the rendered XML is parsed with a strict parser before docxtpl's forgiving one sees it, and the
  saved ``word/document.xml`` is parsed strictly again.

Reproducibility and privacy: core properties are overwritten with neutral fixed values and zip
entry timestamps are fixed, so the same input gives the same bytes and no name reaches metadata.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from markupsafe import Markup, escape

from lingong_docs.core.errors import RenderError
from lingong_docs.core.policy import Material, shipped_forms
from lingong_docs.util.atomic import atomic_path
from lingong_docs.util.resources import forms_dir
from lingong_docs.util.text import strip_controls

AUTHOR = "lingong-docs"
SUBJECT = "朝阳区零工市场（驿站）申请材料"
FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)      # core properties created/modified
ZIP_TIME = (2024, 1, 1, 0, 0, 0)                    # zip entry timestamps

_STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, huge_tree=False)
def clean_value(value) -> str:
    """Return ``value`` as the plain text the form will show: newlines kept, controls removed."""
    if value is None:
        return ""
    return strip_controls(str(value))


def _finalize(value) -> Markup:
    """Return the XML-safe markup for one printed value (see module docstring)."""
    text = str(escape(clean_value(value)))
    return Markup(text.replace("{", "&#123;").replace("}", "&#125;"))


def make_env() -> SandboxedEnvironment:
    """Return the Jinja environment every form is rendered with."""
    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined, finalize=_finalize)


Form = Material | str     # a form's declaration (the policy's material_catalogue), or its key


def form_of(form: Form) -> Material:
    """Return the declaration of ``form``: itself, the shipped form with that key, or (for a
    template's file name) a declaration naming that file."""
    if isinstance(form, Material):
        return form
    shipped = shipped_forms().get(form)
    return shipped or Material(key=Path(form).stem, title=Path(form).stem, source="form", template=form)


def template_path(form: Form) -> Path:
    """Return the template file in forms/ of ``form`` (a declaration, a form's key or a file name)."""
    file_name = form_of(form).template or ""
    path = forms_dir() / file_name
    if Path(file_name).name != file_name or not path.is_file():
        raise RenderError.make("template-missing", template=file_name)
    return path


def template_variables(form: Form) -> set[str]:
    """Return the top-level context keys the template of ``form`` uses."""
    return set(DocxTemplate(str(template_path(form))).get_undeclared_template_variables(make_env()))


def _variable_name(exc: UndefinedError) -> str:
    text = str(exc.message or "")
    m = re.search(r"has no attribute '([^']*)'", text) or re.search(r"'([^']*)' is undefined", text)
    return m.group(1) if m else "?"


def render_form(form: Form, context: dict, out_docx: Path) -> Path:
    """Return ``out_docx`` after filling ``form`` (its declaration, or its key) with ``context``.

    Its core properties carry the form's title and nothing of the applicant. Raises
    ``RenderError``: ``template-missing``, ``template-variable-missing`` (naming the variable),
    ``template-invalid`` (broken template, unsafe expression, malformed output).
    """
    declared = form_of(form)
    path = template_path(declared)
    file_name = path.name
    tpl = _StrictTemplate(str(path))
    tpl.form_file = file_name
    try:
        tpl.render(dict(context), jinja_env=make_env(), autoescape=True)
    except UndefinedError as e:
        raise RenderError.make("template-variable-missing", template=file_name,
                           variable=_variable_name(e)) from None
    except SecurityError:
        raise RenderError.make("template-invalid", template=file_name, reason="含有不安全的表达式") from None
    except TemplateError as e:
        raise RenderError.make("template-invalid", template=file_name,
                           reason=f"模板语法错误（{type(e).__name__}）") from None
    set_neutral_properties(tpl.docx.core_properties, declared.title)
    buf = io.BytesIO()
    tpl.save(buf)
    data = normalize_docx_bytes(buf.getvalue())
    check_docx_xml(data, file_name)
    out_docx = Path(out_docx)
    with atomic_path(out_docx) as tmp:
        tmp.write_bytes(data)
    return out_docx


class _StrictTemplate(DocxTemplate):
    """DocxTemplate whose rendered body must be well-formed before docxtpl 'repairs' it."""

    form_file = ""

    def fix_tables(self, xml):
        try:
            etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, _STRICT)
        except etree.XMLSyntaxError:
            raise RenderError.make("template-invalid", template=self.form_file,
                               reason="生成的文档结构不合法") from None
        return super().fix_tables(xml)


def set_neutral_properties(props, title: str) -> None:
    """Overwrite docx core properties with fixed values that carry no personal data."""
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.title = title
    props.subject = SUBJECT
    props.keywords = ""
    props.comments = ""
    props.category = ""
    props.content_status = ""
    props.identifier = ""
    props.language = "zh-CN"
    props.version = ""
    props.revision = 1
    props.created = FIXED_TIME
    props.modified = FIXED_TIME


def normalize_docx_bytes(data: bytes) -> bytes:
    """Return the same OOXML package (docx or xlsx) with fixed entry timestamps, attributes and
    modification time, so that the same input gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 3
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into dcterms:modified whatever we set.
                content = _MODIFIED.sub(FIXED_TIME.strftime(r"\g<1>%Y-%m-%dT%H:%M:%SZ\g<2>").encode(), content)
            dst.writestr(entry, content)
    return out.getvalue()


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def check_docx_xml(data: bytes, file_name: str) -> None:
    """Raise ``template-invalid`` unless every WordprocessingML part parses with a strict parser."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("word/") and name.endswith(".xml"):
                try:
                    etree.fromstring(z.read(name), _STRICT)
                except etree.XMLSyntaxError:
                    raise RenderError.make("template-invalid", template=file_name,
                                       reason=f"{name} 不是合法的 XML") from None
