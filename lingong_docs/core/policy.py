"""The versioned policy data (schemas/policy/*.yaml): thresholds, amounts, dates, minimum wages."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

from lingong_docs.core.errors import PolicyError
from lingong_docs.util.resources import schemas_dir


@dataclass(frozen=True)
class Policy:
    id: str
    version: str
    title: str
    path: Path
    data: dict

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
            due = min(due, last if isinstance(last, dt.date) else dt.date.fromisoformat(str(last)))
        return due

    @property
    def operating(self) -> dict:
        return self.data["operating_subsidy"]

    @property
    def employment(self) -> dict:
        return self.data["employment_subsidy"]

    @property
    def counting(self) -> dict:
        return self.data["counting"]

    @property
    def roster(self) -> dict:
        return self.data["roster"]

    def materials(self, kind: str) -> list[str]:
        """Return the material keys a ``kind`` package holds, in order (第八、十二、十三条)."""
        return [str(m) for m in (self.data.get("materials") or {}).get(kind, [])]

    def money(self, section: str, key: str) -> Decimal:
        return Decimal(str(self.data[section][key])).quantize(Decimal("0.01"))

    def hourly_minimum(self, day: dt.date) -> tuple[Decimal, str] | None:
        """Return (amount, source) of the Beijing part-time hourly minimum in force on ``day``."""
        best = None
        for entry in self.data.get("hourly_minimum_wage", []):
            start = entry["from"] if isinstance(entry["from"], dt.date) else dt.date.fromisoformat(str(entry["from"]))
            if start <= day and (best is None or start >= best[0]):
                best = (start, Decimal(str(entry["amount"])), entry.get("source", ""))
        return None if best is None else (best[1], best[2])


def policy_files() -> list[Path]:
    return sorted((schemas_dir() / "policy").glob("*.yaml"))


@functools.cache
def _load(path: Path) -> Policy:
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
        return Policy(id=str(data["id"]), version=str(data["version"]), title=str(data["title"]),
                      path=path, data=data)
    except (OSError, yaml.YAMLError, KeyError, TypeError) as e:
        raise PolicyError("policy-unreadable", f"政策文件 {path.name} 无法读取。") from e


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
        raise PolicyError("policy-unknown", f"没有名为“{name}”的政策文件。",
                          hint="可用：" + "、".join(_load(f).id for f in policy_files()))
    policies = [_load(f) for f in policy_files()]
    if not policies:
        raise PolicyError("policy-missing", "没有找到任何政策文件（schemas/policy/）。")
    if year is not None:
        covering = [p for p in policies if p.covers(year)]
        if covering:
            return max(covering, key=lambda p: p.first_year)
    return max(policies, key=lambda p: p.last_year)
