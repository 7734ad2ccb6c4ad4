"""The rule registry: rule families register themselves; ``validate`` runs what is registered.

A rule is a function yielding findings; it declares the codes it can emit (``codes``: the
catalogue test checks them against the message catalogue and against what the rules emit on the
sample applications). ``scope`` says what it receives:
- ``"job_posts"`` / ``"roster"``: ``fn(ctx, table)`` for that table;
- ``"application"``: ``fn(ctx)`` once per run (cross-table and folder rules).
``folder_only`` rules run only on an application folder, not on a lone workbook.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lingong_docs.core import findings as F
from lingong_docs.core.model import Application
from lingong_docs.core.policy import Policy


@dataclass(frozen=True)
class Rule:
    name: str
    scope: str
    fn: Callable[..., Iterable[F.Finding]]
    folder_only: bool = False
    declared: Iterable[str] | Callable[[], Iterable[str]] = ()

    @property
    def codes(self) -> frozenset[str]:
        """Return the finding codes this rule can emit."""
        return frozenset(self.declared() if callable(self.declared) else self.declared)


@dataclass
class Context:
    """What every rule may read: the application, the year, the policy and shared caches."""

    app: Application
    year: int | None
    year_source: str
    policy: Policy
    application_date: dt.date | None
    is_folder: bool
    cache: dict[Any, Any] = field(default_factory=dict)


_RULES: list[Rule] = []


RuleFn = TypeVar("RuleFn", bound=Callable[..., Iterable[F.Finding]])


def rule(scope: str, *, codes: Iterable[str] | Callable[[], Iterable[str]],
         folder_only: bool = False) -> Callable[[RuleFn], RuleFn]:
    """Register the decorated function as a rule of ``scope`` that can emit ``codes`` (a callable
    when they are known only once the schemas are loaded)."""

    def deco(fn: RuleFn) -> RuleFn:
        _RULES.append(Rule(name=f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}", scope=scope,
                           fn=fn, folder_only=folder_only, declared=codes))
        return fn

    return deco


def registered_rules() -> list[Rule]:
    """Return every registered rule, importing each module of the ``rules`` package once."""
    pkg = importlib.import_module(__name__.rsplit(".", 1)[0] + ".rules")
    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        importlib.import_module(f"{pkg.__name__}.{mod.name}")
    return list(_RULES)
