"""Receipts are never lost and the ledger never runs ahead: intake killed at several moments records
nothing unfinished, leaves no work folder with personal data behind, and a re-run gives the same verdict."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

KEY = "interrupt-test-ledger-key-0123456789"
# Runs the real command in a child; the moment to die is injected from here, not from the product.
DRIVER = r'''
import os, signal, sys
from lingong_docs.intake import receipt, service
from lingong_docs.intake.examine import run as examine_run

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

moment = sys.argv[1]
if moment == "examining":
    examine_run.run_job = die
elif moment == "numbered":
    service.make_receipt = die
elif moment == "drawing":
    def half(receipt_, target):
        target.write_bytes(b"%PDF-1.4 half")
        die()
    receipt.render_pdf = half
elif moment == "written":
    write = service.write_receipt
    def written(receipt_, folder):
        write(receipt_, folder)
        die()
    service.write_receipt = written
from lingong_docs.cli import main
sys.argv = ["lingong-docs", *sys.argv[2:]]
main()
'''


@pytest.fixture(scope="module")
def package(tmp_path_factory, package_bytes) -> Path:
    path = tmp_path_factory.mktemp("pkg") / "p.pdf"
    path.write_bytes(package_bytes)
    return path


def _env(tmp: Path) -> dict[str, str]:
    (tmp / "tmp").mkdir(exist_ok=True)
    return {**os.environ, "LINGONG_LEDGER_KEY": KEY, "TMPDIR": str(tmp / "tmp"), "LINGONG_TRUST_DIR": ""}


def _intake(tmp: Path, package: Path, moment: str = "none") -> subprocess.CompletedProcess[str]:
    args = ["intake", str(package), "--ledger", str(tmp / "ledger.sqlite"), "--receipt", str(tmp / "回执"),
            "--as-of", "2026-03-10", "--allow-unsigned", "--format", "json"]
    return subprocess.run([sys.executable, "-c", DRIVER, moment, *args], env=_env(tmp), capture_output=True,
                          text=True, timeout=300)


def _recorded(tmp: Path) -> list[tuple[str, str]]:
    if not (tmp / "ledger.sqlite").exists():
        return []
    db = sqlite3.connect(tmp / "ledger.sqlite")
    try:
        return db.execute("SELECT receipt_no, verdict FROM packages").fetchall()
    finally:
        db.close()


def _work_folders(tmp: Path) -> list[str]:
    return [p.name for p in (tmp / "tmp").iterdir() if p.name.startswith("lingong-intake-")]


@pytest.mark.parametrize("moment", ["examining", "numbered", "drawing", "written"])
def test_killed_intake_records_nothing_and_a_rerun_gives_the_same_verdict(tmp_path, package, moment):
    killed = _intake(tmp_path, package, moment)
    assert killed.returncode == -signal.SIGKILL
    assert _recorded(tmp_path) == []                       # the ledger did not run ahead
    left = sorted(p.name for p in (tmp_path / "回执").glob("SL*")) if (tmp_path / "回执").exists() else []
    assert left == (["SL20260310-0001.json", "SL20260310-0001.pdf"] if moment == "written" else [])
    rerun = _intake(tmp_path, package)
    assert rerun.returncode == 0, rerun.stderr
    [receipt] = json.loads(rerun.stdout)
    assert receipt["verdict"] == "accepted" and "duplicate-package" not in {f["code"] for f in receipt["findings"]}
    number = "SL20260310-0002" if moment == "written" else "SL20260310-0001"   # the orphan receipt is kept
    assert receipt["receipt_no"] == number and _recorded(tmp_path) == [(number, "accepted")]
    assert _work_folders(tmp_path) == []                   # a killed run's folder is swept at the next start


def test_unwritable_receipt_folder_fails_cleanly_and_records_nothing(tmp_path, package):
    (tmp_path / "回执").write_bytes(b"")                  # a file where the folder should be: nothing can be written
    failed = _intake(tmp_path, package)
    assert failed.returncode == 2 and "回执" in failed.stderr and "Traceback" not in failed.stderr
    assert _recorded(tmp_path) == []
    (tmp_path / "回执").unlink()
    assert _intake(tmp_path, package).returncode == 0 and len(_recorded(tmp_path)) == 1


def test_sigterm_removes_the_work_folders_and_records_nothing(tmp_path, package):
    args = ["intake", str(package), "--ledger", str(tmp_path / "ledger.sqlite"), "--as-of", "2026-03-10",
            "--allow-unsigned"]
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, "none", *args], env=_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        folders = [tmp_path / "tmp" / n for n in _work_folders(tmp_path)]
        if any((f / "files").is_dir() and any((f / "files").iterdir()) for f in folders):
            break                                          # the package's files are extracted
        time.sleep(0.05)
    else:
        pytest.fail("intake never extracted the package")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "已中断" in err
    assert _work_folders(tmp_path) == [] and _recorded(tmp_path) == []
