"""Per-field rules from the Cerberus schemas (required, types, lengths, ranges, check_with)."""

from __future__ import annotations

from lingong_docs.identifiers import idcard
from lingong_docs.validate.registry import rule
from lingong_docs.validate.schema import compiled, field_codes


def _fields(ctx, table):
    checks = [(key, check) for key, _header, check in compiled(table.kind) if key in table.columns]
    finding = table.finding
    for rec in table.records:
        values = rec.values
        for key, check in checks:
            result = check(values.get(key))
            if result is not None:
                code, params = result
                yield finding(code, rec.row, key, values.get(key), **params)


@rule("roster", codes=lambda: field_codes("roster") | {"id-foreign-permanent"})
def roster_fields(ctx, table):
    yield from _fields(ctx, table)
    # Foreigners' permanent-residence IDs (leading 9) are valid; say so once per row.
    if "id_number" in table.columns:
        for rec in table.records:
            v = rec.values.get("id_number")
            if isinstance(v, str) and idcard.is_foreign_permanent(v):
                yield table.finding("id-foreign-permanent", rec.row, "id_number", v)


@rule("job_posts", codes=lambda: field_codes("job_posts"))
def job_post_fields(ctx, table):
    yield from _fields(ctx, table)


@rule("roster", codes=("table-empty",))
@rule("job_posts", codes=("table-empty",))
def table_not_empty(ctx, table):
    if not table.records:
        from lingong_docs.core import findings as F

        yield F.make("table-empty", file=table.path.name, sheet=table.sheet,
                     row=table.header_row + 1, table=table.spec.attachment)
