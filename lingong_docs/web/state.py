"""What the pages say about an application: its state from the inputs, and findings grouped.

The state is derived every time from the files as they are (their SHA-256) and the record of the
last build, never stored: errors / ready / built from the current inputs / built from older
inputs (已过期, with the build time) / a file that cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lingong_docs.core import findings as F
from lingong_docs.core.errors import LingongError


@dataclass(frozen=True)
class AppState:
    key: str              # unreadable / unchecked / errors / ready / built / draft / stale
    label: str            # Chinese, as the page shows it
    detail: str = ""
    built_at: str = ""    # time of the last build ("" when none)
    current: bool = False  # the packages in out/ were built from the inputs as they are now


def _time(text: str) -> str:
    return text.replace("T", " ")[:16]


def state_of(report: F.Report | None, problem: LingongError | None, inputs: str,
             build: dict[str, Any] | None) -> AppState:
    """Return the state of an application from its report (or read problem), input hash and last build."""
    built_at = _time(str(build.get("time", ""))) if build else ""
    current = build is not None and build.get("inputs") == inputs
    if problem is not None:
        return AppState("unreadable", "无法读取", problem.message, built_at, current)
    if current and build:
        if build.get("draft"):
            return AppState("draft", "已生成草稿", f"草稿生成于 {built_at}，带水印，不能用于申报。", built_at, True)
        return AppState("built", "已生成", f"材料包生成于 {built_at}，与当前的表格和申请文件一致。", built_at, True)
    stale = f"已有的材料包生成于 {built_at}，之后表格或申请文件有改动，已过期。" if build else ""
    if report is None:
        return AppState("stale" if build else "unchecked", "已过期" if build else "待检查", stale, built_at)
    if report.errors:
        return AppState("errors", "有错误", f"有 {report.errors} 个错误，改正后才能生成材料包。" + stale, built_at)
    if build:
        return AppState("stale", "已过期", stale + "请重新生成。", built_at)
    return AppState("ready", "可以生成", "没有错误，可以生成材料包。", built_at)


@dataclass
class Group:
    """One problem: findings with the same rule, file and message (the rows it touches listed)."""

    index: int                     # position of its first finding in ``report.sorted()``
    first: F.Finding
    rows: list[int] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.first.code

    @property
    def severity(self) -> str:
        return self.first.severity

    @property
    def title(self) -> str:
        return str(F.catalogue().get(self.code, {}).get("title", ""))


def group_findings(findings: list[F.Finding]) -> list[Group]:
    """Return one group per problem: findings of one rule, file, column and message are one line."""
    groups: dict[tuple, Group] = {}
    for i, f in enumerate(findings):
        key = (f.code, f.file, f.column, f.message, f.hint)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(i, f)
        if f.row:
            group.rows.append(f.row)
        if f.cell:
            group.cells.append(f.cell)
    return list(groups.values())
