"""What the wheel ships: every package under src/, the default rules, the synthetic data files;
and which versions an install takes (constraints.txt pins every dependency pyproject names)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from aidmatch.config import default_rules_dir, load_rules

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _requirement_name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_every_package_under_src_is_listed() -> None:
    found = {".".join(init.parent.relative_to(ROOT / "src").parts)
             for init in (ROOT / "src").rglob("__init__.py")}
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert found <= listed
    assert listed - found == {"aidmatch.rules", "aidmatch.synth.data"}  # data-only packages


def test_rules_ship_as_package_data() -> None:
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert setuptools["package-dir"]["aidmatch.rules"] == "rules"
    assert setuptools["package-data"]["aidmatch.rules"] == ["*.yaml"]
    assert sorted(p.name for p in (ROOT / "rules").iterdir()) == sorted(
        p.name for p in (ROOT / "rules").glob("*.yaml"))


def test_checkout_uses_its_own_rules() -> None:
    assert default_rules_dir() == ROOT / "rules"
    assert load_rules().directory == ROOT / "rules"


def test_lock_pins_every_dependency_exactly() -> None:
    lines = [line for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    pins = {}
    for line in lines:
        name, _, version = line.partition("==")
        assert version, f"not an exact pin: {line}"
        pins[name.lower().replace("_", "-")] = version
    project = PYPROJECT["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"],
              *PYPROJECT["build-system"]["requires"]]
    names = {_requirement_name(r) for r in wanted} - {"aidmatch"}
    assert names <= set(pins), names - set(pins)
    assert {"pip", "setuptools", "wheel", "xlwt"} <= set(pins)


def test_runtime_dependencies_are_what_the_engine_imports() -> None:
    runtime = {_requirement_name(r) for r in PYPROJECT["project"]["dependencies"]}
    assert "pandas" not in runtime and "xlwt" not in runtime
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py"))
    import_names = {"python-calamine": "python_calamine", "python-stdnum": "stdnum",
                    "pyyaml": "yaml", "opencc": "opencc"}
    for name in runtime:
        module = import_names.get(name, name)
        assert re.search(rf"^\s*(import|from) {module}\b", sources, re.M), f"{name} is never imported"
