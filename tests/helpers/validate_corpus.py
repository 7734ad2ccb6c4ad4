"""The validate corpus: inputs rebuilt byte-stable, and the full JSON `validate` printed for each (goldens).

Issue 24 replaces the row-wise validate engine with a columnar one; the findings (code, row, column,
value, message, severity, hint, order) must stay identical. ``tests/test_validate_corpus.py`` runs
``lingong-docs validate TARGET --format json`` (in-process, through the click command) on every case
here and compares the whole JSON with the golden under ``tests/data/validate_corpus/``.

The cases: every sample folder under ``samples/``; the messy and held-out workbooks the test suite
builds (operator layouts, footer lines, '-prefixed IDs, 上午8:00, 1e300/NaN/"1e400", swapped tables,
hidden rows and columns, merged cells, …); and a seeded 30,000-row roster with errors spread around.

Regenerate the goldens (only when a change of findings is intended — say so in the commit):

    .venv/bin/python -m tests.helpers.validate_corpus --regenerate            # every case
    .venv/bin/python -m tests.helpers.validate_corpus --regenerate roster-30k # some cases

(or ``make validate-corpus``). The test suite never writes goldens.

What is normalised before comparing (not deterministic, or not about the findings): the
``stats.seconds`` timing is dropped, and the absolute path of the case's folder is written ``<CASE>``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import io
import json
import re
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
if str(TESTS) not in sys.path:        # run as ``python -m tests.helpers.validate_corpus``
    sys.path.insert(0, str(TESTS))

from openpyxl import load_workbook  # noqa: E402
from openpyxl.styles import Font, PatternFill  # noqa: E402

from helpers.apps import JOB_POSTS, ROSTER, fill, make_app, table_path, tiny_evidence  # noqa: E402
from helpers.cross_rows_roster import edge_posts, edge_rows, seeded_rows, write_roster  # noqa: E402
from helpers.hostile_xlsx import HOSTILE  # noqa: E402
from helpers.rules import OTHER, D, make_id, r  # noqa: E402

GOLDEN = TESTS / "data" / "validate_corpus"
POST = dict(seq=1, title="分拣员", category="物流", published=D(2025, 3, 1), demand=30)
EVIDENCE = ("0001-9999 回单.pdf",)


def samples_generator():
    """The sample generator (samples/generate.py) as a module: its roster planner and byte-stable xlsx."""
    mod = sys.modules.get("lingong_samples_generate")
    if mod is None:
        spec = importlib.util.spec_from_file_location("lingong_samples_generate", ROOT / "samples" / "generate.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules["lingong_samples_generate"] = mod
        spec.loader.exec_module(mod)
    return mod


@dataclass(frozen=True)
class Case:
    """One corpus input: ``build(folder)`` writes it and returns the validate target and extra arguments."""

    name: str
    build: Callable[[Path], tuple[Path, list[str]]]
    must: frozenset[str] = field(default_factory=frozenset)   # codes the output must contain
    slow: bool = False

    @property
    def golden(self) -> Path:
        return GOLDEN / (f"{self.name}.json.gz" if self.slow else f"{self.name}.json")


# ---- building blocks -------------------------------------------------------------------------

def stabilise(folder: Path) -> None:
    """Rewrite every workbook under ``folder`` with fixed zip times and document dates (byte-stable)."""
    gen = samples_generator()
    for path in sorted(folder.rglob("*.xlsx")):
        data = path.read_bytes()
        if data[:2] == b"PK" and _is_zip(data):
            path.write_bytes(gen.reproducible_xlsx(data))


def _is_zip(data: bytes) -> bool:
    try:
        zipfile.ZipFile(io.BytesIO(data)).testzip()
    except (zipfile.BadZipFile, OSError, EOFError):
        return False
    return True


def application(folder: Path, roster: list[dict], posts: list[dict] | None = None,
                evidence: tuple[str, ...] = EVIDENCE, tweak: Callable[[Path], None] | None = None,
                **app_kw) -> Path:
    """An application folder (init, both tables filled, evidence files), optionally edited by ``tweak``."""
    app = make_app(folder / "app", **app_kw)
    fill(table_path(app, ROSTER), ROSTER, [dict(x, seq=x.get("seq", i + 1)) for i, x in enumerate(roster)])
    fill(table_path(app, JOB_POSTS), JOB_POSTS, [POST] if posts is None else posts)
    for name in evidence:
        (app / "支付凭证" / name).write_bytes(tiny_evidence(name))
    if tweak is not None:
        tweak(app)
    return app


def folder_case(name: str, roster: list[dict], must=(), **kw) -> Case:
    def build(folder: Path) -> tuple[Path, list[str]]:
        return application(folder, roster, **kw), []

    return Case(name, build, frozenset(must))


def edit_sheet(kind: str, change: Callable) -> Callable[[Path], None]:
    """A tweak that opens the ``kind`` workbook of the folder with openpyxl, calls ``change(wb)``, saves."""
    def tweak(app: Path) -> None:
        path = table_path(app, kind)
        wb = load_workbook(path)
        change(wb)
        wb.save(path)

    return tweak


def day(n: int, start: int = 8, end: int = 17, month: int = 3) -> dict:
    """start/end of a task on day ``n`` of ``month`` 2025."""
    return dict(start=D(2025, month, n, start), end=D(2025, month, n, end))


def person(i: int) -> str:
    return make_id(f"1990{(i % 12) + 1:02d}{(i % 27) + 1:02d}", seq=f"{100 + i:03d}")


# ---- the messy / held-out rows of the test suite ----------------------------------------------

def typed_values() -> list[dict]:
    """One row each: what operators type in the cells (IDs, times, numbers, names, methods)."""
    a = r()["id_number"]
    rows: list[dict] = [
        dict(id_number="'" + a), dict(id_number=f"{a[:6]}-{a[6:14]}-{a[14:]}"), dict(id_number="‘" + a),
        dict(id_number="110105900307123"), dict(id_number=110105491231002.0), dict(id_number=float(a[:17] + "1")),
        dict(id_number=a[:17] + ("0" if a[-1] != "0" else "1")), dict(id_number=a[:16]),
        dict(id_number=make_id("19900307", "911156")), dict(id_number=make_id("19900307", "999156")),
        dict(id_number=make_id("20090305", seq="125")), dict(id_number=make_id("19500101", seq="125")),
        dict(id_number=make_id("20260101", seq="125")),
        dict(name="买买提・艾力"), dict(name="约翰 史密斯"), dict(name="张　三"), dict(name=None), dict(name="A1"),
        dict(start="2025-03-05 上午8:00", end="2025/3/5 下午5:30"), dict(start="2025年3月5日 上午 8时", end="2025/3/5 中午12:30"),
        dict(start=dt.time(8, 0)), dict(start=D(2025, 3, 1), end=D(2025, 3, 1)), dict(start="三月五日"),
        dict(start=D(1900, 1, 1, 8), end=D(9999, 12, 31, 8)), dict(start=D(2025, 3, 5, 17), end=D(2025, 3, 5, 8)),
        dict(start=D(2024, 6, 1, 8), end=D(2024, 6, 1, 17)), dict(start=D(2026, 3, 6, 8), end=D(2026, 3, 6, 17)),
        dict(start=D(2024, 12, 31, 20), end=D(2025, 1, 1, 4), hours=7, pay=300),
        dict(hours="8:00"), dict(hours=dt.time(8, 0)), dict(hours=8.000000000058208, pay=242.4000000017637),
        dict(hours=0), dict(hours=10, pay=400), dict(hours="八小时"), dict(hours=None), dict(hours=0.01, pay=2),
        dict(hours=9000), dict(hours=8 / 24), dict(pay=320.555), dict(pay=-5), dict(pay=0), dict(pay="三百"),
        dict(pay=13912345678), dict(pay=60000), dict(pay=9000), dict(pay=8 * 27), dict(pay=None),
        dict(seq="1-1"), dict(method="微信支付"), dict(method="银行转账（非现金）"), dict(method="银行卡"),
        dict(method="现金"), dict(method="京东白条"), dict(method=None), dict(phone="1380013800"), dict(phone="010-12345678"),
        dict(phone=13800138000), dict(phone=None), dict(place=None), dict(place=D(2025, 1, 2, 8, 30)),
        dict(remark=dt.date(2025, 1, 1)), dict(remark="作废"), dict(remark="已取消"), dict(remark="重复登记，删除"),
        dict(place="天津武清 仓储分拣"), dict(place='=HYPERLINK("http://x/"&C5,"x")'),
    ]
    out = []
    for i, over in enumerate(rows):
        base = r(seq=i + 1, id_number=person(i), phone=f"139{i:08d}", **day(1 + i % 28, month=3 + i // 28))
        out.append(dict(base, **over))
    return out


HUGE = [1e300, -0.0, "NaN", "nan", "inf", "-Infinity", 9.99999999999999e307, "1e400", "1" * 400]


def huge_values() -> tuple[list[dict], list[dict]]:
    roster = [r(seq=v, hours=v, pay=v, id_number=person(i), phone=f"137{i:08d}", **day(1 + i))
              for i, v in enumerate(HUGE)]
    posts = [dict(POST, seq=v, demand=v, title=f"分拣员{i}") for i, v in enumerate(HUGE)]
    posts += [dict(POST, seq=20 + i, demand=d, title=f"岗位{i}") for i, d in
              enumerate([13912345678, 110105199003071234, 6000, 600, 4999, "三十", None, 0, -3, 2.5])]
    return roster, posts


def cross_rows() -> list[dict]:
    """Rows that only rules across rows see: duplicates, overlaps, daily hours, names, phones, seq."""
    p2, pid = make_id("19920102", seq="333"), make_id("19880808", seq="444")
    return [
        r(seq=1), r(seq=2),
        r(seq=3, name="李四", **day(1, month=4)),
        r(seq=4, name="张山", **day(2, month=4)), r(seq=5, name="张三", **day(3, month=4)),
        r(seq=6, id_number=p2, phone="13900000001", start=D(2025, 5, 1, 8), end=D(2025, 5, 1, 14), hours=6, pay=240),
        r(seq=7, id_number=p2, phone="13900000001", start=D(2025, 5, 1, 12), end=D(2025, 5, 1, 20), hours=7, pay=280),
        *[r(seq=8 + i, id_number=make_id(f"1985010{i + 1}", seq="456"), phone="13911112222", **day(1 + i, month=6))
          for i in range(4)],
        r(seq=12, id_number=OTHER, start=D(2025, 3, 5, 0), end=D(2025, 3, 5, 13), hours=13, pay=520),
        r(seq=13, id_number=OTHER, start=D(2025, 3, 5, 12), end=D(2025, 3, 5, 23, 30), hours=11.5, pay=460,
          place="朝阳区国贸 保洁"),
        r(seq=14, id_number=pid, start=D(2025, 3, 9, 6), end=D(2025, 3, 9, 23), hours=17, pay=680),
        r(seq=15, id_number=pid, start=D(2025, 3, 9, 23), end=D(2025, 3, 10, 7), hours=8, pay=320),
        r(seq=16, id_number=pid, start=D(2025, 12, 31, 16), end=D(2026, 1, 1, 0), hours=8, pay=320),
        r(seq=16, id_number=pid, **day(1, month=8)), r(seq=20, id_number=pid, **day(2, month=8)),
        r(seq=21, name="买买提·艾力", id_number=p2, **day(3, month=8)),
        r(seq=22, name="买买提•艾力", id_number=p2, **day(4, month=8)),
    ]


# ---- layouts: the tweaks operators' workbooks carry ----------------------------------------------

def _far_format(wb) -> None:
    ws = wb.worksheets[0]
    ws["K1048576"].fill = PatternFill("solid", fgColor="FFFF00")
    for row in range(7, 400):
        ws.cell(row, 3).fill = PatternFill("solid", fgColor="EEEEEE")


def _footer(wb) -> None:
    ws = wb.active
    ws.cell(8, 1).value = "填表人：王五    审核人：赵六"
    ws.cell(9, 1).value = "制表日期：2026年3月1日"
    ws.cell(10, 2).value = "注：本表一式两份"


def _merged(wb) -> None:
    wb.active.merge_cells("E5:E6")
    wb.active.merge_cells("E7:F7")


def _hidden(wb) -> None:
    wb.active.row_dimensions[6].hidden = True
    wb.worksheets[0].column_dimensions.group("H", "J", hidden=True)
    for cell in wb.active[7]:
        cell.font = Font(strike=True)


def _second_sheet(wb) -> None:
    wb.copy_worksheet(wb.worksheets[0]).title = "下半年"


def _both_labels(wb) -> None:
    ws = wb.active
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row == 3:
            ws.unmerge_cells(str(rng))
    for c in ws[3]:
        c.value = None
    ws["A3"] = "申请单位全称（盖章）：北京示例人力资源有限公司        统一社会信用代码：91110105MA01ABCD39"


def _swap(app: Path) -> None:
    roster, posts = table_path(app, ROSTER), table_path(app, JOB_POSTS)
    roster.rename(app / "x.xlsx")
    posts.rename(roster)
    (app / "x.xlsx").rename(posts)


def _extras(app: Path) -> None:
    (app / ("~$" + table_path(app, ROSTER).name)).write_bytes(b"\0" * 165)
    (app / "其他材料").mkdir()
    (app / "其他材料" / "场地照片.pdf").write_bytes(b"%PDF-1.4 cut off")
    (app / "支付凭证" / "3月").mkdir()
    (app / "支付凭证" / "3月" / "0001-0250建设银行代发回单.pdf").write_bytes(tiny_evidence("x.pdf"))
    (app / "支付凭证" / "张三（微信）.png").write_bytes(tiny_evidence("x.png"))


def _by_hours(app: Path) -> None:
    path = app / "application.yaml"
    path.write_text(re.sub(r"(?m)^计次方式:.*$", "计次方式: 按时长", path.read_text(encoding="utf-8")),
                    encoding="utf-8")


def _header_down(rows: int) -> Callable[[Path], None]:
    return edit_sheet(ROSTER, lambda wb: wb.worksheets[0].insert_rows(1, rows))


def _three(**over) -> list[dict]:
    return [r(seq=1, **over), r(seq=2, id_number="110105199003071231", **day(6)), r(seq=3, id_number=OTHER, **day(7))]


def _fractions(typed: bool) -> list[dict]:
    return [r(seq=i + 1, id_number=make_id(f"19900{(i % 9) + 1}01"), start=D(2025, 3, 5 + i, 8),
              end=D(2025, 3, 5 + i, 16), hours=0.33 if typed else 8 / 24) for i in range(3)]


def single(kind: str, name: str, roster: list[dict], must=(), args: tuple[str, ...] = ()) -> Case:
    """The one workbook given alone (no folder rules)."""
    def build(folder: Path) -> tuple[Path, list[str]]:
        app = application(folder, roster)
        return table_path(app, kind), list(args)

    return Case(name, build, frozenset(must))


def hostile(code: str) -> Case:
    def build(folder: Path) -> tuple[Path, list[str]]:
        folder.mkdir(parents=True, exist_ok=True)
        return HOSTILE[code](folder), []

    return Case(f"hostile-{code}", build, frozenset({code.removesuffix("-col").removesuffix("-docx")}))


def sample(folder: Path) -> Case:
    def build(_: Path) -> tuple[Path, list[str]]:
        return folder, []

    expected = samples_expected(folder)
    return Case(f"sample-{folder.name}", build, frozenset(expected))


def samples_expected(folder: Path) -> set[str]:
    import yaml

    path = folder / "expected.yaml"
    if not path.exists():
        return set()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = data.get("findings", data) if isinstance(data, dict) else data
    return {item["code"] for item in items if isinstance(item, dict) and "code" in item}


def _seeded_roster(folder: Path) -> tuple[Path, list[str]]:
    """A 3,000-row roster with cross-row mistakes spread around (helpers.cross_rows_roster)."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_roster(folder / "附件5_撮合服务成功人员花名册.xlsx", seeded_rows(3000)), ["--year", "2025"]


def small_cases() -> list[Case]:
    roster, posts = huge_values()
    footer_posts = [POST, dict(POST, seq=2, title="注塑工")]
    cases = [
        folder_case("typed-values", typed_values(), must={"id-extra-characters", "id-15-digit", "age-minor",
                                                          "start-not-before-end", "payment-method-cash"}),
        folder_case("huge-numbers", roster, posts=posts, must={"number-looks-like-phone", "demand-implausible"}),
        folder_case("cross-rows", cross_rows(), must={"duplicate-row", "id-name-conflict"}),
        folder_case("cross-rows-corners", edge_rows(), posts=edge_posts(),
                    must={"duplicate-row", "id-name-conflict", "overlapping-tasks", "hours-over-11-per-day",
                          "hours-over-24-per-day", "phone-shared", "duplicate-post", "seq-gap"}),
        Case("roster-seeded-3k", _seeded_roster, frozenset({"duplicate-row", "id-name-conflict", "overlapping-tasks",
                                                           "hours-over-11-per-day", "phone-shared"})),
        folder_case("far-formatting", [r(), r(seq=2, id_number=OTHER)], tweak=edit_sheet(ROSTER, _far_format)),
        folder_case("far-content", [r()], tweak=edit_sheet(ROSTER, lambda wb: wb.worksheets[0].__setitem__(
            "K1048576", "x")), must={"sheet-too-large"}),
        folder_case("header-down-90", [r()], tweak=_header_down(90)),
        folder_case("header-down-120", [r()], tweak=_header_down(120), must={"table-header-not-found"}),
        folder_case("footer-lines", [r(), r(seq=2, id_number=OTHER)], posts=footer_posts,
                    tweak=lambda app: [edit_sheet(k, _footer)(app) for k in (ROSTER, JOB_POSTS)],
                    must={"total-row-ignored"}),
        folder_case("merged-cells", _three(), tweak=edit_sheet(ROSTER, _merged), must={"merged-cells"}),
        folder_case("hidden-struck", _three(pay=-5), tweak=edit_sheet(ROSTER, _hidden),
                    must={"row-hidden", "row-struck-through"}),
        folder_case("second-sheet", [r()], tweak=edit_sheet(ROSTER, _second_sheet), must={"sheet-ignored"}),
        folder_case("both-labels-one-cell", [r()], tweak=edit_sheet(ROSTER, _both_labels)),
        folder_case("swapped-tables", [r()], tweak=_swap, must={"table-swapped"}),
        folder_case("extras", [r(), r(seq=2, id_number=OTHER, **day(6), remark="见 张三（微信）.PNG")],
                    evidence=(), tweak=_extras, must={"workbook-open-elsewhere", "supporting-file-unreadable"}),
        folder_case("no-evidence", [r()], evidence=(), must={"evidence-missing"}),
        folder_case("by-hours-fractions", _fractions(False), tweak=_by_hours, must={"hours-day-fraction"}),
        folder_case("by-hours-typed", _fractions(True), tweak=_by_hours, must={"hours-day-fraction"}),
        folder_case("count-mode-fraction", _fractions(False)[:1] + [r(seq=2, id_number=OTHER)],
                    must={"hours-day-fraction-suspect"}),
        folder_case("year-2019", [r(seq=i + 1, **day(5 + i)) for i in range(12)], year=2019, force=True,
                    posts=[dict(POST, seq=i + 1, published=D(2025, 3, 1 + i)) for i in range(3)],
                    must={"year-outside-policy", "year-mismatch"}),
        folder_case("deadline-passed", [r()], today=dt.date(2027, 1, 10), must={"deadline-passed"}),
        folder_case("other-applicant", [r()], uscc="91110108MA02KLMN5G", applicant="北京另一家人力资源有限公司"),
        single(ROSTER, "roster-alone", typed_values()[:30], must={"id-extra-characters"}),
        single(ROSTER, "roster-alone-year", typed_values()[:30], args=("--year", "2024")),
        single(JOB_POSTS, "posts-alone", [r()]),
    ]
    cases += [hostile(code) for code in HOSTILE if code != "xlsx-bomb"]
    cases += [sample(p.parent) for p in sorted((ROOT / "samples").glob("*/application.yaml"))]
    return cases


# ---- the 30,000-row roster with errors spread around ------------------------------------------

SEEDED = {   # what is done to a row → a code the engine must report at least once
    "check-digit": "id-check-char",
    "under-age": "age-under-16",
    "end-before-start": "start-not-before-end",
    "duplicate": "duplicate-row",
    "other-name": "id-name-conflict",
    "bad-pay": "pay-decimals",
    "negative-pay": "pay-not-positive",
    "missing-name": "required",
    "text-hours": "number-unreadable",
    "overlap": "overlapping-tasks",
    "long-day": "hours-over-11-per-day",
    "over-age": "age-retirement",
    "shared-phone": "phone-shared",
    "cash": "payment-method-cash",
}


SHARED_PHONE = "13912340000"   # every shared-phone row: dozens of IDs on one number


def _mutate(rng: Random, rows: list[dict], i: int, what: str, gen) -> list[dict]:
    """Return the rows that replace ``rows[i]`` when ``what`` is done to it."""
    row = dict(rows[i])
    start = row["start"]
    if what == "check-digit":
        pid = row["id_number"]
        row["id_number"] = pid[:17] + ("0" if pid[17] != "0" else "1")
    elif what in ("under-age", "over-age"):
        born = dt.date(start.year - 15, 6, 1) if what == "under-age" else dt.date(1950 + rng.randrange(10), 2, 3)
        row["id_number"] = gen.make_id("110105", born, rng.randrange(1000))
    elif what == "end-before-start":
        row["start"], row["end"] = row["end"], row["start"]
    elif what == "duplicate":
        return [row, dict(row)]
    elif what == "other-name":
        return [row, dict(row, name=row["name"][0] + "某某", start=start + dt.timedelta(days=400),
                          end=row["end"] + dt.timedelta(days=400))]
    elif what == "bad-pay":
        row["pay"] = float(row["pay"]) + 0.005
    elif what == "negative-pay":
        row["pay"] = -float(row["pay"])
    elif what == "missing-name":
        row[rng.choice(("name", "place", "phone", "method"))] = None
    elif what == "text-hours":
        row[rng.choice(("hours", "pay"))] = rng.choice(("八小时", "三百元", "约8"))
    elif what == "overlap":
        later = start + dt.timedelta(hours=1)
        return [row, dict(row, start=later, end=later + dt.timedelta(hours=3), hours=3, pay=90)]
    elif what == "long-day":
        evening = start.replace(hour=18, minute=0)
        return [dict(row, end=start.replace(hour=17, minute=0), hours=9),
                dict(row, start=evening, end=evening + dt.timedelta(hours=5), hours=5, pay=150)]
    elif what == "shared-phone":
        row["phone"] = SHARED_PHONE
    elif what == "cash":
        row["method"] = "现金"
    return [row]


def roster_30k_rows(rows: int = 30_000, seed: int = 24) -> list[dict]:
    """A planned valid roster (samples/generate.py) with about 3% of its rows made wrong, seeded."""
    gen = samples_generator()
    rng = Random(seed)
    planned = gen.plan_roster(Random(seed), rows)
    kinds = sorted(SEEDED)
    out: list[dict] = []
    for i in range(len(planned)):
        if rng.random() < 0.03:
            out.extend(_mutate(rng, planned, i, kinds[rng.randrange(len(kinds))], gen))
        else:
            out.append(planned[i])
    for n, row in enumerate(out, start=1):
        row["seq"] = n
    return out


def build_roster_30k(folder: Path) -> tuple[Path, list[str]]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "附件5_撮合服务成功人员花名册.xlsx"
    samples_generator().write_bench_roster(path, roster_30k_rows())
    return path, ["--year", "2025"]


def all_cases() -> list[Case]:
    big = Case("roster-30k", build_roster_30k, frozenset(SEEDED.values()), slow=True)
    return small_cases() + [big]


# ---- running validate and the goldens ------------------------------------------------------------

def build(case: Case, folder: Path) -> tuple[Path, list[str]]:
    """Write the case's inputs under ``folder`` (byte-stable) and return the validate target and arguments."""
    target, args = case.build(folder)
    if folder.exists():
        stabilise(folder)
    return target, args


def run_validate(target: Path, args: list[str], folder: Path) -> dict:
    """``lingong-docs validate TARGET --format json ARGS`` through the click command; exit code and JSON."""
    from click.testing import CliRunner

    from lingong_docs.cli import main

    result = CliRunner().invoke(main, ["validate", str(target), "--format", "json", *args], catch_exceptions=False)
    data = json.loads(result.stdout)
    return {"exit_code": result.exit_code, "output": normalise(data, folder)}


def normalise(data, folder: Path):
    """Drop the timing; write the case folder (and the repository) as placeholders."""
    stats = data.get("stats") if isinstance(data, dict) else None
    if isinstance(stats, dict):
        stats.pop("seconds", None)
    text = json.dumps(data, ensure_ascii=False)
    for path, mark in ((folder, "<CASE>"), (ROOT, "<REPO>")):
        for form in (str(path.resolve()), str(path)):
            text = text.replace(json.dumps(form, ensure_ascii=False)[1:-1], mark)
    return json.loads(text)


def observe(case: Case, folder: Path) -> dict:
    target, args = build(case, folder)
    return run_validate(target, args, folder)


def dumps(result: dict) -> bytes:
    return (json.dumps(result, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")


def read_golden(case: Case) -> dict:
    data = case.golden.read_bytes()
    return json.loads(gzip.decompress(data) if case.slow else data)


def write_golden(case: Case, result: dict) -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    body = dumps(result)
    case.golden.write_bytes(gzip.compress(body, mtime=0) if case.slow else body)


def regenerate(names: list[str]) -> int:
    cases = [c for c in all_cases() if not names or c.name in names]
    if names and len(cases) != len(set(names)):
        print("unknown case:", sorted(set(names) - {c.name for c in cases}), file=sys.stderr)
        return 2
    for case in cases:
        with tempfile.TemporaryDirectory() as tmp:
            result = observe(case, Path(tmp) / case.name)
        write_golden(case, result)
        out = result["output"]
        print(f"{case.name}: exit {result['exit_code']}, {len(out.get('issues', []))} findings"
              f"{', error ' + out['error']['code'] if 'error' in out else ''}")
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Rebuild the validate corpus goldens from the current engine.")
    ap.add_argument("--regenerate", action="store_true", help="write tests/data/validate_corpus/*.json[.gz]")
    ap.add_argument("cases", nargs="*", help="only these cases (default: all)")
    ns = ap.parse_args(argv)
    if not ns.regenerate:
        for case in all_cases():
            print(case.name, "(slow)" if case.slow else "")
        return 0
    return regenerate(ns.cases)


if __name__ == "__main__":
    sys.exit(main())
