"""Header detection and source recognition."""

from __future__ import annotations

import pytest

from aidmatch.config import Rules
from aidmatch.sources.layout import HeaderMapper, detect_layouts


def _best(rules: Rules, head: list[list[str]], sheet: str = "Sheet1", file: str = "x.xlsx"):
    layouts = detect_layouts(head, sheet, file, rules.sources, HeaderMapper(rules.sources))
    assert layouts, "no layout found"
    return layouts[0]


@pytest.mark.parametrize(
    ("head", "kind", "header_row"),
    [
        ([["学籍号", "姓名", "身份证件号", "学籍状态", "年级"]], "registry", 0),
        ([["学年", "学期", "学籍号", "姓名", "资助项目名称", "资助金额（元）"]], "aid", 0),
        ([["2025年3月份农村低保备案表"], ["填报单位：丹凤县民政局", "", "日期：2025-03"],
          ["户主姓名", "户主身份证号", "保障人数", "月保障金额"]], "civil_assistance", 2),
        ([["户编号", "人编号", "姓名", "证件号码", "与户主关系", "户类型", "风险是否消除"]], "poverty", 0),
        ([["姓名", "残疾人证号", "残疾类别", "残疾等级"]], "disability", 0),
    ],
)
def test_source_recognised_from_headers(rules: Rules, head: list[list[str]], kind: str,
                                        header_row: int) -> None:
    layout = _best(rules, head)
    assert (layout.kind, layout.header_row) == (kind, header_row)


def test_sheet_name_decides_when_headers_are_generic(rules: Rules) -> None:
    head = [["姓名", "身份证号", "性别"]]
    assert _best(rules, head, sheet="事实无人抚养儿童").kind == "child_welfare"
    assert _best(rules, head, sheet="Sheet1", file="特困供养人员.xlsx").kind == "civil_assistance"


def test_group_labels_compose_with_sub_headers(rules: Rules) -> None:
    head = [["基本信息", "", "", "家庭成员1", "", "家庭成员2", ""],
            ["姓名", "身份证号", "保障状态", "姓名", "身份证号", "姓名", "身份证号"]]
    layout = _best(rules, head, sheet="低保")
    assert layout.header_row == 1
    mapped = [(c.group, c.field) for c in layout.columns]
    assert mapped == [(None, "name"), (None, "id_number"), (None, "security_status"),
                      ("成员1", "name"), ("成员1", "id_number"),
                      ("成员2", "name"), ("成员2", "id_number")]


@pytest.mark.parametrize("label", ["成员1姓名", "家庭成员1姓名", "成员一姓名", "成员(1)姓名"])
def test_numbered_member_columns(rules: Rules, label: str) -> None:
    assert HeaderMapper(rules.sources).map_cell(label, None) == ("成员1", "name")


def test_instructions_sheet_is_not_a_source(rules: Rules) -> None:
    head = [["填表说明"], ["1. 身份证号请填写 18 位"], ["2. 姓名与户口本一致"]]
    assert detect_layouts(head, "说明", "x.xlsx", rules.sources, HeaderMapper(rules.sources)) == []


@pytest.mark.parametrize(("label", "expected"), [
    ("成员姓名1", ("成员1", "name")),
    ("家庭成员身份证号2", ("成员2", "id_number")),
    ("姓名2", ("成员2", "name")),
    ("与户主关系3", ("成员3", "relation")),
    ("户主姓名", (None, "head_name")),
    ("联系电话1", (None, None)),
    ("父亲身份证号", ("父亲", "id_number")),
    ("学生身份证号码（必填）", (None, "id_number")),
    ("家长姓名", (None, "guardian_name")),
])
def test_numbered_named_and_unlisted_columns(rules: Rules, label: str,
                                             expected: tuple[str | None, str | None]) -> None:
    assert HeaderMapper(rules.sources).map_cell(label, None) == expected


@pytest.mark.parametrize("wording", ["成员{n}", "家庭成员{n}", "共同生活家庭成员{n}", "第{n}位家庭成员",
                                     "家属{n}", "共同生活家庭成员（{n}）", "家庭成员{c}", "第{c}个成员信息"])
def test_member_groups_are_recognised_by_structure(rules: Rules, wording: str) -> None:
    numerals = "一二三"
    head = [["户主信息", "", "", *[wording.format(n=n, c=numerals[n - 1]) if k == 0 else ""
                                   for n in (1, 2, 3) for k in range(3)]],
            ["户主姓名", "户主身份证号", "保障人数", *["姓名", "与户主关系", "身份证号"] * 3]]
    layout = _best(rules, head, sheet="低保")
    assert layout.header_row == 1 and not layout.duplicate_fields
    assert [(c.group, c.field) for c in layout.columns[3:]] == [
        (f"成员{n}", field) for n in (1, 2, 3) for field in ("name", "relation", "id_number")]


def test_numbers_in_a_title_are_not_member_groups(rules: Rules) -> None:
    head = [["2025年3月", "", "第1季度", "", "成员1姓名", "成员2姓名"],
            ["姓名", "身份证号", "保障类别", "保障状态", "姓名", "身份证号"]]
    mapper = HeaderMapper(rules.sources)
    from aidmatch.sources.layout import numbered_groups

    assert numbered_groups(mapper, head[0]) == {}
