"""What the printed package cannot show: a table row taller than a page (Calc would cut it), and
application values too long for the one-page cover.

The estimates are the renderer's own (``core.layout``): a text this check lets through is printed
in full, in a row as tall as it needs; values the cover model accepts fit on the cover.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from lingong_docs.core import findings as F
from lingong_docs.core.layout import (
    CJK_UNITS,
    COVER_FIELDS,
    MAX_ROW_LINES,
    cover_lines,
    cover_room,
    em_width,
    market_name,
    print_width,
    text_lines,
)
from lingong_docs.core.model import APPLICATION_FILE
from lingong_docs.validate.columnar.frame import cached_frame
from lingong_docs.validate.registry import rule


def _tall_cells(frame) -> Iterator:
    table = frame.table
    text_keys = [c.key for c in table.spec.columns if c.type == "string" and c.key in table.columns]
    widths = {key: print_width(table.kind, key, table.spec.column(key).width + 2) for key in text_keys}
    cells: list[tuple[int, int, str]] = []
    for order, key in enumerate(text_keys):
        text = pl.col(key)
        # Shorter text with few line breaks always fits: only longer ones get the estimate.
        breaks = text.str.count_matches("\n", literal=True).cast(pl.Int64)
        long = text.str.len_chars().cast(pl.Int64) * CJK_UNITS >= widths[key] * (MAX_ROW_LINES - breaks) / 2
        cells.extend((pos, order, key) for pos in frame.positions(long))
    for pos, _order, key in sorted(cells):
        value = frame.raw[key][pos]
        if not isinstance(value, str):
            continue
        if len(value) * CJK_UNITS < widths[key] * (MAX_ROW_LINES - value.count("\n")) / 2:
            continue
        lines = text_lines(value, widths[key])
        if lines > MAX_ROW_LINES:
            yield table.finding("text-too-tall", frame.rows[pos], key, value, lines=lines, limit=MAX_ROW_LINES)


@rule("roster", codes=("text-too-tall",))
@rule("job_posts", codes=("text-too-tall",))
def printable_rows(ctx, table) -> Iterator:
    yield from _tall_cells(cached_frame(ctx.cache, table))


@rule("application", codes=("cover-too-long",), folder_only=True)
def cover_fits(ctx) -> Iterator:
    """The cover's values must fit its one page: blame the longest when they do not."""
    info = ctx.app.info
    values = {key: str(getattr(info, key, "") or "") for key in COVER_FIELDS}
    # printed as the forms print it: "朝阳区" once before the name (a name written with it is not doubled)
    values["market"] = f"朝阳区{market_name(values['market'])}" if values["market"] else ""
    if cover_room(values) >= 0:
        return
    key = max(values, key=lambda k: em_width(values[k]))
    yield F.make("cover-too-long", file=APPLICATION_FILE, field=COVER_FIELDS[key], length=len(values[key]),
                 lines=cover_lines(values[key]))
