"""The third level: each school's list (``aidmatch report --split school``).

A school acts on its own students: those on the gap list and in any finding. Its list names each
student once per case, says what the case is about (情况说明), what the school checks and what it
brings back (both per finding, from ``rules/review.yaml``), and leaves a column for what the school
found and a line for the signature and seal. IDs and 学籍号 are masked unless the report was
loaded with full IDs; the list is for checking, never for posting.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

from aidmatch.config import ReviewRules
from aidmatch.outputs.files import print_setup, write_table
from aidmatch.outputs.summary import UNKNOWN_COUNTY

if TYPE_CHECKING:
    from aidmatch.outputs.report import Report

UNKNOWN_SCHOOL = "（未填学校）"
SCHOOL_HEADERS = ["序号", "核查项目", "案例编号", "学籍号", "姓名", "年级", "班级", "情况说明",
                  "请学校核查", "请交回", "学校核查情况", "经办人"]
# What a case is about, from the finding's own columns (those it has, in this order).
SITUATION = ("问题", "名单类型", "困难类型", "建议资助项目", "建议金额（元）", "资助项目", "资助金额（元）",
             "发放次数", "合计金额（元）", "学期对比")
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


@dataclass
class SchoolList:
    county: str
    school: str
    rows: list[list[Any]]  # SCHOOL_HEADERS


def _value(values: dict[str, Any], header: str) -> Any:
    value = values.get(header)
    return "" if value is None else value


def school_lists(report: Report, review: ReviewRules) -> list[SchoolList]:
    """Every school with a case, its cases in finding order (漏助 first)."""
    lists: dict[tuple[str, str], SchoolList] = {}
    for cases in report.findings:
        task = review.review(cases.finding.label)
        for row, county in zip(cases.rows, cases.counties, strict=True):
            values = dict(zip(cases.headers, row, strict=False))
            school = str(_value(values, "学校名称") or UNKNOWN_SCHOOL)
            entry = lists.setdefault((county or UNKNOWN_COUNTY, school),
                                     SchoolList(county or UNKNOWN_COUNTY, school, []))
            situation = "；".join(f"{h}：{values[h]}" for h in SITUATION
                                 if h in values and values[h] not in (None, ""))
            # 身份信息有误: the row's 姓名 is the roster's (a parent's, perhaps); the student is
            # the 可能的学生.
            name = _value(values, "可能的学生姓名") or _value(values, "姓名")
            number = _value(values, "可能的学生学籍号") or _value(values, "学籍号")
            entry.rows.append([len(entry.rows) + 1, cases.finding.label, row[0], number, name,
                               _value(values, "年级"), _value(values, "班级"), situation,
                               task.school_check, task.school_return, "", ""])
    return [lists[k] for k in sorted(lists)]


def safe_name(text: str) -> str:
    """A file or folder name from a county or school name (no path separators, no spaces)."""
    return _UNSAFE.sub("_", text).strip("._") or "_"


def write_school_list(report: Report, school: SchoolList, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                               "strings_to_formulas": False,
                                               "strings_to_urls": False})
    title = f"{school.county} {school.school} {report.semester.label} 学生资助核查清单"
    sheet = workbook.add_worksheet("核查清单")
    bold = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                  "text_wrap": True, "valign": "vcenter"})
    text = workbook.add_format({"num_format": "@", "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    red = workbook.add_format({"bold": True, "font_color": "#C00000"})
    top = 0
    if report.incomplete:
        sheet.write_string(top, 0, f"！！！{report.notice[0]}", red)
        top += 1
    sheet.write_string(top, 0, title, bold)
    sheet.write_string(top + 1, 0, f"请逐一核查下列学生：按「请学校核查」核对，在「学校核查情况」写明结果，"
                       f"按「请交回」准备材料，经办人签字、学校盖章后交回{school.county}学生资助管理部门。")
    sheet.write_string(top + 2, 0, ("身份证号和学籍号已打码；" if report.masked else "")
                       + "本清单只用于核查，不得张贴或公示。")
    table_top = top + 4
    write_table(sheet, table_top, SCHOOL_HEADERS, school.rows, header, text,
                frozenset({"案例编号", "学籍号"}), wrap_format=wrap)
    for column in ("学校核查情况", "经办人"):
        c = SCHOOL_HEADERS.index(column)
        sheet.set_column(c, c, 20 if column == "学校核查情况" else 10, wrap)
    end = table_top + len(school.rows) + 2
    sheet.write_string(end, 0, "学校（盖章）：                校长签字：                "
                               "日期：      年    月    日")
    sheet.freeze_panes(table_top + 1, 0)
    print_setup(sheet, table_top, title)
    workbook.close()
    os.chmod(path, 0o600)


def write_school_lists(report: Report, review: ReviewRules, out_dir: Path) -> list[Path]:
    """One workbook per school with a case: ``out_dir/<区县>/<学校>.xlsx``."""
    written: list[Path] = []
    for school in school_lists(report, review):
        path = out_dir / safe_name(school.county) / f"{safe_name(school.school)}.xlsx"
        write_school_list(report, school, path)
        written.append(path)
    return written


__all__ = ["SCHOOL_HEADERS", "SchoolList", "safe_name", "school_lists", "write_school_lists"]
