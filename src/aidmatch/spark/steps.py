"""The declared stages' steps on Apache Spark: :class:`SparkSteps`.

Each step's DuckDB statement is rewritten for Spark (:func:`aidmatch.spark.dialect.spark_sql`)
and run by Spark; its result is written as Parquet files in a folder of the run's own (inside
the run's spill folder, removed with it) and registered twice under the step's name: as a Spark
temporary view, which the later steps read, and as a view over the same files in the run's
DuckDB connection, which the runner's checks, the summary, the result lists and the store read
as they read the DuckDB engine's tables.

A table that comes from Python (the loaded records, a fitted model) is written as Parquet from
Arrow directly; a scored step (:meth:`aidmatch.steps.Steps.scored`) runs its batch function in
Spark's executors (``mapInArrow``), so names and IDs are scored where the rows are.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

from aidmatch.spark import dialect
from aidmatch.steps import BatchFn, Macro, Params, Steps, output_schema


@dataclass
class _Apply:
    """``fn`` over every batch of a partition, each cast to the step's schema (what Spark
    runs in an executor; a picklable object, not a closure)."""

    fn: BatchFn
    schema: pa.Schema

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield self.fn(batch).cast(self.schema)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _spark_types(schema: pa.Schema) -> pa.Schema:
    """What Spark reads back of a Parquet file written from ``schema``: timestamps in
    microseconds (Spark has no nanoseconds), dictionaries as their values."""
    fields = []
    for f in schema:
        kind = f.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_timestamp(kind) and kind.unit == "ns":
            kind = pa.timestamp("us", kind.tz)
        fields.append(f.with_type(kind))
    return pa.schema(fields)


@dataclass(kw_only=True)
class SparkSteps(Steps):
    """:class:`~aidmatch.steps.Steps` whose statements Spark runs; ``con`` is the run's DuckDB
    connection, where every step is a view over the step's Parquet files."""

    spark: SparkSession
    warehouse: Path  # the run's own folder (inside its spill folder) for the steps' files
    macros: dict[str, Macro] = field(default_factory=dict)
    _serial: Iterator[int] = field(default_factory=itertools.count)

    def sql(self, sql: str, params: Params = None, step: str = "") -> DataFrame:
        """A DuckDB statement as a Spark DataFrame. A statement Spark refuses carries the step's
        name and its Spark SQL (shown with ``--debug``)."""
        rewritten = dialect.spark_sql(sql, params, self.macros, self._describe)
        # Spark's jobs carry the step's name: its UI and event log say which step they are
        self.spark.sparkContext.setJobDescription(f"aidmatch {step or 'query'}")
        try:
            return self.spark.sql(rewritten)
        except Exception as exc:
            exc.add_note(f"aidmatch step {step or '(query)'}, as Spark SQL:\n{rewritten}")
            raise

    def table(self, name: str, sql: str, params: Params = None) -> int:
        if self.on_sql is not None:
            self.on_sql(sql)
        started = time.perf_counter()
        self._publish(name, self.sql(sql, params, name))
        return self._done(name, started)

    def from_arrow(self, name: str, table: pa.Table | pa.RecordBatchReader) -> int:
        """Parquet written from Arrow here (no round trip through a Spark DataFrame)."""
        started = time.perf_counter()
        folder = self._folder(name)
        schema = _spark_types(table.schema)
        batches = table.to_batches() if isinstance(table, pa.Table) else table
        with pq.ParquetWriter(folder / "part-00000.parquet", schema,
                              coerce_timestamps="us", allow_truncated_timestamps=True) as writer:
            for batch in batches:
                writer.write_batch(batch.cast(schema) if batch.schema != schema else batch)
        self._register(name, folder)
        return self._done(name, started)

    def scored(self, name: str, sql: str, fn: BatchFn, params: Params = None) -> int:
        """``fn`` runs in Spark's executors over the query's Arrow batches (``mapInArrow``);
        the step's schema is ``fn`` applied to no rows of the query's schema."""
        if self.on_sql is not None:
            self.on_sql(sql)
        started = time.perf_counter()
        frame = self.sql(sql, params, name)
        schema = output_schema(fn, to_arrow_schema(frame.schema))
        self._publish(name, frame.mapInArrow(_Apply(fn, schema), from_arrow_schema(schema)))
        return self._done(name, started)

    def arrow(self, sql: str, params: Params = None) -> pa.Table:
        if self.on_sql is not None:
            self.on_sql(sql)
        return self.sql(sql, params).toArrow()

    def rows(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        if self.on_sql is not None:
            self.on_sql(sql)
        return [tuple(row) for row in self.sql(sql, params).collect()]

    def macro(self, macro: Macro) -> None:
        """Kept for the later statements: Spark has no macros, so calls are expanded in place."""
        self.macros[macro.name.lower()] = macro

    def _describe(self, query: str) -> list[str]:
        """The columns of a DuckDB query over the steps' views (for ``* REPLACE``, ``BY NAME``)."""
        return [str(row[0]) for row in self.con.execute(f"DESCRIBE {query}").fetchall()]

    def _folder(self, name: str) -> Path:
        # a folder per step run: a replaced table's old files may still be read by its query
        folder = self.warehouse / f"{name}-{next(self._serial)}"
        folder.mkdir(parents=True)
        return folder

    def _publish(self, name: str, frame: DataFrame) -> None:
        folder = self._folder(name)
        try:
            frame.write.mode("overwrite").parquet(str(folder))
        except Exception as exc:
            exc.add_note(f"aidmatch step {name}: Spark failed while running it")
            raise
        self._register(name, folder)

    def _register(self, name: str, folder: Path) -> None:
        self.spark.sparkContext.setJobDescription(f"aidmatch {name}")
        self.spark.read.parquet(str(folder)).createOrReplaceTempView(name)
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS "
                         f"SELECT * FROM read_parquet({_quoted(str(folder / '*.parquet'))})")
