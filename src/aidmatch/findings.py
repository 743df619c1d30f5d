"""What "precise" means besides 漏助: the review findings, as named DuckDB steps after ``decide``.

``programme_names``        every name of every programme (label + ``names`` in programmes.yaml)
``semester_payments``      this semester's payment rows, their student (if linked) and the
                           programme their name and the student's stage point to
``finding_gaps``           漏助 (the ``gaps`` of :mod:`aidmatch.eligibility`) as review cases
``finding_not_enrolled``   非在读享受资助: paid, but 学籍状态 is not 在读, or not in the registry
``finding_duplicates``     重复资助: one student paid twice for one programme this semester
``finding_wrong_standard`` 标准不符: a programme the student's stage/就读方式/group does not get,
                           or an amount other than the rate in ``rules/programmes.yaml``
``finding_pending_payment`` 资助记录待确认: a student in a key group, enrolled and otherwise 漏助,
                           who is the one first candidate of a payment row of the semester that
                           no step linked (``pending_payments``): confirm the row is theirs
``finding_family_member_listed`` 家庭成员在册，本人未在册: an enrolled, unpaid student in no key
                           group whose registry family member is in a qualifying household that
                           its roster lists completely without the student — a case to check
``identity_problems``      payment or roster rows whose ID is invalid, lost its precision,
                           belongs to another person, or contradicts the name (of a student, or
                           of the registry family member or roster person whose ID it is:
                           ``id_conflicts``)
``finding_identity``       身份信息有误: those of them about an enrolled student (the student's aid
                           or key group rests on the row): a county decides them case by case
``data_quality``           the rest (mostly adults on household rosters), per file, sheet and
                           problem, with one example row: for the department that sent the file
``finding_candidates``     未关联的可能学生: a roster row without a valid ID that no step linked (nor
                           sent to link_review) whose name, and sex, county and birth date where
                           both sides give them, fit exactly one enrolled student: never linked on
                           so little, never dropped either — a county checks it
``cases``                  one row per case of every finding, under a stable 案例编号

Every finding row carries a 案例编号 (``case_key``) that the workbook shows and the review
import looks up: ``<code>-<semester>-<10 hex>``, the hex part a hash of what the case is about
(the student for 漏助 and 重复资助, the source row for the others) keyed by the database's secret
(:mod:`aidmatch.keys`): rerunning a semester with the same inputs into the same database gives the
same keys, the same student's 漏助 has the same hex part in every semester of that database (that
is how semesters are compared), and without the database a key cannot be computed from an ID.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from aidmatch import keys
from aidmatch.config import Rules
from aidmatch.normalize.ids import STATUS_LABELS
from aidmatch.semester import Semester
from aidmatch.sql import (
    boarding_label,
    contradicts_boarding,
    expected_programme_match,
    expected_programmes_per_student,
    labels_case,
    source_text,
    with_detail,
    yuan,
)
from aidmatch.steps import Steps


@dataclass(frozen=True)
class Column:
    header: str  # what the user reads
    column: str  # the finding table's column
    is_id: bool = False  # an ID number: masked with --mask, written as text


@dataclass(frozen=True)
class Finding:
    code: str  # the case key prefix
    label: str  # 漏助, 非在读享受资助 …
    table: str
    csv: str  # file name in out/ ('' : written by outputs.lists itself, like gaps.csv)
    columns: tuple[Column, ...]
    # The order its list is read in (over the table's columns; the last key is unique). A
    # table's own order is not kept by a scan: not by DuckDB's parallel scans, not by Spark's
    # (which reads a step's files largest first), so every reader of a list sorts it.
    order: str


# Students by where they are: 区县, 学校, 年级, 班级, name, then the student (unique).
STUDENT_ORDER = ("coalesce(county, ''), coalesce(school, ''), coalesce(grade, ''), "
                 "coalesce(class_name, ''), name, student_id")
# Source rows by the county and school shown, then the file's own order (a record per row slot).
ROW_ORDER = "coalesce(county, ''), coalesce(school, ''), file_id, sheet, row, record_id"


def _columns(*spec: tuple[str, str] | tuple[str, str, bool]) -> tuple[Column, ...]:
    return tuple(Column(*item) for item in spec)


_WHO = (("学籍号", "student_no"), ("身份证件号", "id_number", True), ("姓名", "name"),
        ("区县", "county"), ("学校名称", "school"))
_EVIDENCE = (("来源", "sources"), ("匹配方式", "methods"))

GAPS = Finding("LZ", "漏助", "finding_gaps", "", _columns(
    *_WHO, ("年级", "grade"), ("班级", "class_name"), ("学段", "stage"), ("就读方式", "boarding"),
    ("困难类型", "group_labels"), ("建议资助项目", "expected_programmes"),
    ("建议金额（元）", "expected_amount"), *_EVIDENCE), STUDENT_ORDER)
NOT_ENROLLED = Finding("FZ", "非在读享受资助", "finding_not_enrolled", "not_enrolled_aid.csv",
                       _columns(*_WHO, ("资助项目", "programme"), ("资助金额（元）", "amount"),
                                ("问题", "problem"), ("发放学校", "paying_school"), *_EVIDENCE),
                       ROW_ORDER)
DUPLICATES = Finding("CF", "重复资助", "finding_duplicates", "duplicate_aid.csv", _columns(
    *_WHO, ("资助项目", "programme"), ("发放次数", "payments"), ("合计金额（元）", "amount"),
    ("问题", "problem"), *_EVIDENCE),
    "coalesce(county, ''), coalesce(school, ''), name, student_id, programme")
WRONG_STANDARD = Finding("BZ", "标准不符", "finding_wrong_standard", "wrong_standard.csv",
                         _columns(*_WHO, ("学段", "stage"), ("就读方式", "boarding"),
                                  ("资助项目", "programme"), ("资助金额（元）", "amount"),
                                  ("问题", "problem"), ("应发项目及标准", "expected"),
                                  *_EVIDENCE), ROW_ORDER)
PENDING_PAYMENT = Finding(
    "ZQ", "资助记录待确认", "finding_pending_payment", "pending_payment.csv",
    _columns(*_WHO, ("年级", "grade"), ("班级", "class_name"), ("学段", "stage"),
             ("就读方式", "boarding"), ("困难类型", "group_labels"),
             ("待确认的资助记录", "payments"), ("资助记录证件号", "payment_id_number", True),
             ("资助记录来源", "payment_sources"),
             ("未自动关联的原因", "problem"), ("来源", "sources"), ("匹配方式", "methods"),
             ("不是本人时的资助项目", "expected_programmes"),
             ("不是本人时的金额（元）", "expected_amount")), STUDENT_ORDER)
FAMILY_MEMBER_LISTED = Finding(
    "JT", "家庭成员在册，本人未在册", "finding_family_member_listed", "family_member_listed.csv",
    _columns(*_WHO, ("年级", "grade"), ("班级", "class_name"), ("学段", "stage"),
             ("就读方式", "boarding"), ("家庭成员所在困难群体", "group_labels"),
             ("在册家庭成员", "family_members"), ("名单情况", "household_listing"),
             ("学生学籍记录", "registry_sources"), ("家庭成员名单记录", "sources"),
             ("匹配方式", "methods"), ("核实属实时的资助项目", "expected_programmes"),
             ("核实属实时的金额（元）", "expected_amount")), STUDENT_ORDER)
IDENTITY = Finding("SF", "身份信息有误", "finding_identity", "identity_errors.csv", _columns(
    ("名单类型", "source_label"), ("姓名", "name"), ("证件号", "id_number", True),
    ("问题", "problem"), ("区县", "county"), ("学校名称", "school"),
    ("可能的学生学籍号", "student_no"), ("可能的学生姓名", "student_name"),
    ("可能的学生身份证件号", "student_id_number", True), *_EVIDENCE),
    "coalesce(county, ''), file_id, sheet, row, record_id")

CANDIDATES = Finding("HX", "未关联的可能学生", "finding_candidates", "unlinked_candidates.csv",
                     _columns(*_WHO, ("名单类型", "source_label"), ("名单姓名", "record_name"),
                              ("名单证件号", "record_id_number", True), ("问题", "problem"),
                              *_EVIDENCE), ROW_ORDER)

FINDINGS: tuple[Finding, ...] = (GAPS, PENDING_PAYMENT, FAMILY_MEMBER_LISTED, NOT_ENROLLED, DUPLICATES,
                                 WRONG_STANDARD, IDENTITY, CANDIDATES)
BY_CODE = {f.code: f for f in FINDINGS}
# Tables the store keeps per semester (see store.SEMESTER_TABLES).
FINDING_TABLES: tuple[str, ...] = (*(f.table for f in FINDINGS), "cases", "data_quality")

SOURCE_LABELS = {"registry": "学籍", "aid": "资助", "poverty": "扶贫", "civil_assistance": "民政",
                 "child_welfare": "儿童福利", "disability": "残联"}
# The department that sends each kind of file (who receives its data-quality summary).
DEPARTMENTS = {"registry": "教育部门（学籍）", "aid": "教育部门（资助）", "poverty": "乡村振兴部门",
               "civil_assistance": "民政部门", "child_welfare": "民政部门", "disability": "残联"}


def _method_sql(link: str) -> str:
    return f"coalesce({with_detail(f'{link}.method_first', f'{link}.detail')}, '未关联到学籍')"


# 按当地标准 programmes: a county's usual amount needs this many payments agreeing on it.
LOCAL_RATE_MIN_PAYMENTS = 5


def _clean_name_sql(column: str) -> str:
    return f"regexp_replace(coalesce({column}, ''), '\\s+', '', 'g')"


def semester_payments_sql() -> str:
    """Payment rows of the semester (a file naming no semester counts), linked or not."""
    return f"""
    WITH pay AS (
        SELECT r.*, l.student_id, {_method_sql('l')} AS method_text,
               {_clean_name_sql('r.programme')} AS programme_name
        FROM records r LEFT JOIN links l USING (record_id)
        WHERE r.source = 'aid' AND (r.semester = ? OR r.semester IS NULL)
    ),
    matched AS (
        SELECT p.record_id, min(n.programme_id) AS programme_id,
               count(DISTINCT n.programme_id) AS options
        FROM pay p JOIN students s USING (student_id)
        JOIN programme_names n ON n.name = p.programme_name AND n.stage = s.stage
        GROUP BY p.record_id
    )
    SELECT p.*, m.programme_id, coalesce(m.options, 0) AS programme_options
    FROM pay p LEFT JOIN matched m USING (record_id)
    """


def finding_gaps_sql() -> str:
    return f"""
    SELECT {keys.case_key_sql('LZ', 'person_key')} AS case_key, student_id, person_key, student_no,
           coalesce(id, id_raw) AS id_number, name, sex, county, school, grade, class_name, stage,
           {boarding_label('boarding')} AS boarding, group_labels, expected_programmes,
           expected_amount, sources, methods
    FROM gaps
    """


def finding_pending_payment_sql() -> str:
    """资助记录待确认: students of a key group, enrolled and unpaid, whom an unlinked payment row
    of the semester names as its one first candidate (``pending_payments``): the payment row,
    why it was not linked (reason and score), and the key-group evidence. Confirmed theirs, the
    student was paid; not theirs, the student is 漏助."""
    return f"""
    WITH pay AS (
        SELECT u.student_id,
               string_agg(r.name || '，' || coalesce(r.programme, '') || '，'
                          || coalesce({yuan('r.amount')} || '元', '金额未填'),
                          '；' ORDER BY r.record_id) AS payments,
               min(nullif(trim(coalesce(r.id_raw, '')), '')) AS payment_id_number,
               string_agg({source_text('r')}, '；' ORDER BY r.record_id) AS payment_sources,
               string_agg(DISTINCT v.reason || '（得分 ' || round(v.match_weight, 1) || '）', '；'
                          ORDER BY v.reason || '（得分 ' || round(v.match_weight, 1) || '）')
                   AS problem
        -- the payment records unnested first: a lateral unnest reads the same on Spark
        FROM (SELECT student_id, unnest(aid_records) AS record_id FROM pending_payments) u
        JOIN records r ON r.record_id = u.record_id
        JOIN link_review v ON v.record_id = u.record_id AND v.student_id = u.student_id
        GROUP BY u.student_id
    ),
    expected AS ({expected_programmes_per_student(
        'student_groups', 'WHERE s.student_id IN (SELECT student_id FROM pay)')}
    )
    SELECT {keys.case_key_sql('ZQ', 's.person_key')} AS case_key, s.student_id, s.person_key,
           s.student_no, coalesce(s.id, s.id_raw) AS id_number, s.name, s.county, s.school,
           s.grade, s.class_name, s.stage, {boarding_label('s.boarding')} AS boarding,
           sg.group_labels, p.payments, coalesce(p.payment_id_number, '') AS payment_id_number,
           p.payment_sources, p.problem,
           concat_ws('；', sg.sources, s.county_source) AS sources, sg.methods,
           x.programmes AS expected_programmes, x.amount AS expected_amount
    FROM pay p JOIN students s USING (student_id)
    JOIN student_groups sg USING (student_id)
    LEFT JOIN expected x USING (student_id)
    WHERE s.enrolled
    ORDER BY coalesce(s.county, ''), coalesce(s.school, ''), coalesce(s.grade, ''),
             coalesce(s.class_name, ''), s.name, s.student_id
    """


def finding_family_member_listed_sql() -> str:
    """家庭成员在册，本人未在册: enrolled students, unpaid and not 漏助, whom a key group reaches
    only through a registry family member in a household its roster lists completely
    (``family_member_evidence`` of :mod:`aidmatch.eligibility`). Both rows are the evidence:
    the student's registry row naming the member, and the member's roster row."""
    return f"""
    WITH evidence AS (
        SELECT e.student_id, e.group_id, g.label, e.household_listing,
               {with_detail('e.method', 'e.detail')} AS method_text,
               e.detail AS family_member,
               {source_text('r')} AS roster_source, {source_text('reg')} AS registry_source,
               r.file_id, r.sheet, r.row, r.slot
        FROM family_member_evidence e
        JOIN group_rules g USING (group_id)
        JOIN records r ON r.record_id = e.record_id
        JOIN records reg ON reg.record_id = e.registry_record_id
    ),
    per_student AS (
        SELECT student_id, list(DISTINCT group_id ORDER BY group_id) AS groups,
               string_agg(DISTINCT label, '；' ORDER BY label) AS group_labels,
               string_agg(DISTINCT family_member, '；' ORDER BY family_member) AS family_members,
               string_agg(DISTINCT household_listing, '；' ORDER BY household_listing)
                   AS household_listing,
               string_agg(DISTINCT registry_source, '；' ORDER BY registry_source)
                   AS registry_sources,
               array_to_string(list_transform(list_sort(list(DISTINCT
                   {{'file': file_id, 'sheet': sheet, 'row': row, 'slot': slot,
                     'text': roster_source}})), lambda x: x.text), '；') AS sources,
               string_agg(DISTINCT method_text, '；' ORDER BY method_text) AS methods
        FROM evidence GROUP BY student_id
    ),
    expected AS ({expected_programmes_per_student('per_student')}
    )
    SELECT {keys.case_key_sql('JT', 's.person_key')} AS case_key, s.student_id, s.person_key,
           s.student_no, coalesce(s.id, s.id_raw) AS id_number, s.name, s.county, s.school,
           s.grade, s.class_name, s.stage, {boarding_label('s.boarding')} AS boarding,
           p.group_labels, p.family_members, p.household_listing, p.registry_sources, p.sources,
           p.methods, x.programmes AS expected_programmes, x.amount AS expected_amount
    FROM per_student p JOIN students s USING (student_id)
    LEFT JOIN expected x USING (student_id)
    WHERE s.enrolled
      AND s.student_id NOT IN (SELECT student_id FROM paid_students)
      AND s.student_id NOT IN (SELECT student_id FROM gaps)
    ORDER BY coalesce(s.county, ''), coalesce(s.school, ''), coalesce(s.grade, ''),
             coalesce(s.class_name, ''), s.name, s.student_id
    """


def finding_not_enrolled_sql() -> str:
    """Paid this semester but not 在读 (a student whose payments net to zero was not paid), or
    in no registry at all (a row sent to link_review may be a registry student: not listed). A
    blank 学籍状态 is no evidence of having left school: not listed."""
    return f"""
    SELECT {keys.case_key_sql('FZ', "coalesce(s.person_key, p.id, p.id_raw, p.name_key) || '|' || "
                                "p.file || '|' || p.sheet || '|' || p.row || '|' || p.slot")}
               AS case_key,
           s.student_id, s.person_key, coalesce(s.student_no, p.student_no) AS student_no,
           coalesce(s.id, p.id, p.id_raw) AS id_number, coalesce(s.name, p.name) AS name,
           coalesce(s.county, p.county) AS county, coalesce(s.school, p.school) AS school,
           p.programme_name AS programme, p.amount,
           CASE WHEN s.student_id IS NULL THEN '学籍系统中没有此人'
                ELSE '学籍状态：' || coalesce(s.status, '') END AS problem,
           p.school AS paying_school, {source_text('p')} AS sources, p.method_text AS methods,
           p.record_id, p.file_id, p.file, p.sheet, p.row
    FROM semester_payments p LEFT JOIN students s USING (student_id)
    WHERE (p.amount IS NULL OR p.amount > 0)
      AND ((s.student_id IS NOT NULL AND NOT s.enrolled AND s.status <> ''
            AND s.student_id IN (SELECT student_id FROM paid_students))
           OR (s.student_id IS NULL
               AND p.record_id NOT IN (SELECT record_id FROM link_review)))
    ORDER BY coalesce(s.county, p.county, ''), coalesce(s.school, p.school, ''), p.file_id,
             p.sheet, p.row, p.slot
    """


def finding_duplicates_sql() -> str:
    """Two or more payments of one programme to one student, netting above one payment (a
    reversal row cancelling the second one is not a double payment)."""
    return f"""
    WITH grouped AS (
        SELECT student_id, coalesce(programme_id, programme_name) AS programme_key,
               string_agg(DISTINCT programme_name, '、' ORDER BY programme_name) AS programme,
               count(*) FILTER (amount IS NULL OR amount > 0) AS payments,
               sum(amount) AS amount, max(amount) AS largest,
               string_agg(DISTINCT school, '、' ORDER BY school) AS schools,
               string_agg({source_text('semester_payments')}, '；'
                          ORDER BY file_id, sheet, row, slot) AS sources,
               string_agg(DISTINCT method_text, '；' ORDER BY method_text) AS methods,
               list(record_id ORDER BY record_id) AS records
        FROM semester_payments
        WHERE student_id IS NOT NULL
        GROUP BY ALL
        HAVING count(*) FILTER (amount IS NULL OR amount > 0) >= 2
           AND (sum(amount) IS NULL OR sum(amount) > max(amount))
    )
    SELECT {keys.case_key_sql('CF', "s.person_key || '|' || g.programme_key")} AS case_key,
           s.student_id, s.person_key, s.student_no, coalesce(s.id, s.id_raw) AS id_number,
           s.name, s.county, s.school, g.programme, g.payments, g.amount,
           '同一学期发放 ' || g.payments || ' 次'
               || CASE WHEN contains(g.schools, '、') THEN '，发放学校：' || g.schools ELSE '' END
               AS problem,
           g.sources, g.methods, g.records
    FROM grouped g JOIN students s USING (student_id)
    ORDER BY coalesce(s.county, ''), coalesce(s.school, ''), s.name, s.student_id, g.programme
    """


def finding_wrong_standard_sql() -> str:
    """Payments to enrolled, paid students whose programme or amount the rules do not expect.

    The programme is recognised from its name and the student's 学段; it must suit the
    student's 就读方式 (when the registry gives it) and, for group-only programmes, one of the
    student's key groups; its amount must be the rate in force (programmes whose rate is set
    locally are compared with the amount most payments of that programme in the county carry,
    when at least ``LOCAL_RATE_MIN_PAYMENTS`` payments and a clear majority agree on it).
    """
    return f"""
    WITH local_amounts AS (
        SELECT coalesce(s.county, p.county) AS county, p.programme_id, p.amount,
               count(*) AS payments
        FROM semester_payments p JOIN students s USING (student_id)
        JOIN expected_programmes e USING (programme_id)
        WHERE e.amount IS NULL AND p.amount > 0
        GROUP BY ALL
    ),
    local_rates AS (  -- 按当地标准: the amount most of the county's payments carry
        SELECT county, programme_id, amount, payments FROM (
            SELECT *, sum(payments) OVER (PARTITION BY county, programme_id) AS total,
                   row_number() OVER (PARTITION BY county, programme_id
                                      ORDER BY payments DESC, amount) AS rank
            FROM local_amounts)
        WHERE rank = 1 AND payments >= {LOCAL_RATE_MIN_PAYMENTS} AND payments >= 0.6 * total
    ),
    expected AS (
        SELECT s.student_id,
               string_agg(e.label || '：' || coalesce({yuan('e.amount')} || ' 元',
                                                      '按当地标准'),
                          '；' ORDER BY e.sort_order) AS expected
        FROM students s
        LEFT JOIN student_groups sg USING (student_id)
        JOIN expected_programmes e
          ON {expected_programme_match('e', 's', 'coalesce(sg.groups, [])')}
        GROUP BY s.student_id
    ),
    checked AS (
        SELECT p.*, s.person_key, s.student_no AS registry_no, s.id AS student_id_number,
               s.id_raw AS student_id_raw, s.name AS student_name, s.county AS student_county,
               s.school AS student_school, s.stage AS student_stage,
               s.boarding AS student_boarding, e.label AS programme_label,
               e.amount AS rate, x.expected,
               CASE
                 WHEN p.programme_id IS NULL AND p.programme_name = '' THEN NULL
                 WHEN p.programme_id IS NULL
                   THEN '「' || p.programme_name || '」不是' || s.stage || '学生的资助项目'
                 WHEN e.programme_id IS NULL
                   THEN '「' || p.programme_name || '」本学期没有标准'
                 WHEN {contradicts_boarding('e', 's')}
                   THEN '学籍就读方式为' || {boarding_label('s.boarding')} || '，发放的是'
                        || {boarding_label('e.boarding')} || '生的项目'
                 WHEN array_length(e.groups) > 0
                      AND NOT list_has_any(e.groups, coalesce(sg.groups, []))
                   THEN '「' || e.label || '」只发给特定困难群体，该生不在其中'
                 WHEN e.amount IS NOT NULL AND p.amount IS NOT NULL AND p.amount <> e.amount
                   THEN '金额 ' || {yuan('p.amount')} || ' 元，标准 '
                        || {yuan('e.amount')} || ' 元'
                 WHEN e.amount IS NULL AND lr.amount IS NOT NULL AND p.amount IS NOT NULL
                      AND p.amount <> lr.amount
                   THEN '金额 ' || {yuan('p.amount')} || ' 元，本县 ' || lr.payments
                        || ' 笔同项目发放为 ' || {yuan('lr.amount')} || ' 元（按当地标准）'
               END AS problem
        FROM semester_payments p
        JOIN students s USING (student_id)
        LEFT JOIN student_groups sg USING (student_id)
        LEFT JOIN expected_programmes e USING (programme_id)
        LEFT JOIN expected x USING (student_id)
        LEFT JOIN local_rates lr ON lr.county = coalesce(s.county, p.county)
                                AND lr.programme_id = p.programme_id
        WHERE s.enrolled AND s.stage IS NOT NULL AND (p.amount IS NULL OR p.amount > 0)
          AND s.student_id IN (SELECT student_id FROM paid_students)
    )
    SELECT {keys.case_key_sql('BZ', "person_key || '|' || file || '|' || sheet || '|' || row || '|' "
                                "|| slot")} AS case_key,
           student_id, person_key, registry_no AS student_no,
           coalesce(student_id_number, student_id_raw) AS id_number, student_name AS name,
           student_county AS county, student_school AS school, student_stage AS stage,
           {boarding_label('student_boarding')} AS boarding, programme_name AS programme, amount,
           problem, coalesce(expected, '（无）') AS expected, {source_text('checked')} AS sources,
           method_text AS methods, record_id, file_id, file, sheet, row
    FROM checked
    WHERE problem IS NOT NULL
    -- the student's county and school, as the list shows them (``checked`` also holds the
    -- paying file's county and school: a bare ``county`` means one on DuckDB, the other on Spark)
    ORDER BY coalesce(student_county, ''), coalesce(student_school, ''), file_id, sheet, row, slot
    """


def identity_problems_sql() -> str:
    """Payment and roster rows with an ID problem, with the student the linkage found (or the
    first candidate it could not choose between) and whether that student is enrolled."""
    labels = labels_case("r.id_status", {k: f"证件号{v}" for k, v in STATUS_LABELS.items()},
                         keep_others=False)
    return f"""
    WITH problems AS (
        SELECT r.record_id, 'status' AS kind, {labels} AS problem,
               l.student_id
        FROM records r LEFT JOIN links l USING (record_id)
        WHERE r.source <> 'registry' AND r.id_status NOT IN ('valid', 'blank')
        UNION ALL
        SELECT l.record_id, 'points', '证件号属于另一名学生，按姓名等信息关联到此学生',
               l.student_id
        FROM links l WHERE l.id_points_to IS NOT NULL
        UNION ALL
        SELECT v.record_id, 'review', v.reason, v.student_id
        FROM link_review v WHERE v.rank = 1
        UNION ALL
        -- the ID is someone else's (a parent's in the child's row): see link/conflicts.py
        SELECT c.record_id, 'conflict',
               '证件号与' || c.id_owner || '相同，但姓名不符，未当作同一人',
               coalesce(l.student_id, c.owner_student_id)
        FROM id_conflicts c LEFT JOIN links l USING (record_id)
    ),
    per_record AS (
        SELECT record_id, string_agg(DISTINCT problem, '；' ORDER BY problem) AS problem,
               min(student_id) AS student_id
        FROM problems GROUP BY record_id
    )
    SELECT {keys.case_key_sql('SF', "r.file || '|' || r.sheet || '|' || r.row || '|' || r.slot")}
               AS case_key,
           s.student_id, s.person_key, r.source,
           {labels_case('r.source', SOURCE_LABELS, keep_others=False)} AS source_label,
           r.name, coalesce(r.id_raw, '') AS id_number, pr.problem,
           coalesce(s.county, r.county) AS county, coalesce(s.school, r.school) AS school,
           s.student_no, s.name AS student_name,
           coalesce(s.id, s.id_raw) AS student_id_number, {source_text('r')} AS sources,
           CASE WHEN l.record_id IS NOT NULL THEN {_method_sql('l')}
                WHEN pr.student_id IS NOT NULL THEN '待核实（无法确定是哪名学生）'
                ELSE '未关联到学籍' END AS methods,
           r.record_id, r.file_id, r.file, r.sheet, r.row, r.slot,
           coalesce(s.enrolled, false) AS about_enrolled_student
    FROM per_record pr JOIN records r USING (record_id)
    LEFT JOIN links l USING (record_id)
    LEFT JOIN students s ON s.student_id = pr.student_id
    """


def finding_identity_sql() -> str:
    """身份信息有误 cases: identity problems about an enrolled student (linked, or the first
    candidate of an undecided record), per county by source row."""
    return """
    SELECT * EXCLUDE (slot, about_enrolled_student) FROM identity_problems
    WHERE about_enrolled_student
    ORDER BY coalesce(county, ''), file_id, sheet, row, slot
    """


def data_quality_sql() -> str:
    """The other identity problems as a summary for the department that sent each file: per
    file, sheet and problem, how many rows and the first of them as an example."""
    return f"""
    SELECT {labels_case('source', DEPARTMENTS, keep_others=False)} AS department, source_label,
           file, sheet, problem, count(*) AS rows,
           arg_min(row, (row, slot)) AS example_row,
           arg_min(name, (row, slot)) AS example_name,
           arg_min(id_number, (row, slot)) AS example_id_number,
           min(file_id) AS file_id
    FROM identity_problems
    WHERE NOT about_enrolled_student
    GROUP BY source, source_label, file, sheet, problem
    ORDER BY file_id, sheet, rows DESC, problem
    """


def finding_candidates_sql() -> str:
    """Roster rows (not payments: those are 非在读享受资助) without a valid ID, linked by no
    step and not in link_review, whose name fits exactly one enrolled student, sex, county and
    birth date agreeing wherever both sides give them."""
    agree = " AND ".join(f"(u.{c} IS NULL OR s.{c} IS NULL OR u.{c} = s.{c})"
                         for c in ("sex", "county", "birth_date"))
    return f"""
    WITH unlinked AS (
        SELECT r.* FROM records r
        WHERE r.source NOT IN ('registry', 'aid') AND r.id IS NULL
          AND coalesce(r.name_key, '') <> ''
          AND r.record_id NOT IN (SELECT record_id FROM links)
          AND r.record_id NOT IN (SELECT record_id FROM link_review)
    ),
    fits AS (
        SELECT u.record_id, min(s.student_id) AS student_id, count(*) AS students
        FROM unlinked u JOIN students s ON s.enrolled AND s.name_key = u.name_key AND {agree}
        GROUP BY u.record_id
    )
    SELECT {keys.case_key_sql('HX', "r.file || '|' || r.sheet || '|' || r.row || '|' || r.slot")}
               AS case_key,
           s.student_id, s.person_key, s.student_no, coalesce(s.id, s.id_raw) AS id_number,
           s.name, s.county, s.school,
           {labels_case('r.source', SOURCE_LABELS, keep_others=False)} AS source_label,
           r.name AS record_name, coalesce(r.id_raw, '') AS record_id_number,
           '姓名' || CASE WHEN r.sex IS NOT NULL AND s.sex IS NOT NULL THEN '、性别' ELSE '' END
               || CASE WHEN r.county IS NOT NULL AND s.county IS NOT NULL THEN '、区县' ELSE '' END
               || CASE WHEN r.birth_date IS NOT NULL AND s.birth_date IS NOT NULL
                       THEN '、出生日期' ELSE '' END
               || '与该生一致，在读学生中只有该生一致；名单'
               || CASE WHEN coalesce(r.id_raw, '') = '' THEN '没有证件号' ELSE '证件号无效' END
               || '，未自动关联' AS problem,
           {source_text('r')} AS sources, '待核实（仅姓名等信息相符）' AS methods,
           r.record_id, r.file_id, r.file, r.sheet, r.row
    FROM fits f JOIN records r USING (record_id) JOIN students s USING (student_id)
    WHERE f.students = 1
    ORDER BY coalesce(s.county, ''), coalesce(s.school, ''), r.file_id, r.sheet, r.row, r.slot
    """


def cases_sql() -> str:
    """Every case of every finding: key, finding, the student (if any), where it belongs."""
    parts = [
        f"SELECT case_key, '{f.code}' AS finding, student_id, person_key, student_no, county, "
        f"school, name FROM {f.table}"
        for f in FINDINGS
    ]
    return " UNION ALL ".join(parts)


def _programme_names(steps: Steps, rules: Rules) -> None:
    rows = sorted({
        ("".join(name.split()), programme.id, programme.stage)
        for programme in rules.programmes.programmes.values()
        for name in (programme.label, *programme.names)
    })
    steps.from_arrow("programme_names", pa.table({
        "name": pa.array([r[0] for r in rows], pa.string()),
        "programme_id": pa.array([r[1] for r in rows], pa.string()),
        "stage": pa.array([r[2] for r in rows], pa.string()),
    }))


def find(steps: Steps, rules: Rules, semester: Semester, secret: str | None = None) -> None:
    """Run the finding steps (after :func:`aidmatch.eligibility.decide`); case numbers are keyed
    by ``secret``, the database's (a run without a database gets a secret of its own)."""
    code = [semester.code]
    steps.macro(keys.keyed_hash_macro(secret or keys.new_secret()))
    _programme_names(steps, rules)
    steps.table("semester_payments", semester_payments_sql(), code)
    steps.table("finding_gaps", finding_gaps_sql(), code)
    steps.table("finding_pending_payment", finding_pending_payment_sql(), code)
    steps.table("finding_family_member_listed", finding_family_member_listed_sql(), code)
    steps.table("finding_not_enrolled", finding_not_enrolled_sql(), code)
    steps.table("finding_duplicates", finding_duplicates_sql(), code)
    steps.table("finding_wrong_standard", finding_wrong_standard_sql(), code)
    steps.table("identity_problems", identity_problems_sql(), code)
    steps.table("finding_identity", finding_identity_sql())
    steps.table("data_quality", data_quality_sql())
    steps.table("finding_candidates", finding_candidates_sql(), code)
    steps.table("cases", cases_sql())


__all__ = ["FAMILY_MEMBER_LISTED", "FINDINGS", "FINDING_TABLES", "PENDING_PAYMENT", "Column", "Finding", "find"]
