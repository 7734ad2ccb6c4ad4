"""A large roster with cross-row mistakes spread around, for comparing the two validate engines.

``samples/generate.py`` plans a clean roster (no two tasks of a person on one day); seeded edits
then add, at random places: exact and near duplicates (spaces, full-width place, lower-case x),
tasks overlapping earlier ones (nested, chained, at equal starts), person-days over 11 and over
24 hours (night shifts split over two days), one ID under another name (ties too, and names that
differ only in spaces or middle dots), phones shared by several people (written in other
forms), invalid IDs, missing and unreadable cells, 序号 repeats and gaps. Same seed, same rows.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from random import Random
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def generator() -> ModuleType:
    """Return samples/generate.py as a module (it is a script, not part of the package)."""
    if "lingong_samples_generate" not in sys.modules:
        spec = importlib.util.spec_from_file_location("lingong_samples_generate", ROOT / "samples" / "generate.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["lingong_samples_generate"] = module
        spec.loader.exec_module(module)
    return sys.modules["lingong_samples_generate"]


def _shifted(row: dict, hours: float, span: float, worked: float | None = None) -> dict:
    start = row["start"] + dt.timedelta(hours=hours)
    return dict(row, start=start, end=start + dt.timedelta(hours=span),
                hours=Decimal(str(worked if worked is not None else span)))


def _edit(rng: Random, rows: list[dict], i: int) -> list[tuple[int, dict]]:
    """Return the rows to insert (position, row) for one seeded mistake at row ``i``; position ``None``
    replaces row ``i``."""
    row = rows[i]
    kind = rng.randrange(14)
    if kind == 0:                                                    # exact duplicate, later on
        return [(rng.randrange(i, len(rows) + 1), dict(row))]
    if kind == 1:                                                    # the same task, spacing / case
        again = dict(row, place=row["place"].replace(" ", "　") + " ", id_number=row["id_number"].lower())
        return [(rng.randrange(len(rows) + 1), again)]
    if kind == 2:                                                    # overlaps: starts 2 h in
        return [(rng.randrange(len(rows) + 1), _shifted(row, 2, 3))]
    if kind == 3:                                                    # nested and chained overlaps
        return [(i + 1, _shifted(row, 0.5, 1)), (rng.randrange(len(rows) + 1), _shifted(row, 1, 9, 8.33)),
                (i, _shifted(row, 0, 2, 1.5))]
    if kind == 4:                                                    # over 11 h in one day, no overlap
        return [(rng.randrange(len(rows) + 1), _shifted(row, -6, 5.5, 5.25))]
    if kind == 5:                                                    # over 24 h: hours beyond the span
        return [(rng.randrange(len(rows) + 1), _shifted(row, -8, 7, 19.5))]
    if kind == 6:                                                    # night shift, split over two days
        night = dict(row, start=row["start"].replace(hour=20), end=row["start"].replace(hour=20)
                     + dt.timedelta(hours=10), hours=Decimal("9.5"))
        return [(rng.randrange(len(rows) + 1), night), (rng.randrange(len(rows) + 1),
                                                        _shifted(night, 11, 4, 3.75))]
    if kind == 7:                                                    # same ID, another name
        return [(None, dict(row, name=rng.choice(["王小明", "李 四", "赵六", row["name"] + "子"])))]
    if kind == 8:                                                    # same person, name written otherwise
        return [(None, dict(row, name=" " + row["name"][:1] + "　" + row["name"][1:]))]
    if kind == 9:                                                    # a phone taken by another person
        other = rows[rng.randrange(len(rows))]
        phone = rng.choice([other["phone"], other["phone"][:3] + " " + other["phone"][3:7] + "-" + other["phone"][7:],
                            "+86" + other["phone"]])
        return [(None, dict(row, phone=phone))]
    if kind == 10:                                                   # invalid ID (check digit), blank ID
        bad = row["id_number"][:17] + ("0" if row["id_number"][17] != "0" else "1")
        return [(None, dict(row, id_number=rng.choice([bad, None, "不详"])))]
    if kind == 11:                                                   # missing or unreadable cells
        key = rng.choice(["start", "end", "place", "name", "phone", "hours"])
        return [(None, dict(row, **{key: rng.choice([None, "不详", "-"])}))]
    if kind == 12:                                                   # hours zero, negative, as text
        return [(None, dict(row, hours=rng.choice([Decimal(0), Decimal(-3), "8小时", Decimal("8.50")])))]
    return [(None, dict(row, seq=rng.choice([row["seq"] - 1, row["seq"] + 7, None])))]     # 序号 repeat / gap


def seeded_rows(rows: int, seed: int = 2407, share: float = 0.03) -> list[dict]:
    """Return ``rows`` generated roster rows (plus the inserted ones) with seeded mistakes."""
    gen = generator()
    rng = Random(seed)
    out = gen.plan_roster(rng, rows)
    shared = [dict(out[rng.randrange(len(out))]) for _ in range(max(3, rows // 2000))]
    for i in sorted(rng.sample(range(len(out)), int(len(out) * share)), reverse=True):
        for pos, new in sorted(_edit(rng, out, i), key=lambda t: float("-inf") if t[0] is None else -t[0]):
            if pos is None:
                out[i] = new
            else:
                out.insert(pos, new)
    for source in shared:                                            # one phone for 3–6 people
        for _ in range(rng.randint(2, 5)):
            j = rng.randrange(len(out))
            out[j] = dict(out[j], phone=source["phone"])
    return out


def write_roster(path: Path, rows: list[dict]) -> Path:
    """Write ``rows`` as a plain 附件5 workbook (the bench's writer)."""
    generator().write_bench_roster(path, rows)
    return path


def _id(born: str, seq: str) -> str:
    from lingong_docs.identifiers import idcard

    body = "110105" + born + seq
    return body + idcard.check_char(body)


def edge_rows() -> list[dict]:
    """Return a small roster (rows for ``helpers.apps.fill``) with the cross-row rules' corner cases."""
    D = dt.datetime
    a, b, c, d, e = (_id(f"1990010{i}", f"{i}21") for i in range(1, 6))
    phones = [_id(f"1980020{i}", f"{i}55") for i in range(1, 6)]

    def r(who: str, start: dt.datetime, span: float, hours: object = None, **kw) -> dict:
        row = dict(name="张三", id_number=who, phone="13800138000", place="朝阳区望京 分拣员", start=start,
                   end=start + dt.timedelta(hours=span), hours=span if hours is None else hours, pay=320,
                   method="微信")
        row.update(kw)
        return row

    rows = [
        r(a, D(2025, 3, 5, 8), 9, 8), r(a, D(2025, 3, 5, 8), 9, 8),                      # exact duplicate
        r(a.lower(), D(2025, 3, 5, 8), 9, 8, place="朝阳区望京　分拣员 "),                # the same, written otherwise
        r(a, D(2025, 3, 6, 8), 9, 8, place=None), r(a, D(2025, 3, 6, 8), 9, 8, place=None),   # no place: no duplicate
        r(a, D(2025, 3, 7, 8), 10, 9), r(a, D(2025, 3, 7, 9), 2, 2), r(a, D(2025, 3, 7, 10), 4, 3.5),  # nested
        r(a, D(2025, 3, 7, 17), 2, 1.5), r(a, D(2025, 3, 7, 8), 1, 1),                   # chained, equal starts
        r(b, D(2025, 3, 5, 6), 17, 17), r(b, D(2025, 3, 5, 23), 8, 8),                   # night shift split
        r(b, D(2025, 3, 6, 16), 8, 8), r(b, D(2025, 3, 7, 0), 1, 1),                     # ends at midnight
        r(b, D(2025, 4, 1, 0), 4, "3.665"), r(b, D(2025, 4, 1, 5), 4, "3.67"),
        r(b, D(2025, 4, 1, 10), 4, "3.67"),                                              # 11.005 → 11.00: not over
        r(b, D(2025, 4, 2, 0), 4, "3.675"), r(b, D(2025, 4, 2, 5), 4, "3.67"),
        r(b, D(2025, 4, 2, 10), 4, "3.67"),                                              # 11.015 → 11.02: over
        r(b, D(2025, 4, 3, 0), 12, 12), r(b, D(2025, 4, 3, 12), 12, 12.5),               # over 24
        r(b, D(2025, 4, 3, 1), 2, 0), r(b, D(2025, 4, 3, 2), 2, -2), r(b, D(2025, 4, 3, 3), 2, "两小时"),
        r(b, D(2025, 4, 4, 8), 4, 1e300), r(b, D(2025, 4, 4, 14), 1, 1),              # huge hours
        r(b, D(2025, 4, 5, 8), 2, 1, end=D(2025, 4, 5, 8)), r(b, D(2025, 4, 5, 8), 2, 13),   # start = end
        r(b, D(1900, 1, 1, 8), 1, 20, end=D(2025, 4, 6, 9)), r(b, D(2025, 4, 6, 8), 4, 4),   # too long
        r(c, D(2025, 5, 1, 8), 9, 8, name="李四"), r(c, D(2025, 5, 2, 8), 9, 8, name="王五"),
        r(c, D(2025, 5, 3, 8), 9, 8, name="王五"), r(c, D(2025, 5, 4, 8), 9, 8, name="李四"),  # tie: first row's
        r(c, D(2025, 5, 5, 8), 9, 8, name="赵六"),
        r(d, D(2025, 5, 1, 8), 9, 8, name="买买提·艾力"), r(d, D(2025, 5, 2, 8), 9, 8, name="买买提•艾力"),
        r(d, D(2025, 5, 3, 8), 9, 8, name="买买提 ·艾力"),                                   # one person
        r(e, D(2025, 5, 1, 8), 9, 8, name="周七"), r(e, D(2025, 5, 2, 8), 9, 8, name="吴八"),
        r(e, D(2025, 5, 3, 8), 9, 8, name="吴八"), r(e, D(2025, 5, 4, 8), 9, 8, name="郑九"),
        r(e, D(2025, 5, 5, 8), 9, 8, name="郑九"), r(e, D(2025, 5, 6, 8), 9, 8, name=None),  # tie, first row not in it
        r(a[:17] + ("0" if a[17] != "0" else "1"), D(2025, 3, 5, 8), 9, 8),             # invalid ID: not a person
        r(None, D(2025, 3, 5, 8), 9, 8),
    ]
    forms = ["13911112222", "139 1111 2222", "+86 139-1111-2222", "13911112222", "(139)11112222"]
    rows += [r(pid, D(2025, 6, 1 + i, 8), 9, 8, phone=form, name=f"钱{i}") for i, (pid, form) in
             enumerate(zip(phones, forms))]
    rows += [r(pid, D(2025, 6, 10 + i, 8), 9, 8, phone="010-8888 8888", name=f"孙{i}") for i, pid in
             enumerate(phones[:4])]
    rows += [r(pid, D(2025, 6, 20 + i, 8), 9, 8, phone="1234", name=f"冯{i}") for i, pid in enumerate(phones)]
    for i, row in enumerate(rows):
        row["seq"] = [1, 1, 2, 5, 5, 9, 40, 41][i] if i < 8 else i + 40
    return rows


def edge_posts() -> list[dict]:
    """Return job posts (rows for ``helpers.apps.fill``) with duplicates and near duplicates."""
    D = dt.datetime
    post = dict(title="分拣员", category="物流", published=D(2025, 3, 1, 9), demand=30)
    return [dict(post, seq=1), dict(post, seq=2, published=D(2025, 3, 1, 15)), dict(post, seq=3, category="配送"),
            dict(post, seq=3, title="分拣员 "), dict(post, seq=7, published=D(2025, 3, 2, 9)), dict(post, seq=8)]
