"""No import circle in ``trainer``: every module imports on its own, first, in any order.

The static check reads every module's imports of other ``trainer`` modules, at module level and
inside functions alike (an import moved into a function to dodge a circle is still a circle),
and finds no cycle. A package's ``__init__`` importing its own submodules is not an edge back:
a submodule that imports names *from* its package is. The runtime checks import the modules
in fresh interpreters: each one first, and all of them in several orders.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

TRAINER = ROOT / "trainer"
#: Libraries whose import takes seconds: modules that import them at module level are imported
#: in the slow check only.
HEAVY = ("keras", "tensorflow", "jax", "torch")


def _modules() -> dict[str, Path]:
    out = {}
    for f in sorted(TRAINER.rglob("*.py")):
        parts = f.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


MODULES = _modules()


def _owner(name: str) -> str | None:
    """The trainer module that ``name`` (a module, or module.attribute) lies in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(path: Path) -> tuple[set[str], set[str], set[str]]:
    """``(trainer modules imported at module level, trainer modules imported inside functions,
    other top-level packages imported at module level)`` of one file."""
    me = _owner(".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"))
    top, inner, libs = set(), set(), set()

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                       ast.Lambda))
            names = []
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                names = [child.module] + [f"{child.module}.{a.name}" for a in child.names]
            for name in names:
                if name.split(".")[0] == "trainer":
                    owner = _owner(name)
                    if owner and owner != me:
                        (inner if in_function else top).add(owner)
                elif not in_function:
                    libs.add(name.split(".")[0])
            visit(child, nested)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return top, inner, libs


GRAPH = {m: _imports(f) for m, f in MODULES.items()}


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def walk(u):
        state[u] = "open"
        stack.append(u)
        for v in sorted(edges[u]):
            if state.get(v) == "open":
                found.append(stack[stack.index(v):] + [v])
            elif v not in state:
                walk(v)
        stack.pop()
        state[u] = "done"

    for u in sorted(edges):
        if u not in state:
            walk(u)
    return found


def _heavy(module: str, seen=None) -> bool:
    seen = set() if seen is None else seen
    if module in seen:
        return False
    seen.add(module)
    top, _, libs = GRAPH[module]
    return bool(libs & set(HEAVY)) or any(_heavy(m, seen) for m in top)


def test_the_static_check_finds_a_circle_when_there_is_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]


def test_no_import_circle_in_trainer_not_even_through_imports_inside_functions():
    assert len(MODULES) > 30 and "trainer.sources.inkpack_format" in MODULES
    edges = {m: top | inner for m, (top, inner, _) in GRAPH.items()}
    assert _cycles(edges) == []


def test_sources_pack_and_shards_import_nothing_of_trainer_inside_functions():
    """The modules the old circle ran through need no import hidden in a function at all."""
    mine = [m for m in MODULES if m.startswith("trainer.sources") or m in (
        "trainer.pack", "trainer.shards")]
    assert {m: sorted(GRAPH[m][1]) for m in mine if GRAPH[m][1]} == {}


_SCRIPT = r"""
import importlib, random, sys

mods = sys.argv[1:]
failed = []


def forget():
    for name in [n for n in sys.modules if n == "trainer" or n.startswith("trainer.")]:
        del sys.modules[name]


def load(name, how):
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{name} ({how}): {type(exc).__name__}: {exc}")
        return False
    return True


for m in mods:
    forget()
    load(m, "first")
orders = [sorted(mods), sorted(mods, reverse=True)]
orders += [random.Random(seed).sample(mods, len(mods)) for seed in range(3)]
for k, order in enumerate(orders):
    forget()
    for m in order:
        if not load(m, f"order {k}"):
            break
print("\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_light_trainer_module_imports_first_and_in_any_order():
    light = [m for m in MODULES if not _heavy(m)]
    assert "trainer.pack" in light and "trainer.sources.shards" in light
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, *light], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_trainer_module_imports_alone_in_a_fresh_interpreter(module):
    proc = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
