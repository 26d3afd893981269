"""The package's shape, checked: short functions, no import cycle, no private name used
across packages, enough tests (issue "one stage, one package")."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "dsdcrn").rglob("*.py")) + sorted((ROOT / "translations").glob("*.py"))
MAX_LINES = 80  # a function's whole definition, docstring included
MAX_COMPLEXITY = 15  # McCabe, as ruff's C901 counts it


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = (
        ["dsdcrn", "translations", *rel.parts[1:]] if rel.parts[0] == "translations" else rel.parts
    )
    return ".".join(p for p in parts if p != "__init__")


def test_no_function_is_longer_than_80_lines():
    long = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({n} lines)")
    assert not long, "\n".join(long)


def test_no_function_is_more_complex_than_15():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    cmd = [ruff, "check", "--select", "C901", "--output-format", "concise"]
    cmd += ["--config", f"lint.mccabe.max-complexity={MAX_COMPLEXITY}", "dsdcrn", "translations"]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """Module-level imports of ``path``: (module, names) for each ``from M import names``
    and (M, []) for ``import M``, with relative imports resolved."""
    out = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                base = module_name(path).split(".")
                base = base[: len(base) - node.level + (path.name == "__init__.py")]
                mod = ".".join(base + ([mod] if mod else []))
            out.append((mod, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
    return out


def _graph() -> dict[str, set[str]]:
    names = {module_name(p) for p in SOURCES}
    graph: dict[str, set[str]] = {}
    for path in SOURCES:
        deps = set()
        for mod, imported in _imports(path):
            for cand in [mod] + [f"{mod}.{n}" for n in imported]:
                if cand in names:
                    deps.add(cand)
        graph[module_name(path)] = deps - {module_name(path)}
    return graph


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(" -> ".join(stack[stack.index(dep) :] + [dep]))
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(cycles)


def test_no_private_name_is_imported_across_packages():
    bad = []
    for path in SOURCES:
        me = module_name(path)
        my_pkg = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
        for mod, imported in _imports(path):
            if not mod.startswith("dsdcrn"):
                continue
            their_pkg = mod.rsplit(".", 1)[0] if mod.count(".") > 1 else "dsdcrn"
            private = [n for n in imported if n.startswith("_") and n != "__version__"]
            if private and their_pkg != my_pkg:
                bad.append(f"{path.relative_to(ROOT)}: from {mod} import {', '.join(private)}")
    assert not bad, "\n".join(bad)


def _lines(paths) -> int:
    return sum(len(p.read_text().splitlines()) for p in paths)


def test_test_lines_are_at_least_0_4_of_code_lines():
    code = _lines(SOURCES)
    tests = _lines((ROOT / "tests").rglob("*.py"))
    assert tests >= 0.4 * code, f"{tests} test lines for {code} code lines ({tests / code:.2f})"
