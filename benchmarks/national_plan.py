"""National plan: what a 290-million-student run on Spark needs, from spark_scale.py's measurements.

    .venv/bin/python benchmarks/spark_scale.py --sizes 200000 --json /tmp/spark-200k.json
    .venv/bin/python benchmarks/spark_scale.py --sizes 2000000 --runs duckdb 'spark:local[2]' \\
        --json /tmp/spark-2m.json
    .venv/bin/python benchmarks/national_plan.py /tmp/spark-200k.json /tmp/spark-2m.json

Nothing here is guessed except the inputs named on the command line (students, the executor
shape, the target hours); everything else comes from the two measurements:

- **Growth.** Every step's output rows at the small and the large city give it an exponent
  (rows ∝ students^k). Its executor time and shuffle at the large city are carried to the national
  size along that exponent. Steps keyed by county or by one person grow linearly (k ≈ 1); blocks
  keyed across the whole run (a name and a birth date, say) grow faster. A fitted exponent between
  two sizes can understate a join that tends to quadratic, so a second column carries every step
  whose exponent is above 1.05 at k = 2 beyond the large city: the bound to plan for.
- **Executors.** local[1] against local[2] at the small city gives how much of a second core the
  work uses (the efficiency applied to every core of the cluster: optimistic for a network shuffle,
  said as such).
- **Memory.** The largest execution memory one task used at the large city, for the partition size
  it had; national partitions are chosen to hold the same number of rows, so a task needs the same.
- **Driver.** Wall time not spent in tasks (planning ~130 statements, registering each step's
  files, the serial steps) is carried over as measured, per step, and reading and writing the
  results as they grow.

Prints the plan as Markdown tables (``benchmarks/NATIONAL.md`` quotes them).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

GB = 1000**3
MB = 1000**2


def _run(measured: list[dict[str, Any]], name: str) -> tuple[int, dict[str, Any]] | None:
    for size in measured:
        for run in size["runs"]:
            if run["run"] == name:
                return size["students"], run
    return None


def _steps_rows(run: dict[str, Any]) -> dict[str, int]:
    """A step's rows (the largest, if a step name is used twice)."""
    rows: dict[str, int] = {}
    for step in run["steps"]:
        rows[step["name"]] = max(rows.get(step["name"], 0), step["rows"])
    return rows


def growth(small: dict[str, Any], small_n: int, large: dict[str, Any], large_n: int
           ) -> dict[str, float]:
    """Each step's exponent k: rows ∝ students^k between the two cities."""
    small_rows, large_rows = _steps_rows(small), _steps_rows(large)
    exponents = {}
    for name, rows in large_rows.items():
        before = small_rows.get(name, 0)
        if rows > 0 and before > 0:
            exponents[name] = math.log(rows / before) / math.log(large_n / small_n)
        else:
            exponents[name] = 1.0
    return exponents


def plan(small_file: Path, large_file: Path, students: int, cores_per_executor: int,
         executor_memory_gb: float, hours: float) -> str:
    measured = json.loads(small_file.read_text()) + json.loads(large_file.read_text())
    one, two = _run(measured, "spark:local[1]"), _run(measured, "spark:local[2]")
    assert one is not None and two is not None, "needs spark:local[1] and spark:local[2]"
    small_n = min(size["students"] for size in measured)
    large_n = max(size["students"] for size in measured)
    large_run = next(run for size in measured if size["students"] == large_n
                     for run in size["runs"] if run["run"] == "spark:local[2]")
    small_run = next(run for size in measured if size["students"] == small_n
                     for run in size["runs"] if run["run"] == "spark:local[2]")
    duck = next((run for size in measured if size["students"] == large_n
                 for run in size["runs"] if run["run"] == "duckdb"), None)
    scale = students / large_n
    exponents = growth(small_run, small_n, large_run, large_n)
    metrics = large_run["spark"]

    # Executor work per step, carried to the national size along its exponent.
    fitted = {"run_s": 0.0, "shuffle_write": 0.0, "spill_disk": 0.0}
    bound = dict(fitted)
    step_lines = []
    for step, values in metrics["steps"].items():
        name = step.removeprefix("aidmatch ")
        k = exponents.get(name, 1.0)
        factor_fit = scale ** k
        factor_bound = scale ** 2 if k > 1.05 else factor_fit
        for key in fitted:
            fitted[key] += values.get(key, 0.0) * factor_fit
            bound[key] += values.get(key, 0.0) * factor_bound
        step_lines.append((values.get("run_s", 0.0) * factor_bound, name, k, values))
    step_lines.sort(reverse=True)

    # How much of a second core the Spark run used, at the small city.
    seconds_one, seconds_two = one[1]["seconds"], two[1]["seconds"]
    efficiency = seconds_one / (2 * seconds_two)
    tasks_wall = metrics["total"]["run_s"] / 2  # two task threads
    driver_s = max(large_run["seconds"] - tasks_wall, 0.0)
    peak_task = metrics["total"].get("peak_task_memory", 0.0)
    partitions = 4  # spark_session: 2 per local core
    rows_per_partition = large_run["input_rows"] / partitions
    national_rows = large_run["input_rows"] * scale
    national_partitions = math.ceil(national_rows / rows_per_partition)

    def cores_for(work_s: float) -> int:
        return math.ceil(work_s / (hours * 3600 * efficiency))

    out = []
    out.append(f"Measured: {small_n:,} and {large_n:,} students on Spark local[2] (and local[1] at "
               f"{one[0]:,}); national run: {students:,} students, ×{scale:,.0f} the large city, "
               f"{national_rows / 1e6:,.0f} million input rows at the large city's "
               f"{large_run['input_rows'] / large_n:.2f} rows per student.\n")
    out.append("| measured | value |\n|---|---|")
    if duck is not None:
        out.append(f"| {large_n:,} students, DuckDB, wall | {duck['seconds']:,.0f} s, peak "
                   f"{duck['peak_tree_rss'] / GB:.1f} GB |")
    out.append(f"| {large_n:,} students, Spark local[2], wall | {large_run['seconds']:,.0f} s, "
               f"peak {large_run['peak_tree_rss'] / GB:.1f} GB |")
    out.append(f"| executor task time at {large_n:,} | {metrics['total']['run_s']:,.0f} s "
               f"({1e6 * metrics['total']['run_s'] / large_run['input_rows']:.0f} µs per input "
               f"row) |")
    out.append(f"| driver time not in tasks at {large_n:,} | {driver_s:,.0f} s |")
    out.append(f"| shuffle written at {large_n:,} | {metrics['total']['shuffle_write'] / GB:.2f} GB"
               f" ({metrics['total']['shuffle_write'] / large_run['input_rows']:.0f} bytes per "
               f"input row) |")
    out.append(f"| largest task execution memory at {large_n:,} | {peak_task / MB:,.0f} MB "
               f"({rows_per_partition / 1e6:.1f} M input rows per partition) |")
    out.append(f"| local[1] / local[2] at {one[0]:,} | {seconds_one:,.0f} s / {seconds_two:,.0f} s"
               f": a second core gives {seconds_one / seconds_two:.2f}×, efficiency "
               f"{efficiency:.0%} |")
    out.append("")
    out.append("| national run | fitted growth | quadratic bound |\n|---|---|---|")
    out.append(f"| executor task time | {fitted['run_s'] / 3600:,.0f} core-hours | "
               f"{bound['run_s'] / 3600:,.0f} core-hours |")
    out.append(f"| shuffle written | {fitted['shuffle_write'] / 1e12:,.1f} TB | "
               f"{bound['shuffle_write'] / 1e12:,.1f} TB |")
    out.append(f"| spilled to disk | {fitted['spill_disk'] / 1e12:,.1f} TB | "
               f"{bound['spill_disk'] / 1e12:,.1f} TB |")
    for label, work in (("fitted", fitted["run_s"]), ("bound", bound["run_s"])):
        cores = cores_for(work)
        executors = math.ceil(cores / cores_per_executor)
        out.append(f"| cores for {hours:g} h ({label}) | {cores:,} cores = {executors:,} executors "
                   f"of {cores_per_executor} cores, {executors * executor_memory_gb:,.0f} GB | |")
    out.append(f"| shuffle partitions | {national_partitions:,} (the large city's "
               f"{rows_per_partition / 1e6:.1f} M input rows each) | |")
    out.append(f"| memory per task | {peak_task / MB:,.0f} MB measured; "
               f"{executor_memory_gb / cores_per_executor:.1f} GB per core planned | |")
    out.append("")
    out.append("| step | k (rows ∝ students^k) | task s at "
               f"{large_n:,} | shuffle MB at {large_n:,} | national task hours (bound) |")
    out.append("|---|---|---|---|---|")
    for national_s, name, k, values in step_lines[:12]:
        out.append(f"| `{name}` | {k:.2f} | {values.get('run_s', 0):,.1f} | "
                   f"{values.get('shuffle_write', 0) / MB:,.0f} | {national_s / 3600:,.0f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("small", type=Path, help="spark_scale.py JSON with local[1] and local[2]")
    parser.add_argument("large", type=Path, help="spark_scale.py JSON with the large city")
    parser.add_argument("--students", type=int, default=290_000_000)
    parser.add_argument("--cores-per-executor", type=int, default=4)
    parser.add_argument("--executor-memory-gb", type=float, default=16)
    parser.add_argument("--hours", type=float, default=8, help="the run's target wall time")
    args = parser.parse_args(argv)
    print(plan(args.small, args.large, args.students, args.cores_per_executor,
               args.executor_memory_gb, args.hours))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
