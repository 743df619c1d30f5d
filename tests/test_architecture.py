"""The engine does not depend on the measuring side (issue 15): no production module imports
:mod:`aidmatch.bench` (baselines, truth scoring, the demo) or :mod:`aidmatch.synth` (synthetic
cities). Imports are read from each module's syntax tree, wherever they sit (a function body, a
``TYPE_CHECKING`` block), never by searching the text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import aidmatch

PACKAGE = Path(aidmatch.__file__).parent
MEASURING = ("aidmatch.bench", "aidmatch.synth")
# The command line is the thin layer over both sides: `aidmatch synth` and `aidmatch demo`.
OVER_BOTH = ("aidmatch.cli",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _side(module: str) -> str:
    if any(module == m or module.startswith(m + ".") for m in MEASURING):
        return "measuring"
    return "cli" if module in OVER_BOTH else "production"


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
PRODUCTION = sorted(m for m in MODULES if _side(m) == "production")


def imported(module: str) -> set[str]:
    """Every module ``module`` imports (``from a import b`` counts as a and a.b)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_the_sides_are_what_they_say() -> None:
    assert {"aidmatch.pipeline", "aidmatch.stages", "aidmatch.runner", "aidmatch.api",
            "aidmatch.store", "aidmatch.findings", "aidmatch.eligibility", "aidmatch.sql",
            "aidmatch.link.exact", "aidmatch.outputs.lists",
            "aidmatch.sources.loader"} <= set(PRODUCTION)
    assert {"aidmatch.bench.baseline", "aidmatch.bench.quality", "aidmatch.bench.linkers",
            "aidmatch.bench.demo", "aidmatch.synth.generate"}.isdisjoint(PRODUCTION)


def test_the_parser_sees_every_kind_of_import() -> None:
    """Relative, aliased, late and ``from aidmatch import x`` imports all count."""
    assert "aidmatch.bench.quality" in imported("aidmatch.bench.demo")
    assert "aidmatch.bench.demo" in imported("aidmatch.cli")  # inside the demo command
    assert "aidmatch.synth" in imported("aidmatch.cli")


@pytest.mark.parametrize("module", PRODUCTION)
def test_production_does_not_import_the_measuring_side(module: str) -> None:
    wrong = sorted(name for name in imported(module) if _side(name) == "measuring")
    assert wrong == [], f"{module} imports {wrong}"
