"""The pipeline as declared stages (issue 15): the declarations hold on a synthetic city under
the strict check, the runner catches a stage that breaks its word, and what users read of the
plan (``--explain``, the README's table) comes from the declarations."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from aidmatch import bench
from aidmatch.bench.linkers import LINKERS, Linker, plan_for
from aidmatch.cli import main
from aidmatch.runner import CHECK_PLAN_ENV, PlanError, Runner, Stage, plan_problems, tables_read
from aidmatch.semester import Semester
from aidmatch.stages import INPUTS, STAGE_LABELS, plan, readme_table
from aidmatch.steps import Steps
from aidmatch.synth import generate_city

SPRING = Semester.parse("2025-spring")
README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("runner-city")
    generate_city(folder, students=300, seed=5, semester=SPRING)
    return folder / "exports"


@pytest.mark.parametrize("linkage", LINKERS)
def test_every_plan_reads_only_what_an_earlier_stage_created(linkage: Linker) -> None:
    assert plan_problems(plan_for(linkage)) == []


def test_the_shipped_plan_is_the_probabilistic_one() -> None:
    assert plan() == plan_for("probabilistic")


@pytest.mark.parametrize("linkage", LINKERS)
def test_a_city_runs_under_the_strict_check(city: Path, tmp_path: Path, linkage: Linker,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHECK_PLAN_ENV, "1")
    result = bench.reconcile(city, SPRING, tmp_path / "out", linkage,
                             db_path=tmp_path / "a.duckdb")
    names = [s.name for s in result.stages]
    assert names == ["rules", "load", *(s.name for s in plan_for(linkage)), "outputs", "store"]
    made = {record.name for record in result.steps}
    for stage in plan_for(linkage):
        assert all(any(re.fullmatch(t.replace("*", ".*"), m) for m in made)
                   for t in stage.creates), stage.name


def _runner(con: duckdb.DuckDBPyConnection) -> Runner:
    return Runner(Steps(con), lambda *event: None, strict=True)


def _stage(reads: tuple[str, ...], creates: tuple[str, ...], *sql: str) -> Stage[None]:
    def work(steps: Steps, context: None) -> None:
        for name, select in zip(creates, sql, strict=False):
            steps.table(name, select)
    return Stage("test", "测试", reads, creates, work)


def test_the_runner_times_counts_and_checks_a_good_stage() -> None:
    con = duckdb.connect()
    runner = _runner(con)
    stages = [_stage((), ("a",), "SELECT 1 AS x"),
              _stage(("a",), ("b",), "SELECT x + 1 AS x FROM a")]
    assert [s.creates for s in runner.run(stages, None)] == [("a",), ("b",)]
    assert [lap.name for lap in runner.clock.times] == ["test", "test"]


def _makes(*tables: str) -> Stage[None]:
    """A stage declaring nothing that creates ``tables``."""
    def work(steps: Steps, context: None) -> None:
        for table in tables:
            steps.table(table, "SELECT 1 AS x")
    return Stage("test", "测试", (), (), work)


@pytest.mark.parametrize(("stage", "problem"), [
    (_stage((), ("a", "b"), "SELECT 1 AS x"), "没有生成声明的表 b"),
    (_makes("c"), "生成了未声明的表 c"),
    (_stage((), ("b",), "SELECT * FROM given"), "读取了未声明的表 given"),
])
def test_the_runner_catches_a_stage_that_breaks_its_word(stage: Stage[None],
                                                         problem: str) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE given AS SELECT 1 AS x")
    with pytest.raises(PlanError, match=problem):
        list(_runner(con).run([stage], None))


def test_a_stage_that_recreates_an_earlier_table_is_caught_before_running() -> None:
    stages = [_stage((), ("a",)), _stage(("a",), ("a",)), _stage(("b",), ())]
    assert plan_problems(stages) == ["阶段 test 重新生成了阶段 test 的表 a",
                                     "阶段 test 读取的表 b 没有由前面的阶段生成"]
    assert plan_problems([_stage(INPUTS, ())], given=INPUTS) == []


def test_what_a_step_reads_comes_from_the_parser() -> None:
    con = duckdb.connect()
    sql = ("WITH c AS (SELECT * FROM a) SELECT * FROM c JOIN b USING (x) "
           "WHERE x IN (SELECT x FROM d) AND y = ?")
    assert tables_read(con, sql) >= {"a", "b", "d"}


def test_the_readme_table_is_the_declarations() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- stages:begin -->\n")[1].split("\n<!-- stages:end -->")[0]
    assert table == readme_table(plan())


def test_explain_prints_the_plan_and_each_stage(city: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["reconcile", "--input", str(city), "--semester",
                                       "2025-spring", "--out", str(tmp_path / "out"), "--db",
                                       str(tmp_path / "x.duckdb"), "--explain"])
    assert result.exit_code == 0, result.output
    assert "处理计划" in result.output and "各阶段用时" in result.output
    for stage in plan():
        assert f"{stage.label}（{stage.name}）" in result.output
    assert "读取：records、family" in result.output
    assert f"{STAGE_LABELS['store']}（store）" in result.output
