# ruff: noqa: E501
"""Minimal reproductions of the failures the foreign generator found (one folder per case).

    python benchmarks/foreign/cases.py OUT_DIR
    aidmatch reconcile --input OUT_DIR/<case>/exports --semester 2025-spring --out OUT_DIR/<case>/out --db ...

Every case: one registry CSV (徐晓 with father 徐建国 in 成员1; 任东鹏 with guardian 任文秀 in 成员1), one aid CSV
with a 2024-autumn row only, plus the roster under test. EXPECT says which 学籍号 should be in gaps.csv.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import xlsxwriter
from stdnum.cn import ric


def pid(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


S1, S2, F1, G1, M1 = (pid("61102120100213703"), pid("61102120110203353"), pid("61102119800101123"),
                      pid("61102519540107895"), pid("61102119820202234"))
F1T = F1[:15] + str((int(F1[15]) + 3) % 10) + F1[16:]  # one-digit typo in the sequence part: birth date intact
S1S = S1[:14] + S1[15] + S1[14] + S1[16:]  # adjacent swap in the sequence part: birth date intact
REG = [["学籍号", "姓名", "性别", "出生日期", "身份证件号", "学籍状态", "就读方式", "学校名称", "年级", "班级",
        "成员1姓名", "成员1关系", "成员1身份证件号"],
       ["G" + S1, "徐晓", "女", "2010-02-13", S1, "在读", "走读", "洛南县第一小学", "五年级", "1班", "徐建国", "父亲", F1],
       ["G" + S2, "任东鹏", "男", "2011-02-03", S2, "在读", "走读", "洛南县第一小学", "四年级", "2班", "任文秀", "祖父", G1]]
REG_NOFAM = [r[:10] for r in REG]
AID = [["学年", "学期", "学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）"],
       ["2024-2025", "秋季学期", "G" + S1, "徐晓", S1, "义务教育家庭经济困难学生生活补助（非寄宿生）", "312.50"]]
CIVIL_H = ["区县", "户主姓名", "户主身份证号", "保障类别", "保障状态", "成员姓名", "成员身份证号", "与户主关系"]
DIS_H = ["序号", "姓名", "性别", "身份证号", "残疾人证号", "残疾类别", "残疾等级"]
CW_H = ["序号", "儿童姓名", "性别", "出生日期", "公民身份号码", "区县", "监护人姓名", "监护人身份证号", "类别"]
POV_H = ["序号", "户编号", "人编号", "姓名", "证件号码", "与户主关系", "户类型", "人口数"]
POV_VMERGE = [POV_H, ["1", "6110211500000001", "611021150000000101", "徐建国", F1, "户主", "脱贫户", "3"],
              ["2", "", "611021150000000102", "李梅", M1, "配偶", "", ""],
              ["3", "", "611021150000000103", "徐晓", S1, "之女", "", ""]]


def civil(end_header: str, end: str) -> list[list[str]]:
    return [[*CIVIL_H, end_header], ["洛南县", "徐建国", F1, "农村低保", "正常", "徐建国", F1, "本人", end],
            ["洛南县", "徐建国", F1, "农村低保", "正常", "徐晓", S1, "子女", end]]


# name: (registry rows, {file: rows}, expected 学籍号 in gaps.csv)
CASES = {
    "A1_end_header_保障终止日期": (REG, {"civil.csv": civil("保障终止日期", "2024-12-31")}, []),
    "A1_control_停保日期": (REG, {"civil.csv": civil("停保日期", "2024-12-31")}, []),
    "A1_control_终止日期": (REG, {"civil.csv": civil("终止日期", "2024-12-31")}, []),
    "A2_end_header_停保时间": (REG, {"civil.csv": civil("停保时间", "2024-12-31")}, []),
    "A2_end_header_到期日期": (REG, {"civil.csv": civil("到期日期", "2024-12-31")}, []),
    "B1_csv_household_cells_blank_below_head": (REG_NOFAM, {"poverty.csv": POV_VMERGE}, ["G" + S1]),
    "B1_control_same_but_registry_lists_father": (REG, {"poverty.csv": POV_VMERGE}, ["G" + S1]),
    "C1_parent_cert_typo_name_birth_intact": (REG, {"disability.csv": [DIS_H, ["1", "徐建国", "男", F1T, F1T + "41",
                                                                            "肢体", "四级"]]}, ["G" + S1]),
    "C2_cert_only_swap_birth_intact": (REG, {"disability.csv": [["序号", "姓名", "性别", "残疾人证号", "残疾类别", "残疾等级"],
                                                                ["1", "徐晓", "女", S1S + "41", "肢体", "四级"]]},
                                       ["G" + S1]),
    "C2_control_same_ID_in_ID_column": (REG, {"disability.csv": [DIS_H, ["1", "徐晓", "女", S1S, S1S + "41", "肢体",
                                                                         "四级"]]}, ["G" + S1]),
    "E1_guardian_ID_in_child_ID_cell": (REG, {"child.csv": [CW_H, ["1", "任东鹏", "男", "2011-02-03", G1, "洛南县",
                                                                   "任文秀", G1, "事实无人抚养儿童"]]}, ["G" + S2]),
    "E1_control_blank_ID_cell": (REG, {"child.csv": [CW_H, ["1", "任东鹏", "男", "2011-02-03", "", "洛南县", "任文秀",
                                                            G1, "事实无人抚养儿童"]]}, ["G" + S2]),
}


def write_xlsx_vmerge(path: Path) -> None:
    """Control for B1: the same roster as a real .xlsx with vertically merged household cells (aidmatch handles it)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("人员明细")
    ws.write_row(0, 0, POV_H)
    for i, r in enumerate(POV_VMERGE[1:]):
        for c, v in enumerate(r):
            if c not in (1, 6, 7):
                ws.write_string(i + 1, c, v)
    for c in (1, 6, 7):
        ws.merge_range(1, c, 3, c, POV_VMERGE[1][c])
    wb.close()


def main() -> None:
    out = Path(sys.argv[1])
    for name, (reg, files, expect) in CASES.items():
        d = out / name / "exports"
        d.mkdir(parents=True, exist_ok=True)
        for fname, rows in {"registry.csv": reg, "aid.csv": AID, **files}.items():
            with open(d / fname, "w", encoding="utf-8", newline="") as f:
                csv.writer(f).writerows(rows)
        (out / name / "EXPECT").write_text(" ".join(expect) + "\n", encoding="utf-8")
    d = out / "B1_control_xlsx_real_merges" / "exports"
    d.mkdir(parents=True, exist_ok=True)
    for fname, rows in {"registry.csv": REG_NOFAM, "aid.csv": AID}.items():
        with open(d / fname, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)
    write_xlsx_vmerge(d / "poverty.xlsx")
    (out / "B1_control_xlsx_real_merges" / "EXPECT").write_text("G" + S1 + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
