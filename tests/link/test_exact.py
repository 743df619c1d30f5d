"""Exact keys (link/exact.py) on minimal rosters."""

from __future__ import annotations

from pathlib import Path

from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from tests.builders import make_id, read_csv, write_csv

SPRING = Semester.parse("2025-spring")
REGION = "520526"
SCHOOL = "威宁县第一小学"
OTHER = make_id(REGION, "20150302", "121")  # the other 王芳, same school, another grade


def _exports(folder: Path, payments: list[list[str]]) -> Path:
    folder.mkdir()
    write_csv(folder / "学籍.csv", [
        ["学籍号", "姓名", "性别", "出生日期", "身份证件类型", "身份证件号", "学籍状态", "就读方式",
         "年级", "班级", "学校名称", "区县"],
        # a J-学籍号 student: no ID
        ["J520526201902167243", "王芳", "女", "2019-02-16", "其他", "", "在读", "走读", "一年级",
         "2班", SCHOOL, "威宁县"],
        ["G" + OTHER, "王芳", "女", "2015-03-02", "居民身份证", OTHER, "在读", "走读", "四年级",
         "1班", SCHOOL, "威宁县"],
    ])
    write_csv(folder / "孤儿.csv", [
        ["儿童姓名", "性别", "出生日期", "身份证号码", "类别"],
        ["王芳", "女", "2019-02-16", "", "孤儿"],
        ["王芳", "女", "2015-03-02", OTHER, "孤儿"],
    ])
    write_csv(folder / "资助.csv", payments)
    return folder


def test_payment_without_student_number_links_by_name_school_grade_and_class(
        tmp_path: Path) -> None:
    # the list has no 学籍号 or ID column: name + school is two students, name + school + grade
    # (+ class) is one
    exports = _exports(tmp_path / "exports", [
        ["学期", "姓名", "学校名称", "年级", "班级", "资助项目名称", "资助金额（元）"],
        ["2025年春季学期", "王芳", SCHOOL, "一年级", "2班", "义务教育家庭经济困难非寄宿生生活补助",
         "312.5"],
    ])
    result = reconcile(exports, SPRING, tmp_path / "out", db_path=None)
    gaps = read_csv(result.out_dir / "gaps.csv")
    assert [row["学籍号"] for row in gaps] == ["G" + OTHER]
    keys = read_csv(result.out_dir / "key_students.csv")
    paid = [row for row in keys if row["学籍号"] == "J520526201902167243"]
    assert paid and paid[0]["本学期已资助"] == "是"


def test_name_school_grade_shared_by_two_students_links_neither(tmp_path: Path) -> None:
    exports = _exports(tmp_path / "exports", [
        ["学期", "姓名", "学校名称", "年级", "资助项目名称", "资助金额（元）"],
        ["2025年春季学期", "王芳", SCHOOL, "一年级", "义务教育家庭经济困难非寄宿生生活补助",
         "312.5"],
    ])
    # the other 王芳 moves to 一年级 too: the payment could be either
    registry = read_csv(exports / "学籍.csv")
    registry[1]["年级"] = "一年级"
    write_csv(exports / "学籍.csv", [list(registry[0]), *[list(r.values()) for r in registry]])
    result = reconcile(exports, SPRING, tmp_path / "out", db_path=None)
    assert len(read_csv(result.out_dir / "gaps.csv")) == 2


def test_name_school_grade_shared_by_two_payment_rows_links_neither(tmp_path: Path) -> None:
    # two rows of one programme for 王芳 in 一年级2班: one student paid twice, or someone the
    # registry does not hold — the key is not unique in the list, so it decides nothing
    row = ["2025年春季学期", "王芳", SCHOOL, "一年级", "2班", "义务教育家庭经济困难非寄宿生生活补助",
           "312.5"]
    exports = _exports(tmp_path / "exports", [
        ["学期", "姓名", "学校名称", "年级", "班级", "资助项目名称", "资助金额（元）"], row,
        [*row[:4], "2班", row[5], "300"],
    ])
    result = reconcile(exports, SPRING, tmp_path / "out", db_path=None)
    assert len(read_csv(result.out_dir / "gaps.csv")) == 2
