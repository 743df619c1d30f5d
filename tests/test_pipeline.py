"""End to end on hand-built exports where every student's outcome is known."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from aidmatch import bench
from aidmatch.outputs.lists import GAP_HEADERS
from aidmatch.pipeline import RunResult, reconcile
from aidmatch.semester import Semester
from tests.builders import read_csv
from tests.conftest import EXPECTED_GAPS, STUDENTS

SPRING = Semester.parse("2025-spring")


@pytest.fixture
def run(mini_exports: Path, tmp_path: Path) -> RunResult:
    return reconcile(mini_exports, SPRING, tmp_path / "out", db_path=tmp_path / "a.duckdb")


def _gap_keys(out: Path) -> set[str]:
    by_no = {s.student_no: key for key, s in STUDENTS.items()}
    return {by_no[row["学籍号"]] for row in read_csv(out / "gaps.csv")}


def test_gap_list_is_exactly_the_expected_students(run: RunResult) -> None:
    assert _gap_keys(run.out_dir) == EXPECTED_GAPS
    assert run.gaps == len(EXPECTED_GAPS)


def test_gap_list_columns_and_evidence(run: RunResult) -> None:
    rows = {r["姓名"]: r for r in read_csv(run.out_dir / "gaps.csv")}
    assert list(rows["王芳"].keys()) == GAP_HEADERS
    wang = rows["王芳"]
    assert wang["困难类型"] == "城乡低保家庭学生"
    assert wang["学段"] == "初中" and wang["就读方式"] == "住校"
    assert wang["建议资助项目"] == "义务教育家庭经济困难寄宿生生活补助"
    assert wang["建议金额（元）"] == "750"
    assert "低保名单.xlsx「农村低保」第4行（成员1）" in wang["来源"]
    assert "身份证号" in wang["匹配方式"]
    li = rows["李四"]
    assert li["困难类型"] == "残疾人子女"
    assert "家庭成员身份证号（成员1 母亲 李母）" in li["匹配方式"]
    assert li["建议金额（元）"] == "312.5"
    chen = rows["陈小龙"]
    assert chen["困难类型"] == "城乡低保家庭学生"
    assert chen["建议资助项目"] == "普通高中国家助学金；普通高中免学杂费（金额按当地标准）"
    assert chen["建议金额（元）"] == "1150"
    assert rows["吴子轩"]["困难类型"] == "事实无人抚养儿童"
    assert rows["郑一"]["困难类型"] == "家庭经济困难残疾学生"


def test_household_recognises_a_member_whose_id_is_lost(run: RunResult) -> None:
    rows = {r["姓名"]: r for r in read_csv(run.out_dir / "gaps.csv")}
    he = rows["何小伟"]
    assert he["困难类型"] == "脱贫家庭学生"
    assert "同户成员姓名（成员1 父亲 何父）" in he["匹配方式"]
    # the same name in a household with none of the student's family is not the student
    assert "严七" not in rows
    matches = read_csv(run.out_dir / "matches.csv")
    assert all(m["记录姓名"] != "严七" for m in matches)


def test_parent_id_completed_from_a_siblings_registry_row(run: RunResult) -> None:
    rows = {r["姓名"]: r for r in read_csv(run.out_dir / "gaps.csv")}
    assert rows["孟一"]["困难类型"] == rows["孟二"]["困难类型"] == "残疾人子女"
    assert "证件号取自兄弟姐妹的学籍记录" in rows["孟二"]["匹配方式"]
    assert "兄弟姐妹" not in rows["孟一"]["匹配方式"]


def test_twin_id_in_the_other_twins_row_goes_to_the_named_twin(run: RunResult) -> None:
    matches = read_csv(run.out_dir / "matches.csv")
    twin_row = next(m for m in matches if m["记录姓名"] == "吴子轩")
    assert twin_row["学生姓名"] == "吴子轩"
    assert twin_row["学籍号"] == STUDENTS["twin_b"].student_no
    assert "另一名学生" in twin_row["说明"]


def test_id_with_a_clearly_different_name_is_reviewed_not_linked(run: RunResult) -> None:
    review = read_csv(run.out_dir / "review.csv")
    assert [(r["记录姓名"], r["候选学生姓名"], r["原因"]) for r in review] == [
        ("陈大力", "冯三", "身份证号一致但姓名不符")]
    assert all(m["记录姓名"] != "陈大力" for m in read_csv(run.out_dir / "matches.csv"))


def test_payments_link_by_student_number_and_by_precision_lost_id(run: RunResult) -> None:
    methods = {(m["记录姓名"], m["匹配方式"]) for m in read_csv(run.out_dir / "matches.csv")
               if m["名单类型"] == "aid"}
    assert ("赵六", "学籍号") in methods
    assert ("周九", "身份证前15位+姓名") in methods
    assert ("周九", "姓名+学校") in methods


def test_every_row_is_accounted_for(run: RunResult) -> None:
    for sheet in run.summary.sheets:
        assert sheet.data_rows == sheet.linked + sheet.unlinked + sheet.rejected, sheet
    rejects = read_csv(run.out_dir / "rejects.csv")
    reasons = {(r["文件"], r["原因"]) for r in rejects}
    assert ("低保名单.xlsx", "合计/小计行") in reasons
    assert ("防返贫监测和脱贫人口.xlsx", "空行") in reasons
    assert ("防返贫监测和脱贫人口.xlsx", "重复的表头行") in reasons
    assert ("资助发放明细.csv", "不是本学期的发放记录（2024-autumn）") in reasons
    # rejects never show a full ID
    assert all("*" in r["证件号"] or not r["证件号"] for r in rejects)


def test_summary_counts(run: RunResult) -> None:
    total = run.summary.total
    assert total.enrolled == len(STUDENTS) - 1  # 张三 转出
    assert total.gaps == len(EXPECTED_GAPS)
    assert total.key_students == total.aided + total.gaps
    data = json.loads((run.out_dir / "summary.json").read_text(encoding="utf-8"))
    assert data["total"]["gaps"] == len(EXPECTED_GAPS)
    assert any("说明" in note and "跳过" in note for note in run.summary.notes)


def test_rerun_replaces_the_semester_and_is_deterministic(mini_exports: Path,
                                                          tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    first = reconcile(mini_exports, SPRING, tmp_path / "one", db_path=db)
    second = reconcile(mini_exports, SPRING, tmp_path / "two", db_path=db)
    for name in ("gaps.csv", "matches.csv", "rejects.csv", "review.csv", "key_students.csv"):
        assert (first.out_dir / name).read_bytes() == (second.out_dir / name).read_bytes(), name
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM gaps").fetchall()[0][0] == len(EXPECTED_GAPS)
        assert con.execute("SELECT count(*) FROM runs").fetchall()[0][0] == 2
    assert oct(db.stat().st_mode & 0o777) == "0o600"


def test_masked_outputs_hide_ids(mini_exports: Path, tmp_path: Path) -> None:
    result = reconcile(mini_exports, SPRING, tmp_path / "out", db_path=None, masked=True)
    for row in read_csv(result.out_dir / "gaps.csv"):
        assert row["身份证件号"].count("*") == 10


def test_vlookup_baseline_misses_what_normalisation_finds(mini_exports: Path,
                                                          tmp_path: Path) -> None:
    baseline = bench.reconcile(mini_exports, SPRING, tmp_path / "vl", "vlookup", db_path=None)
    found = _gap_keys(baseline.out_dir)
    # IDs with spaces (王芳, 陈小龙) are not found on the rosters; the twin's row goes by ID alone;
    # payments found only by 学籍号 or a precision-lost ID look unpaid; a roster row with the wrong
    # name is taken at face value.
    assert EXPECTED_GAPS - found == {"dibao_member", "household_filled", "twin_b",
                                     "household_only", "sibling_b"}
    assert found - EXPECTED_GAPS == {"twin_a", "paid_by_student_no", "orphan_paid_lost_id",
                                     "name_conflict"}


def test_a_database_of_the_previous_version_takes_the_new_columns(mini_exports: Path,
                                                                  tmp_path: Path) -> None:
    """A table stored by a version without a column this one adds (records.members_count and
    start_date, family.guardian_flag) gets the column: the database and its review decisions
    stay."""
    db = tmp_path / "a.duckdb"
    reconcile(mini_exports, SPRING, tmp_path / "out", db_path=db)
    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE records DROP COLUMN members_count")
        con.execute("ALTER TABLE records DROP COLUMN start_date")
        con.execute("ALTER TABLE family DROP COLUMN guardian_flag")
    again = reconcile(mini_exports, SPRING, tmp_path / "out2", db_path=db)
    assert again.gaps == len(EXPECTED_GAPS)
    with duckdb.connect(str(db), read_only=True) as con:
        # the two wide 低保 rows, 户主 and member each, carry 保障人数
        assert con.execute("SELECT count(members_count) FROM records").fetchone() == (4,)
        columns = {name for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'family'").fetchall()}
        assert "guardian_flag" in columns
