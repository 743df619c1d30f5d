"""Gap-list quality on synthetic data: aidmatch (exact evidence) against an Excel VLOOKUP.

    .venv/bin/python benchmarks/quality.py --students 3000 --seeds 1 2 3 --profiles realistic harsh

For every (profile, seed) it generates a city, reconciles it both ways and scores the gap list
against the generator's truth; then the payment findings (非在读享受资助, 重复资助, 标准不符) of the
real linkage against truth/aid_findings.csv, payment row by payment row. Prints tables (and
--json for machines).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from aidmatch.pipeline import reconcile
from aidmatch.quality import Score, score_findings, score_gaps
from aidmatch.semester import Semester
from aidmatch.synth import generate_city


def run_one(work: Path, students: int, seed: int, profile: str) -> dict[str, object]:
    semester = Semester.parse("2025-spring")
    data = work / f"{profile}-{seed}"
    generate_city(data, students=students, seed=seed, semester=semester, profile=profile)
    truth = data / "truth" / "gaps.csv"
    row: dict[str, object] = {"profile": profile, "seed": seed, "students": students}
    for linkage in ("exact", "vlookup"):
        started = time.perf_counter()
        result = reconcile(data / "exports", semester, data / f"out-{linkage}", db_path=None,
                           linkage=linkage)  # type: ignore[arg-type]
        score: Score = score_gaps(result.out_dir / "gaps.csv", truth)
        row[linkage] = {"precision": score.precision, "recall": score.recall,
                        "tp": score.true_positives, "fp": score.false_positives,
                        "fn": score.false_negatives,
                        "seconds": round(time.perf_counter() - started, 2)}
        if linkage == "exact":
            row["findings"] = {
                name: {"precision": s.precision, "recall": s.recall, "tp": s.true_positives,
                       "fp": s.false_positives, "fn": s.false_negatives}
                for name, s in score_findings(result.out_dir,
                                              data / "truth" / "aid_findings.csv").items()}
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--profiles", nargs="+", default=["realistic", "harsh"])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for profile in args.profiles:
            for seed in args.seeds:
                rows.append(run_one(Path(tmp), args.students, seed, profile))
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        return 0
    print(f"{'profile':<10} {'seed':>4} | {'aidmatch P':>10} {'R':>7} {'fp':>4} {'fn':>4} | "
          f"{'VLOOKUP P':>10} {'R':>7} {'fp':>4} {'fn':>4}")
    for row in rows:
        e, v = row["exact"], row["vlookup"]
        assert isinstance(e, dict) and isinstance(v, dict)
        print(f"{row['profile']:<10} {row['seed']:>4} | {e['precision']:>10.2%} {e['recall']:>7.2%} "
              f"{e['fp']:>4} {e['fn']:>4} | {v['precision']:>10.2%} {v['recall']:>7.2%} "
              f"{v['fp']:>4} {v['fn']:>4}")
    print()
    print(f"{'profile':<10} {'seed':>4} | finding file            precision  recall   tp   fp   fn")
    for row in rows:
        findings = row["findings"]
        assert isinstance(findings, dict)
        for name, f in findings.items():
            print(f"{row['profile']:<10} {row['seed']:>4} | {name:<22} {f['precision']:>9.2%} "
                  f"{f['recall']:>7.2%} {f['tp']:>4} {f['fp']:>4} {f['fn']:>4}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
