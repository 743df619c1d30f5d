"""Spark scale: the same city on DuckDB and on Spark (local[1], local[2]), side by side.

    .venv/bin/python benchmarks/spark_scale.py --sizes 200000
    .venv/bin/python benchmarks/spark_scale.py --sizes 2000000 --runs duckdb 'spark:local[2]'
    .venv/bin/python benchmarks/spark_scale.py --sizes 200000 --json /tmp/spark-200k.json

Cities are ``benchmarks/scale.py``'s (generated on first use, cached under ``--data``). Each run
is ``aidmatch.reconcile`` in a fresh process; this process watches that process and everything it
starts (Spark's JVM and its Python workers) through ``/proc`` every 0.2 s, and reports:

- whether every result file is the same as the first run's (``output_identity``'s fingerprints);
- wall seconds, and per declared stage (load, link, fuzzy, decide, findings) its seconds and
  microseconds per input row;
- CPU seconds of the whole process tree (the largest total seen of each process; the file-reading
  and Spark Python workers are long-lived, so little escapes the sampling);
- peak memory: the largest sum of resident memory over the tree at one moment;
- for Spark, from its event log (``spark.eventLog.enabled``; every task's metrics): executor run
  and CPU time, shuffle written and read, spill, and per declared stage; the steps that shuffle
  most (jobs carry the step's name as their description).

Linux only (``/proc``). The numbers feed ``benchmarks/NATIONAL.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # benchmarks/scale.py: the cached cities

SEMESTER = "2025-spring"
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# --- the run, in its own process --------------------------------------------------------------

def _child(exports: Path, engine: str, master: str | None) -> dict[str, Any]:
    from aidmatch.pipeline import reconcile
    from aidmatch.semester import Semester

    with tempfile.TemporaryDirectory(prefix="aidmatch-spark-scale-") as tmp:
        began = time.time()
        started = time.perf_counter()
        result = reconcile(exports, Semester.parse(SEMESTER), Path(tmp) / "out",
                           db_path=Path(tmp) / "run.duckdb", engine=engine, spark_master=master)
        seconds = time.perf_counter() - started
        files = _identity().fingerprint_folder(Path(tmp) / "out")
    return {"seconds": seconds, "began": began, "gaps": result.gaps, "files": files,
            "input_rows": sum(s.data_rows for s in result.summary.sheets),
            "stages": [{"name": s.name, "seconds": s.seconds, "rows": s.rows}
                       for s in result.stages],
            "steps": [{"name": s.name, "rows": s.rows, "seconds": s.seconds}
                      for s in result.steps]}


def _identity() -> Any:
    import output_identity  # benchmarks/output_identity.py: every result file's fingerprint

    return output_identity


# --- watching the process tree ----------------------------------------------------------------

def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree[parent].append(int(entry))
    return tree


def _descendants(root: int) -> list[int]:
    tree, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, []))
    return found


def _sample(pid: int) -> tuple[int, float] | None:
    """(resident bytes, CPU seconds) of one process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            resident = int(statm.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return None
    return resident, (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def watched(command: list[str], env: dict[str, str]) -> tuple[str, int, float]:
    """Run ``command``; its stdout, the tree's peak resident bytes and its CPU seconds."""
    peak, cpu = 0, dict[int, float]()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, env=env)
        while process.poll() is None:
            resident = 0
            for pid in _descendants(process.pid):
                sample = _sample(pid)
                if sample is not None:
                    resident += sample[0]
                    cpu[pid] = max(cpu.get(pid, 0.0), sample[1])
            peak = max(peak, resident)
            time.sleep(0.2)
        if process.returncode != 0:
            raise SystemExit(f"the run failed ({process.returncode}): {' '.join(command)}")
        out.seek(0)
        return out.read().decode(), peak, sum(cpu.values())


# --- Spark's event log ------------------------------------------------------------------------

def spark_metrics(log_dir: Path, stage_windows: list[tuple[str, float, float]]
                  ) -> dict[str, Any]:
    """Task metrics from the event log, in total, per declared stage (by the time each Spark job
    was submitted) and per step (each job's description is its step's name)."""
    jobs: dict[int, tuple[str, float]] = {}  # Spark job → (step, submitted, epoch s)
    stage_job: dict[int, int] = {}
    tasks: list[tuple[int, dict[str, Any]]] = []
    for path in sorted(p for p in log_dir.rglob("*") if p.is_file() and "events" in p.name):
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                event = json.loads(line)
                kind = event.get("Event")
                if kind == "SparkListenerJobStart":
                    step = (event.get("Properties") or {}).get("spark.job.description") or "?"
                    jobs[event["Job ID"]] = (step, event["Submission Time"] / 1000)
                    for stage_id in event.get("Stage IDs", []):
                        stage_job[stage_id] = event["Job ID"]
                elif kind == "SparkListenerTaskEnd" and event.get("Task Metrics"):
                    tasks.append((event["Stage ID"], event["Task Metrics"]))

    def empty() -> defaultdict[str, float]:
        return defaultdict(float)

    total = empty()
    by_stage: defaultdict[str, defaultdict[str, float]] = defaultdict(empty)
    by_step: defaultdict[str, defaultdict[str, float]] = defaultdict(empty)
    for stage_id, m in tasks:
        step, submitted = jobs.get(stage_job.get(stage_id, -1), ("?", 0.0))
        stage = next((name for name, start, end in stage_windows if start <= submitted < end),
                     stage_windows[-1][0] if stage_windows else "?")
        read = m.get("Shuffle Read Metrics", {})
        values = {
            "tasks": 1,
            "run_s": m.get("Executor Run Time", 0) / 1000,
            "cpu_s": m.get("Executor CPU Time", 0) / 1e9,
            "shuffle_write": m.get("Shuffle Write Metrics", {}).get("Shuffle Bytes Written", 0),
            "shuffle_read": read.get("Remote Bytes Read", 0) + read.get("Local Bytes Read", 0),
            "spill_disk": m.get("Disk Bytes Spilled", 0),
            "input": m.get("Input Metrics", {}).get("Bytes Read", 0),
            "output": m.get("Output Metrics", {}).get("Bytes Written", 0),
        }
        for bucket in (total, by_stage[stage], by_step[step]):
            for key, value in values.items():
                bucket[key] += value
            bucket["peak_task_memory"] = max(bucket["peak_task_memory"],
                                             m.get("Peak Execution Memory", 0))
    top = sorted(by_step.items(), key=lambda kv: -kv[1]["shuffle_write"])[:8]
    return {"jobs": len(jobs), "total": dict(total),
            "stages": {k: dict(v) for k, v in by_stage.items()},
            "top_shuffle_steps": [{"step": k, **v} for k, v in top],
            "steps": {k: dict(v) for k, v in by_step.items()}}


# --- one run, and the report ------------------------------------------------------------------

def measure(exports: Path, run: str) -> dict[str, Any]:
    engine = _engine(run)[0]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="aidmatch-spark-events-") as events:
        command = [sys.executable, __file__, "--child", str(exports), run]
        if engine == "spark":
            env["PYSPARK_SUBMIT_ARGS"] = (f"--conf spark.eventLog.enabled=true "
                                          f"--conf spark.eventLog.dir=file://{events} "
                                          "--conf spark.eventLog.compress=false "
                                          "pyspark-shell")
        stdout, peak, cpu = watched(command, env)
        out: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
        out |= {"run": run, "peak_tree_rss": peak, "tree_cpu": cpu,
                "load_average": os.getloadavg()[0]}
        if engine == "spark":
            windows, start = [], out["began"]
            for stage in out["stages"]:
                windows.append((stage["name"], start, start + stage["seconds"]))
                start += stage["seconds"]
            windows[-1] = (windows[-1][0], windows[-1][1], float("inf"))
            out["spark"] = spark_metrics(Path(events), windows)
    return out


def _mb(size: float) -> str:
    return f"{size / 2**20:,.0f} MB"


def report(students: int, runs: list[dict[str, Any]]) -> str:
    rows = runs[0]["input_rows"]
    lines = [f"== {students:,} students · {rows:,} input rows",
             f"{'':<16}" + "".join(f"{r['run']:>18}" for r in runs)]

    def line(label: str, cells: list[str]) -> None:
        lines.append(f"{label:<16}" + "".join(f"{c:>18}" for c in cells))

    line("wall s", [f"{r['seconds']:.1f}" for r in runs])
    line("µs / input row", [f"{1e6 * r['seconds'] / rows:.1f}" for r in runs])
    line("tree CPU s", [f"{r['tree_cpu']:.1f}" for r in runs])
    line("peak memory", [_mb(r["peak_tree_rss"]) for r in runs])
    line("gaps", [f"{r['gaps']:,}" for r in runs])
    timed = _identity().TIMED
    line("same files", [str(sum(1 for name, print_ in r["files"].items()
                                if runs[0]["files"].get(name) == print_ or name.endswith(timed)))
                        + f" of {len(runs[0]['files'])}" for r in runs])
    for index, stage in enumerate(runs[0]["stages"]):
        line(f"  {stage['name']} s", [f"{r['stages'][index]['seconds']:.1f}" for r in runs])
    for key, label in (("run_s", "executor run s"), ("cpu_s", "executor CPU s"),
                       ("shuffle_write", "shuffle written"), ("shuffle_read", "shuffle read"),
                       ("spill_disk", "spilled to disk"), ("tasks", "tasks")):
        cells = []
        for r in runs:
            value = r.get("spark", {}).get("total", {}).get(key)
            cells.append("" if value is None else _mb(value) if "shuffle" in key or "spill" in key
                         else f"{value:,.0f}")
        line(label, cells)
    for r in runs:
        if "spark" in r:
            lines.append(f"{r['run']}: shuffle written per declared stage: " + ", ".join(
                f"{name} {_mb(v['shuffle_write'])}" for name, v in r["spark"]["stages"].items()))
            lines.append(f"{r['run']}: steps that shuffle most: " + ", ".join(
                f"{s['step']} {_mb(s['shuffle_write'])}" for s in r["spark"]["top_shuffle_steps"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        print(json.dumps(_child(Path(argv[1]), *_engine(argv[2]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000])
    parser.add_argument("--runs", nargs="+", default=["duckdb", "spark:local[1]", "spark:local[2]"],
                        help="duckdb, or spark:MASTER")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", default="realistic")
    parser.add_argument("--data", type=Path, default=Path.home() / ".cache" / "aidmatch-scale")
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    args = parser.parse_args(argv)
    found = []
    for students in args.sizes:
        exports = scale.dataset(args.data, students, args.seed, args.profile)
        runs = []
        for run in args.runs:
            print(f"{students:,} students on {run} …", file=sys.stderr, flush=True)
            runs.append(measure(exports, run))
        print(report(students, runs), flush=True)
        found.append({"students": students, "runs": runs})
        if args.json:
            args.json.write_text(json.dumps(found, indent=1, ensure_ascii=False),
                                 encoding="utf-8")
    return 0


def _engine(run: str) -> tuple[str, str | None]:
    engine, _, master = run.partition(":")
    return engine, master or None


if __name__ == "__main__":
    sys.exit(main())
