"""``lingong-docs fix``: safe corrections in a copy, every change listed, never a guess."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys

import pytest
from helpers.apps import ROSTER, fill, make_app, table_path, tiny_pdf
from helpers.rules import ADULT, OTHER, D, make_id, r
from openpyxl import load_workbook

from lingong_docs.core.errors import ConfigError
from lingong_docs.corrections import LOG_SHEET, fix_application
from lingong_docs.identifiers import idcard
from lingong_docs.reader.folder import read_application
from lingong_docs.validate.run import validate

CLI = [sys.executable, "-m", "lingong_docs"]
FULL_WIDTH = "".join(chr(ord(c) + 0xFEE0) for c in ADULT)
OLD_ID = "110105850101123"
THIRD = make_id("19800101", "110108", "321")


def digest(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def messy(tmp_path):
    """A folder typed the way people type: full-width, spaces, old IDs, text dates, merges, gaps."""
    folder = make_app(tmp_path / "app")
    day = lambda n: dict(start=D(2025, 3, n, 8), end=D(2025, 3, n, 17))  # noqa: E731
    fill(table_path(folder, ROSTER), ROSTER, [
        r(seq=1, id_number=FULL_WIDTH, phone="139 1234 5678", name=" 买买提・艾力 "),
        r(seq=2, id_number=OLD_ID, start="2025/3/6 8:00", end="2025/3/6 17:00", hours="８"),
        r(seq=5, id_number=float(OTHER[:17] + "0"), **day(7)),
        r(seq=6, id_number=THIRD, place="朝阳区望京 分拣员", **day(8)),
        r(seq=7, id_number=THIRD, place="朝阳区望京 分拣员", **day(9)),
    ])
    wb = load_workbook(table_path(folder, ROSTER))
    wb.active.merge_cells("E8:E9")
    wb.save(table_path(folder, ROSTER))
    (folder / "支付凭证" / "回单.pdf").write_bytes(tiny_pdf())
    return folder


def test_fix_corrects_a_copy_and_lists_every_change(messy, tmp_path):
    before = digest(messy)
    out = tmp_path / "fixed"
    result = fix_application(messy, out)
    assert digest(messy) == before                      # the originals are never touched
    wb = load_workbook(table_path(out, ROSTER))
    ws = wb[read_application(out).roster.sheet]
    assert (ws["C5"].value, ws["C5"].number_format) == (ADULT, "@")
    assert ws["C6"].value == idcard.to_18(OLD_ID) and idcard.check(ws["C6"].value) is None
    assert isinstance(ws["C7"].value, float)            # lost digits: never guessed
    assert ws["D5"].value == "13912345678" and ws["B5"].value == "买买提·艾力"
    assert ws["F6"].value == dt.datetime(2025, 3, 6, 8) and ws["H6"].value == 8
    assert ws["E9"].value == "朝阳区望京 分拣员" and not [m for m in ws.merged_cells.ranges if m.max_row > 4]
    assert [ws[f"A{n}"].value for n in range(5, 10)] == [1, 2, 3, 4, 5]
    changed = {(c.cell, c.reason) for c in result.changes}
    assert {cell for cell, _ in changed} >= {"C5", "C6", "D5", "B5", "F6", "H6", "E9", "A7"}
    log = wb[LOG_SHEET]
    assert log.max_row - 1 == len([c for c in result.changes if c.file == table_path(out, ROSTER).name])
    assert [k["cell"] for k in result.kept] == ["C7"]
    found = {(f.row, f.column, f.code) for f in validate(read_application(out)).findings}
    assert (7, "C", "id-stored-as-number") in found
    assert not {code for _, _, code in found} & {"id-15-digit", "name-separator", "merged-cells", "seq-gap"}


def test_fix_keeps_seq_when_evidence_names_refer_to_it(messy, tmp_path):
    (messy / "支付凭证" / "0001-0007 回单.pdf").write_bytes(tiny_pdf())
    result = fix_application(messy, tmp_path / "fixed")
    assert not any(c.header == "序号" for c in result.changes) and result.notes


@pytest.mark.parametrize("where", ["inside", "same", "busy"])
def test_fix_refuses_an_output_that_could_touch_the_originals(messy, tmp_path, where):
    out = {"inside": messy / "fixed", "same": messy, "busy": tmp_path / "busy"}[where]
    if where == "busy":
        out.mkdir()
        (out / "x.txt").write_text("x")
    before = digest(messy)
    with pytest.raises(ConfigError):
        fix_application(messy, out)
    assert digest(messy) == before


def test_fix_cli_masks_the_console_and_validate_suggests_fix(messy, tmp_path):
    proc = subprocess.run(CLI + ["validate", str(messy)], capture_output=True, text=True, env=dict(os.environ))
    assert "lingong-docs fix" in proc.stdout
    out = tmp_path / "fixed"
    proc = subprocess.run(CLI + ["fix", str(messy), "-o", str(out), "--all"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    proc_json = subprocess.run(CLI + ["fix", str(messy), "-o", str(tmp_path / "f2"), "--format", "json"],
                               capture_output=True, text=True)
    data = json.loads(proc_json.stdout)
    assert {c["cell"] for c in data["changes"]} >= {"C5", "C6"}
    for text in (proc.stdout, proc.stderr, proc_json.stdout):
        for secret in (ADULT, OTHER, THIRD, idcard.to_18(OLD_ID), "13912345678", "买买提"):
            assert secret not in text


def test_fix_masks_the_roster_names_in_free_text(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, ROSTER), ROSTER, [r(name="买买提·艾力", remark=" 买买提·艾力替班 ")])
    result = fix_application(folder, tmp_path / "fixed")
    notes = [c for c in result.to_dict()["changes"] if c["header"] == "备注"]
    assert notes and all("买买提·艾力" not in c["before"] + c["after"] for c in notes)
    log = load_workbook(table_path(tmp_path / "fixed", ROSTER))[LOG_SHEET]
    assert "买买提·艾力" not in " ".join(str(c.value) for row in log.iter_rows() for c in row)
