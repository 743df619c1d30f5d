"""Students whose registry row names no 区县: placed by their school's county from other rows.

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
