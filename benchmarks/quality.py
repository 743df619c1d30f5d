"""Gap-list and link quality on synthetic data: aidmatch against simpler pipelines.

    .venv/bin/python benchmarks/quality.py --students 3000 --seeds 1 2 3 --profiles realistic harsh

For every (profile, seed) it generates a city and reconciles it three ways on the same data:

- ``probabilistic`` — aidmatch as shipped: exact keys, household inference, then the
  probabilistic (Fellegi–Sunter) stage;
- ``exact`` — the same engine without the probabilistic stage;
- ``vlookup`` — what an Excel VLOOKUP on the ID column sees (``link/baseline.py``).

It scores each gap list against the generator's truth, and the links of the first two against
``truth/records.csv`` (precision over all links; recall over the records that carry enough
evidence to be linked, see :class:`aidmatch.quality.LinkScore`); then the payment findings
(非在读享受资助, 重复资助, 标准不符) of the shipped pipeline against truth/aid_findings.csv, payment
row by payment row. Prints tables (--json for machines) with the time of each run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aidmatch.pipeline import reconcile
from aidmatch.quality import score_findings, score_gaps, score_links
from aidmatch.semester import Semester
from aidmatch.synth import generate_city

LINKAGES = ("probabilistic", "exact", "vlookup")


def run_one(work: Path, students: int, seed: int, profile: str,
            linkages: tuple[str, ...] = LINKAGES) -> dict[str, Any]:
    semester = Semester.parse("2025-spring")
    data = work / f"{profile}-{seed}"
    generate_city(data, students=students, seed=seed, semester=semester, profile=profile)
    truth = data / "truth"
    row: dict[str, Any] = {"profile": profile, "seed": seed, "students": students}
    for linkage in linkages:
        db = data / f"{linkage}.duckdb"
        started = time.perf_counter()
        result = reconcile(data / "exports", semester, data / f"out-{linkage}",
                           db_path=None if linkage == "vlookup" else db,
                           linkage=linkage)  # type: ignore[arg-type]
        seconds = round(time.perf_counter() - started, 2)
        gaps = score_gaps(result.out_dir / "gaps.csv", truth / "gaps.csv")
        entry: dict[str, Any] = {"precision": gaps.precision, "recall": gaps.recall,
                                 "tp": gaps.true_positives, "fp": gaps.false_positives,
                                 "fn": gaps.false_negatives, "seconds": seconds}
        if linkage != "vlookup":
            links = score_links(db, truth, semester.code)
            entry.update(link_precision=links.precision, link_recall=links.recall,
                         links=links.links, wrong_links=links.wrong_links,
                         linkable=links.linkable, linkable_found=links.linkable_found)
        row[linkage] = entry
        if linkage == linkages[0]:
            row["findings"] = {
                name: {"precision": f.precision, "recall": f.recall, "tp": f.true_positives,
                       "fp": f.false_positives, "fn": f.false_negatives}
                for name, f in score_findings(result.out_dir, truth / "aid_findings.csv").items()}
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--profiles", nargs="+", default=["realistic", "harsh"])
    parser.add_argument("--linkages", nargs="+", default=list(LINKAGES), choices=LINKAGES)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for profile in args.profiles:
            for seed in args.seeds:
                rows.append(run_one(Path(tmp), args.students, seed, profile,
                                    tuple(args.linkages)))
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        return 0
    print(f"{'profile':<10} {'seed':>4} {'pipeline':<14} | {'gap P':>7} {'gap R':>7} {'fp':>4} "
          f"{'fn':>4} | {'link P':>8} {'link R':>8} {'wrong':>5} | {'seconds':>7}")
    for row in rows:
        for linkage in args.linkages:
            e = row[linkage]
            link = (f"{e['link_precision']:>8.3%} {e['link_recall']:>8.3%} {e['wrong_links']:>5}"
                    if "link_precision" in e else f"{'':>8} {'':>8} {'':>5}")
            print(f"{row['profile']:<10} {row['seed']:>4} {linkage:<14} | {e['precision']:>7.2%} "
                  f"{e['recall']:>7.2%} {e['fp']:>4} {e['fn']:>4} | {link} | {e['seconds']:>7.2f}")
    print()
    print(f"{'profile':<10} {'seed':>4} | finding file            precision  recall   tp   fp   fn")
    for row in rows:
        for name, f in row["findings"].items():
            print(f"{row['profile']:<10} {row['seed']:>4} | {name:<22} {f['precision']:>9.2%} "
                  f"{f['recall']:>7.2%} {f['tp']:>4} {f['fp']:>4} {f['fn']:>4}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
