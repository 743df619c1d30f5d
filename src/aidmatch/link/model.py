"""A Fellegi–Sunter model of the comparison levels, estimated without labels.

For each comparison *k* and level *l*: ``m`` = P(level | same person), ``u`` = P(level | two
different people). A pair's match weight is Σ log2(m/u) over its comparisons, in bits: +10 means
the evidence is about a thousand times likelier for one person than for two.

- **u** is counted on random record × student pairs (nearly all of them two different people),
  as Splink does, combined with a prior worth a few thousand pairs, so a level never seen at random
  is strong, not infinite, and a small run (one school) still has sensible weights.
- **m** is estimated by expectation–maximisation over the candidate pairs, with u held fixed: a
  latent-class model whose match class is fitted to the data at hand, not to any generator (a
  weak prior keeps a level the data never show from weighing as if impossible).
  Pairs whose names disagree (or share little more than a surname) are left out of the fit, so
  the model learns "same person", not "same household" (a parent's row shares a household and a
  family ID with the child); those two name levels keep their prior m.
- Levels that carry no evidence (missing, implied) weigh 0.

The fitted parameters are kept in the table ``linkage_model`` (and ``out/linkage_model.csv``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from aidmatch.config import Linkage
from aidmatch.link.features import COMPARISONS, NEUTRAL_LEVELS

# Starting values for EM: what a clerk would guess for true matches; the data moves them.
M_PRIORS: dict[str, dict[str, float]] = {
    "name": {"same": 0.85, "homophone": 0.04, "wildcard": 0.03, "similar": 0.04, "partial": 0.02,
             "different": 0.02},
    "id": {"exact": 0.2, "prefix": 0.3, "one_edit": 0.2, "two_edits": 0.05, "family": 0.1,
           "adult_id": 0.1, "different": 0.05},
    "birth": {"same": 0.85, "close": 0.1, "different": 0.05},
    "sex": {"same": 0.97, "different": 0.03},
    "county": {"same": 0.95, "different": 0.05},
    "school": {"same": 0.9, "different": 0.1},
    "grade": {"same": 0.9, "different": 0.1},
    "household": {"member_id": 0.4, "member_name": 0.4, "none": 0.2},
}
# What two different people's records typically look like: the starting point that the random
# pairs' counts move. It matters only where data are few (a school's run, a rare level).
U_PRIORS: dict[str, dict[str, float]] = {
    "name": {"same": 1e-4, "homophone": 5e-5, "wildcard": 2e-5, "similar": 5e-4, "partial": 0.1,
             "different": 0.9},
    "id": {"exact": 1e-7, "prefix": 1e-7, "one_edit": 1e-6, "two_edits": 1e-5, "family": 1e-5,
           "adult_id": 0.6, "different": 0.4},
    "birth": {"same": 3e-4, "close": 3e-3, "different": 0.997},
    "sex": {"same": 0.5, "different": 0.5},
    "county": {"same": 0.2, "different": 0.8},
    "school": {"same": 0.02, "different": 0.98},
    "grade": {"same": 0.1, "different": 0.9},
    "household": {"member_id": 1e-5, "member_name": 1e-4, "none": 0.9999},
}
U_PRIOR_PAIRS = 2000.0   # the priors count as this many random pairs
M_PRIOR_PAIRS = 20.0     # and the m priors as this many matched pairs
M_FLOOR = 1e-4


@dataclass(frozen=True)
class Model:
    """m and u per comparison level (neutral levels absent), and the estimated match share."""

    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    match_share: float
    iterations: int
    training_pairs: int
    random_pairs: int

    def weight(self, comparison: str, level: str) -> float:
        if level in NEUTRAL_LEVELS or level not in self.m[comparison]:
            return 0.0
        return math.log2(self.m[comparison][level] / self.u[comparison][level])

    def weights(self, levels: dict[str, np.ndarray]) -> np.ndarray:
        """Match weight (bits) of every pair, given each comparison's level array."""
        total = np.zeros(len(next(iter(levels.values()))) if levels else 0)
        for comparison, values in levels.items():
            known = np.array(sorted(COMPARISONS[comparison]), dtype=object)
            table = np.array([self.weight(comparison, lvl) for lvl in known])
            index = np.searchsorted(known, values.astype(object))
            total += table[np.clip(index, 0, len(known) - 1)]
        return total

    def weight_sql(self) -> str:
        """The match weight as a DuckDB expression over the comparison-level columns, added in
        the same order as :meth:`weights` (so both give the same doubles)."""
        terms = ["0.0::DOUBLE"]
        for comparison, levels in COMPARISONS.items():
            whens = " ".join(
                f"WHEN '{level}' THEN '{self.weight(comparison, level)!r}'::DOUBLE"
                for level in sorted(levels))
            terms.append(f'CASE "{comparison}" {whens} ELSE 0.0::DOUBLE END')
        return "(" + " + ".join(terms) + ")"

    def table(self) -> pa.Table:
        rows: dict[str, list[object]] = {"comparison": [], "level": [], "m": [], "u": [],
                                         "weight": []}
        for comparison, levels in COMPARISONS.items():
            for level in levels:
                if level in NEUTRAL_LEVELS:
                    continue
                rows["comparison"].append(comparison)
                rows["level"].append(level)
                rows["m"].append(round(self.m[comparison][level], 6))
                rows["u"].append(round(self.u[comparison][level], 6))
                rows["weight"].append(round(self.weight(comparison, level), 3))
        return pa.table(rows)


def _counts(levels: dict[str, np.ndarray], counts: np.ndarray | None) -> np.ndarray:
    """How many pairs each row of ``levels`` stands for (1 each unless given)."""
    n = len(next(iter(levels.values()))) if levels else 0
    return np.ones(n) if counts is None else np.asarray(counts, dtype=float)


def estimate_u(levels: dict[str, np.ndarray], counts: np.ndarray | None = None
               ) -> dict[str, dict[str, float]]:
    """Level frequencies among random pairs with the prior, over each comparison's evidence levels.
    ``counts``: how many pairs each row stands for (rows grouped by their levels)."""
    weight = _counts(levels, counts)
    u: dict[str, dict[str, float]] = {}
    for comparison, all_levels in COMPARISONS.items():
        evidence = [lvl for lvl in all_levels if lvl not in NEUTRAL_LEVELS]
        values = levels[comparison]
        prior = U_PRIORS[comparison]
        prior_total = sum(prior.values())
        tallies = {lvl: float(weight[values == lvl].sum())
                   + U_PRIOR_PAIRS * prior[lvl] / prior_total for lvl in evidence}
        total = sum(tallies.values())
        u[comparison] = {lvl: tallies[lvl] / total for lvl in evidence}
    return u


def _patterns(levels: dict[str, np.ndarray], counts: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Distinct level combinations (as small integer codes) and how many pairs have each."""
    names = list(COMPARISONS)
    codes = np.stack([
        np.searchsorted(np.array(sorted(COMPARISONS[c]), dtype=object),
                        levels[c].astype(object)).astype(np.int64)
        for c in names
    ], axis=1)
    unique, inverse = np.unique(codes, axis=0, return_inverse=True)
    totals = np.bincount(inverse.reshape(-1), weights=_counts(levels, counts),
                         minlength=len(unique))
    return unique, totals.astype(float), names


def _restricted(probabilities: dict[str, dict[str, float]],
                excluded: dict[str, frozenset[str]]) -> dict[str, dict[str, float]]:
    """The distributions conditioned on the levels left out of the training pairs not occurring."""
    out: dict[str, dict[str, float]] = {}
    for comparison, levels in probabilities.items():
        kept = {lvl: p for lvl, p in levels.items() if lvl not in excluded.get(comparison, ())}
        total = sum(kept.values())
        out[comparison] = {lvl: p / total for lvl, p in kept.items()}
    return out


def estimate_m(levels: dict[str, np.ndarray], u: dict[str, dict[str, float]],
               max_iterations: int, tolerance: float = 1e-7,
               start_share: float = 0.1, counts: np.ndarray | None = None
               ) -> tuple[dict[str, dict[str, float]], float, int]:
    """EM for m and the match share, u fixed. Returns (m, match share, iterations).

    ``u`` must already describe the same selection of pairs as ``levels`` (see ``fit``);
    ``counts``: how many pairs each row stands for.
    """
    prior = _restricted(M_PRIORS, {c: frozenset(set(M_PRIORS[c]) - set(u[c])) for c in u})
    m = {c: dict(p) for c, p in prior.items()}
    n = len(next(iter(levels.values())))
    if n == 0:
        return m, start_share, 0
    patterns, counts, names = _patterns(levels, counts)
    sorted_levels = {c: sorted(COMPARISONS[c]) for c in names}
    share = start_share
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - the count is returned
        log_m = np.zeros(len(patterns))
        log_u = np.zeros(len(patterns))
        for j, c in enumerate(names):
            # levels outside u (neutral, or excluded from this selection) do not occur or weigh 0
            lm = np.array([math.log(m[c][lvl]) if lvl in u[c] else 0.0
                           for lvl in sorted_levels[c]])
            lu = np.array([math.log(u[c][lvl]) if lvl in u[c] else 0.0
                           for lvl in sorted_levels[c]])
            log_m += lm[patterns[:, j]]
            log_u += lu[patterns[:, j]]
        a = math.log(share) + log_m
        b = math.log1p(-share) + log_u
        top = np.maximum(a, b)
        posterior = np.exp(a - top) / (np.exp(a - top) + np.exp(b - top))
        weight = posterior * counts
        new_share = float(np.clip(weight.sum() / counts.sum(), 1e-6, 1 - 1e-6))
        new_m: dict[str, dict[str, float]] = {}
        for j, c in enumerate(names):
            evidence = list(u[c])
            mass = {lvl: float(weight[patterns[:, j] == sorted_levels[c].index(lvl)].sum())
                    for lvl in evidence}
            total = sum(mass.values())
            raw = {lvl: max((mass[lvl] + M_PRIOR_PAIRS * prior[c][lvl]) / (total + M_PRIOR_PAIRS),
                            M_FLOOR) for lvl in evidence}
            scale = sum(raw.values())
            new_m[c] = {lvl: value / scale for lvl, value in raw.items()}
        change = max(abs(new_m[c][lvl] - m[c][lvl]) for c in new_m for lvl in new_m[c])
        m, share = new_m, new_share
        if change < tolerance:
            break
    return m, share, iteration


def fit(training: dict[str, np.ndarray], random: dict[str, np.ndarray],
        max_iterations: int = Linkage.max_iterations,
        excluded: dict[str, frozenset[str]] | None = None,
        training_counts: np.ndarray | None = None,
        random_counts: np.ndarray | None = None) -> Model:
    """Estimate u on ``random`` pairs, then m by EM on ``training`` pairs. The ``*_counts`` say
    how many pairs each row stands for, when pairs come grouped by their levels.

    ``excluded`` names levels the training pairs were selected not to have (pairs whose names
    disagree): EM runs on u conditioned the same way, and those levels keep their prior m,
    the estimated levels sharing the rest.
    """
    excluded = excluded or {}
    u = estimate_u(random, random_counts)
    m_fit, share, iterations = estimate_m(training, _restricted(u, excluded), max_iterations,
                                          counts=training_counts)
    m: dict[str, dict[str, float]] = {}
    for comparison, fitted in m_fit.items():
        left_out = {lvl: M_PRIORS[comparison][lvl] for lvl in excluded.get(comparison, ())}
        rest = 1.0 - sum(left_out.values())
        m[comparison] = {**{lvl: p * rest for lvl, p in fitted.items()}, **left_out}
    return Model(m=m, u=u, match_share=share, iterations=iterations,
                 training_pairs=int(_counts(training, training_counts).sum()),
                 random_pairs=int(_counts(random, random_counts).sum()))
