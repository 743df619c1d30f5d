"""Named DuckDB steps."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from aidmatch.steps import Steps


def test_from_batches_copies_every_row_in_order_and_lets_the_batches_go() -> None:
    schema = pa.schema([("record_id", pa.int64()), ("name", pa.string())])
    batches = [pa.record_batch([pa.array(range(start, start + 3)),
                                pa.array([f"n{i}" for i in range(start, start + 3)])],
                               schema=schema) for start in (1, 4, 7)]
    steps = Steps(duckdb.connect())
    assert steps.from_batches("records", schema, batches) == 9
    assert batches == []  # drained: nothing keeps the loaded batches alive
    rows = steps.con.execute("SELECT record_id, name FROM records").fetchall()
    assert rows == [(i, f"n{i}") for i in range(1, 10)]
    assert [r.name for r in steps.records] == ["records"]


def test_from_batches_with_no_batches_makes_an_empty_table_of_the_schema() -> None:
    schema = pa.schema([("record_id", pa.int64()), ("amount", pa.decimal128(14, 2))])
    steps = Steps(duckdb.connect())
    assert steps.from_batches("records", schema, []) == 0
    columns = steps.con.execute("DESCRIBE records").fetchall()
    assert [(c[0], c[1]) for c in columns] == [("record_id", "BIGINT"),
                                               ("amount", "DECIMAL(14,2)")]
