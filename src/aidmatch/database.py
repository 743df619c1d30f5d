"""Opening an aidmatch database: its structure version, its secret, and the migrations between.

``meta`` holds ``schema_version`` and ``case_secret`` (the key of :mod:`aidmatch.keys`, created
with the database, never exported). Every command that opens an existing database goes through
:func:`open_database`, which first brings a database of an older version up to date:

version 1 → 2   case numbers and slip keys were plain hashes of the person (md5 of the ID): a
                secret is created and every ``case_key`` (cases, findings, review decisions,
                intermediate tables) and every ``slip_serials.key_hash`` is keyed with it, in one
                transaction, so review decisions keep their cases and people keep their serials.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import duckdb

from aidmatch import keys
from aidmatch.errors import AidmatchError, UsageError
from aidmatch.machine import machine_error
from aidmatch.steps import scalar

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
SECRET = "case_secret"


class StoreError(AidmatchError):
    exit_code = 3


def cannot_open(exc: duckdb.Error, db_path: Path) -> AidmatchError:
    """What to tell the user when DuckDB cannot open ``db_path``: a machine problem (another
    program holds it, a full or read-only disk) or a file that is not a readable database."""
    log.debug("DuckDB: %s", exc)
    return machine_error(exc) or StoreError(
        "无法打开数据库文件：它不是 aidmatch 的数据库，或已损坏，或由更新版本的程序写成",
        file=str(db_path), hint="用 --db 指定 aidmatch reconcile 写入的数据库文件，或一个新文件名。")


def _version(con: duckdb.DuckDBPyConnection, catalog: str) -> int | None:
    has_meta = scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? "
                           "AND schema_name = 'main' AND table_name = 'meta'", [catalog])
    if not has_meta:
        return None
    found = scalar(con, f'SELECT value FROM "{catalog}".meta WHERE key = \'schema_version\'')
    return None if found is None else int(found)


def ensure_meta(con: duckdb.DuckDBPyConnection, catalog: str) -> str:
    """Create ``meta`` in a new database, migrate an older one; return the database's secret."""
    con.execute(f'CREATE TABLE IF NOT EXISTS "{catalog}".meta '
                "(key VARCHAR PRIMARY KEY, value VARCHAR)")
    version = _version(con, catalog)
    if version is None:
        con.execute(f'INSERT INTO "{catalog}".meta VALUES (\'schema_version\', ?), (?, ?)',
                    [str(SCHEMA_VERSION), SECRET, keys.new_secret()])
    elif version == 1:
        _migrate_from_1(con, catalog)
    elif version != SCHEMA_VERSION:
        raise StoreError(
            f"数据库是 aidmatch 另一版本建立的（结构版本 {version}，当前 {SCHEMA_VERSION}）",
            hint="用 --db 指定一个新的数据库文件，或用对应版本的 aidmatch 打开。")
    return database_secret(con, catalog)


def database_secret(con: duckdb.DuckDBPyConnection, catalog: str) -> str:
    secret = scalar(con, f'SELECT value FROM "{catalog}".meta WHERE key = ?', [SECRET])
    if secret is None:
        raise StoreError("数据库缺少案例编号密钥（meta.case_secret）",
                         hint="数据库可能被手工改动过；用 --db 指定一个新的数据库文件重新对账。")
    return str(secret)


def _migrate_from_1(con: duckdb.DuckDBPyConnection, catalog: str) -> None:
    secret = keys.new_secret()
    keys.install(con, secret)
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_columns() WHERE database_name = ? "
        "AND column_name = 'case_key' ORDER BY ALL", [catalog]).fetchall()
    has_serials = scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? "
                              "AND schema_name = 'main' AND table_name = 'slip_serials'",
                         [catalog])
    con.execute("BEGIN TRANSACTION")
    try:
        for schema, table in tables:
            con.execute(f'UPDATE "{catalog}"."{schema}"."{table}" '
                        f"SET case_key = {keys.rekey_case_sql('case_key')}")
        if has_serials:
            con.execute(f'UPDATE "{catalog}".slip_serials SET key_hash = keyed_hash(key_hash)')
        con.execute(f'INSERT INTO "{catalog}".meta VALUES (?, ?)', [SECRET, secret])
        con.execute(f"UPDATE \"{catalog}\".meta SET value = ? WHERE key = 'schema_version'",
                    [str(SCHEMA_VERSION)])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    log.warning("数据库已升级到结构版本 %d：案例编号和三联单编号索引改为由本数据库的密钥生成"
                "（%d 张表），已有的核实结果保留在原案例上。", SCHEMA_VERSION, len(tables))


def purged_at(con: duckdb.DuckDBPyConnection, semester: str, schema: str = "main"
              ) -> dt.datetime | None:
    """When ``semester``'s personal data was purged, unless a run stored it again since."""
    if not scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE database_name = "
                       "coalesce(?, current_database()) AND schema_name = 'main' "
                       "AND table_name = 'purges'", [None if schema == "main" else schema]):
        return None
    at = scalar(con, f"SELECT max(purged_at) FROM {schema}.purges WHERE semester = ?", [semester])
    last = scalar(con, f"SELECT max(finished_at) FROM {schema}.runs WHERE semester = ?", [semester])
    if at is None or (last is not None and last > at):
        return None
    return at  # type: ignore[no-any-return]


def upgrade(db_path: Path) -> None:
    """Bring an existing database of an older version up to date (nothing to do otherwise)."""
    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            catalog = str(scalar(con, "SELECT current_database()"))
            version = _version(con, catalog)
    except duckdb.Error as exc:
        raise cannot_open(exc, db_path) from None
    if version is None or version == SCHEMA_VERSION:
        return
    try:
        with duckdb.connect(str(db_path)) as con:
            ensure_meta(con, str(scalar(con, "SELECT current_database()")))
    except duckdb.Error as exc:
        raise StoreError(f"无法升级数据库文件（{exc}）", file=str(db_path),
                         hint="确认对这个文件有写权限，且没有其他程序正在使用它。") from None


def open_database(db_path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """An existing aidmatch database (migrated first if it is of an older version)."""
    if not db_path.is_file():
        raise UsageError("数据库文件不存在", file=str(db_path),
                         hint="用 --db 指定 aidmatch reconcile 写入的数据库文件。")
    upgrade(db_path)
    try:
        con = duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.Error as exc:
        raise cannot_open(exc, db_path) from None
    tables = {row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
        "AND database_name = current_database()").fetchall()}
    if "runs" not in tables:
        con.close()
        raise StoreError("这不是 aidmatch 的数据库（没有运行记录表）", file=str(db_path))
    return con


__all__ = ["SCHEMA_VERSION", "StoreError", "database_secret", "ensure_meta", "open_database",
           "purged_at", "upgrade"]
