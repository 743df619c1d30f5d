"""How fast 三联单 print: a synthetic city reconciled into a database, then `print_slips` on one core.

    .venv/bin/python benchmarks/slips.py --slips 10000

Generates a city large enough to have at least ``--slips`` paid students (CSV exports), reconciles
it into a DuckDB file, then pins this process to one CPU core and prints the semester's slips
twice: the first print of a new database numbers every slip, the second reuses the numbers. Prints the slip
count, pages, wall and CPU seconds and slips per second of each print (CPU seconds tell what the
core did when other work shares the machine) (not a timed test: the target is 10,000
slips in under 30 seconds on one core).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from aidmatch.slips import print_slips
from aidmatch.synth import generate_city

# Share of generated students with a payment this semester (about 0.27 on the realistic profile).
PAID_SHARE = 0.25


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slips", type=int, default=10_000, help="at least this many slips")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None,
                        help="keep the generated city and database here (default: a temp folder)")
    args = parser.parse_args(argv)
    semester = Semester.parse("2025-spring")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        data, db = work / "city", work / "aidmatch.duckdb"
        if not db.exists():
            started = time.perf_counter()
            students = int(args.slips / PAID_SHARE)
            generate_city(data, students=students, seed=args.seed, semester=semester, excel=False)
            reconcile(data / "exports", semester, work / "out", db_path=db)
            print(f"prepared {students} students in {time.perf_counter() - started:.1f} s")
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
            print(f"pinned to CPU {sorted(os.sched_getaffinity(0))}")
        for label in ("first print", "second print"):
            out = work / "slips.pdf"
            started, cpu = time.perf_counter(), time.process_time()
            result = print_slips(db, semester, out)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"{label}: {result.slips} slips ({result.new_serials} newly numbered), "
                  f"{result.schools} schools, {result.pages} pages, "
                  f"{out.stat().st_size / 1e6:.1f} MB, {seconds:.1f} s wall ({cpu:.1f} s CPU), "
                  f"{result.slips / seconds:.0f} slips/s, font {result.font.family}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
