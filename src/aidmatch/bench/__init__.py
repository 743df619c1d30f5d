"""The measuring side: how good is aidmatch, and against what.

Nothing here is part of a reconciliation; the engine (sources, link, eligibility, findings,
outputs, pipeline, stages, runner, api, store) never imports it (``tests/test_architecture.py``).
It holds what benchmarks, tests and ``aidmatch demo`` use to measure the engine on synthetic data:

- :mod:`aidmatch.bench.linkers` — the engine with less linkage, to show what each part adds:
  ``exact`` (no probabilistic stage) and ``vlookup`` (what an Excel VLOOKUP on the ID column
  sees, :mod:`aidmatch.bench.baseline`), run through the engine's neutral hooks (a plan of
  stages, a function applied to the loaded records);
- :mod:`aidmatch.bench.quality` — scoring gap lists, links and findings against the truth of
  :mod:`aidmatch.synth`;
- :mod:`aidmatch.bench.demo` — the two-semester demo of ``aidmatch demo``.
"""

from aidmatch.bench.linkers import LINKERS, Linker, reconcile

__all__ = ["LINKERS", "Linker", "reconcile"]
