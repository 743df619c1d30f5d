"""The engine with less linkage, for measuring what each part of it adds.

``probabilistic``  aidmatch as shipped (:func:`aidmatch.stages.plan`)
``exact``          exact keys and households, no probabilistic stage
``vlookup``        exact keys only, over records as a VLOOKUP on the ID column sees them
                   (:mod:`aidmatch.bench.baseline`)

They run through :func:`aidmatch.pipeline.reconcile`'s neutral hooks: ``stages`` (the declared
stages to run) and ``prepare`` (a function applied to the loaded records before staging).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, get_args

from aidmatch.bench.baseline import as_vlookup_sees
from aidmatch.link.exact import link_exact
from aidmatch.link.households import link_households
from aidmatch.link.links import final_without_probability, link_by_keys
from aidmatch.pipeline import Prepare, RunResult
from aidmatch.pipeline import reconcile as run_pipeline
from aidmatch.runner import Stage
from aidmatch.semester import Semester
from aidmatch.stages import (
    DECIDE_STAGE,
    EXACT,
    FINDINGS_STAGE,
    KEY_LINKS,
    LINK,
    LINKS,
    STAGE,
    Work,
    plan,
)
from aidmatch.steps import Steps

Linker = Literal["probabilistic", "exact", "vlookup"]
LINKERS: tuple[Linker, ...] = get_args(Linker)


def _keys_only(steps: Steps, work: Work) -> None:
    link_exact(steps, work.rules)
    link_households(steps)
    link_by_keys(steps, with_households=True)
    final_without_probability(steps)


def _exact_keys_only(steps: Steps, work: Work) -> None:
    link_exact(steps, work.rules)
    link_by_keys(steps, with_households=False)
    final_without_probability(steps)


def plan_for(linker: Linker) -> list[Stage[Work]]:
    """The declared stages of ``linker``: the shipped plan, or its link stage cut short."""
    if linker == "probabilistic":
        return plan()
    if linker == "exact":
        link = replace(LINK, creates=LINK.creates + LINKS, work=_keys_only)
    else:
        link = replace(LINK, creates=EXACT + KEY_LINKS + LINKS, work=_exact_keys_only)
    return [STAGE, replace(link, final=LINK.final + LINKS), DECIDE_STAGE, FINDINGS_STAGE]


def prepare_for(linker: Linker) -> Prepare | None:
    """What ``linker`` does to the loaded records before staging (None: nothing)."""
    return as_vlookup_sees if linker == "vlookup" else None


def reconcile(input_dir: Path, semester: Semester, out_dir: Path,
              linkage: Linker = "probabilistic", **options: Any) -> RunResult:
    """:func:`aidmatch.pipeline.reconcile` with ``linkage``'s stages and preparation."""
    return run_pipeline(input_dir, semester, out_dir, stages=plan_for(linkage),
                        prepare=prepare_for(linkage), **options)
