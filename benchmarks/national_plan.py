"""National plan: what a 290-million-student run on Spark needs, from spark_scale.py's measurements.

    .venv/bin/python benchmarks/spark_scale.py --sizes 200000 --json /tmp/spark-200k.json
    .venv/bin/python benchmarks/spark_scale.py --sizes 2000000 --runs duckdb 'spark:local[2]' \\
        --json /tmp/spark-2m.json
    .venv/bin/python benchmarks/national_plan.py /tmp/spark-200k.json /tmp/spark-2m.json

Only the national size (``--students``) and the cluster sizes to tabulate (``--cores``) are
inputs; everything else is carried from the two measured cities (the small one with local[1] and
local[2], the large one with local[2]):

- **Work in tasks** (executor run time, from Spark's event log). The *linear* column carries the
  large city's task time and shuffle per input row to the national rows: between the two cities
  the total grew with the rows (the table shows the ratio). The *bound* column does not trust
  that beyond the large city: each step's output rows at the two cities give it an exponent
  (rows ∝ students^k), and every step above k = 1.05 (blocks keyed across the whole run, such as
  a name and a birth date) is carried quadratically, the most a join within blocks can grow.
  Exponents of small steps are noisy (and the small city is Excel, the large one CSV), so they
  only choose which steps the bound treats as quadratic.
- **Contention.** On a 2-core machine the driver (JVM and Python) shares the cores with the task
  threads: the same work takes more task time at local[2] than at local[1]. Their ratio, measured
  at the small city, turns the large city's local[2] task time into dedicated-core time.
- **The driver's serial time**, per declared stage: wall time minus task time over the task
  threads. Fitted as a fixed part plus a part per input row from the two cities, and carried to the
  national rows: what no number of executors shortens.
- **Memory and partitions**: national partitions are sized at 200 MB of shuffle each (Spark's
  guidance is 100-200 MB); a task's execution memory is the large city's largest, scaled from its
  partition size to that, and an executor core's heap gives execution Spark's 60%.

Prints Markdown tables (``benchmarks/NATIONAL.md`` quotes them).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

GB = 2**30  # binary units, as spark_scale.py prints them
MB = 2**20
LOCAL_PARTITIONS_PER_THREAD = 2  # aidmatch.spark.session: shuffle partitions on one machine
TARGET_PARTITION = 200 * MB  # shuffle bytes per partition planned for the national run


def _find(measured: list[dict[str, Any]], students: int, name: str) -> dict[str, Any] | None:
    return next((run for size in measured if size["students"] == students
                 for run in size["runs"] if run["run"] == name), None)


def _need(run: dict[str, Any] | None, what: str) -> dict[str, Any]:
    if run is None:
        raise SystemExit(f"the measurements lack {what}")
    return run


def _steps_rows(run: dict[str, Any]) -> dict[str, int]:
    rows: dict[str, int] = {}
    for step in run["steps"]:
        rows[step["name"]] = max(rows.get(step["name"], 0), step["rows"])
    return rows


def exponents(small: dict[str, Any], large: dict[str, Any], ratio: float) -> dict[str, float]:
    """Each step's k in rows ∝ students^k between the two cities (1 when a side has no rows)."""
    before, after = _steps_rows(small), _steps_rows(large)
    return {name: (math.log(rows / before[name]) / math.log(ratio)
                   if rows > 0 and before.get(name, 0) > 0 else 1.0)
            for name, rows in after.items()}


def driver_seconds(run: dict[str, Any], threads: int) -> dict[str, float]:
    """Per declared stage: wall time not covered by task time spread over ``threads``."""
    tasks = run.get("spark", {}).get("stages", {})
    return {stage["name"]: max(stage["seconds"] - tasks.get(stage["name"], {}).get("run_s", 0.0)
                               / threads, 0.0) for stage in run["stages"]}


def plan(small_file: Path, large_file: Path, students: int, cores: list[int]) -> str:
    measured = json.loads(small_file.read_text()) + json.loads(large_file.read_text())
    sizes = sorted({size["students"] for size in measured})
    small_n, large_n = sizes[0], sizes[-1]
    one = _need(_find(measured, small_n, "spark:local[1]"), f"spark:local[1] at {small_n:,}")
    two_small = _need(_find(measured, small_n, "spark:local[2]"), f"spark:local[2] at {small_n:,}")
    two = _need(_find(measured, large_n, "spark:local[2]"), f"spark:local[2] at {large_n:,}")
    duck = _find(measured, large_n, "duckdb")
    rows_small, rows_large = two_small["input_rows"], two["input_rows"]
    scale = students / large_n
    national_rows = rows_large * scale
    k = exponents(two_small, two, large_n / small_n)
    contention = two_small["spark"]["total"]["run_s"] / one["spark"]["total"]["run_s"]

    # Task work: per input row as measured (the total grew linearly between the two cities), and
    # bounded by carrying every superlinear step quadratically beyond the large city.
    linear = {key: two["spark"]["total"].get(key, 0.0) * scale
              for key in ("run_s", "shuffle_write", "spill_disk")}
    bound = dict.fromkeys(linear, 0.0)
    per_step = []
    largest_step_shuffle = 0.0
    for step, values in two["spark"]["steps"].items():
        name = step.removeprefix("aidmatch ")
        exponent = k.get(name, 1.0)
        grow = scale ** 2 if exponent > 1.05 else scale
        for key in bound:
            bound[key] += values.get(key, 0.0) * grow
        largest_step_shuffle = max(largest_step_shuffle, values.get("shuffle_write", 0.0) * grow)
        per_step.append((values.get("run_s", 0.0) * grow / contention, name, exponent, values))
    per_step.sort(reverse=True)
    core_hours_fit = linear["run_s"] / contention / 3600
    core_hours_bound = bound["run_s"] / contention / 3600
    small_per_row = two_small["spark"]["total"]["run_s"] / rows_small
    large_per_row = two["spark"]["total"]["run_s"] / rows_large

    # The driver's serial time: fixed + per row, from the two cities, per declared stage.
    small_driver, large_driver = driver_seconds(two_small, 2), driver_seconds(two, 2)
    serial: dict[str, float] = {}
    for stage, after in large_driver.items():
        before = small_driver.get(stage, 0.0)
        per_row = max((after - before) / (rows_large - rows_small), 0.0)
        fixed = max(after - per_row * rows_large, 0.0)
        serial[stage] = fixed + per_row * national_rows
    serial_hours = sum(serial.values()) / 3600

    partitions = LOCAL_PARTITIONS_PER_THREAD * 2
    rows_per_partition = rows_large / partitions
    peak_task = two["spark"]["total"].get("peak_task_memory", 0.0)
    total = two["spark"]["total"]
    # Partitions sized by shuffle (Spark's guidance: 100-200 MB each); a task's memory scales
    # with its partition from the large city's, and Spark gives execution 60% of the heap
    # (spark.memory.fraction) after 300 MB reserved.
    largest_large = max(v.get("shuffle_write", 0.0) for v in two["spark"]["steps"].values())
    largest_linear = largest_large * scale
    measured_partition = largest_large / partitions
    heap_per_core = (peak_task * TARGET_PARTITION / measured_partition) / 0.6 + 300 * MB

    out = [f"Measured on this machine (2 cores, 24 GB): {small_n:,} students "
           f"({rows_small:,} input rows) on DuckDB, Spark local[1] and local[2]; {large_n:,} "
           f"students ({rows_large:,} input rows) on DuckDB and Spark local[2]. National run: "
           f"{students:,} students, ×{scale:,.0f} the large city: {national_rows / 1e6:,.0f} "
           f"million input rows at its {rows_large / large_n:.2f} rows per student.", ""]
    out += ["| measured | value |", "|---|---|"]
    if duck is not None:
        out.append(f"| {large_n:,} students on DuckDB | {duck['seconds']:,.0f} s, whole run at "
                   f"most {duck['peak_tree_rss'] / GB:.1f} GB |")
    out.append(f"| {large_n:,} students on Spark local[2] | {two['seconds']:,.0f} s, whole run at "
               f"most {two['peak_tree_rss'] / GB:.1f} GB |")
    out.append(f"| task time at {large_n:,} (local[2]) | {total['run_s']:,.0f} s, "
               f"{1e6 * total['run_s'] / rows_large:,.0f} µs per input row |")
    out.append(f"| shuffle written at {large_n:,} | {total['shuffle_write'] / GB:,.2f} GB, "
               f"{total['shuffle_write'] / rows_large:,.0f} bytes per input row; spilled "
               f"{total['spill_disk'] / GB:,.2f} GB |")
    out.append(f"| largest task's execution memory at {large_n:,} | {peak_task / MB:,.0f} MB; "
               f"{partitions} partitions of {rows_per_partition / 1e6:,.2f} M input rows, the "
               f"largest step's {measured_partition / MB:,.0f} MB of shuffle each |")
    out.append(f"| local[1] / local[2] at {small_n:,} | {one['seconds']:,.0f} s / "
               f"{two_small['seconds']:,.0f} s wall; task time {one['spark']['total']['run_s']:,.0f}"
               f" s / {two_small['spark']['total']['run_s']:,.0f} s: contention ×{contention:.2f} |")
    out.append(f"| driver time outside tasks | {sum(small_driver.values()):,.0f} s at "
               f"{small_n:,}, {sum(large_driver.values()):,.0f} s at {large_n:,} |")
    out.append(f"| task time per input row, {small_n:,} → {large_n:,} | "
               f"{1e6 * small_per_row:,.0f} → {1e6 * large_per_row:,.0f} µs "
               f"(×{large_per_row / small_per_row:.2f}) |")
    out += ["", "| national run | linear, as measured | quadratic bound |", "|---|---|---|"]
    out.append(f"| task work (dedicated cores) | {core_hours_fit:,.0f} core-hours | "
               f"{core_hours_bound:,.0f} core-hours |")
    out.append(f"| shuffle written | {linear['shuffle_write'] / 2**40:,.2f} TB | "
               f"{bound['shuffle_write'] / 2**40:,.2f} TB |")
    out.append(f"| largest one step's shuffle | {largest_linear / 2**40:,.2f} TB | "
               f"{largest_step_shuffle / 2**40:,.2f} TB |")
    out.append(f"| shuffle partitions ({TARGET_PARTITION / MB:,.0f} MB each) | "
               f"{math.ceil(largest_linear / TARGET_PARTITION):,} | "
               f"{math.ceil(largest_step_shuffle / TARGET_PARTITION):,} |")
    out.append(f"| heap per executor core | {heap_per_core / GB:,.1f} GB | "
               f"{heap_per_core / GB:,.1f} GB |")
    out.append(f"| driver's serial time | {serial_hours:,.1f} h | {serial_hours:,.1f} h |")
    for count in cores:
        out.append(f"| wall time on {count:,} executor cores | "
                   f"{serial_hours + core_hours_fit / count:,.1f} h | "
                   f"{serial_hours + core_hours_bound / count:,.1f} h |")
    out += ["", "| declared stage | driver s at " + f"{small_n:,} | at {large_n:,} | national h |",
            "|---|---|---|---|"]
    for stage, seconds in serial.items():
        out.append(f"| {stage} | {small_driver.get(stage, 0):,.1f} | "
                   f"{large_driver.get(stage, 0):,.1f} | {seconds / 3600:,.2f} |")
    out += ["", f"| step | k | task s at {large_n:,} | shuffle MB at {large_n:,} | national "
            "core-hours (bound) |", "|---|---|---|---|---|"]
    for national_s, name, exponent, values in per_step[:12]:
        out.append(f"| `{name}` | {exponent:.2f} | {values.get('run_s', 0):,.1f} | "
                   f"{values.get('shuffle_write', 0) / MB:,.0f} | {national_s / 3600:,.0f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("small", type=Path, help="spark_scale.py JSON: local[1] and local[2]")
    parser.add_argument("large", type=Path, help="spark_scale.py JSON: the large city, local[2]")
    parser.add_argument("--students", type=int, default=290_000_000)
    parser.add_argument("--cores", type=int, nargs="+", default=[200, 500, 1000, 2000])
    args = parser.parse_args(argv)
    print(plan(args.small, args.large, args.students, args.cores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
