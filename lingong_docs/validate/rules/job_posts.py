"""附件4 rules beyond single fields: duplicate posts, posts that may lie outside Beijing."""

from __future__ import annotations

from typing import cast

import polars as pl

from lingong_docs.util.resources import load_yaml
from lingong_docs.validate.columnar import cross_rows as columnar
from lingong_docs.validate.columnar.frame import cached_frame
from lingong_docs.validate.registry import rule


@rule("job_posts", codes=("duplicate-post",))
def duplicate_posts(ctx, table):
    return columnar.duplicate_posts(cached_frame(ctx.cache, table), ctx.policy)


PLACE_COLUMNS = ("title", "category", "remark")   # 岗位名称, 类型, 备注: where operators write the place


@rule("job_posts", codes=("post-outside-beijing",))
def outside_beijing(ctx, table):
    data = cast(dict[str, list[str]], load_yaml("places.yaml"))
    places, inside = data["outside_beijing"], tuple(data.get("inside_beijing") or ())

    def without_beijing(text: str) -> str:
        for word in inside:
            text = text.replace(word, "　")
        return text

    frame = cached_frame(ctx.cache, table)
    keys = [key for key in PLACE_COLUMNS if frame.has(key)]
    named = {key: [t for t in frame.df[key].unique().to_list()
                   if t is not None and any(place in without_beijing(t) for place in places)] for key in keys}
    mask = pl.lit(False)
    for key in keys:
        mask = mask | pl.col(key).is_in(named[key])
    for rec in frame.records(mask) if keys else []:
        hit = next(((key, text, place) for key in PLACE_COLUMNS
                    if isinstance(text := rec.values.get(key), str)
                    for place in places if place in without_beijing(text)), None)
        if hit is not None:
            key, text, place = hit
            yield table.finding("post-outside-beijing", rec.row, key, text, place=place)
