"""The embedded DuckDB database (``--db``): what was loaded and decided, per semester.

A run works in an in-memory database and, only when everything succeeded, replaces its
semester's data in the file in one transaction: a failed run leaves the previous results intact.
Personal data lives in the tables listed in :data:`SEMESTER_TABLES`; ``runs`` and ``input_files``
are the audit trail (file names, hashes, row counts, rules fingerprint; no personal data).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from aidmatch.errors import AidmatchError
from aidmatch.findings import FINDING_TABLES
from aidmatch.review import ensure_review_tables
from aidmatch.sources.extract import Reject
from aidmatch.sources.loader import InputFile
from aidmatch.steps import scalar

SCHEMA_VERSION = 1
# Work tables kept per semester (with a `run_semester` column in front).
SEMESTER_TABLES = ("records", "family", "students", "links", "link_review", "key_group_evidence",
                   "student_groups", "paid_students", "gaps", "record_states", *FINDING_TABLES)


class StoreError(AidmatchError):
    exit_code = 3


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
            os.chmod(candidate, 0o600)


def _ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS store.meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    found = scalar(con, "SELECT value FROM store.meta WHERE key = 'schema_version'")
    if found is None:
        con.execute("INSERT INTO store.meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
    elif int(found) != SCHEMA_VERSION:
        raise StoreError(
            f"数据库是 aidmatch 另一版本建立的（结构版本 {found}，当前 {SCHEMA_VERSION}）",
            hint="用 --db 指定一个新的数据库文件，或用对应版本的 aidmatch 打开。")
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


def save_run(
    con: duckdb.DuckDBPyConnection,
    db_path: Path,
    run: RunInfo,
    files: list[InputFile],
    rejects: list[Reject],
    summary: dict[str, Any],
    keep: list[str] | None = None,
) -> int:
    """Replace the semester's data in ``db_path`` in one transaction; return the run id."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con.execute("ATTACH ? AS store", [str(db_path)])
    except duckdb.Error as exc:
        raise StoreError(f"无法打开数据库文件（{exc}）", file=str(db_path),
                         hint="确认没有其他程序正在使用它，或用 --db 指定另一个文件。") from None
    try:
        _ensure_meta(con)
        con.execute("BEGIN TRANSACTION")
        try:
            run_id = _write(con, run, files, rejects, summary, keep)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        con.execute("CHECKPOINT store")
    finally:
        con.execute("DETACH store")
    _secure(db_path)
    return run_id


def _write(con: duckdb.DuckDBPyConnection, run: RunInfo, files: list[InputFile],
           rejects: list[Reject], summary: dict[str, Any], keep: list[str] | None) -> int:
    run_id = int(scalar(con, "SELECT coalesce(max(run_id), 0) + 1 FROM store.runs"))
    con.execute(
        "INSERT INTO store.runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, run.semester, run.started_at, dt.datetime.now(), run.input_dir,
         run.rules_fingerprint, run.rules_version, run.aidmatch_version,
         json.dumps(summary, ensure_ascii=False, default=str)],
    )
    con.execute("DELETE FROM store.input_files WHERE semester = ?", [run.semester])
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
    for table in SEMESTER_TABLES:
        con.execute(f"CREATE TABLE IF NOT EXISTS store.{table} AS "
                    f"SELECT CAST(NULL AS VARCHAR) AS run_semester, * FROM {table} WHERE false")
        con.execute(f"DELETE FROM store.{table} WHERE run_semester = ?", [run.semester])
        try:
            con.execute(f"INSERT INTO store.{table} BY NAME "
                        f"SELECT CAST(? AS VARCHAR) AS run_semester, * FROM {table}",
                        [run.semester])
        except duckdb.BinderException as exc:
            raise StoreError(
                f"数据库中的表 {table} 与当前版本不一致（{exc}）",
                hint="用 --db 指定一个新的数据库文件。") from None
    if keep:
        con.execute("CREATE SCHEMA IF NOT EXISTS store.work")
        for table in keep:
            con.execute(f"CREATE OR REPLACE TABLE store.work.{table} AS SELECT * FROM {table}")
    return run_id
