"""A sample roster row and a one-call validation, for the rule tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers.apps import JOB_POSTS, ROSTER, fill, make_app, table_path, tiny_evidence
from lingong_docs.identifiers import idcard
from lingong_docs.reader.folder import read_application
from lingong_docs.validate.run import validate

D = dt.datetime


def make_id(born: str, region: str = "110105", seq: str = "123") -> str:
    body = region + born + seq
    return body + idcard.check_char(body)


ADULT = make_id("19900307")
OTHER = make_id("19850101", "130102", "456")


def r(**kw):
    row = dict(seq=1, name="张三", id_number=ADULT, phone="13800138000", place="朝阳区望京 分拣员",
               start=D(2025, 3, 5, 8), end=D(2025, 3, 5, 17), hours=8, pay=320, method="微信")
    row.update(kw)
    return row


def findings(tmp_path: Path, roster=(), posts=None, evidence=("0001-9999 回单.pdf",), **app_kw):
    folder = make_app(tmp_path / "app", **app_kw)
    fill(table_path(folder, ROSTER), ROSTER, [dict(x, seq=x.get("seq", i + 1)) for i, x in enumerate(roster)])
    if posts is None:
        posts = [dict(seq=1, title="分拣员", category="物流", published=D(2025, 3, 1), demand=30)]
    fill(table_path(folder, JOB_POSTS), JOB_POSTS, posts)
    for name in evidence:
        (folder / "支付凭证" / name).write_bytes(tiny_evidence(name))
    report = validate(read_application(folder))
    return {(f.row, f.column, f.code) for f in report.findings}, report


def codes(found):
    return {c for _, _, c in found}
