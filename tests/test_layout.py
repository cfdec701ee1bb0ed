"""The package layout docs/architecture.md describes: domain packages never reach up into the web
or command layers, modules stay small enough to read in one sitting, and the package root holds
only the wiring."""
from __future__ import annotations

import ast
from pathlib import Path

import onboarding

PACKAGE = Path(onboarding.__file__).parent
OUTER_LAYERS = ("onboarding.web", "onboarding.cli")
# Functions allowed past 60 lines, and why (kept in step with the architecture notes).
LONG_FUNCTIONS: dict[str, str] = {}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _dotted(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> set[str]:
    """Every onboarding module a file imports, relative imports resolved."""
    package = _dotted(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in names if name.startswith("onboarding")}


def test_no_domain_package_imports_the_web_or_command_layers():
    offenders = []
    for path in _modules():
        dotted = _dotted(path)
        if dotted == "onboarding" or dotted.startswith(OUTER_LAYERS):
            continue  # the app factory wires the layers together
        offenders += [f"{dotted} imports {name}" for name in _imported(path) if name.startswith(OUTER_LAYERS)]
    assert offenders == []


def test_the_date_rules_import_nothing_of_ours_but_the_models():
    assert {name for name in _imported(PACKAGE / "plans" / "planning.py") if not name.startswith("onboarding.models")} == set()


def test_the_package_root_holds_at_most_six_modules():
    root = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(root) <= 6, root


def test_no_module_is_over_400_lines_and_no_function_over_60():
    long_modules, long_functions = [], []
    for path in _modules():
        text = path.read_text()
        if len(text.splitlines()) > 400:
            long_modules.append(str(path.relative_to(PACKAGE)))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno >= 60:
                name = f"{_dotted(path)}.{node.name}"
                if name not in LONG_FUNCTIONS:
                    long_functions.append(name)
    assert long_modules == []
    assert long_functions == []
