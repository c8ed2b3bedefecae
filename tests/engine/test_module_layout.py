"""mmcore's module layout: grouped by concept, no import circle, the public API unchanged.

The engine's modules live in four subpackages (``geometry``: expressions and layout; ``values``: inits,
epilogs, the JS-expression evaluator; ``mm``: mm's params, links and defaults; ``wire``: the scene wire
format) beside the public modules. Every import between mmcore's modules, including imports inside
functions, must form no circle (imports of the ``mmcore`` facade itself excepted: that is the public API).
"""

from __future__ import annotations

import ast
import pathlib

import mmcore

MMCORE = pathlib.Path(mmcore.__file__).resolve().parent


def module_files(root: pathlib.Path = MMCORE) -> dict[str, tuple[pathlib.Path, bool]]:
    """Dotted module name -> (file, is a package) for every ``.py`` under ``root``."""
    out = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_pkg else parts)] = (path, is_pkg)
    return out


def imported_modules(name: str, files: dict) -> set[str]:
    """The mmcore modules that ``name`` imports anywhere in its code (top level or inside functions)."""
    path, is_pkg = files[name]
    package = name.split(".") if is_pkg else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if sub in files else module)
    return {m for m in found if m in files and m != name}


def import_cycles(files: dict) -> list[list[str]]:
    """Every circle found by a depth-first walk of the import graph (edges into ``mmcore`` excluded)."""
    graph = {m: imported_modules(m, files) - {"mmcore"} for m in files}
    cycles, seen, stack = [], set(), []

    def walk(u):
        seen.add(u)
        stack.append(u)
        for v in sorted(graph[u]):
            if v in stack:
                cycles.append(stack[stack.index(v):] + [v])
            elif v not in seen:
                walk(v)
        stack.pop()

    for m in sorted(graph):
        if m not in seen:
            walk(m)
    return cycles


def test_no_import_circle_between_mmcore_modules():
    assert import_cycles(module_files()) == []


def test_the_circle_check_finds_a_circle(tmp_path):
    pkg = tmp_path / "mmcore"
    (pkg / "wire").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "wire" / "__init__.py").write_text("")
    (pkg / "scene.py").write_text("def to_bytes():\n    from .wire.codec import encode\n")
    (pkg / "wire" / "codec.py").write_text("from ..scene import Scene\n")
    assert import_cycles(module_files(pkg)) == [["mmcore.scene", "mmcore.wire.codec", "mmcore.scene"]]


def test_the_engine_is_grouped_by_concept():
    top = sorted(p.name for p in MMCORE.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists())
    assert top == ["__init__.py", "anim", "bert", "cell.py", "color.py", "efficient.py", "errors.py", "geometry",
                   "io", "mm", "models", "scene.py", "startup.py", "values", "widget.py", "wire"]
    assert not [p for p in MMCORE.glob("_*.py") if p.name != "__init__.py"], "no flat private modules left"
    files = module_files()
    assert imported_modules("mmcore.wire.codec", files) <= {"mmcore.errors", "mmcore.wire.compact"}
    assert "mmcore.scene" not in {m for name in files if name.startswith("mmcore.wire")
                                  for m in imported_modules(name, files)}


def test_no_benchmark_code_in_the_library():
    assert not list(MMCORE.rglob("*bench*"))


def test_public_api_unchanged():
    assert sorted(mmcore.__all__) == sorted(["matrix", "name", "layout", "from_mm", "to_mm", "Expr", "Leaf",
                                             "MatMul", "Blocks", "Placement", "Scene", "show", "scene", "MMError",
                                             "__version__"])
    for name in mmcore.__all__:
        assert getattr(mmcore, name) is not None
    assert callable(mmcore.layout) and callable(mmcore.from_mm)
    assert mmcore.scene.Scene is mmcore.Scene
