"""Spark identity: the same cities on both engines, every result file compared.

    .venv/bin/python benchmarks/spark_identity.py                         # every city, 3,000 students
    .venv/bin/python benchmarks/spark_identity.py --cities foreign3 --students 20000 --seed 2

Each city is generated here (nothing is cached), reconciled on DuckDB and on Spark
(``local[2]``, one session for every city) under the runner's strict plan check, and every
file either run writes is fingerprinted as ``benchmarks/output_identity.py`` does (case
numbers, keyed by each run's own secret, left out). A differing CSV is shown by how many rows
each engine has that the other has not.

The cities: the team's own generator (``own``: realistic damage; ``harsh``), the independent
generators ``foreign`` (mixed layouts) and ``foreign3`` (毕节市, re-coded regions; its refused
file makes both runs ``keep_going``), and ``country`` (three provinces with migrant children,
``aidmatch synth --country 3``). Prints one line per city and exits 1 if any file differs.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parent
SPRING = "2025-spring"
CITIES = ("own", "harsh", "foreign", "foreign3", "country")


def _identity() -> ModuleType:
    spec = importlib.util.spec_from_file_location("output_identity",
                                                  BENCHMARKS / "output_identity.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate(city: str, out: Path, students: int, seed: int) -> Path:
    """Generate ``city`` into ``out``; returns its exports folder."""
    from aidmatch.semester import Semester
    from aidmatch.synth import generate_city

    if city in ("own", "harsh"):
        generate_city(out, students=students, seed=seed, semester=Semester.parse(SPRING),
                      profile="realistic" if city == "own" else "harsh")
    elif city == "country":
        aidmatch = str(Path(sys.executable).parent / "aidmatch")
        subprocess.run([aidmatch, "synth", "--country", "3", "--students", str(students),
                        "--seed", str(seed), "--out", str(out)], check=True, capture_output=True)
    else:
        extra = ["--style", "mixed"] if city == "foreign" else ["--semester", SPRING]
        subprocess.run([sys.executable, str(BENCHMARKS / city / "generate.py"), "--out", str(out),
                        "--students", str(students), "--seed", str(seed), *extra],
                       check=True, capture_output=True)
    return out / "exports"


def run(exports: Path, out: Path, engine: str) -> tuple[float, int]:
    """Reconcile on ``engine``; a refused file (foreign3) makes it a keep_going run."""
    from aidmatch.errors import InputError
    from aidmatch.pipeline import reconcile
    from aidmatch.semester import Semester

    started = time.perf_counter()
    semester = Semester.parse(SPRING)
    try:
        result = reconcile(exports, semester, out, db_path=None, masked=False, engine=engine)
    except InputError:
        result = reconcile(exports, semester, out, db_path=None, masked=False, engine=engine,
                           keep_going=True)
    return time.perf_counter() - started, result.gaps


def _csv_rows(path: Path) -> set[tuple[str, ...]]:
    text = path.read_bytes().decode("utf-8-sig")
    return {tuple(row) for row in csv.reader(io.StringIO(text, newline=""))}


def migrant_gaps(root: Path) -> str:
    """How many of the country's discoverable migrant gaps (truth/migrants.csv) each engine's
    gaps.csv lists: the cross-province comparison no province's own run can make."""
    truth = root / "city" / "truth" / "migrants.csv"
    with truth.open(encoding="utf-8-sig", newline="") as rows:
        wanted = {row["学籍号"] for row in csv.DictReader(rows)
                  if row["is_gap"] == "1" and row["可发现"] == "是"}
    found = []
    for engine in ("duckdb", "spark"):
        with (root / engine / "gaps.csv").open(encoding="utf-8-sig", newline="") as rows:
            listed = {row["学籍号"] for row in csv.DictReader(rows)}
        found.append(f"{engine} {len(wanted & listed)} of {len(wanted)}")
    return "migrant gaps found: " + ", ".join(found)


def compare(city: str, root: Path, students: int, seed: int, identity: ModuleType) -> bool:
    exports = generate(city, root / "city", students, seed)
    seconds, gaps, prints = {}, {}, {}
    for engine in ("duckdb", "spark"):
        seconds[engine], gaps[engine] = run(exports, root / engine, engine)
        prints[engine] = identity.fingerprint_folder(root / engine)
    duck, spark = prints["duckdb"], prints["spark"]
    differing = sorted(name for name in set(duck) | set(spark)
                       if duck.get(name) != spark.get(name) and not name.endswith(identity.TIMED))
    print(f"{city:<9} {students:>7,} students seed {seed}: {len(duck)} files, "
          f"gaps {gaps['duckdb']} / {gaps['spark']}, "
          f"duckdb {seconds['duckdb']:.1f} s, spark {seconds['spark']:.1f} s: "
          + ("identical" if not differing else f"{len(differing)} differ"), flush=True)
    if city == "country":
        print("  " + migrant_gaps(root))
    for name in differing:
        detail = ""
        if name.endswith(".csv") and name in duck and name in spark:
            only_duck = _csv_rows(root / "duckdb" / name) - _csv_rows(root / "spark" / name)
            only_spark = _csv_rows(root / "spark" / name) - _csv_rows(root / "duckdb" / name)
            detail = f": {len(only_duck)} rows only DuckDB's, {len(only_spark)} only Spark's"
        print(f"  differs: {name}{detail}")
    return not differing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", nargs="+", default=list(CITIES), choices=CITIES)
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep each city and both outputs here")
    args = parser.parse_args(argv)
    from aidmatch.runner import CHECK_PLAN_ENV
    from aidmatch.spark.session import spark_session

    os.environ[CHECK_PLAN_ENV] = "1"
    same = True
    with tempfile.TemporaryDirectory(prefix="aidmatch-spark-identity-") as tmp:
        top = args.keep or Path(tmp)
        identity = _identity()
        # one session for every city: each reconcile finds it running and leaves it running
        with spark_session(threads=2, local_dir=Path(tmp) / "spark-local"):
            for city in args.cities:
                same &= compare(city, top / f"{city}-{args.students}-seed{args.seed}",
                                args.students, args.seed, identity)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
