"""A pipeline as a list of declared stages, run by one runner.

Each :class:`Stage` is data: its name, the label a user reads, the tables it reads and the tables
it creates, the tables that are final once it has run (handed to the database while later stages
work), and the function that does its work over :class:`~aidmatch.steps.Steps`. The
:class:`Runner` runs a list of them: it times each (:class:`StageTime`), reports progress by the
stage's label, counts its steps, and checks its declarations.

The check compares DuckDB's catalog before and after each stage (``duckdb_tables()`` and
``duckdb_views()``, by OID, so a table replaced by ``CREATE OR REPLACE`` counts as created; the
Spark engine's steps are views over Parquet files): that sees every table a
stage makes, whether through a named step or a bare statement, at the cost of one catalog query.
Every run checks that each declared table exists afterwards. Strictly (``AIDMATCH_CHECK_PLAN=1``,
which the tests set) it also checks that nothing undeclared was created and that a stage's steps
read only tables it declares (or made itself): what a step reads comes from DuckDB's own parser
(``json_serialize_sql``), the base tables its statement names that exist in the catalog (CTE names
and registered Arrow views are not tables there, so they drop out).
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import duckdb

from aidmatch.measure import cpu_seconds, peak_rss
from aidmatch.steps import StepRecord, Steps

log = logging.getLogger(__name__)

CHECK_PLAN_ENV = "AIDMATCH_CHECK_PLAN"

# Progress of a run, for a progress bar or log lines: (label, detail, done, total). ``label`` is
# what the user reads (读取文件, 与学籍比对 …); ``total`` is None while the amount is unknown.
Progress = Callable[[str, str, int, int | None], None]

Context = TypeVar("Context")


class PlanError(RuntimeError):
    """A stage did not do what it declared: a bug in aidmatch, not in the user's input."""


@dataclass(frozen=True)
class Stage(Generic[Context]):
    name: str  # the code's name, in StageTime and logs
    label: str  # what the user reads
    reads: tuple[str, ...]
    creates: tuple[str, ...]
    work: Callable[[Steps, Context], None]
    counts: str | None = None  # the table whose rows are the stage's row count
    final: tuple[str, ...] = ()  # tables no later stage changes, once this one has run

    def makes(self, table: str) -> bool:
        """Whether ``table`` is one this stage declares it creates (``blocking_*`` patterns)."""
        return any(fnmatch.fnmatchcase(table, pattern) for pattern in self.creates)


@dataclass
class StageTime:
    name: str
    seconds: float
    rows: int = 0
    peak_rss: int = 0  # bytes, the process's peak up to the end of this stage
    cpu_seconds: float = 0.0  # CPU time in this stage: all threads, file-reading workers too
    worker_peak_rss: int = 0  # bytes, the largest file-reading worker's peak (load only)
    worker_cpu_seconds: float = 0.0  # of cpu_seconds, what file-reading workers reported
    workers: int = 0  # file-reading worker processes (load only)


def strict_check() -> bool:
    return os.environ.get(CHECK_PLAN_ENV, "") not in ("", "0")


def plan_problems(stages: Sequence[Stage[Any]], given: Iterable[str] = ()) -> list[str]:
    """What is wrong with a plan before it runs: a stage reading a table no earlier stage
    creates (``given`` tables exist before the first stage), or two stages creating one table."""
    problems: list[str] = []
    made: dict[str, str] = {t: "" for t in given}
    for stage in stages:
        problems += [f"阶段 {stage.name} 读取的表 {t} 没有由前面的阶段生成"
                     for t in stage.reads if t not in made]
        problems += [f"阶段 {stage.name} 重新生成了阶段 {made[t] or '输入'} 的表 {t}"
                     for t in stage.creates if t in made]
        problems += [f"阶段 {stage.name} 声明的最终表 {t} 不是已生成的表"
                     for t in stage.final if t not in made and t not in stage.creates]
        made.update({t: stage.name for t in stage.creates})
    return problems


class Clock:
    """Stage times: each :meth:`lap` closes the stage that began at the previous one."""

    def __init__(self) -> None:
        self.times: list[StageTime] = []
        self._wall, self._cpu = time.perf_counter(), cpu_seconds()

    def lap(self, name: str, rows: int = 0, worker_cpu: float = 0.0,
            worker_rss: int = 0, workers: int = 0) -> StageTime:
        now, cpu_now = time.perf_counter(), cpu_seconds()
        cpu = cpu_now - self._cpu + worker_cpu
        lap = StageTime(name, now - self._wall, rows, peak_rss(), cpu, worker_rss, worker_cpu,
                        workers)
        self.times.append(lap)
        log.info("阶段 %s：%.2f 秒（CPU %.2f 秒），%d 行，内存峰值 %.0f MB%s", name, lap.seconds,
                 cpu, rows, lap.peak_rss / 2**20,
                 f"（读取进程 {worker_rss / 2**20:.0f} MB）" if worker_rss else "")
        self._wall, self._cpu = now, cpu_now
        return lap


@dataclass
class Runner:
    """Runs declared stages over one :class:`Steps`; ``clock`` holds every stage's time."""

    steps: Steps
    progress: Progress
    clock: Clock = field(default_factory=Clock)
    strict: bool = field(default_factory=strict_check)
    label: str = ""  # the stage now running, as the user reads it (for error messages)
    _steps_in_stage: int = 0
    _reads: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.steps.on_step = self._step_done
        if self.strict:
            self.steps.on_sql = self._step_sql

    def begin(self, label: str) -> None:
        """A stage (declared or not) begins: progress restarts its step count."""
        self.label, self._steps_in_stage = label, 0
        self.progress(label, "", 0, None)

    def run(self, stages: Sequence[Stage[Context]], context: Context,
            after: Callable[[Stage[Context]], None] | None = None) -> Iterator[Stage[Context]]:
        """Run ``stages`` in order, yielding each once it has run and been checked (so a caller
        can hand its final tables on while the next one works)."""
        if self.strict and (problems := plan_problems(stages)):
            raise PlanError("处理计划有误（程序错误）：" + "；".join(problems))
        for stage in stages:
            self.begin(stage.label)
            before = self._catalog()
            self._reads = set()
            stage.work(self.steps, context)
            self._check(stage, before)
            self.clock.lap(stage.name, self.steps.count(stage.counts) if stage.counts else 0)
            yield stage

    def _step_done(self, record: StepRecord) -> None:
        self._steps_in_stage += 1
        self.progress(self.label, f"第 {self._steps_in_stage} 步", self._steps_in_stage, None)

    def _step_sql(self, sql: str) -> None:
        self._reads |= tables_read(self.steps.con, sql)

    def _catalog(self) -> dict[str, int]:
        # Tables, and views: the Spark engine's steps are views over its Parquet files.
        return dict(self.steps.con.execute(
            "SELECT table_name, table_oid FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name = 'main' "
            "UNION ALL SELECT view_name, view_oid FROM duckdb_views() "
            "WHERE NOT internal AND database_name = current_database() "
            "AND schema_name = 'main'").fetchall())

    def _check(self, stage: Stage[Any], before: dict[str, int]) -> None:
        after = self._catalog()
        created = {t for t, oid in after.items() if before.get(t) != oid}
        problems = [f"阶段 {stage.name} 没有生成声明的表 {t}" for t in stage.creates
                    if not any(fnmatch.fnmatchcase(name, t) for name in after)]
        if self.strict:
            problems += [f"阶段 {stage.name} 生成了未声明的表 {t}" for t in sorted(created)
                         if not stage.makes(t)]
            allowed = set(stage.reads) | {t for t in after if stage.makes(t)}
            problems += [f"阶段 {stage.name} 读取了未声明的表 {t}"
                         for t in sorted((self._reads & set(before)) - allowed)]
        if problems:
            raise PlanError("处理阶段与声明不符（程序错误）：" + "；".join(problems))


def tables_read(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    """The base tables a SELECT names, by DuckDB's parser (CTE names included: the caller
    keeps only names in the catalog)."""
    rows = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()  # all: the con is free
    tree = json.loads(rows[0][0]) if rows else {}
    if tree.get("error"):
        raise PlanError(f"无法解析处理步骤的 SQL（{tree.get('error_message')}）")
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE" and node.get("table_name"):
                found.add(str(node["table_name"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return found
