"""Which slips to print, read from the database a ``reconcile --db`` run wrote.

One slip per person paid this semester, built as named DuckDB steps over the stored semester:

``slip_rows``   the semester's payment rows (as loaded: rows of another semester were rejected
                then; rows of a file that names no semester count), each with its slip key:
                ``S:`` + the registry student (ID, else 学籍号) for linked rows, ``U:`` + the row's
                own ID, 学籍号 or school and name for rows that were not linked to the registry
``slip_lines``  one line per slip and programme, the amounts netted (a reversal cancels a payment)
``slips``       one row per slip whose payments net above zero, with the registry's 区县, 学校,
                年级, 班级 and name for linked students (the payment row's own for the others),
                困难类型 from the key groups, 发放方式, and the print order (names by pinyin:
                ``name_order``, a rank per name from :func:`aidmatch.normalize.names.roster_key`)

With ``--from approved`` the rows come instead from the review decisions: the students whose
漏助 case the county marked 已补录资助, one row per programme the rules expect for them
(:func:`approved_rows_sql`); the later steps are the same.

An unlinked payment still gets a slip: the school paid someone and the slip is how the payment
is signed for. It is keyed by its own identity (never merged into a registry student's slip,
whose identity did not match it) and marked 未关联学籍 on the internal parts and the cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import duckdb
import pyarrow as pa

from aidmatch.config import APPROVED_GAP, Programmes, ReviewRules, Rules
from aidmatch.eligibility import expected_programmes_table
from aidmatch.findings import FINDINGS
from aidmatch.normalize.names import roster_key
from aidmatch.review import current_decisions_sql
from aidmatch.semester import Semester
from aidmatch.sources.registry import stage_of
from aidmatch.sql import expected_programme_match
from aidmatch.steps import Steps, arrow, scalar

UNKNOWN_PROGRAMME = "（名单未写明资助项目）"
UNKNOWN_APPROVED_PROGRAMME = "（按核实结果补录，资助项目待填）"
APPROVED = APPROVED_GAP  # rules/review.yaml's 漏助 list must hold it
Source = Literal["payments", "approved"]
UNKNOWN_SCHOOL = "（名单未写明学校）"


@dataclass(frozen=True)
class SlipLine:
    programme: str
    amount: Decimal | None  # None: the payment list gave no amount


@dataclass(frozen=True)
class Slip:
    key: str
    county: str
    school: str
    grade: str
    class_name: str
    name: str
    student_no: str
    id_number: str
    difficulty: str
    pay_method: str
    lines: tuple[SlipLine, ...]
    linked: bool
    serial: int = 0
    # Findings the county has not settled about one of its payments (重复资助, 非在读享受资助):
    # the slip is marked 暂缓发放 on the internal parts and the cover.
    flags: tuple[str, ...] = ()

    @property
    def total(self) -> Decimal | None:
        """The slip's amount; None when a payment row had no amount (to be written by hand)."""
        if any(line.amount is None for line in self.lines):
            return None
        return sum((line.amount for line in self.lines if line.amount is not None), Decimal("0.00"))

    @property
    def grade_class(self) -> str:
        if self.grade and self.class_name:
            joiner = "" if self.class_name.endswith("班") else "班"
            return f"{self.grade}{self.class_name}{joiner}"
        return self.grade or self.class_name


def _student_key_sql(s: str = "s") -> str:
    """A registry student's slip key: the same person gets the same key (and serial) whether
    the slip comes from a payment or from a review decision."""
    return (f"'S:' || coalesce({s}.id, 'XJH:' || {s}.student_no, concat_ws('|', 'NS', {s}.school,"
            f" {s}.name, {s}.birth_date, {s}.grade, {s}.class_name))")


def slip_rows_sql() -> str:
    return f"""
    SELECT r.record_id, r.programme, r.amount, nullif(trim(r.pay_method), '') AS pay_method,
           l.student_id IS NOT NULL AS linked,
           CASE WHEN l.student_id IS NOT NULL
                THEN {_student_key_sql()}
                ELSE 'U:' || coalesce(r.id, 'XJH:' || r.student_no,
                                      concat_ws('|', 'NS', r.school, r.name, r.grade, r.class_name))
           END AS slip_key,
           coalesce(s.county, r.county) AS county,
           coalesce(s.school, r.school) AS school,
           coalesce(s.grade, r.grade) AS grade,
           coalesce(s.class_name, r.class_name) AS class_name,
           coalesce(s.name, r.name) AS name,
           coalesce(s.student_no, r.student_no) AS student_no,
           coalesce(s.id, s.id_raw, r.id, r.id_raw) AS id_number,
           g.group_labels AS difficulty
    FROM store.records r
    LEFT JOIN store.links l ON l.run_semester = r.run_semester AND l.record_id = r.record_id
    LEFT JOIN store.students s ON s.run_semester = r.run_semester AND s.student_id = l.student_id
    LEFT JOIN store.student_groups g ON g.run_semester = r.run_semester AND g.student_id = l.student_id
    WHERE r.run_semester = $1 AND r.source = 'aid'
      AND (r.semester = $1 OR r.semester IS NULL)
    """


def approved_rows_sql() -> str:
    """Slip rows for the students the county decided to add: the current review decision of
    their 漏助 case is 已补录资助 and they are still on the semester's gap list (a student paid
    since then is on the payment list instead). One row per programme the rules expect for the
    student, with its amount per semester (none when set locally); no programme known: one row
    saying so, the amount left to fill by hand. Parameter: the semester, four times."""
    return f"""
    WITH current AS ({current_decisions_sql("store")}),
    approved AS (
        SELECT DISTINCT f.student_id
        FROM current c
        JOIN store.finding_gaps f ON f.run_semester = c.semester AND f.case_key = c.case_key
        WHERE c.finding = 'LZ' AND c.result = '{APPROVED}'
    )
    SELECT coalesce(p.sort_order, 0) AS record_id, CAST(NULL AS VARCHAR) AS flag,
           coalesce(p.label, '{UNKNOWN_APPROVED_PROGRAMME}') AS programme, p.amount,
           CAST(NULL AS VARCHAR) AS pay_method, true AS linked, {_student_key_sql()} AS slip_key,
           s.county, s.school, s.grade, s.class_name, s.name, s.student_no,
           coalesce(s.id, s.id_raw) AS id_number, sg.group_labels AS difficulty
    FROM approved a
    JOIN store.students s ON s.run_semester = ? AND s.student_id = a.student_id
    JOIN store.gaps gp ON gp.run_semester = ? AND gp.student_id = a.student_id
    JOIN store.student_groups sg ON sg.run_semester = ? AND sg.student_id = a.student_id
    LEFT JOIN expected_programmes p ON {expected_programme_match()}
    """


def slip_lines_sql() -> str:
    return f"""
    SELECT slip_key, coalesce(nullif(trim(programme), ''), '{UNKNOWN_PROGRAMME}') AS programme,
           CASE WHEN bool_or(amount IS NULL) THEN NULL ELSE sum(amount) END AS amount
    FROM slip_rows
    GROUP BY ALL
    HAVING bool_or(amount IS NULL) OR sum(amount) <> 0
    """


def slips_sql() -> str:
    """Attributes come from the slip's first payment row (all rows of a linked student carry the
    registry's values); the order is county, school, stage and grade as the rules list them,
    class (numerically), name by pinyin (``name_order``); the slip key last, so that two
    namesakes in a class keep one order from print to print."""
    return f"""
    WITH slip AS (
        SELECT slip_key,
               bool_and(linked) AS linked,
               arg_min(county, record_id) AS county,
               coalesce(arg_min(school, record_id), '{UNKNOWN_SCHOOL}') AS school,
               arg_min(grade, record_id) AS grade,
               arg_min(class_name, record_id) AS class_name,
               arg_min(name, record_id) AS name,
               arg_min(student_no, record_id) AS student_no,
               arg_min(id_number, record_id) AS id_number,
               arg_min(difficulty, record_id) AS difficulty,
               string_agg(DISTINCT pay_method, '、' ORDER BY pay_method) AS pay_method,
               list(DISTINCT flag ORDER BY flag) FILTER (flag IS NOT NULL) AS flags
        FROM slip_rows
        GROUP BY slip_key
        HAVING sum(CASE WHEN amount IS NULL THEN 1 ELSE amount END) > 0
    )
    SELECT slip.*,
           row_number() OVER (
               ORDER BY coalesce(slip.county, ''), slip.school, coalesce(o.rank, 1000000),
                        coalesce(slip.grade, ''),
                        try_cast(regexp_extract(slip.class_name, '[0-9]+') AS INTEGER) NULLS LAST,
                        coalesce(slip.class_name, ''), coalesce(n.rank, -1), slip.slip_key
           ) AS print_order,
           (SELECT list(struct_pack(programme := ln.programme, amount := ln.amount)
                        ORDER BY ln.programme)
            FROM slip_lines ln WHERE ln.slip_key = slip.slip_key) AS lines
    FROM slip
    LEFT JOIN grade_order o ON o.grade = slip.grade
    LEFT JOIN name_order n ON n.name = slip.name
    WHERE ($1::VARCHAR IS NULL OR slip.county = $1) AND ($2::VARCHAR IS NULL OR slip.school = $2)
    ORDER BY print_order
    """


def grade_order(grades: list[str], programmes: Programmes) -> pa.Table:
    """A rank per grade text: stages in the order the rules list them, then the grade's place in
    its stage's list (一年级 before 二年级, 初一 before 初三); grades the rules do not know last."""
    stage_names = list(programmes.stages)
    ranks: list[int] = []
    for grade in grades:
        stage = stage_of("", grade, "", programmes)
        if stage is None:
            ranks.append(10_000)
            continue
        words = programmes.stages[stage].grades
        place = next((n for n, word in enumerate(words) if word in grade), len(words))
        ranks.append(stage_names.index(stage) * 100 + place)
    return pa.table({"grade": pa.array(grades, pa.string()), "rank": pa.array(ranks, pa.int32())})


def name_order(names: list[str]) -> pa.Table:
    """A rank per name in the order a Chinese roster lists them (by pinyin, tone, character)."""
    ranked = sorted(set(names), key=lambda name: (roster_key(name), name))
    return pa.table({"name": pa.array(ranked, pa.string()),
                     "rank": pa.array(range(len(ranked)), pa.int32())})


def held_records_sql(con: duckdb.DuckDBPyConnection, review: ReviewRules) -> str:
    """Payment records of cases the county has not settled, with the finding's label: every
    finding whose review (rules/review.yaml) has ``slips_release``, its table's ``record_id``
    or ``records`` (parameter: the semester, once per finding)."""
    parts = []
    has_decisions = bool(scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE database_name = "
                                     "'store' AND table_name = 'review_decisions'"))
    for finding in FINDINGS:
        release = review.review(finding.label).slips_release
        if release is None:
            continue
        columns = {c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'store' "
            "AND table_name = ?", [finding.table]).fetchall()}
        record = ("record_id" if "record_id" in columns
                  else "unnest(records)" if "records" in columns else None)
        if record is None:
            continue
        label = finding.label.replace("'", "''")
        released = ", ".join("'" + r.replace("'", "''") + "'" for r in release) or "NULL"
        settled = (f"AND case_key NOT IN (SELECT case_key FROM store.review_decisions d "
                   f"WHERE d.semester = f.run_semester AND d.result IN ({released}) "
                   f"AND d.decision_id = (SELECT max(decision_id) FROM store.review_decisions x "
                   f"WHERE x.case_key = d.case_key))" if has_decisions else "")
        parts.append(f"SELECT DISTINCT {record} AS record_id, '{label}' AS flag "
                     f"FROM store.{finding.table} f WHERE run_semester = $1 {settled}")
    if not parts:
        return "SELECT CAST(NULL AS BIGINT) AS record_id, CAST(NULL AS VARCHAR) AS flag LIMIT 0"
    return " UNION ".join(parts)


def build_slips(con: duckdb.DuckDBPyConnection, semester: Semester, rules: Rules,
                source: Source = "payments", county: str | None = None,
                school: str | None = None) -> Steps:
    """Build ``slip_rows``, ``slip_lines``, ``grade_order``, ``name_order`` and ``slips`` in the
    working database from the semester stored in the attached ``store``: from its payments, or
    from the review decisions 已补录资助 (``source="approved"``)."""
    steps = Steps(con)
    if source == "approved":
        steps.from_arrow("expected_programmes", expected_programmes_table(rules, semester))
        steps.table("slip_rows", approved_rows_sql(), [semester.code] * 4)
    else:
        steps.table("held_records", held_records_sql(con, rules.review), [semester.code])
        steps.table("slip_rows", f"""
            SELECT p.*, h.flag FROM ({slip_rows_sql()}) p
            LEFT JOIN (SELECT record_id, min(flag) AS flag FROM held_records GROUP BY 1) h
              USING (record_id)""", [semester.code])
    steps.table("slip_lines", slip_lines_sql())
    grades = [g for (g,) in con.execute(
        "SELECT DISTINCT grade FROM slip_rows WHERE grade IS NOT NULL").fetchall()]
    steps.from_arrow("grade_order", grade_order(sorted(grades), rules.programmes))
    names = [n for (n,) in con.execute(
        "SELECT DISTINCT name FROM slip_rows WHERE name IS NOT NULL").fetchall()]
    steps.from_arrow("name_order", name_order(names))
    steps.table("slips", slips_sql(), [county, school])
    return steps


def read_slips(con: duckdb.DuckDBPyConnection, table_name: str = "numbered_slips") -> list[Slip]:
    """A table of slips (``slips`` with a ``serial`` column) as :class:`Slip` objects, in print
    order."""
    table = arrow(con, f"SELECT * FROM {table_name} ORDER BY print_order")
    slips: list[Slip] = []
    for row in table.to_pylist():
        slips.append(Slip(
            key=row["slip_key"], county=row["county"] or "", school=row["school"],
            grade=row["grade"] or "", class_name=row["class_name"] or "", name=row["name"] or "",
            student_no=row["student_no"] or "", id_number=row["id_number"] or "",
            difficulty=row["difficulty"] or "", pay_method=row["pay_method"] or "",
            lines=tuple(SlipLine(line["programme"], line["amount"]) for line in row["lines"]),
            linked=bool(row["linked"]), serial=int(row["serial"]),
            flags=tuple(row.get("flags") or ()),
        ))
    return slips
