"""The applicant's name and credit code: present, valid, identical across file and tables (§9)."""

from __future__ import annotations

import re
import unicodedata

from lingong_docs.core import findings as F
from lingong_docs.identifiers import uscc as uscc_mod
from lingong_docs.validate.registry import rule


def _same_name(a: str, b: str) -> bool:
    norm = lambda s: re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))  # noqa: E731
    return norm(a) == norm(b)


@rule("application", codes=("applicant-mismatch", "header-applicant-missing", "header-uscc-missing"))
def header_blocks(ctx):
    info = ctx.app.info
    for table in ctx.app.tables:
        name_cell = table.applicant_cell or (table.header_row - 1, None)
        code_cell = table.uscc_cell or (table.header_row - 1, None)
        loc = dict(file=table.path.name, sheet=table.sheet)
        if not table.applicant:
            yield F.make("header-applicant-missing", row=name_cell[0], column=name_cell[1], **loc)
        elif ctx.is_folder and info.applicant and not _same_name(table.applicant, info.applicant):
            yield F.make("applicant-mismatch", row=name_cell[0], column=name_cell[1],
                         value=table.applicant[:40], table=table.spec.attachment, field="申请单位全称", **loc)
        if not table.uscc:
            yield F.make("header-uscc-missing", row=code_cell[0], column=code_cell[1], **loc)
            continue
        problem = uscc_mod.check(table.uscc)
        if problem:
            yield F.make(problem, row=code_cell[0], column=code_cell[1], value=table.uscc, **loc)
        elif ctx.is_folder and info.uscc and table.uscc != info.uscc:
            yield F.make("applicant-mismatch", row=code_cell[0], column=code_cell[1], value=table.uscc,
                         table=table.spec.attachment, field="统一社会信用代码", **loc)
