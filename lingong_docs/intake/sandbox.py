"""Run one examination job on an untrusted file in a child process with hard resource limits.

pypdf and pyHanko get new denial-of-service fixes every month (docs/security.md), so their
own limits are not enough: every received package is opened in a fresh interpreter
(``python -m lingong_docs.intake.worker``) whose address space and CPU time are capped with
``setrlimit``. The child gets its request on stdin and writes its answer as JSON into the private
work folder; nothing it prints is shown.

One budget per package: ``Limits.cpu_seconds`` is the CPU time of all its children together (the
scan child, then the recompute child gets what the scan left, see ``remaining``), measured from the
kernel's accounting of each child (``wait4``) — CPU time, not the clock, so a package examined
on a busy machine gets the same verdict as on an idle one. The children run one after another,
so ``memory`` (each child's address space) is also what the package takes at most. The
wall-clock limit is only a last resort for a child that waits instead of computing.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

RESULT_FILE = "result.json"
_children: set[subprocess.Popen[bytes]] = set()
_children_lock = threading.Lock()


@dataclass(frozen=True)
class Limits:
    """Resource limits of one child job. Bytes, seconds, counts."""

    memory: int = 1 << 30                 # RLIMIT_AS of each child (1 GiB); they run one after another
    cpu_seconds: float = 120.0            # CPU time of the whole package: all its children together
    wall_seconds: float = 1800.0          # last resort: a child is killed after this, whatever it does
    max_file: int = 300_000_000           # package file size
    max_pages: int = 20_000
    max_attachments: int = 60_000
    max_attachment: int = 60_000_000      # one embedded file, declared and decompressed
    max_attachments_total: int = 400_000_000
    max_manifest: int = 20_000_000
    max_text_pages: int = 40              # pages whose text is extracted (checklist, reports)
    max_table_pages: int = 30             # pages of 附件4/附件5 compared row by row (a random sample beyond)
    max_form_pages: int = 40              # pages of the forms rendered again and compared (more: a finding;
                                          # 0: none — benches whose variants change only the embedded data)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class JobOutcome:
    """What came back from a child: its JSON answer, or why there is none."""

    result: dict | None
    failure: str | None = None          # 'timeout' (CPU) | 'wall' | 'crashed'
    returncode: int | None = None
    cpu: float = 0.0                    # CPU seconds the child used (user + system)


def remaining(limits: Limits, used: float) -> Limits:
    """Return the limits of a package's next child: the CPU seconds its children have not used yet."""
    return replace(limits, cpu_seconds=max(1.0, limits.cpu_seconds - used))


def run_job(request: dict, workdir: Path, limits: Limits) -> JobOutcome:
    """Run ``request`` in a limited child process; return its answer or the reason it has none."""
    request = dict(request, limits=limits.to_dict(), workdir=str(workdir))
    result_path = workdir / RESULT_FILE
    result_path.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("LINGONG_LEDGER_KEY",)}
    env["MALLOC_ARENA_MAX"] = "2"         # keep virtual memory of a threaded child small
    env["PYTHONHASHSEED"] = "0"
    env.pop("PYTHONSTARTUP", None)
    proc = subprocess.Popen(
        [sys.executable, "-I", "-c", _BOOT, str(_PACKAGE_PARENT)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        cwd=str(workdir), env=env, start_new_session=True,
    )
    with _children_lock:
        _children.add(proc)
    try:
        cpu = _feed_and_reap(proc, json.dumps(request).encode("utf-8"), limits.wall_seconds)
    except BaseException:
        _kill(proc)
        raise
    finally:
        with _children_lock:
            _children.discard(proc)
    if cpu is None:
        return JobOutcome(None, "wall", None, limits.cpu_seconds)
    rc = proc.returncode
    if result_path.is_file():
        try:
            with open(result_path, encoding="utf-8") as f:
                return JobOutcome(json.load(f), None, rc, cpu)
        except (OSError, ValueError):
            pass
    if rc is not None and rc < 0 and -rc in (signal.SIGXCPU, signal.SIGKILL):
        return JobOutcome(None, "timeout", rc, cpu)
    return JobOutcome(None, "crashed", rc, cpu)


def _feed_and_reap(proc: subprocess.Popen[bytes], data: bytes, wall: float) -> float | None:
    """Give the child its request, wait for it and return the CPU seconds it used (None: killed
    at the wall-clock limit). The child is reaped here (``wait4``) to read its own accounting."""
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass                                          # it died early: its status says how
    deadline = time.monotonic() + wall
    delay = 0.005
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        if time.monotonic() >= deadline:
            _kill(proc)
            return None
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def kill_children() -> None:
    """Kill every child job still running (the run was interrupted)."""
    with _children_lock:
        procs = list(_children)
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.returncode is not None:
        return                                        # already reaped: its pid may be another's now
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


# Isolated mode (-I): no PYTHONPATH, no user site, and - unlike ``-m`` - the working folder, which
# holds the extracted attachments, is not put on sys.path. The package itself is found by path.
_PACKAGE_PARENT = Path(__file__).resolve().parent.parent.parent
_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
         "from lingong_docs.intake.worker import main; main()")


def apply_limits(limits: dict) -> None:
    """Cap this process (called first thing in the child)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX: only the wall-clock timeout applies
        return
    mem = int(limits.get("memory", 1 << 30))
    cpu = max(1, math.ceil(float(limits.get("cpu_seconds", 60))))
    for which, soft, hard in ((resource.RLIMIT_AS, mem, mem), (resource.RLIMIT_CPU, cpu, cpu + 5),
                              (resource.RLIMIT_CORE, 0, 0)):
        _, old_hard = resource.getrlimit(which)
        if old_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, old_hard), min(hard, old_hard)
        resource.setrlimit(which, (soft, hard))
