"""lingong-docs: 朝阳区零工市场补贴申报材料工具 (validate, compute, build, intake).

The public API is ``validate``, ``compute``, ``build``, ``intake`` and ``fix`` (see ``lingong_docs.api``).
"""

from __future__ import annotations

__version__ = "0.2.0"

# The stage packages of the same names are imported first, so that binding the API functions
# below is final (importing a submodule later does not rebind its parent's attribute).
from lingong_docs import compute as _compute_stage  # noqa: E402,F401
from lingong_docs import intake as _intake_stage  # noqa: E402,F401
from lingong_docs import validate as _validate_stage  # noqa: E402,F401
from lingong_docs.api import (  # noqa: E402
    build,
    compute,
    fix,
    intake,
    ledger_export,
    ledger_import,
    ledger_status,
    open_ledger,
    validate,
)

__all__ = ["validate", "compute", "build", "intake", "fix", "open_ledger", "ledger_status", "ledger_export",
           "ledger_import", "__version__"]
