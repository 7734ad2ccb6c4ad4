"""The layers hold: front ends on the public API, a light ``import lingong_docs``, the API names
independent of import order. Read from the source (an AST import graph), not from a list kept by hand."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import lingong_docs as lg

PACKAGE = Path(lg.__file__).resolve().parent
# The stages: a front end reaches them only through lingong_docs.api.
STAGES = ("reader", "validate", "compute", "render", "package", "intake", "pipeline", "blanks", "corrections")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Return the modules ``path`` imports, at any depth of the file (lazy imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.update(f"{node.module}.{a.name}" for a in node.names)
            found.add(node.module)
    return found


def stage_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "lingong_docs" and parts[1] in STAGES else None


# What a front end may import of the project: the API (and the types it exports), core/, its own
# package; and ``serve`` starts the web page.
FRONT_ENDS = {"cli": ("lingong_docs.api", "lingong_docs.core", "lingong_docs.cli", "lingong_docs.web"),
              "web": ("lingong_docs.api", "lingong_docs.core", "lingong_docs.web")}


def _allowed(name: str, allowed: tuple[str, ...]) -> bool:
    return any(name == a or name.startswith(a + ".") for a in allowed)


def front_end_leaks(path: Path, allowed: tuple[str, ...]) -> list[str]:
    """The project names ``path`` imports from outside ``allowed`` (``from lingong_docs import api`` is the API)."""
    leaks = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            leaks += [a.name for a in node.names if a.name.startswith("lingong_docs") and not _allowed(a.name, allowed)]
        elif isinstance(node, ast.ImportFrom) and node.module == "lingong_docs" and not node.level:
            leaks += [f"lingong_docs.{a.name}" for a in node.names if a.name != "api"]
        elif (isinstance(node, ast.ImportFrom) and node.module and not node.level
              and node.module.startswith("lingong_docs") and not _allowed(node.module, allowed)):
            leaks.append(node.module)
    return sorted(set(leaks))


@pytest.mark.parametrize("front_end", sorted(FRONT_ENDS))
def test_a_front_end_imports_the_api_and_core_only(front_end):
    """cli/ and web/ import ``lingong_docs.api`` and core/ — never a stage, util/, or the package's own names."""
    leaks = {path.name: found for path in sorted((PACKAGE / front_end).glob("*.py"))
             if (found := front_end_leaks(path, FRONT_ENDS[front_end]))}
    assert leaks == {}


def test_the_front_end_check_sees_what_it_must_refuse(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import lingong_docs as lg\nfrom lingong_docs import __version__, api\n"
                     "from lingong_docs.util.money import yuan\nfrom lingong_docs.core.model import Table\n"
                     "def f():\n    from lingong_docs.validate.run import validate\n", encoding="utf-8")
    assert front_end_leaks(probe, FRONT_ENDS["web"]) == [
        "lingong_docs", "lingong_docs.__version__", "lingong_docs.util.money", "lingong_docs.validate.run"]


def test_import_lingong_docs_loads_no_stage_and_no_heavy_library():
    code = ("import sys, lingong_docs, lingong_docs.api; "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith(('lingong_docs', 'cerberus', 'openpyxl', "
            "'pypdf', 'pyhanko', 'reportlab', 'docxtpl')))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert [m for m in loaded if stage_of(m) or not m.startswith("lingong_docs")] == []
    assert "lingong_docs.api" in loaded


def test_the_api_functions_work_whatever_was_imported_first(tmp_path):
    """``lingong_docs.validate`` / ``compute`` / ``intake`` are both stage packages and API functions."""
    code = f"""
import lingong_docs.validate.run, lingong_docs.compute.figures, lingong_docs.intake.service
import lingong_docs
from lingong_docs.validate.run import validate as stage_validate
report = lingong_docs.validate({str(PACKAGE.parent / "samples" / "demo")!r})
assert report.valid and report.stats["rows"]["roster"] > 0, report.stats
assert lingong_docs.validate.run.validate is stage_validate
assert callable(lingong_docs.compute) and callable(lingong_docs.intake)
assert lingong_docs.intake.service.intake is lingong_docs.api.intake
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def test_the_errors_and_result_types_are_exported():
    from lingong_docs.core.errors import BuildRefused, LingongError
    from lingong_docs.core.findings import Report

    assert (lg.LingongError, lg.BuildRefused, lg.Report) == (LingongError, BuildRefused, Report)
    assert issubclass(lg.BuildRefused, lg.LingongError)
    for name in ("Figures", "BuildResult", "Receipt", "FixResult", "Prepared", "Ledger"):
        assert isinstance(getattr(lg.api, name), type), name
    assert all(hasattr(lg.api, name) for name in lg.api.__all__)
    assert all(hasattr(lg, name) for name in lg.__all__)


def test_the_version_is_read_without_the_api():
    code = "import sys, lingong_docs._version as v; print(v.__version__, 'lingong_docs.api' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [lg.__version__, "False"]


# ---- the import graph -------------------------------------------------------------------------

MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name | ast.Attribute) and "TYPE_CHECKING" in ast.unparse(node.test)


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The project modules one import statement loads (a package's submodule named, else the package)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            own = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
            base = ".".join(own[:len(own) - node.level + 1] + ([node.module] if node.module else []))
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    return {n for n in names if n in MODULES and n != module}


def import_graph(*, at_import_time: bool) -> dict[str, set[str]]:
    """Return {module: modules it imports}; ``at_import_time`` keeps only what runs when it is
    imported (not the imports inside functions), never those under ``if TYPE_CHECKING``."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}

    def visit(module: str, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for part in child.orelse:
                    visit(module, part)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                graph[module] |= _targets(module, child)
            elif not (at_import_time and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)):
                visit(module, child)

    for module, path in MODULES.items():
        visit(module, ast.parse(path.read_text(encoding="utf-8")))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_no_module_imports_itself_round_a_cycle():
    assert cycles(import_graph(at_import_time=True)) == []


def test_no_cycle_between_packages_even_through_imports_inside_functions():
    packages: dict[str, set[str]] = {}
    for module, targets in import_graph(at_import_time=False).items():
        packages.setdefault(package_of(module), set()).update(
            package_of(t) for t in targets if package_of(t) != package_of(module))
    assert cycles(packages) == []


def test_util_imports_nothing_from_core_or_a_stage():
    graph = import_graph(at_import_time=False)
    reached = {m: sorted(t for t in targets if not t.startswith("lingong_docs.util"))
               for m, targets in graph.items() if m.startswith("lingong_docs.util")}
    assert {m: t for m, t in reached.items() if t} == {}


def test_the_graph_sees_imports_inside_functions_and_skips_type_checking():
    lazy = import_graph(at_import_time=False)
    eager = import_graph(at_import_time=True)
    assert "lingong_docs.validate.run" in lazy["lingong_docs.api"] - eager["lingong_docs.api"]
    assert "lingong_docs.core.findings" not in eager["lingong_docs.core.errors"]   # only under TYPE_CHECKING
