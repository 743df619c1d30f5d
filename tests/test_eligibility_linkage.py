"""Eligibility's identity keys for people who are not students (eligibility.identity_keys):
a parent's number with a slip on either side, on one child, her mother and a certificate list
without an ID column (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from tests.builders import make_id, read_csv, write_csv

SPRING = Semester.parse("2025-spring")
REGION = "520502"
CHILD = make_id(REGION, "20150225", "267")  # 李杰子
MOTHER = make_id(REGION, "19810906", "472")  # 熊春花


def _typo(id_: str, i: int, digit: str) -> str:
    return id_[:i] + digit + id_[i + 1:]


def _swap(id_: str, i: int) -> str:
    return id_[:i] + id_[i + 1] + id_[i] + id_[i + 2:]


def _gaps(folder: Path, mother_name: str, mother_id: str, cert_name: str, cert_id: str
          ) -> list[dict[str, str]]:
    """Reconcile a registry row naming the mother (成员1), a paid autumn, and one certificate
    row (证号 = number + category + grade); the spring gap list."""
    exports = folder / "exports"
    exports.mkdir()
    write_csv(exports / "学籍.csv", [
        ["学籍号", "姓名", "身份证件号", "学籍状态", "年级", "学校名称", "区县",
         "成员1姓名", "成员1关系", "成员1身份证件号"],
        ["G" + CHILD, "李杰子", CHILD, "在读", "四年级", "七星关区第一小学", "七星关区",
         mother_name, "母亲", mother_id],
    ])
    write_csv(exports / "资助.csv", [
        ["学年", "学期", "学籍号", "姓名", "资助项目名称", "资助金额（元）"],
        ["2024-2025", "秋季学期", "G" + CHILD, "李杰子", "义务教育家庭经济困难非寄宿生生活补助",
         "625"],
    ])
    write_csv(exports / "持证残疾人.csv", [
        ["姓名", "性别", "残疾人证号", "残疾类别", "残疾等级"],
        [cert_name, "女", cert_id + "14", "肢体", "四级"],
    ])
    result = reconcile(exports, SPRING, folder / "out", db_path=None)
    return read_csv(result.out_dir / "gaps.csv")


@pytest.mark.parametrize(("cert_id", "name", "child_of_disabled"), [
    (_typo(MOTHER, 7, "8"), "熊春花", True),  # 1881 for 1981: the birth date is broken too
    (_swap(MOTHER, 12), "熊春花", True),  # two digits swapped
    (_typo(MOTHER, 7, "8"), "熊春燕", False),  # another name: another person
    (_swap(_typo(MOTHER, 3, "9"), 12), "熊春花", False),  # three digits apart
])
def test_parents_certificate_number_with_a_slip_in_a_list_without_id_column(
        tmp_path: Path, cert_id: str, name: str, child_of_disabled: bool) -> None:
    gaps = _gaps(tmp_path, "熊春花", MOTHER, name, cert_id)
    assert bool(gaps) == child_of_disabled
    if gaps:
        assert gaps[0]["困难类型"] == "残疾人子女"
        assert "家庭成员姓名+证件号（仅一两位不同）" in gaps[0]["匹配方式"]


def test_slip_in_a_certificate_against_a_parents_old_15_digit_id(tmp_path: Path) -> None:
    # the registry writes the mother's ID in the old 15-digit form; her certificate (no ID
    # column) has two digits swapped: compared with the upgraded 18-digit number
    old15 = MOTHER[:6] + MOTHER[8:17]
    gaps = _gaps(tmp_path, "熊春花", old15, "熊春花", _swap(MOTHER, 2))
    assert [row["困难类型"] for row in gaps] == ["残疾人子女"]


@pytest.mark.parametrize(("registry_id", "name", "child_of_disabled"), [
    (_typo(MOTHER, 6, "5"), "熊春花", True),  # 5981 for 1981 in the registry; the certificate is right
    (_swap(MOTHER, 12), "熊 春花", True),
    (_typo(MOTHER, 6, "5"), "熊春燕", False),  # another name: another person
    (_swap(_typo(MOTHER, 3, "9"), 12), "熊春花", False),  # three digits apart
])
def test_parents_registry_id_with_a_slip_against_a_valid_certificate(
        tmp_path: Path, registry_id: str, name: str, child_of_disabled: bool) -> None:
    gaps = _gaps(tmp_path, name, registry_id, "熊春花", MOTHER)
    assert bool(gaps) == child_of_disabled
    if gaps:
        assert gaps[0]["困难类型"] == "残疾人子女"
