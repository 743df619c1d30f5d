"""The embedded DuckDB database (``--db``): what was loaded and decided, per semester.

A run works in an in-memory database and, only when everything succeeded, replaces its
semester's data in the file in one transaction: a failed run leaves the previous results intact.
Personal data lives in the tables listed in :data:`SEMESTER_TABLES` (and any other table with a
``run_semester`` or ``semester`` column); ``runs``, ``input_files`` and ``purges`` are the audit
trail (when, which files with their SHA-256, row counts, rules fingerprint; no personal data),
kept for every run and never purged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from aidmatch.database import StoreError, cannot_open, ensure_meta, open_database
from aidmatch.findings import FINDING_TABLES
from aidmatch.machine import STAGING_PREFIX, owned_folder
from aidmatch.normalize.ids import redact
from aidmatch.privacy import private_dir, private_file, redact_all
from aidmatch.review import ensure_review_tables
from aidmatch.sources.extract import Reject
from aidmatch.sources.loader import InputFile
from aidmatch.steps import scalar

log = logging.getLogger(__name__)

# Work tables kept per semester (with a `run_semester` column in front).
SEMESTER_TABLES = ("records", "family", "students", "links", "link_review", "key_group_evidence",
                   "student_groups", "paid_students", "gaps", "record_states", *FINDING_TABLES)


def aidmatch_version() -> str:
    """The installed aidmatch's version (``dev`` when run from a source tree not installed)."""
    try:
        return metadata.version("aidmatch")
    except metadata.PackageNotFoundError:
        return "dev"


@dataclass(frozen=True)
class RunInfo:
    semester: str
    started_at: dt.datetime
    input_dir: str
    rules_fingerprint: str
    rules_version: str
    aidmatch_version: str


def _secure(path: Path) -> None:
    for candidate in (path, Path(f"{path}.wal")):
        if candidate.exists():
            private_file(candidate)


def _ensure_meta(con: duckdb.DuckDBPyConnection) -> str:
    """The database's tables (created or migrated) and its secret."""
    secret = ensure_meta(con, "store")
    con.execute("""CREATE TABLE IF NOT EXISTS store.runs (
        run_id INTEGER PRIMARY KEY, semester VARCHAR, started_at TIMESTAMP,
        finished_at TIMESTAMP, input_dir VARCHAR, rules_fingerprint VARCHAR,
        rules_version VARCHAR, aidmatch_version VARCHAR, summary JSON)""")
    con.execute("""CREATE TABLE IF NOT EXISTS store.input_files (
        run_id INTEGER, semester VARCHAR, file_id INTEGER, path VARCHAR, sha256 VARCHAR,
        size_bytes BIGINT, sheets JSON)""")
    con.execute("""CREATE TABLE IF NOT EXISTS store.rejects (
        semester VARCHAR, file VARCHAR, sheet VARCHAR, "row" INTEGER, "column" VARCHAR,
        reason VARCHAR)""")
    ensure_review_tables(con, "store")
    return secret


class RunStore:
    """One run being written into the database, on a thread of its own and in one transaction:
    the caller hands over tables as they become final (the staged records long before the
    findings) and goes on working while DuckDB compresses and writes them on the other cores.
    Nothing is visible in the database until :func:`storing` commits."""

    def __init__(self, con: duckdb.DuckDBPyConnection, writer: duckdb.DuckDBPyConnection,
                 semester: str, final: Sequence[str] = ()) -> None:
        self.run_id = 0
        self._con = con
        self._writer = writer
        # Tables that never change once the store has begun: the transaction reads them
        # itself. It sees the working database as it was when it began, so every other table
        # is handed over as an Arrow table when it is final.
        self._final = frozenset(final)
        self._semester = semester
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aidmatch-store")
        self._jobs: list[Future[None]] = []
        self._written: set[str] = set()
        self._broken = False
        self.began = False
        self._secret = ""
        self._submit(self._begin)

    def _submit(self, job: Callable[[], None]) -> None:
        def guarded() -> None:
            if self._broken:  # never write outside the transaction, or after a failed write
                return
            try:
                job()
            except BaseException:
                self._broken = True
                raise

        self._jobs.append(self._pool.submit(guarded))

    def _begin(self) -> None:
        self._secret = _ensure_meta(self._writer)
        self._writer.execute("BEGIN TRANSACTION")
        self.began = True

    def secret(self) -> str:
        """The database's secret, which keys the case numbers (:mod:`aidmatch.keys`)."""
        self._jobs[0].result()
        return self._secret

    def write_tables(self, tables: Sequence[str]) -> None:
        """Copy these semester tables (final from now on) into the database."""
        tables = [t for t in tables if t not in self._written]
        self._written.update(tables)
        handed = self._handed(tables)
        self._submit(lambda: _write_tables(self._writer, self._semester, tables, handed))

    def _handed(self, tables: Sequence[str]) -> dict[str, pa.Table]:
        """Those of ``tables`` the transaction must not read itself, as Arrow tables."""
        return {t: self._con.sql(f"SELECT * FROM {t}").to_arrow_table()
                for t in tables if t not in self._final}

    def finish(self, run: RunInfo, files: list[InputFile], rejects: list[Reject],
               summary: dict[str, Any], keep: list[str] | None = None) -> None:
        """The run's record, its files and rejects, and every semester table not yet written."""
        self.write_tables(SEMESTER_TABLES)
        handed = self._handed(keep or [])

        def job() -> None:
            self.run_id = _write_run(self._writer, run, files, rejects, summary, keep, handed)

        self._submit(job)

    def wait(self) -> None:
        """Wait for every write; raise the first failure."""
        for job in self._jobs:
            job.result()

    def settle(self) -> None:
        """Wait for every write, failures ignored (the caller is already failing)."""
        for job in self._jobs:
            with contextlib.suppress(BaseException):
                job.result()
        self._pool.shutdown()


@contextlib.contextmanager
def storing(con: duckdb.DuckDBPyConnection, db_path: Path, semester: str,
            final: Sequence[str] = ()) -> Iterator[RunStore]:
    """A :class:`RunStore` for ``db_path``, committed when the block ends without error (after
    every write it was handed has finished) and rolled back otherwise — so a caller that moves
    its result files into place after the block leaves either both changed or neither."""
    private_dir(db_path.parent)
    writer = con.cursor()  # a connection of its own to the same working database
    try:
        writer.execute("ATTACH ? AS store", [str(db_path)])
    except duckdb.Error as exc:
        writer.close()
        raise cannot_open(exc, db_path) from None
    store = RunStore(con, writer, semester, final)
    try:
        try:
            yield store
            store.wait()
        finally:
            store.settle()
        writer.execute("COMMIT")
        writer.execute("CHECKPOINT store")
    except BaseException:
        if store.began:
            with contextlib.suppress(duckdb.Error):
                writer.execute("ROLLBACK")
        raise
    finally:
        with contextlib.suppress(duckdb.Error):
            writer.execute("DETACH store")
        writer.close()
    _secure(db_path)


def _source(con: duckdb.DuckDBPyConnection, table: str, handed: dict[str, pa.Table]) -> str:
    """The name to read ``table`` by: itself, or the Arrow table handed over for it."""
    if table not in handed:
        return table
    con.register(f"{table}__handed", handed[table])
    return f"{table}__handed"


def _write_tables(con: duckdb.DuckDBPyConnection, semester: str, tables: Sequence[str],
                  handed: dict[str, pa.Table] | None = None) -> None:
    handed = handed or {}
    for table in tables:
        source = _source(con, table, handed)
        con.execute(f"CREATE TABLE IF NOT EXISTS store.{table} AS "
                    f"SELECT CAST(NULL AS VARCHAR) AS run_semester, * FROM {source} WHERE false")
        _add_new_columns(con, table, source)
        con.execute(f"DELETE FROM store.{table} WHERE run_semester = ?", [semester])
        started = time.perf_counter()
        try:
            con.execute(f"INSERT INTO store.{table} BY NAME "
                        f"SELECT CAST(? AS VARCHAR) AS run_semester, * FROM {source}",
                        [semester])
        except duckdb.BinderException as exc:
            raise StoreError(
                f"数据库中的表 {table} 与当前版本不一致（{exc}）",
                hint="用 --db 指定一个新的数据库文件。") from None
        log.debug("store %-26s %7.3fs", table, time.perf_counter() - started)


def _add_new_columns(con: duckdb.DuckDBPyConnection, table: str, source: str) -> None:
    """Columns this version adds to a table an earlier version stored (``records`` gained
    ``members_count``): added empty, so earlier semesters and their review decisions stay. A
    column that changed or went away still stops the write (see ``_write_tables``)."""
    stored = {name for (name,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = 'store' "
        "AND schema_name = 'main' AND table_name = ?", [table]).fetchall()}
    for name, type_ in con.execute(f"SELECT column_name, column_type FROM "
                                   f"(DESCRIBE SELECT * FROM {source})").fetchall():
        if name not in stored:
            con.execute(f'ALTER TABLE store.{table} ADD COLUMN "{name}" {type_}')
            log.info("数据库表 %s 增加列 %s（本版本新增）", table, name)


def _write_run(con: duckdb.DuckDBPyConnection, run: RunInfo, files: list[InputFile],
               rejects: list[Reject], summary: dict[str, Any], keep: list[str] | None,
               handed: dict[str, pa.Table] | None = None) -> int:
    handed = handed or {}
    run_id = int(scalar(con, "SELECT coalesce(max(run_id), 0) + 1 FROM store.runs"))
    con.execute(
        "INSERT INTO store.runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, run.semester, run.started_at, dt.datetime.now(), run.input_dir,
         run.rules_fingerprint, run.rules_version, run.aidmatch_version,
         json.dumps(summary, ensure_ascii=False, default=str)],
    )
    for f in files:
        con.execute(
            "INSERT INTO store.input_files VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run_id, run.semester, f.file_id, f.label, f.sha256, f.size,
             json.dumps([{"sheet": s.sheet, "kind": s.kind, "rows": s.data_rows, "note": s.note}
                         for s in f.sheets], ensure_ascii=False)],
        )
    con.execute("DELETE FROM store.rejects WHERE semester = ?", [run.semester])
    if rejects:
        con.executemany(
            "INSERT INTO store.rejects VALUES (?, ?, ?, ?, ?, ?)",
            [[run.semester, r.file, r.sheet, r.row, r.column, r.reason] for r in rejects],
        )
    if keep:
        con.execute("CREATE SCHEMA IF NOT EXISTS store.work")
        for table in keep:
            con.execute(f"CREATE OR REPLACE TABLE store.work.{table} AS "
                        f"SELECT * FROM {_source(con, table, handed)}")
    return run_id


# Tables that are the audit trail: never purged.
AUDIT_TABLES = frozenset({"meta", "runs", "input_files", "purges", "review_imports"})


@dataclass(frozen=True)
class RunRecord:
    run_id: int
    semester: str
    started_at: dt.datetime
    finished_at: dt.datetime
    input_dir: str
    rules_version: str
    rules_fingerprint: str
    aidmatch_version: str
    incomplete: bool
    ids: str
    files: list[tuple[str, str, int]]  # (file, sha256, size in bytes)
    purged_at: dt.datetime | None


def list_runs(db_path: Path, semester: str | None = None) -> list[RunRecord]:
    """Every run recorded in ``db_path`` (oldest first), with its input files and hashes."""
    con = open_database(db_path, read_only=True)
    try:
        has_purges = bool(scalar(con, "SELECT count(*) FROM duckdb_tables() "
                                      "WHERE schema_name = 'main' AND table_name = 'purges'"))
        runs = con.execute(
            """SELECT run_id, semester, started_at, finished_at, input_dir, rules_version,
                      rules_fingerprint, aidmatch_version, summary
               FROM runs WHERE ? IS NULL OR semester = ? ORDER BY run_id""",
            [semester, semester]).fetchall()
        files: dict[int, list[tuple[str, str, int]]] = {}
        for run_id, path, sha, size in con.execute(
                "SELECT run_id, path, sha256, size_bytes FROM input_files ORDER BY run_id, file_id"
        ).fetchall():
            files.setdefault(int(run_id), []).append((str(path), str(sha), int(size)))
        purged: dict[str, dt.datetime] = {}
        if has_purges:
            purged = {str(sem): at for sem, at in con.execute(
                "SELECT semester, max(purged_at) FROM purges GROUP BY semester").fetchall()}
    finally:
        con.close()
    records: list[RunRecord] = []
    for run_id, sem, started, finished, input_dir, version, fingerprint, app, summary in runs:
        data = json.loads(summary) if summary else {}
        at = purged.get(str(sem))
        records.append(RunRecord(
            int(run_id), str(sem), started, finished, str(input_dir), str(version),
            str(fingerprint), str(app), bool(data.get("incomplete") or data.get("skipped")),
            str(data.get("ids", "full")), files.get(int(run_id), []),
            at if at is not None and at >= finished else None))
    return records


@dataclass(frozen=True)
class PurgeResult:
    semester: str
    removed: dict[str, int]  # table → rows removed
    work_tables: list[str]  # intermediate tables dropped (--keep-intermediate)
    kept_runs: int = 0  # the audit trail kept: runs of the semester
    kept_files: int = 0  # … and their input files (name, SHA-256, size)
    redacted_names: int = 0  # file or folder names in it that held an ID, now masked

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def purge_semester(db_path: Path, semester: str) -> PurgeResult:
    """Delete ``semester``'s personal data from ``db_path`` and say what was removed.

    Rows are deleted from every table that carries the semester (``run_semester`` or
    ``semester`` column) except the audit tables; the intermediate tables kept with
    --keep-intermediate are dropped (they hold the last run's data, whatever its semester). Deleted
    rows can survive in a database file's free blocks, so the file is then rewritten: the
    database is copied into a fresh file that replaces the old one. The purge itself is
    recorded in the ``purges`` table.

    The audit trail of the semester is kept (runs, input files with their SHA-256 and size,
    review imports), but a file or folder name in it that holds an ID number — and any ID in
    the run's stored summary — is replaced by its masked form.
    """
    con = open_database(db_path, read_only=False)
    try:
        columns = con.execute(
            """SELECT table_name, column_name FROM duckdb_columns()
               WHERE schema_name = 'main' AND column_name IN ('run_semester', 'semester')"""
        ).fetchall()
        work = [str(name) for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'work' ORDER BY 1"
        ).fetchall()]
        by_table: dict[str, str] = {}
        # run_semester is the semester a row was stored for; a plain `semester` column of a
        # table that also has run_semester describes the record (a payment's semester).
        for table, column in sorted(columns):
            if table not in AUDIT_TABLES and by_table.get(table) != "run_semester":
                by_table[table] = column
        removed: dict[str, int] = {}
        con.execute("BEGIN TRANSACTION")
        try:
            for table, column in sorted(by_table.items()):
                count = int(scalar(con, f'SELECT count(*) FROM "{table}" WHERE "{column}" = ?',
                                   [semester]))
                if count:
                    con.execute(f'DELETE FROM "{table}" WHERE "{column}" = ?', [semester])
                    removed[table] = count
            for table in work:
                con.execute(f'DROP TABLE work."{table}"')
            kept_runs, kept_files, redacted_names = _redact_audit_trail(con, semester)
            con.execute("""CREATE TABLE IF NOT EXISTS purges (
                semester VARCHAR, purged_at TIMESTAMP, removed JSON)""")
            con.execute("INSERT INTO purges VALUES (?, ?, ?)",
                        [semester, dt.datetime.now(), json.dumps(removed, ensure_ascii=False)])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()
    _rewrite(db_path)
    return PurgeResult(semester, removed, work, kept_runs, kept_files, redacted_names)


def _redact_audit_trail(con: duckdb.DuckDBPyConnection, semester: str) -> tuple[int, int, int]:
    """Mask IDs in the names the semester's audit trail keeps; (runs, files, names masked)."""
    renamed = 0
    runs = con.execute("SELECT run_id, input_dir, summary FROM runs WHERE semester = ?",
                       [semester]).fetchall()
    for run_id, input_dir, summary in runs:
        folder = redact(str(input_dir or ""))
        cleaned = (json.dumps(redact_all(json.loads(summary)), ensure_ascii=False)
                   if summary else summary)
        renamed += folder != (input_dir or "")
        if folder != (input_dir or "") or cleaned != summary:
            con.execute("UPDATE runs SET input_dir = ?, summary = ? WHERE run_id = ?",
                        [folder, cleaned, run_id])
    files = con.execute("SELECT DISTINCT path FROM input_files WHERE semester = ?",
                        [semester]).fetchall()
    kept_files = int(scalar(con, "SELECT count(*) FROM input_files WHERE semester = ?",
                            [semester]))
    for (path,) in files:
        if redact(str(path)) != path:
            renamed += 1
            con.execute("UPDATE input_files SET path = ? WHERE semester = ? AND path = ?",
                        [redact(str(path)), semester, path])
    has_imports = scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
                              "AND table_name = 'review_imports'")
    if has_imports:
        for (name,) in con.execute("SELECT DISTINCT file FROM review_imports WHERE semester = ?",
                                   [semester]).fetchall():
            if name is not None and redact(str(name)) != name:
                renamed += 1
                con.execute("UPDATE review_imports SET file = ? WHERE semester = ? AND file = ?",
                            [redact(str(name)), semester, name])
    return len(runs), kept_files, renamed


def _rewrite(db_path: Path) -> None:
    """Copy the database into a fresh file and put it in place of the old one, so deleted rows
    do not linger in free blocks of the file."""
    with owned_folder(db_path.parent, STAGING_PREFIX + "purge-") as folder:
        fresh = folder / db_path.name
        con = duckdb.connect(":memory:")
        try:
            con.execute("ATTACH ? AS old (READ_ONLY)", [str(db_path)])
            con.execute("ATTACH ? AS fresh", [str(fresh)])
            con.execute("COPY FROM DATABASE old TO fresh")
            con.execute("DETACH fresh")
            con.execute("DETACH old")
        finally:
            con.close()
        private_file(fresh)
        os.replace(fresh, db_path)
        Path(f"{db_path}.wal").unlink(missing_ok=True)
