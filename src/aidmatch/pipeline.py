"""One semester's reconciliation: load → normalise → link → decide → account → outputs → store.

This is the one entry point the CLI calls. It raises :class:`~aidmatch.errors.AidmatchError`
for anything the user can fix; outputs and the database are written only when the whole run
succeeded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from aidmatch.config import Rules, load_rules
from aidmatch.errors import AidmatchError, InputError, UsageError
from aidmatch.findings import FINDINGS
from aidmatch.machine import SPILL_PREFIX, Undo, check_database, check_writable, machine_error, owned_folder
from aidmatch.outputs import lists
from aidmatch.outputs.files import staged_output
from aidmatch.outputs.summary import (
    Summary,
    blank_status_notes,
    blocking_pair_counts,
    county_lines,
    county_placement_notes,
    link_method_counts,
    pending_payment_notes,
)
from aidmatch.runner import Clock, Progress, Runner, Stage, StageTime
from aidmatch.semester import Semester
from aidmatch.sources import LoadResult, load_inputs
from aidmatch.sources.extracts import read_extracts, write_extract
from aidmatch.stages import STAGE_LABELS, Work, plan, stage_inputs
from aidmatch.steps import StepRecord, Steps, scalar
from aidmatch.store import RunInfo, RunStore, aidmatch_version, list_runs, storing

# Re-exported: callers (the CLI, benchmarks, tests) have always found these here.
__all__ = ["STAGE_LABELS", "Prepare", "Progress", "Resources", "RunResult", "StageTime",
           "connect_work", "load", "reconcile", "stage_inputs"]

log = logging.getLogger(__name__)

# A function given the loaded records and registry family rows, returning the ones to stage.
Prepare = Callable[[pa.Table, pa.Table], tuple[pa.Table, pa.Table]]

@dataclass
class RunResult:
    summary: Summary
    out_dir: Path
    db_path: Path | None
    run_id: int | None
    gaps: int
    stages: list[StageTime] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    # The result lists as Arrow tables (the rows the list writers wrote), when asked for them.
    tables: dict[str, pa.Table] = field(default_factory=dict)


@dataclass(frozen=True)
class Resources:
    """How much of the machine a run may use. ``memory_limit`` (DuckDB syntax, ``4GB``) caps the
    working database, which spills what does not fit to a private folder under ``temp_dir``
    (default: the system's temporary folder); ``threads`` caps the processes reading files and
    DuckDB's threads (default: one per core)."""

    memory_limit: str | None = None
    temp_dir: Path | None = None
    threads: int | None = None


# The working database's share of the machine's memory when no --memory-limit is given: DuckDB
# spills what does not fit, while the file-reading processes and the Arrow tables they hand over
# need the rest (DuckDB's own default, 80%, took 22 GB of 24 at 2M students; a 2 GB limit
# finished the same run in about the same time).
DEFAULT_MEMORY_SHARE = 0.25
MIN_DEFAULT_MEMORY_MB = 1024
_UNITS = {"B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
          "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "TIB": 1024**4}


def default_memory_limit(con: duckdb.DuckDBPyConnection) -> str:
    """A quarter of the machine's memory (at least 1 GB), from DuckDB's own default (80% of
    it, as DuckDB reports it on every platform).

    >>> import duckdb
    >>> limit = default_memory_limit(duckdb.connect())
    >>> limit.endswith("MB") and int(limit[:-2]) >= 1024
    True
    """
    con.execute("RESET memory_limit")
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    number, unit = str(row[0] if row else "0 B").split()
    machine = float(number) * _UNITS.get(unit.upper(), 1) / 0.8
    return f"{max(MIN_DEFAULT_MEMORY_MB, int(machine * DEFAULT_MEMORY_SHARE / 2**20))}MB"


def connect_work(temp_dir: Path | None = None, memory_limit: str | None = None,
                 threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """The in-memory working database; large stages spill to ``temp_dir``."""
    con = duckdb.connect(":memory:")
    con.execute("SET preserve_insertion_order = false")
    if temp_dir is not None:
        temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute("SET temp_directory = ?", [str(temp_dir)])
    try:
        con.execute("SET memory_limit = ?", [memory_limit or default_memory_limit(con)])
        if threads:
            con.execute(f"SET threads = {int(threads)}")
    except duckdb.Error as exc:
        con.close()
        raise UsageError(f"内存上限或线程数无效（{exc}）",
                         hint="内存上限写成 4GB、500MB 这样的形式，线程数为正整数。") from None
    return con


def reconcile(
    input_dir: Path,
    semester: Semester,
    out_dir: Path,
    db_path: Path | None = Path("aidmatch.duckdb"),
    rules: Rules | None = None,
    rules_dir: Path | None = None,
    overrides: Mapping[str, str] | None = None,
    masked: bool = False,
    keep_intermediate: bool = False,
    progress: Progress | None = None,
    keep_going: bool = False,
    resources: Resources | None = None,
    tables: bool = False,
    stages: Sequence[Stage[Work]] | None = None,
    prepare: Prepare | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> RunResult:
    """Reconcile one semester's exports in ``input_dir``; write results to ``out_dir``.

    ``input_dir`` may instead hold an extract (:func:`load`) or a folder of extracts, one per
    province, reconciled together (:mod:`aidmatch.sources.extracts`).

    A bad input file stops the run (every problem file is reported at once). With
    ``keep_going`` the good files are reconciled and every output is marked incomplete: the
    files are named ``不完整-…``, gaps.xlsx opens on a warning sheet and the summary names what
    was skipped.

    ``progress`` hears of every file read and every step of the later stages. With ``tables``
    the result lists come back as Arrow tables too (:attr:`RunResult.tables`, for
    :mod:`aidmatch.api`). Two hooks let a caller run a variant of the engine (benchmarks do:
    :mod:`aidmatch.bench.linkers`): ``stages`` replaces the declared stages of
    :func:`aidmatch.stages.plan`, and ``prepare`` is applied to the loaded records and family
    rows before they are staged.

    ``engine`` runs the declared stages on DuckDB (the default) or on Apache Spark
    (``"spark"``: :class:`aidmatch.spark.steps.SparkSteps`, locally or on the cluster
    ``spark_master`` names); reading the files, the outputs and the store are the same either way.
    """
    resources = resources or Resources()
    _check_engine(engine, spark_master)
    # What the machine must allow is checked before minutes of reading, not after.
    check_writable(out_dir, "输出文件夹")
    if db_path is not None:
        check_database(db_path)
    if resources.temp_dir is not None:
        check_writable(resources.temp_dir, "临时文件夹")
    undo = Undo(out_dir, *(() if db_path is None else (db_path.parent,)),
                files=() if db_path is None else (db_path,))
    stage_now: list[str | None] = [None]

    def tracked(stage: str, detail: str, done: int, total: int | None) -> None:
        stage_now[0] = stage
        if progress is not None:
            progress(stage, detail, done, total)

    try:
        return _reconcile(input_dir, semester, out_dir, db_path, rules, rules_dir, overrides,
                          masked, keep_intermediate, tracked, keep_going, resources, tables,
                          list(stages or plan()), prepare, Engine(engine, spark_master))
    except BaseException as exc:
        # A failed run leaves no new empty database or output folder behind; what existed stays.
        undo()
        found = machine_error(exc, memory_limit=resources.memory_limit, stage=stage_now[0])
        if found is None or found is exc:
            raise
        raise found from exc


def load(input_dir: Path, semester: Semester, out_dir: Path, rules: Rules | None = None,
         rules_dir: Path | None = None, overrides: Mapping[str, str] | None = None,
         keep_going: bool = False, threads: int | None = None,
         progress: Progress | None = None) -> LoadResult:
    """Read the exports in ``input_dir`` as :func:`reconcile` does and write the load as an
    extract in ``out_dir`` (:func:`aidmatch.sources.extracts.write_extract`), for reconciling
    later, alone or with other extracts. A folder without a registry, payments or rosters is
    fine here (half a city, one department's files); the reconciliation checks the whole."""
    check_writable(out_dir.resolve().parent, "输出文件夹")
    rules = rules or load_rules(rules_dir)
    if not input_dir.is_dir():
        raise InputError("输入目录不存在", file=str(input_dir),
                         hint="--input 应指向存放各部门导出文件的文件夹。")
    if out_dir.resolve().is_relative_to(input_dir.resolve()):
        raise UsageError("--out 不能在输入目录之内（提取结果会被当作导出文件读入）",
                         file=str(out_dir), hint="把 --out 指向输入目录之外的文件夹。")

    def file_read(label: str, number: int, total: int) -> None:
        if progress is not None:
            progress(STAGE_LABELS["load"], label, number - 1, total)

    undo = Undo(out_dir)  # a failed load leaves no folder it created behind
    try:
        loaded = load_inputs(input_dir, rules, semester, overrides, file_read,
                             keep_going=keep_going, workers=threads)
        write_extract(loaded, out_dir, semester, rules, input_dir)
    except BaseException:
        undo()
        raise
    return loaded


def _reconcile(
    input_dir: Path,
    semester: Semester,
    out_dir: Path,
    db_path: Path | None,
    rules: Rules | None,
    rules_dir: Path | None,
    overrides: Mapping[str, str] | None,
    masked: bool,
    keep_intermediate: bool,
    progress: Progress,
    keep_going: bool,
    resources: Resources,
    want_tables: bool,
    stages: list[Stage[Work]],
    prepare: Prepare | None,
    engine: Engine | None = None,
) -> RunResult:
    """The run itself; :func:`reconcile` checks the machine first and reports what it stopped.
    Reading the files, writing the outputs and storing are its own; everything between is the
    declared ``stages`` (:func:`aidmatch.stages.plan`), run by :class:`aidmatch.runner.Runner`."""
    started = dt.datetime.now()
    clock = Clock()
    rules = rules or load_rules(rules_dir)
    if not input_dir.is_dir():
        raise InputError("输入目录不存在", file=str(input_dir),
                         hint="--input 应指向存放各部门导出文件的文件夹。")
    # A mistyped --memory-limit is reported before minutes of reading, not after.
    connect_work(None, resources.memory_limit, resources.threads).close()
    clock.lap("rules")

    def file_read(label: str, number: int, total: int) -> None:
        progress(STAGE_LABELS["load"], label, number - 1, total)

    # A folder of extracts (aidmatch load) is read as the load it holds; otherwise the exports.
    loaded = read_extracts(input_dir, rules, semester, keep_going=keep_going)
    if loaded is not None and overrides:
        raise UsageError("--source 只用于原始导出文件；输入目录中是提取结果（aidmatch load 生成）",
                         hint="在 aidmatch load 时用 --source 指定名单类型。")
    if loaded is None:
        loaded = load_inputs(input_dir, rules, semester, overrides, file_read,
                             keep_going=keep_going, workers=resources.threads,
                             require_systems=True)
    progress(STAGE_LABELS["load"], f"{loaded.records.num_rows} 条记录", len(loaded.files),
             len(loaded.files))
    clock.lap("load", loaded.records.num_rows, loaded.worker_cpu_seconds, loaded.worker_peak_rss,
              loaded.workers)
    notes = _notes(loaded)
    if loaded.skipped and db_path is not None:
        notes[:0] = _replacing_a_complete_semester(db_path, semester)
    work = Work(rules, semester, loaded)
    records, family = loaded.records, loaded.family
    if prepare is not None:
        records, family = prepare(records, family)
    # DuckDB takes its own copy batch by batch while the Arrow tables (gigabytes for a
    # province) are let go, so the two copies never coexist whole.
    work.record_batches, work.family_batches = records.to_batches(), family.to_batches()
    del records, family
    loaded.records = loaded.records.schema.empty_table()
    loaded.family = loaded.family.schema.empty_table()

    # Spill space for stages larger than memory; it may hold personal data, so it is private to
    # this run, removed at the end, and removed by the next run if this one is killed.
    if resources.temp_dir is not None:
        resources.temp_dir.mkdir(parents=True, exist_ok=True)
    spill = contextlib.ExitStack()
    spill_dir = spill.enter_context(owned_folder(
        resources.temp_dir or Path(tempfile.gettempdir()), SPILL_PREFIX))
    con = connect_work(spill_dir, resources.memory_limit, resources.threads)
    steps = _steps(engine or Engine(), con, spill_dir, resources, spill)
    runner = Runner(steps, progress, clock)
    try:
        # Results are written to a private staging folder and moved into place only when the
        # whole run has succeeded, after the database's transaction has committed: if anything
        # fails, neither the database nor the output folder changes. Both are written while
        # DuckDB still works: the database on a thread of its own, handed each table once a
        # stage declares it final (the store begins with the first such tables: it reads them
        # itself), the link lists on another once the links are final.
        with contextlib.ExitStack() as finishing:
            staging = finishing.enter_context(
                staged_output(out_dir, incomplete=bool(loaded.skipped)))
            pool = finishing.enter_context(
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="aidmatch-lists"))
            store: RunStore | None = None
            link_lists: Future[None] | None = None
            work.secret = lambda: store.secret() if store is not None else None
            for stage in runner.run(stages, work):
                if stage.final and db_path is not None:
                    if store is None:
                        store = finishing.enter_context(
                            storing(con, db_path, semester.code, stage.final))
                    store.write_tables(stage.final)
                if "links" in stage.final:
                    link_lists = pool.submit(_write_link_lists, con.cursor(), staging, masked)
            summary = _summary(steps, work, notes, masked)
            for problem in loaded.skipped:
                log.warning("已跳过（--keep-going）：%s", problem)
            if store is not None:
                store.finish(RunInfo(semester.code, started, str(input_dir), rules.fingerprint,
                                     rules.version, aidmatch_version()),
                             loaded.files, loaded.rejects, summary.to_json(),
                             keep=steps.names if keep_intermediate else None)
            runner.begin(STAGE_LABELS["outputs"])
            result_tables: lists.Tables = {}
            gaps = _write_result_lists(con, staging, masked, summary, loaded,
                                       result_tables if want_tables else None)
            if link_lists is not None:
                link_lists.result()
            clock.lap("outputs", gaps)
            if store is not None:
                runner.begin(STAGE_LABELS["store"])
                store.wait()
        run_id = store.run_id if store is not None else None
        if store is not None:
            clock.lap("store")
        return RunResult(summary, out_dir, db_path, run_id, gaps, clock.times, steps.records,
                         result_tables)
    except duckdb.Error as exc:
        found = machine_error(exc, memory_limit=resources.memory_limit, stage=runner.label,
                              spill_dir=spill_dir)
        if found is None:
            raise
        raise found from exc
    finally:
        con.close()
        spill.close()


ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class Engine:
    """What runs the declared stages: DuckDB, or Spark (local, or the cluster ``master``)."""

    name: str = "duckdb"
    master: str | None = None


def _check_engine(engine: str, spark_master: str | None) -> None:
    """A wrong engine, or a Spark engine this machine cannot run, before any file is read."""
    if engine not in ENGINES:
        raise UsageError(f"未知的引擎：{engine}", hint="引擎为 duckdb（默认）或 spark。")
    if spark_master is not None and engine != "spark":
        raise UsageError("--spark-master 只用于 --engine spark")
    if engine == "spark":
        from aidmatch.spark.session import check_spark

        check_spark()


def _steps(engine: Engine, con: duckdb.DuckDBPyConnection, spill_dir: Path,
           resources: Resources, closing: contextlib.ExitStack) -> Steps:
    """The steps the declared stages run on. Spark's files live in the run's spill folder and
    its session stops before that folder is removed (``closing`` unwinds in reverse)."""
    if engine.name != "spark":
        return Steps(con)
    from aidmatch.spark.session import spark_session
    from aidmatch.spark.steps import SparkSteps

    # Spark's own default (a 1 GB driver) cannot hold a 200,000-student city's broadcast joins:
    # the run may use what DuckDB's default would (a quarter of the machine's memory)
    memory = resources.memory_limit or default_memory_limit(duckdb.connect())
    session = closing.enter_context(spark_session(
        engine.master, resources.threads, memory, spill_dir / "spark-local"))
    return SparkSteps(con, spark=session, warehouse=spill_dir / "spark-tables")


def _summary(steps: Steps, work: Work, notes: list[str], masked: bool) -> Summary:
    con, rules, loaded = steps.con, work.rules, work.loaded
    return Summary(
        semester=work.semester.label,
        rules=f"{rules.version}（指纹 {rules.fingerprint}）",
        sheets=work.accounts,
        counties=county_lines(con),
        notes=notes + county_placement_notes(con) + blank_status_notes(con)
        + pending_payment_notes(con),
        link_methods=link_method_counts(con),
        review_records=int(scalar(con, "SELECT count(DISTINCT record_id) FROM link_review")),
        skipped=[str(problem) for problem in loaded.skipped],
        ids="masked" if masked else "full",
        blocking_pairs=blocking_pair_counts(con),
        findings={f.label: steps.count(f.table) for f in FINDINGS},
        data_quality_rows=int(scalar(con, 'SELECT coalesce(sum("rows"), 0) FROM data_quality')),
    )


def _write_result_lists(con: duckdb.DuckDBPyConnection, staging: Path, masked: bool,
                        summary: Summary, loaded: LoadResult, tables: lists.Tables | None) -> int:
    """gaps, key students, findings, data quality, rejects and the summary; returns the gaps.
    With ``tables`` the lists the API hands back are kept there too, from the same rows."""
    gaps = lists.write_gaps(con, staging, masked, summary.incomplete_notice(), tables)
    lists.write_key_students(con, staging, masked, tables)
    lists.write_findings(con, staging, masked, tables)
    lists.write_data_quality(con, staging, tables)
    lists.write_rejects(con, staging, loaded.rejects)
    summary.write(staging)
    return gaps


def _write_link_lists(cursor: duckdb.DuckDBPyConnection, staging: Path, masked: bool) -> None:
    """matches.csv, review.csv and linkage_model.csv, on a connection of their own."""
    try:
        lists.write_matches(cursor, staging, masked)
        lists.write_review(cursor, staging, masked)
        lists.write_linkage_model(cursor, staging)
    finally:
        cursor.close()


def _replacing_a_complete_semester(db_path: Path, semester: Semester) -> list[str]:
    """The warning an incomplete run (--keep-going) gives when the database holds a complete
    result of the same semester, which it is about to replace."""
    if not db_path.is_file():
        return []
    try:
        runs = list_runs(db_path, semester.code)
    except AidmatchError:  # not readable now: the store reports it when it writes
        return []
    last = runs[-1] if runs else None
    if last is None or last.incomplete or last.purged_at is not None:
        return []
    message = (f"注意：数据库中{semester.label}原有完整的结果（运行 #{last.run_id}，"
               f"{last.started_at:%Y-%m-%d %H:%M}），已被本次不完整的结果替换（aidmatch runs 中标为"
               "结果不完整）；补齐缺少的文件后重新运行，才能恢复完整结果")
    log.warning("%s", message)
    return [message]


def _notes(loaded: LoadResult) -> list[str]:
    notes = list(loaded.notes)
    for sheet in loaded.sheets:
        if sheet.note:
            where = f"{sheet.file}「{sheet.sheet}」" if sheet.sheet else sheet.file
            notes.append(f"{where}：{sheet.note}")
    aid = loaded.records.filter(pa.compute.equal(loaded.records.column("source"), "aid"))
    if aid.num_rows and aid.column("semester").null_count:
        files = sorted({f for f, s in zip(aid.column("file").to_pylist(),
                                          aid.column("semester").to_pylist(), strict=True)
                        if s is None})
        notes.append("以下资助文件没有学年/学期/发放日期列，按本学期计：" + "、".join(files))
    return notes
