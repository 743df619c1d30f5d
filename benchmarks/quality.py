"""Gap-list and link quality on synthetic data: aidmatch against simpler pipelines.

    .venv/bin/python benchmarks/quality.py --students 3000 --seeds 1 2 3 --profiles realistic harsh
    .venv/bin/python benchmarks/quality.py --generators own foreign foreign2 foreign3 --students 3000 --seeds 1 2

``--generators`` picks the data (default ``own``):

- ``own`` — aidmatch's own synthetic city (:mod:`aidmatch.synth`), scored as described below;
- ``foreign`` — benchmarks/foreign/generate.py (``--style mixed``), gap list against its
  truth/gaps.csv (:func:`aidmatch.bench.quality.score_gaps`, as tests/test_foreign.py does);
- ``foreign3`` — benchmarks/foreign3/generate.py, scored by its own score.py: precision over the
  listed students its truth does not mark neutral, recall over the discoverable gaps (可发现 = 是).
  When the strict run refuses an input file the city is reconciled again with ``keep_going``
  (the table's note names the refused files);
- ``foreign2`` — benchmarks/foreign2's scenarios (no seed, no size): each is a tiny folder with
  the gap list domain.md implies; the row gives the scenarios passed and precision/recall over
  the (scenario, 学籍号) pairs expected in gaps.csv.

The independent generators and scorers are imported and run as they are, never edited here.
The first table has one row per generator × seed (own: per profile too) with precision, recall,
tp/fp/fn and seconds (generation and reconciliation).

For ``own``, every (profile, seed) city is reconciled three ways on the same data:

- ``probabilistic`` — aidmatch as shipped: exact keys, household inference, then the
  probabilistic (Fellegi–Sunter) stage;
- ``exact`` — the same engine without the probabilistic stage;
- ``vlookup`` — what an Excel VLOOKUP on the ID column sees (:mod:`aidmatch.bench.baseline`).

It scores each gap list against the generator's truth — precision over the listed students,
recall over the gaps its truth marks discoverable (可发现; an undiscoverable gap listed anyway
counts as right), and beside it ``R all``, recall over every gap — and the links of the first two against
``truth/records.csv`` (precision over all links; recall over the records that carry enough
evidence to be linked, see :class:`aidmatch.bench.quality.LinkScore`); then the payment findings
(非在读享受资助, 重复资助, 标准不符) of the shipped pipeline against truth/aid_findings.csv, payment
row by payment row. Prints tables (--json for machines) with the time of each run.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from aidmatch import bench
from aidmatch.bench.quality import Score, score_discoverable, score_findings, score_gaps, score_links
from aidmatch.errors import InputError
from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from aidmatch.synth import generate_city

LINKAGES = bench.LINKERS
GENERATORS = ("own", "foreign", "foreign2", "foreign3")
BENCHMARKS = Path(__file__).resolve().parent
SPRING = "2025-spring"


def run_one(work: Path, students: int, seed: int, profile: str,
            linkages: tuple[str, ...] = LINKAGES) -> dict[str, Any]:
    semester = Semester.parse("2025-spring")
    data = work / f"{profile}-{seed}"
    generate_city(data, students=students, seed=seed, semester=semester, profile=profile)
    truth = data / "truth"
    row: dict[str, Any] = {"generator": "own", "profile": profile, "seed": seed,
                           "students": students}
    for linkage in linkages:
        db = data / f"{linkage}.duckdb"
        started = time.perf_counter()
        result = bench.reconcile(data / "exports", semester, data / f"out-{linkage}",
                                 linkage, db_path=None if linkage == "vlookup" else db)
        seconds = round(time.perf_counter() - started, 2)
        gaps = score_discoverable(result.out_dir / "gaps.csv", truth / "gaps.csv")
        every = score_gaps(result.out_dir / "gaps.csv", truth / "gaps.csv")
        entry: dict[str, Any] = {"precision": gaps.precision, "recall": gaps.recall,
                                 "tp": gaps.true_positives, "fp": gaps.false_positives,
                                 "fn": gaps.false_negatives, "seconds": seconds,
                                 "recall_all": every.recall, "fn_all": every.false_negatives,
                                 "undiscoverable_listed": gaps.listed_undiscoverable}
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


def _load(path: Path, name: str) -> ModuleType:
    """Import an independent benchmark module by path (its folder first on sys.path, since
    foreign2's scenarios import their sibling ``common`` by name)."""
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _generate(script: Path, out: Path, *args: str) -> None:
    subprocess.run([sys.executable, str(script), "--out", str(out), *args], check=True,
                   capture_output=True)


def _entry(tp: int, fp: int, fn: int, precision: float, recall: float, seconds: float,
           **more: Any) -> dict[str, Any]:
    return {"precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn,
            "seconds": round(seconds, 2), **more}


def run_foreign(work: Path, students: int, seed: int) -> dict[str, Any]:
    """benchmarks/foreign: the whole gap list against its truth, as tests/test_foreign.py does."""
    data = work / f"foreign-{seed}"
    started = time.perf_counter()
    _generate(BENCHMARKS / "foreign" / "generate.py", data, "--students", str(students),
              "--seed", str(seed), "--style", "mixed")
    result = reconcile(data / "exports", Semester.parse(SPRING), data / "out", db_path=None)
    gaps = score_gaps(result.out_dir / "gaps.csv", data / "truth" / "gaps.csv")
    return {"generator": "foreign", "seed": seed, "students": students,
            "probabilistic": _entry(gaps.true_positives, gaps.false_positives,
                                    gaps.false_negatives, gaps.precision, gaps.recall,
                                    time.perf_counter() - started)}


def run_foreign3(work: Path, students: int, seed: int) -> dict[str, Any]:
    """benchmarks/foreign3 scored by its own score.py; a refused file → a keep_going run."""
    data = work / f"foreign3-{seed}"
    started = time.perf_counter()
    _generate(BENCHMARKS / "foreign3" / "generate.py", data, "--students", str(students),
              "--seed", str(seed), "--semester", SPRING)
    note = ""
    try:
        reconcile(data / "exports", Semester.parse(SPRING), data / "out", db_path=None)
    except InputError as problem:
        note = "strict run refused input (" + str(problem).splitlines()[0][:60] + "); keep_going"
        reconcile(data / "exports", Semester.parse(SPRING), data / "out", db_path=None,
                  keep_going=True)
    res = _load(BENCHMARKS / "foreign3" / "score.py", "foreign3_score").score(data)
    if res["refused_files"]:
        note = (note or "keep_going") + "; refused: " + ", ".join(res["refused_files"])
    return {"generator": "foreign3", "seed": seed, "students": students, "note": note,
            "probabilistic": _entry(res["tp"] + res["tp_not_discoverable"], res["fp"], res["fn"],
                                    res["precision"], res["recall"],
                                    time.perf_counter() - started,
                                    discoverable=res["discoverable"],
                                    candidates_listed=res["candidates_listed"],
                                    candidates=res["candidates"],
                                    fp_by_cause=res["fp_by_cause"],
                                    fn_by_cause=res["fn_by_cause"])}


def run_foreign2(work: Path) -> dict[str, Any]:
    """benchmarks/foreign2's scenarios, each run by its own runner: scenarios passed, and
    precision/recall over the (scenario, 学籍号) pairs expected in gaps.csv."""
    scenarios = _load(BENCHMARKS / "foreign2" / "scenarios.py", "foreign2_scenarios")
    run = sys.modules["common"].run
    started = time.perf_counter()
    tp = fp = fn = passed = 0
    failed: list[str] = []
    for scenario in scenarios.SC:
        result = run(scenario, work / "foreign2")
        got, expected = set(result["got"]), set(result["expect"])
        tp, fp, fn = tp + len(got & expected), fp + len(got - expected), fn + len(expected - got)
        if result["pass"]:
            passed += 1
        else:
            failed.append(scenario.name)
    score = Score(tp, fp, fn)
    return {"generator": "foreign2", "seed": "-", "students": "-",
            "note": f"{passed}/{len(scenarios.SC)} scenarios pass; failing: {' '.join(failed)}",
            "probabilistic": _entry(tp, fp, fn, score.precision, score.recall,
                                    time.perf_counter() - started, passed=passed,
                                    scenarios=len(scenarios.SC), failed=failed)}


def print_generators(rows: list[dict[str, Any]]) -> None:
    print(f"{'generator':<10} {'profile':<10} {'seed':>4} {'students':>8} | {'gap P':>7} "
          f"{'gap R':>7} {'tp':>5} {'fp':>4} {'fn':>4} | {'R all':>7} {'fn all':>6} | "
          f"{'seconds':>7} | note")
    for row in rows:
        e = row["probabilistic"]
        every = (f"{e['recall_all']:>7.2%} {e['fn_all']:>6}" if "recall_all" in e
                 else f"{'':>7} {'':>6}")
        print(f"{row['generator']:<10} {row.get('profile', ''):<10} {row['seed']!s:>4} "
              f"{row['students']!s:>8} | {e['precision']:>7.2%} {e['recall']:>7.2%} "
              f"{e['tp']:>5} {e['fp']:>4} {e['fn']:>4} | {every} | {e['seconds']:>7.2f} | "
              f"{row.get('note', '')}")


def print_own(rows: list[dict[str, Any]], linkages: list[str]) -> None:
    print(f"{'profile':<10} {'seed':>4} {'pipeline':<14} | {'gap P':>7} {'gap R':>7} {'fp':>4} "
          f"{'fn':>4} {'R all':>7} | {'link P':>8} {'link R':>8} {'wrong':>5} | {'seconds':>7}")
    for row in rows:
        for linkage in linkages:
            e = row[linkage]
            link = (f"{e['link_precision']:>8.3%} {e['link_recall']:>8.3%} {e['wrong_links']:>5}"
                    if "link_precision" in e else f"{'':>8} {'':>8} {'':>5}")
            print(f"{row['profile']:<10} {row['seed']:>4} {linkage:<14} | {e['precision']:>7.2%} "
                  f"{e['recall']:>7.2%} {e['fp']:>4} {e['fn']:>4} {e['recall_all']:>7.2%} | "
                  f"{link} | {e['seconds']:>7.2f}")
    print()
    print(f"{'profile':<10} {'seed':>4} | finding file            precision  recall   tp   fp   fn")
    for row in rows:
        for name, f in row["findings"].items():
            print(f"{row['profile']:<10} {row['seed']:>4} | {name:<22} {f['precision']:>9.2%} "
                  f"{f['recall']:>7.2%} {f['tp']:>4} {f['fp']:>4} {f['fn']:>4}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generators", nargs="+", default=["own"], choices=GENERATORS)
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--profiles", nargs="+", default=["realistic", "harsh"],
                        help="profiles of the own generator")
    parser.add_argument("--linkages", nargs="+", default=list(LINKAGES), choices=LINKAGES,
                        help="pipelines compared on the own generator")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    own: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for generator in args.generators:
            if generator == "own":
                for profile in args.profiles:
                    for seed in args.seeds:
                        own.append(run_one(work, args.students, seed, profile,
                                           tuple(args.linkages)))
                rows.extend(own)
            elif generator == "foreign2":
                # the scenario runner prints nothing, but keep stray output off a --json stream
                with contextlib.redirect_stdout(io.StringIO()):
                    rows.append(run_foreign2(work))
            else:
                runner = run_foreign if generator == "foreign" else run_foreign3
                rows.extend(runner(work, args.students, seed) for seed in args.seeds)
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        return 0
    table = [row for row in rows if "probabilistic" in row]
    if table:
        print_generators(table)
        print()
    if own:
        print_own(own, args.linkages)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
