"""Private temporary folders, and the one sweeper of those a killed run left behind.

Every stage that needs scratch space (the build's work folder, LibreOffice's sandbox, intake's
unpacked files) makes it here: a 0700 folder in the temp dir named ``<prefix><pid>-<random>``,
the id of the process that owns it in the name. Such folders may hold personal data, so a later
run removes those whose owner process is gone — whatever their age: a folder of a running
process is never touched, a folder of a dead one is never kept.

``<prefix>`` must end with ``-`` (``lingong-build-``, ``lingong-lo-``); folders of an older
release (no pid in the name) are removed once they are an hour old.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

LEGACY_MAX_AGE = 3600.0     # seconds: a folder without an owner id in its name is kept this long


def pid_alive(pid: int) -> bool:
    """Return True when a process ``pid`` exists (ours or another user's)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_pid(name: str, prefix: str) -> int | None:
    """Return the owner's pid written in ``name`` after ``prefix`` (None when there is none)."""
    m = re.match(rf"{re.escape(prefix)}(\d+)-", name)
    return int(m.group(1)) if m else None


def make_private_dir(prefix: str) -> Path:
    """Return a fresh 0700 folder ``<tmp>/<prefix><pid>-<random>`` (removed by the caller)."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))


@contextlib.contextmanager
def private_dir(prefix: str) -> Iterator[Path]:
    """Yield a fresh private folder (stale ones of ``prefix`` swept first); remove it afterwards."""
    sweep_stale(prefix)
    path = make_private_dir(prefix)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _stale(path: Path, prefix: str, now: float) -> bool:
    """Return True when ``path`` is a folder of ``prefix`` whose owner process is gone."""
    if not path.name.startswith(prefix) or path.is_symlink() or not path.is_dir():
        return False
    info = path.stat()
    if info.st_uid != os.getuid():
        return False
    pid = owner_pid(path.name, prefix)
    if pid is None:
        return now - info.st_mtime > LEGACY_MAX_AGE
    return pid != os.getpid() and not pid_alive(pid)


def sweep_stale(prefixes: str | Iterable[str], base: Path | None = None) -> list[Path]:
    """Remove this user's folders of ``prefixes`` in ``base`` (the temp dir) whose owner is gone.

    Returns the folders removed. Errors (a folder vanishing meanwhile) are ignored.
    """
    prefixes = (prefixes,) if isinstance(prefixes, str) else tuple(prefixes)
    base = Path(base) if base is not None else Path(tempfile.gettempdir())
    now = time.time()
    removed: list[Path] = []
    try:
        entries = list(base.iterdir())
    except OSError:
        return removed
    for path in entries:
        with contextlib.suppress(OSError):
            if any(_stale(path, prefix, now) for prefix in prefixes):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed
