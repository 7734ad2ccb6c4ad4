"""Report functions longer than MAX_LINES or nested deeper than MAX_DEPTH in lingong_docs/.

Used by ``make lint`` and a test: long functions and deep nesting are where this codebase's
defects hid. Data tables (a function whose body is one literal) are exempt.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_LINES = 60
MAX_DEPTH = 4
NESTING = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.TryStar, ast.Match)


def _depth(node: ast.AST, level: int = 0) -> int:
    deepest = level
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        step = 1 if isinstance(child, NESTING) and not _is_elif(node, child) else 0
        deepest = max(deepest, _depth(child, level + step))
    return deepest


def _is_elif(parent: ast.AST, child: ast.AST) -> bool:
    return isinstance(parent, ast.If) and isinstance(child, ast.If) and parent.orelse == [child]


def _is_table(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    body = [n for n in fn.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    return len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(
        body[0].value, (ast.Dict, ast.List, ast.Tuple))


def problems(root: Path) -> list[str]:
    """Return one line per function over the limits, ``path:line name: what``."""
    out = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or _is_table(fn):
                continue
            first = fn.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and len(fn.body) > 1:
                first = fn.body[1]          # the docstring does not count
            lines = (fn.end_lineno or fn.lineno) - first.lineno + 1
            depth = _depth(fn)
            where = f"{path}:{fn.lineno} {fn.name}"
            if lines > MAX_LINES:
                out.append(f"{where}: {lines} lines (at most {MAX_LINES})")
            if depth > MAX_DEPTH:
                out.append(f"{where}: nesting {depth} (at most {MAX_DEPTH})")
    return out


if __name__ == "__main__":
    found = problems(Path(sys.argv[1] if len(sys.argv) > 1 else "lingong_docs"))
    print("\n".join(found))
    sys.exit(1 if found else 0)
