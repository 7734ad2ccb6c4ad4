"""Build stage: the packages of one run are committed together; leftovers of killed runs go.

``atomic_paths`` writes every package beside its target and renames them all at the end with
Ctrl-C and SIGTERM held back, so an interruption leaves the set all old or all new. A ``.part``
file or a work folder names the process that made it and is removed by the next run as soon as
that process is gone, however young it is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from lingong_docs.util.atomic import (
    atomic_path,
    atomic_paths,
    atomic_write_bytes,
    interrupts_remembered,
    signals_deferred,
    sweep_stale_parts,
)
from lingong_docs.util.workdir import make_private_dir, sweep_stale


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_signals_during_the_renames_are_held_back_and_the_set_is_all_new(tmp_path):
    targets = [tmp_path / "a.pdf", tmp_path / "b.pdf"]
    for t in targets:
        t.write_bytes(b"old")
    with atomic_paths(targets) as parts:
        for part in parts:
            part.write_bytes(b"new")
        with signals_deferred() as received:                     # what the renames run under
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGTERM)
        assert received == [signal.SIGINT, signal.SIGTERM]
    assert [t.read_bytes() for t in targets] == [b"new", b"new"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.pdf"]


def test_an_interruption_before_the_renames_leaves_the_set_all_old(tmp_path):
    targets = [tmp_path / "a.pdf", tmp_path / "b.pdf"]
    for t in targets:
        t.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), atomic_paths(targets) as parts:
        parts[0].write_bytes(b"new")
        raise KeyboardInterrupt
    assert [t.read_bytes() for t in targets] == [b"old", b"old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.pdf"]


def _interrupt_swallowed_by_a_finalised_generator() -> None:
    """Ctrl-C arriving while Python closes a generator: its KeyboardInterrupt is reported and dropped."""
    def rows():
        try:
            yield 1
        finally:
            os.kill(os.getpid(), signal.SIGINT)

    gen = rows()
    next(gen)
    del gen                                   # finalised here; "Exception ignored in: <generator …>"


@pytest.mark.parametrize("many", [False, True])
def test_an_interrupt_python_dropped_still_stops_the_commit(tmp_path, many, monkeypatch):
    dropped: list[type] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: dropped.append(u.exc_type))
    targets = [tmp_path / "a.pdf", tmp_path / "b.pdf"]
    for t in targets:
        t.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), interrupts_remembered():
        _interrupt_swallowed_by_a_finalised_generator()
        assert dropped == [KeyboardInterrupt]                          # Python did drop it: the run went on
        if many:
            with atomic_paths(targets) as parts:
                for part in parts:
                    part.write_bytes(b"new")
        else:
            atomic_write_bytes(targets[0], b"new")
    assert [t.read_bytes() for t in targets] == [b"old", b"old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.pdf"]     # no .part left
    atomic_write_bytes(targets[0], b"later")                                     # outside the block: writes
    assert targets[0].read_bytes() == b"later"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_part_of_a_dead_process_is_removed_whatever_its_age(tmp_path):
    dead = tmp_path / f".x.pdf.{_dead_pid()}-abc123.part"                  # just written, owner gone
    mine = tmp_path / f".y.pdf.{os.getpid()}-abc123.part"                  # a live writer's
    legacy = tmp_path / ".z.pdf.abc123.part"                               # older release: by age only
    for p in (dead, mine, legacy):
        p.write_bytes(b"personal data")
    sweep_stale_parts(tmp_path)
    assert not dead.exists() and mine.exists() and legacy.exists()
    with atomic_path(tmp_path / "w.pdf") as tmp:
        assert f".w.pdf.{os.getpid()}-" in tmp.name
        tmp.write_bytes(b"x")


def test_the_build_work_folder_names_its_owner_and_is_swept_once_it_is_gone(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mine = make_private_dir("lingong-build-")
    assert mine.name.startswith(f"lingong-build-{os.getpid()}-")
    left = tmp_path / f"lingong-build-{_dead_pid()}-zz"
    left.mkdir()
    (left / "roster.xlsx").write_bytes(b"personal data")
    assert sweep_stale("lingong-build-") == [left]
    assert mine.exists() and not left.exists()
    assert Path(mine).stat().st_mode & 0o777 == 0o700
