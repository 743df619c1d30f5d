"""Same data, four linkers: quality and time side by side.

    .venv/bin/python benchmarks/compare_linkers.py --students 20000 --seed 1 --profile realistic

1. ``aidmatch``       — as shipped: exact keys, household inference, probabilistic stage;
2. ``exact-only``     — the same without the probabilistic stage;
3. ``vlookup``        — what a VLOOKUP on the ID column finds (:mod:`aidmatch.bench.baseline`);
4. ``recordlinkage``  — the recordlinkage toolkit configured as its documentation suggests:
   blocking on ID region+birth date, on birth date, on name pinyin and on name + school;
   comparisons (Jaro–Winkler on name characters and on pinyin, Levenshtein on ID digits, exact
   birth date, sex, county, school) and its unsupervised ECM classifier; each record keeps its
   most probable student. It gets the same loaded, normalised records and the same eligibility
   rules as aidmatch, so only the linkage differs.

recordlinkage requires pandas < 3, so it runs only where it is installed, e.g. in a separate venv:
``python3 -m venv /tmp/rl && /tmp/rl/bin/pip install -r benchmarks/requirements-recordlinkage.txt
-e .`` then ``/tmp/rl/bin/python benchmarks/compare_linkers.py …``. Elsewhere its row says so.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

from aidmatch import bench
from aidmatch.bench.quality import score_gaps, score_links
from aidmatch.config import load_rules
from aidmatch.eligibility import decide
from aidmatch.link.exact import link_exact
from aidmatch.normalize.names import pinyin_keys
from aidmatch.outputs import lists
from aidmatch.pipeline import connect_work, stage_inputs
from aidmatch.semester import Semester
from aidmatch.sources import load_inputs
from aidmatch.steps import Steps, arrow
from aidmatch.synth import generate_city


def recordlinkage_gaps(exports: Path, semester: Semester, out: Path) -> tuple[int, int]:
    """Gap list with recordlinkage doing the linking; returns (links, candidate pairs)."""
    import pandas as pd
    import recordlinkage  # type: ignore[import-not-found]

    rules = load_rules()
    loaded = load_inputs(exports, rules, semester)
    con = connect_work()
    steps = Steps(con)
    stage_inputs(steps, loaded.records, loaded.family)
    link_exact(steps, rules)   # builds students/registry_rows; its links are not used
    # missing values are NULL, which recordlinkage scores as its missing_value (0)
    a = arrow(con, """SELECT record_id, nullif(name_key, '') AS name_key,
                             nullif(coalesce(id, id_compact, id_prefix), '') AS digits,
                             left(nullif(coalesce(id, id_compact, id_prefix), ''), 14) AS id14,
                             CAST(birth_date AS VARCHAR) AS birth, sex, county, school
                      FROM records WHERE source <> 'registry'""").to_pandas()
    b = arrow(con, """SELECT student_id, nullif(name_key, '') AS name_key, id AS digits,
                             left(id, 14) AS id14,
                             CAST(birth_date AS VARCHAR) AS birth, sex, county, school
                      FROM students""").to_pandas()
    for frame in (a, b):
        frame["pinyin"] = [p or None for p in pinyin_keys(frame["name_key"].fillna("").tolist())]
        frame["name_school"] = frame["name_key"] + "|" + frame["school"]
    a = a.set_index("record_id")
    b = b.set_index("student_id")
    indexer = recordlinkage.Index()
    indexer.block("id14")
    indexer.block("birth")
    indexer.block("pinyin")
    indexer.block("name_school")
    pairs = indexer.index(a, b)
    compare = recordlinkage.Compare()
    compare.string("name_key", "name_key", method="jarowinkler", threshold=0.85, label="name")
    compare.string("pinyin", "pinyin", method="jarowinkler", threshold=0.9, label="pinyin")
    compare.string("digits", "digits", method="levenshtein", threshold=0.9, label="id")
    compare.exact("birth", "birth", label="birth")
    compare.exact("sex", "sex", label="sex")
    compare.exact("county", "county", label="county")
    compare.exact("school", "school", label="school")
    features = compare.compute(pairs, a, b)
    classifier = recordlinkage.ECMClassifier(binarize=0.5)
    classifier.fit(features)
    probability = pd.Series(classifier.prob(features), index=features.index)
    best = probability[probability >= 0.5].sort_values(ascending=False)
    best = best[~best.index.get_level_values(0).duplicated()]
    links = pa.table({
        "record_id": pa.array(best.index.get_level_values(0).astype("int64")),
        "student_id": pa.array(best.index.get_level_values(1).astype("int64")),
    })
    steps.from_arrow("rl_links", links)
    # recordlinkage's links take the place of aidmatch's, in the shape decide() reads
    steps.table("links", """SELECT * FROM exact_links WHERE false
                            UNION ALL BY NAME
                            SELECT record_id, student_id, ['recordlinkage'] AS via_labels,
                                   'recordlinkage' AS method_first, 1 AS strength,
                                   1.0::DOUBLE AS name_score, 'same' AS name_level
                            FROM rl_links""")
    steps.table("link_review", "SELECT * FROM exact_review WHERE false")
    decide(steps, rules, semester)
    out.mkdir(parents=True, exist_ok=True)
    lists.write_gaps(con, out, masked=False)
    con.close()
    return links.num_rows, len(pairs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", default="realistic")
    parser.add_argument("--data", type=Path, help="reuse (or keep) the generated city here")
    args = parser.parse_args(argv)
    semester = Semester.parse("2025-spring")
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp) / "city"
        if not (data / "exports").is_dir():
            generate_city(data, students=args.students, seed=args.seed, semester=semester,
                          profile=args.profile)
        truth = data / "truth"
        rows: list[dict[str, Any]] = []
        for name, linkage in (("aidmatch", "probabilistic"), ("exact-only", "exact"),
                              ("vlookup", "vlookup")):
            db = Path(tmp) / f"{name}.duckdb"
            started = time.perf_counter()
            result = bench.reconcile(data / "exports", semester, Path(tmp) / name, linkage,
                                     db_path=None if linkage == "vlookup" else db)
            row: dict[str, Any] = {"name": name, "seconds": time.perf_counter() - started,
                                   "gaps": score_gaps(result.out_dir / "gaps.csv",
                                                      truth / "gaps.csv")}
            if linkage != "vlookup":
                row["links"] = score_links(db, truth, semester.code)
            rows.append(row)
        started = time.perf_counter()
        try:
            count, candidates = recordlinkage_gaps(data / "exports", semester, Path(tmp) / "rl")
        except ImportError:
            rows.append({"name": "recordlinkage", "missing": True})
        else:
            rows.append({"name": "recordlinkage", "seconds": time.perf_counter() - started,
                         "gaps": score_gaps(Path(tmp) / "rl" / "gaps.csv", truth / "gaps.csv"),
                         "note": f"{count} links from {candidates} candidate pairs"})
    print(f"{args.students} students, {args.profile}, seed {args.seed}")
    print(f"{'linker':<14} | {'gap P':>7} {'gap R':>7} {'fp':>5} {'fn':>5} | {'link P':>8} "
          f"{'link R':>8} | {'seconds':>7}")
    for row in rows:
        if row.get("missing"):
            print(f"{row['name']:<14} | not installed here (needs pandas < 3; see the docstring)")
            continue
        g = row["gaps"]
        link = row.get("links")
        link_text = (f"{link.precision:>8.3%} {link.recall:>8.3%}" if link
                     else f"{'':>8} {'':>8}")
        print(f"{row['name']:<14} | {g.precision:>7.2%} {g.recall:>7.2%} "
              f"{g.false_positives:>5} {g.false_negatives:>5} | {link_text} | "
              f"{row['seconds']:>7.1f}  {row.get('note', '')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
