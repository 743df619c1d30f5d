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
父亲 …) and the ID does not say it is the student; or when the row's parent on its roster (the
户主 of a 之子/之女) has an ID that contradicts the student's registry parent of that sex, and
no member of the household is in the student's registry family (``parent_conflicts_sql``); or
when the row has no sex of its own, its relation names a child of the other sex (之孙子 for a
girl) and the ID does not say it is the student; or when the row's relation is 本人 and its ID
is an adult's (the row is that adult, not a guardian's ID typed in a child's row).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from aidmatch.link.exact import parent_conflicts_sql
from aidmatch.link.names import score_pairs
from aidmatch.steps import Steps

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


def family_match_sql(pairs: str) -> str:
    """Pairs of ``pairs`` whose record carries the ID of one of the student's registry family
    members, and whether that member has the record's name (then it is their own row)."""
    return f"""
    SELECT p.record_id, p.student_id,
           bool_or(f.name_key = r.name_key) AS family_member_named_so
    FROM {pairs} p
    JOIN compare_records r USING (record_id)
    JOIN family_members f ON f.student_id = p.student_id
    WHERE f.id = r.id18 OR left(f.id, 15) = r.id15
    GROUP BY ALL
    """


def household_match_sql(pairs: str) -> str:
    """Pairs of ``pairs`` whose record's household mates include one of the student's registry
    family members, by ID or by name."""
    return f"""
    SELECT p.record_id, p.student_id,
           bool_or(f.id = m.mate_id) AS by_id,
           bool_or(f.name_key = m.mate_name_key) AS by_name
    FROM {pairs} p JOIN household_mates m USING (record_id)
    JOIN family_members f ON f.student_id = p.student_id
    GROUP BY ALL
    """


def pair_fields_sql(pairs: str, into: str) -> str:
    """Everything the comparisons need for the pairs in table ``pairs`` (distinct pairs), in one
    row per pair, from the steps ``<into>_family_match``, ``<into>_household_match`` and
    ``<into>_parent_conflicts`` made before it."""
    # Each of those is a step of its own: as CTEs of this query their grouped joins ran together
    # with its joins, and a 64 MB --memory-limit failed instead of spilling (DuckDB 2.0.1 also
    # keeps a materialised CTE pinned in memory).
    return f"""
    WITH student_ids AS (SELECT DISTINCT id18 FROM fuzzy_students WHERE id18 IS NOT NULL),
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
           r.sex IS NULL AND coalesce(r.relation_sex <> s.sex, false) AS relation_sex_conflict,
           r.relation_is_self,
           fm.record_id IS NOT NULL AS id_is_family,
           pc.record_id IS NOT NULL AS parent_conflict,
           coalesce(fm.family_member_named_so, false) AS family_member_named_so,
           -- unknown without an ID (said so: Spark's IN gives false for a NULL there)
           CASE WHEN r.id18 IS NOT NULL THEN r.id18 IN (SELECT id18 FROM student_ids) END
               AS id_is_other_student,
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
    FROM {pairs} p
    JOIN compare_records r USING (record_id)
    JOIN fuzzy_students s USING (student_id)
    LEFT JOIN {into}_family_match fm USING (record_id, student_id)
    LEFT JOIN {into}_household_match hm USING (record_id, student_id)
    LEFT JOIN {into}_parent_conflicts pc USING (record_id, student_id)
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


def _id_distances(record: list[str], student: list[str]) -> np.ndarray:
    """Damerau–Levenshtein distance of each pair of unequal digit strings."""
    if not record:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(process.cpdist(record, student, scorer=DamerauLevenshtein.distance,
                                     workers=-1), dtype=np.int64)


def name_pair_levels(record: list[str], student: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Levels and scores (rounded to 3 places) of pairs of names: ``score_pairs``'s, with a
    'similar' that is only a shared surname or sound kept apart as 'partial'."""
    if not record:
        return np.zeros(0, dtype=object), np.zeros(0)
    pair_scores, pair_levels = score_pairs(record, student)
    characters = process.cpdist(record, student, scorer=fuzz.ratio, workers=-1) / 100
    levels = np.array(pair_levels, dtype=object)
    scores = np.array(pair_scores)
    replaced = np.array([rare_character_replaced(a, b) for a, b in zip(record, student,
                                                                        strict=True)], dtype=bool)
    levels[(levels == "similar")
           & ((scores < SIMILAR_NAME) | (characters < SIMILAR_CHARACTERS) | ~replaced)] = "partial"
    return levels, np.round(scores, 3)


def name_levels_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``record_name``, ``student_name`` → with the pair's name ``level`` and ``score``
    (:func:`name_pair_levels`), row by row (:meth:`aidmatch.steps.Steps.scored`)."""
    levels, scores = name_pair_levels(batch.column("record_name").to_pylist(),
                                      batch.column("student_name").to_pylist())
    return pa.RecordBatch.from_arrays(
        [batch.column("record_name"), batch.column("student_name"),
         pa.array(levels, pa.string()), pa.array(scores, pa.float64())],
        names=["record_name", "student_name", "level", "score"])


def id_distance_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``record_digits``, ``student_digits`` → with their Damerau–Levenshtein ``distance``."""
    distances = _id_distances(batch.column("record_digits").to_pylist(),
                              batch.column("student_digits").to_pylist())
    return pa.RecordBatch.from_arrays(
        [batch.column("record_digits"), batch.column("student_digits"),
         pa.array(distances, pa.int64())],
        names=["record_digits", "student_digits", "distance"])


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def compare(steps: Steps, pairs: str, into: str) -> None:
    """Compute the comparison levels of the pairs in table ``pairs`` into table ``into``.

    Columns: record_id, student_id, one column per comparison (its level), and ``vetoed``.
    Everything is SQL except the two string scorers, which run once per distinct pair of unequal
    names and of unequal ID digits (tables ``<into>_names`` and ``<into>_ids``).
    """
    fields = f"{into}_fields"
    steps.table(f"{into}_family_match", family_match_sql(pairs))
    steps.table(f"{into}_household_match", household_match_sql(pairs))
    steps.table(f"{into}_parent_conflicts", parent_conflicts_sql(pairs))
    steps.table(fields, pair_fields_sql(pairs, into))
    steps.scored(f"{into}_names", f"""
        SELECT DISTINCT record_name, student_name FROM {fields}
        WHERE NOT name_missing AND NOT coalesce(name_equal, false)""", name_levels_batch)
    steps.scored(f"{into}_ids", f"""
        SELECT DISTINCT record_digits, student_digits FROM {fields}
        WHERE record_has_digits AND student_has_digits AND NOT digits_equal""", id_distance_batch)
    name_agrees = _quoted(("same", "homophone", "wildcard", "unknown"))
    steps.table(into, f"""
    WITH levels AS (
        SELECT f.*,
               CASE WHEN f.name_missing THEN 'unknown'
                    WHEN coalesce(f.name_equal, false) THEN 'same'
                    ELSE n.level END AS name_level,
               CASE WHEN f.name_missing THEN 0.5
                    WHEN coalesce(f.name_equal, false) THEN 1.0
                    ELSE n.score END AS name_score,
               CASE WHEN f.id_is_family AND NOT f.digits_equal THEN 'family'
                    WHEN coalesce(f.id_of_adult, false) AND NOT f.digits_equal
                         AND f.record_has_digits THEN 'adult_id'
                    WHEN f.digits_equal THEN
                         CASE WHEN f.record_prefix_only THEN 'prefix' ELSE 'exact' END
                    WHEN f.record_has_digits AND f.student_has_digits THEN
                         CASE d.distance WHEN 1 THEN 'one_edit' WHEN 2 THEN 'two_edits'
                                         ELSE 'different' END
                    ELSE 'missing' END AS id_level
        FROM {fields} f
        LEFT JOIN {into}_names n USING (record_name, student_name)
        LEFT JOIN {into}_ids d USING (record_digits, student_digits)
    )
    SELECT record_id, student_id, name_level AS name, name_score, id_level AS id,
           -- a birth date and sex read from the ID are the ID's evidence (or, for a parent's
           -- ID, none)
           CASE WHEN id_level IN ({_quoted((*ID_CARRIES_BIRTH, "family", "adult_id"))})
                     AND birth <> 'missing' THEN 'implied' ELSE birth END AS birth,
           CASE WHEN id_level IN ({_quoted((*ID_CARRIES_BIRTH, "family", "adult_id"))})
                     AND sex <> 'missing' THEN 'implied' ELSE sex END AS sex,
           county, school, grade, household,
           (id_level = 'different' AND NOT coalesce(id_is_other_student, false)
                AND NOT coalesce(aid_in_school, false))
           -- a family member's ID with a name that is not quite the student's: that family
           -- member's row
           OR (id_level = 'family' AND (name_level NOT IN ({name_agrees})
                                        OR coalesce(family_member_named_so, false)))
           -- a roster row whose relation only an adult has (户主, 配偶, 父亲 …) is not a
           -- student's unless the ID itself says it is
           OR (coalesce(adult_relation, false)
               AND id_level NOT IN ({_quoted(ID_CARRIES_BIRTH)}))
           -- the record's roster parent (its 户主) has an ID the student's registry parent of
           -- that sex does not: another family's child of the same name
           OR (parent_conflict AND id_level NOT IN ({_quoted(ID_CARRIES_BIRTH)}))
           -- a roster row's relation says the other sex (之孙子 for a girl) and no ID says
           -- it is the student
           OR (relation_sex_conflict AND id_level NOT IN ({_quoted(ID_CARRIES_BIRTH)}))
           -- an adult's ID on a row whose relation is 本人 is that adult's own: the row is
           -- the adult (a 户主 named like a student), not a guardian's ID in the child's row
           OR (id_level = 'adult_id' AND coalesce(relation_is_self, false))
               AS vetoed
    FROM levels
    ORDER BY record_id, student_id""")
