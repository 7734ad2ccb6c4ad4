"""Render stage: the official Word forms and the print-ready tables, as PDF (LibreOffice).

Doors:

* ``render_forms(forms, context, workdir) -> {key: pdf}`` — fill the Word templates in
  ``forms/`` (docxtpl, sandboxed, autoescaped) and convert them all in ONE LibreOffice run;
  a form is its declaration in the policy's ``material_catalogue`` (title, template), or its key;
* ``render_table_xlsx(table, out_xlsx, ...)`` / ``render_table_pdf(table, out_pdf, ...)`` — 附件4 /
  附件5 as a print-formatted workbook, then PDF through Calc; ``render_tables_pdf(books, outdir)``
  prints several in one Calc run and keeps each table's last rows with its 合计 and seal line;
* ``form_context(info, kind=..., figures=..., materials=...)`` — the template variables;
* ``convert_to_pdf(inputs, outdir)`` — the single LibreOffice wrapper;
* ``font_report()`` — LibreOffice version, CJK fonts, and how each 公文 font is substituted.

The forms are those the policy declares (``shipped_forms()``: ``cover`` 封面, ``checklist`` 材料清单,
``report_recognition`` 附件1, ``report_operating`` 附件2, ``report_employment`` 附件3).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lingong_docs.core.policy import shipped_forms
from lingong_docs.render.context import form_context
from lingong_docs.render.docx import Form, form_of, render_form, template_variables
from lingong_docs.render.fonts import font_report
from lingong_docs.render.soffice import convert_to_pdf
from lingong_docs.render.tables import render_table_pdf, render_table_xlsx, render_tables_pdf

FORM_NAMES = tuple(shipped_forms())

__all__ = ["FORM_NAMES", "Form", "convert_to_pdf", "font_report", "form_context", "render_form",
           "render_forms", "render_table_pdf", "render_table_xlsx", "render_tables_pdf",
           "template_variables"]


def render_forms(forms: Sequence[Form], context: dict[str, Any], workdir: Path, *,
                 timeout: float = 300) -> dict[str, Path]:
    """Return {form key: PDF path} after filling every form in ``forms`` with ``context``.

    The filled .docx files are kept beside the PDFs in ``workdir`` (``<key>.docx``) so the
    operator can inspect or hand-edit them; all of them are converted in one LibreOffice run.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    declared = [form_of(f) for f in forms]
    docs = [render_form(f, context, workdir / f"{f.key}.docx") for f in declared]
    pdfs = convert_to_pdf(docs, workdir, timeout=timeout)
    return {f.key: Path(pdf) for f, pdf in zip(declared, pdfs)}
