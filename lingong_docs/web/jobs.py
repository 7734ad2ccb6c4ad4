"""Builds that run in the background: one thread per build, progress read by the page."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import lingong_docs as lg
from lingong_docs.core.errors import LingongError
from lingong_docs.core.progress import stage_label


@dataclass
class BuildJob:
    id: str
    app_id: str
    draft: bool
    state: str = "running"          # running / done / refused / failed
    stage: str = ""
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    files: list[dict] = field(default_factory=list)        # {name, kind, pages}
    problems: list[dict] = field(default_factory=list)     # {code, severity, message, hint}
    error: str = ""

    def progress(self, stage: str, done: int, total: int) -> None:
        self.stage, self.done, self.total = stage, done, total

    def to_dict(self) -> dict:
        elapsed = (self.finished or time.monotonic()) - self.started
        return {"id": self.id, "state": self.state, "stage": self.stage,
                "stage_zh": stage_label(self.stage), "done": self.done, "total": self.total,
                "seconds": round(elapsed, 1), "files": self.files, "problems": self.problems,
                "error": self.error}


class BuildJobs:
    """The builds of this server; at most one running per application."""

    def __init__(self) -> None:
        self._jobs: dict[str, BuildJob] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> BuildJob | None:
        return self._jobs.get(job_id)

    def running_for(self, app_id: str) -> BuildJob | None:
        return next((j for j in self._jobs.values() if j.app_id == app_id and j.state == "running"), None)

    def start(self, app_id: str, folder: Path, out: Path, *, draft: bool) -> BuildJob:
        with self._lock:
            running = self.running_for(app_id)
            if running is not None:
                return running
            job = BuildJob(secrets.token_hex(8), app_id, draft)
            self._jobs[job.id] = job
        threading.Thread(target=_run, args=(job, folder, out), name=f"build-{job.id}", daemon=True).start()
        return job


def _run(job: BuildJob, folder: Path, out: Path) -> None:
    from lingong_docs.core.errors import BuildRefused

    try:
        results = lg.build(folder, out, draft=job.draft, progress=job.progress)
        job.files = [{"name": r.path.name, "kind": r.kind, "pages": r.pages} for r in results]
        job.state = "done"
    except BuildRefused as e:
        job.problems = [{"code": f.code, "severity": f.severity, "message": f.message, "hint": f.hint}
                        for f in e.problems]
        job.error = e.message
        job.state = "refused"
    except LingongError as e:
        job.error, job.state = e.message, "failed"
    except Exception as e:  # the page shows the type only, never a traceback
        job.error, job.state = f"内部错误（{type(e).__name__}）", "failed"
    finally:
        job.finished = time.monotonic()
