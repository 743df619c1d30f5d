"""Shared fixtures: a hand-built set of exports where every student's expected outcome is known."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from aidmatch.config import Rules, load_rules
from tests.builders import make_id, write_csv, write_xls, write_xlsx

DANFENG = "611022"


@dataclass(frozen=True)
class Student:
    key: str
    name: str
    id: str
    grade: str
    school: str
    status: str = "在读"
    boarding: str = "走读"

    @property
    def student_no(self) -> str:
        return "G" + self.id


def _students() -> dict[str, Student]:
    s = [
        Student("dibao_member", "王芳", make_id(DANFENG, "20120304", "124"), "七年级",
                "丹凤中学", boarding="住校"),
        Student("child_of_disabled", "李四", make_id(DANFENG, "20150506", "234"), "三年级",
                "龙驹寨小学"),
        Student("left_school", "张三", make_id(DANFENG, "20090708", "345"), "高一", "丹凤中学",
                status="转出"),
        Student("paid_by_student_no", "赵六", make_id(DANFENG, "20140101", "456"), "四年级",
                "龙驹寨小学"),
        Student("risk_eliminated", "钱七", make_id(DANFENG, "20110202", "567"), "八年级",
                "丹凤中学"),
        Student("stopped", "孙八", make_id(DANFENG, "20160303", "678"), "二年级", "龙驹寨小学"),
        Student("orphan_paid_lost_id", "周九", make_id(DANFENG, "20120404", "789"), "七年级",
                "丹凤中学"),
        Student("twin_a", "吴子涵", make_id(DANFENG, "20130505", "111"), "六年级", "龙驹寨小学"),
        Student("twin_b", "吴子轩", make_id(DANFENG, "20130505", "133"), "六年级", "龙驹寨小学"),
        Student("disabled", "郑一", make_id(DANFENG, "20100606", "222"), "九年级", "丹凤中学"),
        Student("no_policy", "王二", make_id(DANFENG, "20140707", "333"), "五年级", "龙驹寨小学"),
        Student("name_conflict", "冯三", make_id(DANFENG, "20150808", "444"), "三年级",
                "龙驹寨小学"),
        Student("household_filled", "陈小龙", make_id(DANFENG, "20081010", "555"), "高二",
                "丹凤中学"),
        Student("paid_other_semester", "褚五", make_id(DANFENG, "20121111", "666"), "七年级",
                "丹凤中学"),
        Student("plain", "卫六", make_id(DANFENG, "20121212", "777"), "七年级", "丹凤中学"),
        Student("household_only", "何小伟", make_id(DANFENG, "20130909", "135"), "五年级",
                "龙驹寨小学"),
        Student("household_negative", "严七", make_id(DANFENG, "20131010", "157"), "五年级",
                "龙驹寨小学"),
        Student("sibling_a", "孟一", make_id(DANFENG, "20110101", "173"), "八年级", "丹凤中学"),
        Student("sibling_b", "孟二", make_id(DANFENG, "20140202", "184"), "四年级", "龙驹寨小学"),
    ]
    return {x.key: x for x in s}


STUDENTS = _students()
PARENTS = {
    "wang_da": ("王大", make_id(DANFENG, "19850101", "111")),
    "li_mu": ("李母", make_id(DANFENG, "19860202", "222")),
    "chen_da": ("陈大", make_id(DANFENG, "19800303", "331")),
    "zhao_da": ("赵大", make_id(DANFENG, "19820404", "441")),
    "he_fu": ("何父", make_id(DANFENG, "19810505", "551")),
    "yan_fu": ("严父", make_id(DANFENG, "19830606", "571")),
    "meng_fu": ("孟父", make_id(DANFENG, "19790707", "591")),
    "meng_mu": ("孟母", make_id(DANFENG, "19800808", "602")),
}
# Students the exports make gaps, and those that must not be.
EXPECTED_GAPS = {"dibao_member", "child_of_disabled", "twin_b", "disabled",
                 "household_filled", "paid_other_semester", "household_only", "sibling_a",
                 "sibling_b"}


def write_mini_exports(folder: Path) -> Path:
    """Exports of all five systems covering the cases named in STUDENTS."""
    folder.mkdir(parents=True, exist_ok=True)
    st = STUDENTS
    registry_header = ["序号", "学籍号", "姓名", "身份证件号", "学籍状态", "就读方式", "年级",
                       "班级", "学校名称", "区县", "姓名", "关系", "身份证件号", "姓名", "关系",
                       "身份证件号"]
    rows: list[list[object]] = [["丹凤县2025年春季学期学生名单"],
                                ["学生基本信息", *[None] * 9, "家庭成员1", None, None,
                                 "家庭成员2", None, None],
                                registry_header]
    p = PARENTS
    family: dict[str, list[tuple[str, str, str]]] = {
        "dibao_member": [(p["wang_da"][0], "父亲", p["wang_da"][1])],
        "child_of_disabled": [(p["li_mu"][0], "母亲", p["li_mu"][1])],
        "household_only": [(p["he_fu"][0], "父亲", p["he_fu"][1])],
        "household_negative": [(p["yan_fu"][0], "父亲", p["yan_fu"][1])],
        "sibling_a": [(p["meng_fu"][0], "父亲", p["meng_fu"][1]),
                      (p["meng_mu"][0], "母亲", p["meng_mu"][1])],
        # the father's ID left blank on this row: the sibling's row has it
        "sibling_b": [(p["meng_fu"][0], "父亲", ""), (p["meng_mu"][0], "母亲", p["meng_mu"][1])],
    }
    for n, s in enumerate(st.values(), 1):
        members = family.get(s.key, [])
        cells = [cell for member in members for cell in member]
        cells += [""] * (6 - len(cells))
        rows.append([n, s.student_no, s.name, s.id, s.status, s.boarding, s.grade, "1班", s.school,
                     "丹凤县", *cells])
    write_xlsx(folder / "学籍名单.xlsx", {"填表说明": [["请勿修改表头"]], "学生": rows},
               merges={"学生": [(1, 0, 1, 9), (1, 10, 1, 12), (1, 13, 1, 15)]})

    # 扶贫 CSV whose IDs all went through Excel as numbers: only the region code is left.
    sci = "6.11022E+17"
    write_csv(folder / "脱贫户（数字格式）.csv", [
        ["户编号", "姓名", "身份证号", "与户主关系", "户类型"],
        ["S1", p["he_fu"][0], sci, "户主", "脱贫户"], ["S1", st["household_only"].name, sci, "之子",
                                                     "脱贫户"],
        # 严七's name, but no member is one of 严七's registry family: not 严七
        ["S2", "严叔", sci, "户主", "脱贫户"], ["S2", st["household_negative"].name, sci, "之侄",
                                            "脱贫户"],
    ])

    # 民政 低保, wide layout with a title, 填报单位 row, an ID stored as an Excel number and a 合计 row.
    wang_da = PARENTS["wang_da"]
    write_xlsx(folder / "低保名单.xlsx", {"农村低保": [
        ["2025年3月份农村低保备案表"],
        ["填报单位：丹凤县民政局", None, None, "填报日期：2025-03-05"],
        ["户主姓名", "户主身份证号", "保障人数", "保障状态", "成员1姓名", "成员1身份证号", "成员1关系"],
        [wang_da[0], float(wang_da[1][:15] + "000"), 2, "正常", st["dibao_member"].name,
         " " + st["dibao_member"].id, "之女"],
        ["孙父", make_id(DANFENG, "19800101", "551"), 2, "停保", st["stopped"].name,
         st["stopped"].id, "之子"],
        ["合计", None, 4],
    ]})
    # 民政 低保 long layout where only the 户主's row says which category the household is.
    chen = PARENTS["chen_da"]
    write_csv(folder / "城市低保（长表）.csv", [
        ["户编号", "姓名", "身份证号", "与户主关系", "保障类别", "保障状态"],
        ["H001", chen[0], chen[1], "户主", "城市低保", "正常"],
        ["H001", "陳 小龍", st["household_filled"].id[:9] + " " + st["household_filled"].id[9:],
         "之子", "", ""],
    ], encoding="gbk")

    # 扶贫: long roster, one sheet per category, a repeated header row and a blank row.
    header = ["户编号", "姓名", "证件号码", "与户主关系", "风险是否消除", "是否享受政策"]
    write_xlsx(folder / "防返贫监测和脱贫人口.xlsx", {
        "说明": [["本表来自全国防返贫监测信息系统"]],
        "脱贫户": [
            header,
            ["P01", st["left_school"].name, st["left_school"].id, "之子", "", "继续享受政策"],
            ["P02", st["paid_by_student_no"].name, st["paid_by_student_no"].id, "之子", "",
             "继续享受政策"],
            [],
            header,
            ["P03", st["no_policy"].name, st["no_policy"].id, "之子", "", "不享受政策"],
            ["P04", st["paid_other_semester"].name, st["paid_other_semester"].id, "之女", "", ""],
            ["P05", "冯父", make_id(DANFENG, "19900101", "999"), "户主", "", ""],
            # 冯三's ID typed in another child's row: the name clearly disagrees.
            ["P05", "陈大力", st["name_conflict"].id, "之子", "", ""],
        ],
        "监测户": [
            header,
            ["M01", st["risk_eliminated"].name, st["risk_eliminated"].id, "之子", "是", ""],
        ],
    })

    # 民政 孤儿 / 事实无人抚养儿童: the category is the sheet name only (.xls).
    write_xls(folder / "孤儿和事实无人抚养儿童.xls", {
        "孤儿": [["姓名", "身份证号", "监护人姓名"], [st["orphan_paid_lost_id"].name,
                                             st["orphan_paid_lost_id"].id, "周婆"]],
        "事实无人抚养儿童": [["姓名", "身份证号", "监护人姓名"],
                     [st["twin_b"].name, st["twin_a"].id, "吴婆"]],
    })

    # 残联: a certificate number instead of an ID column.
    write_csv(folder / "持证残疾人.csv", [
        ["姓名", "残疾人证号", "残疾类别", "残疾等级"],
        [PARENTS["li_mu"][0], PARENTS["li_mu"][1] + "42", "肢体", "二级"],
        [st["disabled"].name, st["disabled"].id + "51", "智力", "一级"],
        [PARENTS["meng_fu"][0], PARENTS["meng_fu"][1] + "43", "肢体", "三级"],
    ])

    # 资助: payments of this semester and one of the previous semester.
    orphan = st["orphan_paid_lost_id"]
    write_csv(folder / "资助发放明细.csv", [
        ["学年", "学期", "学籍号", "姓名", "身份证号", "学校名称", "资助项目名称", "资助金额（元）"],
        ["2024-2025", "第二学期", st["paid_by_student_no"].student_no, "赵六", "", "龙驹寨小学",
         "义务教育家庭经济困难非寄宿生生活补助", "312.5"],
        ["2024-2025", "第二学期", "", orphan.name, "6.11022201204E+17", "丹凤中学",
         "义务教育家庭经济困难非寄宿生生活补助", "375"],
        ["2024-2025", "第二学期", "", orphan.name, orphan.id[:15] + "000", "丹凤中学",
         "义务教育家庭经济困难非寄宿生生活补助", "375"],
        ["2024-2025", "第一学期", st["paid_other_semester"].student_no, "褚五",
         st["paid_other_semester"].id, "丹凤中学", "义务教育家庭经济困难非寄宿生生活补助", "375"],
        ["2024-2025", "第二学期", st["plain"].student_no, "卫六", st["plain"].id, "丹凤中学",
         "义务教育家庭经济困难非寄宿生生活补助", "375"],
    ])
    return folder


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


@pytest.fixture
def mini_exports(tmp_path: Path) -> Path:
    return write_mini_exports(tmp_path / "exports")
