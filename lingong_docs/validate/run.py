"""Run every rule over an application: ``validate(app) -> Report``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from lingong_docs.core import findings as F
from lingong_docs.core.dates import YEAR_BASIS, year_from_data
from lingong_docs.core.findings import Report
from lingong_docs.core.model import Application
from lingong_docs.core.policy import Policy, policy_for
from lingong_docs.validate.registry import Context, registered_rules

log = logging.getLogger(__name__)


def validate(app: Application, *, year: int | None = None, policy: Policy | None = None,
             progress: Callable[[int, int], None] | None = None) -> Report:
    """Return every finding about ``app``: read findings first, then every registered rule's.

    ``year`` overrides the application year; for a lone workbook without it the year is taken
    from the data (the year most tasks end in) and a finding says so. ``progress(done, total)``
    is called after each rule.
    """
    started = time.perf_counter()
    report = Report()
    report.extend(app.all_read_findings())
    is_folder = app.folder is not None
    year_source = "option" if year else "application"
    if year is None:
        year = app.info.year
    if year is None:
        year, basis = year_from_data(app)
        year_source = "data"
        if year is not None and basis is not None:
            report.add(F.make("year-from-data", year=year, basis=YEAR_BASIS[basis]))
    policy = policy_for(year, app.info.policy, choice=policy)
    ctx = Context(app=app, year=year, year_source=year_source, policy=policy,
                  application_date=app.info.application_date if is_folder else None,
                  is_folder=is_folder)
    selected = [r for r in registered_rules() if is_folder or not r.folder_only]
    jobs = []
    for r in selected:
        if r.scope == "application":
            jobs.append((r, None))
        else:
            table = getattr(app, r.scope, None)
            if table is not None:
                jobs.append((r, table))
    for done, (r, table) in enumerate(jobs, start=1):
        try:
            report.extend(r.fn(ctx) if table is None else r.fn(ctx, table))
        except Exception as e:  # one broken rule must not hide the others' results
            log.debug("rule %s failed: %s", r.name, type(e).__name__)
            report.add(F.make("rule-crashed", rule=r.name, error=type(e).__name__))
        if progress:
            progress(done, len(jobs))
    report.stats = {
        "year": year,
        "year_source": year_source,
        "policy": policy.id,
        "rows": {t.kind: t.row_count for t in app.tables},
        "rules": len(jobs),
        "by_code": dict(sorted(report.by_code().items())),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return report

