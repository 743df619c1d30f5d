"""Named DuckDB steps: each step builds one table from one SQL statement and is logged with its
row count and time, so a run can be inspected table by table (``--keep-intermediate``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

log = logging.getLogger(__name__)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> Any:
    """The first value of a query's first row (None when there is no row). Fetches the whole
    result, so the connection is free for the next statement."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def arrow(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None
          ) -> pa.Table:
    """A query's result as an Arrow table (DuckDB 2: through a relation, without a copy)."""
    return con.sql(sql, params=list(params or [])).to_arrow_table()


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

    def table(self, name: str, sql: str,
              params: Sequence[Any] | Mapping[str, Any] | None = None) -> int:
        """``CREATE OR REPLACE TABLE name AS sql``; returns the row count. ``params`` are
        positional (``?``) or named (``$name``): values never go into the SQL text."""
        if self.on_sql is not None:
            self.on_sql(sql)
        started = time.perf_counter()
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}", params or [])
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
        def drain() -> Iterator[pa.RecordBatch]:
            while batches:
                yield batches.pop(0)
                # what DuckDB has read goes back to the system, not to Arrow's allocator
                pa.default_memory_pool().release_unused()

        return self.from_arrow(name, pa.RecordBatchReader.from_batches(schema, drain()))

    def count(self, name: str) -> int:
        return int(scalar(self.con, f"SELECT count(*) FROM {name}") or 0)

    @property
    def names(self) -> list[str]:
        seen: list[str] = []
        for record in self.records:
            if record.name not in seen:
                seen.append(record.name)
        return seen
