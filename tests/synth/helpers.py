"""Helpers for reading what a synthetic run wrote."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aidmatch.synth import SynthResult

Run = Callable[..., SynthResult]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def manifest(result: SynthResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((result.truth_dir / "manifest.json").read_text("utf-8"))
    return data
