"""The dependency rules of docs/architecture.md that import-linter cannot see:
in-project imports happen at the top of a module (or in an AppConfig.ready()),
so the module's imports are its dependencies."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = ("dealcoach", "accounts", "deals", "sync", "coaching")


def _imports_inside_functions(path: Path):
    tree = ast.parse(path.read_text())
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or function.name == "ready":
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and (node.level or node.module.split(".")[0] in PROJECT_PACKAGES):
                yield f"{path.relative_to(ROOT)}:{node.lineno} in {function.name}()"
            elif isinstance(node, ast.Import) and node.names[0].name.split(".")[0] in PROJECT_PACKAGES:
                yield f"{path.relative_to(ROOT)}:{node.lineno} in {function.name}()"


def test_it_has_no_lazy_in_project_imports_outside_ready():
    lazy = [
        where
        for package in PROJECT_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for where in _imports_inside_functions(path)
    ]
    assert lazy == []


def test_it_keeps_the_kernel_free_of_app_imports():
    apps = {"accounts", "deals", "sync", "coaching"}
    found = []
    for path in sorted((ROOT / "dealcoach").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            found += [f"{path.relative_to(ROOT)}:{node.lineno} {name}" for name in names if name.split(".")[0] in apps]
    assert found == []
