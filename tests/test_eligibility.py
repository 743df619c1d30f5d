"""aidmatch.eligibility: who is in a key group, on minimal hand-built exports (issue 17's causes).

Each test writes a registry, one or two rosters and a payment list, reconciles them and checks
which students are gaps, which are review candidates, and the evidence they carry.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
import yaml

from aidmatch.config import default_rules_dir
from aidmatch.outputs.report import load_report, write_workbook
from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from tests.builders import make_id, mutated_rules, read_csv, write_csv, write_xlsx

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


@pytest.mark.parametrize("setting", [True, False])
def test_grandparents_are_the_guardians_of_a_row_that_names_no_parent(
        tmp_path: Path, setting: bool) -> None:
    """A registry row whose 家庭成员 columns hold only grandparents, with no 是否监护人 cell
    anywhere, lists the people raising the child: a grandparent's certificate makes the child a
    残疾人子女 (policy ``grandparents_guard_when_no_parent_listed``). A row that also names a
    parent does not."""
    folder = tmp_path / "exports"
    folder.mkdir()
    grandpa = adult("王老汉", "19540101", "011")
    grandma = adult("李秀兰", "19560202", "022")
    father = adult("赵建军", "19820303", "033")
    grandma2 = adult("孙桂花", "19570404", "044")
    students = [
        (child("王小花", "20150505", "122"), [("王老汉", "爷爷", grandpa[1], ""),
                                            ("李秀兰", "奶奶", grandma[1], "")]),
        (child("赵小明", "20140606", "131"), [("赵建军", "父亲", father[1], ""),
                                            ("孙桂花", "外婆", grandma2[1], "")]),
    ]
    write_registry(folder, students, guardian_columns=[("", ""), ("", "")])
    write_certificates(folder, [grandpa, grandma2])
    write_payments(folder)
    rules_dir = mutated_rules(tmp_path / "rules", "policy.yaml",
                              "grandparents_guard_when_no_parent_listed: true",
                              f"grandparents_guard_when_no_parent_listed: {str(setting).lower()}")
    out = tmp_path / "out"
    reconcile(folder, SPRING, out, db_path=tmp_path / "a.duckdb", rules_dir=rules_dir)
    gaps = gaps_by_name(out)
    assert set(gaps) == ({"王小花"} if setting else set())
    if setting:
        assert gaps["王小花"]["困难类型"] == "残疾人子女"
        assert "爷爷 王老汉" in gaps["王小花"]["匹配方式"]


@pytest.mark.parametrize("relation", ["之父", "父", "继母", "养父"])
def test_parent_words_count_whole_and_after_a_leading_zhi(tmp_path: Path, relation: str) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    parent = adult("赵大", "19820404", "041")
    write_registry(folder, [(child("赵六", "20140101", "156"), [("赵大", relation, parent[1], "否")])])
    write_certificates(folder, [parent])
    write_payments(folder)
    assert set(gaps_by_name(run(folder, tmp_path))) == {"赵六"}


# ---------------------------------------------------------------------------------------------
# Cause C: parents from 与户主关系 only where the household makes them unambiguous

POVERTY_HEADER = ["户编号", "姓名", "身份证号", "与户主关系", "户类型", "监测对象类别", "风险是否已消除",
                  "享受政策情况", "家庭人口数"]


def write_poverty(folder: Path, rows: Sequence[Sequence[object]],
                  title: str = "脱贫人口（含防返贫监测对象）明细表") -> None:
    """The national monitoring system's export: everyone in one sheet, a title row above."""
    write_xlsx(folder / "脱贫人口明细表.xlsx", {title: [[title], POVERTY_HEADER, *rows]})


def test_household_relations_give_parents_only_for_one_couple(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    people = {key: adult(name, birth, seq) for key, name, birth, seq in [
        ("grandpa1", "曾启明", "19550101", "013"), ("grandma1", "李秀珍", "19560202", "024"),
        ("son_a", "曾德", "19800303", "035"), ("wife_a", "孙开芬", "19820404", "046"),
        ("son_b", "曾成", "19830505", "057"), ("wife_b", "王丽", "19840606", "068"),
        ("father2", "黄大山", "19820707", "079"), ("mother2", "周小红", "19840808", "080"),
        ("grandpa3", "吴正国", "19560909", "091"), ("son3", "吴军", "19811010", "102"),
        ("wife3", "田芳", "19831111", "113"),
        ("grandpa4", "杨永福", "19571212", "124"), ("son4", "杨林", "19820115", "135"),
        ("wife4", "赵敏", "19840216", "146"), ("aunt4", "杨倩", "19880317", "157"),
    ]}
    nephew = child("曾凯伟", "20150127", "981")      # 之孙子 under two couples: uncle 曾成 certified
    son2 = child("黄小明", "20140418", "192")        # 之子 of a certified 户主
    grand3 = child("吴欣怡", "20150519", "202")      # 之孙女 under one couple: mother 田芳 certified
    grand4 = child("杨浩", "20160620", "213")        # 之孙子 under a couple and an unmarried aunt
    p = people

    def row(household: str, person: tuple[str, str], relation: str) -> list[object]:
        return [household, person[0], person[1], relation, "一般农户", "", "", "", ""]

    write_poverty(folder, [
        row("H1", p["grandpa1"], "户主"), row("H1", p["grandma1"], "配偶"),
        row("H1", p["son_a"], "之子"), row("H1", p["wife_a"], "之儿媳"),
        row("H1", p["son_b"], "之子"), row("H1", p["wife_b"], "之儿媳"),
        row("H1", nephew, "之孙子"),
        row("H2", p["father2"], "户主"), row("H2", p["mother2"], "配偶"), row("H2", son2, "之子"),
        row("H3", p["grandpa3"], "户主"), row("H3", p["son3"], "之子"),
        row("H3", p["wife3"], "之儿媳"), row("H3", grand3, "之孙女"),
        row("H4", p["grandpa4"], "户主"), row("H4", p["son4"], "之子"),
        row("H4", p["wife4"], "之儿媳"), row("H4", p["aunt4"], "之女"), row("H4", grand4, "之孙子"),
    ])
    # 曾凯伟's registry names his father (no certificate); the others name nobody.
    write_registry(folder, [(nephew, [("曾德", "父亲", p["son_a"][1], "是")]),
                            (son2, []), (grand3, []), (grand4, [])])
    write_certificates(folder, [p["son_b"], p["grandma1"], p["father2"], p["wife3"], p["aunt4"]])
    write_payments(folder)
    gaps = gaps_by_name(run(folder, tmp_path))
    assert set(gaps) == {"黄小明", "吴欣怡"}
    assert "同户成员身份证号（户主 黄大山" in gaps["黄小明"]["匹配方式"]
    assert "同户成员身份证号（之儿媳 田芳" in gaps["吴欣怡"]["匹配方式"]


# ---------------------------------------------------------------------------------------------
# Row fields decide a row's category; the sheet title is a default only for rows that say nothing


def test_row_fields_not_the_title_decide_the_category(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    heads = [adult(name, birth, seq) for name, birth, seq in [
        ("钱大", "19800101", "011"), ("孙大", "19800202", "022"), ("李大", "19800303", "033"),
        ("周大", "19800404", "044"), ("吴大", "19800505", "055"), ("郑大", "19800606", "066")]]
    kids = [child(name, birth, seq) for name, birth, seq in [
        ("钱一", "20140101", "111"), ("孙一", "20140202", "122"), ("李一", "20140303", "133"),
        ("周一", "20140404", "144"), ("吴一", "20140505", "155"), ("郑一", "20140606", "166")]]
    # (户类型, 监测对象类别, 风险是否已消除, 享受政策情况), written on the 户主's row only
    households = [
        ("一般农户", "", "", ""),                  # not monitored: in no group, whatever the title
        ("一般农户", "突发严重困难户", "是", ""),    # risk eliminated: out
        ("脱贫户", "", "", ""),                     # 脱贫: the member counts
        ("一般农户", "边缘易致贫户", "否", ""),      # monitored
        ("脱贫户", "脱贫不稳定户", "是", ""),        # risk eliminated but still 脱贫
        ("脱贫户", "", "", "不享受政策"),            # 不享受政策: out
    ]
    rows: list[list[object]] = []
    for n, (head, kid, attributes) in enumerate(zip(heads, kids, households, strict=True)):
        rows.append([f"P{n}", head[0], head[1], "户主", *attributes, 2])
        rows.append([f"P{n}", kid[0], kid[1], "之子", "", "", "", "", ""])
    write_poverty(folder, rows)
    write_registry(folder, [(kid, []) for kid in kids])
    write_payments(folder)
    gaps = gaps_by_name(run(folder, tmp_path))
    assert {name: row["困难类型"] for name, row in gaps.items()} == {
        "李一": "脱贫家庭学生", "周一": "防返贫监测对象家庭学生", "吴一": "脱贫家庭学生"}


def test_a_tekun_row_whose_support_stopped_does_not_count(tmp_path: Path) -> None:
    # 特困: everyone on the roster counts, but a row saying the support stopped (停止供养 in
    # 供养状态, 停保 in 保障状态) or ended before the semester records someone who left it
    folder = tmp_path / "exports"
    folder.mkdir()
    kids = [child(name, birth, seq) for name, birth, seq in [
        ("冯一", "20140101", "111"), ("冯二", "20140202", "122"), ("冯三", "20140303", "133"),
        ("冯四", "20140404", "144")]]
    write_csv(folder / "特困人员.csv", [
        ["姓名", "身份证号", "保障类别", "供养状态", "终止日期"],
        [*kids[0], "特困供养", "正常", ""],
        [*kids[1], "特困供养", "停止供养", ""],
        [*kids[2], "特困供养", "停保", ""],
        [*kids[3], "特困供养", "", "2024-12-31"],
    ])
    write_registry(folder, [(kid, []) for kid in kids])
    write_payments(folder)
    gaps = gaps_by_name(run(folder, tmp_path))
    assert {name: row["困难类型"] for name, row in gaps.items()} == {"冯一": "特困供养学生"}


@pytest.mark.parametrize(("start", "gap"), [("2025-09-01", False), ("2025-04-01", True),
                                             ("2024-03-01", True), ("", True)])
def test_a_dibao_row_starting_after_the_semester_does_not_count(tmp_path: Path, start: str,
                                                                gap: bool) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    head, kid = adult("蒋大", "19800101", "011"), child("蒋一", "20140101", "111")
    write_csv(folder / "低保名单.csv", [
        ["户主姓名", "户主身份证号", "保障类别", "保障状态", "保障人数", "成员姓名", "成员身份证号",
         "与户主关系", "保障开始日期"],
        [*head, "农村低保", "正常", "2", *head, "本人", start],
        [*head, "农村低保", "正常", "2", *kid, "之子", start],
    ])
    write_registry(folder, [(kid, [])])
    write_payments(folder)
    assert set(gaps_by_name(run(folder, tmp_path))) == ({"蒋一"} if gap else set())


def test_a_blank_enrolment_status_is_not_confirmed_enrolled(tmp_path: Path) -> None:
    # domain: only 在读 students can be missing aid. A blank 学籍状态 in a registry with the column
    # is neither a gap nor 非在读享受资助 (it says nothing of leaving); the summary counts them.
    folder = tmp_path / "exports"
    folder.mkdir()
    head = adult("韩大", "19800101", "011")
    blank_unpaid, blank_paid, enrolled = (child("韩一", "20140101", "111"),
                                          child("韩二", "20140202", "122"),
                                          child("韩三", "20140303", "133"))
    header = ["学籍号", "姓名", "身份证件号", "学籍状态", "就读方式", "年级", "学校名称"]
    write_csv(folder / "学籍名单.csv", [header] + [
        ["G" + kid[1], kid[0], kid[1], status, "走读", "三年级", SCHOOL]
        for kid, status in [(blank_unpaid, ""), (blank_paid, ""), (enrolled, "在读"),
                            (PAID, "在读")]])
    write_csv(folder / "特困人员.csv", [["姓名", "身份证号", "保障类别"],
                                      *[[*kid, "特困供养"] for kid in (blank_unpaid, enrolled)]])
    write_certificates(folder, [head])
    write_payments(folder, [blank_paid])
    out = run(folder, tmp_path)
    assert set(gaps_by_name(out)) == {"韩三"}
    assert read_csv(out / "not_enrolled_aid.csv") == []
    assert "2 名学生的学籍状态为空" in (out / "summary.txt").read_text(encoding="utf-8-sig")


# ---------------------------------------------------------------------------------------------
# Cause A: a family member's household is not the student's when its roster lists it completely


def write_dibao_wide(folder: Path, rows: Sequence[Sequence[object]]) -> None:
    """A wide 低保 roster: 户主, 保障人数 and one member slot."""
    write_xlsx(folder / "低保名单.xlsx", {"农村低保": [
        ["户主姓名", "户主身份证号", "保障人数", "保障状态", "成员1姓名", "成员1身份证号", "成员1关系"],
        *rows]})


def test_family_member_on_a_complete_roster_is_a_case_to_check_not_a_gap(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    grandma = adult("杨桂英", "19580101", "028")     # raises 张明 in her own 户 (long roster)
    mother = adult("陈娟", "19850202", "020")        # divorced: alone in her 低保 户 (保障人数 1)
    father = adult("刘文", "19800303", "031")        # his 户 has 3 people, the row one slot
    partner = adult("何丽", "19820404", "042")
    head_only = adult("孙强", "19810505", "053")     # a row with the 户主 only, no head count
    zhang, long_ = child("张明", "20130523", "563"), child("龙瑶丽", "20090820", "300")
    liu, sun = child("刘雨", "20100312", "158"), child("孙小军", "20110612", "179")
    write_poverty(folder, [
        ["H1", grandma[0], grandma[1], "户主", "脱贫户", "", "", "继续享受政策", ""],
        ["H1", "张大爷", make_id(REGION, "19560303", "019"), "配偶", "", "", "", "", ""],
    ])
    write_dibao_wide(folder, [
        [mother[0], mother[1], 1, "正常", None, None, None],
        [father[0], father[1], 3, "正常", partner[0], partner[1], "配偶"],
        [head_only[0], head_only[1], None, "正常", None, None, None],
    ])
    write_registry(folder, [
        (zhang, [("杨桂英", "奶奶", grandma[1], "是")]),
        (long_, [("陈娟", "母亲", mother[1], "否")]),
        (liu, [("刘文", "父亲", father[1], "是")]),
        (sun, [("孙强", "父亲", head_only[1], "是")]),
    ])
    write_payments(folder)
    out = run(folder, tmp_path)
    gaps = gaps_by_name(out)
    assert set(gaps) == {"刘雨", "孙小军"}
    assert "家庭成员身份证号（成员1 父亲 刘文" in gaps["刘雨"]["匹配方式"]
    candidates = {row["姓名"]: row for row in read_csv(out / "family_member_listed.csv")}
    assert set(candidates) == {"张明", "龙瑶丽"}
    zhang_row = candidates["张明"]
    assert zhang_row["案例编号"].startswith("JT-2025-spring-")
    assert zhang_row["家庭成员所在困难群体"] == "脱贫家庭学生"
    assert "成员1 奶奶 杨桂英" in zhang_row["在册家庭成员"]
    assert "全户在册，没有本人" in zhang_row["名单情况"]
    assert zhang_row["学生学籍记录"] == "学籍名单.xlsx「学生」第2行"
    assert "脱贫人口明细表.xlsx" in zhang_row["家庭成员名单记录"]
    assert "第3行" in zhang_row["家庭成员名单记录"]
    long_row = candidates["龙瑶丽"]
    assert long_row["家庭成员所在困难群体"] == "城乡低保家庭学生"
    assert "该户名单列出 1 人，家庭人口/保障人数 1 人" in long_row["名单情况"]
    assert "低保名单.xlsx「农村低保」第2行（户主）" in long_row["家庭成员名单记录"]

    # The review workbook has the list as a sheet of its own, both rows as evidence.
    write_workbook(load_report(tmp_path / "a.duckdb", SPRING), tmp_path / "核查.xlsx")
    book = openpyxl.load_workbook(tmp_path / "核查.xlsx", read_only=True)
    cells = [str(v) for row in book["家庭成员在册，本人未在册"].iter_rows(values_only=True)
             for v in row if v is not None]
    assert zhang_row["案例编号"] in cells and "张明" in cells
    assert "学籍名单.xlsx「学生」第2行" in cells
    assert not any("张明" in c for name in book.sheetnames if name.startswith("漏助")
                   for row in book[name].iter_rows(values_only=True) for c in map(str, row))


@pytest.mark.parametrize(("route", "gap", "candidate"), [
    ("candidate", False, True), ("gap", True, False), ("off", False, False)])
def test_family_member_route_is_policy(tmp_path: Path, route: str, gap: bool,
                                       candidate: bool) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules_dir)
    policy = rules_dir / "policy.yaml"
    data = yaml.safe_load(policy.read_text(encoding="utf-8"))
    data["groups"]["minimum_living"]["family_member_route"] = route
    policy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    folder = tmp_path / "exports"
    folder.mkdir()
    mother = adult("陈娟", "19850202", "020")
    write_dibao_wide(folder, [[mother[0], mother[1], 1, "正常", None, None, None]])
    write_registry(folder, [(child("龙瑶丽", "20090820", "300"),
                             [("陈娟", "母亲", mother[1], "否")])])
    write_payments(folder)
    out = tmp_path / "out"
    reconcile(folder, SPRING, out, db_path=tmp_path / "a.duckdb", rules_dir=rules_dir)
    assert ("龙瑶丽" in gaps_by_name(out)) is gap
    listed = {row["姓名"] for row in read_csv(out / "family_member_listed.csv")}
    assert ("龙瑶丽" in listed) is candidate


def test_an_unlinked_member_of_the_students_age_is_no_evidence_of_absence(tmp_path: Path) -> None:
    """The household lists a child whose name and ID were damaged past linking (a homophone,
    the ID stored as an Excel number with another region): it may be the student, so the
    family member's household still makes a gap."""
    folder = tmp_path / "exports"
    folder.mkdir()
    father = adult("刘涛利", "19890424", "011")
    liu = child("刘梓淼", "20181202", "972")
    baby = child("刘瑞峻", "20210217", "013")   # a younger sibling: too young to be the student
    write_poverty(folder, [
        ["H1", father[0], father[1], "户主", "脱贫户", "", "", "", ""],
        ["H1", "刘梓森", "6.11024201812029E+17", "之女", "", "", "", "", ""],
        ["H1", baby[0], baby[1], "之子", "", "", "", "", ""],
    ])
    write_registry(folder, [(liu, [("刘涛利", "父亲", father[1], "是")])])
    write_payments(folder)
    out = run(folder, tmp_path)
    gaps = gaps_by_name(out)
    assert set(gaps) == {"刘梓淼"}
    assert gaps["刘梓淼"]["匹配方式"] == "家庭成员身份证号（成员1 父亲 刘涛利，是否监护人：是）"
    assert read_csv(out / "family_member_listed.csv") == []
    # without the damaged row the same household is complete without her: a case to check
    write_poverty(folder, [
        ["H1", father[0], father[1], "户主", "脱贫户", "", "", "", ""],
        ["H1", baby[0], baby[1], "之子", "", "", "", "", ""],
    ])
    out = run(folder, tmp_path)
    assert gaps_by_name(out) == {}
    assert [row["姓名"] for row in read_csv(out / "family_member_listed.csv")] == ["刘梓淼"]


def test_an_unlinked_spouse_without_an_id_does_not_hide_absence(tmp_path: Path) -> None:
    """A 配偶 with a blank ID has no age, but a spouse is not the student."""
    folder = tmp_path / "exports"
    folder.mkdir()
    father = adult("祝德", "19881023", "743")
    write_dibao_wide(folder, [[father[0], father[1], 2, "正常", "杨桂兰", "", "配偶"]])
    write_registry(folder, [(child("祝紫雪", "20150107", "848"), [("祝德", "父亲", father[1], "否")])])
    write_payments(folder)
    out = run(folder, tmp_path)
    assert gaps_by_name(out) == {}
    assert [row["姓名"] for row in read_csv(out / "family_member_listed.csv")] == ["祝紫雪"]


# ---------------------------------------------------------------------------------------------
# A payment row that may be the student's: 资助记录待确认, not 漏助


def test_a_student_an_unlinked_payment_may_belong_to_is_pending_not_a_gap(tmp_path: Path) -> None:
    """A 低保 child whose payment row (no ID, a homophone of the name, the child's school and
    grade) scored below the line is the row's one candidate: the county confirms the payment,
    the child is no confirmed 漏助. Their unpaid classmate in the same household stays 漏助."""
    folder = tmp_path / "exports"
    folder.mkdir()
    head, kid, sister = (adult("潘斌海", "19800101", "011"), child("潘煜晟", "20140101", "111"),
                         child("潘雨涵", "20150202", "122"))
    write_csv(folder / "低保名单.csv", [
        ["户主姓名", "户主身份证号", "保障类别", "保障状态", "保障人数", "成员姓名", "成员身份证号",
         "与户主关系"],
        [*head, "农村低保", "正常", "3", *head, "本人"],
        [*head, "农村低保", "正常", "3", *kid, "之子"],
        [*head, "农村低保", "正常", "3", *sister, "之女"],
    ])
    write_registry(folder, [(kid, []), (sister, [])])
    rows: list[list[object]] = [["学年", "学期", "学籍号", "姓名", "身份证号", "学校名称", "年级",
                                 "资助项目名称", "资助金额（元）"]]
    for name, id_number in [("潘煜盛", ""), PAID]:
        rows.append(["2024-2025", "第二学期", "G" + id_number if id_number else "", name,
                     id_number, SCHOOL, "三年级", "义务教育家庭经济困难非寄宿生生活补助", "312.5"])
    write_csv(folder / "资助发放明细.csv", rows)
    out = run(folder, tmp_path)
    assert set(gaps_by_name(out)) == {"潘雨涵"}
    pending = read_csv(out / "pending_payment.csv")
    assert [row["姓名"] for row in pending] == ["潘煜晟"]
    assert pending[0]["待确认的资助记录"] == "潘煜盛，义务教育家庭经济困难非寄宿生生活补助，312.5元"
    assert pending[0]["资助记录证件号"] == ""
    assert "资助发放明细.csv第2行" in pending[0]["资助记录来源"]
    assert "得分" in pending[0]["未自动关联的原因"]
    assert pending[0]["困难类型"] == "城乡低保家庭学生"
    # the summary counts them apart: 困难学生 = 已资助 + 漏助 + 资助记录待确认
    total = json.loads((out / "summary.json").read_text(encoding="utf-8"))["total"]
    assert (total["key_students"], total["aided"], total["gaps"]) == (2, 0, 1)
    assert "另有 1 名困难学生有一条未能自动关联、可能属于本人的资助记录" in \
        (out / "summary.txt").read_text(encoding="utf-8-sig")
