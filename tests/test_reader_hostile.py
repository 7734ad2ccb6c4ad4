"""Untrusted workbooks: each hostile file gives one clear Chinese error, exit 2, fast and small."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers.cpu import cpu_seconds
from helpers.hostile_xlsx import HOSTILE

from lingong_docs.core.errors import ReadError
from lingong_docs.reader.folder import read_table

CLI = [sys.executable, "-m", "lingong_docs"]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_read_table_rejects_hostile_file(tmp_path: Path, name: str):
    path = HOSTILE[name](tmp_path)
    started = cpu_seconds()
    with pytest.raises(ReadError) as info:
        read_table(path)
    assert cpu_seconds() - started < 10                      # bounded work, not a speed test
    expected = name.replace("-col", "").replace("-docx", "")
    assert info.value.code == expected
    assert path.name in info.value.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)


@pytest.mark.parametrize("name", ["xlsx-unsafe-xml", "xlsx-bomb", "sheet-too-large", "xlsx-corrupt",
                                  "not-xlsx", "xls-or-encrypted"])
def test_cli_hostile_file_exit_2_no_traceback_bounded(tmp_path: Path, name: str):
    path = HOSTILE[name](tmp_path)
    peak_file = tmp_path / "peak.txt"
    # The child reports its own peak RSS at exit from /proc/self/status VmHWM: that high-water mark
    # belongs to the new program (ru_maxrss would include pytest's memory copied at fork time).
    probe = ("import atexit, sys;"
             "atexit.register(lambda: open(" + repr(str(peak_file)) + ", 'w').write("
             "[l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0]));"
             "sys.argv = ['lingong-docs', 'validate', sys.argv[1]];"
             "from lingong_docs.cli import main; main()")
    started = cpu_seconds()
    proc = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=60)
    elapsed = cpu_seconds() - started                      # the child's CPU, once it is waited for
    peak_mb = int(peak_file.read_text()) / 1024
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert path.name in proc.stderr
    assert elapsed < 10
    assert peak_mb < 300


def test_missing_file_is_exit_2(tmp_path: Path):
    proc = subprocess.run(CLI + ["validate", str(tmp_path / "nope.xlsx")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_defusedxml_active_for_openpyxl():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True
