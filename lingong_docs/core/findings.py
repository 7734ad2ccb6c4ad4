"""Findings: what validation (and intake) says about the data, as plain values.

A finding has a stable kebab-case ``code``, a severity, the Excel location the operator sees, a
masked value, and a Chinese message and hint taken from the catalogue ``schemas/messages/``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any

from lingong_docs.core.errors import ConfigError
from lingong_docs.core.errors import catalogue as catalogue  # the catalogue's home is errors.py (make)

ERROR, WARNING, INFO = "error", "warning", "info"
VOID_CODES = frozenset({"row-void", "row-struck-through"})
"""Findings on a row the operator may have meant to take out (备注 作废, struck through): validate
emits them, compute says how many such rows it counted."""
SEVERITIES = (ERROR, WARNING, INFO)
SEVERITY_ZH = {ERROR: "错误", WARNING: "警告", INFO: "提示"}


JSON_KEYS = ("code", "severity", "file", "sheet", "row", "column", "header", "value", "message", "hint")
"""The keys of a finding in the JSON outputs, in their order."""


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: str
    message: str
    hint: str = ""
    file: str | None = None
    sheet: str | None = None
    row: int | None = None        # Excel row number, as Excel shows it
    column: str | None = None     # Excel column letter
    header: str | None = None     # header text of that column
    value: str = ""               # masked where the column holds personal data

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as the JSON outputs print it (stable keys; the value is masked)."""
        return {k: getattr(self, k) for k in JSON_KEYS}

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}" if self.column and self.row else ""


def make(code: str, *, file: str | None = None, sheet: str | None = None, row: int | None = None,
         column: str | None = None, header: str | None = None, value: object = "",
         severity: str | None = None, **params: Any) -> Finding:
    """Return the finding ``code`` with its catalogue message filled from ``params``."""
    try:
        entry = catalogue()[code]
    except KeyError:
        raise ConfigError("unknown-rule", f"规则目录中没有代码 {code}") from None
    fields = {"file": file or "", "sheet": sheet or "", "row": row or "", "column": column or "",
              "header": header or "", "value": "" if value is None else value, **params}
    try:
        message = entry["message"].format(**fields)
        hint = entry.get("hint", "").format(**fields)
    except (KeyError, IndexError, ValueError):
        message, hint = entry["message"], entry.get("hint", "")
    return Finding(code=code, severity=severity or entry["severity"], message=message, hint=hint,
                   file=file, sheet=sheet, row=row, column=column, header=header,
                   value="" if value is None else str(value))


@dataclass
class Report:
    """All findings of one run, in order, with counts."""

    findings: list[Finding] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def errors(self) -> int:
        return self.count(ERROR)

    @property
    def warnings(self) -> int:
        return self.count(WARNING)

    @property
    def infos(self) -> int:
        return self.count(INFO)

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def error_rows(self, file_name: str) -> set[int]:
        """Return the Excel rows of ``file_name`` that carry at least one error."""
        return {f.row for f in self.findings
                if f.severity == ERROR and f.file == file_name and f.row is not None}

    def by_code(self) -> Counter[str]:
        return Counter(f.code for f in self.findings)

    def sorted(self) -> list[Finding]:
        order = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted(self.findings, key=lambda f: (order.get(f.severity, 9), f.code, f.file or "",
                                                    f.row or 0, f.column or ""))

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "infos": self.infos,
            "issues": [f.to_dict() for f in self.sorted()],
            "stats": self.stats,
        }

    def to_json(self) -> str:
        """Return ``to_dict()`` as ``json.dumps(…, ensure_ascii=False, indent=2, default=str)`` writes it,
        byte for byte; the findings are written with the C encoder, one value at a time (Python's
        indenting encoder is slow on thousands of findings)."""
        data = self.to_dict()
        issues = data["issues"]
        data["issues"] = []
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        if not issues:
            return text
        items = ",\n".join("    {\n" + ",\n".join(f'      "{k}": {_json_scalar(v)}' for k, v in issue.items())
                           + "\n    }" for issue in issues)
        # The report's own key at the top level (two spaces in): the stats are nested deeper.
        return text.replace('\n  "issues": [],', '\n  "issues": [\n' + items + "\n  ],", 1)


_JSON_SCALAR = json.JSONEncoder(ensure_ascii=False, default=str).encode


def _json_scalar(value: object) -> str:
    """Return ``value`` as ``json.dumps(value, ensure_ascii=False, default=str)`` writes it (fast for
    text, whole numbers and null, what findings hold)."""
    if type(value) is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if type(value) is int:
        return int.__repr__(value)
    return _JSON_SCALAR(value)


def rows_text(rows: Iterable[int], limit: int = 8) -> str:
    """Return Excel rows as ``5、7—9、12`` (runs joined), cut after ``limit`` runs with ``等``: the one
    way every stage lists rows in a message."""
    runs: list[list[int]] = []
    for r in sorted(set(rows)):
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    parts = [str(a) if a == b else f"{a}—{b}" for a, b in runs[:limit]]
    return "、".join(parts) + ("等" if len(runs) > limit else "")
