"""lingong-docs: 朝阳区零工市场补贴申报材料工具 (validate, compute, build, intake).

The public API is ``lingong_docs.api``; every name of it is also here: ``import lingong_docs as lg;
lg.validate(folder)``. Nothing is imported until first used: ``import lingong_docs`` loads no stage.

``validate``, ``compute`` and ``intake`` are also the names of stage packages. Python binds a
subpackage to its parent's attribute when it is imported, which would replace the function; so
that the order of imports never matters, this package's module type turns such a stage package
into a callable module that calls the API function (``_Package.__setattr__``): ``lg.validate(x)``
works whether or not ``lingong_docs.validate.run`` was imported first.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from lingong_docs._version import __version__

if TYPE_CHECKING:
    from lingong_docs.api import (
        Application,
        BuildRefused,
        BuildResult,
        Figures,
        Finding,
        FixResult,
        LingongError,
        Receipt,
        Report,
        annotate,
        build,
        check_package,
        compute,
        doctor,
        explain,
        fix,
        fixable,
        init,
        intake,
        ledger_export,
        ledger_import,
        ledger_status,
        open_ledger,
        prepare,
        publicity,
        read,
        rules,
        validate,
    )

__all__ = ["validate", "compute", "build", "intake", "fix", "__version__", "read", "annotate", "fixable",
           "rules", "prepare", "explain", "init", "doctor", "check_package", "open_ledger", "ledger_status",
           "ledger_export", "ledger_import", "publicity",
           "LingongError", "BuildRefused", "Report", "Finding", "Application", "Figures", "FixResult",
           "Receipt", "BuildResult"]

# The stage packages that share their name with an API function.
STAGE_FUNCTIONS = ("validate", "compute", "intake")


def __getattr__(name: str) -> Any:
    """Return the API name ``name`` (importing ``lingong_docs.api`` on first use)."""
    if name.startswith("__") or name == "api":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    api = importlib.import_module("lingong_docs.api")
    try:
        return getattr(api, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


class _CallableStage(types.ModuleType):
    """A stage package that is also the API function of its name (``lingong_docs.validate(...)``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        api = importlib.import_module("lingong_docs.api")
        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        if name in STAGE_FUNCTIONS and type(value) is types.ModuleType:
            value.__class__ = _CallableStage
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
for _name in STAGE_FUNCTIONS:        # a stage imported before this file ran (not normally: it runs first)
    if isinstance(sys.modules.get(f"{__name__}.{_name}"), types.ModuleType):
        setattr(sys.modules[__name__], _name, sys.modules[f"{__name__}.{_name}"])
