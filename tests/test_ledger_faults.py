"""The shared ledger's server going away in the middle of an intake run (a real PostgreSQL server,
stopped for real): a Chinese message and exit 2, no receipt without its record, the same verdict on
a re-run. Runs the real command in a child; the moment the server stops is injected from here."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.intake import THIRD_USCC, rebrand
from helpers.postgres import ServerError, Throwaway

from lingong_docs.intake.ledger import Ledger

KEY = "fault-test-ledger-key-0123456789"
# Stops the server (the command is in $STOP_SERVER) when the second package is about to be numbered
# and recorded. The second package is a ``rebrand`` of the first (embedded data changed, printed pages
# not), so the cell-by-cell comparison of the printed roster (max_table_pages=0) and the re-rendered
# forms (max_form_pages=0) are off.
DRIVER = r'''
import functools, json, os, subprocess, sys
from lingong_docs.intake import service
from lingong_docs.intake.examine import run as examine_run

examine_run.Limits = functools.partial(examine_run.Limits, max_table_pages=0, max_form_pages=0)

make = service.make_receipt
calls = []

def stop_then_make(*args, **kwargs):
    calls.append(1)
    if len(calls) == 2 and os.environ.get("STOP_SERVER"):
        subprocess.run(json.loads(os.environ["STOP_SERVER"]), check=True, capture_output=True)
    return make(*args, **kwargs)

service.make_receipt = stop_then_make
from lingong_docs.cli import main
sys.argv = ["lingong-docs", *sys.argv[1:]]
main()
'''


@pytest.fixture(scope="module")
def server():
    """A server of this module's own: the test stops it."""
    try:
        own = Throwaway()
        own.start()
    except (ServerError, OSError) as e:
        pytest.fail(f"PostgreSQL test server could not start: {e}", pytrace=False)
    yield own
    own.remove()


@pytest.fixture(scope="module")
def packages(tmp_path_factory, package_bytes) -> list[Path]:
    folder = tmp_path_factory.mktemp("fault-packages")
    other = rebrand(package_bytes, uscc=THIRD_USCC, applicant="北京第三人力资源有限公司", shift=dt.timedelta(hours=10))
    out = [folder / "a.pdf", folder / "b.pdf"]
    out[0].write_bytes(package_bytes)
    out[1].write_bytes(other)
    return out


def _intake(url: str, receipts: Path, paths: list[Path], stop: list[str] | None = None):
    env = {**os.environ, "LINGONG_LEDGER_KEY": KEY, "LINGONG_LEDGER": url, "LINGONG_TRUST_DIR": "",
           "STOP_SERVER": json.dumps(stop) if stop else ""}
    args = ["intake", *map(str, paths), "--receipt", str(receipts), "--as-of", "2026-03-10", "--allow-unsigned",
            "--format", "json"]
    return subprocess.run([sys.executable, "-c", DRIVER, *args], env=env, capture_output=True, text=True,
                          timeout=900)


def test_server_going_away_mid_run_records_nothing_half_done(server, packages, tmp_path):
    url = server.create_database("fault")
    stop = ["runuser", "-u", server.as_user, "--"] if server.as_user else []
    stop += [str(server.bin / "pg_ctl"), "-D", str(server.data), "-m", "immediate", "-w", "stop"]
    receipts = tmp_path / "回执"
    failed = _intake(url, receipts, packages, stop)
    assert failed.returncode == 2, failed.stderr
    assert "连接中断" in failed.stderr and "未登记" in failed.stderr and "Traceback" not in failed.stderr
    # the first package was received before the server stopped: its receipt and record; the second: neither
    assert sorted(p.name for p in receipts.iterdir()) == ["SL20260310-0001.json", "SL20260310-0001.pdf"]
    server.start()
    with Ledger(url, KEY.encode()) as ledger:
        assert [(e["receipt_no"], e["verdict"]) for e in ledger.examinations()] == [("SL20260310-0001", "accepted")]
    rerun = _intake(url, receipts, [packages[1]])
    assert rerun.returncode == 0, rerun.stderr
    [receipt] = json.loads(rerun.stdout)
    assert receipt["verdict"] == "accepted" and receipt["receipt_no"] == "SL20260310-0002"
    with Ledger(url, KEY.encode()) as ledger:
        assert [e["verdict"] for e in ledger.examinations()] == ["accepted", "accepted"]


def test_unreachable_server_examines_nothing(packages, tmp_path):
    url = "postgresql://lingong@127.0.0.1:1/nowhere"                       # nothing listens on port 1
    result = _intake(url, tmp_path / "回执", packages[:1])
    assert result.returncode == 2 and "无法连接受理台账数据库" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "回执").exists()
