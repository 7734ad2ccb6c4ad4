"""Personal data never appears in full in anything the tool prints, writes in reports, or logs."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from helpers.apps import ROSTER, fill, make_app, table_path
from openpyxl import load_workbook

from lingong_docs.identifiers import idcard
from lingong_docs.util.pii import mask, mask_id, mask_name, mask_phone, scrub

CANARY_BODY = "13022919870611733"
CANARY_ID = CANARY_BODY + idcard.check_char(CANARY_BODY)
BAD_CANARY_ID = CANARY_BODY + ("0" if CANARY_ID[-1] != "0" else "1")
CANARY_PHONE = "13912345678"
CANARY_NAME = "欧阳金丝雀"
CLI = [sys.executable, "-m", "lingong_docs"]
# The CLI with one more registered rule that crashes the way careless code would: with the
# personal data of a row in the exception text.
CRASHING_CLI = [sys.executable, "-c", """
import sys
from lingong_docs.validate.registry import rule

@rule("roster", codes=())
def crash(ctx, table):
    raise ValueError(f"invalid literal for int(): {table.records[0].values!r}")
    yield

from lingong_docs.cli.main import main
main(args=sys.argv[1:], prog_name="lingong-docs")
"""]


def canary_row(**kw):
    row = dict(seq=1, name=CANARY_NAME, id_number=CANARY_ID, phone=CANARY_PHONE, place="朝阳区望京 分拣员",
               start=dt.datetime(2025, 3, 5, 8), end=dt.datetime(2025, 3, 5, 17), hours=8, pay=320, method="微信")
    row.update(kw)
    return row


def leaks(text: str) -> list[str]:
    forms = [CANARY_ID, BAD_CANARY_ID, CANARY_PHONE, CANARY_NAME, CANARY_BODY[:15], CANARY_ID[6:14] + CANARY_ID[14:]]
    return [f for f in forms if f in text]


SCENARIOS = {
    "happy": [canary_row()],
    "bad-check-digit": [canary_row(id_number=BAD_CANARY_ID)],
    "id-as-number": [canary_row(id_number=float(CANARY_ID[:17] + "0"))],
    "many-problems": [canary_row(hours=-1, pay=0, method="现金"),
                      canary_row(seq=2, name="欧阳金丝", start=dt.datetime(2025, 3, 5, 9)),
                      canary_row(seq=3, start=dt.datetime(2024, 3, 5, 9), end=dt.datetime(2025, 3, 5, 20))],
    # A phone typed into 序号 and 工作时长: the messages quoting them (span, per day, gaps) are masked.
    "numbers-in-messages": [canary_row(), canary_row(seq=int(CANARY_PHONE), hours=int(CANARY_PHONE),
                                                      start=dt.datetime(2025, 3, 6, 8), end=dt.datetime(2025, 3, 6, 17))],
}


@pytest.mark.parametrize("scenario, crash", [(s, False) for s in sorted(SCENARIOS)]
                         + [("happy", True), ("many-problems", True)])
def test_canary_never_printed_or_reported(tmp_path, scenario, crash):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, SCENARIOS[scenario])
    env = dict(os.environ, LINGONG_DEBUG="1")
    annotated = tmp_path / "marked.xlsx"
    outputs = []
    for args in (["validate", str(folder)], ["validate", str(folder), "--format", "json", "--all"],
                 ["validate", str(table_path(folder, ROSTER)), "--all", "--annotate", str(annotated)],
                 ["-v", "validate", str(folder), "--all"]):
        proc = subprocess.run((CRASHING_CLI if crash else CLI) + args, capture_output=True, text=True, env=env)
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stderr
        outputs += [proc.stdout, proc.stderr]
    data = json.loads(outputs[2])
    assert data["issues"] is not None
    if crash:
        assert any(i["code"] == "rule-crashed" for i in data["issues"])
    wb = load_workbook(annotated)
    listed = "\n".join(str(c.value) for r in wb["错误清单"].iter_rows() for c in r if c.value is not None)
    comments = "\n".join(c.comment.text for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.comment)
    for text in outputs + [listed, comments]:
        assert leaks(text) == [], text[:500]


def test_uncaught_exception_traceback_is_scrubbed(tmp_path):
    # An exception outside any rule, with LINGONG_DEBUG: the printed traceback is masked.
    code = ("import sys; sys.argv=['x','validate',r'" + str(tmp_path) + "'];"
            "import lingong_docs.pipeline as v;"
            "v.read=lambda *a, **k: (_ for _ in ()).throw(ValueError('bad id " + CANARY_ID + " tel "
            + CANARY_PHONE + "'));"
            "from lingong_docs.cli import main; main()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, LINGONG_DEBUG="1"))
    assert proc.returncode == 3
    assert "ValueError" in proc.stderr and leaks(proc.stderr) == []
    assert mask_id(CANARY_ID) in proc.stderr


def test_masks():
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧阳**"
    assert CANARY_ID not in scrub(f"x{CANARY_ID}y {CANARY_PHONE}")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in CANARY_ID[:17]) + CANARY_ID[17]
    assert full_width not in scrub(full_width)


@pytest.mark.parametrize("value, shown", [
    ("110105 19900307 1239", "110105********1239"),
    ("110105-19900307-123X", "110105********123X"),
    ("１１０１０５　１９９００３０７　１２３９", "110105********1239"),
    ("139 1234 5678", "139****5678"),
    ("+86 139-1234-5678", "139****5678"),
    ("2025-01-01 至 2025-01-31", "2025-01-01 至 2025-01-31"),   # dates are not numbers to mask
    (Decimal("13912345678"), "139****5678"),                   # a phone typed into 报酬
    (1.10105199003071e17, "110105********1000"),               # an ID stored as a number
    (Decimal("8.50"), "8.5"),
    ("张三 13912345678 望京驿站", "张* 139****5678 望京驿站"),
])
def test_one_masking_function_for_any_value(value, shown):
    assert mask(value, names=frozenset({"张三"})) == shown


def test_clean_text_keeps_tabs_and_line_breaks_and_flags_invisible_characters():
    from lingong_docs.reader.normalize import clean_text

    assert clean_text(" 望京\u200b驿站\u202e ") == ("望京驿站", True)
    assert clean_text("第一行\n第二行\t备注") == ("第一行\n第二行\t备注", False)


# ---- the canary sweep: every command, success and failure paths, every output ----

SPACED_ID = f"{CANARY_ID[:6]} {CANARY_ID[6:14]} {CANARY_ID[14:]}"
FREE_TEXT_ROWS = [
    canary_row(remark=f"{CANARY_NAME} 身份证 {SPACED_ID} 电话 139 1234 5678",
               place=f"朝阳区望京 分拣员 联系{CANARY_NAME} {CANARY_ID[:6]}-{CANARY_ID[6:14]}-{CANARY_ID[14:]}",
               method=f"支付宝 139-1234-5678 {CANARY_NAME}"),
    canary_row(seq=2, start=CANARY_PHONE, end="８:００", hours=int(CANARY_PHONE), pay="１３９ １２３４ ５６７８"),
    canary_row(seq=3, name=CANARY_NAME, id_number=float(CANARY_ID[:17] + "0"),
               start=dt.datetime(2025, 3, 7, 8), end=dt.datetime(2025, 3, 7, 17)),
    canary_row(seq=4, id_number=CANARY_ID[:6] + CANARY_ID[8:17], name="买买提・" + CANARY_NAME,
               start=dt.datetime(2025, 3, 8, 8), end=dt.datetime(2025, 3, 8, 17)),
]


def workbook_text(path) -> str:
    wb = load_workbook(path)
    parts = []
    for ws in wb.worksheets:
        if ws.title in ("错误清单", "修改记录"):
            parts += [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
        parts += [c.comment.text for row in ws.iter_rows() for c in row if c.comment]
    return "\n".join(parts)


def test_canary_sweep_every_command_and_output(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, FREE_TEXT_ROWS)
    evidence = folder / "支付凭证"
    (evidence / f"0001 {CANARY_NAME}{CANARY_ID}.png").write_bytes(b"not an image")
    (evidence / f"{CANARY_NAME} {CANARY_PHONE}.pdf").write_bytes(b"%PDF-broken")
    with open(os.fsencode(str(evidence)) + f"/0002 {CANARY_NAME}".encode() + b"\xff.pdf", "wb") as f:
        f.write(b"%PDF-1.4\n")
    (folder / f"~${CANARY_NAME}{CANARY_PHONE}.xlsx").write_bytes(b"\0" * 10)
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    runs = [
        (CLI, ["validate", str(folder)]),
        (CLI, ["-v", "validate", str(folder), "--all"]),
        (CLI, ["validate", str(folder), "--format", "json", "--all"]),
        (CLI, ["validate", str(folder), "--all", "--annotate", str(tmp_path / "marked.xlsx")]),
        (CLI, ["validate", str(folder), "--annotate", str(not_a_folder / "x.xlsx")]),
        (CRASHING_CLI, ["validate", str(folder), "--format", "json", "--all"]),
        (CLI, ["fix", str(folder), "-o", str(tmp_path / "fixed"), "--all"]),
        (CLI, ["fix", str(folder), "-o", str(tmp_path / "fixed2"), "--format", "json"]),
        (CLI, ["fix", str(folder), "-o", str(busy)]),
        (CLI, ["validate", str(tmp_path / "fixed"), "--all", "--annotate", str(tmp_path / "fixed-marked.xlsx")]),
        (CLI, ["compute", str(folder)]),
        (CLI, ["compute", str(folder), "--format", "json"]),
        (CLI, ["build", str(folder), "-o", str(tmp_path / "out")]),          # the refusal list
        (CLI, ["init", str(tmp_path / "new"), "--uscc", CANARY_ID]),
    ]
    texts = []
    for cli, args in runs:
        proc = subprocess.run(cli + args, capture_output=True, env=dict(os.environ, LINGONG_DEBUG="1"))
        stdout, stderr = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
        assert proc.returncode in (0, 1, 2), (args, stderr[-800:])
        assert "Traceback" not in stderr and "内部错误" not in stderr, (args, stderr[-800:])
        if "json" in args and proc.returncode in (0, 1):
            json.loads(stdout)
        texts += [stdout, stderr]
    for path in (tmp_path / "marked-附件5.xlsx", tmp_path / "marked-附件4.xlsx", tmp_path / "fixed" / table_path(folder, ROSTER).name,
                 tmp_path / "fixed-marked-附件5.xlsx"):
        texts.append(workbook_text(path))
    for text in texts:
        found = leaks(text)
        assert found == [], text[max(0, text.find(found[0]) - 300):text.find(found[0]) + 100]


def test_library_warnings_quoting_cells_never_reach_stderr_unmasked(tmp_path):
    # A library warning that quotes a cell (as openpyxl's do) goes through the masking log handler.
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [canary_row()])
    code = ("import sys, warnings\n"
            "from lingong_docs.validate.registry import rule\n"
            "@rule('roster', codes=())\n"
            "def noisy(ctx, table):\n"
            f"    warnings.warn('Cell C5 value {CANARY_ID} tel {CANARY_PHONE}', UserWarning)\n"
            "    yield from ()\n"
            "from lingong_docs.cli.main import main\n"
            "main(args=sys.argv[1:], prog_name='lingong-docs')\n")
    quiet = subprocess.run([sys.executable, "-c", code, "validate", str(folder)], capture_output=True, text=True)
    loud = subprocess.run([sys.executable, "-c", code, "-v", "validate", str(folder)], capture_output=True, text=True)
    assert "Cell C5" not in quiet.stderr and "UserWarning" not in quiet.stderr
    assert "Cell C5" in loud.stderr and leaks(loud.stderr) == []


def test_a_masked_id_never_shows_a_birth_date_digit():
    assert mask_id("110105194912310021") == "110105********0021"
    assert mask_id("110105491231002") == "110105******002"      # 15 digits: YYMMDD at 7–12
