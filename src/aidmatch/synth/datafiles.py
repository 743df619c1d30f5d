"""Read the small lookup tables in ``synth/data/`` (names, characters, geography)."""

from __future__ import annotations

import functools
from importlib import resources


def data_lines(name: str) -> list[list[str]]:
    """Tab-separated rows of ``data/<name>``, without blank lines and ``#`` comments.

    >>> data_lines("geography.tsv")[0][:3]
    ['商州区', '611002', '612501']
    """
    return list(_cached_lines(name))


@functools.cache
def _cached_lines(name: str) -> tuple[list[str], ...]:
    text = resources.files("aidmatch.synth").joinpath("data", name).read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            rows.append(stripped.split("\t"))
    return tuple(rows)
