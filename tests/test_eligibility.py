"""aidmatch.eligibility: who is in a key group, on minimal hand-built exports (issue 17's causes).

Each test writes a registry, one or two rosters and a payment list, reconciles them and checks
which students are gaps, which are review candidates, and the evidence they carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from tests.builders import make_id, read_csv, write_csv, write_xlsx

SPRING = Semester.parse("2025-spring")
REGION = "611022"
SCHOOL = "龙驹寨小学"
# A student in every registry, paid this semester: the payment list is never empty.
PAID = ("卫六", make_id(REGION, "20121212", "777"))


def child(name: str, birth: str, seq: str) -> tuple[str, str]:
    return name, make_id(REGION, birth, seq)


def adult(name: str, birth: str, seq: str) -> tuple[str, str]:
    return name, make_id(REGION, birth, seq)


Member = tuple[str, str, str, str]  # name, relation, ID, 是否监护人


def write_registry(folder: Path, students: Sequence[tuple[tuple[str, str], Sequence[Member]]],
                   guardian_columns: Sequence[tuple[str, str]] | None = None) -> None:
    """A registry with two member slots (姓名/关系/身份证件号/是否监护人) and, when
    ``guardian_columns`` is given, separate 监护人姓名/监护人身份证件号 columns instead of the
    是否监护人 cells."""
    header = ["学籍号", "姓名", "身份证件号", "学籍状态", "就读方式", "年级", "学校名称"]
    for n in (1, 2):
        header += [f"成员{n}姓名", f"成员{n}关系", f"成员{n}身份证件号"]
        if guardian_columns is None:
            header.append(f"成员{n}是否监护人")
    if guardian_columns is not None:
        header += ["监护人姓名", "监护人身份证件号"]
    rows: list[list[object]] = [header]
    guardians = [*guardian_columns, ("", "")] if guardian_columns is not None else None
    for k, ((name, id_number), members) in enumerate([*students, (PAID, [])]):
        cells: list[object] = ["G" + id_number, name, id_number, "在读", "走读", "三年级", SCHOOL]
        for n in range(2):
            member = members[n] if n < len(members) else ("", "", "", "")
            cells += list(member[:3]) if guardian_columns is not None else list(member)
        if guardians is not None:
            cells += list(guardians[k])
        rows.append(cells)
    write_xlsx(folder / "学籍名单.xlsx", {"学生": rows})


def write_payments(folder: Path, paid: Sequence[tuple[str, str]] = ()) -> None:
    rows: list[list[object]] = [["学年", "学期", "学籍号", "姓名", "身份证号", "学校名称",
                                 "资助项目名称", "资助金额（元）"]]
    for name, id_number in [*paid, PAID]:
        rows.append(["2024-2025", "第二学期", "G" + id_number, name, id_number, SCHOOL,
                     "义务教育家庭经济困难非寄宿生生活补助", "312.5"])
    write_csv(folder / "资助发放明细.csv", rows)


def write_certificates(folder: Path, holders: Sequence[tuple[str, str]]) -> None:
    write_csv(folder / "持证残疾人.csv", [
        ["姓名", "身份证号", "残疾人证号", "残疾类别", "残疾等级"],
        *[[name, id_number, id_number + "42", "肢体", "二级"] for name, id_number in holders],
    ])


def gaps_by_name(out: Path) -> dict[str, dict[str, str]]:
    return {row["姓名"]: row for row in read_csv(out / "gaps.csv")}


def run(folder: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    reconcile(folder, SPRING, out, db_path=tmp_path / "a.duckdb")
    return out


# ---------------------------------------------------------------------------------------------
# Causes D and 2: relation words whole, 是否监护人 honoured, grandparents only as guardians


def test_grandparents_count_for_child_of_disabled_only_as_registered_guardians(
        tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    not_guardian = adult("罗朝中", "19520113", "027")   # 外祖母 contains 母: still not a parent
    grandma = adult("刘桂兰", "19550304", "048")
    guardian_gp = adult("林发明", "19540607", "031")    # 爷爷, 是否监护人 = 是
    mother = adult("王秀英", "19860101", "022")         # a parent counts, guardian or not
    uncle = adult("林发财", "19800202", "011")
    students = [
        (child("罗思颖", "20150101", "122"), [("罗朝中", "祖父", not_guardian[1], "否"),
                                            ("刘桂兰", "外祖母", grandma[1], "否")]),
        (child("林宏宏", "20151111", "131"), [("林发明", "爷爷", guardian_gp[1], "是")]),
        (child("张小雨", "20140505", "142"), [("王秀英", "母亲", mother[1], "否")]),
        (child("林小丽", "20160606", "164"), [("林发财", "叔叔", uncle[1], "")]),
    ]
    write_registry(folder, students)
    write_certificates(folder, [not_guardian, grandma, guardian_gp, mother, uncle])
    write_payments(folder)
    gaps = gaps_by_name(run(folder, tmp_path))
    assert set(gaps) == {"林宏宏", "张小雨"}
    assert gaps["林宏宏"]["困难类型"] == "残疾人子女"
    assert "成员1 爷爷 林发明，是否监护人：是" in gaps["林宏宏"]["匹配方式"]
    assert "成员1 母亲 王秀英" in gaps["张小雨"]["匹配方式"]


def test_guardian_columns_make_a_grandparent_the_guardian(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    grandma = adult("陈桂芳", "19560708", "046")
    other_gp = adult("陈德贵", "19530303", "017")
    students = [
        (child("陈思雨", "20150909", "128"), [("陈桂芳", "奶奶", grandma[1], "")]),
        (child("陈思远", "20140404", "115"), [("陈德贵", "外公", other_gp[1], "")]),
    ]
    write_registry(folder, students, guardian_columns=[grandma, ("", "")])
    write_certificates(folder, [grandma, other_gp])
    write_payments(folder)
    gaps = gaps_by_name(run(folder, tmp_path))
    assert set(gaps) == {"陈思雨"}
    assert "监护人 监护人 陈桂芳" in gaps["陈思雨"]["匹配方式"]


@pytest.mark.parametrize("relation", ["之父", "父", "继母", "养父"])
def test_parent_words_count_whole_and_after_a_leading_zhi(tmp_path: Path, relation: str) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    parent = adult("赵大", "19820404", "041")
    write_registry(folder, [(child("赵六", "20140101", "156"), [("赵大", relation, parent[1], "否")])])
    write_certificates(folder, [parent])
    write_payments(folder)
    assert set(gaps_by_name(run(folder, tmp_path))) == {"赵六"}
