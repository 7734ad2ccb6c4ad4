"""The versioned policy data (schemas/policy/*.yaml): thresholds, amounts, dates, minimum wages.

A policy file is checked against ``schemas/policy-schema.yaml`` when it is loaded: a missing key,
a text where a number belongs or an unknown material gives ``policy-invalid`` naming the key, before
any stage uses a value.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import yaml
from cerberus import Validator

from lingong_docs.core.errors import PolicyError
from lingong_docs.util.resources import load_yaml, schemas_dir

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Policy:
    """One policy file, checked: its identity and typed access to its sections."""

    id: str
    version: str
    title: str
    path: Path
    data: Mapping[str, Any]

    @property
    def first_year(self) -> int:
        return int(self.data["service_years"]["first"])

    @property
    def last_year(self) -> int:
        return int(self.data["service_years"]["last"])

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def deadline(self, year: int) -> dt.date:
        """Return the last day an application for service year ``year`` is accepted."""
        d = self.data["deadline"]
        due = dt.date(year + 1, int(d["month"]), int(d["day"]))
        last = d.get("last_date")
        if last:
            due = min(due, _date(last))
        return due

    def section(self, name: str) -> Mapping[str, Any]:
        """Return the section ``name`` (operating_subsidy, employment_subsidy, counting, roster …)."""
        return cast(Mapping[str, Any], self.data[name])

    @property
    def operating(self) -> Mapping[str, Any]:
        return self.section("operating_subsidy")

    @property
    def employment(self) -> Mapping[str, Any]:
        return self.section("employment_subsidy")

    @property
    def counting(self) -> Mapping[str, Any]:
        return self.section("counting")

    @property
    def roster(self) -> Mapping[str, Any]:
        return self.section("roster")

    def materials(self, kind: str) -> list[str]:
        """Return the material keys a ``kind`` package holds, in order (第八、十二、十三条)."""
        return [str(m) for m in self.section("materials").get(kind, [])]

    def money(self, section: str, key: str) -> Decimal:
        return Decimal(str(self.data[section][key])).quantize(CENT)

    def hourly_minimum(self, day: dt.date) -> tuple[Decimal, str] | None:
        """Return (amount, source) of the Beijing part-time hourly minimum in force on ``day``."""
        best: tuple[dt.date, Decimal, str] | None = None
        for entry in self.data.get("hourly_minimum_wage", []):
            start = _date(entry["from"])
            if start <= day and (best is None or start >= best[0]):
                best = (start, Decimal(str(entry["amount"])), str(entry.get("source", "")))
        return None if best is None else (best[1], best[2])


def _date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def policy_files() -> list[Path]:
    return sorted((schemas_dir() / "policy").glob("*.yaml"))


_TYPES_ZH = {"integer": "整数", "string": "文本", "boolean": "true/false", "list": "列表", "dict": "分项",
             "number": "数字", "date": "日期"}
# Cerberus speaks English; the person editing a policy file reads Chinese.
_REASONS = (
    (re.compile(r"^required field$"), "缺少此项"),
    (re.compile(r"^must be of (\w+) type$"), "类型应为 {0}"),
    (re.compile(r"^unallowed value (.*)$"), "不允许的取值 {0}"),
    (re.compile(r"^value does not match regex .*$"), "格式不对（金额写作带引号的数字，如 \"200000.00\"）"),
    (re.compile(r"^min value is (.*)$"), "不能小于 {0}"),
    (re.compile(r"^max value is (.*)$"), "不能大于 {0}"),
    (re.compile(r"^empty values not allowed$"), "不能为空"),
)


def _reason_zh(reason: str) -> str:
    for pattern, text in _REASONS:
        m = pattern.match(reason)
        if m:
            return text.format(*(_TYPES_ZH.get(g, g) for g in m.groups()))
    return reason


def _first_problem(errors: Mapping[str, Any], prefix: str = "") -> tuple[str, str]:
    """Return (dotted key, Cerberus message) of the first problem Cerberus reported."""
    key, problems = next(iter(sorted(errors.items(), key=lambda kv: str(kv[0]))))
    path = f"{prefix}{key}"
    for problem in problems:
        if isinstance(problem, dict):
            return _first_problem(problem, prefix=f"{path}.")
    return path, _reason_zh(str(problems[0]))


def check_policy_data(data: object, name: str) -> Mapping[str, Any]:
    """Return ``data`` when it is a valid policy; else raise ``policy-invalid`` naming the key."""
    if not isinstance(data, dict):
        raise PolicyError.make("policy-invalid", file=name, key="（整个文件）", reason="不是“项目: 值”的格式")
    schema = cast(dict[str, Any], load_yaml("policy-schema.yaml"))
    validator = Validator(schema, allow_unknown=True)
    if not validator.validate(data):
        key, reason = _first_problem(validator.errors)
        raise PolicyError.make("policy-invalid", file=name, key=key, reason=reason)
    return cast(Mapping[str, Any], data)


@functools.cache
def _load(path: Path) -> Policy:
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        raise PolicyError.make("policy-unreadable", file=path.name) from e
    checked = check_policy_data(data, path.name)
    return Policy(id=str(checked["id"]), version=str(checked["version"]), title=str(checked["title"]),
                  path=path, data=checked)


def load_policy(year: int | None = None, name: str | None = None) -> Policy:
    """Return the policy named ``name`` (an id or a path), else the one covering ``year``.

    With neither, the newest policy is returned.
    """
    if name:
        p = Path(name)
        if p.suffix in (".yaml", ".yml") and p.is_file():
            return _load(p.resolve())
        for f in policy_files():
            pol = _load(f)
            if pol.id == name:
                return pol
        raise PolicyError.make("policy-unknown", name=name, available="、".join(_load(f).id for f in policy_files()))
    policies = [_load(f) for f in policy_files()]
    if not policies:
        raise PolicyError.make("policy-missing")
    if year is not None:
        covering = [p for p in policies if p.covers(year)]
        if covering:
            return max(covering, key=lambda p: p.first_year)
    return max(policies, key=lambda p: p.last_year)
