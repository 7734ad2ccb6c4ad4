"""附件4 rules beyond single fields: duplicate posts, posts that may lie outside Beijing."""

from __future__ import annotations

import datetime as dt

from lingong_docs.util.resources import load_yaml
from lingong_docs.validate.registry import rule


@rule("job_posts")
def duplicate_posts(ctx, table):
    seen: dict[tuple, int] = {}
    for rec in table.records:
        v = rec.values
        title, category, when = v.get("title"), v.get("category"), v.get("published")
        if not (isinstance(title, str) and isinstance(category, str) and isinstance(when, dt.datetime)):
            continue
        key = (title, category, when.date())
        if key in seen:
            yield table.finding("duplicate-post", rec.row, "title", title, first=seen[key])
        else:
            seen[key] = rec.row


@rule("job_posts")
def outside_beijing(ctx, table):
    places = load_yaml("places.yaml")["outside_beijing"]
    for rec in table.records:
        remark = rec.values.get("remark")
        if not isinstance(remark, str):
            continue
        for place in places:
            if place in remark:
                yield table.finding("post-outside-beijing", rec.row, "remark", remark, place=place)
                break
