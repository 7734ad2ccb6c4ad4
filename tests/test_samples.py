"""The synthetic samples: the generator is deterministic, samples/demo is a valid application and
samples/broken holds the mistakes its expected.yaml lists."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from pypdf import PdfReader

from lingong_docs.core.findings import catalogue
from lingong_docs.core.model import BAD
from lingong_docs.core.policy import policy_for
from lingong_docs.core.tables import JOB_POSTS, ROSTER, spec
from lingong_docs.identifiers import idcard, phone
from lingong_docs.reader.folder import read_application, read_table
from lingong_docs.util.money import yuan

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "samples" / "generate.py"
DEMO = ROOT / "samples" / "demo"
BROKEN = ROOT / "samples" / "broken"
YEAR = 2025
APPLICANT = "北京示例人力资源有限公司"
USCC = "91110105MA01ABCD39"
READ_CODES = {"id-stored-as-number", "date-unreadable", "not-integer", "number-unreadable", "cell-error",
              "formula-without-value", "text-control-chars", "merged-cells", "row-hidden", "rows-after-gap"}
_SEQ_NAME = re.compile(r"^(\d{4,}(?:-\d{4,})?(?:,\d{4,}(?:-\d{4,})?)*)\s")


def run_generator(*args: str) -> str:
    done = subprocess.run([sys.executable, str(GENERATOR), *args], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def cell_values(path: Path) -> list[tuple]:
    wb = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def covered_seqs(names) -> set[int]:
    """序号 covered by evidence files named by the convention of docs/rules.md §7."""
    out: set[int] = set()
    for name in names:
        m = _SEQ_NAME.match(name)
        if not m:
            continue
        for part in m.group(1).split(","):
            a, _, b = part.partition("-")
            out.update(range(int(a), int(b or a) + 1))
    return out


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@pytest.fixture(scope="module")
def demo():
    return read_application(DEMO)


@pytest.fixture(scope="module")
def broken():
    return read_application(BROKEN)


@pytest.fixture(scope="module")
def expected():
    with open(BROKEN / "expected.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


# ---- generator ----

def test_generator_is_deterministic(tmp_path):
    run_generator("--seed", "7", "--out", str(tmp_path / "a"), "--only", "demo", "--rows", "300")
    run_generator("--seed", "7", "--out", str(tmp_path / "b"), "--only", "demo", "--rows", "300")
    a, b = tmp_path / "a" / "demo", tmp_path / "b" / "demo"
    for kind in (JOB_POSTS, ROSTER):
        name = spec(kind).default_file
        assert cell_values(a / name) == cell_values(b / name)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files_a:  # byte for byte: workbooks, PDFs and PNGs carry no timestamps
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    assert len(read_application(a).roster.records) == 300


def test_seed_changes_the_data(tmp_path):
    for seed in ("7", "8"):
        run_generator("--seed", seed, "--only", "roster", "--rows", "50",
                      "--roster-out", str(tmp_path / f"{seed}.xlsx"))
    assert cell_values(tmp_path / "7.xlsx")[4:] != cell_values(tmp_path / "8.xlsx")[4:]
    assert cell_values(tmp_path / "7.xlsx")[:4] == cell_values(tmp_path / "8.xlsx")[:4]


def test_big_roster_mode_writes_n_rows(tmp_path):
    target = tmp_path / "bench" / "roster-2000.xlsx"
    out = run_generator("--only", "roster", "--rows", "2000", "--roster-out", str(target))
    assert "2000" in out
    table = read_table(target)
    assert table.kind == ROSTER
    assert len(table.records) == 2000
    assert [r.values["seq"] for r in table.records] == list(range(1, 2001))
    assert (table.applicant, table.uscc) == (APPLICANT, USCC)
    assert table.findings == []
    assert all(idcard.check(r.values["id_number"]) is None for r in table.records)


def test_committed_broken_matches_generator(tmp_path):
    run_generator("--out", str(tmp_path), "--only", "broken")
    fresh = tmp_path / "broken"
    for kind in (JOB_POSTS, ROSTER):
        name = spec(kind).default_file
        assert cell_values(fresh / name) == cell_values(BROKEN / name), f"请运行 make samples 重新生成（{name}）"
    text = (BROKEN / "expected.yaml").read_text(encoding="utf-8")
    assert (fresh / "expected.yaml").read_text(encoding="utf-8") == text


# ---- samples/demo ----

def test_demo_reads_with_expected_sizes(demo):
    assert demo.all_read_findings() == []
    assert demo.info.year == YEAR and demo.info.application_date == dt.date(2026, 3, 5)
    assert demo.info.kinds == ["operating", "employment"]
    assert all(demo.info.recognition.values())
    assert 5000 <= len(demo.roster.records) < 10000          # the 10万 employment tier
    assert 150 <= len(demo.job_posts.records) <= 300
    assert sum(r.values["demand"] for r in demo.job_posts.records) > 5000
    for table in demo.tables:
        assert (table.applicant, table.uscc) == (demo.info.applicant, demo.info.uscc) == (APPLICANT, USCC)
        assert [r.values["seq"] for r in table.records] == list(range(1, len(table.records) + 1))


def test_demo_ids_valid_and_ages_18_to_62(demo):
    retire = policy_for(YEAR).roster.retirement_age
    for rec in demo.roster.records:
        pid = rec.values["id_number"]
        assert idcard.check(pid) is None, rec.row
        age = age_on(idcard.birth_date(pid), rec.values["start"].date())
        assert 18 <= age <= 62, rec.row
        assert age < (retire.male if idcard.is_male(pid) else retire.female), rec.row   # not even an info


def test_demo_roster_obeys_the_rules(demo):
    policy = policy_for(YEAR)
    methods = set(policy.roster.payment_methods)
    name_of, ids_of_phone = {}, defaultdict(set)
    by_person_day, by_person = defaultdict(Decimal), defaultdict(list)
    seen = set()
    for rec in demo.roster.records:
        v = rec.values
        assert all(v[k] not in (None, BAD) for k in ("name", "id_number", "phone", "place", "start", "end", "hours",
                                                     "pay", "method")), rec.row
        start, end, hours, pay = v["start"], v["end"], v["hours"], v["pay"]
        assert start.year == end.year == YEAR and start < end, rec.row
        assert 0 < hours <= Decimal((end - start).total_seconds()) / 3600, rec.row
        assert pay > 0 and pay == pay.quantize(Decimal("0.01")), rec.row
        minimum, _ = policy.hourly_minimum(start.date())
        assert pay / hours >= minimum, rec.row
        assert v["method"] in methods and v["method"] != "其他", rec.row
        assert phone.check(v["phone"]) is None and v["place"].startswith("朝阳区"), rec.row
        assert name_of.setdefault(v["id_number"], v["name"]) == v["name"], rec.row
        ids_of_phone[v["phone"]].add(v["id_number"])
        key = (v["id_number"], start, end, v["place"])
        assert key not in seen, rec.row
        seen.add(key)
        by_person_day[(v["id_number"], start.date())] += hours
        by_person[v["id_number"]].append((start, end))
        assert not v["remark"] or not re.search(r"按时长|计时|按次|计件|现金|\.(pdf|png|jpe?g)", v["remark"]), rec.row
    assert max(len(ids) for ids in ids_of_phone.values()) <= policy.roster.max_ids_per_phone
    assert max(by_person_day.values()) <= policy.roster.warn_hours_per_day
    for spans in by_person.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert 1000 < len(by_person) < len(demo.roster.records)     # a worker pool, people return
    assert any(len(n) >= 3 and n[:2] in ("欧阳", "司马", "上官", "诸葛", "东方") for n in name_of.values())


def test_demo_job_posts_obey_the_rules(demo):
    keys = set()
    for rec in demo.job_posts.records:
        v = rec.values
        assert v["title"] and v["category"] and isinstance(v["demand"], int) and v["demand"] >= 1, rec.row
        assert v["published"].year == YEAR, rec.row
        key = (v["title"], v["category"], v["published"])
        assert key not in keys, rec.row
        keys.add(key)
        assert not v["remark"] or not re.search(r"天津|河北|廊坊|燕郊|外省|京外", v["remark"]), rec.row


def test_demo_evidence_covers_every_row(demo):
    names = [p.name for p in demo.evidence]
    assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".png") for n in names)
    assert covered_seqs(names) >= set(range(1, len(demo.roster.records) + 1))
    assert (DEMO / "支付凭证" / "说明.txt").is_file()
    assert sum(p.stat().st_size for p in demo.evidence) < 1_000_000
    assert (DEMO / spec(ROSTER).default_file).stat().st_size < 1_000_000


def test_demo_statement_states_the_batch_total(demo):
    pay = {r.values["seq"]: r.values["pay"] for r in demo.roster.records}
    pdfs = [p for p in demo.evidence if p.suffix == ".pdf"]
    assert pdfs
    for pdf in pdfs:
        (first, last), = [tuple(map(int, m.split("-"))) for m in [_SEQ_NAME.match(pdf.name).group(1)]]
        reader = PdfReader(pdf)
        text = reader.pages[0].extract_text()
        assert len(reader.pages) == 1
        assert "样例" in text and APPLICANT in text
        assert yuan(sum(pay[s] for s in range(first, last + 1))) in text
        fonts = {f["/BaseFont"] for f in reader.pages[0]["/Resources"]["/Font"].values()}
        assert all("+" in name for name in fonts)       # subset = embedded, no standard-14 font


# ---- samples/broken ----

def test_expected_yaml_is_well_formed(expected, broken):
    known = catalogue()
    rows = {spec(ROSTER).default_file: {r.row for r in broken.roster.records},
            spec(JOB_POSTS).default_file: {r.row for r in broken.job_posts.records} | {3}}
    for e in expected:
        assert set(e) == {"row", "column", "code", "file", "note"}
        assert e["code"] in known and e["note"]
        if e["file"] in rows:
            assert e["row"] in rows[e["file"]], e
        else:
            assert (BROKEN / "支付凭证" / e["file"]).is_file() and e["row"] is None
    keys = [(e["file"], e["row"], e["column"], e["code"]) for e in expected]
    assert len(keys) == len(set(keys))
    wanted = {
        "id-check-char", "id-birth-date", "id-province", "id-15-digit", "id-stored-as-number", "id-length",
        "age-under-16", "age-minor", "age-implausible", "age-retirement", "start-not-before-end", "time-outside-year",
        "after-application-date", "hours-not-positive", "hours-exceed-span", "hours-over-24-per-day",
        "hours-over-11-per-day", "pay-not-positive", "pay-decimals", "pay-below-minimum", "id-name-conflict",
        "duplicate-row", "overlapping-tasks", "phone-format", "phone-shared", "payment-method-cash",
        "payment-method-unknown", "evidence-row-uncovered", "evidence-file-unused", "evidence-file-missing",
        "required", "date-unreadable", "task-spans-year-end", "demand-not-positive", "not-integer",
        "duplicate-post", "post-outside-beijing", "applicant-mismatch",
    }
    assert wanted <= {e["code"] for e in expected}


def test_broken_read_findings_are_exactly_the_expected_ones(expected, broken):
    got = {(f.file, f.row, f.column, f.code) for f in broken.all_read_findings()}
    want = {(e["file"], e["row"], e["column"], e["code"]) for e in expected if e["code"] in READ_CODES}
    assert got == want and len(want) == 3


def test_broken_header_mismatch_and_evidence(expected, broken):
    posts = broken.job_posts
    mismatch, = [e for e in expected if e["code"] == "applicant-mismatch"]
    assert posts.uscc != broken.info.uscc and posts.applicant == broken.info.applicant
    assert (posts.uscc_cell or (None, None)) == (mismatch["row"], mismatch["column"])
    assert (broken.roster.applicant, broken.roster.uscc) == (broken.info.applicant, broken.info.uscc)
    n = len(broken.roster.records)
    covered = covered_seqs(p.name for p in broken.evidence)
    assert set(range(1, n + 1)) - covered == {n}
    uncovered, = [e for e in expected if e["code"] == "evidence-row-uncovered"]
    assert uncovered["row"] == broken.roster.records[-1].row
    missing, = [e for e in expected if e["code"] == "evidence-file-missing"]
    remark = next(r.values["remark"] for r in broken.roster.records if r.row == missing["row"])
    name = re.search(r"[^:：\s]+\.png", remark).group(0)
    assert not (BROKEN / "支付凭证" / name).exists()


def test_broken_clean_rows_are_valid_in_form(broken, expected):
    """Rows listed in expected.yaml as 'must produce no finding' really are valid once normalised."""
    text = (BROKEN / "expected.yaml").read_text(encoding="utf-8")
    clean = [int(r) for r in re.findall(r"^#\s+第(\d+)行：", text, re.M)]
    assert len(clean) == 4
    flagged = {e["row"] for e in expected if e["file"] == spec(ROSTER).default_file}
    for rec in broken.roster.records:
        if rec.row in clean:
            assert rec.row not in flagged
            assert idcard.check(rec.values["id_number"]) is None and phone.check(rec.values["phone"]) is None
