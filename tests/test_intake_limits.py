"""One limit for a whole package: CPU seconds of all its children together, not wall-clock budgets
in a row — so a busy machine does not turn a good package into a rejected one."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers.intake import RECEIVED, built_package, make_signer, sign

from lingong_docs.intake import sandbox
from lingong_docs.intake.examine import figures as figures_step
from lingong_docs.intake.examine import forms as forms_step
from lingong_docs.intake.examine import run as examine_run
from lingong_docs.intake.sandbox import Limits, remaining
from lingong_docs.intake.service import intake


@pytest.fixture(scope="module")
def signed(tmp_path_factory) -> bytes:
    return sign(built_package(), make_signer(tmp_path_factory.mktemp("cert"))[0])


def test_the_next_child_gets_what_the_package_has_left():
    limits = Limits(cpu_seconds=100)
    assert remaining(limits, 30.5).cpu_seconds == 69.5
    assert remaining(limits, 250).cpu_seconds == 1.0           # spent: the next child stops at once
    assert remaining(limits, 30.5).memory == limits.memory


def test_each_child_is_limited_to_the_cpu_time_the_earlier_ones_left(tmp_path, signed, monkeypatch):
    seen: list[tuple[str, float, float]] = []
    real = sandbox.run_job

    def spy(request, workdir, limits):                          # the real children, observed
        outcome = real(request, workdir, limits)
        seen.append((request["job"], limits.cpu_seconds, outcome.cpu))
        return outcome

    monkeypatch.setattr(examine_run, "run_job", spy)
    monkeypatch.setattr(figures_step, "run_job", spy)
    monkeypatch.setattr(forms_step, "run_job", spy)
    path = tmp_path / "p.pdf"
    path.write_bytes(signed)
    [r] = intake([path], as_of=RECEIVED, limits=Limits(cpu_seconds=500))
    assert r.accepted
    (scan_job, scan_limit, scan_cpu), (truth_job, truth_limit, truth_cpu), (forms_job, forms_limit, forms_cpu) = seen
    assert (scan_job, truth_job, forms_job) == ("scan", "truth", "forms")
    assert scan_limit == 500 and 0 < scan_cpu < 500 and truth_cpu > 0
    assert truth_limit == pytest.approx(500 - scan_cpu)
    # the forms child and its LibreOffice are paid from what is left of the same budget
    assert forms_limit == pytest.approx(500 - scan_cpu - truth_cpu) and forms_cpu > 0


def test_a_sealed_package_is_accepted_on_a_machine_busy_with_four_other_jobs(tmp_path, signed):
    # four processes that only burn CPU (what four other intakes do to this one): with a wall-clock
    # limit the package's children would be starved into a timeout; with CPU time they are not.
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(4)]
    try:
        path = tmp_path / "p.pdf"
        path.write_bytes(signed)
        [r] = intake([path], as_of=RECEIVED)
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    assert r.accepted, [(f.code, f.message) for f in r.findings if f.severity == "error"]
    assert "pdf-timeout" not in {f.code for f in r.findings}


def test_a_child_over_the_package_cpu_budget_is_stopped_and_named(tmp_path, signed):
    path = tmp_path / "p.pdf"
    path.write_bytes(signed)
    ex = examine_run.examine(path, as_of=RECEIVED, limits=Limits(cpu_seconds=0.5))
    assert [f.code for f in ex.findings] == ["pdf-timeout"]
    assert "计算时间0.5秒" in ex.findings[0].message
