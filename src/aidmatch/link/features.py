"""Comparison features of record × student pairs, computed in bulk.

Each comparison puts a pair on one *level*; the model (``model.py``) turns levels into weights.

``name``       same · homophone · wildcard · similar (as long, a character or its sound off:
               score ≥ 0.75) ·
               partial (score ≥ 0.5: a shared surname and little else) · different · unknown
               (see ``names.py``)
``id``         exact · prefix (the 15 digits a precision-lost ID kept are the student's) ·
               one_edit (one typo, one swap of neighbours: Damerau–Levenshtein 1) · two_edits ·
               family (a registry family member's ID: a parent's ID in the child's row) ·
               adult_id (the ID of someone 16 or more years older: a guardian's) · different ·
               missing
``birth``      same · close (one of year/month/day differs, or month and day swapped) ·
               different · missing · implied (already counted by the ID comparison)
``sex``        same · different · missing · implied
``county``, ``school``, ``grade``   same · different · missing
``household``  member_id / member_name (another member of the record's household is one of the
               student's registry family members) · none · missing

Levels ``missing``, ``unknown`` and ``implied`` carry no evidence (weight 0). The birth date and
sex of a record usually come from its own ID, so when the ID comparison already says something
they are ``implied`` rather than counted twice.

A pair is *vetoed* when the record carries someone else's ID: a valid or 18-digit ID (or the 15
digits of a precision-lost one) more than two digits from the student's, that is neither a family
member's, nor another registered student's (typed in the wrong row), nor a guardian's, and — for
payments, which name the school they were paid in — not in the student's school; and when it
carries a family member's ID under a name that is only similar to the student's (the family
member's own row); or when the roster row's relation is one only an adult has (户主, 配偶,
父亲 …) and the ID does not say it is the student.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from aidmatch.link.names import score_pairs
from aidmatch.steps import Steps, arrow

COMPARISONS: dict[str, tuple[str, ...]] = {
    "name": ("same", "homophone", "wildcard", "similar", "partial", "different", "unknown"),
    "id": ("exact", "prefix", "one_edit", "two_edits", "family", "adult_id", "different",
           "missing"),
    "birth": ("same", "close", "different", "missing", "implied"),
    "sex": ("same", "different", "missing", "implied"),
    "county": ("same", "different", "missing"),
    "school": ("same", "different", "missing"),
    "grade": ("same", "different", "missing"),
    "household": ("member_id", "member_name", "none", "missing"),
}
NEUTRAL_LEVELS = frozenset({"missing", "unknown", "implied"})
COMPARISON_LABELS = {
    "name": "姓名", "id": "身份证号", "birth": "出生日期", "sex": "性别", "county": "县区",
    "school": "学校", "grade": "年级", "household": "同户成员",
}
LEVEL_LABELS = {
    "same": "一致", "homophone": "同音", "wildcard": "一致（含占位符）", "similar": "相近",
    "partial": "部分相同",
    "different": "不一致", "unknown": "无", "exact": "一致", "prefix": "前15位一致",
    "one_edit": "差1位或2位互换", "two_edits": "差2位", "family": "为家庭成员的证件号",
    "adult_id": "为成年人的证件号", "missing": "无", "close": "相近", "implied": "（见身份证号）",
    "member_id": "同户成员证件号一致", "member_name": "同户成员姓名一致", "none": "无共同成员",
}
ID_CARRIES_BIRTH = ("exact", "prefix", "one_edit", "two_edits")
SIMILAR_NAME = 0.75        # overall (characters or sound)
SIMILAR_CHARACTERS = 0.6   # and on characters alone: 刘力朗/刘玏朗 yes, 张勇/张悦彤 no;
                           # and as long: 沈安/沈安蕊 is a mother and her daughter


def _same(left: str, right: str) -> str:
    return (f"CASE WHEN {left} IS NULL OR {right} IS NULL THEN 'missing' "
            f"WHEN {left} = {right} THEN 'same' ELSE 'different' END")


def pair_fields_sql(pairs: str) -> str:
    """Everything the comparisons need for the pairs in table ``pairs``, in one row per pair."""
    return f"""
    WITH p AS (SELECT DISTINCT record_id, student_id FROM {pairs}),
    student_ids AS (SELECT DISTINCT id18 FROM fuzzy_students WHERE id18 IS NOT NULL),
    family_match AS (
        SELECT p.record_id, p.student_id FROM p
        JOIN compare_records r USING (record_id)
        JOIN family_ids f ON f.student_id = p.student_id
        WHERE f.id = r.id18 OR left(f.id, 15) = r.id15
        GROUP BY ALL
    ),
    household_match AS (
        SELECT p.record_id, p.student_id,
               bool_or(f.id = m.mate_id) AS by_id,
               bool_or(f.name_key = m.mate_name_key) AS by_name
        FROM p JOIN household_mates m USING (record_id)
        JOIN family_members f ON f.student_id = p.student_id
        GROUP BY ALL
    ),
    has_mates AS (SELECT DISTINCT record_id FROM household_mates),
    has_family AS (SELECT DISTINCT student_id FROM family_members)
    SELECT p.record_id, p.student_id, r.source,
           coalesce(r.name_key, '') AS record_name, coalesce(s.name_key, '') AS student_name,
           coalesce(r.id18, r.id15) AS record_digits,
           CASE WHEN r.id18 IS NOT NULL THEN s.id18 ELSE left(s.id18, 15) END AS student_digits,
           r.id18 IS NULL AND r.id15 IS NOT NULL AS record_prefix_only,
           r.adult_relation,
           fm.record_id IS NOT NULL AS id_is_family,
           r.id18 IN (SELECT id18 FROM student_ids) AS id_is_other_student,
           CAST(substr(coalesce(r.id18, r.id15), 7, 4) AS INTEGER) AS record_id_year,
           year(s.birth_date) AS student_year,
           CASE WHEN r.birth_date IS NULL OR s.birth_date IS NULL THEN 'missing'
                WHEN r.birth_date = s.birth_date THEN 'same'
                WHEN (year(r.birth_date) = year(s.birth_date))::INT
                     + (month(r.birth_date) = month(s.birth_date))::INT
                     + (day(r.birth_date) = day(s.birth_date))::INT = 2
                  OR (year(r.birth_date) = year(s.birth_date)
                      AND month(r.birth_date) = day(s.birth_date)
                      AND day(r.birth_date) = month(s.birth_date)) THEN 'close'
                ELSE 'different' END AS birth,
           {_same('r.sex', 's.sex')} AS sex,
           {_same('r.county', 's.county')} AS county,
           CASE WHEN r.school_code IS NOT NULL AND s.school_code IS NOT NULL
                THEN {_same('r.school_code', 's.school_code')}
                ELSE {_same('r.school', 's.school')} END AS school,
           {_same('r.grade', 's.grade')} AS grade,
           CASE WHEN hm.by_id THEN 'member_id' WHEN hm.by_name THEN 'member_name'
                WHEN r.record_id IN (SELECT record_id FROM has_mates)
                 AND s.student_id IN (SELECT student_id FROM has_family) THEN 'none'
                ELSE 'missing' END AS household
    FROM p
    JOIN compare_records r USING (record_id)
    JOIN fuzzy_students s USING (student_id)
    LEFT JOIN family_match fm USING (record_id, student_id)
    LEFT JOIN household_match hm USING (record_id, student_id)
    """


def _id_levels(fields: pa.Table) -> np.ndarray:
    record = fields.column("record_digits").to_pylist()
    student = fields.column("student_digits").to_pylist()
    prefix_only = np.array(fields.column("record_prefix_only").to_pylist(), dtype=bool)
    family = np.array(fields.column("id_is_family").to_pylist(), dtype=bool)
    record_year = np.array(fields.column("record_id_year").fill_null(0).to_pylist(), dtype=np.int64)
    student_year = np.array(fields.column("student_year").fill_null(0).to_pylist(),
                            dtype=np.int64)
    levels = np.full(len(record), "missing", dtype=object)
    both = np.array([a is not None and b is not None for a, b in zip(record, student, strict=True)],
                    dtype=bool)
    todo = np.flatnonzero(both)
    if len(todo):
        distance = process.cpdist([record[i] for i in todo], [student[i] for i in todo],
                                  scorer=DamerauLevenshtein.distance, workers=-1)
        exact = np.where(prefix_only[todo], "prefix", "exact")
        levels[todo] = np.select(
            [distance == 0, distance == 1, distance == 2],
            [exact, "one_edit", "two_edits"], "different")
    adult = ((record_year > 0) & (student_year > 0) & (student_year - record_year >= 16)
             & (levels != "exact") & (levels != "prefix"))
    has_digits = np.array([a is not None for a in record], dtype=bool)
    levels[adult & has_digits] = "adult_id"
    levels[family & (levels != "exact") & (levels != "prefix")] = "family"
    return levels


def compare(steps: Steps, pairs: str, into: str) -> None:
    """Compute the comparison levels of the pairs in table ``pairs`` into table ``into``.

    Columns: record_id, student_id, one column per comparison (its level), and ``vetoed``.
    """
    fields = arrow(steps.con, pair_fields_sql(pairs) + " ORDER BY record_id, student_id")
    name_scores, name_levels = score_pairs(fields.column("record_name").to_pylist(),
                                           fields.column("student_name").to_pylist())
    record_names = fields.column("record_name").to_pylist()
    same_length = np.array([len(a) == len(b) for a, b in
                            zip(record_names, fields.column("student_name").to_pylist(),
                                strict=True)], dtype=bool)
    student_names = fields.column("student_name").to_pylist()
    characters = (process.cpdist(record_names, student_names, scorer=fuzz.ratio, workers=-1) / 100
                  if record_names else np.zeros(0))
    name_levels_array = np.array(name_levels, dtype=object)
    name_levels_array[(name_levels_array == "similar")
                      & ((np.array(name_scores) < SIMILAR_NAME)
                         | (characters < SIMILAR_CHARACTERS) | ~same_length)] = "partial"
    id_levels = _id_levels(fields)
    # a birth date and sex read from the ID are the ID's evidence (or, for a parent's ID, none)
    carries_birth = np.isin(id_levels, (*ID_CARRIES_BIRTH, "family", "adult_id"))
    birth = np.array(fields.column("birth").to_pylist(), dtype=object)
    sex = np.array(fields.column("sex").to_pylist(), dtype=object)
    birth[carries_birth & (birth != "missing")] = "implied"
    sex[carries_birth & (sex != "missing")] = "implied"
    school = np.array(fields.column("school").to_pylist(), dtype=object)
    is_aid = np.array([s == "aid" for s in fields.column("source").to_pylist()], dtype=bool)
    other_student = np.array(fields.column("id_is_other_student").fill_null(False).to_pylist(),
                             dtype=bool)
    vetoed = (id_levels == "different") & ~other_student & ~(is_aid & (school == "same"))
    # a family member's ID with a name that is not quite the student's: that family member's row
    vetoed |= (id_levels == "family") & ~np.isin(name_levels_array,
                                                  ("same", "homophone", "wildcard", "unknown"))
    # a roster row whose relation only an adult has (户主, 配偶, 父亲 …) is not a student's
    # unless the ID itself says it is
    adult_row = np.array(fields.column("adult_relation").fill_null(False).to_pylist(), dtype=bool)
    vetoed |= adult_row & ~np.isin(id_levels, ID_CARRIES_BIRTH)
    table = pa.table({
        "record_id": fields.column("record_id"),
        "student_id": fields.column("student_id"),
        "name": pa.array(name_levels_array.tolist(), pa.string()),
        "name_score": pa.array(name_scores, pa.float64()),
        "id": pa.array(id_levels.tolist(), pa.string()),
        "birth": pa.array(birth.tolist(), pa.string()),
        "sex": pa.array(sex.tolist(), pa.string()),
        "county": fields.column("county"),
        "school": fields.column("school"),
        "grade": fields.column("grade"),
        "household": fields.column("household"),
        "vetoed": pa.array(vetoed.tolist(), pa.bool_()),
    })
    steps.from_arrow(into, table)
