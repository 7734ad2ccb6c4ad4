"""``lingong-docs intake`` and ``lingong-docs publicity``: exit codes, JSON, receipts, the notice."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.intake import RECEIVED, ROWS, USCC, built_package, idcard, make_signer, rewrite, roster_row, sign
from pypdf import PdfReader

from lingong_docs.cli import main
from lingong_docs.core.errors import IntakeError
from lingong_docs.intake.publicity import NoticeRow, write_notice
from lingong_docs.util.pii import mask_id

KEY = "cli-test-ledger-key-0123456789"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    signer, cert = make_signer(folder / "cert")
    good = sign(built_package(), signer)
    bad = sign(rewrite(built_package(), manifest=lambda m: m["figures"].update(match_count=5000)), signer)
    out = {"good": folder / "good.pdf", "bad": folder / "bad.pdf", "cert": cert}
    out["good"].write_bytes(good)
    out["bad"].write_bytes(bad)
    return out


def invoke(args, key: str | None = KEY, **env):
    environ = {"LINGONG_LEDGER_KEY": key or "", "LINGONG_LEDGER": "", **env}
    return CliRunner().invoke(main, args, env=environ, catch_exceptions=False)


def worker_forms() -> list[str]:
    forms = []
    for i in (0, 7, ROWS - 1):
        row = roster_row(i)
        forms += [idcard(i), mask_id(idcard(i)), row["name"], row["phone"]]
    return forms


def test_accepted_package_exit_0_with_json_receipts(files, tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    result = invoke(["intake", str(files["good"]), "--ledger", str(ledger), "--as-of", "2026-03-10",
                     "--format", "json", "--receipt", str(tmp_path / "receipts"), "--trust", str(files["cert"])])
    assert result.exit_code == 0, result.output
    [receipt] = json.loads(result.output)
    assert receipt["verdict"] == "accepted" and receipt["findings"] == []
    assert receipt["applicant"]["uscc"] == USCC and receipt["figures"]["amount"] == "200000.00"
    assert ledger.is_file() and (ledger.stat().st_mode & 0o777) == 0o600
    pdf = tmp_path / "receipts" / f"{receipt['receipt_no']}.pdf"
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "受理回执" in text and receipt["receipt_no"] in text and "北京示例人力资源有限公司" in text
    everything = result.output + text + (tmp_path / "receipts" / f"{receipt['receipt_no']}.json").read_text()
    for form in worker_forms():
        assert form not in everything


def test_rejected_package_exit_1_and_one_numbered_notice(files, tmp_path):
    result = invoke(["intake", str(files["bad"]), "--no-ledger", "--as-of", "2026-03-10",
                     "--receipt", str(tmp_path)])
    assert result.exit_code == 1
    assert "【不予受理】" in result.output and "figures-mismatch" in result.output
    [pdf] = tmp_path.glob("*.pdf")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "不予受理" in text and "一次性告知" in text and "1." in text and "figures-mismatch" in text
    for form in worker_forms():
        assert form not in text


def test_mixed_batch_exits_1_and_lists_both(files):
    result = invoke(["intake", str(files["good"]), str(files["bad"]), "--no-ledger", "--as-of", "2026-03-10"])
    assert result.exit_code == 1
    assert "受理1个，不予受理1个" in result.output


def test_ledger_without_key_is_refused_with_exit_2(files, tmp_path):
    result = invoke(["intake", str(files["good"]), "--ledger", str(tmp_path / "l.sqlite")], key=None)
    assert result.exit_code == 2
    assert "LINGONG_LEDGER_KEY" in result.output and "密钥" in result.output
    assert not (tmp_path / "l.sqlite").exists()


def test_the_key_file_opens_the_ledger_end_to_end(files, tmp_path):
    key_file, other = tmp_path / "台账.key", tmp_path / "另一个.key"
    key_file.write_text("file-key-for-the-ledger-0123456789\n", encoding="utf-8")
    other.write_text("another-key-for-a-ledger-0123456789\n", encoding="utf-8")
    ledger = tmp_path / "ledger.sqlite"

    def run(key_path, key=None):
        return invoke(["intake", str(files["good"]), "--ledger", str(ledger), "--key-file", str(key_path),
                       "--as-of", "2026-03-10", "--format", "json", "--trust", str(files["cert"])], key=key)

    first = run(key_file)                      # no LINGONG_LEDGER_KEY: the file's key creates the ledger
    assert first.exit_code == 0, first.output
    [receipt] = json.loads(first.output)
    assert receipt["verdict"] == "accepted" and receipt["receipt_no"].startswith("SL") and ledger.is_file()
    again = run(key_file, key=KEY)             # the file wins over the environment's (another) key
    assert again.exit_code == 1, again.output
    [duplicate] = json.loads(again.output)
    assert [f["code"] for f in duplicate["findings"]] == ["duplicate-package"]
    assert receipt["receipt_no"] in duplicate["findings"][0]["message"]
    wrong = run(other)
    assert wrong.exit_code == 2 and "密钥不同" in wrong.output and "another-key" not in wrong.output
    missing = run(tmp_path / "没有.key")
    assert missing.exit_code == 2 and "无法读取台账密钥文件" in missing.output and "Traceback" not in missing.output


def test_missing_file_and_missing_password_variable_are_exit_2(files, tmp_path):
    missing = invoke(["intake", str(tmp_path / "nope.pdf"), "--no-ledger"])
    assert missing.exit_code == 2 and "找不到材料包文件：nope.pdf" in missing.output
    folder = invoke(["intake", str(tmp_path), "--no-ledger"])
    assert folder.exit_code == 2 and "是文件夹，不是材料包文件" in folder.output
    assert "Error" not in missing.output + folder.output
    result = invoke(["intake", str(files["good"]), "--no-ledger", "--password-env", "NO_SUCH_VARIABLE_X"])
    assert result.exit_code == 2 and "NO_SUCH_VARIABLE_X" in result.output


def test_publicity_from_the_ledger_has_no_worker_data(files, tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    assert invoke(["intake", str(files["good"]), str(files["bad"]), "--ledger", str(ledger),
                   "--as-of", "2026-03-10"]).exit_code == 1
    out = tmp_path / "公示名单.xlsx"
    result = invoke(["publicity", str(ledger), "--year", "2025", "-o", str(out)])
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    ws = load_workbook(out).active
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=3)]
    assert values[0] == ["序号", "申请单位", "统一社会信用代码", "零工市场（驿站）", "补贴类型", "撮合个次", "补贴金额（元）"]
    assert values[1] == [1, "北京示例人力资源有限公司", USCC, "朝阳区示例零工驿站", "运营经费补贴", ROWS, "200,000.00"]
    with zipfile.ZipFile(out) as z:
        xml = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    for form in worker_forms():
        assert form not in xml


def test_publicity_pdf_from_packages(files, tmp_path):
    out = tmp_path / "notice.pdf"
    result = invoke(["publicity", str(files["good"]), str(files["bad"]), "-o", str(out), "--as-of", "2026-03-10"])
    assert result.exit_code == 0, result.output
    assert "1项" in result.output
    text = PdfReader(out).pages[0].extract_text()
    assert "公示" in text and USCC in text and "200,000.00" in text
    for form in worker_forms():
        assert form not in text


def test_notice_cells_never_become_formulas(tmp_path):
    out = write_notice([NoticeRow("=HYPERLINK(\"http://x/\",\"点\")", USCC, "@SUM(1)", "operating", 1000, None)],
                       tmp_path / "n.xlsx", year=2025)
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and 't="e"' not in sheet
    with pytest.raises(IntakeError):
        write_notice([], tmp_path / "n.csv")


def test_commands_have_chinese_help():
    for command in ("intake", "publicity"):
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0
        assert "退出码" in result.output or "公示" in result.output
    assert "--allow-unsigned" in CliRunner().invoke(main, ["intake", "--help"]).output


def test_receipt_names_date_bureau_clerk_and_leaves_room_for_the_seal(files, tmp_path):
    result = invoke(["intake", str(files["good"]), "--no-ledger", "--as-of", RECEIVED.isoformat(), "--format", "json",
                     "--receipt", str(tmp_path), "--clerk", "王经办", "--bureau", "朝阳区某某受理中心"])
    [receipt] = json.loads(result.output)
    assert (receipt["received"], receipt["bureau"], receipt["clerk"]) == ("2026-03-10", "朝阳区某某受理中心", "王经办")
    assert receipt["received_at"] is not None and receipt["receipt_no"].startswith("YS20260310-")
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / f"{receipt['receipt_no']}.pdf").pages)
    compact = "".join(text.split())
    assert "2026年3月10日" in compact and "朝阳区某某受理中心（盖章）" in compact and "经办人王经办" in compact


def test_rejection_notice_prints_no_amount_as_if_granted(files, tmp_path):
    result = invoke(["intake", str(files["bad"]), "--no-ledger", "--as-of", "2026-03-10", "--format", "json",
                     "--receipt", str(tmp_path)])
    [receipt] = json.loads(result.output)
    assert receipt["verdict"] == "rejected" and receipt["figures"]["amount"] == "200000.00"   # in the data
    text = "".join("".join(p.extract_text() for p in PdfReader(tmp_path / f"{receipt['receipt_no']}.pdf").pages).split())
    assert "不予受理告知书" in text and "核算申请金额" not in text and "200,000.00" not in text


def test_examining_the_same_package_twice_never_overwrites_a_receipt(files, tmp_path):
    ledger, receipts = tmp_path / "ledger.sqlite", tmp_path / "回执"
    numbers = []
    for _ in range(2):
        result = invoke(["intake", str(files["good"]), "--ledger", str(ledger), "--as-of", "2026-03-10",
                         "--format", "json", "--receipt", str(receipts)])
        numbers.append(json.loads(result.output)[0]["receipt_no"])
    assert numbers == ["SL20260310-0001", "SL20260310-0002"]
    first = json.loads((receipts / "SL20260310-0001.json").read_text())
    second = json.loads((receipts / "SL20260310-0002.json").read_text())
    assert first["verdict"] == "accepted"                                  # still the first verdict
    assert second["verdict"] == "rejected" and [f["code"] for f in second["findings"]][0] == "duplicate-package"
