"""Hostile PDFs are rejected within the limits, without crashing or writing outside the temp dir."""

from __future__ import annotations

import importlib.util
import os
import resource
import tempfile
from pathlib import Path

import pytest
from helpers.cpu import cpu_seconds
from helpers.intake import RECEIVED, built_package

from lingong_docs.intake.sandbox import Limits
from lingong_docs.intake.service import examine, intake

_spec = importlib.util.spec_from_file_location(
    "hostile_generate", Path(__file__).parent / "fixtures" / "hostile" / "generate.py")
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

CPU_LIMIT_S = 30             # CPU seconds (parent and children): bounded work whatever the machine's load


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return hostile.write_all(tmp_path_factory.mktemp("hostile"))


def _errors(receipt) -> set[str]:
    return {f.code for f in receipt.findings if f.severity == "error"}


@pytest.mark.parametrize("name, expected", [
    ("attachment-bomb.pdf", "pdf-bomb"),
    ("attachment-bomb-declared.pdf", "attachment-too-large"),
    ("circular-prev.pdf", "pdf-xref-loop"),
    ("outline-loop.pdf", "pdf-loop"),
    ("truncated.pdf", "pdf-truncated"),
    ("not-a-pdf.pdf", "pdf-not-pdf"),
    ("active-content.pdf", "active-content"),
])
def test_hostile_file_is_rejected_in_bounded_time(files, name, expected, tmp_path, monkeypatch):
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    monkeypatch.chdir(tmp_path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = cpu_seconds()
    [receipt] = intake([files[name]], as_of=RECEIVED)
    assert cpu_seconds() - started < CPU_LIMIT_S
    assert receipt.verdict == "rejected"
    assert expected in _errors(receipt)
    # the parent never decompressed anything itself (ru_maxrss is in KiB on Linux)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 150_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]       # nothing written beside us
    assert list(private.iterdir()) == []                                # temp folder removed


def test_attachment_names_are_sanitised_inside_the_private_folder(files, tmp_path, monkeypatch):
    # Look inside while the child works: keep the work folder by pointing mkdtemp at a known place
    # and replacing rmtree for the duration of this test.
    from lingong_docs.intake import workdirs as ex_mod

    kept: list[Path] = []
    monkeypatch.setattr(ex_mod.shutil, "rmtree", lambda p, ignore_errors=False: kept.append(Path(p)))
    private = tmp_path / "deep" / "tmp"
    private.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    ex = examine(files["active-content.pdf"], as_of=RECEIVED)
    [workdir] = kept
    assert workdir.parent == private and (workdir.stat().st_mode & 0o777) == 0o700
    written = sorted(p.name for p in (workdir / "files").iterdir())
    assert written == ["0000_evil.sh", "0001_evil.dll", "0002_roster.xlsxgpj.exe"]
    assert all((workdir / "files" / n).stat().st_mode & 0o777 == 0o600 for n in written)
    for escaped in (tmp_path / "evil.sh", tmp_path / "deep" / "evil.sh", private / "evil.sh",
                    Path("/evil.sh"), Path.cwd() / "evil.dll"):
        assert not escaped.exists()
    codes = [f.code for f in ex.findings]
    assert codes.count("attachment-name-unsafe") == 3
    active = next(f.message for f in ex.findings if f.code == "active-content")
    assert "OpenAction:JavaScript" in active and "document:JavaScript" in active and "Launch" in active
    assert "\u202e" not in " ".join(f.message for f in ex.findings)


def test_truncated_real_package(tmp_path):
    path = tmp_path / "cut.pdf"
    data = built_package()
    path.write_bytes(data[: len(data) * 2 // 3])
    [receipt] = intake([path], as_of=RECEIVED)
    assert _errors(receipt) == {"pdf-truncated"}


def test_memory_limit_of_the_child_is_enforced(files):
    # With pypdf's own limit lifted, only RLIMIT_AS stands between the bomb and the machine.
    limits = Limits(memory=400 << 20, max_attachment=10**9, max_attachments_total=10**10)
    ex = examine(files["attachment-bomb.pdf"], as_of=RECEIVED, limits=limits)
    assert "pdf-bomb" in {f.code for f in ex.findings}


def test_wall_clock_limit_kills_the_child(files):
    started = cpu_seconds()
    ex = examine(files["attachment-bomb.pdf"], as_of=RECEIVED, limits=Limits(wall_seconds=0.05))
    assert [f.code for f in ex.findings] == ["pdf-timeout"]
    assert cpu_seconds() - started < 5                       # the child was stopped, not left to decompress


def test_missing_file_is_an_error_not_a_receipt(tmp_path):
    from lingong_docs.core.errors import IntakeError

    with pytest.raises(IntakeError) as e:
        examine(tmp_path / "nope.pdf", as_of=RECEIVED)
    assert e.value.code == "package-not-found"


def test_child_runs_isolated_from_the_working_folder(files, tmp_path, monkeypatch):
    # A module planted in the current folder must not be imported by the child (python -I).
    (tmp_path / "pypdf.py").write_text("raise SystemExit('planted module imported')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    ex = examine(files["outline-loop.pdf"], as_of=RECEIVED)
    assert "pdf-loop" in {f.code for f in ex.findings}
    assert os.environ["PYTHONPATH"] == str(tmp_path)
