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


# Issue 17 (foreign2 F04): header words split over two rows without merged cells.
SPLIT_TOP = ["学籍号", "姓名", "身份证件", "身份证件", "学籍", "就读", "学校名称"]
SPLIT_BOTTOM = ["", "", "类型", "号", "状态", "方式", ""]


def test_header_words_split_over_two_rows_are_one_header(rules: Rules) -> None:
    layout = _best(rules, [SPLIT_TOP, SPLIT_BOTTOM, ["G1", "王芳", "居民身份证", "1", "在读",
                                                      "走读", "一中"]])
    assert (layout.kind, layout.header_row, layout.grouped) == ("registry", 1, True)
    assert [(c.header, c.field) for c in layout.columns] == [
        ("学籍号", "student_no"), ("姓名", "name"), ("身份证件类型", "id_type"),
        ("身份证件号", "id_number"), ("学籍状态", "status"), ("就读方式", "boarding"),
        ("学校名称", "school")]
    assert not layout.duplicate_fields


@pytest.mark.parametrize(("top", "bottom"), [
    # group labels over generic sub-headers (foreign2 F03): the group route, as before
    (["户主信息", "", "", "", "成员信息", "", ""],
     ["姓名", "身份证号", "保障类别", "保障状态", "姓名", "身份证号", "与户主关系"]),
    # a title and a 填报单位 row: never joined into the header below
    (["2025年3月份农村低保备案表", "", "", "", "", "", ""],
     ["姓名", "身份证号", "保障类别", "保障状态", "成员姓名", "成员身份证号", "与户主关系"]),
    # a top word that is a column name of its own: two rows, not one split header
    (["姓名", "身份证号", "", "", "", "", ""],
     ["户主姓名", "户主身份证号", "保障类别", "保障状态", "成员姓名", "成员身份证号", "与户主关系"]),
], ids=["group labels", "title", "top row is a header"])
def test_rows_that_are_not_split_words_are_not_joined(rules: Rules, top: list[str],
                                                      bottom: list[str]) -> None:
    from aidmatch.sources.layout import split_header_words

    mapper = HeaderMapper(rules.sources)
    assert split_header_words(mapper, top, bottom, len(bottom)) is None
    assert split_header_words(mapper, SPLIT_TOP, SPLIT_BOTTOM, len(SPLIT_TOP)) is not None


def test_group_labels_over_two_person_groups_still_read(rules: Rules) -> None:
    head = [["户主信息", "", "", "", "成员信息", "", ""],
            ["姓名", "身份证号", "保障类别", "保障状态", "姓名", "身份证号", "与户主关系"]]
    layout = _best(rules, head, sheet="Sheet1", file="低保.csv")
    assert (layout.kind, layout.header_row) == ("civil_assistance", 1)
    assert [(c.group, c.field) for c in layout.columns] == [
        ("户主", "name"), ("户主", "id_number"), (None, "category"), (None, "security_status"),
        (None, "name"), (None, "id_number"), (None, "relation")]


# Issue 17 (foreign2 F16, T29): English file names; the 优抚对象 roster.
@pytest.mark.parametrize(("file", "kind"), [
    ("orphans.csv", "child_welfare"), ("Orphans.xlsx", "child_welfare"),
    ("de_facto_orphans.csv", "child_welfare"), ("dibao.csv", "civil_assistance"),
    ("tekun.csv", "civil_assistance"), ("wubao.xlsx", "civil_assistance"),
    ("canlian.csv", "disability"), ("disability.csv", "disability"),
    ("tuopin.csv", "poverty"), ("fanpin_jiance.csv", "poverty"),
    ("youfu.csv", "preferential_care"), ("优抚对象.csv", "preferential_care"),
    ("烈士子女.xlsx", "preferential_care"),
])
def test_english_and_pinyin_file_names_name_the_roster(rules: Rules, file: str, kind: str) -> None:
    head = [["姓名", "性别", "出生日期", "身份证号码"]]
    assert _best(rules, head, sheet="", file=file).kind == kind


def test_a_care_category_column_names_the_roster(rules: Rules) -> None:
    head = [["姓名", "身份证号", "优抚类别", "与烈士关系"]]
    assert _best(rules, head, sheet="Sheet1", file="名单.xlsx").kind == "preferential_care"


# Issue 16 (country run, seed 3): 民政部's 低收入人口动态监测信息平台 exports a 户码 / 人编号 roster
# with a 人员类别 column; without a title row or a telling sheet name, its 人编号 (a 扶贫
# signature column) outscored the file name's 低收入, and the "监测" in the file name then made
# every member a 防返贫监测对象.
def test_a_low_income_roster_with_person_numbers_is_civil(rules: Rules) -> None:
    head = [["编号", "区县", "乡(镇)", "行政村", "户码", "人编号", "成员姓名", "公民身份号码",
             "与户主关系（称谓）", "性别", "出生年月", "人员类别", "手机号码", "一卡通账号"]]
    assert _best(rules, head, file="低收入人口动态监测信息.xls").kind == "civil_assistance"
