"""Loading folders of exports into canonical records."""

from __future__ import annotations

from pathlib import Path

import pytest

from aidmatch.config import Rules
from aidmatch.errors import InputProblems
from aidmatch.semester import Semester
from aidmatch.sources import load_inputs
from tests.builders import make_id, write_csv, write_xlsx

SPRING = Semester.parse("2025-spring")
HEAD = make_id("611022", "19800101", "111")
CHILD = make_id("611022", "20120304", "124")
SPOUSE = make_id("611022", "19820202", "222")


def _records(folder: Path, rules: Rules, **kwargs: object) -> list[dict[str, object]]:
    result = load_inputs(folder, rules, SPRING, **kwargs)  # type: ignore[arg-type]
    return result.records.to_pylist()


def test_wide_household_row_becomes_one_record_per_person(tmp_path: Path, rules: Rules) -> None:
    write_xlsx(tmp_path / "脱贫户.xlsx", {"脱贫户": [
        ["户主姓名", "户主身份证号", "户类型", "成员1姓名", "成员1身份证号", "成员1与户主关系",
         "成员2姓名", "成员2身份证号", "成员2与户主关系"],
        ["王大", HEAD, "脱贫户", "王妻", SPOUSE, "配偶", "王芳", CHILD, "之女"],
        ["李大", make_id("611022", "19700101", "331"), "脱贫户", None, None, None, None, None,
         None],
    ]})
    records = _records(tmp_path, rules)
    assert [(r["row"], r["slot"], r["name"], r["relation"]) for r in records] == [
        (2, "户主", "王大", "户主"), (2, "成员1", "王妻", "配偶"), (2, "成员2", "王芳", "之女"),
        (3, "户主", "李大", "户主")]
    assert len({r["household_key"] for r in records[:3]}) == 1
    assert records[0]["household_key"] != records[3]["household_key"]
    assert all(r["categories"] == ["脱贫户"] for r in records)


def test_merged_household_cells_are_filled_down(tmp_path: Path, rules: Rules) -> None:
    rows = [["户编号", "户类型", "姓名", "身份证号", "与户主关系"],
            ["H9", "监测户", "王大", HEAD, "户主"],
            [None, None, "王芳", CHILD, "之女"]]
    write_xlsx(tmp_path / "监测.xlsx", {"S": rows}, merges={"S": [(1, 0, 2, 0), (1, 1, 2, 1)]})
    records = _records(tmp_path, rules)
    assert [r["household_key"] for r in records] == ["户:1:H9", "户:1:H9"]
    assert [r["categories"] for r in records] == [["监测户"], ["监测户"]]


def test_ids_as_excel_numbers_are_precision_lost_not_guessed(tmp_path: Path,
                                                              rules: Rules) -> None:
    write_xlsx(tmp_path / "残疾人.xlsx", {"S": [["姓名", "身份证号", "残疾类别"],
                                               ["王芳", float(CHILD[:15] + "000"), "视力"]]})
    [record] = _records(tmp_path, rules)
    assert record["id_status"] == "precision_lost"
    assert record["id"] is None
    assert record["id_prefix"] == CHILD[:15]
    assert str(record["birth_date"]) == "2012-03-04"


def test_certificate_number_gives_the_id_and_category(tmp_path: Path, rules: Rules) -> None:
    write_csv(tmp_path / "持证.csv", [["姓名", "残疾人证号"], ["王芳", CHILD + "42"]])
    [record] = _records(tmp_path, rules)
    assert (record["id"], record["disability_category"], record["disability_grade"]) == (
        CHILD, "肢体", "二级")


def test_every_bad_file_is_reported_at_once(tmp_path: Path, rules: Rules) -> None:
    write_csv(tmp_path / "good.csv", [["学籍号", "姓名", "身份证件号", "学籍状态"],
                                      ["G" + CHILD, "王芳", CHILD, "在读"]])
    write_csv(tmp_path / "unknown.csv", [["名称", "数量"], ["铅笔", "3"], ["6110221980010111", ""]])
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputProblems) as caught:
        load_inputs(tmp_path, rules, SPRING)
    text = str(caught.value)
    assert "共 2 处" in text
    assert "unknown.csv" in text and "无法识别" in text and "学籍名单" in text
    assert "broken.xlsx" in text


def test_source_override_reads_a_file_with_unusual_headers(tmp_path: Path, rules: Rules) -> None:
    write_csv(tmp_path / "名单.csv", [["姓名", "身份证号"], ["王芳", CHILD]])
    with pytest.raises(InputProblems):
        load_inputs(tmp_path, rules, SPRING)
    records = _records(tmp_path, rules, overrides={"名单.csv": "disability"})
    assert [(r["source"], r["id"]) for r in records] == [("disability", CHILD)]


def test_aid_semester_from_year_and_term_or_date(tmp_path: Path, rules: Rules) -> None:
    write_csv(tmp_path / "资助.csv", [
        ["学年", "学期", "发放日期", "姓名", "身份证号", "学校", "资助金额"],
        ["2024-2025", "第二学期", "", "王芳", CHILD, "丹凤中学", "375"],
        ["", "", "2024-10-08", "王芳", CHILD, "丹凤中学", "375"],
        ["2024-2025", "第三学期", "", "王芳", CHILD, "丹凤中学", "375"],
    ])
    records = _records(tmp_path, rules)
    assert [r["semester"] for r in records] == ["2025-spring", "2024-autumn", "?"]


def test_sheets_named_for_two_semesters_are_two_semesters_payments(tmp_path: Path,
                                                                   rules: Rules) -> None:
    # the same row under 「2024秋」 and 「2025春」 is not one payment handed over twice
    header = ["姓名", "身份证号", "学校", "资助项目名称", "资助金额"]
    row = ["王芳", CHILD, "丹凤中学", "义务教育家庭经济困难学生生活补助", "375"]
    write_xlsx(tmp_path / "资助发放.xlsx", {"2024秋": [header, row], "2025春": [header, row]})
    result = load_inputs(tmp_path, rules, SPRING)
    assert sorted(r["semester"] for r in result.records.to_pylist()) == [
        "2024-autumn", "2025-spring"]
    assert not result.rejects


def test_long_roster_without_household_number_groups_by_head_rows(tmp_path: Path,
                                                                  rules: Rules) -> None:
    write_csv(tmp_path / "低保.csv", [
        ["姓名", "身份证号", "与户主关系", "保障类别"],
        ["王大", HEAD, "户主", "农村低保"], ["王芳", CHILD, "之女", ""],
        ["李大", make_id("611022", "19700101", "331"), "户主", "农村低保"],
    ])
    records = _records(tmp_path, rules)
    keys = [r["household_key"] for r in records]
    assert keys[0] == keys[1] != keys[2]


def test_risk_elimination_date_means_eliminated(tmp_path: Path, rules: Rules) -> None:
    write_csv(tmp_path / "监测户.csv", [
        ["户编号", "姓名", "身份证号", "监测对象类别", "风险消除时间"],
        ["M1", "王芳", CHILD, "边缘易致贫户", "2024-06-30"],
        ["M2", "王大", HEAD, "突发严重困难户", ""],
    ])
    records = _records(tmp_path, rules)
    assert [r["risk_eliminated"] for r in records] == ["是", ""]


def test_rows_are_judged_whole_not_only_by_the_columns_used(tmp_path: Path,
                                                             rules: Rules) -> None:
    """Blank rows are found column-wise from the columns the layout uses; a row blank there but
    with text in a column no rule uses is not blank: it is a row nobody is named in."""
    write_csv(tmp_path / "低保名单.csv", [
        ["姓名", "身份证号", "保障类别", "备注"],
        ["王大", HEAD, "农村低保", ""],
        ["", "", "", "见附件"],
        ["", "", "", ""],
        ["　", " ", "", ""],
        ["王芳", CHILD, "农村低保", ""],
    ])
    result = load_inputs(tmp_path, rules, SPRING)
    assert [r["name"] for r in result.records.to_pylist()] == ["王大", "王芳"]
    assert [(r.row, r.reason) for r in result.rejects] == [
        (3, "没有姓名也没有证件号，无法确定是谁"), (4, "空行"), (5, "空行")]
