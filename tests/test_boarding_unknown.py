"""A registry that does not give a student's 就读方式 (README, decisions where the domain notes
are silent): the suggestion is the 走读 programme, and no payment is 标准不符 because of it."""

from __future__ import annotations

import pytest

from aidmatch.pipeline import RunResult, reconcile
from aidmatch.semester import Semester
from tests.builders import make_id, read_csv, write_csv
from tests.conftest import DANFENG

SCHOOL = "龙驹寨小学"
STUDENTS = {name: make_id(DANFENG, f"2015030{n}", f"{n}21")
            for n, name in enumerate(("未付甲", "寄宿乙", "少付丙", "走读丁"), 1)}
DAY = "义务教育家庭经济困难非寄宿生生活补助"
BOARDING = "义务教育家庭经济困难寄宿生生活补助"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    tmp = tmp_path_factory.mktemp("boarding")
    exports = tmp / "exports"
    exports.mkdir()
    write_csv(exports / "学籍名单.csv", [
        ["学籍号", "姓名", "身份证件号", "学籍状态", "就读方式", "年级", "学校名称", "区县"],
        *(["G" + i, name, i, "在读", "走读" if name == "走读丁" else "", "三年级", SCHOOL, "丹凤县"]
          for name, i in STUDENTS.items()),
    ])
    write_csv(exports / "持证残疾人.csv", [
        ["姓名", "残疾人证号", "残疾类别", "残疾等级"],
        *([name, i + "41", "肢体", "三级"] for name, i in STUDENTS.items()),
    ])
    header = ["学年", "学期", "学籍号", "姓名", "身份证号", "学校名称", "资助项目名称", "资助金额（元）"]

    def pay(name: str, programme: str, amount: str) -> list[str]:
        return ["2024-2025", "第二学期", "G" + STUDENTS[name], name, STUDENTS[name], SCHOOL,
                programme, amount]

    write_csv(exports / "资助发放明细.csv", [
        header, pay("寄宿乙", BOARDING, "625"), pay("少付丙", BOARDING, "600"),
        pay("走读丁", BOARDING, "625")])
    return reconcile(exports, Semester.parse("2025-spring"), tmp / "out", db_path=None)


def test_an_unknown_boarding_gap_is_suggested_the_day_programme(run: RunResult) -> None:
    gaps = {row["姓名"]: row for row in read_csv(run.out_dir / "gaps.csv")}
    assert set(gaps) == {"未付甲"}
    assert gaps["未付甲"]["就读方式"] == ""
    assert gaps["未付甲"]["建议资助项目"] == DAY
    assert gaps["未付甲"]["建议金额（元）"] == "312.5"


def test_an_unknown_boarding_makes_no_wrong_standard_finding(run: RunResult) -> None:
    rows = {row["姓名"]: row for row in read_csv(run.out_dir / "wrong_standard.csv")}
    # 寄宿乙: paid the boarding programme at its rate; nothing in the registry contradicts it
    assert "寄宿乙" not in rows
    # 少付丙: the amount is checked against the programme paid, never against the 走读 reading
    assert rows["少付丙"]["问题"] == "金额 600 元，标准 625 元"
    assert rows["少付丙"]["应发项目及标准"] == f"{DAY}：312.5 元"
    # 走读丁: the registry says 走读, so the boarding programme is a finding
    assert rows["走读丁"]["问题"].startswith("学籍就读方式为走读")
