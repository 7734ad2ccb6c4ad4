"""Private work folders of intake (``lingong-intake-<pid>-*``): made, removed, swept.

They hold the extracted workbooks, full IDs included, so none may outlive its run: each is
removed when its examination ends; ``remove_all`` (called when intake is interrupted: Ctrl-C,
SIGTERM) removes those still open; ``sweep`` removes the ones a killed run (kill -9) left, once
the process named in the folder's name is gone (the one sweeper, ``util.workdir``).
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

from lingong_docs.util.workdir import make_private_dir, sweep_stale

PREFIX = "lingong-intake-"
_live: set[Path] = set()
_lock = threading.Lock()


@contextlib.contextmanager
def private_workdir() -> Iterator[Path]:
    """Yield a new 0700 folder named after this process; remove it afterwards, whatever happens."""
    path = make_private_dir(PREFIX)
    with _lock:
        _live.add(path)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        with _lock:
            _live.discard(path)


def remove_all() -> None:
    """Remove every work folder of this process still open (interrupted run)."""
    with _lock:
        paths = list(_live)
        _live.clear()
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def sweep(base: Path | None = None) -> int:
    """Remove the work folders whose owner process is gone; return how many were removed."""
    return len(sweep_stale(PREFIX, base))
