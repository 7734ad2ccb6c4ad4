"""Cells the printed 附件4/附件5 cannot show: a table row taller than a page is cut by Calc.

The estimate is the renderer's own (``core.layout``): a text this check lets through is printed
in full, in a row as tall as it needs.
"""

from __future__ import annotations

from collections.abc import Iterator

from lingong_docs.core.layout import CJK_UNITS, MAX_ROW_LINES, print_width, text_lines
from lingong_docs.validate.registry import rule


def _tall_cells(table) -> Iterator:
    text_keys = [c.key for c in table.spec.columns if c.type == "string" and c.key in table.columns]
    widths = {key: print_width(table.kind, key, table.spec.column(key).width + 2) for key in text_keys}
    for rec in table.records:
        for key in text_keys:
            value = rec.values.get(key)
            if not isinstance(value, str):
                continue
            # Shorter text with few line breaks always fits: skip the estimate.
            if len(value) * CJK_UNITS < widths[key] * (MAX_ROW_LINES - value.count("\n")) / 2:
                continue
            lines = text_lines(value, widths[key])
            if lines > MAX_ROW_LINES:
                yield table.finding("text-too-tall", rec.row, key, value, lines=lines, limit=MAX_ROW_LINES)


@rule("roster", codes=("text-too-tall",))
@rule("job_posts", codes=("text-too-tall",))
def printable_rows(ctx, table) -> Iterator:
    yield from _tall_cells(table)
