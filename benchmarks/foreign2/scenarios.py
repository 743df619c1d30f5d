# ruff: noqa: E501, RUF005
"""Second red team: small targeted scenarios, each an exports folder plus the expected gap list.

    .venv/bin/python benchmarks/foreign2/scenarios.py [--out /tmp/foreign2] [NAME_SUBSTRING ...]

For each scenario: build OUT/<name>/exports, run `aidmatch reconcile --semester 2025-spring`, compare the
学籍号 in gaps.csv (and a few columns) with the expectation. OUT/results.json holds every detail.
Base world (common.py): 徐晓 S1 (father 徐建国 F1, mother 李梅 M1), 任东鹏 S2, 王子涵 S3, 李俊杰 S4, 赵雨欣 S5.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    AID_H,
    CIV_H,
    F1,
    F2,
    F3,
    F5,
    M1,
    PROG_MID,
    REG_H,
    S1,
    S2,
    S3,
    S4,
    S5,
    XJH,
    Scenario,
    aid_rows,
    dibao_rows,
    main,
    pid,
    reg_row,
    registry,
    write_csv,
    write_xls,
    write_xlsx,
)

G1, G2, G3, G4, G5 = XJH["S1"], XJH["S2"], XJH["S3"], XJH["S4"], XJH["S5"]
SC: list[Scenario] = []


def sc(name, what, expect, *, fields=None, exit_ok=(0,), ambiguous=""):
    def deco(fn):
        SC.append(Scenario(name, what, fn, set(expect), fields or {}, exit_ok, ambiguous))
        return fn
    return deco


def base(d: Path, reg=None, aid=None, roster=None, roster_name="低保.csv") -> None:
    write_csv(d / "学籍.csv", reg or registry())
    write_csv(d / "资助.csv", aid or aid_rows("S3"))
    if roster is not None:
        write_csv(d / roster_name, roster)


# =========================================================================== 0. controls
@sc("00_control_dibao_gap", "control: S1 on a 农村低保 roster (正常), unpaid this semester; S3 paid", [G1],
    fields={G1: {"困难类型": "低保", "学段": "初中", "建议金额（元）": "375"}})
def _(d):
    base(d, roster=dibao_rows())


@sc("01_control_dibao_paid", "control: S1 on 低保 and paid this spring", [])
def _(d):
    base(d, aid=aid_rows("S1", "S3"), roster=dibao_rows())


# =========================================================================== R. registry shapes
@sc("R01_two_rows_transfer_out_then_enrolled", "S1 has two registry rows: 转出 at 第一初级中学, 在读 at 第二初级中学", [G1],
    fields={G1: {"学校名称": "第二初级中学"}})
def _(d):
    reg = registry("S1", "S3") + [reg_row("S1", 学校名称="洛南县第二初级中学")]
    reg[1][REG_H.index("学籍状态")] = "转出"
    base(d, reg=reg, roster=dibao_rows())


@sc("R02_two_rows_enrolled_then_transfer_out", "same, rows in the other order (在读 first, 转出 second)", [G1],
    fields={G1: {"学校名称": "第二初级中学"}})
def _(d):
    reg = registry("S3") + [reg_row("S1", 学校名称="洛南县第二初级中学"), reg_row("S1", 学籍状态="转出")]
    base(d, reg=reg, roster=dibao_rows())


for _st, _exp, _amb in [("在籍在读", [G1], ""), ("正常", [G1], "domain lists 在读/休学/转出/毕业 only; 正常 read as enrolled"),
                        ("在校", [G1], "在校 read as enrolled"), ("休学", [], ""), ("已毕业", [], ""),
                        ("转学", [], "转学 read as left"), ("死亡", [], ""), ("在读 ", [G1], "trailing space"),
                        ("在读（随班就读）", [G1], "在读 with a note")]:
    sc(f"R03_status_{_st.strip()}", f"学籍状态 = {_st!r} for S1 (on 低保, unpaid)", _exp, ambiguous=_amb)(
        lambda d, _st=_st: base(d, reg=[REG_H, reg_row("S1", 学籍状态=_st), reg_row("S3")], roster=dibao_rows()))


@sc("R04_j_student_name_birth_only", "S2 has no ID (学籍号 J…, 身份证件类型 其他); on a 孤儿 roster by name + 出生日期 only (no ID column)", ["J611021201102030042"])
def _(d):
    reg = [REG_H, reg_row("S1"), reg_row("S2", 学籍号="J611021201102030042", 身份证件类型="其他", 身份证件号=""), reg_row("S3")]
    base(d, reg=reg)
    write_csv(d / "孤儿名册.csv", [["序号", "儿童姓名", "性别", "出生日期", "区县", "类别"],
                                   ["1", "任东鹏", "男", "2011-02-03", "洛南县", "孤儿"]])


@sc("R05_idtype_hk_macau_residence_permit", "S5's ID is an 830000 港澳台居民居住证 number (身份证件类型 港澳台居民居住证); on 低保 roster by that number", [G5])
def _(d):
    hk = pid("83000020140722284")
    reg = [REG_H, reg_row("S1"), reg_row("S3"), reg_row("S5", 学籍号="G" + hk, 身份证件类型="港澳台居民居住证", 身份证件号=hk)]
    base(d, reg=reg, roster=[CIV_H, ["洛南县", "赵立新", F5, "城市低保", "正常", "2", "赵立新", F5, "本人"],
                             ["洛南县", "赵立新", F5, "城市低保", "正常", "2", "赵雨欣", hk, "子女"]])


SC[-1].expect = {"G" + pid("83000020140722284")}


@sc("R06_idtype_passport", "S5 has 身份证件类型 护照 and a passport number E12345678; she is on a 孤儿 roster by name + birth date; run must not crash", ["GE12345678"],
    ambiguous="students without a resident ID: name + birth date is the only link")
def _(d):
    reg = [REG_H, reg_row("S1"), reg_row("S3"), reg_row("S5", 学籍号="L611021000000000001", 身份证件类型="护照", 身份证件号="E12345678")]
    base(d, reg=reg)
    write_csv(d / "孤儿.csv", [["儿童姓名", "性别", "出生日期", "公民身份号码", "类别"], ["赵雨欣", "女", "2014-07-22", "", "孤儿"]])


SC[-1].expect = {"L611021000000000001"}


@sc("R07_zhongzhi_grade_2023ji", "S4 at 洛南县职业教育中心 with 年级 '2023级' (中职), on 低保; expected 中职 stage", [G4],
    fields={G4: {"学段": "中职"}})
def _(d):
    reg = [REG_H, reg_row("S1"), reg_row("S3"), reg_row("S4", 学校名称="洛南县职业教育中心", 年级="2023级")]
    base(d, reg=reg, roster=[CIV_H, ["洛南县", "李俊杰", S4, "农村低保", "正常", "1", "李俊杰", S4, "本人"]])


@sc("R08_zhongzhi_grade_yinianji", "S4 at 洛南县职业教育中心 with 年级 '一年级': must be 中职, not 小学", [G4],
    fields={G4: {"学段": "中职", "建议金额（元）": "1150"}})
def _(d):
    reg = [REG_H, reg_row("S1"), reg_row("S3"), reg_row("S4", 学校名称="洛南县职业教育中心", 年级="一年级")]
    base(d, reg=reg, roster=[CIV_H, ["洛南县", "李俊杰", S4, "农村低保", "正常", "1", "李俊杰", S4, "本人"]])


@sc("R09_boarding_shifou_zhusu", "就读方式 replaced by 是否住宿生 = 是 for S3 (小学): boarding rate 625", [G3],
    fields={G3: {"就读方式": "住校", "建议金额（元）": "625"}},
    ambiguous="就读方式 column in gaps may say 住校 or 是; we check the amount mainly")
def _(d):
    h = [("是否住宿生" if c == "就读方式" else c) for c in REG_H]
    reg = [h, reg_row("S1", 就读方式="否"), reg_row("S3", 就读方式="是")]
    base(d, reg=reg, aid=aid_rows("S1"), roster=[CIV_H, ["洛南县", "王大海", F3, "农村低保", "正常", "2", "王大海", F3, "本人"],
                                                   ["洛南县", "王大海", F3, "农村低保", "正常", "2", "王子涵", S3, "子女"]])


SC[-1].fields[G3].pop("就读方式")


@sc("R10_county_only_in_school_name", "registry without 区县 column; county only in 学校名称 (洛南县…)", [G1],
    fields={G1: {"区县": "洛南县"}})
def _(d):
    i = REG_H.index("区县")
    reg = [[c for j, c in enumerate(r) if j != i] for r in registry()]
    base(d, reg=reg, roster=dibao_rows())


@sc("R11_county_only_in_file_name", "registry without 区县 and school names without county ('第一初级中学'); file 洛南县学籍信息.csv", [G1],
    fields={G1: {"区县": "洛南县"}}, ambiguous="county from the file name")
def _(d):
    i = REG_H.index("区县")
    reg = [[c for j, c in enumerate(r) if j != i] for r in registry()]
    for r in reg[1:]:
        r[REG_H.index("学校名称") - 1] = r[REG_H.index("学校名称") - 1].replace("洛南县", "")
    write_csv(d / "洛南县学籍信息.csv", reg)
    write_csv(d / "资助.csv", aid_rows("S3"))
    write_csv(d / "低保.csv", dibao_rows())


@sc("R12_parent_columns_named_fuqin", "registry family columns 父亲姓名/父亲身份证号/母亲姓名/母亲身份证号; mother 李梅 holds a disability certificate", [G1],
    fields={G1: {"困难类型": "残疾人子女"}})
def _(d):
    h = ["学籍号", "姓名", "性别", "出生日期", "身份证件号", "学籍状态", "就读方式", "学校名称", "年级", "父亲姓名", "父亲身份证号", "母亲姓名", "母亲身份证号"]
    reg = [h, ["G" + S1, "徐晓", "女", "2010-02-13", S1, "在读", "走读", "洛南县第一初级中学", "八年级", "徐建国", F1, "李梅", M1],
           ["G" + S3, "王子涵", "女", "2012-05-06", S3, "在读", "走读", "洛南县第一小学", "六年级", "王大海", F3, "", ""]]
    base(d, reg=reg)
    write_csv(d / "残疾人.csv", [["序号", "姓名", "性别", "身份证号", "残疾人证号", "残疾类别", "残疾等级"],
                                 ["1", "李梅", "女", M1, M1 + "42", "肢体", "二级"]])


@sc("R13_guardian_columns_jianhuren", "registry columns 监护人姓名/监护人身份证号/与学生关系; guardian 任文秀 holds a certificate", [G2],
    fields={G2: {"困难类型": "残疾人子女"}})
def _(d):
    h = ["学籍号", "姓名", "性别", "出生日期", "身份证件号", "学籍状态", "就读方式", "学校名称", "年级", "监护人姓名", "监护人身份证号", "与学生关系"]
    reg = [h, ["G" + S2, "任东鹏", "男", "2011-02-03", S2, "在读", "走读", "洛南县第一初级中学", "七年级", "任文秀", F2, "父亲"],
           ["G" + S3, "王子涵", "女", "2012-05-06", S3, "在读", "走读", "洛南县第一小学", "六年级", "", "", ""]]
    base(d, reg=reg)
    write_csv(d / "残疾人.csv", [["序号", "姓名", "性别", "身份证号", "残疾人证号", "残疾类别", "残疾等级"],
                                 ["1", "任文秀", "男", F2, F2 + "43", "视力", "三级"]])


@sc("R14_registry_two_files_overlap", "registry split in two files (初中, 小学) that overlap: S1 in both, identical rows", [G1])
def _(d):
    write_csv(d / "学籍_初中.csv", registry("S1", "S2"))
    write_csv(d / "学籍_小学.csv", registry("S3", "S1"))
    write_csv(d / "资助.csv", aid_rows("S3"))
    write_csv(d / "低保.csv", dibao_rows())


# =========================================================================== P. payments
def pay_sem(name, xn, xq, paid: bool, ambiguous=""):
    @sc(name, f"S1 on 低保; payment row with 学年={xn!r} 学期={xq!r} ({'this' if paid else 'another'} semester)", [] if paid else [G1], ambiguous=ambiguous)
    def _(d):
        base(d, aid=aid_rows("S1", "S3", sem=(xn, xq)), roster=dibao_rows())


pay_sem("P01_xq_2025chun", "", "2025春", True)
pay_sem("P02_xq_2024-2025-2", "", "2024-2025-2", True)
pay_sem("P03_xn2024_di2xueqi", "2024", "第2学期", True, "学年 2024 read as 2024-2025学年")
pay_sem("P04_xn2024-2025_xq2", "2024-2025", "2", True)
pay_sem("P05_xn2024-2025_xiaxueqi", "2024-2025学年", "下学期", True)
pay_sem("P06_xn2025_chunji", "2025", "春季", True, "学年 2025 + 春季 read as the spring of calendar 2025")
pay_sem("P07_xq_2025nian_shangbannian", "", "2025年上半年", True, "上半年 read as spring")
pay_sem("P08_xq_2025qiu_future", "2025-2026", "秋季学期", False)
pay_sem("P09_xq_2024chun_old", "2023-2024", "春季学期", False)
pay_sem("P10_xq_2025-1_spring", "", "2025-1", True, "2025-1 read as the first semester of calendar 2025 (spring)")


@sc("P11_date_column_only", "payment file with 发放日期 only (2025-04-15 for S1), no 学年/学期", [])
def _(d):
    aid = [["学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）", "发放日期"],
           [G1, "徐晓", S1, PROG_MID, "375.00", "2025-04-15"], [G3, "王子涵", S3, PROG_MID, "375.00", "2025-04-15"]]
    base(d, aid=aid, roster=dibao_rows())


@sc("P12_date_column_only_autumn", "date-only payment file, S1 paid 2024-11-10 (autumn): still a gap", [G1])
def _(d):
    aid = [["学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）", "发放日期"],
           [G1, "徐晓", S1, PROG_MID, "375.00", "2024-11-10"], [G3, "王子涵", S3, PROG_MID, "375.00", "2025-04-15"]]
    base(d, aid=aid, roster=dibao_rows())


@sc("P13_semester_in_title_only", "payment file whose semester is only in the title row '2025年春季学期学生资助资金发放花名册'", [])
def _(d):
    aid = [["2025年春季学期学生资助资金发放花名册"], ["学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）"],
           [G1, "徐晓", S1, PROG_MID, "375.00"], [G3, "王子涵", S3, PROG_MID, "375.00"]]
    base(d, aid=aid, roster=dibao_rows())


@sc("P14_semester_in_title_only_autumn", "same but the title says 2024年秋季学期: S1 is a gap", [G1])
def _(d):
    aid = [["2024年秋季学期学生资助资金发放花名册"], ["学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）"],
           [G1, "徐晓", S1, PROG_MID, "375.00"]]
    base(d, aid=aid, roster=dibao_rows())


@sc("P15_semester_in_file_name_only", "payment CSV with no semester column nor title; file named 2025年春季学期资助发放.csv", [])
def _(d):
    base(d, aid=[["学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）"], [G1, "徐晓", S1, PROG_MID, "375.00"],
                 [G3, "王子涵", S3, PROG_MID, "375.00"]], roster=dibao_rows())
    (d / "资助.csv").rename(d / "2025年春季学期资助发放.csv")


@sc("P16_semester_in_sheet_name_only", "xlsx payments, sheet named '2025春' with no semester column; a second sheet '2024秋' with S1", [])
def _(d):
    h = ["学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）"]
    write_xlsx(d / "资助发放.xlsx", [("2024秋", [h, [G1, "徐晓", S1, PROG_MID, "375.00"]]),
                                      ("2025春", [h, [G1, "徐晓", S1, PROG_MID, "375.00"], [G3, "王子涵", S3, PROG_MID, "375.00"]])])
    write_csv(d / "学籍.csv", registry())
    write_csv(d / "低保.csv", dibao_rows())


for _amt, _paid, _amb in [("¥375.00", True, ""), ("375.00元", True, ""), ("￥375", True, "full-width yen"), ("375,00", True, "decimal comma"),
                          ("1,150.00", True, "thousands separator"), ("叁佰柒拾伍元整", True, "大写 amount"),
                          ("0", False, "a zero amount is not aid"), ("0.00", False, "a zero amount is not aid"),
                          ("-375.00", False, "a negative (reversal) alone is not aid")]:
    sc(f"P17_amount_{_amt}", f"S1's only spring payment has 资助金额 {_amt!r}", [] if _paid else [G1], ambiguous=_amb)(
        lambda d, _amt=_amt: base(d, aid=aid_rows("S1", "S3", amount=_amt), roster=dibao_rows()))


@sc("P18_payment_then_reversal", "S1 paid 375 then a -375 reversal row in the same spring: net zero", [G1],
    ambiguous="domain does not say how reversals count; net zero read as no aid")
def _(d):
    aid = aid_rows("S1", "S3")
    aid.append(["2024-2025", "春季学期", G1, "徐晓", S1, PROG_MID, "-375.00"])
    base(d, aid=aid, roster=dibao_rows())


@sc("P19_payments_several_sheets", "payments xlsx with two sheets 小学 (S3) and 初中 (S1, S2): all paid", [])
def _(d):
    a = aid_rows("S1", "S2", "S3")
    write_xlsx(d / "资助.xlsx", [("小学", [AID_H, a[4]]), ("初中", [AID_H, a[2], a[3]])])
    write_csv(d / "学籍.csv", registry())
    write_csv(d / "低保.csv", dibao_rows() + [["洛南县", "任文秀", F2, "农村低保", "正常", "2", "任东鹏", S2, "子女"]])


@sc("P20_payment_list_per_school_no_school_column", "one payment CSV per school, school only in the file name; ID column 身份证号 and no 学籍号", [])
def _(d):
    h = ["序号", "姓名", "身份证号", "资助项目", "金额", "学期"]
    write_csv(d / "资助" / "洛南县第一初级中学.csv", [h, ["1", "徐晓", S1, PROG_MID, "375", "2025年春季学期"]])
    write_csv(d / "资助" / "洛南县第一小学.csv", [h, ["1", "王子涵", S3, PROG_MID, "312.5", "2025年春季学期"]])
    write_csv(d / "学籍.csv", registry())
    write_csv(d / "低保.csv", dibao_rows())


@sc("P21_payment_by_xjh_only", "payment rows with 学籍号 + 姓名 only (no ID column)", [])
def _(d):
    base(d, aid=[["学年", "学期", "学籍号", "姓名", "资助项目名称", "资助金额（元）"], ["2024-2025", "春季学期", G1, "徐晓", PROG_MID, "375"],
                 ["2024-2025", "春季学期", G3, "王子涵", PROG_MID, "375"]], roster=dibao_rows())


@sc("P22_payment_student_and_parent_id_columns", "payment has 学生身份证号 and 家长身份证号 columns, 家长 column first", [])
def _(d):
    base(d, aid=[["学年", "学期", "家长姓名", "家长身份证号", "学生姓名", "学生身份证号", "资助项目名称", "资助金额（元）"],
                 ["2024-2025", "春季学期", "徐建国", F1, "徐晓", S1, PROG_MID, "375"],
                 ["2024-2025", "春季学期", "王大海", F3, "王子涵", S3, PROG_MID, "375"]], roster=dibao_rows())


@sc("P23_payment_name_plus_school_only", "payment row without ID or 学籍号: 姓名 + 学校名称 (README: name + school for payments)", [])
def _(d):
    base(d, aid=[["学年", "学期", "学校名称", "姓名", "资助项目名称", "资助金额（元）"], ["2024-2025", "春季学期", "洛南县第一初级中学", "徐晓", PROG_MID, "375"],
                 ["2024-2025", "春季学期", "洛南县第一小学", "王子涵", PROG_MID, "375"]], roster=dibao_rows())


@sc("P24_payment_xq_only_chunji_no_year", "学期 '春季学期' with no 学年 anywhere (file 资助.csv)", [],
    exit_ok=(0, 3), ambiguous="no year at all: an input error naming the file is acceptable; silently counting or dropping is not checked beyond the gap list")
def _(d):
    base(d, aid=[["学期", "学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）"], ["春季学期", G1, "徐晓", S1, PROG_MID, "375"],
                 ["春季学期", G3, "王子涵", S3, PROG_MID, "375"]], roster=dibao_rows())


# =========================================================================== T. rosters
POV_H = ["户编号", "姓名", "证件号码", "与户主关系", "户类型", "监测对象类别", "风险是否消除", "享受政策情况"]


def pov(hutype, mtype="", risk="", enjoy="", headers=POV_H):
    return [list(headers),
            ["6110211010000001", "徐建国", F1, "户主", hutype, mtype, risk, enjoy],
            ["6110211010000001", "李梅", M1, "配偶", hutype, mtype, risk, enjoy],
            ["6110211010000001", "徐晓", S1, "之女", hutype, mtype, risk, enjoy]]


for _n, _args, _exp, _amb in [
    ("T01_tuopin_with_monitor_category_cleared", ("脱贫户", "脱贫不稳定户", "是", "继续享受政策"), [G1], "still 脱贫户 (continues to enjoy policy): key though monitoring risk cleared"),
    ("T02_monitor_risk_cleared_as_date", ("监测户", "边缘易致贫户", "2024-10-15", ""), [], "a date in 风险是否消除 read as 'cleared on that date'"),
    ("T03_monitor_risk_cleared_date_after_semester", ("监测户", "边缘易致贫户", "2025-09-30", ""), [G1], "risk cleared after the semester start: still key this semester"),
    ("T04_monitor_risk_yixiaochu", ("监测户", "突发严重困难户", "已消除", ""), [], ""),
    ("T05_monitor_risk_weixiaochu", ("监测户", "突发严重困难户", "未消除", ""), [G1], ""),
    ("T06_monitor_risk_fengxianxiaochu", ("监测户", "突发严重困难户", "风险消除", ""), [], ""),
    ("T07_monitor_risk_Y", ("监测户", "突发严重困难户", "Y", ""), [], "Y read as yes"),
    ("T08_enjoy_buzaixiangshou", ("脱贫户", "", "", "不再享受政策"), [], "不再享受 = 不享受"),
    ("T09_enjoy_fou", ("脱贫户", "", "", "否"), [], "是否享受政策=否"),
    ("T10_enjoy_xiangshou", ("脱贫户", "", "", "享受政策"), [G1], ""),
    ("T11_enjoy_tuichu", ("脱贫户", "", "", "已退出"), [], "已退出 read as not enjoying"),
    ("T12_hutype_tuopin_monitor_edge", ("脱贫户(监测户)", "脱贫不稳定户", "否", ""), [G1], ""),
    ("T13_hutype_yibannonghu_monitor", ("一般农户", "边缘易致贫户", "否", ""), [G1], ""),
    ("T14_hutype_yibannonghu_only", ("一般农户", "", "", ""), [], "一般农户 without monitoring: not key"),
    ("T15_hutype_tuopin_blank_enjoy_column_present", ("脱贫户", "", "", ""), [G1], "享受政策 column exists but blank: key (no 不享受 marker)"),
]:
    sc(_n, f"脱贫 roster row for 徐晓's household: 户类型/监测对象类别/风险是否消除/享受政策 = {_args}", _exp, ambiguous=_amb)(
        lambda d, _args=_args: base(d, roster=pov(*_args), roster_name="脱贫人口.csv"))


@sc("T16_tuopin_header_fengxian_shifou_yi_xiaochu_wide_variant", "header '风险消除情况' with 已消除 / monitored household", [],
    ambiguous="")
def _(d):
    h = ["户编号", "姓名", "证件号码", "与户主关系", "户类型", "监测对象类别", "风险消除情况"]
    base(d, roster=[r[:7] for r in pov("监测户", "边缘易致贫户", "已消除", "", headers=h[:7] + ["享受政策情况"])], roster_name="监测对象.csv")


@sc("T17_tekun_stopped", "特困 roster: 徐晓 with 供养状态 '停止供养' (and 终止日期 2024-12-31)", [],
    ambiguous="domain: 'every person on those rosters' for 特困; a 停止供养 status read as not key")
def _(d):
    base(d, roster=[["姓名", "身份证号", "保障类别", "供养状态", "终止日期"], ["徐晓", S1, "特困供养", "停止供养", "2024-12-31"]], roster_name="特困人员.csv")


@sc("T18_tekun_status_column_baozhang", "特困 roster: 徐晓 with 保障状态 '停保'", [], ambiguous="as T17")
def _(d):
    base(d, roster=[["姓名", "身份证号", "保障类别", "保障状态"], ["徐晓", S1, "特困供养", "停保"]], roster_name="特困人员.csv")


@sc("T19_child_welfare_category_column_variants", "one sheet, column 儿童类别: 集中供养孤儿 (S1), 事实无人抚养儿童 (S2), 困境儿童 (S3, not a key group), 留守儿童 (S5)", [G1, G2],
    ambiguous="困境儿童/留守儿童 are not key groups in domain.md")
def _(d):
    h = ["序号", "姓名", "性别", "出生日期", "身份证号码", "儿童类别"]
    base(d, reg=registry("S1", "S2", "S3", "S5"), aid=aid_rows(), roster=[h, ["1", "徐晓", "女", "2010-02-13", S1, "集中供养孤儿"],
                                                                       ["2", "任东鹏", "男", "2011-02-03", S2, "事实无人抚养儿童"],
                                                                       ["3", "王子涵", "女", "2012-05-06", S3, "困境儿童"],
                                                                       ["4", "赵雨欣", "女", "2014-07-22", S5, "留守儿童"]], roster_name="儿童福利.csv")


@sc("T20_disability_parent_only_no_family_columns", "registry has no family columns; parent 徐建国's certificate; household link only via a 低保 roster where the family is 停保",
    [G1], fields={G1: {"困难类型": "残疾人子女"}},
    ambiguous="the 停保 roster still proves the parent-child relation")
def _(d):
    reg = [r[:12] for r in registry()]
    base(d, reg=reg, roster=dibao_rows(status="停保"))
    write_csv(d / "残疾人.csv", [["序号", "姓名", "性别", "身份证号", "残疾人证号", "残疾类别", "残疾等级"],
                                 ["1", "徐建国", "男", F1, F1 + "41", "肢体", "一级"]])


@sc("T21_disability_cert_column_only_holder_parent", "disability roster with 残疾人证号 only (no ID column) for parent 徐建国, registry 成员1 lists him", [G1],
    fields={G1: {"困难类型": "残疾人子女"}})
def _(d):
    base(d)
    write_csv(d / "残疾人.csv", [["姓名", "残疾人证号", "残疾类别", "残疾等级"], ["徐建国", F1 + "41", "肢体", "一级"]])


@sc("T22_dibao_head_only_with_count", "低保 roster lists only 户主 徐建国 with 保障人数 3 (no members); registry lists him as 徐晓's father", [G1],
    ambiguous="domain: 城乡低保家庭学生; a household covered with 保障人数 3 read as covering the child")
def _(d):
    base(d, roster=[["区县", "户主姓名", "户主身份证号", "保障类别", "保障状态", "保障人数", "月保障金额"],
                    ["洛南县", "徐建国", F1, "农村低保", "正常", "3", "1350"]])


for _st, _exp in [("暂停", []), ("终止", []), ("退保", []), ("停发", []), ("正常保障", [G1]), ("在保", [G1]), ("新增", [G1]), ("已停保", [])]:
    sc(f"T23_dibao_status_{_st}", f"低保 保障状态 = {_st!r}", _exp, ambiguous="status vocabulary beyond 正常/停保 is not in domain.md")(
        lambda d, _st=_st: base(d, roster=dibao_rows(status=_st)))


@sc("T24_dibao_category_dibaobianyuan", "民政 roster 保障类别 低保边缘家庭 (低收入, off by default) for 徐晓's household", [],
    ambiguous="低保边缘 = 低收入人口, off by default")
def _(d):
    base(d, roster=dibao_rows(cat="低保边缘家庭"))


@sc("T25_dibao_end_date_excel_serial_in_csv", "低保 保障终止日期 as an Excel serial 45657 (=2024-12-31) in CSV: ended", [])
def _(d):
    r = dibao_rows()
    r[0].append("保障终止日期")
    for x in r[1:]:
        x.append("45657")
    base(d, roster=r)


@sc("T26_dibao_end_date_yyyymm", "低保 停保日期 written as 2024.12 / 202412: ended before the semester", [])
def _(d):
    r = dibao_rows()
    r[0].append("停保日期")
    for x, v in zip(r[1:], ["2024.12", "202412", "2024年12月"], strict=True):
        x.append(v)
    base(d, roster=r)


@sc("T27_dibao_start_after_semester", "低保 保障开始日期 2025-09-01 (starts next semester)", [],
    ambiguous="starts after the semester: read as not yet key")
def _(d):
    r = dibao_rows()
    r[0].append("保障开始日期")
    for x in r[1:]:
        x.append("2025-09-01")
    base(d, roster=r)


@sc("T28_dibao_relation_sunzinv_orphan_member", "低保 row where the child's 与户主关系 is 孙女 and 户主 is grandfather", [G1])
def _(d):
    g = pid("61102119550303111")
    base(d, roster=[CIV_H, ["洛南县", "徐老汉", g, "农村低保", "正常", "2", "徐老汉", g, "本人"], ["洛南县", "徐老汉", g, "农村低保", "正常", "2", "徐晓", S1, "孙女"]])


@sc("T29_lieshi_youfu", "优抚对象 roster (烈士子女) for 徐晓: 'sometimes' a key group (domain); default rules may not cover it", [G1],
    exit_ok=(0, 3), ambiguous="烈士子女/优抚对象子女 named in domain key groups but not in the README's default list")
def _(d):
    base(d, roster=[["姓名", "身份证号", "优抚类别", "与烈士关系"], ["徐晓", S1, "烈士子女", "子女"]], roster_name="优抚对象.csv")


# =========================================================================== F. file-level
@sc("F01_xls_one_workbook_three_systems", "one .xls with sheets 学籍 / 资助 / 低保 (different systems in one workbook)", [G1])
def _(d):
    write_xls(d / "全部数据.xls", [("学籍", registry()), ("资助", aid_rows("S3")), ("低保", dibao_rows())])


@sc("F02_xlsx_one_workbook_three_systems", "same as F01 in .xlsx", [G1])
def _(d):
    write_xlsx(d / "全部数据.xlsx", [("学籍", registry()), ("资助", aid_rows("S3")), ("低保", dibao_rows())])


@sc("F03_header_two_rows_no_merge_group_labels", "低保 roster: group row '户主信息' '' '成员信息' '' (no merges) over 姓名/身份证号/姓名/身份证号", [G1])
def _(d):
    base(d, roster=[["户主信息", "", "", "", "成员信息", "", ""], ["姓名", "身份证号", "保障类别", "保障状态", "姓名", "身份证号", "与户主关系"],
                    ["徐建国", F1, "农村低保", "正常", "徐建国", F1, "本人"], ["徐建国", F1, "农村低保", "正常", "徐晓", S1, "子女"]])


@sc("F04_header_split_words_two_rows", "registry header split over two rows without merges: '身份证件' / '号', '学籍' / '状态', '就读' / '方式'", [G1],
    ambiguous="an unusual shape; an input error naming the file would also be defensible", exit_ok=(0, 3))
def _(d):
    top = ["学籍号", "姓名", "性别", "出生日期", "身份证件", "身份证件", "学籍", "就读", "区县", "学校名称", "年级", "班级"]
    bot = ["", "", "", "", "类型", "号", "状态", "方式", "", "", "", ""]
    base(d, reg=[top, bot] + [r[:12] for r in registry()[1:]], roster=dibao_rows())


@sc("F05_very_wide_sheet", "低保 xlsx with 150 filler columns before the ID columns", [G1])
def _(d):
    fill = [f"备用字段{i}" for i in range(150)]
    r = dibao_rows()
    rows = [fill + r[0]] + [[str(i) for i in range(150)] + x for x in r[1:]]
    write_csv(d / "学籍.csv", registry())
    write_csv(d / "资助.csv", aid_rows("S3"))
    write_xlsx(d / "低保.xlsx", [("低保", rows)])


@sc("F06_shuoming_sheet_with_table", "低保 xlsx whose first sheet 说明 holds a code table (代码/名称/说明 with 保障状态 codes)", [G1])
def _(d):
    write_csv(d / "学籍.csv", registry())
    write_csv(d / "资助.csv", aid_rows("S3"))
    write_xlsx(d / "低保.xlsx", [("说明", [["填表说明"], ["代码", "名称", "说明"], ["1", "正常", "正常保障"], ["2", "停保", "停止保障"], ["3", "城市低保", "保障类别"]]),
                                 ("数据", dibao_rows())])


@sc("F07_csv_semicolon", "低保 roster as a ; separated .csv", [G1])
def _(d):
    base(d)
    write_csv(d / "低保.csv", dibao_rows(), delimiter=";")


@sc("F08_csv_tab", "低保 roster as a tab separated .csv", [G1])
def _(d):
    base(d)
    write_csv(d / "低保.csv", dibao_rows(), delimiter="\t")


@sc("F09_utf16_tab_txt", "低保 roster saved by Excel as 'Unicode 文本': UTF-16LE with BOM, tab separated, .txt", [G1],
    exit_ok=(0, 3), ambiguous=".txt is not in the README's list; reading it or an error naming it are both fine, silence is not")
def _(d):
    base(d)
    write_csv(d / "低保.txt", dibao_rows(), delimiter="\t", enc="utf-16")


@sc("F10_utf16_tab_csv", "低保 roster: UTF-16LE with BOM, tab separated, named .csv", [G1])
def _(d):
    base(d)
    write_csv(d / "低保.csv", dibao_rows(), delimiter="\t", enc="utf-16")


@sc("F11_utf16_comma_csv", "低保 roster: UTF-16LE with BOM, comma separated", [G1])
def _(d):
    base(d)
    write_csv(d / "低保.csv", dibao_rows(), enc="utf-16")


@sc("F12_quoted_linebreak_in_id", "低保 CSV where 徐晓's ID cell is quoted with a line break inside: \"611021201002\\n13702x\"", [G1])
def _(d):
    r = dibao_rows()
    r[3][7] = S1[:12] + "\n" + S1[12:]
    base(d, roster=r)


@sc("F13_excel_text_formula_ids", "CSV export with IDs written as =\"611021…\" (the Excel keep-as-text trick)", [G1])
def _(d):
    r = dibao_rows()
    for x in r[1:]:
        x[2], x[7] = f'="{x[2]}"', f'="{x[7]}"'
    base(d, roster=r)


@sc("F14_leading_tab_in_ids", "CSV with IDs prefixed by a tab character (another keep-as-text trick)", [G1])
def _(d):
    r = dibao_rows()
    for x in r[1:]:
        x[2], x[7] = "\t" + x[2], "\t" + x[7]
    base(d, roster=r)


@sc("F15_english_file_names", "every file with an English name: registry.csv, payments.csv, dibao.csv", [G1])
def _(d):
    write_csv(d / "registry.csv", registry())
    write_csv(d / "payments.csv", aid_rows("S3"))
    write_csv(d / "dibao.csv", dibao_rows())


@sc("F16_category_only_in_english_file_name", "孤儿 roster whose category is only in the file name 'orphans.csv'", [G1],
    exit_ok=(0, 3), ambiguous="English category names: an error naming the file is acceptable")
def _(d):
    base(d)
    write_csv(d / "orphans.csv", [["姓名", "性别", "出生日期", "身份证号码"], ["徐晓", "女", "2010-02-13", S1]])


@sc("F17_duplicated_files", "the same 低保 file twice (低保.csv and 备份/低保(1).csv) and the registry twice", [G1])
def _(d):
    base(d, roster=dibao_rows())
    write_csv(d / "备份" / "低保(1).csv", dibao_rows())
    write_csv(d / "备份" / "学籍 - 副本.csv", registry())


@sc("F18_header_with_linebreak_and_note", "headers with line breaks and notes: '身份证号\\n（18位）', '保障\\n状态', '成员\\n姓名'", [G1])
def _(d):
    r = dibao_rows()
    r[0] = ["区县", "户主姓名", "户主身份证号\n（18位）", "保障类别", "保障\n状态", "保障人数", "成员\n姓名", "成员身份证号\n（18位）", "与户主关系"]
    base(d, roster=r)


@sc("F19_header_only_roster", "特困 roster with a header and no data rows (nobody this month)", [])
def _(d):
    base(d, roster=[["姓名", "身份证号", "保障类别", "保障状态"]], roster_name="特困人员.csv")


@sc("F20_hidden_old_sheet", "低保 xlsx with a hidden sheet '2024年12月(旧)' listing 徐晓's household, visible sheet '2025年3月' without it", [],
    ambiguous="a hidden sheet of old data: we expect it ignored or at least not to outweigh the current sheet")
def _(d):
    write_csv(d / "学籍.csv", registry())
    write_csv(d / "资助.csv", aid_rows("S3"))
    other = pid("61102119700101151")
    write_xlsx(d / "低保.xlsx", [("2024年12月(旧)", dibao_rows()), ("2025年3月", [CIV_H, ["洛南县", "某甲", other, "农村低保", "正常", "1", "某甲", other, "本人"]])],
               hidden=("2024年12月(旧)",))


@sc("F21_header_row_10_after_long_notes", "低保 xlsx with 9 lines of notes above the header", [G1])
def _(d):
    write_csv(d / "学籍.csv", registry())
    write_csv(d / "资助.csv", aid_rows("S3"))
    notes = [[f"说明{i}：本表数据来源于民政系统，请核对后上报。"] for i in range(9)]
    write_xlsx(d / "低保.xlsx", [("Sheet1", notes + dibao_rows())])


@sc("F22_gbk_registry_with_rare_char", "registry in GB18030 with a name containing a rare char 堃 and 喆", [G1])
def _(d):
    reg = registry()
    reg[1][1] = "徐堃喆"
    write_csv(d / "学籍.csv", reg, enc="gb18030")
    write_csv(d / "资助.csv", aid_rows("S3"))
    r = dibao_rows()
    r[3][6] = "徐堃喆"
    write_csv(d / "低保.csv", r)


@sc("F23_csv_trailing_empty_columns_and_crlf_blank_lines", "CSV with 20 trailing empty columns and blank lines between rows", [G1])
def _(d):
    r = dibao_rows()
    rows = []
    for x in r:
        rows += [x + [""] * 20, [""] * 29]
    base(d, roster=rows)


@sc("F24_xlsx_ids_numeric_with_format", "低保 xlsx with IDs as numbers (Excel kept 15 digits) for everyone; registry lists F1 as father", [G1])
def _(d):
    r = dibao_rows()
    for x in r[1:]:
        x[2] = float(int(x[2][:15]) * 1000)
        x[7] = float(int(x[7][:15]) * 1000)
    write_csv(d / "学籍.csv", registry())
    write_csv(d / "资助.csv", aid_rows("S3"))
    write_xlsx(d / "低保.xlsx", [("低保", r)])


@sc("F25_xls_real_extension_is_html", "a '.xls' that is really an HTML table (many web systems export this way)", [G1],
    exit_ok=(0, 3), ambiguous="HTML-as-xls: reading it or an error naming the file are both acceptable")
def _(d):
    base(d)
    r = dibao_rows()
    html = "<html><head><meta charset='utf-8'></head><body><table>" + "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in x) + "</tr>" for x in r) + "</table></body></html>"
    (d / "低保.xls").write_text(html, encoding="utf-8")


@sc("F26_wps_et_or_xlsm_extension", "低保 workbook saved with extension .xlsm", [G1], exit_ok=(0, 3))
def _(d):
    base(d)
    write_xlsx(d / "低保.xlsx", [("低保", dibao_rows())])
    (d / "低保.xlsx").rename(d / "低保.xlsm")


@sc("F27_temp_lock_file", "an Excel lock file '~$低保.xlsx' (tiny, unreadable) next to the real one", [G1],
    exit_ok=(0,), ambiguous="lock files should be ignored; failing the whole run on them is harsh")
def _(d):
    base(d)
    write_xlsx(d / "低保.xlsx", [("低保", dibao_rows())])
    (d / "~$低保.xlsx").write_bytes(b"\x0bAdministrator" + b"\x00" * 150)


@sc("F29_registry_id_column_scientific_text_in_csv", "registry CSV where every ID shows as 6.11021E+17 (Excel-opened and resaved); roster has full IDs", [G1],
    ambiguous="precision-lost registry IDs: link on 学籍号 (G+ID) / name + birth date")
def _(d):
    reg = registry()
    for x in reg[1:]:
        x[5] = f"{float(x[5]):.5E}".replace("E+17", "E+17")
    base(d, reg=reg, roster=dibao_rows())


@sc("F30_payment_csv_gbk_with_yen_and_total_row", "payment CSV in GBK with a 合计 row whose 学籍号 cell is blank and amount ¥750.00", [])
def _(d):
    a = aid_rows("S1", "S3", amount="￥375.00") + [["合计", "", "", "", "", "", "￥750.00"]]
    write_csv(d / "资助.csv", a, enc="gbk")
    write_csv(d / "学籍.csv", registry())
    write_csv(d / "低保.csv", dibao_rows())

# =========================================================================== second batch
@sc("R04b_j_student_blank_id_column", "as R04 but the 孤儿 roster has a 公民身份号码 column left blank for 任东鹏 (J 学籍号, no ID in registry)", ["J611021201102030042"])
def _(d):
    reg = [list(REG_H), reg_row("S1"), reg_row("S2", 学籍号="J611021201102030042", 身份证件类型="其他", 身份证件号=""), reg_row("S3")]
    base(d, reg=reg)
    write_csv(d / "孤儿名册.csv", [["序号", "儿童姓名", "性别", "出生日期", "公民身份号码", "区县", "类别"],
                                   ["1", "任东鹏", "男", "2011-02-03", "", "洛南县", "孤儿"]])


@sc("R15_enrolled_in_two_schools", "S1 在读 at two schools (double enrolment, same ID): listed once", [G1])
def _(d):
    base(d, reg=registry("S1", "S3") + [reg_row("S1", 学校名称="洛南县第二初级中学")], roster=dibao_rows())


@sc("R16_status_blank", "S1's 学籍状态 cell is blank", [], ambiguous="blank status: not provably 在读; listing with a warning would also be defensible")
def _(d):
    base(d, reg=[list(REG_H), reg_row("S1", 学籍状态=""), reg_row("S3")], roster=dibao_rows())


@sc("R17_registry_no_status_column", "registry with no 学籍状态 column at all (an 在校生 export)", [G1],
    ambiguous="an export of 在校生 only: every row enrolled", exit_ok=(0, 3))
def _(d):
    i = REG_H.index("学籍状态")
    base(d, reg=[[c for j, c in enumerate(r) if j != i] for r in registry()], roster=dibao_rows())


for _n, _xq, _paid, _amb in [("P02b_xq_2024-2025xuenian_di2xueqi", "2024-2025学年第二学期", True, ""),
                             ("P02c_xq_emdash", "2024—2025学年第二学期", True, "em dash"),
                             ("P02d_xq_2024-2025xuenian_chunji", "2024-2025学年春季学期", True, ""),
                             ("P02e_xq_2025nian_chunji", "2025年春季", True, ""),
                             ("P02f_xq_2025chunjixueqi", "2025春季学期", True, ""),
                             ("P02g_xq_2024-2025_2_paren", "2024-2025(2)", True, ""),
                             ("P02h_xq_2024-2025xuenian_xia", "2024-2025学年下学期", True, ""),
                             ("P02i_xq_2024-2025-1_autumn", "2024-2025-1", False, "the autumn: S1 a gap")]:
    pay_sem(_n, "", _xq, _paid, _amb)


@sc("P15b_semester_in_file_name_only_autumn", "payment CSV with no semester column nor title; file named 2024年秋季学期资助发放.csv (autumn): S1 a gap", [G1])
def _(d):
    base(d, aid=[["学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）"], [G1, "徐晓", S1, PROG_MID, "375.00"]], roster=dibao_rows())
    (d / "资助.csv").rename(d / "2024年秋季学期资助发放.csv")


@sc("P16b_semester_in_sheet_name_only_autumn", "xlsx payments, S1 only on sheet '2024秋' (no semester column); sheet '2025春' has S3: S1 a gap", [G1])
def _(d):
    h = ["学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）"]
    write_xlsx(d / "资助发放.xlsx", [("2024秋", [h, [G1, "徐晓", S1, PROG_MID, "375.00"]]),
                                      ("2025春", [h, [G3, "王子涵", S3, PROG_MID, "375.00"]])])
    write_csv(d / "学籍.csv", registry())
    write_csv(d / "低保.csv", dibao_rows())


@sc("P25_xjh_without_G_prefix", "payment 学籍号 column holds the bare ID digits (no G) and no ID column", [])
def _(d):
    base(d, aid=[["学年", "学期", "学籍号", "姓名", "资助项目名称", "资助金额（元）"], ["2024-2025", "春季学期", S1, "徐晓", PROG_MID, "375"],
                 ["2024-2025", "春季学期", S3, "王子涵", PROG_MID, "375"]], roster=dibao_rows())


@sc("P26_payment_id_column_holds_parent_id", "payment row: 学籍号 G…S1, 姓名 徐晓, but 身份证号 holds father 徐建国's ID (bank card holder)", [])
def _(d):
    base(d, aid=[list(AID_H), ["2024-2025", "春季学期", G1, "徐晓", F1, PROG_MID, "375"], ["2024-2025", "春季学期", G3, "王子涵", S3, PROG_MID, "375"]],
         roster=dibao_rows())


@sc("P27_payment_two_programmes_one_zero", "S1 has two spring rows: 生活补助 375 and 免学杂费 0: paid", [])
def _(d):
    a = aid_rows("S1", "S3")
    a.append(["2024-2025", "春季学期", G1, "徐晓", S1, "免学杂费", "0"])
    base(d, aid=a, roster=dibao_rows())


@sc("T20b_disability_parent_household_via_tuopin_buxiangshou", "as T20 but the household link is a 脱贫 roster marked 不享受政策", [G1],
    fields={G1: {"困难类型": "残疾人子女"}})
def _(d):
    base(d, reg=[r[:12] for r in registry()], roster=pov("脱贫户", "", "", "不享受政策"), roster_name="脱贫人口.csv")
    write_csv(d / "残疾人.csv", [["序号", "姓名", "性别", "身份证号", "残疾人证号", "残疾类别", "残疾等级"],
                                 ["1", "徐建国", "男", F1, F1 + "41", "肢体", "一级"]])


@sc("T20c_disability_parent_household_via_dibao_normal", "as T20 but the 低保 roster is 正常: 困难类型 should hold both 低保 and 残疾人子女", [G1],
    fields={G1: {"困难类型": "残疾人子女"}})
def _(d):
    base(d, reg=[r[:12] for r in registry()], roster=dibao_rows())
    write_csv(d / "残疾人.csv", [["序号", "姓名", "性别", "身份证号", "残疾人证号", "残疾类别", "残疾等级"],
                                 ["1", "徐建国", "男", F1, F1 + "41", "肢体", "一级"]])


@sc("T30_dibao_two_rosters_january_normal_march_stopped", "低保(1月).csv lists the household 正常; 低保(3月).csv lists it 停保 with 停保日期 2025-02-28", [],
    ambiguous="two months' rosters disagree; the later one with an end date before the semester should win")
def _(d):
    base(d)
    write_csv(d / "低保(1月).csv", dibao_rows())
    r = dibao_rows(status="停保")
    r[0].append("停保日期")
    for x in r[1:]:
        x.append("2025-02-28")
    write_csv(d / "低保(3月).csv", r)


@sc("T31_name_with_annotation_blank_id", "孤儿 roster: name cell '徐晓（学生）', ID blank, 出生日期 2010-02-13", [G1])
def _(d):
    base(d)
    write_csv(d / "孤儿.csv", [["序号", "儿童姓名", "性别", "出生日期", "公民身份号码", "监护人姓名", "类别"], ["1", "徐晓（学生）", "女", "2010-02-13", "", "徐建国", "孤儿"]])


@sc("T32_wide_dibao_members_in_one_cell", "低保 roster: one row per household, members in one cell '李梅(配偶)、徐晓(女儿)' and no member IDs; registry lists father",
    [G1], ambiguous="members without IDs; the household is found through the father's ID as 户主")
def _(d):
    base(d, roster=[["区县", "户主姓名", "户主身份证号", "保障类别", "保障状态", "保障人数", "家庭成员"],
                    ["洛南县", "徐建国", F1, "农村低保", "正常", "3", "李梅(配偶)、徐晓(女儿)"]])


@sc("F31_data_offset_columns", "低保 xlsx whose table starts at column C row 4 (blank A:B, blank rows above)", [G1])
def _(d):
    write_csv(d / "学籍.csv", registry())
    write_csv(d / "资助.csv", aid_rows("S3"))
    write_xlsx(d / "低保.xlsx", [("Sheet1", [[], [], []] + [["", ""] + r for r in dibao_rows()])])


@sc("F32_zip_archive", "the 低保 roster arrives inside 低保.zip (as departments often send it)", [G1], exit_ok=(0, 3),
    ambiguous="reading the zip or an error naming it are fine; skipping it silently is not")
def _(d):
    import zipfile
    base(d)
    tmp = d.parent / "tmp_dibao.csv"
    write_csv(tmp, dibao_rows())
    with zipfile.ZipFile(d / "低保.zip", "w") as z:
        z.write(tmp, "低保.csv")
    tmp.unlink()


@sc("F33_cover_letter_docx", "a cover letter 说明.docx and a 说明.txt next to the exports", [G1], exit_ok=(0, 3),
    ambiguous="README: a file matching no source stops the run; a cover letter stopping the run is by design but harsh")
def _(d):
    base(d, roster=dibao_rows())
    (d / "说明.txt").write_text("3月份数据，请查收。\n", encoding="utf-8")
    (d / "说明.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 100)


@sc("F34_semicolon_gbk_registry", "registry as ; separated GBK CSV (Excel 'CSV' with a European list separator)", [G1], exit_ok=(0,))
def _(d):
    write_csv(d / "学籍.csv", registry(), delimiter=";", enc="gbk")
    write_csv(d / "资助.csv", aid_rows("S3"))
    write_csv(d / "低保.csv", dibao_rows())


@sc("F35_xlsx_with_merged_household_cells_and_total_rows_per_household", "低保 xlsx with a 小计 row after each household", [G1])
def _(d):
    r = dibao_rows()
    write_csv(d / "学籍.csv", registry())
    write_csv(d / "资助.csv", aid_rows("S3"))
    write_xlsx(d / "低保.xlsx", [("低保", r + [["小计", "", "", "", "", "3人", "", "", ""], ["合计", "", "", "", "", "3人"]])])


@sc("F07b_csv_semicolon_ragged_rows", "低保 roster as ; separated CSV whose data rows omit the trailing empty 停保日期 field (header 10 fields, rows 9)", [G1])
def _(d):
    base(d)
    r = dibao_rows()
    r[0].append("停保日期")
    write_csv(d / "低保.csv", r, delimiter=";")


@sc("P28_semester_column_blank_date_present", "payment file with 学期 column left blank and 发放日期 2025-04-15", [])
def _(d):
    base(d, aid=[["学期", "学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）", "发放日期"],
                 ["", G1, "徐晓", S1, PROG_MID, "375", "2025-04-15"], ["", G3, "王子涵", S3, PROG_MID, "375", "2025-04-15"]], roster=dibao_rows())


@sc("P29_semester_only_on_first_row_csv", "payment CSV: 学期 '2025年春季学期' on the first data row only (a merged cell flattened to CSV); S1 on row 3", [])
def _(d):
    base(d, aid=[["学期", "学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）"],
                 ["2025年春季学期", G3, "王子涵", S3, PROG_MID, "375"], ["", G1, "徐晓", S1, PROG_MID, "375"]], roster=dibao_rows())


@sc("P30_previous_semester_list_dated_in_title_but_date_column_blank", "autumn list: title '2024年秋季学期…', 发放日期 column present but blank: S1 a gap", [G1])
def _(d):
    base(d, aid=[["2024年秋季学期学生资助资金发放花名册"], ["学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）", "发放日期"],
                 [G1, "徐晓", S1, PROG_MID, "375", ""]], roster=dibao_rows())

@sc("P29b_semester_only_on_first_row_csv_autumn", "payment CSV: 学期 '2024年秋季学期' on the first data row only (merged cell flattened), S1 on the blank row below: an autumn list, S1 a gap", [G1])
def _(d):
    base(d, aid=[["学期", "学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）"],
                 ["2024年秋季学期", G3, "王子涵", S3, PROG_MID, "375"], ["", G1, "徐晓", S1, PROG_MID, "375"]], roster=dibao_rows())


if __name__ == "__main__":
    main(SC)
