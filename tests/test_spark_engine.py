"""The Spark engine (issue 16): the declared stages on :class:`aidmatch.spark.steps.SparkSteps`.

One local Spark session (``local[2]``) serves the whole file: a JVM takes seconds to start.
The unit tests check what SparkSteps adds to the steps (every step a Spark view and a DuckDB
view over the same Parquet files; scored steps in the executors; macros expanded); the proof
test reconciles one small synthetic city on both engines and compares every result file.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from aidmatch import keys
from aidmatch.errors import UsageError
from aidmatch.link.blocking import name_pinyin_batch
from aidmatch.link.features import id_distance_batch, name_levels_batch
from aidmatch.pipeline import reconcile
from aidmatch.runner import CHECK_PLAN_ENV, PlanError, Runner, Stage
from aidmatch.semester import Semester
from aidmatch.spark import session as spark_session_module
from aidmatch.spark.session import SparkUnavailable, check_spark, spark_session
from aidmatch.steps import Macro, Steps
from aidmatch.synth import generate_city

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[1]
SPRING = Semester.parse("2025-spring")


def _spark_missing() -> str | None:
    try:
        check_spark()
    except SparkUnavailable as exc:
        return str(exc)
    return None


needs_spark = pytest.mark.skipif(_spark_missing() is not None,
                                 reason=f"Spark cannot run here: {_spark_missing()}")


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if (missing := _spark_missing()) is not None:
        pytest.skip(missing)
    with spark_session(threads=2, local_dir=tmp_path_factory.mktemp("spark-local")) as session:
        yield session


@pytest.fixture
def both(spark: Any, tmp_path: Path) -> tuple[Steps, Any]:
    """A DuckDB steps and a Spark steps, each over a connection of its own."""
    from aidmatch.spark.steps import SparkSteps

    return (Steps(duckdb.connect()),
            SparkSteps(duckdb.connect(), spark=spark, warehouse=tmp_path / "tables"))


NAMES = pa.table({
    "record_name": ["王芳", "欣怡", "张天?", "刘玏朗", "张伟", "王子涵"],
    "student_name": ["王方", "心怡", "张天煊", "刘力朗", "李娜", "王子轩"],
    "record_digits": ["610102201001011234", "61010220100101123X", "610102201001011234",
                      "610102201001011234", "610102", "610102201001011234"],
    "student_digits": ["610102201001011243", "610102201001011234", "610102201001015678",
                       "710102201001011234", "610103", "610102201001011234"],
})


def _sorted(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[Any, ...]]:
    return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def test_a_step_is_a_spark_view_and_a_duckdb_view_of_the_same_files(both: tuple[Steps, Any]
                                                                     ) -> None:
    _, steps = both
    assert steps.table("a", "SELECT x, x * 2 AS y FROM (VALUES (1), (2), (3)) t(x)") == 3
    assert steps.table("b", "SELECT x FROM a WHERE y > ?", [2]) == 2
    assert _sorted(steps.con, "b") == [(2,), (3,)]
    assert sorted(tuple(r) for r in steps.spark.table("b").collect()) == [(2,), (3,)]
    assert [r.name for r in steps.records] == ["a", "b"]
    # the runner's catalog sees the views, so its checks hold for Spark's steps too
    runner = Runner(steps, lambda *event: None, strict=True)
    assert {"a", "b"} <= set(runner._catalog())


def test_an_empty_step_still_has_its_columns(both: tuple[Steps, Any]) -> None:
    _, steps = both
    assert steps.table("none", "SELECT x, 'a' AS s FROM (VALUES (1)) t(x) WHERE x > 5") == 0
    assert [c[0] for c in steps.con.execute("DESCRIBE none").fetchall()] == ["x", "s"]


def test_arrow_input_is_written_as_parquet_and_read_by_both_engines(
        both: tuple[Steps, Any]) -> None:
    duck, steps = both
    schema = pa.schema([("record_id", pa.int64()), ("amount", pa.decimal128(14, 2)),
                        ("name", pa.string())])
    rows = [pa.record_batch([pa.array([i]), pa.array([None], pa.decimal128(14, 2)),
                             pa.array([f"n{i}"])], schema=schema) for i in (1, 2)]
    for engine in (duck, steps):
        assert engine.from_batches("records", schema, list(rows)) == 2
    assert _sorted(steps.con, "records") == _sorted(duck.con, "records")
    assert (steps.con.execute("DESCRIBE records").fetchall()
            == duck.con.execute("DESCRIBE records").fetchall())
    assert steps.rows("SELECT count(*) FROM records") == [(2,)]
    assert steps.arrow("SELECT name FROM records ORDER BY record_id").column(
        "name").to_pylist() == ["n1", "n2"]


@pytest.mark.parametrize(("fn", "columns"), [
    (name_levels_batch, "record_name, student_name"),
    (id_distance_batch, "record_digits, student_digits"),
    (name_pinyin_batch, "record_name AS name_key"),
])
def test_a_scored_step_in_the_executors_gives_what_duckdb_gives(
        both: tuple[Steps, Any], fn: Any, columns: str) -> None:
    duck, steps = both
    for engine in (duck, steps):
        engine.from_arrow("pairs", NAMES)
        assert engine.scored("scored", f"SELECT {columns} FROM pairs", fn) == NAMES.num_rows
    assert _sorted(steps.con, "scored") == _sorted(duck.con, "scored")
    assert (steps.con.execute("DESCRIBE scored").fetchall()
            == duck.con.execute("DESCRIBE scored").fetchall())


def test_a_macro_is_expanded_for_spark(both: tuple[Steps, Any]) -> None:
    duck, steps = both
    for engine in (duck, steps):
        engine.macro(Macro("twice", ("v",), "v * 2"))
        engine.table("m", "SELECT twice(x) + 1 AS y FROM (VALUES (1), (20)) t(x)")
    assert _sorted(steps.con, "m") == _sorted(duck.con, "m") == [(3,), (41,)]


def test_case_numbers_are_keyed_the_same_on_spark(both: tuple[Steps, Any]) -> None:
    duck, steps = both
    secret = "00" * 32
    sql = ("SELECT " + keys.case_key_sql("LZ", "id") + " AS case_key "
           "FROM (VALUES ('611022201212127771')) t(id)")
    for engine in (duck, steps):
        engine.macro(keys.keyed_hash_macro(secret))
        engine.table("cases", sql, ["2025-spring"])
    expected = keys.case_key("LZ", "2025-spring", "611022201212127771", secret)
    assert _sorted(steps.con, "cases") == _sorted(duck.con, "cases") == [(expected,)]


def test_the_strict_check_sees_an_undeclared_spark_step(both: tuple[Steps, Any]) -> None:
    _, steps = both

    def work(s: Steps, context: None) -> None:
        s.table("declared", "SELECT 1 AS x")
        s.table("undeclared", "SELECT 1 AS x")

    runner = Runner(steps, lambda *event: None, strict=True)
    with pytest.raises(PlanError, match="undeclared"):
        list(runner.run([Stage[None]("test", "测试", (), ("declared",), work)], None))


def test_without_pyspark_the_message_says_what_to_install(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SparkUnavailable, match="pyspark") as raised:
        check_spark()
    assert 'pip install "aidmatch[spark]"' in str(raised.value)


def test_an_old_java_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    java = tmp_path / "java"
    java.write_text('#!/bin/sh\necho \'openjdk version "11.0.2" 2019-01-15\' >&2\n')
    java.chmod(0o755)
    monkeypatch.setattr(spark_session_module, "_java", lambda: str(java))
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed")
    with pytest.raises(SparkUnavailable, match="Java 17") as raised:
        check_spark()
    assert "Java 11" in str(raised.value)
    assert raised.value.exit_code == 5


def test_no_java_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spark_session_module, "_java", lambda: None)
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed")
    with pytest.raises(SparkUnavailable, match="未找到 Java"):
        check_spark()


def test_the_command_line_offers_the_engine() -> None:
    from click.testing import CliRunner

    from aidmatch.cli import main

    text = CliRunner().invoke(main, ["reconcile", "--help"]).output
    assert "--engine [duckdb|spark]" in text and "--spark-master URL" in text


@pytest.mark.parametrize(("engine", "master", "message"), [
    ("sqlite", None, "未知的引擎"),
    ("duckdb", "spark://host:7077", "只用于 --engine spark"),
])
def test_a_wrong_engine_is_a_usage_error_before_anything_is_read(
        tmp_path: Path, engine: str, master: str | None, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        reconcile(tmp_path / "missing", SPRING, tmp_path / "out", db_path=None, engine=engine,
                  spark_master=master)
    assert not (tmp_path / "out").exists()


def _fingerprints(folder: Path) -> dict[str, str]:
    path = ROOT / "benchmarks" / "output_identity.py"
    spec = importlib.util.spec_from_file_location("output_identity", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found: dict[str, str] = module.fingerprint_folder(folder)
    return found


@needs_spark
def test_spark_and_duckdb_write_the_same_result_files(spark: Any, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """THE proof: one city, both engines, every result file the same (case numbers, keyed by
    each run's own secret, are left out by the fingerprints, as output_identity does), under
    the runner's strict check."""
    monkeypatch.setenv(CHECK_PLAN_ENV, "1")
    generate_city(tmp_path / "city", students=300, seed=5, semester=SPRING)
    exports = tmp_path / "city" / "exports"
    outputs = {}
    for engine in ("duckdb", "spark"):
        outputs[engine] = tmp_path / engine
        reconcile(exports, SPRING, outputs[engine], db_path=None, masked=False, engine=engine)
    duck, sparked = (_fingerprints(outputs[e]) for e in ("duckdb", "spark"))
    assert sorted(sparked) == sorted(duck)
    differing = [name for name in sorted(duck) if duck[name] != sparked[name]]
    assert differing == [], f"first differing file: {differing[0] if differing else None}"


@needs_spark
def test_a_spark_run_may_use_what_a_duckdb_run_may_by_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spark's own 1 GB driver fails a 200,000-student city (a broadcast join does not fit): a
    run without --memory-limit gives Spark DuckDB's default (a quarter of the machine)."""
    from aidmatch import pipeline
    from aidmatch.spark import steps as spark_steps

    seen: dict[str, Any] = {}

    @contextlib.contextmanager
    def session(master: str | None, threads: int | None, memory: str | None,
                local_dir: Path) -> Iterator[object]:
        seen.update(master=master, memory=memory)
        yield object()

    monkeypatch.setattr(spark_session_module, "spark_session", session)
    for limit, expected in ((None, pipeline.default_memory_limit(duckdb.connect())),
                            ("3GB", "3GB")):
        with contextlib.ExitStack() as closing:
            steps = pipeline._steps(pipeline.Engine("spark"), duckdb.connect(), tmp_path,
                                    pipeline.Resources(memory_limit=limit), closing)
        assert isinstance(steps, spark_steps.SparkSteps)
        assert seen == {"master": None, "memory": expected}
