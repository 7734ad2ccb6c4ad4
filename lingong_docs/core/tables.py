"""The two official tables (附件4, 附件5): their columns, read from the Cerberus schemas."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, cast

from lingong_docs.util.resources import load_yaml

JOB_POSTS = "job_posts"
ROSTER = "roster"
TABLE_KINDS = (JOB_POSTS, ROSTER)


@dataclass(frozen=True)
class Column:
    header: str          # the official header text
    key: str             # internal field name
    type: str            # Cerberus type: string, integer, number, datetime
    required: bool
    pii: str | None      # 'id' | 'phone' | 'name' | None
    text: bool           # formatted as text in the blank workbook
    width: int
    number_format: str | None
    aliases: tuple[str, ...] = ()
    choices: str | None = None


@dataclass(frozen=True)
class TableSpec:
    kind: str
    attachment: str
    title: str
    default_file: str
    sheet: str
    schema: dict[str, Any]
    columns: tuple[Column, ...]
    by_key: dict[str, Column] = field(default_factory=dict, compare=False, hash=False)

    def column(self, key: str) -> Column:
        return self.by_key[key]


def normalize_header(text: object) -> str:
    """Return a header with full-width forms folded and every space or line break removed."""
    if text is None:
        return ""
    t = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", "", t).replace("：", ":")


@functools.cache
def spec(kind: str) -> TableSpec:
    """Return the layout and schema of table ``kind`` ('job_posts' or 'roster')."""
    layout: dict[str, Any] = _tables_yaml()[kind]
    schema: dict[str, Any] = cast(dict[str, Any], load_yaml(layout["schema"]))
    cols = []
    for header, rules in schema.items():
        meta = rules.get("meta", {})
        cols.append(Column(
            header=header, key=meta["key"],
            type=rules.get("type") if isinstance(rules.get("type"), str) else (rules.get("type") or ["string"])[0],
            required=bool(rules.get("required")), pii=meta.get("pii"), text=bool(meta.get("text")),
            width=int(meta.get("width", 12)), number_format=meta.get("format"),
            aliases=tuple(meta.get("aliases", ())), choices=meta.get("choices"),
        ))
    s = TableSpec(kind=kind, attachment=layout["attachment"], title=layout["title"],
                  default_file=layout["default_file"], sheet=layout["sheet"], schema=schema,
                  columns=tuple(cols))
    s.by_key.update({c.key: c for c in cols})
    return s


def header_block() -> dict[str, str]:
    """Return the header-block labels: {'applicant': ..., 'uscc': ...}."""
    return cast(dict[str, str], _tables_yaml()["header_block"])


def _tables_yaml() -> dict[str, Any]:
    return cast(dict[str, Any], load_yaml("tables.yaml"))
