"""Per-field rules from the Cerberus schemas (required, types, lengths, ranges, check_with)."""

from __future__ import annotations

from lingong_docs.identifiers import idcard
from lingong_docs.validate.columnar.fields import field_findings
from lingong_docs.validate.columnar.frame import cached_frame
from lingong_docs.validate.registry import rule
from lingong_docs.validate.schema import field_codes


@rule("roster", codes=lambda: field_codes("roster") | {"id-foreign-permanent"})
def roster_fields(ctx, table):
    frame = cached_frame(ctx.cache, table)
    yield from field_findings(frame)
    # Foreigners' permanent-residence IDs (leading 9) are valid; say so once per row.
    if "id_number" in table.columns:
        import polars as pl

        # idcard.is_foreign_permanent as a column operation: a valid ID (the frame's id_ok) with a leading 9.
        for rec in frame.records(pl.col("id_ok") & pl.col("id_number").str.starts_with(idcard.FOREIGN_PREFIX)):
            yield table.finding("id-foreign-permanent", rec.row, "id_number", rec.values["id_number"])


@rule("job_posts", codes=lambda: field_codes("job_posts"))
def job_post_fields(ctx, table):
    yield from field_findings(cached_frame(ctx.cache, table))


@rule("roster", codes=("table-empty",))
@rule("job_posts", codes=("table-empty",))
def table_not_empty(ctx, table):
    if not table.row_count:
        from lingong_docs.core import findings as F

        yield F.make("table-empty", file=table.path.name, sheet=table.sheet,
                     row=table.header_row + 1, table=table.spec.attachment)
