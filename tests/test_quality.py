"""The gap list scored against ground truth: the synthetic generator's, and the checked-in sample.

Prints precision and recall (visible in CI logs) and writes them to test-artifacts/quality.json.
Link precision and recall (issue 3's targets) are checked on the same cities.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aidmatch import bench
from aidmatch.bench.quality import Score, score_discoverable, score_gaps, score_links
from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from aidmatch.synth import generate_city

SPRING = Semester.parse("2025-spring")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
RESULTS: dict[str, dict[str, float]] = {}


def _record(name: str, score: Score, capsys: pytest.CaptureFixture[str]) -> None:
    RESULTS[name] = {"precision": score.precision, "recall": score.recall,
                     "tp": score.true_positives, "fp": score.false_positives,
                     "fn": score.false_negatives}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "quality.json").write_text(json.dumps(RESULTS, indent=2), encoding="utf-8")
    with capsys.disabled():
        print(f"\n  gap list {name}: {score}")


@pytest.mark.parametrize(("profile", "seed", "min_precision", "min_recall"), [
    ("clean", 11, 1.0, 1.0),
    ("realistic", 12, 0.97, 0.90),
    ("realistic", 13, 0.97, 0.90),
    ("harsh", 14, 0.90, 0.80),
])
def test_gap_list_against_synthetic_truth(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          profile: str, seed: int, min_precision: float,
                                          min_recall: float) -> None:
    data = tmp_path / "city"
    generate_city(data, students=2500, seed=seed, semester=SPRING, profile=profile)
    truth = data / "truth" / "gaps.csv"
    db = tmp_path / "run.duckdb"
    shipped = reconcile(data / "exports", SPRING, tmp_path / "shipped", db_path=db)
    score = score_gaps(shipped.out_dir / "gaps.csv", truth)
    _record(f"{profile}-{seed} aidmatch", score, capsys)
    assert score.precision >= min_precision
    assert score.recall >= min_recall
    discoverable = score_discoverable(shipped.out_dir / "gaps.csv", truth)
    _record(f"{profile}-{seed} aidmatch (discoverable)", discoverable, capsys)
    assert discoverable.precision == score.precision
    assert discoverable.recall >= score.recall
    links = score_links(db, data / "truth", SPRING.code)
    with capsys.disabled():
        print(f"\n  links {profile}-{seed}: {links}")
    # issue 3's targets on linkable records; harsh damage is beyond "realistic rates"
    assert links.precision >= (0.999 if profile != "harsh" else 0.995)
    assert links.recall >= (0.995 if profile != "harsh" else 0.99)
    if profile == "clean":
        return
    baseline = bench.reconcile(data / "exports", SPRING, tmp_path / "vlookup", "vlookup",
                               db_path=None)
    vlookup = score_gaps(baseline.out_dir / "gaps.csv", truth)
    _record(f"{profile}-{seed} VLOOKUP", vlookup, capsys)
    # Exact evidence must beat a VLOOKUP on the ID column by a clear margin.
    assert score.precision - vlookup.precision >= 0.2
    assert score.recall >= vlookup.recall


def _gaps_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["学籍号,身份证件号,姓名,可发现"] + [f"{key},,某,{flag}" for key, flag in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("found", "precision", "recall", "recall_all"), [
    (["G1", "G2", "G3"], 1.0, 1.0, 1.0),  # the undiscoverable G3 listed anyway: right
    (["G1", "G2"], 1.0, 1.0, 2 / 3),  # G3 missed: not held against discoverable recall
    (["G1", "G3"], 1.0, 0.5, 2 / 3),
    (["G1", "G9"], 0.5, 0.5, 1 / 3),  # G9 is no gap
    ([], 1.0, 0.0, 0.0),
])
def test_recall_over_discoverable_gaps(tmp_path: Path, found: list[str], precision: float,
                                       recall: float, recall_all: float) -> None:
    truth = _gaps_csv(tmp_path / "truth.csv", [("G1", "是"), ("G2", "是"), ("G3", "否")])
    listed = _gaps_csv(tmp_path / "gaps.csv", [(key, "") for key in found])
    score = score_discoverable(listed, truth)
    assert (score.precision, score.recall) == pytest.approx((precision, recall))
    assert score_gaps(listed, truth).recall == pytest.approx(recall_all)
    assert score_gaps(listed, truth).precision == pytest.approx(precision)


def test_checked_in_sample_matches_its_truth(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    sample = ROOT / "fixtures" / "sample"
    result = reconcile(sample / "exports", SPRING, tmp_path / "out", db_path=None)
    score = score_gaps(result.out_dir / "gaps.csv", sample / "truth" / "gaps.csv")
    _record("fixtures/sample aidmatch", score, capsys)
    assert score.precision == 1.0 and score.recall == 1.0
    for sheet in result.summary.sheets:
        assert sheet.balanced, sheet
