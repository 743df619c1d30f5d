"""Comparison features of record × student pairs, computed in bulk.

Each comparison puts a pair on one *level*; the model (``model.py``) turns levels into weights.

``name``       same · homophone · wildcard · similar (a rare character replaced by another:
               刘玏朗 / 刘力朗; score ≥ 0.75) ·
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
carries a family member's ID under a name that is only similar to the student's, or under that
family member's own name (the family member's own row, even when a grandfather and his grandson
share a name); or when the roster row's relation is one only an adult has (户主, 配偶,
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
SIMILAR_CHARACTERS = 0.6   # and on characters alone: 刘力朗/刘玏朗 yes, 张勇/张悦彤 no


def _same(left: str, right: str) -> str:
    return (f"CASE WHEN {left} IS NULL OR {right} IS NULL THEN 'missing' "
            f"WHEN {left} = {right} THEN 'same' ELSE 'different' END")


def pair_fields_sql(pairs: str) -> str:
    """Everything the comparisons need for the pairs in table ``pairs``, in one row per pair."""
    return f"""
    WITH p AS (SELECT DISTINCT record_id, student_id FROM {pairs}),
    student_ids AS (SELECT DISTINCT id18 FROM fuzzy_students WHERE id18 IS NOT NULL),
    family_match AS (
        SELECT p.record_id, p.student_id,
               -- the family member the ID belongs to has the record's name: it is their row
               bool_or(f.name_key = r.name_key) AS family_member_named_so
        FROM p
        JOIN compare_records r USING (record_id)
        JOIN family_members f ON f.student_id = p.student_id
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
           coalesce(r.name_key, '') = '' OR coalesce(s.name_key, '') = '' AS name_missing,
           r.name_key = s.name_key AND NOT contains(r.name_key, '?') AS name_equal,
           coalesce(r.id18, r.id15) AS record_digits,
           CASE WHEN r.id18 IS NOT NULL THEN s.id18 ELSE left(s.id18, 15) END AS student_digits,
           coalesce(r.id18, r.id15) IS NOT NULL AS record_has_digits,
           s.id18 IS NOT NULL AS student_has_digits,
           coalesce(r.id18 = s.id18, r.id15 = left(s.id18, 15), false) AS digits_equal,
           r.id18 IS NULL AND r.id15 IS NOT NULL AS record_prefix_only,
           r.adult_relation,
           fm.record_id IS NOT NULL AS id_is_family,
           coalesce(fm.family_member_named_so, false) AS family_member_named_so,
           r.id18 IN (SELECT id18 FROM student_ids) AS id_is_other_student,
           -- the ID says its holder is 16 or more years older than the student: a guardian's
           coalesce(year(s.birth_date)
                    - TRY_CAST(substr(coalesce(r.id18, r.id15), 7, 4) AS INTEGER) >= 16, false)
               AS id_of_adult,
           r.source = 'aid' AND coalesce(r.school_code = s.school_code, r.school = s.school, false)
               AS aid_in_school,
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


def _outside_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


def rare_character_replaced(left: str, right: str) -> bool:
    """Same length, and every character that differs is one an old GB2312 system cannot store
    (玏, 彧, 頔 …), on one side or the other: the way a rare character gets replaced.

    Two ordinary characters that differ (刘思玲 / 刘佳玲) are two names: a sister, not a typo.

    >>> rare_character_replaced("刘力朗", "刘玏朗"), rare_character_replaced("刘佳玲", "刘思玲")
    (True, False)
    >>> rare_character_replaced("王锦", "王锦炘")
    False
    """
    if len(left) != len(right):
        return False
    differing = [(a, b) for a, b in zip(left, right, strict=True) if a != b]
    return bool(differing) and all(_outside_gb2312(a) or _outside_gb2312(b)
                                   for a, b in differing)


def _column(fields: pa.Table, name: str) -> np.ndarray:
    return np.asarray(fields.column(name).to_numpy(zero_copy_only=False))


def _flag(fields: pa.Table, name: str) -> np.ndarray:
    return np.asarray(fields.column(name).fill_null(False).to_numpy(zero_copy_only=False),
                      dtype=bool)


def _id_levels(fields: pa.Table) -> np.ndarray:
    """ID comparison levels; Damerau–Levenshtein only where both have digits and they differ."""
    record = _column(fields, "record_digits")
    student = _column(fields, "student_digits")
    prefix_only = _flag(fields, "record_prefix_only")
    family = _flag(fields, "id_is_family")
    has_digits = _flag(fields, "record_has_digits")
    both = has_digits & _flag(fields, "student_has_digits")
    equal = _flag(fields, "digits_equal")
    levels = np.full(len(record), "missing", dtype=object)
    levels[equal] = np.where(prefix_only[equal], "prefix", "exact")
    todo = np.flatnonzero(both & ~equal)
    if len(todo):
        distance = process.cpdist(record[todo].tolist(), student[todo].tolist(),
                                  scorer=DamerauLevenshtein.distance, workers=-1)
        levels[todo] = np.select([distance == 1, distance == 2], ["one_edit", "two_edits"],
                                 "different")
    adult = _flag(fields, "id_of_adult") & ~equal
    levels[adult & has_digits] = "adult_id"
    levels[family & ~equal] = "family"
    return levels


def _name_levels(fields: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Name levels and scores; the Python scorers run once per distinct pair of unequal names."""
    n = fields.num_rows
    levels = np.full(n, "same", dtype=object)
    scores = np.ones(n)
    unknown = _flag(fields, "name_missing")
    levels[unknown] = "unknown"
    scores[unknown] = 0.5
    todo = np.flatnonzero(~unknown & ~_flag(fields, "name_equal"))
    if len(todo) == 0:
        return levels, scores
    record = _column(fields, "record_name")[todo]
    student = _column(fields, "student_name")[todo]
    distinct = {pair: i for i, pair in enumerate(dict.fromkeys(zip(record, student, strict=True)))}
    left = [a for a, _ in distinct]
    right = [b for _, b in distinct]
    pair_scores, pair_levels = score_pairs(left, right)
    characters = process.cpdist(left, right, scorer=fuzz.ratio, workers=-1) / 100
    level_array = np.array(pair_levels, dtype=object)
    score_array = np.array(pair_scores)
    replaced = np.array([rare_character_replaced(a, b) for a, b in distinct], dtype=bool)
    level_array[(level_array == "similar")
                & ((score_array < SIMILAR_NAME) | (characters < SIMILAR_CHARACTERS)
                   | ~replaced)] = "partial"
    index = np.array([distinct[pair] for pair in zip(record, student, strict=True)], dtype=np.int64)
    levels[todo] = level_array[index]
    scores[todo] = score_array[index]
    return levels, scores


def compare(steps: Steps, pairs: str, into: str) -> None:
    """Compute the comparison levels of the pairs in table ``pairs`` into table ``into``.

    Columns: record_id, student_id, one column per comparison (its level), and ``vetoed``.
    """
    fields = arrow(steps.con, pair_fields_sql(pairs) + " ORDER BY record_id, student_id")
    name_levels, name_scores = _name_levels(fields)
    id_levels = _id_levels(fields)
    # a birth date and sex read from the ID are the ID's evidence (or, for a parent's ID, none)
    carries_birth = np.isin(id_levels, (*ID_CARRIES_BIRTH, "family", "adult_id"))
    birth = _column(fields, "birth").astype(object)
    sex = _column(fields, "sex").astype(object)
    birth[carries_birth & (birth != "missing")] = "implied"
    sex[carries_birth & (sex != "missing")] = "implied"
    vetoed = ((id_levels == "different") & ~_flag(fields, "id_is_other_student")
              & ~_flag(fields, "aid_in_school"))
    # a family member's ID with a name that is not quite the student's: that family member's row
    vetoed |= (id_levels == "family") & (
        ~np.isin(name_levels, ("same", "homophone", "wildcard", "unknown"))
        | _flag(fields, "family_member_named_so"))
    # a roster row whose relation only an adult has (户主, 配偶, 父亲 …) is not a student's
    # unless the ID itself says it is
    vetoed |= _flag(fields, "adult_relation") & ~np.isin(id_levels, ID_CARRIES_BIRTH)
    table = pa.table({
        "record_id": fields.column("record_id"),
        "student_id": fields.column("student_id"),
        "name": pa.array(name_levels, pa.string()),
        "name_score": pa.array(np.round(name_scores, 3), pa.float64()),
        "id": pa.array(id_levels, pa.string()),
        "birth": pa.array(birth, pa.string()),
        "sex": pa.array(sex, pa.string()),
        "county": fields.column("county"),
        "school": fields.column("school"),
        "grade": fields.column("grade"),
        "household": fields.column("household"),
        "vetoed": pa.array(vetoed, pa.bool_()),
    })
    steps.from_arrow(into, table)
