"""The one composition of read → validate → compute, used by the CLI, the build and intake.

``prepare(folder)`` reads an application folder, validates it and computes its figures;
``prepare_many`` does the same for several markets of one agency, which share the agency cap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lingong_docs.compute import Figures, compute_many
from lingong_docs.core.findings import Report
from lingong_docs.core.model import Application
from lingong_docs.core.policy import Policy, chosen_policy
from lingong_docs.core.progress import Progress as StageProgress  # reading, validating, computing
from lingong_docs.reader import read_application, read_single
from lingong_docs.validate.run import validate

Progress = Callable[[int, int], None]


@dataclass(repr=False)
class Prepared:
    """An application as read, its validation report and its computed figures."""

    app: Application
    report: Report
    figures: Figures


def read(target: str | Path) -> Application:
    """Return the application in folder ``target``, or one holding the lone workbook ``target``."""
    path = Path(target)
    return read_application(path) if path.is_dir() else read_single(path)


def check(target: str | Path, *, year: int | None = None,
          progress: Progress | None = None) -> tuple[Application, Report]:
    """Return the application at ``target`` and its validation report."""
    app = read(target)
    return app, validate(app, year=year, progress=progress)


def prepare_many(folders: Sequence[str | Path], *, policy: Policy | str | None = None,
                 as_of: dt.date | None = None, today: dt.date | None = None,
                 progress: StageProgress | None = None) -> list[Prepared]:
    """Return every folder read, validated and computed; markets of one agency share the cap."""
    tick: StageProgress = progress or (lambda _stage, _done, _total: None)
    tick("reading", 0, len(folders))
    apps = [read(folder) for folder in folders]
    tick("reading", len(folders), len(folders))
    # the operator's choice reaches validate and compute alike (else each takes policy_for's)
    chosen = chosen_policy(policy) if policy is not None else None
    reports = [validate(app, policy=chosen, progress=lambda done, total: tick("validating", done, total))
               for app in apps]
    tick("computing", 0, 1)
    figures = compute_many(apps, reports, policy=chosen, as_of=as_of, today=today)
    tick("computing", 1, 1)
    return [Prepared(app, report, fig) for app, report, fig in zip(apps, reports, figures)]


def prepare(folder: str | Path, *, policy: Policy | str | None = None, as_of: dt.date | None = None,
            today: dt.date | None = None, progress: StageProgress | None = None) -> Prepared:
    """Return one application folder read, validated and computed."""
    return prepare_many([folder], policy=policy, as_of=as_of, today=today, progress=progress)[0]
