"""Builds that run in the background: one thread per build, progress read by the page.

Progress is told as it is: the stages in their real order (reading → checking → computing →
documents → assembling), one bar over the whole build that only moves forward, a refused or failed
build shown as such (never 100 %), and a draft that says it is a draft and how many errors it was
built despite.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lingong_docs import api
from lingong_docs.core.errors import BuildRefused, LingongError
from lingong_docs.core.progress import stage_label

# stage → (share of the bar where it starts, where it ends); converting is part of the documents
STAGES = {
    "reading": (0.00, 0.05), "validating": (0.05, 0.35), "computing": (0.35, 0.38), "rendering": (0.38, 0.75),
    "converting": (0.38, 0.75), "bundling": (0.75, 0.97), "writing": (0.97, 1.00),
}
ORDER = ["reading", "validating", "computing", "rendering", "bundling", "writing"]


@dataclass
class BuildJob:
    id: str
    app_id: str
    draft: bool
    state: str = "running"          # running / done / refused / failed
    stage: str = "reading"
    fraction: float = 0.0           # of the whole build, only ever grows
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    files: list[dict] = field(default_factory=list)        # {name, kind, pages}
    problems: list[dict] = field(default_factory=list)     # grouped findings {title, code, message, rows, …}
    errors: int = 0                 # errors a draft was built despite
    error: str = ""

    def progress(self, stage: str, done: int, total: int) -> None:
        if stage not in STAGES:
            return
        stage = "rendering" if stage == "converting" else stage
        if ORDER.index(stage) < ORDER.index(self.stage):
            stage = self.stage          # per-package stages repeat: the label never goes back
        start, end = STAGES[stage]
        share = start + (end - start) * (done / total if total else 0)
        self.stage, self.fraction = stage, max(self.fraction, min(share, 0.99))

    def to_dict(self) -> dict:
        elapsed = (self.finished or time.monotonic()) - self.started
        percent = 100 if self.state == "done" else int(self.fraction * 100)
        return {"id": self.id, "state": self.state, "stage": self.stage, "stage_zh": stage_label(self.stage),
                "percent": percent, "seconds": round(elapsed, 1), "files": self.files, "problems": self.problems,
                "draft": self.draft, "errors": self.errors, "error": self.error}


class BuildJobs:
    """The builds of this server; at most one running per application."""

    def __init__(self) -> None:
        self._jobs: dict[str, BuildJob] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> BuildJob | None:
        return self._jobs.get(job_id)

    def running_for(self, app_id: str) -> BuildJob | None:
        return next((j for j in self._jobs.values() if j.app_id == app_id and j.state == "running"), None)

    def start(self, app_id: str, folder: Path, out: Path, *, draft: bool,
              done: Callable[[BuildJob, str], None], inputs: str) -> BuildJob:
        """Start a build; ``done(job, inputs)`` is called after a package was written."""
        with self._lock:
            running = self.running_for(app_id)
            if running is not None:
                return running
            job = BuildJob(secrets.token_hex(8), app_id, draft)
            self._jobs[job.id] = job
        threading.Thread(target=_run, args=(job, folder, out, done, inputs), name=f"build-{job.id}",
                         daemon=True).start()
        return job


def problem_dicts(findings: list) -> list[dict]:
    """Return refused-build findings grouped as the findings page groups them, with rows and columns."""
    from lingong_docs.web.state import group_findings

    return [{"title": g.title or g.code, "code": g.code, "severity": g.severity, "message": g.first.message,
             "hint": g.first.hint, "file": g.first.file or "", "column": g.first.column or "",
             "header": g.first.header or "", "rows": g.rows[:12], "more": max(0, len(g.rows) - 12)}
            for g in group_findings(findings)]


def _run(job: BuildJob, folder: Path, out: Path, done: Callable[[BuildJob, str], None], inputs: str) -> None:
    try:
        results = api.build(folder, out, draft=job.draft, progress=job.progress)
        job.files = [{"name": r.path.name, "kind": r.kind, "pages": r.pages} for r in results]
        job.errors = max((sum(1 for p in r.problems if getattr(p, "severity", "") == "error") for r in results),
                         default=0)
        done(job, inputs)
        job.state = "done"
    except BuildRefused as e:
        job.problems = problem_dicts(list(e.problems))
        job.error, job.state = e.message, "refused"
    except LingongError as e:
        job.error, job.state = e.message, "failed"
    except Exception as e:  # the page shows the type only, never a traceback
        job.error, job.state = f"内部错误（{type(e).__name__}）", "failed"
    finally:
        job.finished = time.monotonic()
