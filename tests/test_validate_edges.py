"""Edge cases found in review: what office files really contain, and what operators really type."""

from __future__ import annotations

import datetime as dt
import shutil

from helpers.apps import ROSTER, fill, make_app, table_path, tiny_pdf
from helpers.rules import D, codes, findings, make_id, r
from openpyxl import load_workbook

from lingong_docs.compute import compute_many
from lingong_docs.core.evidence import covered_rows
from lingong_docs.identifiers import phone
from lingong_docs.reader.folder import read_application
from lingong_docs.validate.run import validate


def test_formula_float_noise_in_hours_and_pay_is_not_an_error(tmp_path):
    found, report = findings(tmp_path, [
        r(seq=1, hours=8.000000000058208, pay=242.4000000017637),
        r(seq=2, hours=7.999999999883585, pay=242.4, start=D(2025, 3, 6, 8), end=D(2025, 3, 6, 16)),
    ])
    assert found == set()
    hours = [rec.values["hours"] for rec in read_application(tmp_path / "app").roster.records]
    assert [str(h) for h in hours] == ["8.0", "8.0"]


def test_pay_typed_with_three_decimals_is_still_an_error(tmp_path):
    found, _ = findings(tmp_path, [r(pay=320.555)])
    assert (5, "I", "pay-decimals") in found


def test_second_sheet_with_the_same_table_is_an_error_not_silence(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r()])
    wb = load_workbook(table_path(folder, ROSTER))
    copy = wb.copy_worksheet(wb.worksheets[0])
    copy.title = "下半年"
    wb.save(table_path(folder, ROSTER))
    report = validate(read_application(folder))
    [f] = [f for f in report.findings if f.code == "sheet-ignored"]
    assert f.severity == "error" and "下半年" in f.message


def test_both_header_labels_in_one_cell(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r()])
    (folder / "支付凭证" / "0001 回单.pdf").write_bytes(tiny_pdf())
    wb = load_workbook(table_path(folder, ROSTER))
    ws = wb.active
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row == 3:
            ws.unmerge_cells(str(rng))
    for c in ws[3]:
        c.value = None
    ws["A3"] = "申请单位全称（盖章）：北京示例人力资源有限公司        统一社会信用代码：91110105MA01ABCD39"
    wb.save(table_path(folder, ROSTER))
    app = read_application(folder)
    assert app.roster.applicant == "北京示例人力资源有限公司" and app.roster.uscc == "91110105MA01ABCD39"
    assert not [f for f in validate(app).findings if f.file == table_path(folder, ROSTER).name]


def test_non_numeric_seq_is_a_warning_and_the_row_still_counts(tmp_path):
    found, report = findings(tmp_path, [r(seq="1-1")], evidence=("0001 回单.pdf",))
    assert (5, "A", "seq-unreadable") in found and report.valid


def test_evidence_in_sub_folders_and_names_without_a_space(tmp_path):
    found, _ = findings(tmp_path, [r()], evidence=())
    folder = tmp_path / "app"
    (folder / "支付凭证" / "3月").mkdir()
    (folder / "支付凭证" / "3月" / "0001-0250建设银行代发回单.pdf").write_bytes(tiny_pdf())
    report = validate(read_application(folder))
    assert report.findings == []
    assert covered_rows("0012,0015-0018支付宝.pdf") == [(12, 12), (15, 18)]
    assert covered_rows("2025年12月回单.pdf") is None


def test_remark_may_name_a_file_with_spaces_and_brackets(tmp_path):
    found, _ = findings(tmp_path, [r(remark="凭证：0005 微信转账.png"),
                                   r(seq=2, start=D(2025, 3, 6, 8), end=D(2025, 3, 6, 17), remark="见 张三（微信）.PNG")],
                        evidence=("0005 微信转账.png", "张三（微信）.png"))
    assert found == set()


def test_date_only_times_say_the_time_is_missing(tmp_path):
    found, _ = findings(tmp_path, [r(start=D(2025, 3, 1), end=D(2025, 3, 1))])
    assert (5, "F", "task-times-missing") in found and "start-not-before-end" not in codes(found)


def test_hours_typed_as_a_duration(tmp_path):
    found, _ = findings(tmp_path, [r(hours="8:00"), r(seq=2, hours=dt.time(8, 0), start=D(2025, 3, 6, 8),
                                                        end=D(2025, 3, 6, 17))])
    assert found == set()


def test_name_spacing_and_dot_variants_are_the_same_person(tmp_path):
    pid = make_id("19900101", seq="321")
    found, _ = findings(tmp_path, [r(name="张　三"), r(seq=2, name="张三", start=D(2025, 3, 6, 8), end=D(2025, 3, 6, 17)),
                                   r(seq=3, name="买买提·艾力", id_number=pid),
                                   r(seq=4, name="买买提•艾力", id_number=pid, start=D(2025, 3, 7, 8),
                                     end=D(2025, 3, 7, 17))])
    assert "id-name-conflict" not in codes(found)


def test_payment_method_variants(tmp_path):
    found, _ = findings(tmp_path, [
        r(seq=1, method="微信支付"), r(seq=2, method="银行转账（非现金）", start=D(2025, 3, 6, 8), end=D(2025, 3, 6, 17)),
        r(seq=3, method="银行卡", start=D(2025, 3, 7, 8), end=D(2025, 3, 7, 17)),
        r(seq=4, method="现金", start=D(2025, 3, 8, 8), end=D(2025, 3, 8, 17)),
        r(seq=5, method="京东白条", start=D(2025, 3, 9, 8), end=D(2025, 3, 9, 17)),
    ])
    assert found == {(8, "J", "payment-method-cash"), (9, "J", "payment-method-unknown")}


def test_fifteen_digit_id_stored_as_number_is_judged_as_fifteen_digits(tmp_path):
    found, _ = findings(tmp_path, [r(id_number=110105491231002.0)])
    assert (5, "C", "id-15-digit") in found and "id-stored-as-number" not in codes(found)


def test_landline_with_country_code():
    assert phone.check("+86 10 8888 8888") is None
    assert phone.check("86-10-88888888") is None
    assert phone.check("+86 138 0013 8000") is None


def test_duplicate_column_is_reported(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r()])
    wb = load_workbook(table_path(folder, ROSTER))
    wb.active["L4"] = "联系电话"
    wb.save(table_path(folder, ROSTER))
    report = validate(read_application(folder))
    assert any(f.code == "column-duplicate" and f.column == "L" for f in report.findings)


def test_beijing_place_names_that_contain_city_names_are_not_outside_beijing(tmp_path):
    found, _ = findings(tmp_path, [r()], posts=[
        dict(seq=1, title="保洁员", category="家政", published=D(2025, 3, 1), demand=5, remark="西城区西安门大街"),
        dict(seq=2, title="搬运工", category="搬运", published=D(2025, 3, 2), demand=5, remark="海淀区长春桥路"),
    ])
    assert "post-outside-beijing" not in codes(found)


def test_a_late_market_takes_no_share_of_the_agency_cap(tmp_path):
    src = __import__("pathlib").Path(__file__).resolve().parent.parent / "samples" / "demo"
    apps, reports = [], []
    for i in range(1, 7):
        folder = tmp_path / f"m{i}"
        shutil.copytree(src, folder)
        text = (folder / "application.yaml").read_text(encoding="utf-8")
        text = text.replace("零工市场名称: ", f"零工市场名称: 市场{i}  # ", 1)
        if i == 1:
            text = text.replace("申请日期: 2026-03-05", "申请日期: 2026-05-06")
        (folder / "application.yaml").write_text(text, encoding="utf-8")
        app = read_application(folder)
        apps.append(app)
        reports.append(validate(app))
    figures = compute_many(apps, reports)
    assert any(f.code == "deadline-passed" for f in figures[0].blocking)
    payable = [f.employment_subsidy for f in figures[1:]]
    assert sum(payable) == 500000 and all(x == 100000 for x in payable)


def test_impossible_application_date_is_a_finding_not_a_crash(tmp_path):
    import subprocess
    import sys

    folder = make_app(tmp_path / "app")
    path = folder / "application.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("申请日期: 2026-03-01", "申请日期: 2026-02-30"),
                    encoding="utf-8")
    app = read_application(folder)
    assert app.info.application_date is None
    assert any(f.code == "application-field-invalid" and "申请日期" in f.message for f in app.findings)
    for command in (["validate"], ["compute"]):
        proc = subprocess.run([sys.executable, "-m", "lingong_docs", *command, str(folder)],
                              capture_output=True, text=True)
        assert proc.returncode in (1, 2) and "内部错误" not in proc.stderr, proc.stderr


def test_cell_too_tall_to_print_is_an_error(tmp_path):
    found, _ = findings(tmp_path, [r(remark="\n".join(f"备注{i}" for i in range(60)))])
    assert (5, "K", "text-too-tall") in found


def test_corrupt_evidence_file_is_reported_by_validate(tmp_path):
    found, _ = findings(tmp_path, [r()], evidence=())
    folder = tmp_path / "app"
    (folder / "支付凭证" / "0001 回单.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<")
    (folder / "支付凭证" / "0001 截图.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    report = validate(read_application(folder))
    assert {f.file for f in report.findings if f.code == "evidence-file-unreadable"} == {"0001 回单.pdf",
                                                                                       "0001 截图.png"}
