"""Named steps: each step builds one table from one SQL statement and is logged with its row
count and time, so a run can be inspected table by table (``--keep-intermediate``).

:class:`Steps` runs them on DuckDB; :class:`aidmatch.spark.steps.SparkSteps` runs the same
statements on Apache Spark. Beyond :meth:`Steps.table` the stages need a few operations, and
every stage goes through them rather than the connection, so that both engines serve it:

- :meth:`Steps.arrow` and :meth:`Steps.rows`: a small result to the driver (a model's level
  patterns, the record and student IDs to sample from);
- :meth:`Steps.macro`: a scalar macro the later statements call (``keyed_hash``);
- :meth:`Steps.scored`: a table whose rows a Python function computes from a query's rows,
  batch by batch (the name scorers, ID distances, pinyin keys). The function is row-wise and
  picklable (a module-level function): DuckDB streams the query through it, Spark runs it in
  its executors (``mapInArrow``).

>>> import duckdb
>>> steps = Steps(duckdb.connect())
>>> steps.table("a", "SELECT range AS x FROM range(3)")
3
>>> steps.scored("b", "SELECT x FROM a", _double)
3
>>> steps.rows("SELECT x, y FROM b ORDER BY x")
[(0, 0), (1, 2), (2, 4)]
>>> steps.macro(Macro("twice", ("v",), "v * 2"))
>>> steps.arrow("SELECT twice(?) AS t", [21]).column("t").to_pylist()
[42]
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

log = logging.getLogger(__name__)

Params = Sequence[Any] | Mapping[str, Any] | None
# A row-wise function over Arrow batches: the rows of a query in, the rows of a table out.
BatchFn = Callable[[pa.RecordBatch], pa.RecordBatch]
SCORED_BATCH_ROWS = 100_000


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> Any:
    """The first value of a query's first row (None when there is no row). Fetches the whole
    result, so the connection is free for the next statement."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def arrow(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None
          ) -> pa.Table:
    """A query's result as an Arrow table (DuckDB 2: through a relation, without a copy)."""
    return con.sql(sql, params=list(params or [])).to_arrow_table()


def exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the working database has a table or a view ``name`` (the Spark engine's steps
    are views over its Parquet files)."""
    return bool(scalar(con, """
        SELECT count(*) FROM (SELECT table_name AS name FROM duckdb_tables()
                              UNION ALL
                              SELECT view_name FROM duckdb_views() WHERE NOT internal)
        WHERE name = ?""", [name]))


@dataclass(frozen=True)
class Macro:
    """A scalar macro: ``name(params) AS body``, in DuckDB SQL (Spark expands it in place)."""

    name: str
    params: tuple[str, ...]
    body: str

    def create_sql(self) -> str:
        return (f"CREATE OR REPLACE TEMP MACRO {self.name}({', '.join(self.params)}) AS "
                f"{self.body}")


def empty_batch(schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([], schema=schema)


def output_schema(fn: BatchFn, schema: pa.Schema) -> pa.Schema:
    """What ``fn`` makes of a query whose rows have ``schema``: ``fn`` applied to no rows."""
    return fn(empty_batch(schema)).schema


def _double(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A batch function for the examples: ``x`` and ``y = 2x``."""
    return batch.append_column("y", pc.multiply(batch.column("x"), 2))


@dataclass(frozen=True)
class StepRecord:
    name: str
    rows: int
    seconds: float


@dataclass
class Steps:
    con: duckdb.DuckDBPyConnection
    records: list[StepRecord] = field(default_factory=list)
    on_step: Callable[[StepRecord], None] | None = None  # told of every finished step
    on_sql: Callable[[str], None] | None = None  # shown every step's SELECT (a plan check)

    def table(self, name: str, sql: str, params: Params = None) -> int:
        """``CREATE OR REPLACE TABLE name AS sql``; returns the row count. ``params`` are
        positional (``?``) or named (``$name``): values never go into the SQL text."""
        if self.on_sql is not None:
            self.on_sql(sql)
        started = time.perf_counter()
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}", params or [])
        return self._done(name, started)

    def _done(self, name: str, started: float) -> int:
        """Record a finished step: its row count and time."""
        rows = self.count(name)
        elapsed = time.perf_counter() - started
        self.records.append(StepRecord(name, rows, elapsed))
        if self.on_step is not None:
            self.on_step(self.records[-1])
        log.debug("step %-28s %9d rows %7.3fs", name, rows, elapsed)
        return rows

    def from_arrow(self, name: str, table: pa.Table | pa.RecordBatchReader) -> int:
        """A step whose table comes from Python (an Arrow table or stream) rather than SQL."""
        view = f"{name}_arrow"
        self.con.register(view, table)
        try:
            return self.table(name, f"SELECT * FROM {view}")
        finally:
            self.con.unregister(view)

    def from_batches(self, name: str, schema: pa.Schema, batches: list[pa.RecordBatch]) -> int:
        """A step whose table comes from Python batch by batch. ``batches`` is emptied as DuckDB
        reads it (one streamed statement), so each batch's memory can be freed once DuckDB holds
        its rows: a province's records are gigabytes, and holding both copies doubles the peak."""
        return self.from_arrow(name, pa.RecordBatchReader.from_batches(schema, drain(batches)))

    def scored(self, name: str, sql: str, fn: BatchFn, params: Params = None) -> int:
        """A step whose table is ``fn`` applied to the rows of ``sql``, batch by batch. ``fn``
        is row-wise and a module-level function (Spark sends it to its executors)."""
        if self.on_sql is not None:
            self.on_sql(sql)
        # The query streams on a connection of its own while this one writes the table.
        source = self.con.cursor()
        try:
            reader = source.sql(sql, params=params or None).to_arrow_reader(SCORED_BATCH_ROWS)
            schema = output_schema(fn, reader.schema)

            def mapped() -> Iterator[pa.RecordBatch]:
                for batch in reader:
                    yield fn(batch).cast(schema)

            return self.from_arrow(name, pa.RecordBatchReader.from_batches(schema, mapped()))
        finally:
            source.close()

    def arrow(self, sql: str, params: Params = None) -> pa.Table:
        """A small result to the driver, as an Arrow table."""
        if self.on_sql is not None:
            self.on_sql(sql)
        return self.con.sql(sql, params=params or None).to_arrow_table()

    def rows(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        """A small result to the driver, as rows."""
        if self.on_sql is not None:
            self.on_sql(sql)
        return self.con.execute(sql, params or []).fetchall()

    def macro(self, macro: Macro) -> None:
        """Define a scalar macro for the later steps (DuckDB: a temporary macro)."""
        self.con.execute(macro.create_sql())

    def count(self, name: str) -> int:
        return int(scalar(self.con, f"SELECT count(*) FROM {name}") or 0)

    @property
    def names(self) -> list[str]:
        seen: list[str] = []
        for record in self.records:
            if record.name not in seen:
                seen.append(record.name)
        return seen


def drain(batches: list[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The batches, each let go once it has been handed on (the list is emptied)."""
    while batches:
        yield batches.pop(0)
        # what the reader has taken goes back to the system, not to Arrow's allocator
        pa.default_memory_pool().release_unused()
