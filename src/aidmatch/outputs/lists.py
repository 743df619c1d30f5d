"""The result lists of a reconciliation, as CSV (UTF-8 with BOM) and, for the gap list, Excel.

``gaps.csv`` / ``gaps.xlsx``  漏助: enrolled key-group students with no aid this semester
``key_students.csv``          every enrolled student in a key group, paid or not, with evidence
``matches.csv``               every accepted link: which source row, which student, how, score
``review.csv``                records whose exact evidence contradicts itself (ID matches, name
                              does not; two students equally likely): never linked, listed here
``rejects.csv``               every input row that was not used, with file, sheet, row and reason
``data_quality.csv``          ID problems not about an enrolled student, per file, sheet and
                              problem with one example row (ID always masked): for the department
                              that sent the file, not cases to decide

Each list is queried once. The writers of the lists the Python API hands back (gaps, key
students, findings, data quality) also put what they wrote into ``tables`` when given one (a run
for :mod:`aidmatch.api`): the same rows as Arrow, under the list's Chinese name; a command-line
run passes none and builds no Arrow at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from aidmatch.findings import FINDINGS, GAPS, Finding
from aidmatch.link.exact import NAME_LEVEL_LABELS
from aidmatch.link.features import COMPARISON_LABELS, COMPARISONS, LEVEL_LABELS
from aidmatch.normalize.ids import STATUS_LABELS, mask, mask_student_no, redact
from aidmatch.outputs.files import write_csv, write_xlsx
from aidmatch.sources.extract import Reject
from aidmatch.sql import labels_case
from aidmatch.steps import exists

# The lists by the names the Python API gives them (besides the findings, by their labels).
GAPS_LIST = "漏助"
KEY_STUDENTS_LIST = "重点保障学生"
DATA_QUALITY_LIST = "数据质量"
Tables = dict[str, pa.Table]

GAP_HEADERS = ["学籍号", "身份证件号", "姓名", "性别", "区县", "学校名称", "年级", "班级", "学段",
               "就读方式", "困难类型", "来源", "建议资助项目", "建议金额（元）", "匹配方式"]


def _boarding(value: object) -> str:
    return "住校" if value is True else "走读" if value is False else ""


def _amount(value: object) -> object:
    if value is None:
        return None
    number = float(str(value))
    return int(number) if number.is_integer() else number


def id_writer(masked: bool) -> Callable[[Any], Any]:
    """How an ID number is shown: masked (6110**********123X) when ``masked``; blanks as they are."""
    return (lambda v: mask(v) if v else v) if masked else (lambda v: v)


def student_no_writer(masked: bool) -> Callable[[Any], Any]:
    """学籍号 holds the ID (G + ID), so it is masked with it."""
    return (lambda v: mask_student_no(v) if v else v) if masked else (lambda v: v)


def redacted(rows: Iterable[Sequence[Any]], masked: bool = True) -> Iterable[list[Any]]:
    """Rows whose every text is redacted when ``masked``: an ID typed in a file or sheet name
    (来源, 来源文件), a name cell or a reason is masked like the ID columns are."""
    for row in rows:
        yield [redact(v) if masked and isinstance(v, str) else v for v in row]


def gap_rows(con: duckdb.DuckDBPyConnection, masked: bool) -> list[list[Any]]:
    show_id, show_no = id_writer(masked), student_no_writer(masked)
    rows = con.execute(
        """SELECT student_no, coalesce(id, id_raw), name, sex, county, school, grade, class_name,
                  stage, boarding, group_labels, sources, expected_programmes, expected_amount,
                  methods
           FROM gaps ORDER BY """ + GAPS.order
    ).fetchall()
    return list(redacted((
        [show_no(r[0]), show_id(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8], _boarding(r[9]), r[10],
         r[11], r[12], _amount(r[13]), r[14]]
        for r in rows
    ), masked))


def write_gaps(con: duckdb.DuckDBPyConnection, out: Path, masked: bool,
               notice: Sequence[str] = (), tables: Tables | None = None) -> int:
    rows = gap_rows(con, masked)
    write_csv(out / "gaps.csv", GAP_HEADERS, rows)
    write_xlsx(out / "gaps.xlsx", "漏助名单", GAP_HEADERS, rows, notice)
    _keep(tables, GAPS_LIST, GAP_HEADERS, rows)
    return len(rows)


KEY_STUDENT_HEADERS = ["学籍号", "身份证件号", "姓名", "区县", "学校名称", "年级", "学段", "学籍状态",
                       "困难类型", "本学期已资助", "资助项目", "资助金额（元）", "来源", "匹配方式"]


def key_student_rows(con: duckdb.DuckDBPyConnection, masked: bool) -> list[list[Any]]:
    show_id, show_no = id_writer(masked), student_no_writer(masked)
    rows = con.execute(
        """SELECT s.student_no, coalesce(s.id, s.id_raw), s.name, s.county, s.school, s.grade,
                  s.stage, s.status, g.group_labels, p.student_id IS NOT NULL, p.programmes,
                  p.amount, g.sources, g.methods
           FROM students s JOIN student_groups g USING (student_id)
           LEFT JOIN paid_students p USING (student_id)
           WHERE s.enrolled
           ORDER BY coalesce(s.county, ''), coalesce(s.school, ''), coalesce(s.grade, ''),
                    s.name, s.student_id"""
    ).fetchall()
    return list(redacted((
        [show_no(r[0]), show_id(r[1]), *r[2:9], "是" if r[9] else "否", r[10], _amount(r[11]), r[12],
         r[13]]
        for r in rows
    ), masked))


def write_key_students(con: duckdb.DuckDBPyConnection, out: Path, masked: bool,
                       tables: Tables | None = None) -> int:
    rows = key_student_rows(con, masked)
    _keep(tables, KEY_STUDENTS_LIST, KEY_STUDENT_HEADERS, rows)
    return write_csv(out / "key_students.csv", KEY_STUDENT_HEADERS, rows)


# The comparison levels of a pair, one column each, from the ``pair_evidence`` step (when the
# probabilistic stage ran; the VLOOKUP baseline has none).
EVIDENCE_HEADERS = ["匹配得分", *(f"{label}比较" for label in COMPARISON_LABELS.values())]


def _evidence_sql(con: duckdb.DuckDBPyConnection, alias: str) -> tuple[str, str]:
    """(select list, join) adding the evidence columns for pairs in ``alias``, each level shown
    as its label; NULLs if absent."""
    has = exists(con, "pair_evidence")
    if not has:
        return ", ".join(["NULL"] * len(EVIDENCE_HEADERS)), ""
    columns = ", ".join(["e.match_weight",
                         *(labels_case(f"e.{c}", LEVEL_LABELS) for c in COMPARISONS)])
    join = (f"LEFT JOIN pair_evidence e ON e.record_id = {alias}.record_id "
            f"AND e.student_id = {alias}.student_id")
    return columns, join


def write_matches(con: duckdb.DuckDBPyConnection, out: Path, masked: bool) -> int:
    """Every link with its method, the keys it rests on and the comparison evidence."""
    show_id, show_no = id_writer(masked), student_no_writer(masked)
    headers = ["来源文件", "工作表", "行号", "位置", "名单类型", "记录姓名", "记录证件号", "证件号状态",
               "学籍号", "学生姓名", "学生身份证件号", "匹配方式", "依据", "姓名一致性", "姓名相似度",
               "说明", *EVIDENCE_HEADERS]
    evidence, join = _evidence_sql(con, "l")
    rows = con.execute(
        f"""SELECT r.file, r.sheet, r.row, r.slot, r.source, r.name_raw, r.id_raw,
                  {labels_case("r.id_status", STATUS_LABELS)},
                  s.student_no, s.name, s.id, l.method_first, array_to_string(l.via_labels, '+'),
                  {labels_case("l.name_level", NAME_LEVEL_LABELS)}, l.name_score,
                  CASE WHEN l.id_points_to IS NOT NULL
                       THEN '记录中的身份证号属于另一名学生（学生编号 ' || l.id_points_to || '），按姓名判定'
                       WHEN l.detail IS NOT NULL THEN '同户：' || l.detail
                  END, {evidence}
           FROM links l JOIN records r USING (record_id) JOIN students s USING (student_id) {join}
           ORDER BY r.file_id, r.sheet, r.row, r.slot"""
    ).fetchall()
    return write_csv(out / "matches.csv", headers, redacted((
        [*r[:6], show_id(r[6]), r[7], show_no(r[8]), r[9], show_id(r[10]), *r[11:]]
        for r in rows
    ), masked))


def write_review(con: duckdb.DuckDBPyConnection, out: Path, masked: bool) -> int:
    """Records that could not be decided, up to three candidates each, best first."""
    show_id, show_no = id_writer(masked), student_no_writer(masked)
    headers = ["来源文件", "工作表", "行号", "位置", "名单类型", "记录姓名", "记录证件号", "原因",
               "候选序号", "候选学籍号", "候选学生姓名", "候选身份证件号", "候选学校", "依据",
               "姓名相似度", *EVIDENCE_HEADERS]
    evidence, join = _evidence_sql(con, "v")
    rows = con.execute(
        f"""SELECT r.file, r.sheet, r.row, r.slot, r.source, r.name_raw, r.id_raw, v.reason,
                  v.rank, s.student_no, s.name, s.id, s.school, array_to_string(v.via_labels, '+'),
                  v.name_score, {evidence}
           FROM link_review v JOIN records r USING (record_id) JOIN students s USING (student_id)
           {join}
           ORDER BY r.file_id, r.sheet, r.row, r.slot, v.rank"""
    ).fetchall()
    return write_csv(out / "review.csv", headers, redacted((
        [*r[:6], show_id(r[6]), *r[7:9], show_no(r[9]), r[10], show_id(r[11]), *r[12:]]
        for r in rows
    ), masked))


def write_linkage_model(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """The fitted model (m, u and weight per comparison level) and the blocking counts."""
    if not exists(con, "linkage_model"):
        return 0
    rows = con.execute("SELECT comparison, level, m, u, weight FROM linkage_model").fetchall()
    return write_csv(out / "linkage_model.csv", ["比较项", "比较结果", "m（同一人）", "u（不同人）",
                                                 "权重（比特）"], (
        [COMPARISON_LABELS.get(c, c), LEVEL_LABELS.get(lvl, lvl), m, u, w]
        for c, lvl, m, u, w in rows
    ))


def write_rejects(con: duckdb.DuckDBPyConnection, out: Path,
                  extraction_rejects: Sequence[Reject]) -> int:
    """Rejected rows; IDs are always masked here, and every text redacted (file, sheet and row
    locate the record)."""
    show_id = id_writer(True)
    headers = ["文件", "工作表", "行号", "列", "原因", "姓名", "证件号"]
    rows: list[list[object]] = [
        [r.file, r.sheet, r.row, r.column, r.reason, "", ""] for r in extraction_rejects
    ]
    for file, sheet, row, reason, name, id_raw in con.execute(
        """SELECT r.file, r.sheet, r.row, s.reason, r.name_raw, r.id_raw
           FROM record_states s JOIN records r USING (record_id)
           WHERE s.state = 'rejected'
           ORDER BY r.file_id, r.sheet, r.row, r.slot"""
    ).fetchall():
        rows.append([file, sheet, row, "", reason, name, show_id(id_raw)])
    rows.sort(key=lambda r: (str(r[0]), str(r[1]), int(str(r[2]))))
    return write_csv(out / "rejects.csv", headers, redacted(rows))


def finding_rows(con: duckdb.DuckDBPyConnection, finding: Finding, masked: bool,
                 params: Sequence[object] = (), table: str | None = None) -> list[list[Any]]:
    """A finding's cases as display rows (案例编号 first, then the finding's columns), from its
    table or from ``table`` (a subquery over it, with ``params``)."""
    show_id, show_no = id_writer(masked), student_no_writer(masked)
    columns = ", ".join(c.column for c in finding.columns)
    rows = con.execute(f"SELECT case_key, {columns} FROM {table or finding.table} "
                       f"ORDER BY {finding.order}", list(params)).fetchall()
    return list(redacted((
        [row[0], *(show_id(v) if c.is_id else show_no(v) if c.column == "student_no"
                   else _amount(v) if "amount" in c.column else v
                   for c, v in zip(finding.columns, row[1:], strict=True))]
        for row in rows
    ), masked))


def finding_headers(finding: Finding) -> list[str]:
    return ["案例编号", *(c.header for c in finding.columns)]


def write_findings(con: duckdb.DuckDBPyConnection, out: Path, masked: bool,
                   tables: Tables | None = None) -> dict[str, int]:
    """One CSV per finding besides 漏助 (gaps.csv): not_enrolled_aid.csv, duplicate_aid.csv,
    wrong_standard.csv, identity_errors.csv …"""
    counts: dict[str, int] = {}
    for finding in FINDINGS:
        if finding.csv:
            rows = finding_rows(con, finding, masked)
            _keep(tables, finding.label, finding_headers(finding), rows)
            counts[finding.code] = write_csv(out / finding.csv, finding_headers(finding), rows)
    return counts


def _keep(tables: Tables | None, name: str, headers: Sequence[str],
          rows: Sequence[Sequence[Any]]) -> None:
    """The rows a writer wrote, as an Arrow table in ``tables`` (when a run keeps them):
    column for column what the file holds (the same headers and values; no CSV
    neutralisation, which only matters to a spreadsheet)."""
    if tables is not None:
        tables[name] = _arrow(headers, rows)


def _arrow(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> pa.Table:
    """Rows as a table; a column of mixed kinds (an amount column with a text cell) is text."""
    columns = []
    for index in range(len(headers)):
        values = [row[index] for row in rows]
        try:
            columns.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            columns.append(pa.array([None if v is None else str(v) for v in values], pa.string()))
    return pa.table(columns, names=list(headers))


DATA_QUALITY_HEADERS = ["报送部门", "名单类型", "文件", "工作表", "问题", "行数", "示例行号",
                        "示例姓名", "示例证件号"]


def data_quality_rows(con: duckdb.DuckDBPyConnection, table: str = "data_quality",
                      params: Sequence[object] = ()) -> list[list[Any]]:
    """The data-quality summary, IDs always masked (it goes back to the sending department)."""
    rows = con.execute(
        f"""SELECT department, source_label, file, sheet, problem, "rows", example_row,
                   example_name, example_id_number
            FROM {table} ORDER BY file_id, sheet, "rows" DESC, problem""", list(params)
    ).fetchall()
    return list(redacted(([*r[:8], mask(r[8]) if r[8] else r[8]] for r in rows), masked=True))


def write_data_quality(con: duckdb.DuckDBPyConnection, out: Path,
                       tables: Tables | None = None) -> int:
    rows = data_quality_rows(con)
    _keep(tables, DATA_QUALITY_LIST, DATA_QUALITY_HEADERS, rows)
    return write_csv(out / "data_quality.csv", DATA_QUALITY_HEADERS, rows)
