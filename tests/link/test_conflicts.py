"""An ID that contradicts its row (link/conflicts.py): a 残联 row for a child that carries the
mother's ID is the child's certificate, not the mother's (issue 17, cause B / missed cause 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from tests.builders import make_id, read_csv, write_csv

SPRING = Semester.parse("2025-spring")
REGION = "611022"
DAUGHTER = make_id(REGION, "20130109", "382")  # 刘慧, girl, holds the certificate
SON = make_id(REGION, "20140523", "287")  # 张家伟, her brother
MOTHER = make_id(REGION, "19931004", "664")  # 王娟
OTHER = make_id(REGION, "20120101", "111")  # 卫六, paid

REGISTRY = [
    ["学籍号", "姓名", "性别", "身份证件号", "学籍状态", "就读方式", "年级", "班级", "学校名称",
     "区县", "成员1姓名", "成员1关系", "成员1身份证件号"],
    ["G" + DAUGHTER, "刘慧", "女", DAUGHTER, "在读", "走读", "六年级", "1班", "丹凤县龙驹寨小学",
     "丹凤县", "王娟", "母亲", MOTHER],
    ["G" + SON, "张家伟", "男", SON, "在读", "走读", "五年级", "2班", "丹凤县龙驹寨小学", "丹凤县",
     "王娟", "母亲", MOTHER],
    ["G" + OTHER, "卫六", "男", OTHER, "在读", "走读", "六年级", "1班", "丹凤县龙驹寨小学",
     "丹凤县", "", "", ""],
]
PAYMENTS = [
    ["学年", "学期", "学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）"],
    ["2024-2025", "春季学期", "G" + OTHER, "卫六", OTHER,
     "义务教育家庭经济困难非寄宿生生活补助", "312.5"],
]
CERT_HEADER = ["姓名", "性别", "身份证号", "残疾人证号", "残疾类别", "残疾等级"]


def _run(tmp_path: Path, cert_row: list[str]) -> tuple[dict[str, dict[str, str]], list[dict[str, str]]]:
    exports = tmp_path / "exports"
    exports.mkdir()
    write_csv(exports / "学籍.csv", REGISTRY)
    write_csv(exports / "资助.csv", PAYMENTS)
    write_csv(exports / "持证残疾人.csv", [CERT_HEADER, cert_row])
    result = reconcile(exports, SPRING, tmp_path / "out", db_path=None)
    gaps = {row["姓名"]: row for row in read_csv(result.out_dir / "gaps.csv")}
    return gaps, read_csv(result.out_dir / "identity_errors.csv")


def test_child_row_with_mothers_id_is_the_childs_certificate(tmp_path: Path) -> None:
    gaps, identity = _run(tmp_path, ["刘慧", "女", MOTHER, DAUGHTER + "51", "智力", "一级"])
    # the certificate is the daughter's: her brother is not a 残疾人子女, nor is she
    assert set(gaps) == {"刘慧"}
    assert gaps["刘慧"]["困难类型"] == "家庭经济困难残疾学生"
    assert "残疾人证号内身份证号" in gaps["刘慧"]["匹配方式"]
    # the contradiction is a case for review, with both people
    problems = [r["问题"] for r in identity if r["姓名"] == "刘慧"]
    assert problems and "王娟" in problems[0] and "姓名不符" in problems[0]


def test_mothers_id_and_mothers_certificate_number_in_a_childs_row(tmp_path: Path) -> None:
    # the certificate number names the mother too: the name, sex and the mother's ID among her
    # registry family still make it the daughter's row (a parent's ID in the child's row), and
    # never the mother's
    gaps, identity = _run(tmp_path, ["刘慧", "女", MOTHER, MOTHER + "51", "智力", "一级"])
    assert set(gaps) == {"刘慧"}
    assert gaps["刘慧"]["困难类型"] == "家庭经济困难残疾学生"
    assert any("姓名不符" in r["问题"] for r in identity if r["姓名"] == "刘慧")


@pytest.mark.parametrize("name", ["王娟", "王 娟", "王涓"])  # the same, spaced, a homophone
def test_the_mothers_own_certificate_makes_her_children_children_of_a_disabled_person(
        tmp_path: Path, name: str) -> None:
    gaps, _ = _run(tmp_path, [name, "女", MOTHER, MOTHER + "42", "肢体", "二级"])
    assert set(gaps) == {"刘慧", "张家伟"}
    assert {row["困难类型"] for row in gaps.values()} == {"残疾人子女"}


def test_a_name_that_only_sounds_like_the_id_owners_is_another_person(tmp_path: Path) -> None:
    # 杨娟 / 王娟: a shared character and a close sound, two surnames — not the mother's row
    gaps, identity = _run(tmp_path, ["杨娟", "女", MOTHER, MOTHER + "51", "智力", "一级"])
    assert gaps == {}
    assert any("王娟" in r["问题"] for r in identity if r["姓名"] == "杨娟")
