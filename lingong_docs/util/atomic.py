"""Atomic file output: a failed or interrupted run leaves the previous file intact."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from lingong_docs.util.workdir import pid_alive

_PART_PID = re.compile(r"\.(\d+)-[^.]*\.part$")
_interrupted = threading.Event()     # set by ``interrupts_remembered``'s handler; checked before every commit


def atomic_write_bytes(target: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``target`` through a temporary file in the same folder; return the path."""
    with atomic_path(target) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return Path(target)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, mode: int = 0o666) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success it replaces ``target`` atomically.

    ``mode`` (before the umask) applies to the final file; use 0o600 for files with personal data.
    On any exception (KeyboardInterrupt included) the temporary file is removed and ``target``
    is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_parts(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, mode & ~umask)
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        _stop_if_interrupted()
        os.replace(tmp_path, target)
        with contextlib.suppress(OSError):
            dfd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def sweep_stale_parts(folder: Path, older_than_s: float = 600) -> None:
    """Remove ``.*.part`` files a killed run left behind (they may hold personal data).

    A part names its writer's process id (``.<name>.<pid>-<random>.part``): it is removed as soon
    as that process is gone, whatever its age. A part without one (an older release) is removed
    once ``older_than_s`` old.
    """
    now = time.time()
    try:
        parts = list(folder.glob(".*.part"))
    except OSError:
        return
    for p in parts:
        with contextlib.suppress(OSError):
            if _stale_part(p, now, older_than_s):
                p.unlink()


def _stale_part(part: Path, now: float, older_than_s: float) -> bool:
    m = _PART_PID.search(part.name)
    if m:
        pid = int(m.group(1))
        return pid != os.getpid() and not pid_alive(pid)
    return now - part.stat().st_mtime > older_than_s


@contextlib.contextmanager
def interrupts_remembered(signums: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[None]:
    """Turn Ctrl-C and SIGTERM into ``KeyboardInterrupt`` for the duration, and remember them.

    Python drops an exception raised while it finalises a generator or runs a destructor (it
    prints "Exception ignored in …" and goes on): a Ctrl-C landing there — openpyxl's sheet writer
    is such a generator — would let the run go on to replace the previous output. The flag set
    here makes every commit of ``atomic_path``/``atomic_paths`` inside the block refuse instead.
    Outside the main thread (where no handler can be set) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: object) -> None:
        _interrupted.set()
        raise KeyboardInterrupt

    _interrupted.clear()
    previous = {s: signal.signal(s, interrupt) for s in signums}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _interrupted.clear()


def _stop_if_interrupted() -> None:
    if _interrupted.is_set():
        raise KeyboardInterrupt


@contextlib.contextmanager
def signals_deferred(signums: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[list[int]]:
    """Hold back ``signums`` (Ctrl-C, SIGTERM) for the duration; yield the list of those received.

    Used around a few renames that must happen all or none. Outside the main thread (where no
    handler can be set) nothing is deferred.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def hold(signum: int, _frame: object) -> None:
        received.append(signum)

    previous = {s: signal.signal(s, hold) for s in signums}
    try:
        yield received
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def atomic_paths(targets: list[Path], mode: int = 0o666) -> Iterator[list[Path]]:
    """Yield one temporary path per target; on success they replace ``targets`` together.

    The renames run with Ctrl-C and SIGTERM deferred, so the set of targets is all old or all
    new: an interruption before them leaves every target as it was (and the temporary files are
    removed); one arriving during them (a few milliseconds) is dropped, the work being complete.
    """
    paths: list[Path] = []
    try:
        for target in targets:
            target = Path(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            sweep_stale_parts(target.parent)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".part", dir=target.parent)
            os.close(fd)
            paths.append(Path(name))
        yield paths
        umask = os.umask(0)
        os.umask(umask)
        for part in paths:
            os.chmod(part, mode & ~umask)
            with open(part, "rb+") as f:
                os.fsync(f.fileno())
        with signals_deferred():
            _stop_if_interrupted()
            for part, target in zip(paths, targets):
                os.replace(part, target)
        for folder in {Path(t).parent for t in targets}:
            _fsync_dir(folder)
    except BaseException:
        for part in paths:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
        raise


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
