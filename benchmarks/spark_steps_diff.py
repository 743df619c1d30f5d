"""Step by step, what Spark makes of each DuckDB step: the first statement the Spark dialect
gets wrong, with every input exactly DuckDB's.

    .venv/bin/python benchmarks/spark_steps_diff.py [--students 300] [--seed 5] [--all]

Reconciles a synthetic city on DuckDB. After each step its table is copied to Parquet and
registered in a local Spark session; each statement is also rewritten for Spark
(:func:`aidmatch.spark.dialect.spark_sql`) and run there on DuckDB's own inputs, and the two
results are compared as sorted rows (floats to 9 places, decimals as floats). Prints one line per
step (ok, differs, fails) and stops at the first problem unless ``--all``. A step whose input is
an Arrow table from Python (``*_arrow``) is copied, not compared.
"""

from __future__ import annotations

import argparse
import decimal
import sys
import tempfile
from pathlib import Path
from typing import Any

from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from aidmatch.spark import dialect
from aidmatch.spark.session import spark_session
from aidmatch.steps import Macro, Params, Steps
from aidmatch.synth import generate_city


def _value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return round(float(value), 9)
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, list | tuple):
        return tuple(_value(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _value(v)) for k, v in value.items()))
    return value


def _rows(table: Any) -> list[tuple[Any, ...]]:
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return sorted((tuple(_value(v) for v in row) for row in zip(*columns, strict=True)), key=repr)


class Problem(Exception):
    pass


class ShadowSteps(Steps):
    spark: Any
    folder: Path
    macros: dict[str, Macro]
    stop: bool
    problems: int = 0
    _copying: bool = False

    def table(self, name: str, sql: str, params: Params = None) -> int:
        rows = super().table(name, sql, params)
        path = self.folder / f"{name}-{len(self.records)}.parquet"
        self.con.execute(f"COPY {name} TO '{path}' (FORMAT parquet)")
        if not self._copying:
            self._compare(name, sql, params)
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)
        return rows

    def from_arrow(self, name: str, table: Any) -> int:
        self._copying = True
        try:
            return super().from_arrow(name, table)
        finally:
            self._copying = False

    def macro(self, macro: Macro) -> None:
        super().macro(macro)
        self.macros[macro.name.lower()] = macro

    def _describe(self, query: str) -> list[str]:
        return [str(row[0]) for row in self.con.execute(f"DESCRIBE {query}").fetchall()]

    def _compare(self, name: str, sql: str, params: Params) -> None:
        try:
            rewritten = dialect.spark_sql(sql, params, self.macros, self._describe)
            expected_table = self.con.sql(f"SELECT * FROM {name}").to_arrow_table()
            # by column name: Spark puts a USING join's keys first in SELECT *
            got = _rows(self.spark.sql(rewritten).toArrow().select(expected_table.column_names))
        except Exception as exc:
            self._report(name, f"fails: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}",
                         sql)
            return
        expected = _rows(expected_table)
        if got == expected:
            print(f"ok       {name} ({len(expected)} rows)")
            return
        extra = [r for r in got if r not in expected][:3]
        missing = [r for r in expected if r not in got][:3]
        self._report(name, f"differs: Spark {len(got)} rows, DuckDB {len(expected)}; "
                           f"Spark only {extra}; DuckDB only {missing}", sql)

    def _report(self, name: str, what: str, sql: str) -> None:
        self.problems += 1
        print(f"PROBLEM  {name}: {what}")
        if self.stop:
            print(sql)
            raise Problem(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--all", action="store_true", help="go on after a problem")
    args = parser.parse_args()
    semester = Semester.parse("2025-spring")
    with tempfile.TemporaryDirectory(prefix="aidmatch-spark-diff-") as folder:
        root = Path(folder)
        generate_city(root / "city", students=args.students, seed=args.seed, semester=semester)
        (root / "steps").mkdir()
        with spark_session(threads=2, local_dir=root / "spark-local") as spark:
            import aidmatch.pipeline as pipeline

            def shadow(con: Any) -> ShadowSteps:
                steps = ShadowSteps(con)
                steps.spark, steps.folder, steps.macros = spark, root / "steps", {}
                steps.stop = not args.all
                return steps

            made: list[ShadowSteps] = []
            original = pipeline.Steps
            pipeline.Steps = lambda con: made.append(shadow(con)) or made[-1]  # type: ignore[misc,assignment]
            try:
                reconcile(root / "city" / "exports", semester, root / "out", db_path=None)
            except Problem:
                return 1
            finally:
                pipeline.Steps = original  # type: ignore[misc]
            problems = sum(s.problems for s in made)
            print("every step the same on Spark" if not problems else f"{problems} problems")
            return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
