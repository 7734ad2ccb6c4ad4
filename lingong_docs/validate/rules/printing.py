"""Cells the printed 附件4/附件5 cannot show: a table row taller than a page is cut by Calc."""

from __future__ import annotations

from lingong_docs.validate.registry import rule

MAX_PRINT_LINES = 30      # lines of wrapped text one table row may take (a landscape page holds ~35)
CHEAP_LIMIT = 150         # shorter text with few line breaks always fits: skip the estimate


def _tall_cells(table):
    text_keys = [c.key for c in table.spec.columns if c.type == "string" and c.key in table.columns]
    estimate = widths = None
    for rec in table.records:
        for key in text_keys:
            value = rec.values.get(key)
            if not isinstance(value, str) or (len(value) < CHEAP_LIMIT and value.count("\n") < 10):
                continue
            if estimate is None:
                from lingong_docs.render.tables import PRINT_WIDTHS, _lines  # heavy import, only when needed

                estimate, widths = _lines, PRINT_WIDTHS[table.kind]
            lines = estimate(value, widths.get(key, table.spec.column(key).width))
            if lines > MAX_PRINT_LINES:
                yield table.finding("text-too-tall", rec.row, key, value, lines=lines, limit=MAX_PRINT_LINES)


@rule("roster")
@rule("job_posts")
def printable_rows(ctx, table):
    yield from _tall_cells(table)
