"""Small synthetic runs shared by the synth tests (generated once per session)."""

from __future__ import annotations

from typing import Any

import pytest

from aidmatch.synth import SynthResult, generate_city

from .helpers import Run


@pytest.fixture(scope="session")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Generate a city once per distinct set of arguments."""
    cache: dict[tuple[Any, ...], SynthResult] = {}

    def make(name: str = "", **kwargs: Any) -> SynthResult:
        key = (name, tuple(sorted(kwargs.items())))
        if key not in cache:
            out = tmp_path_factory.mktemp(name or "synth")
            cache[key] = generate_city(out, **kwargs)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def realistic(run: Run) -> SynthResult:
    return run("realistic", students=800, seed=7)


@pytest.fixture(scope="session")
def harsh(run: Run) -> SynthResult:
    return run("harsh", students=3000, seed=11, profile="harsh")


@pytest.fixture(scope="session")
def clean(run: Run) -> SynthResult:
    return run("clean", students=600, seed=5, profile="clean")
