"""The county review package, read from the database: ``aidmatch report``.

:func:`load_report` gathers one semester (optionally one county) from the ``--db`` file: coverage
city → county → school, every finding's cases with their current review decision, and the
comparison with the previous semester in the database. :func:`write_workbook` writes it as Excel
(汇总 with a native chart beside the table, one sheet per finding — the whole city's with a 区县
column to filter by — with frozen header, filters, IDs as text, the evidence columns and the
review columns, 学期对比, 数据质量, 说明), every sheet set up to print A4 landscape one page wide
with its header row on every page;
:mod:`aidmatch.outputs.html` writes the same data as one page.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from aidmatch.config import ReviewRules, load_rules
from aidmatch.database import open_database, purged_at
from aidmatch.errors import InputError, UsageError
from aidmatch.findings import FINDINGS, Finding
from aidmatch.outputs.files import (
    TEXT_COLUMNS,
    WRAP_WIDTHS,
    print_setup,
    text_width,
    write_table,
)
from aidmatch.outputs.lists import (
    DATA_QUALITY_HEADERS,
    data_quality_rows,
    finding_headers,
    finding_rows,
    id_writer,
    student_no_writer,
)
from aidmatch.outputs.summary import UNKNOWN_COUNTY, CountyLine, incomplete_notice
from aidmatch.review import (
    CASE_KEY,
    DECIDED,
    INFO_SHEET,
    NOTE,
    RESULT,
    REVIEWER,
    SEMESTER_CELL,
    current_decisions_sql,
)
from aidmatch.semester import Semester
from aidmatch.steps import scalar

REVIEW_HEADERS = [RESULT, NOTE, REVIEWER, DECIDED]
COMPARISON_HEADERS = ["类别", "学籍号", "身份证件号", "姓名", "区县", "学校名称", "连续漏助学期数",
                      "说明", "上学期核实结果"]
_TEXT_COLUMNS = TEXT_COLUMNS | {CASE_KEY, "证件号", "可能的学生身份证件号"}
NEW, RESOLVED, STILL_OPEN = "新增漏助", "已解决的漏助", "连续两学期及以上未解决"


@dataclass(frozen=True)
class CoverageLine(CountyLine):
    """A summary line (the run summary's county line) of the city, a county or a school."""

    level: str  # 全市 / 区县 / 学校
    school: str
    by_group: dict[str, int]
    decided: int  # 漏助 cases with a decision other than 待核实
    open: int


@dataclass
class FindingCases:
    finding: Finding
    headers: list[str]
    rows: list[list[Any]]  # display rows + 核实结果, 核实说明, 核实人, 核实状态
    counties: list[str]  # the county of each row
    decisions: tuple[str, ...]  # what the 核实结果 drop-down offers (rules/review.yaml)
    open_result: str  # the one of them that means "not decided yet"

    @property
    def decided(self) -> int:
        return sum(1 for row in self.rows if row[-4] and row[-4] != self.open_result)


@dataclass(frozen=True)
class ComparisonLine:
    category: str
    student_no: str | None
    id_number: str | None
    name: str | None
    county: str | None
    school: str | None
    semesters_open: int | None
    why: str
    previous_decision: str
    case_key: str = ""  # this semester's case (new, still open) or last semester's (resolved)

    @property
    def gap_note(self) -> str:
        """What the 漏助 sheet says about the case in its 学期对比 column."""
        if self.category == NEW:
            return "新增"
        text = f"连续 {self.semesters_open} 个学期"
        return text + (f"；上学期核实：{self.previous_decision}" if self.previous_decision else "")


@dataclass
class Report:
    semester: Semester
    county: str | None
    masked: bool
    generated_at: dt.datetime
    rules: str
    groups: list[str]
    coverage: list[CoverageLine]
    findings: list[FindingCases]
    previous: Semester | None
    comparison: list[ComparisonLine] = field(default_factory=list)
    # Identity problems not about an enrolled student, per file (lists.DATA_QUALITY_HEADERS):
    # for the sending departments, nothing to decide.
    data_quality: list[list[Any]] = field(default_factory=list)
    city: str = "全市"  # the city's name as its files call it (商洛市), else 全市
    # An incomplete run (--keep-going past bad files): the warning every sheet and the page
    # carry, as the run's result files do.
    notice: list[str] = field(default_factory=list)

    @property
    def incomplete(self) -> bool:
        return bool(self.notice)

    @property
    def title(self) -> str:
        return f"{self.county or self.city} {self.semester.label} 学生资助核查"

    def comparison_count(self, category: str) -> int:
        return sum(1 for line in self.comparison if line.category == category)

    def top_schools(self, limit: int = 10) -> list[CoverageLine]:
        schools = [c for c in self.coverage if c.level == "学校" and c.open]
        return sorted(schools, key=lambda c: (-c.open, c.county, c.school))[:limit]


_CITY = re.compile(r"[\u4e00-\u9fff]{2,3}市")


def _city_name(con: duckdb.DuckDBPyConnection, semester: Semester) -> str:
    """The city the semester's files name most (商洛市 in 商洛市低保保障对象名单.xlsx, 台账（商洛市）),
    when at least two files agree; else 全市. 城市 (城市低保) is no city's name."""
    counts: Counter[str] = Counter()
    for (path,) in con.execute(
            "SELECT path FROM input_files WHERE run_id = (SELECT max(run_id) FROM runs "
            "WHERE semester = ?)", [semester.code]).fetchall():
        counts.update({m for m in _CITY.findall(Path(str(path)).name) if not m.endswith("城市")})
    found = counts.most_common(1)
    return found[0][0] if found and found[0][1] >= 2 else "全市"


def _stored_semesters(con: duckdb.DuckDBPyConnection) -> list[Semester]:
    found = [Semester.try_parse(code) for (code,) in
             con.execute("SELECT DISTINCT semester FROM runs").fetchall()]
    return sorted(s for s in found if s is not None)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]))


def _county_filter(county: str | None, column: str = "county") -> tuple[str, list[object]]:
    if county is None:
        return "", []
    return f" AND coalesce({column}, '{UNKNOWN_COUNTY}') = ?", [county]


def _decisions(con: duckdb.DuckDBPyConnection, semester: Semester
               ) -> dict[str, tuple[str, str, str, dt.datetime]]:
    if not _has_table(con, "review_decisions"):
        return {}
    return {
        key: (result, note or "", who or "", when)
        for key, result, note, who, when in con.execute(
            "SELECT case_key, result, note, reviewer, decided_at FROM ("
            + current_decisions_sql() + ")", [semester.code]).fetchall()
    }


def _coverage(con: duckdb.DuckDBPyConnection, semester: Semester, county: str | None,
              decided_keys: set[str]) -> tuple[list[str], list[CoverageLine]]:
    where, params = _county_filter(county, "s.county")
    con.execute("CREATE OR REPLACE TEMP TABLE report_decided (case_key VARCHAR)")
    if decided_keys:
        con.executemany("INSERT INTO report_decided VALUES (?)", [[k] for k in decided_keys])
    base = f"""
        SELECT coalesce(s.county, '{UNKNOWN_COUNTY}') AS county,
               coalesce(s.school, '（未填学校）') AS school, s.person_key,
               g.student_id IS NOT NULL AS is_key, p.student_id IS NOT NULL AS aided,
               f.case_key IS NOT NULL AS is_gap,
               f.case_key IN (SELECT case_key FROM report_decided) AS decided,
               string_split(coalesce(g.group_labels, ''), '；') AS labels
        FROM students s
        LEFT JOIN student_groups g ON g.run_semester = s.run_semester AND g.student_id = s.student_id
        LEFT JOIN paid_students p ON p.run_semester = s.run_semester AND p.student_id = s.student_id
        LEFT JOIN finding_gaps f ON f.run_semester = s.run_semester AND f.student_id = s.student_id
        WHERE s.run_semester = ? AND s.enrolled {where}
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE report_students AS {base}",
                [semester.code, *params])
    groups = [label for (label,) in con.execute(
        "SELECT DISTINCT unnest(labels) AS l FROM report_students WHERE is_key ORDER BY l"
    ).fetchall() if label]
    lines: list[CoverageLine] = []
    levels = [("区县", "county, ''"), ("学校", "county, school")]
    if county is None:
        levels.insert(0, ("全市", "'全市', ''"))
    for level, keys in levels:
        per_group: dict[tuple[str, str], dict[str, int]] = {}
        for c, school, label, count in con.execute(f"""
            SELECT {keys}, label, count(*) FROM (
                SELECT *, unnest(labels) AS label FROM report_students WHERE is_key)
            WHERE label <> '' GROUP BY ALL"""
        ).fetchall():
            per_group.setdefault((c, school), {})[label] = int(count)
        for c, school, enrolled, key, aided, gaps, decided in con.execute(f"""
            SELECT {keys}, count(*), count(*) FILTER (is_key), count(*) FILTER (is_key AND aided),
                   count(*) FILTER (is_gap), count(*) FILTER (is_gap AND decided)
            FROM report_students GROUP BY ALL ORDER BY ALL"""
        ).fetchall():
            counts = per_group.get((c, school), {})
            lines.append(CoverageLine(c, int(enrolled), int(key), int(aided), int(gaps), level,
                                      school, {g: counts.get(g, 0) for g in groups},
                                      int(decided), int(gaps) - int(decided)))
    return groups, lines


def _finding_cases(con: duckdb.DuckDBPyConnection, finding: Finding, semester: Semester,
                   county: str | None, masked: bool,
                   decisions: dict[str, tuple[str, str, str, dt.datetime]],
                   review: ReviewRules) -> FindingCases:
    where, params = _county_filter(county)
    table = f"(SELECT * FROM {finding.table} WHERE run_semester = ?{where})"
    rows = finding_rows(con, finding, masked, params=[semester.code, *params], table=table)
    counties = [c or UNKNOWN_COUNTY for (c,) in con.execute(
        f"SELECT county FROM {table}", [semester.code, *params]).fetchall()]
    full: list[list[Any]] = []
    for row in rows:
        decision = decisions.get(str(row[0]))
        if decision is None:
            full.append([*row, "", "", "", "待核实"])
        else:
            result, note, who, when = decision
            state = "待核实" if result == review.open else f"已核实（{when:%Y-%m-%d}）"
            full.append([*row, result, note, who, state])
    return FindingCases(finding, [*finding_headers(finding), *REVIEW_HEADERS], full, counties,
                        review.decisions(finding.label), review.open)


def _gap_history(con: duckdb.DuckDBPyConnection, semesters: list[Semester]
                 ) -> dict[Semester, set[str]]:
    history: dict[Semester, set[str]] = {}
    for s in semesters:
        history[s] = {key for (key,) in con.execute(
            "SELECT person_key FROM finding_gaps WHERE run_semester = ?", [s.code]).fetchall()}
    return history


def _comparison(con: duckdb.DuckDBPyConnection, semester: Semester, previous: Semester,
                earlier: list[Semester], county: str | None, masked: bool) -> list[ComparisonLine]:
    history = _gap_history(con, [*earlier, previous, semester])
    order = [*earlier, previous, semester]

    def open_for(person: str) -> int:
        count = 0
        for s in reversed(order):
            if person not in history[s]:
                break
            count += 1
        return count

    show, show_no = id_writer(masked), student_no_writer(masked)

    before = _decisions(con, previous)
    where, params = _county_filter(county, "g.county")
    lines: list[ComparisonLine] = []
    for key, person, number, id_number, name, c, school in con.execute(f"""
        SELECT g.case_key, g.person_key, g.student_no, g.id_number, g.name, g.county, g.school
        FROM finding_gaps g WHERE g.run_semester = ? {where}
        ORDER BY coalesce(g.county, ''), coalesce(g.school, ''), g.name, g.case_key
    """, [semester.code, *params]).fetchall():
        earlier_key = key.replace(semester.code, previous.code, 1)
        decision = before.get(earlier_key)
        if person in history[previous]:
            semesters_open = open_for(person)
            lines.append(ComparisonLine(STILL_OPEN, show_no(number), show(id_number), name, c, school,
                                        semesters_open, f"已连续 {semesters_open} 个学期漏助",
                                        decision[0] if decision else "", key))
        else:
            lines.append(ComparisonLine(NEW, show_no(number), show(id_number), name, c, school, 1,
                                        f"{previous.label}不在漏助名单中", "", key))
    where, params = _county_filter(county, "g.county")
    for key, number, id_number, name, c, school, why in con.execute(f"""
        SELECT g.case_key, g.student_no, g.id_number, g.name, g.county, g.school,
               CASE WHEN p.student_id IS NOT NULL
                      THEN '本学期已资助（' || coalesce(p.programmes, '') || '）'
                    WHEN s.student_id IS NULL THEN '本学期学籍中没有此人'
                    WHEN NOT s.enrolled
                      THEN '本学期不在读（学籍状态：' || coalesce(nullif(s.status, ''), '未填') || '）'
                    WHEN sg.student_id IS NULL THEN '本学期不再属于重点保障群体'
                    ELSE '本学期不在漏助名单中' END
        FROM finding_gaps g
        LEFT JOIN students s ON s.run_semester = ? AND s.person_key = g.person_key
        LEFT JOIN paid_students p ON p.run_semester = s.run_semester
                                  AND p.student_id = s.student_id
        LEFT JOIN student_groups sg ON sg.run_semester = s.run_semester
                                    AND sg.student_id = s.student_id
        WHERE g.run_semester = ? {where}
          AND g.person_key NOT IN (SELECT person_key FROM finding_gaps WHERE run_semester = ?)
        ORDER BY coalesce(g.county, ''), coalesce(g.school, ''), g.name, g.case_key
    """, [semester.code, previous.code, *params, semester.code]).fetchall():
        decision = before.get(key)
        lines.append(ComparisonLine(RESOLVED, show_no(number), show(id_number), name, c, school, None, why,
                                    decision[0] if decision else "", key))
    order_of = {STILL_OPEN: 0, NEW: 1, RESOLVED: 2}
    lines.sort(key=lambda line: order_of[line.category])
    return lines


def load_report(db_path: Path, semester: Semester, county: str | None = None,
                masked: bool = False, review: ReviewRules | None = None) -> Report:
    """One semester of the database as a report (``county``: that county only); each finding's
    decisions from ``review`` (default: the rules' review.yaml)."""
    review = review if review is not None else load_rules().review
    if not db_path.exists():
        raise InputError("数据库文件不存在", file=str(db_path),
                         hint="先用 aidmatch reconcile（同一个 --db）对账，再生成报告。")
    with open_database(db_path, read_only=True) as con:
        if not _has_table(con, "runs") or not _has_table(con, "cases"):
            raise InputError("数据库中没有可用的对账结果", file=str(db_path),
                             hint="用当前版本的 aidmatch reconcile 重新对账这个学期。")
        semesters = _stored_semesters(con)
        if semester not in semesters:
            stored = "、".join(s.label for s in semesters) or "无"
            raise UsageError(f"数据库中没有{semester.label}的对账结果（已有：{stored}）")
        purged = purged_at(con, semester.code)
        if purged is not None:
            raise UsageError(
                f"数据库中{semester.label}的个人数据已于 {purged:%Y-%m-%d %H:%M} 删除（aidmatch purge），"
                "无法生成核查报告", file=str(db_path),
                hint="需要这个学期的报告时，用 aidmatch reconcile 重新对账这个学期。")
        if county is not None and not scalar(
                con, f"SELECT count(*) FROM students WHERE run_semester = ? AND "
                     f"coalesce(county, '{UNKNOWN_COUNTY}') = ?", [semester.code, county]):
            counties = [c for (c,) in con.execute(
                "SELECT DISTINCT county FROM students WHERE run_semester = ? AND county IS NOT NULL "
                "ORDER BY 1", [semester.code]).fetchall()]
            raise UsageError(f"{semester.label}没有区县「{county}」的学生（有：{'、'.join(counties)}）")
        rules, summary = con.execute(
            "SELECT rules_version || '（指纹 ' || rules_fingerprint || '）', summary FROM runs "
            "WHERE semester = ? ORDER BY run_id DESC LIMIT 1", [semester.code]).fetchone() or ("", None)
        skipped = [str(p) for p in (json.loads(summary) if summary else {}).get("skipped") or []]
        decisions = _decisions(con, semester)
        decided = {k for k, d in decisions.items() if d[0] != review.open}
        groups, coverage = _coverage(con, semester, county, decided)
        findings = [_finding_cases(con, f, semester, county, masked, decisions, review)
                    for f in FINDINGS]
        earlier = [s for s in semesters if s < semester]
        previous = earlier[-1] if earlier else None
        report = Report(semester, county, masked, dt.datetime.now(), str(rules or ""), groups,
                        coverage, findings, previous, notice=incomplete_notice(skipped))
        if _has_table(con, "input_files"):
            report.city = _city_name(con, semester)
        if _has_table(con, "data_quality"):
            # A county's rows: files that county sent (a city-wide file is the city's business).
            report.data_quality = [
                row for row in data_quality_rows(
                    con, "(SELECT * FROM data_quality WHERE run_semester = ?)", [semester.code])
                if county is None or county in str(row[2])]
        if previous is not None:
            report.comparison = _comparison(con, semester, previous, earlier[:-1], county, masked)
            _add_gap_notes(report)
    return report


def _add_gap_notes(report: Report) -> None:
    """A 学期对比 column on the 漏助 sheets, before the review columns."""
    notes = {line.case_key: line.gap_note for line in report.comparison
             if line.category != RESOLVED}
    for cases in report.findings:
        if cases.finding.code != "LZ":
            continue
        at = len(cases.headers) - len(REVIEW_HEADERS)
        cases.headers.insert(at, "学期对比")
        for row in cases.rows:
            row.insert(at, notes.get(str(row[0]), ""))


# --- the workbook -------------------------------------------------------------------------------

class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                           "text_wrap": True, "valign": "vcenter"})
        self.review = workbook.add_format({"bold": True, "bg_color": "#FFF2CC", "border": 1,
                                           "text_wrap": True, "valign": "vcenter"})
        self.text = workbook.add_format({"num_format": "@", "valign": "top"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.input_wrap = workbook.add_format({"bg_color": "#FFFBEA", "border": 1,
                                               "border_color": "#D9D9D9", "text_wrap": True})
        self.percent = workbook.add_format({"num_format": "0.0%"})
        self.bold = workbook.add_format({"bold": True})
        self.bold_percent = workbook.add_format({"bold": True, "num_format": "0.0%"})
        self.input = workbook.add_format({"bg_color": "#FFFBEA", "border": 1, "border_color": "#D9D9D9"})
        self.warning = workbook.add_format({"bold": True, "font_color": "#C00000"})


INCOMPLETE_SHEET = "结果不完整"


def _first_row(sheet: Worksheet, fmt: _Formats, report: Report) -> int:
    """An incomplete run's warning on the sheet's first row; the row its content starts at."""
    if not report.incomplete:
        return 0
    sheet.write_string(0, 0, f"！！！{report.notice[0]}（见「{INCOMPLETE_SHEET}」工作表）",
                       fmt.warning)
    return 1


def _incomplete_sheet(workbook: xlsxwriter.Workbook, fmt: _Formats, report: Report) -> None:
    """The sheet an incomplete run's workbook opens on, listing what was not read."""
    sheet = workbook.add_worksheet(INCOMPLETE_SHEET)
    sheet.set_column(0, 0, 120)
    for r, line in enumerate(report.notice):
        sheet.write_string(r, 0, line, fmt.warning if r == 0 else None)


def _table(sheet: Worksheet, fmt: _Formats, top: int, headers: Sequence[str],
           rows: Sequence[Sequence[Any]], review_from: int | None = None) -> None:
    """A table for print (long texts wrapped); the review columns (from ``review_from``) have
    a header of their own colour."""
    write_table(sheet, top, headers, rows, fmt.header, fmt.text, _TEXT_COLUMNS, max_width=50,
                wrap_format=fmt.wrap)
    if review_from is not None:
        for c in range(review_from, len(headers)):
            sheet.write_string(top, c, headers[c], fmt.review)


def _case_sheet(workbook: xlsxwriter.Workbook, fmt: _Formats, report: Report,
                cases: FindingCases) -> None:
    """One finding's cases (the whole city's: a 区县 column to filter by), its own drop-down."""
    name = cases.finding.label
    sheet = workbook.add_worksheet(name[:31])
    rows = cases.rows
    top = _first_row(sheet, fmt, report)
    review_from = len(cases.headers) - len(REVIEW_HEADERS)
    _table(sheet, fmt, top, cases.headers, rows, review_from)
    last = top + max(len(rows), 1)
    result_col = cases.headers.index(RESULT)
    sheet.data_validation(top + 1, result_col, max(last, top + 500), result_col, {
        "validate": "list", "source": list(cases.decisions), "ignore_blank": True,
        "input_title": "核实结果", "input_message": "请从下拉列表中选择",
        "error_title": "核实结果无效",
        "error_message": f"{cases.finding.label}只能选择：" + "、".join(cases.decisions)})
    widths = {RESULT: max(max(text_width(d) for d in cases.decisions) + 1, 10),
              NOTE: WRAP_WIDTHS[NOTE], REVIEWER: 8}
    for c in (result_col, result_col + 1, result_col + 2):
        sheet.set_column(c, c, widths[cases.headers[c]] + 1,
                         fmt.input_wrap if cases.headers[c] == NOTE else fmt.input)
    sheet.freeze_panes(top + 1, 1)
    sheet.autofilter(top, 0, last, len(cases.headers) - 1)
    print_setup(sheet, top, f"{report.title} · {name}")
    if not rows:
        sheet.write_string(top + 2, 0, "本项没有需要核实的案例。")


def _summary_sheet(workbook: xlsxwriter.Workbook, fmt: _Formats, report: Report) -> None:
    sheet = workbook.add_worksheet("汇总")
    first = _first_row(sheet, fmt, report)
    sheet.write_string(first, 0, report.title, fmt.title)
    sheet.write_string(first + 1, 0, f"生成于 {report.generated_at:%Y-%m-%d %H:%M}（规则见「{INFO_SHEET}」）")
    headers = ["层级", "区县", "学校", "在读人数", "困难学生", *report.groups, "已资助", "漏助",
               "覆盖率", "漏助已核实", "漏助待核实"]
    top = first + 3
    rows = [[c.level, c.county, c.school, c.enrolled, c.key_students,
             *(c.by_group[g] for g in report.groups), c.aided, c.gaps, c.coverage, c.decided,
             c.open] for c in report.coverage]
    _table(sheet, fmt, top, headers, rows)
    coverage_col = headers.index("覆盖率")
    for r, line in enumerate(report.coverage, top + 1):
        if line.coverage is not None:
            sheet.write_number(r, coverage_col, line.coverage,
                               fmt.bold_percent if line.level != "学校" else fmt.percent)
        if line.level != "学校":
            sheet.write_string(r, 0, line.level, fmt.bold)
    sheet.freeze_panes(top + 1, 3)
    sheet.autofilter(top, 0, top + max(len(rows), 1), len(headers) - 1)
    # The chart beside the table: the city's counties, or a county's schools.
    level, label_col = ("区县", 1) if report.county is None else ("学校", 2)
    bars = [i for i, c in enumerate(report.coverage, top + 1) if c.level == level]
    if bars:
        chart = workbook.add_chart({"type": "bar" if report.county else "column"})
        chart.add_series({
            "name": "资助覆盖率",
            "categories": ["汇总", bars[0], label_col, bars[-1], label_col],
            "values": ["汇总", bars[0], coverage_col, bars[-1], coverage_col],
            "data_labels": {"value": True, "num_format": "0.0%"},
            "fill": {"color": "#4472C4"},
        })
        chart.set_title({"name": f"{report.county}各学校困难学生资助覆盖率" if report.county
                         else "各区县困难学生资助覆盖率"})
        axis = {"num_format": "0%", "min": 0, "max": 1}
        if report.county:  # a bar chart: values across, the schools down in the table's order
            chart.set_x_axis(axis)
            chart.set_y_axis({"reverse": True})
        else:
            chart.set_y_axis(axis)
        chart.set_legend({"none": True})
        chart.set_size({"width": 640, "height": max(320, 24 * len(bars) + 80)})
        sheet.insert_chart(top, len(headers) + 1, chart)
    row = top + len(rows) + 2
    labels = [c.finding.label for c in report.findings]
    sheet.write_string(row, 0, "核查项目", fmt.header)
    for c, header in enumerate(("案例数", "已核实", "待核实"), 1):
        sheet.write_string(row, c, header, fmt.header)
    for i, cases in enumerate(report.findings, row + 1):
        sheet.write_string(i, 0, cases.finding.label)
        sheet.write_number(i, 1, len(cases.rows))
        sheet.write_number(i, 2, cases.decided)
        sheet.write_number(i, 3, len(cases.rows) - cases.decided)
    row += len(report.findings) + 1
    quality_rows = sum(int(r[5]) for r in report.data_quality)
    sheet.write_string(row, 0, f"另有 {quality_rows} 行证件号问题不涉及在读学生，按文件汇总在"
                       f"「{DATA_QUALITY_SHEET}」工作表（反馈报送部门，无需逐条核实）")
    row += 2
    if report.previous is not None:
        sheet.write_string(row, 0, f"与{report.previous.label}相比", fmt.bold)
        for i, category in enumerate((NEW, RESOLVED, STILL_OPEN), row + 1):
            sheet.write_string(i, 0, category)
            sheet.write_number(i, 1, report.comparison_count(category))
        labels += [NEW, RESOLVED, STILL_OPEN]
    else:
        sheet.write_string(row, 0, "数据库中没有更早的学期，暂无学期对比。")
    # Column A holds the table's 层级 and, below it, the labels of the counts: wide enough for
    # every label (the sentences spill over the empty cells beside them).
    sheet.set_column(0, 0, max(text_width(label) for label in [*labels, "层级"]) + 2)
    print_setup(sheet, None, report.title)


def _comparison_sheet(workbook: xlsxwriter.Workbook, fmt: _Formats, report: Report) -> None:
    sheet = workbook.add_worksheet("学期对比")
    top = _first_row(sheet, fmt, report)
    rows = [[line.category, line.student_no, line.id_number, line.name, line.county, line.school,
             line.semesters_open, line.why, line.previous_decision] for line in report.comparison]
    _table(sheet, fmt, top, COMPARISON_HEADERS, rows)
    print_setup(sheet, top, f"{report.title} · 学期对比")
    sheet.freeze_panes(top + 1, 1)
    sheet.autofilter(top, 0, top + max(len(rows), 1), len(COMPARISON_HEADERS) - 1)
    if report.previous is None:
        sheet.write_string(top + 2, 0, "数据库中没有更早的学期，暂无学期对比。")


DATA_QUALITY_SHEET = "数据质量"


def _data_quality_sheet(workbook: xlsxwriter.Workbook, fmt: _Formats, report: Report) -> None:
    """Identity problems that are no student's case: what to send back to each department."""
    sheet = workbook.add_worksheet(DATA_QUALITY_SHEET)
    top = _first_row(sheet, fmt, report)
    sheet.write_string(top, 0, "以下证件号问题不涉及在读学生，无需逐条核实；请按文件反馈给报送部门更正"
                       "（示例证件号已打码）。", fmt.bold)
    _table(sheet, fmt, top + 1, DATA_QUALITY_HEADERS, report.data_quality)
    print_setup(sheet, top + 1, f"{report.title} · {DATA_QUALITY_SHEET}")
    sheet.freeze_panes(top + 2, 0)
    if not report.data_quality:
        sheet.write_string(top + 3, 0, "没有需要反馈的数据质量问题。")


def _info_sheet(workbook: xlsxwriter.Workbook, fmt: _Formats, report: Report) -> None:
    sheet = workbook.add_worksheet(INFO_SHEET)
    top = _first_row(sheet, fmt, report)
    lines = [
        (SEMESTER_CELL, report.semester.code),
        ("学期", report.semester.label),
        ("范围", report.county or "全市"),
        ("结果", f"不完整（跳过了 {len(report.notice) - 1} 个文件或工作表，见「{INCOMPLETE_SHEET}」）"
                 if report.incomplete else "完整"),
        ("身份证号", "已打码" if report.masked else "完整（仅限县内使用）"),
        ("规则", report.rules),
        ("生成时间", f"{report.generated_at:%Y-%m-%d %H:%M:%S}"),
        ("对比学期", report.previous.label if report.previous else "无"),
        ("填写方法", f"在各核查工作表的「{RESULT}」列下拉选择（每个核查项目的选项见下），"
                     f"在「{NOTE}」写明依据，「{REVIEWER}」写核实人姓名；"
                     f"不要修改「{CASE_KEY}」列和本工作表。"),
        *((f"{cases.finding.label}", "、".join(cases.decisions)) for cases in report.findings),
        ("交回导入", "aidmatch review import 本文件.xlsx --db 对账数据库"),
    ]
    for r, (key, value) in enumerate(lines, top):
        sheet.write_string(r, 0, key, fmt.bold)
        sheet.write_string(r, 1, value)
    sheet.set_column(0, 0, max(text_width(key) for key, _ in lines) + 2)
    sheet.set_column(1, 1, 90, fmt.wrap)
    print_setup(sheet, None, f"{report.title} · {INFO_SHEET}")


def write_workbook(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                               "strings_to_formulas": False,
                                               "strings_to_urls": False})
    fmt = _Formats(workbook)
    if report.incomplete:
        _incomplete_sheet(workbook, fmt, report)
    _summary_sheet(workbook, fmt, report)
    for cases in report.findings:
        _case_sheet(workbook, fmt, report, cases)
    _comparison_sheet(workbook, fmt, report)
    _data_quality_sheet(workbook, fmt, report)
    _info_sheet(workbook, fmt, report)
    workbook.close()
    os.chmod(path, 0o600)


def stored_counties(db_path: Path, semester: Semester) -> list[str]:
    """The counties of a semester's enrolled students (（未填区县） for those without one)."""
    with open_database(db_path, read_only=True) as con:
        return [c for (c,) in con.execute(
            f"SELECT DISTINCT coalesce(county, '{UNKNOWN_COUNTY}') FROM students "
            "WHERE run_semester = ? AND enrolled ORDER BY 1", [semester.code]).fetchall()]


SPLITS = ("county", "school")


def write_split(db_path: Path, semester: Semester, by: str, out_dir: Path, masked: bool = True,
                review: ReviewRules | None = None) -> list[Path]:
    """Each county's workbook (``by="county"``: ``out_dir/<区县>.xlsx``) or each school's list
    (``by="school"``: ``out_dir/<区县>/<学校>.xlsx``) in one go."""
    from aidmatch.outputs.school import safe_name, write_school_lists

    if by not in SPLITS:
        raise UsageError(f"--split 只能是 county（每个区县一个工作簿）或 school（每所学校一份清单），"
                         f"现为「{by}」")
    review = review if review is not None else load_rules().review
    if by == "school":
        return write_school_lists(load_report(db_path, semester, masked=masked, review=review),
                                  review, out_dir)
    written: list[Path] = []
    counties = stored_counties(db_path, semester) if db_path.exists() else []
    if not counties:  # load_report says why (no database, no such semester …)
        load_report(db_path, semester, masked=masked, review=review)
    for county in counties:
        path = out_dir / f"{safe_name(county)}.xlsx"
        write_workbook(load_report(db_path, semester, county=county, masked=masked,
                                   review=review), path)
        written.append(path)
    return written


__all__ = ["SPLITS", "Report", "load_report", "stored_counties", "write_split", "write_workbook"]
