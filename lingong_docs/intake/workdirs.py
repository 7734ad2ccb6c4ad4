"""Private work folders of intake (``lingong-intake-<pid>-*``): made, removed, swept.

They hold the extracted workbooks, full IDs included, so none may outlive its run: each is
removed when its examination ends; ``remove_all`` (called when intake is interrupted: Ctrl-C,
SIGTERM) removes those still open; ``sweep`` removes the ones a killed run (kill -9) left, once
the process named in the folder's name is gone. Kept minimal until the shared sweeper of the
package stage is available.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

PREFIX = "lingong-intake-"
_PATTERN = re.compile(rf"^{re.escape(PREFIX)}(\d+)-")
_live: set[Path] = set()
_lock = threading.Lock()


@contextlib.contextmanager
def private_workdir() -> Iterator[Path]:
    """Yield a new 0700 folder named after this process; remove it afterwards, whatever happens."""
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
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
    base = base or Path(tempfile.gettempdir())
    removed = 0
    with contextlib.suppress(OSError):
        for p in base.iterdir():
            m = _PATTERN.match(p.name)
            if not m or p.is_symlink() or not p.is_dir() or _alive(int(m.group(1))):
                continue
            with contextlib.suppress(OSError):
                if p.stat().st_uid == os.getuid():
                    shutil.rmtree(p, ignore_errors=True)
                    removed += 1
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
