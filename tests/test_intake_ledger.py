"""Checks across applicants through the ledger, and what the ledger file may (not) contain."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.intake import OTHER_USCC, RECEIVED, ROWS, THIRD_USCC, USCC, built_package, idcard, rebrand, roster_row
from helpers.postgres import BACKENDS, dump, fresh_location

from lingong_docs.core.errors import IntakeError
from lingong_docs.intake.examine.examination import Examination
from lingong_docs.intake.service import Ledger, cross_check, intake, load_key
from lingong_docs.util.pii import mask_id, mask_phone

KEY = b"bureau-secret-key-for-tests-0001"


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[str, Path]:
    """The built package for agency A, and variants: agency B with the same rows, agency C with the
    same people at other times, and A's second market re-submitting the same rows."""
    base = built_package()
    folder = tmp_path_factory.mktemp("ledger-packages")
    variants = {
        "a": base,
        "b_same_time": rebrand(base, uscc=OTHER_USCC),
        "c_other_time": rebrand(base, uscc=THIRD_USCC, applicant="北京第三人力资源有限公司",
                                shift=dt.timedelta(hours=10)),
        "a_second_market": rebrand(base, uscc=USCC, applicant="北京示例人力资源有限公司", market="朝阳区第二零工驿站"),
    }
    out = {}
    for name, data in variants.items():
        out[name] = folder / f"{name}.pdf"
        out[name].write_bytes(data)
    return out


@pytest.fixture(scope="module")
def examined(packages) -> dict[str, Examination]:
    """Each package examined once, as intake does. The variants' printed 附件5 pages still show the
    original rows (``rebrand`` changes the embedded data only), so the cell-by-cell comparison of the
    printed roster and of the re-rendered forms (cover, report: the old name) is off here
    (``max_table_pages=0``, ``max_form_pages=0``): these tests are about the ledger's checks."""
    from lingong_docs.intake.examine.run import examine
    from lingong_docs.intake.sandbox import Limits

    return {k: examine(p, as_of=RECEIVED, allow_unsigned=True, key=KEY, trust=[], limits=Limits(max_table_pages=0, max_form_pages=0))
            for k, p in packages.items()}


@pytest.fixture(scope="module", params=BACKENDS)
def ledger_run(request, examined, tmp_path_factory):
    """Receive A, B, C, A's second market, and A again, in that order, into one ledger (each backend)."""
    from lingong_docs.intake.service import Options, _receive

    server = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    location = fresh_location(request.param, server, tmp_path_factory.mktemp("ledger"))
    with Ledger(location, KEY) as ledger:
        order = ["a", "b_same_time", "c_other_time", "a_second_market", "a"]
        receipts = [_receive(copy.deepcopy(examined[k]), ledger, Options(as_of=RECEIVED)) for k in order]
    return location, dict(zip(["a", "b", "c", "a2", "a_again"], receipts))


def errors(receipt) -> set[str]:
    return {f.code for f in receipt.findings if f.severity == "error"}


def test_first_package_is_accepted(ledger_run):
    _, r = ledger_run
    assert r["a"].verdict == "accepted" and errors(r["a"]) == set()


def test_two_agencies_claiming_one_worker_at_the_same_time_are_flagged(ledger_run):
    _, r = ledger_run
    assert errors(r["b"]) == {"cross-agency-overlap"}
    message = next(f.message for f in r["b"].findings if f.code == "cross-agency-overlap")
    assert f"{ROWS}条" in message and "第5—1004行" in message
    assert "北京示例" not in message and USCC not in message     # the other agency is not named


def test_the_same_worker_at_different_times_is_not_flagged(ledger_run):
    _, r = ledger_run
    assert r["c"].verdict == "accepted", [f.message for f in r["c"].findings]


def test_same_rows_from_a_second_market_of_the_agency_are_duplicates(ledger_run):
    _, r = ledger_run
    assert errors(r["a2"]) == {"duplicate-rows"}


def test_the_same_package_twice_is_a_duplicate(ledger_run):
    _, r = ledger_run
    assert errors(r["a_again"]) == {"duplicate-package"}
    assert r["a"].receipt_no in next(f.message for f in r["a_again"].findings if f.code == "duplicate-package")


def test_ledger_holds_no_id_number_name_or_phone_in_any_form(ledger_run):
    location, _ = ledger_run
    raw = dump(location)
    assert raw and (isinstance(location, str) or b"SQLite format 3" in raw)
    for i in (0, 1, 499, ROWS - 1):
        row = roster_row(i)
        ident = idcard(i)
        fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in ident)
        forms = [ident, ident.lower(), fullwidth, mask_id(ident), ident[:6] + "*" * 8 + ident[-4:],
                 hashlib.sha256(ident.encode()).hexdigest(), hashlib.sha256(ident.encode()).hexdigest().upper(),
                 row["name"], row["phone"], mask_phone(row["phone"])]
        for form in forms:
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert form.encode(encoding) not in raw, (i, form, encoding)
        assert hashlib.sha256(ident.encode()).digest()[:16] not in raw


def test_ledger_rows_are_keyed_hashes(ledger_run):
    location, _ = ledger_run
    with Ledger(location, KEY) as ledger:
        db = ledger.db
        people = {bytes(p) for (p,) in db.execute("SELECT person FROM rows")}
        assert db.execute("SELECT count(*) FROM rows").fetchone()[0] == 2 * ROWS    # A and C accepted
        assert len(people) == ROWS                    # the same 1,000 people, one keyed hash each
        assert all(len(p) == 16 for p in people)
        plain = {hashlib.sha256(idcard(i).encode()).digest()[:16] for i in range(ROWS)}
        assert not people & plain
        assert db.execute("SELECT count(*) FROM packages").fetchone()[0] == 4
        assert db.execute("SELECT count(*) FROM examinations").fetchone()[0] == 5     # the duplicate too


def test_ledger_refuses_to_open_without_the_right_key(ledger_run):
    location, _ = ledger_run
    with pytest.raises(IntakeError) as e:
        Ledger(location, b"another-key-of-sufficient-length")
    assert e.value.code == "ledger-key-wrong"
    with pytest.raises(IntakeError) as e:
        load_key(environ={})
    assert e.value.code == "ledger-key-missing" and "LINGONG_LEDGER_KEY" in e.value.message
    with pytest.raises(IntakeError):
        load_key(environ={"LINGONG_LEDGER_KEY": "short"})
    assert load_key(environ={"LINGONG_LEDGER_KEY": KEY.decode()}) == KEY


def test_key_file_is_read(tmp_path):
    key_file = tmp_path / "ledger.key"
    key_file.write_bytes(KEY + b"\n")
    assert load_key(key_file, environ={}) == KEY


def _employment(ledger: Ledger, uscc: str, amount: str, sha: str, year: int = 2025) -> Examination:
    ex = Examination(path=Path(f"{sha}.pdf"), sha256=sha * 8, size=1)
    ex.kind, ex.year = "employment", year
    ex.applicant = {"name": "机构", "uscc": uscc, "market": "驿站" + sha}
    ex.figures = {"year": year, "uscc": uscc, "applicant": "机构", "market": "驿站" + sha, "match_count": 10000}
    ex.exact = {"operating_subsidy": "200000.00", "employment_subsidy": amount, "total": "0"}
    return ex


def _receive(ledger: Ledger, ex: Examination) -> set[str]:
    from lingong_docs.intake.service import Options, _receive

    return errors(_receive(ex, ledger, Options(as_of=RECEIVED)))


def test_a_row_differing_only_in_spaces_in_the_place_is_the_same_row(ledger_location):
    # the ledger keys rows with core.identity.record_key, as validate and compute do: "望京 驿站"
    # and "望京驿站" are one place (all spaces removed)
    from lingong_docs.intake.truth import person_key, row_key

    def row(place: str, n: int = 0) -> dict:
        start, end = "2025-03-01T09:00:00", "2025-03-01T17:00:00"
        return {"row": 5 + n, "person": person_key(KEY, idcard(n)), "key": row_key(KEY, idcard(n), start, end, place),
                "start": start, "end": end}

    with Ledger(ledger_location, KEY) as ledger:
        first = _employment(ledger, USCC, "1000.00", "aaaaaaaa")
        first.rows = [row("望京驿站")]
        assert _receive(ledger, first) == set()
        again = _employment(ledger, USCC, "1000.00", "bbbbbbbb")
        again.rows = [row("望京 驿站"), row(" 望京　驿站 ", 1)]
        cross_check(again, ledger)
        [dup] = [f for f in again.findings if f.code == "duplicate-rows"]
        assert "第5行" in dup.message and "1条" in dup.message


def test_agency_cap_is_summed_over_its_markets(ledger_location):
    with Ledger(ledger_location, KEY) as ledger:
        assert _receive(ledger, _employment(ledger, USCC, "200000.00", "aaaaaaaa")) == set()
        assert _receive(ledger, _employment(ledger, USCC, "200000.00", "bbbbbbbb")) == set()
        assert _receive(ledger, _employment(ledger, USCC, "200000.00", "cccccccc")) == {"agency-cap-exceeded"}
        # the rejected third market did not count; another agency and another year are separate
        assert ledger.employment_claimed(USCC, 2025) == Decimal("400000.00")
        assert _receive(ledger, _employment(ledger, USCC, "100000.00", "dddddddd")) == set()
        assert _receive(ledger, _employment(ledger, OTHER_USCC, "500000.00", "eeeeeeee")) == set()
        assert _receive(ledger, _employment(ledger, USCC, "500000.00", "ffffffff", year=2026)) == set()


# ---- re-examination: only an accepted package is a duplicate -------------------------------------

def _rejected(ex: Examination) -> Examination:
    ex.add("signature-missing", count=1, fields="封面盖章（seal_cover）")
    return ex


def test_a_rejected_package_may_be_examined_again_and_its_record_is_replaced(ledger_location):
    with Ledger(ledger_location, KEY) as ledger:
        assert _receive(ledger, _rejected(_employment(ledger, USCC, "100000.00", "aaaaaaaa"))) == {"signature-missing"}
        assert _receive(ledger, _rejected(_employment(ledger, USCC, "100000.00", "aaaaaaaa"))) == {"signature-missing"}
        assert ledger.find_package("a" * 64) is None
        assert ledger.find_package("a" * 64, accepted_only=False).verdict == "rejected"
        assert _receive(ledger, _employment(ledger, USCC, "100000.00", "aaaaaaaa")) == set()
        assert ledger.find_package("a" * 64).verdict == "accepted"
        assert [p["verdict"] for p in ledger.packages(accepted_only=False)] == ["accepted"]
        assert [h["verdict"] for h in ledger.history("a" * 64)] == ["rejected", "rejected"]
        assert ledger.employment_claimed(USCC, 2025) == Decimal("100000.00")
        # accepted once, the same file is a duplicate, and the accepted record stays as it was
        assert _receive(ledger, _employment(ledger, USCC, "100000.00", "aaaaaaaa")) == {"duplicate-package"}
        assert [p["verdict"] for p in ledger.packages(accepted_only=False)] == ["accepted"]
        assert len(ledger.history("a" * 64)) == 2


def test_real_package_rejected_then_accepted_then_duplicate(tmp_path):
    path = tmp_path / "p.pdf"
    path.write_bytes(built_package())
    with Ledger(tmp_path / "ledger.sqlite", KEY) as ledger:
        [first] = intake([path], ledger=ledger, as_of=RECEIVED)                 # unsigned: rejected
        [second] = intake([path], ledger=ledger, as_of=RECEIVED, allow_unsigned=True)
        [third] = intake([path], ledger=ledger, as_of=RECEIVED, allow_unsigned=True)
        assert errors(first) == {"signature-missing"}
        assert second.verdict == "accepted" and "duplicate-package" not in {f.code for f in second.findings}
        assert errors(third) == {"duplicate-package"}
        assert second.receipt_no in next(f.message for f in third.findings if f.code == "duplicate-package")
        db = ledger.db
        assert db.execute("SELECT count(*), min(verdict) FROM packages").fetchone() == (1, "accepted")
        assert db.execute("SELECT count(*) FROM rows").fetchone()[0] == ROWS
        assert [h["verdict"] for h in ledger.history(first.sha256)] == ["rejected"]


# The schema of the first release (version 1), as it wrote a new ledger file.
VERSION_1 = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE packages(id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, receipt_no TEXT NOT NULL,
    received TEXT NOT NULL, verdict TEXT NOT NULL, kind TEXT, year INTEGER, applicant TEXT, uscc TEXT, market TEXT,
    match_count INTEGER, demand_total INTEGER, amount TEXT, operating_subsidy TEXT, employment_subsidy TEXT);
CREATE TABLE rows(package_id INTEGER NOT NULL REFERENCES packages(id), row INTEGER, person BLOB NOT NULL,
    row_key BLOB NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL);
CREATE INDEX rows_person ON rows(person, start);
CREATE INDEX rows_key ON rows(row_key);
CREATE INDEX packages_agency ON packages(uscc, year, kind);
"""


def test_a_version_1_ledger_is_upgraded_in_place(tmp_path):
    from lingong_docs.intake.ledger import key_check

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(VERSION_1)
    db.executemany("INSERT INTO meta VALUES(?, ?)", [("schema", "1"), ("key_check", key_check(KEY))])
    db.execute("INSERT INTO packages(sha256, receipt_no, received, verdict, kind, year, uscc) VALUES"
               " (?, 'SL20260310-0007', '2026-03-10', 'rejected', 'employment', 2025, ?)", ("b" * 64, USCC))
    db.commit()
    db.close()
    with Ledger(path, KEY) as ledger:
        assert ledger.schema_version == "3" and len(ledger.migrated) == 2
        assert ledger.find_package("b" * 64, accepted_only=False).verdict == "rejected"
        assert [e["receipt_no"] for e in ledger.examinations()] == ["SL20260310-0007"]   # carried over
        ex = _employment(ledger, USCC, "100000.00", "bbbbbbbb")
        assert _receive(ledger, ex) == set()
        assert [h["verdict"] for h in ledger.history("b" * 64)] == ["rejected"]
        # numbering goes on above the numbers on record
        assert [e["receipt_no"] for e in ledger.examinations()] == ["SL20260310-0007", "SL20260310-0008"]
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='4' WHERE key='schema'")
    db.commit()
    db.close()
    with pytest.raises(IntakeError) as e:
        Ledger(path, KEY)
    assert e.value.code == "ledger-schema-newer"
