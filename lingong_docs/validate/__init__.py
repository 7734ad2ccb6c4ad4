"""Validation stage: ``validate(app) -> Report``.

Field rules come from the Cerberus schemas in ``schemas/``; rules spanning fields, rows or tables
live in ``rules/``, one module per family, found through the registry in ``registry.py``.
"""

from __future__ import annotations

from ..findings import Report
from ..reader import Application


def validate(app: Application, *, year: int | None = None, progress=None) -> Report:
    """Return every finding about ``app``: read findings first, then the rules'."""
    report = Report()
    report.extend(app.all_read_findings())
    return report
