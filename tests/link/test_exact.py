"""Exact keys (link/exact.py) on minimal rosters.

Students whose registry row names no 区县: placed by their school's county from other rows.

A minimal registry: 龙驹寨小学's other students name 丹凤县; 东关小学 is known by its 学校标识码
(another row of that code, spelt 东关镇小学, names 商南县); 北街小学 has no county anywhere in the
registry, but its payments name 商州区; 中心小学 is in two counties, so its student with no county
stays under （未填区县）.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from aidmatch.config import Rules
from aidmatch.link.exact import COUNTY_SOURCES
from aidmatch.outputs.summary import UNKNOWN_COUNTY
from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from tests.builders import make_id, read_csv, write_csv

SPRING = Semester(2025, "spring")
DANFENG = "611022"

# name: (学校名称, 学校标识码, 区县, on the 低保 roster, paid)
REGISTRY = {
    "王芳": ("龙驹寨小学", "", "丹凤县", False, False),
    "李强": ("龙驹寨小学", "", "", True, False),
    "马丽": ("东关镇小学", "4161000001", "商南县", False, False),
    "刘洋": ("东关小学", "4161000001", "", True, False),
    "赵敏": ("北街小学", "", "", True, False),
    "钱多": ("北街小学", "", "", False, True),
    "孙琳": ("中心小学", "", "丹凤县", False, False),
    "周全": ("中心小学", "", "商州区", False, False),
    "吴双": ("中心小学", "", "", True, False),
}


def _id(n: int) -> str:
    return make_id(DANFENG, "20150101", f"{n:03d}")


@pytest.fixture(scope="module")
def placed(tmp_path_factory: pytest.TempPathFactory, rules: Rules) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("counties")
    exports = base / "exports"
    exports.mkdir()
    write_csv(exports / "学籍名单.csv", [
        ["学籍号", "姓名", "身份证件号", "学籍状态", "就读方式", "年级", "班级", "学校名称",
         "学校标识码", "区县"],
        *(["G" + _id(n), name, _id(n), "在读", "走读", "三年级", "1班", school, code, county]
          for n, (name, (school, code, county, _, _)) in enumerate(REGISTRY.items(), 1))])
    roster = [["户编号", "姓名", "身份证号", "与户主关系", "保障类别", "保障状态"]]
    for n, (name, (_, _, _, poor, _)) in enumerate(REGISTRY.items(), 1):
        if poor:
            roster += [[f"H{n}", "家长" + name, make_id(DANFENG, "19850101", f"{n:03d}"), "户主",
                        "农村低保", "正常"],
                       [f"H{n}", name, _id(n), "之子", "", ""]]
    write_csv(exports / "低保名单.csv", roster)
    write_csv(exports / "资助发放明细.csv", [
        ["学年", "学期", "区县", "学校名称", "学籍号", "姓名", "身份证号", "年级", "班级",
         "资助项目名称", "资助金额（元）", "发放方式"],
        *(["2024-2025", "第二学期", "商州区", school, "G" + _id(n), name, _id(n), "三年级", "1班",
           "义务教育家庭经济困难非寄宿生生活补助", "312.5", "银行卡"]
          for n, (name, (school, _, _, _, paid)) in enumerate(REGISTRY.items(), 1) if paid)])
    db = base / "aid.duckdb"
    reconcile(exports, SPRING, base / "out", db_path=db, rules=rules)
    return base / "out", db


def test_students_are_placed_by_their_schools_county(placed: tuple[Path, Path]) -> None:
    _, db = placed
    with duckdb.connect(str(db), read_only=True) as con:
        rows = dict(((name, (county, source)) for name, county, source in con.execute(
            "SELECT name, county, county_source FROM students").fetchall()))
    assert rows == {
        "王芳": ("丹凤县", None),
        "李强": ("丹凤县", COUNTY_SOURCES["registry_school"]),
        "马丽": ("商南县", None),
        "刘洋": ("商南县", COUNTY_SOURCES["registry_code"]),
        "赵敏": ("商州区", COUNTY_SOURCES["aid_school"]),
        "钱多": ("商州区", COUNTY_SOURCES["aid_school"]),
        "孙琳": ("丹凤县", None),
        "周全": ("商州区", None),
        "吴双": (None, None),  # 中心小学 is in two counties: nobody is placed by it
    }


def test_the_gap_list_and_summary_say_where_the_county_came_from(
        placed: tuple[Path, Path]) -> None:
    out, _ = placed
    gaps = {row["姓名"]: row for row in read_csv(out / "gaps.csv")}
    assert set(gaps) == {"李强", "刘洋", "赵敏", "吴双"}
    assert gaps["李强"]["区县"] == "丹凤县"
    assert gaps["李强"]["来源"].endswith("；" + COUNTY_SOURCES["registry_school"])
    assert gaps["刘洋"]["区县"] == "商南县"
    assert COUNTY_SOURCES["registry_code"] in gaps["刘洋"]["来源"]
    assert gaps["赵敏"]["区县"] == "商州区"
    assert COUNTY_SOURCES["aid_school"] in gaps["赵敏"]["来源"]
    assert gaps["吴双"]["区县"] == "" and "区县按" not in gaps["吴双"]["来源"]
    summary = (out / "summary.txt").read_text(encoding="utf-8-sig")
    assert ("4 名在读学生的学籍记录未填区县，已按所在学校的区县归入：" in summary
            and "资助发放名单中同名学校的发放记录 2 人" in summary
            and "学籍名单中同一学校标识码的其他学生 1 人" in summary
            and "学籍名单中同名学校的其他学生 1 人" in summary), summary
    assert f"1 名在读学生的学籍记录未填区县，其学校在其他名单中也没有唯一的区县，列在{UNKNOWN_COUNTY}下" \
        in summary
    counties = {c["county"]: c for c in
                json.loads((out / "summary.json").read_text(encoding="utf-8"))["counties"]}
    assert counties[UNKNOWN_COUNTY]["enrolled"] == 1
    assert counties["商州区"]["enrolled"] == 3


# Payments without a 学籍号 or ID column: 姓名+学校+年级（+班级） when unique on both sides ----

REGION = "520526"
WEINING_SCHOOL = "威宁县第一小学"
OTHER = make_id(REGION, "20150302", "121")  # the other 王芳, same school, another grade


def _payment_exports(folder: Path, payments: list[list[str]]) -> Path:
    folder.mkdir()
    write_csv(folder / "学籍.csv", [
        ["学籍号", "姓名", "性别", "出生日期", "身份证件类型", "身份证件号", "学籍状态", "就读方式",
         "年级", "班级", "学校名称", "区县"],
        # a J-学籍号 student: no ID
        ["J520526201902167243", "王芳", "女", "2019-02-16", "其他", "", "在读", "走读", "一年级",
         "2班", WEINING_SCHOOL, "威宁县"],
        ["G" + OTHER, "王芳", "女", "2015-03-02", "居民身份证", OTHER, "在读", "走读", "四年级",
         "1班", WEINING_SCHOOL, "威宁县"],
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
    exports = _payment_exports(tmp_path / "exports", [
        ["学期", "姓名", "学校名称", "年级", "班级", "资助项目名称", "资助金额（元）"],
        ["2025年春季学期", "王芳", WEINING_SCHOOL, "一年级", "2班", "义务教育家庭经济困难非寄宿生生活补助",
         "312.5"],
    ])
    result = reconcile(exports, SPRING, tmp_path / "out", db_path=None)
    gaps = read_csv(result.out_dir / "gaps.csv")
    assert [row["学籍号"] for row in gaps] == ["G" + OTHER]
    keys = read_csv(result.out_dir / "key_students.csv")
    paid = [row for row in keys if row["学籍号"] == "J520526201902167243"]
    assert paid and paid[0]["本学期已资助"] == "是"


def test_name_school_grade_shared_by_two_students_links_neither(tmp_path: Path) -> None:
    exports = _payment_exports(tmp_path / "exports", [
        ["学期", "姓名", "学校名称", "年级", "资助项目名称", "资助金额（元）"],
        ["2025年春季学期", "王芳", WEINING_SCHOOL, "一年级", "义务教育家庭经济困难非寄宿生生活补助",
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
    row = ["2025年春季学期", "王芳", WEINING_SCHOOL, "一年级", "2班", "义务教育家庭经济困难非寄宿生生活补助",
           "312.5"]
    exports = _payment_exports(tmp_path / "exports", [
        ["学期", "姓名", "学校名称", "年级", "班级", "资助项目名称", "资助金额（元）"], row,
        [*row[:4], "2班", row[5], "300"],
    ])
    result = reconcile(exports, SPRING, tmp_path / "out", db_path=None)
    keys = read_csv(result.out_dir / "key_students.csv")
    assert {row["本学期已资助"] for row in keys} == {"否"}
    # neither row is linked; both may be the 一年级2班 王芳's: a county confirms them
    # (资助记录待确认), the other 王芳 is 漏助
    assert [row["学籍号"] for row in read_csv(result.out_dir / "gaps.csv")] == ["G" + OTHER]
    pending = read_csv(result.out_dir / "pending_payment.csv")
    assert [row["学籍号"] for row in pending] == ["J520526201902167243"]
    assert pending[0]["资助记录来源"].count("资助.csv") == 2


def test_a_payment_with_the_old_id_the_student_number_keeps_is_the_students(
        tmp_path: Path) -> None:
    # after an ID change the G-学籍号 keeps the old ID (domain.md); a payment list that kept the
    # old ID, truncated by Excel to 15 digits, and wrote the name with a homophone (王盛 for 王晟)
    # is the student's payment in the student's school — not someone else's ID
    folder = tmp_path / "exports"
    folder.mkdir()
    old_id, new_id = make_id("611022", "20210221", "151"), make_id("611024", "20210122", "621")
    write_csv(folder / "学籍.csv", [
        ["学籍号", "姓名", "身份证件号", "学籍状态", "年级", "学校名称", "区县"],
        ["G" + old_id, "王晟", new_id, "在读", "小班", "中村镇中心幼儿园", "山阳县"],
    ])
    write_csv(folder / "低保.csv", [
        ["姓名", "身份证号", "保障类别", "保障状态"], ["王晟", new_id, "农村低保", "正常"],
    ])
    write_csv(folder / "资助.csv", [
        ["学期", "姓名", "身份证件号", "学校名称", "年级", "资助项目名称", "资助金额（元）"],
        ["2025年春季学期", "王盛", "6." + old_id[1:15] + "E+17", "中村镇中心幼儿园", "小班",
         "家庭经济困难幼儿资助", "375"],
    ])
    result = reconcile(folder, SPRING, tmp_path / "out", db_path=None)
    assert read_csv(result.out_dir / "gaps.csv") == []
    keys = read_csv(result.out_dir / "key_students.csv")
    assert [row["本学期已资助"] for row in keys] == ["是"]
