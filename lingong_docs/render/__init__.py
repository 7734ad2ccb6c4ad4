"""Render stage: the official Word forms and the print-ready tables, as PDF (LibreOffice).

Doors:

* ``render_forms(names, context, workdir) -> {name: pdf}`` — fill the Word templates in
  ``forms/`` (docxtpl, sandboxed, autoescaped) and convert them all in ONE LibreOffice run;
* ``render_table_xlsx(table, out_xlsx, ...)`` / ``render_table_pdf(table, out_pdf, ...)`` — 附件4 /
  附件5 as a print-formatted workbook, then PDF through Calc; ``render_tables_pdf(books, outdir)``
  prints several in one Calc run and keeps each table's last rows with its 合计 and seal line;
* ``form_context(info, kind=..., figures=..., materials=...)`` — the template variables;
* ``convert_to_pdf(inputs, outdir)`` — the single LibreOffice wrapper;
* ``font_report()`` — LibreOffice version, CJK fonts, and how each 公文 font is substituted.

Form names: ``cover`` (封面), ``checklist`` (材料清单), ``report_recognition`` (附件1),
``report_operating`` (附件2), ``report_employment`` (附件3).
"""

from __future__ import annotations

from pathlib import Path

from lingong_docs.render.context import form_context
from lingong_docs.render.docx import TEMPLATES, render_form, template_variables
from lingong_docs.render.fonts import font_report
from lingong_docs.render.soffice import convert_to_pdf
from lingong_docs.render.tables import render_table_pdf, render_table_xlsx, render_tables_pdf

FORM_NAMES = tuple(TEMPLATES)

__all__ = ["FORM_NAMES", "TEMPLATES", "convert_to_pdf", "font_report", "form_context", "render_form",
           "render_forms", "render_table_pdf", "render_table_xlsx", "render_tables_pdf", "template_variables"]


def render_forms(names: list[str], context: dict, workdir: Path, *,
                 timeout: float = 300) -> dict[str, Path]:
    """Return {form name: PDF path} after filling every form in ``names`` with ``context``.

    The filled .docx files are kept beside the PDFs in ``workdir`` (``<name>.docx``) so the
    operator can inspect or hand-edit them; all of them are converted in one LibreOffice run.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    docs = [render_form(name, context, workdir / f"{name}.docx") for name in names]
    pdfs = convert_to_pdf(docs, workdir, timeout=timeout)
    return dict(zip(names, pdfs))
