"""The Fellegi–Sunter model: u from random pairs, m by EM, weights in bits."""

from __future__ import annotations

import math

import numpy as np

from aidmatch.link.features import COMPARISONS, NEUTRAL_LEVELS
from aidmatch.link.model import M_PRIORS, estimate_u, fit

TRUE_M = {
    "name": {"same": 0.8, "homophone": 0.1, "wildcard": 0.02, "similar": 0.08},
    "id": {"exact": 0.3, "prefix": 0.4, "one_edit": 0.2, "two_edits": 0.02, "family": 0.05,
           "adult_id": 0.02, "different": 0.01},
    "birth": {"same": 0.9, "close": 0.08, "different": 0.02},
    "sex": {"same": 0.98, "different": 0.02},
    "county": {"same": 0.95, "different": 0.05},
    "school": {"same": 0.9, "different": 0.1},
    "grade": {"same": 0.85, "different": 0.15},
    "household": {"member_id": 0.5, "member_name": 0.3, "none": 0.2},
}
TRUE_U = {
    "name": {"same": 0.02, "homophone": 0.01, "wildcard": 0.01, "similar": 0.96},
    "id": {"exact": 0.001, "prefix": 0.001, "one_edit": 0.002, "two_edits": 0.01, "family": 0.01,
           "adult_id": 0.5, "different": 0.476},
    "birth": {"same": 0.01, "close": 0.05, "different": 0.94},
    "sex": {"same": 0.5, "different": 0.5},
    "county": {"same": 0.3, "different": 0.7},
    "school": {"same": 0.1, "different": 0.9},
    "grade": {"same": 0.2, "different": 0.8},
    "household": {"member_id": 0.01, "member_name": 0.04, "none": 0.95},
}


def _draw(rng: np.random.Generator, dist: dict[str, dict[str, float]], n: int
          ) -> dict[str, np.ndarray]:
    return {c: rng.choice(np.array(list(p), dtype=object), size=n, p=np.array(list(p.values())))
            for c, p in dist.items()}


def _mixed(rng: np.random.Generator, matches: int, non_matches: int) -> dict[str, np.ndarray]:
    a, b = _draw(rng, TRUE_M, matches), _draw(rng, TRUE_U, non_matches)
    return {c: np.concatenate([a[c], b[c]]) for c in COMPARISONS}


def test_em_recovers_m_and_the_match_share_without_labels() -> None:
    rng = np.random.default_rng(7)
    random_pairs = _draw(rng, TRUE_U, 200_000)
    model = fit(_mixed(rng, 3000, 7000), random_pairs)
    assert abs(model.match_share - 0.3) < 0.03
    for comparison in ("name", "id", "birth", "household"):
        for level, expected in TRUE_M[comparison].items():
            assert abs(model.m[comparison][level] - expected) < 0.04, (comparison, level)
    assert model.weight("name", "same") > 4 > 0 > model.weight("household", "none")


def test_u_is_counted_with_a_prior_and_never_zero() -> None:
    rng = np.random.default_rng(1)
    u = estimate_u(_draw(rng, TRUE_U, 100_000))
    assert abs(u["county"]["same"] - 0.3) < 0.01
    assert 0 < u["id"]["exact"] < 1e-3          # never seen at random: strong, not infinite
    for _comparison, levels in u.items():
        assert math.isclose(sum(levels.values()), 1.0)
        assert not set(levels) & NEUTRAL_LEVELS


def test_neutral_levels_weigh_nothing_and_weights_add_up() -> None:
    rng = np.random.default_rng(3)
    model = fit(_mixed(rng, 500, 500), _draw(rng, TRUE_U, 20_000))
    levels = {c: np.array(["missing" if "missing" in COMPARISONS[c] else "unknown"
                           if "unknown" in COMPARISONS[c] else "implied"], dtype=object)
              for c in COMPARISONS}
    assert model.weights(levels)[0] == 0.0
    levels["name"] = np.array(["same"], dtype=object)
    levels["id"] = np.array(["one_edit"], dtype=object)
    expected = model.weight("name", "same") + model.weight("id", "one_edit")
    assert math.isclose(model.weights(levels)[0], expected)
    table = model.table()
    assert set(table.column("comparison").to_pylist()) == set(COMPARISONS)


def test_levels_left_out_of_training_keep_their_prior() -> None:
    rng = np.random.default_rng(5)
    training = _mixed(rng, 800, 200)
    model = fit(training, _draw(rng, TRUE_U, 20_000),
                excluded={"name": frozenset({"different", "partial"})})
    assert model.m["name"]["different"] == M_PRIORS["name"]["different"]
    assert math.isclose(sum(model.m["name"].values()), 1.0)
    assert model.weight("name", "different") < 0


def test_pairs_grouped_by_their_levels_fit_the_same_model() -> None:
    """The pipeline hands the model each distinct combination of levels once, with its count
    (a few hundred rows however many pairs): the fit must equal the fit on every pair."""
    rng = np.random.default_rng(11)
    training, random = _mixed(rng, 900, 600), _draw(rng, TRUE_U, 20_000)

    def grouped(levels: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
        rows = list(zip(*(levels[c] for c in COMPARISONS), strict=True))
        patterns = sorted(set(rows))
        counts = np.array([rows.count(p) for p in patterns], dtype=float)
        return ({c: np.array([p[i] for p in patterns], dtype=object)
                 for i, c in enumerate(COMPARISONS)}, counts)

    every = fit(training, random, excluded={"name": frozenset({"different"})})
    (t_levels, t_counts), (r_levels, r_counts) = grouped(training), grouped(random)
    assert len(t_counts) < 900 + 600
    once = fit(t_levels, r_levels, excluded={"name": frozenset({"different"})},
               training_counts=t_counts, random_counts=r_counts)
    assert (once.training_pairs, once.random_pairs) == (1500, 20_000)
    assert math.isclose(once.match_share, every.match_share, rel_tol=1e-9)
    for comparison in COMPARISONS:
        for level in every.m[comparison]:
            assert math.isclose(once.m[comparison][level], every.m[comparison][level],
                                rel_tol=1e-9)
            assert math.isclose(once.u[comparison][level], every.u[comparison][level],
                                rel_tol=1e-9)


def test_weight_sql_gives_the_weights_numpy_gives() -> None:
    import duckdb
    import pyarrow as pa

    rng = np.random.default_rng(13)
    model = fit(_mixed(rng, 500, 500), _draw(rng, TRUE_U, 20_000))
    pairs = {c: rng.permutation(np.array(sorted(COMPARISONS[c]) * 8, dtype=object)[:24])
             for c in COMPARISONS}

    table = pa.table({c: pa.array(list(v), pa.string()) for c, v in pairs.items()})
    con = duckdb.connect()
    con.register("pairs", table)
    in_sql = [w for (w,) in con.execute(f"SELECT {model.weight_sql()} FROM pairs").fetchall()]
    assert in_sql == list(model.weights(pairs))
