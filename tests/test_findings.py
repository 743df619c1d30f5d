"""The review findings on hand-built exports: every case known in advance."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from aidmatch.bench.quality import score_findings
from aidmatch.findings import FINDINGS
from aidmatch.outputs.lists import finding_headers
from aidmatch.pipeline import RunResult, reconcile
from aidmatch.semester import Semester
from aidmatch.synth import generate_city
from tests.builders import make_id, read_csv, write_csv
from tests.conftest import DANFENG, STUDENTS, write_mini_exports

SPRING = Semester.parse("2025-spring")
STRANGER = make_id(DANFENG, "20120909", "919")
PAY_HEADER = ["学年", "学期", "学籍号", "姓名", "身份证号", "学校名称", "资助项目名称", "资助金额（元）"]


def _pay(student: str, programme: str, amount: str, school: str = "丹凤中学") -> list[object]:
    s = STUDENTS[student]
    return ["2024-2025", "第二学期", s.student_no, s.name, s.id, school, programme, amount]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    tmp = tmp_path_factory.mktemp("findings")
    exports = write_mini_exports(tmp / "exports")
    write_csv(exports / "资助补充发放.csv", [
        PAY_HEADER,
        _pay("left_school", "普通高中国家助学金", "1150"),  # 转出: not enrolled
        ["2024-2025", "第二学期", "", "路人甲", STRANGER, "丹凤中学", "非寄宿生生活补助", "375"],
        _pay("dibao_member", "非寄宿生生活补助", "375"),  # 住校 student paid the day rate
        _pay("sibling_a", "寄宿生生活补助", "750"),  # 走读 student paid the boarding rate
        _pay("disabled", "非寄宿生生活补助", "312.5"),  # 初中 paid the 小学 amount
        # not a 小学 programme, and paid in 丹凤中学's list: the list shows the registry's school
        _pay("no_policy", "普通高中国家助学金", "1150", "丹凤中学"),
        _pay("plain", "义务教育非寄宿生生活补助", "375", "龙驹寨小学"),  # a second payment
        _pay("household_only", "非寄宿生生活补助", "312.5", "龙驹寨小学"),
        _pay("household_only", "非寄宿生生活补助", "-312.5", "龙驹寨小学"),  # reversed
        _pay("household_only", "非寄宿生生活补助", "312.5", "龙驹寨小学"),
    ])
    # Six 高中 students of a 脱贫 household roster; the 免学杂费 rate is set locally (null in the
    # rules): five payments agree on 400, the sixth is paid 800.
    seniors = [(f"高{n}", make_id(DANFENG, f"2009010{n}", f"{n}11")) for n in range(1, 7)]
    write_csv(exports / "高中学籍.csv", [
        ["学籍号", "姓名", "身份证件号", "学籍状态", "就读方式", "年级", "学校名称", "区县"],
        *(["G" + i, name, i, "在读", "住校", "高一", "丹凤中学", "丹凤县"] for name, i in seniors),
    ])
    write_csv(exports / "脱贫户（高中）.csv", [
        ["户编号", "姓名", "身份证号", "与户主关系", "户类型"],
        *([f"T{n}", name, i, "之子", "脱贫户"] for n, (name, i) in enumerate(seniors)),
    ])
    # A 残联 row without certificate number or ID: its name fits one enrolled student only.
    write_csv(exports / "残联补充名单.csv", [["姓名", "残疾人证号", "残疾类别", "残疾等级"],
                                       [STUDENTS["plain"].name, "", "肢体", "三级"]])
    write_csv(exports / "高中资助.csv", [PAY_HEADER, *(
        row for n, (name, i) in enumerate(seniors, 1) for row in (
            ["2024-2025", "第二学期", "G" + i, name, i, "丹凤中学", "普通高中国家助学金", "1150"],
            ["2024-2025", "第二学期", "G" + i, name, i, "丹凤中学", "免学杂费",
             "800" if n == 6 else "400"]))])
    return reconcile(exports, SPRING, tmp / "out", db_path=tmp / "a.duckdb")


def _names(run: RunResult, csv_name: str) -> dict[str, dict[str, str]]:
    return {row["姓名"]: row for row in read_csv(run.out_dir / csv_name)}


def test_not_enrolled_aid(run: RunResult) -> None:
    rows = _names(run, "not_enrolled_aid.csv")
    assert set(rows) == {"张三", "路人甲"}
    assert rows["张三"]["问题"] == "学籍状态：转出"
    assert rows["路人甲"]["问题"] == "学籍系统中没有此人"
    assert rows["路人甲"]["匹配方式"] == "未关联到学籍"
    assert rows["张三"]["来源"] == "资助补充发放.csv第2行"


def test_duplicate_aid(run: RunResult) -> None:
    rows = _names(run, "duplicate_aid.csv")
    # 卫六: two payments in two files; 周九: two rows with precision-lost IDs; 何小伟's second
    # payment was reversed and paid again: one payment net, not a duplicate.
    assert set(rows) == {"卫六", "周九"}
    assert rows["卫六"]["发放次数"] == "2" and rows["卫六"]["合计金额（元）"] == "750"
    assert rows["卫六"]["来源"].count("第") == 2
    assert "发放学校：丹凤中学、龙驹寨小学" in rows["卫六"]["问题"]


def test_wrong_standard(run: RunResult) -> None:
    rows = _names(run, "wrong_standard.csv")
    assert set(rows) == {"王芳", "孟一", "郑一", "王二", "高6"}
    assert rows["高6"]["问题"] == "金额 800 元，本县 5 笔同项目发放为 400 元（按当地标准）"
    assert rows["王芳"]["问题"] == "学籍就读方式为住校，发放的是走读生的项目"
    assert rows["孟一"]["问题"] == "学籍就读方式为走读，发放的是住校生的项目"
    assert rows["郑一"]["问题"] == "金额 312.5 元，标准 375 元"
    assert rows["王二"]["问题"] == "「普通高中国家助学金」不是小学学生的资助项目"
    assert "义务教育家庭经济困难非寄宿生生活补助" in rows["王二"]["应发项目及标准"]


def test_wrong_standard_is_listed_by_the_county_and_school_it_shows(run: RunResult) -> None:
    """Ordered by the student's 区县 and 学校名称 (the columns shown), not the paying list's:
    王二 of 龙驹寨小学, paid in 丹凤中学's list, comes after every 丹凤中学 student (on Spark
    and DuckDB alike)."""
    rows = read_csv(run.out_dir / "wrong_standard.csv")
    shown = [(row["区县"], row["学校名称"]) for row in rows]
    assert shown == sorted(shown)
    assert rows[-1]["姓名"] == "王二" and rows[-1]["学校名称"] == "龙驹寨小学"


def test_identity_errors(run: RunResult) -> None:
    rows = read_csv(run.out_dir / "identity_errors.csv")
    by_name: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_name.setdefault(row["姓名"], []).append(row)
    # 周九's two payment rows lost their precision; the linkage still found 周九.
    assert [r["问题"] for r in by_name["周九"]] == ["证件号精度丢失（曾存为数字）"] * 2
    assert {r["可能的学生姓名"] for r in by_name["周九"]} == {"周九"}
    # 冯三's ID typed in 陈大力's row: the name contradicts it, a clerk decides.
    chen = by_name["陈大力"][0]
    assert chen["可能的学生学籍号"] == STUDENTS["name_conflict"].student_no
    assert chen["匹配方式"].startswith("待核实")
    # Every case is about an enrolled student; the 低保 户主 王大, whose ID was stored as an Excel
    # number, is no student's case: his row is in the data-quality summary for 民政.
    assert "王大" not in by_name
    assert all(r["可能的学生学籍号"] for r in rows)
    quality = read_csv(run.out_dir / "data_quality.csv")
    assert quality and all(int(r["行数"]) >= 1 for r in quality)
    wang = [r for r in quality if r["示例姓名"] == "王大"]
    assert wang and wang[0]["报送部门"] == "民政部门"
    assert wang[0]["问题"] == "证件号精度丢失（曾存为数字）"
    assert "*" in wang[0]["示例证件号"]  # masked even in a --full-ids run


def test_case_keys_are_stable_and_stored(run: RunResult, tmp_path: Path) -> None:
    assert run.db_path is not None
    with duckdb.connect(str(run.db_path), read_only=True) as con:
        cases = con.execute("SELECT finding, count(*), count(DISTINCT case_key) FROM cases "
                            "WHERE run_semester = '2025-spring' GROUP BY 1 ORDER BY 1").fetchall()
        keys = {k for (k,) in con.execute("SELECT case_key FROM cases").fetchall()}
    assert {finding for finding, _, _ in cases} == {"BZ", "CF", "FZ", "HX", "LZ", "SF"}
    assert all(total == distinct for _, total, distinct in cases)
    assert all(k.split("-")[1:3] == ["2025", "spring"] for k in keys)
    gaps = read_csv(run.out_dir / "gaps.csv")
    assert {f: n for f, n, _ in cases}["LZ"] == len(gaps)
    # Same inputs, same database: the same keys (another database: other keys, see
    # tests/test_case_keys.py).
    again = reconcile(run.out_dir.parent / "exports", SPRING, tmp_path / "out",
                      db_path=run.db_path)
    assert again.db_path is not None
    with duckdb.connect(str(again.db_path), read_only=True) as con:
        assert {k for (k,) in con.execute("SELECT case_key FROM cases").fetchall()} == keys
    for finding in FINDINGS:
        if finding.csv:  # the header is written even when a finding has no case
            with (run.out_dir / finding.csv).open(encoding="utf-8-sig", newline="") as handle:
                assert next(csv.reader(handle)) == finding_headers(finding)


def test_findings_against_synthetic_truth(tmp_path: Path) -> None:
    data = tmp_path / "city"
    generate_city(data, students=1500, seed=21, semester=SPRING, excel=False)
    result = reconcile(data / "exports", SPRING, tmp_path / "out", db_path=None)
    scores = score_findings(result.out_dir, data / "truth" / "aid_findings.csv")
    for name, score in scores.items():
        print(f"  {name}: {score}")
    assert sum(s.true_positives + s.false_negatives for s in scores.values()) > 5
    assert scores["not_enrolled_aid.csv"].recall >= 0.9
    assert scores["duplicate_aid.csv"].recall >= 0.9
    assert scores["wrong_standard.csv"].recall >= 0.8
    assert all(s.precision >= 0.8 for s in scores.values())


def test_unlinked_record_that_fits_one_student_is_a_candidate(run: RunResult) -> None:
    """A roster row nothing could link (no ID, no certificate number) but whose name fits
    exactly one enrolled student is neither linked nor dropped: a 未关联的可能学生 case."""
    rows = read_csv(run.out_dir / "unlinked_candidates.csv")
    plain = [r for r in rows if r["名单姓名"] == STUDENTS["plain"].name]
    assert len(plain) == 1
    row = plain[0]
    assert row["学籍号"] == STUDENTS["plain"].student_no
    assert row["名单类型"] == "残联" and row["名单证件号"] == ""
    assert row["问题"].startswith("姓名") and "只有该生一致" in row["问题"]
    assert row["来源"].startswith("残联补充名单.csv第2行")
    assert row["案例编号"].startswith("HX-2025-spring-")
    # Not linked: the student gains no key group from it.
    key = {r["学籍号"] for r in read_csv(run.out_dir / "key_students.csv")}
    assert STUDENTS["plain"].student_no not in key


def test_every_list_is_read_in_its_own_order_not_the_tables() -> None:
    """A table's order does not survive a scan (DuckDB's parallel scans; Spark reads a step's
    files largest first: at 2M students gaps.csv came out in five runs): the readers sort."""
    from aidmatch.findings import GAPS, IDENTITY
    from aidmatch.outputs.lists import finding_rows, gap_rows

    con = duckdb.connect()
    # stored backwards: the last county first
    con.execute("""
        CREATE TABLE gaps AS
        SELECT 'G' || i AS student_no, NULL AS id, NULL AS id_raw, '学生' || i AS name,
               NULL AS sex, ['商州区', '丹凤县', '山阳县'][1 + i % 3] AS county,
               '学校' || (i % 2) AS school, '一年级' AS grade, NULL AS class_name, NULL AS stage,
               NULL AS boarding, '' AS group_labels, '' AS sources, '' AS expected_programmes,
               0 AS expected_amount, '' AS methods, i AS student_id, '' AS case_key,
               'p' || i AS person_key, '' AS id_number
        FROM range(300) t(i) ORDER BY i DESC""")
    con.execute("CREATE TABLE finding_gaps AS SELECT * FROM gaps")
    expected = [row[0] for row in con.execute(
        f"SELECT student_no FROM gaps ORDER BY {GAPS.order}").fetchall()]
    assert [row[0] for row in gap_rows(con, masked=False)] == expected
    assert [row[1] for row in finding_rows(con, GAPS, masked=False)] == expected
    shown = [(row[4], row[5]) for row in gap_rows(con, masked=False)]
    assert shown == sorted(shown) and len(set(shown)) == 6
    # a source-row list: by county, then the file's own order (file, sheet, row, record)
    assert IDENTITY.order.endswith("file_id, sheet, row, record_id")
