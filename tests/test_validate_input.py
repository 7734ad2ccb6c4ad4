"""Operator input as Excel and WPS write it: every cell type read, findings that point right.

Workbooks are written with openpyxl the way Excel stores what people type: dates as datetime,
numbers as numbers, merged ranges, hidden rows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys

import pytest
from helpers.apps import ROSTER, fill, make_app, table_path
from helpers.cpu import cpu_seconds
from helpers.rules import OTHER, D, codes, findings, r
from openpyxl import load_workbook

from lingong_docs.compute import compute_many
from lingong_docs.core.errors import ReadError
from lingong_docs.identifiers import idcard
from lingong_docs.reader.application import read_application_file
from lingong_docs.reader.folder import read_application
from lingong_docs.util.pii import mask_id
from lingong_docs.validate.run import validate

CLI = [sys.executable, "-m", "lingong_docs"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + list(args), capture_output=True, text=True, env=dict(os.environ))


# ---- crashes that became findings ----

def test_a_date_in_a_text_column_is_text_as_excel_shows_it(tmp_path):
    found, report = findings(tmp_path, [r(remark=dt.date(2025, 1, 1), place=D(2025, 1, 2, 8, 30))])
    app = read_application(tmp_path / "app")
    assert (app.roster.records[0].values["remark"], app.roster.records[0].values["place"]) == ("2025/1/1", "2025/1/2 8:30")
    [fig] = compute_many([app], [report])
    assert fig.match_count == 1
    assert "rule-crashed" not in codes(found)


def test_a_merged_range_is_one_finding_and_annotate_marks_its_top_left_cell(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r(seq=1), r(seq=2, id_number="110105199003071231",
                                                         start=D(2025, 3, 6, 8), end=D(2025, 3, 6, 17)),
                                              r(seq=3, id_number=OTHER, start=D(2025, 3, 7, 8), end=D(2025, 3, 7, 17))])
    wb = load_workbook(table_path(folder, ROSTER))
    wb.active.merge_cells("E5:E6")
    wb.active.merge_cells("E7:F7")   # the merge takes 任务开始时间 of row 7
    wb.save(table_path(folder, ROSTER))
    app = read_application(folder)
    report = validate(app)
    got = {(f.row, f.column, f.code) for f in report.findings}
    assert (5, "E", "merged-cells") in got and (6, "C", "id-check-char") in got and (7, "E", "merged-cells") in got
    assert not any(c == "required" and row in (6, 7) for row, _, c in got)
    [fig] = compute_many([app], [report])
    assert fig.match_count == 0 and set(fig.matches.error_rows) == {5, 6, 7}   # no row counted on a merged-away cell
    out = tmp_path / "marked.xlsx"
    proc = run_cli("validate", str(table_path(folder, ROSTER)), "--annotate", str(out))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "校验结果" in proc.stdout
    ws = load_workbook(out)["附件5"] if "附件5" in load_workbook(out).sheetnames else load_workbook(out).worksheets[1]
    assert "merged-cells" in ws["E5"].comment.text and "→" in ws["E5"].comment.text  # hint included


def test_annotate_into_a_place_that_cannot_be_written_is_exit_2_after_the_report(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r()])
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("x")
    proc = run_cli("validate", str(folder), "--annotate", str(not_a_folder / "x.xlsx"))
    assert proc.returncode == 2 and "校验结果" in proc.stdout
    assert "无法写入输出位置" in proc.stderr and "Traceback" not in proc.stderr and "OSError" not in proc.stderr


def test_annotate_never_overwrites_the_workbook_being_validated(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r()])
    workbook = table_path(folder, ROSTER)
    before = workbook.read_bytes()
    proc = run_cli("validate", str(workbook), "--annotate", str(workbook))
    assert proc.returncode == 2 and "校验结果" in proc.stdout and "output-not-writable" in proc.stderr
    assert workbook.read_bytes() == before


def test_annotate_writes_only_to_an_xlsx_name(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r()])
    proc = run_cli("validate", str(folder), "--annotate", str(tmp_path / "notes.txt"))
    assert proc.returncode == 2 and "校验结果" in proc.stdout and ".xlsx" in proc.stderr
    assert not list(tmp_path.glob("notes*"))


def test_a_file_name_that_is_not_utf8_is_a_finding_and_json_stays_valid(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r()])
    bad = os.fsencode(str(folder / "支付凭证")) + b"/0001 \xff\xfe.pdf"
    with open(bad, "wb") as f:
        f.write(b"%PDF-1.4\n")
    proc = subprocess.run(CLI + ["validate", str(folder), "--format", "json"], capture_output=True)
    data = json.loads(proc.stdout.decode("utf-8"))
    assert "evidence-name-encoding" in {i["code"] for i in data["issues"]}
    out = tmp_path / "marked.xlsx"
    proc = run_cli("validate", str(folder), "--annotate", str(out))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert (tmp_path / "marked-附件5.xlsx").is_file()


BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join(["*" + chr(97 + i)] * 9) + "]\n" for i in range(8))
        + "法定代表人: *i\n")


@pytest.mark.parametrize("text, code, field", [
    (BOMB, "application-alias", ""),
    ("申请单位全称: [甲, 乙]\n", "application-field-type", "申请单位全称"),
    ("申请单位全称: 甲\n申请单位全称: 乙\n", "application-duplicate-key", "申请单位全称"),
    ("文件: [附件5.xlsx]\n", "application-field-type", "文件"),
    ("认定申请: {选址建设情况: [a]}\n", "application-field-type", "认定申请/选址建设情况"),
])
def test_application_file_refuses_aliases_duplicates_and_wrong_types_at_once(tmp_path, text, code, field):
    path = tmp_path / "application.yaml"
    path.write_text(text, encoding="utf-8")
    started = cpu_seconds()
    with pytest.raises(ReadError) as e:
        read_application_file(path)
    assert cpu_seconds() - started < 1                       # the alias bomb is never expanded
    assert e.value.code == code and field in e.value.message


def test_application_file_error_is_exit_2_naming_the_field(tmp_path):
    folder = make_app(tmp_path / "app")
    (folder / "application.yaml").write_text(BOMB, encoding="utf-8")
    proc = run_cli("validate", str(folder))
    assert proc.returncode == 2 and "application-alias" in proc.stderr and "Traceback" not in proc.stderr


def test_a_span_of_centuries_is_bounded_before_any_per_day_work(tmp_path):
    started = cpu_seconds()
    found, _ = findings(tmp_path, [r(start=D(1900, 1, 1, 8), end=D(9999, 12, 31, 8))])
    assert cpu_seconds() - started < 5
    assert (5, "G", "task-too-long") in found


# ---- findings that point right ----

def test_id_name_conflict_marks_only_the_odd_row(tmp_path):
    found, report = findings(tmp_path, [r(seq=1, name="张三"), r(seq=2, name="张山", start=D(2025, 3, 6, 8), end=D(2025, 3, 6, 17)),
                                        r(seq=3, name="张三", start=D(2025, 3, 7, 8), end=D(2025, 3, 7, 17))])
    assert {(row, code) for row, _, code in found if code == "id-name-conflict"} == {(6, "id-name-conflict")}
    conflict = next(f for f in report.findings if f.code == "id-name-conflict")
    assert "其他2行" in conflict.message and "5、7" in conflict.message
    assert conflict.value == "张*" and "张三" not in conflict.message     # names masked, value shown


def test_a_time_alone_says_the_date_is_missing(tmp_path):
    found, report = findings(tmp_path, [r(start=dt.time(8, 0))])
    assert (5, "F", "date-time-only") in found
    [f] = [f for f in report.findings if f.code == "date-time-only"]
    assert f.value == "08:00" and "1900" not in f.value


def test_duplicate_row_says_it_blocks_the_build(tmp_path):
    _, report = findings(tmp_path, [r(seq=1), r(seq=2)])
    [f] = [f for f in report.findings if f.code == "duplicate-row"]
    assert f.severity == "error" and "无法生成申报材料" in f.message


def test_a_missing_evidence_folder_is_named(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r()])
    shutil.rmtree(folder / "支付凭证")
    report = validate(read_application(folder))
    assert "evidence-folder-missing" in {f.code for f in report.findings}
    assert "evidence-missing" not in {f.code for f in report.findings}


def test_leading_9_needs_a_real_province_code(tmp_path):
    foreign = "91115619900307123"
    foreign += idcard.check_char(foreign)
    fake = "99915619900307123"
    fake += idcard.check_char(fake)
    found, _ = findings(tmp_path, [r(seq=1, id_number=foreign),
                                   r(seq=2, id_number=fake, start=D(2025, 3, 6, 8), end=D(2025, 3, 6, 17))])
    assert (5, "C", "id-foreign-permanent") in found and (6, "C", "id-province") in found


def test_name_separators_become_the_middle_dot_with_a_warning(tmp_path):
    found, _ = findings(tmp_path, [r(seq=1, name="买买提・艾力"),
                                   r(seq=2, name="约翰 史密斯", id_number=OTHER, start=D(2025, 3, 6, 8), end=D(2025, 3, 6, 17))])
    assert {(5, "B", "name-separator"), (6, "B", "name-separator")} <= found
    names = [rec.values["name"] for rec in read_application(tmp_path / "app").roster.records]
    assert names == ["买买提·艾力", "约翰·史密斯"]


def test_outside_beijing_reads_title_and_category(tmp_path):
    posts = [dict(seq=1, title="天津武清 仓储分拣", category="物流", published=D(2025, 3, 1), demand=3),
             dict(seq=2, title="望京外卖配送员", category="配送", published=D(2025, 3, 1), demand=3)]
    found, _ = findings(tmp_path, [r()], posts=posts)
    assert {(row, col) for row, col, code in found if code == "post-outside-beijing"} == {(5, "B")}


def test_seq_gaps_and_repeats_are_info(tmp_path):
    found, report = findings(tmp_path, [r(seq=1), r(seq=1, start=D(2025, 3, 6, 8), end=D(2025, 3, 6, 17)),
                                        r(seq=5, start=D(2025, 3, 7, 8), end=D(2025, 3, 7, 17))])
    assert {(6, "A", "seq-repeated"), (7, "A", "seq-gap")} <= found
    assert {f.severity for f in report.findings if f.code.startswith("seq-")} == {"info"}


def test_a_15_digit_id_is_offered_its_18_digit_form_masked(tmp_path):
    old = "110105900307123"
    _, report = findings(tmp_path, [r(id_number=old)])
    [f] = [f for f in report.findings if f.code == "id-15-digit"]
    full = idcard.to_18(old)
    assert idcard.check(full) is None and mask_id(full) in f.message and full not in f.message


def test_an_excel_lock_file_is_an_info(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r()])
    (folder / ("~$" + table_path(folder, ROSTER).name)).write_bytes(b"\0" * 165)
    report = validate(read_application(folder))
    [f] = [f for f in report.findings if f.code == "workbook-open-elsewhere"]
    assert f.severity == "info"


def test_hidden_rows_are_shown_and_marked_in_the_annotated_copy(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r(seq=1), r(seq=2, start=D(2025, 3, 6, 8), end=D(2025, 3, 6, 17))])
    wb = load_workbook(table_path(folder, ROSTER))
    wb.active.row_dimensions[6].hidden = True
    wb.save(table_path(folder, ROSTER))
    out = tmp_path / "marked.xlsx"
    proc = run_cli("validate", str(folder), "--annotate", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    marked = load_workbook(tmp_path / "marked-附件5.xlsx")
    ws = marked[wb.active.title]
    assert not ws.row_dimensions[6].hidden and "row-hidden" in ws["A6"].comment.text
    listed = {c.value for c in marked["错误清单"]["C"]}
    assert "row-hidden" in listed
    other = load_workbook(tmp_path / "marked-附件4.xlsx")["错误清单"]
    assert "row-hidden" not in {c.value for c in other["C"]}   # each workbook lists its own findings


# ---- year and deadline ----

def test_validate_reports_year_outside_policy_and_one_finding_for_a_wrong_year(tmp_path):
    rows = [r(seq=i + 1, start=D(2025, 3, 5 + i, 8), end=D(2025, 3, 5 + i, 17)) for i in range(12)]
    posts = [dict(seq=i + 1, title="分拣员", category="物流", published=D(2025, 3, 1 + i), demand=30) for i in range(3)]
    found, _ = findings(tmp_path, rows, posts=posts, year=2019, force=True)
    assert "year-outside-policy" in codes(found)
    assert [c for _, _, c in found if c == "year-mismatch"] == ["year-mismatch"]
    assert "time-outside-year" not in codes(found)


def test_validate_reports_the_deadline(tmp_path):
    found, _ = findings(tmp_path, [r()], today=dt.date(2027, 1, 10))
    assert "deadline-passed" in codes(found)


# ---- the command line in Chinese ----

@pytest.mark.parametrize("args, words", [
    (["validate"], ["用法", "缺少参数"]),
    (["validate", "--format", "xml", "."], ["错误", "的值无效", "不是"]),
    (["validate", "/no/such/folder"], ["不存在"]),
    (["--no-such-option"], ["没有选项"]),
    (["valdate"], ["没有命令", "是否想用"]),
])
def test_usage_errors_are_chinese(args, words):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert all(w in proc.stderr for w in words), proc.stderr
    assert not any(w in proc.stderr for w in ("Usage:", "Error:", "Missing argument", "Invalid value"))


def test_help_is_chinese():
    proc = run_cli("validate", "--help")
    assert "用法" in proc.stdout and "显示此帮助并退出" in proc.stdout and "Show this message" not in proc.stdout


@pytest.mark.parametrize("typed, kind", [("operating", "operating"), ("就业服务补贴", "employment"),
                                         ("零工市场认定", "recognition"), ("运营经费补贴", "operating")])
def test_kind_option_accepts_english_words_and_chinese_labels(typed, kind):
    import click
    from click.testing import CliRunner

    from lingong_docs.cli.common import KIND

    @click.command()
    @click.option("--kind", type=KIND)
    def show(kind):
        click.echo(kind)

    assert CliRunner().invoke(show, ["--kind", typed]).output.strip() == kind
    refused = CliRunner().invoke(show, ["--kind", "补贴"])
    assert refused.exit_code == 2 and "不是补贴事项" in refused.output


def test_an_unreadable_file_in_the_supporting_folders_is_found_before_build(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r()])
    (folder / "其他材料").mkdir()
    (folder / "其他材料" / "场地照片.pdf").write_bytes(b"%PDF-1.4 cut off")
    (folder / "认定材料").mkdir()
    (folder / "认定材料" / "评级.png").write_bytes(b"not an image")
    found = {(f.code, f.message.split("”")[0]) for f in validate(read_application(folder)).findings
             if f.code == "supporting-file-unreadable"}
    assert found == {("supporting-file-unreadable", "“其他材料"), ("supporting-file-unreadable", "“认定材料")}


def test_a_supporting_file_name_that_is_not_utf8_is_found_before_build(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r()])
    (folder / "其他材料").mkdir()
    with open(os.fsencode(str(folder / "其他材料")) + "/说明".encode() + b"\xff.pdf", "wb") as f:
        f.write(b"%PDF-1.4\n")
    found = [f for f in validate(read_application(folder)).findings if f.code.startswith("supporting-")]
    assert [(f.code, f.severity) for f in found] == [("supporting-name-encoding", "error")]
    json.dumps([f.to_dict() for f in found], ensure_ascii=False).encode("utf-8")    # printable as JSON
