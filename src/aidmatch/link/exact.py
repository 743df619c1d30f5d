"""Exact linkage of every roster and aid record to registry students, as named DuckDB steps.

Steps (each a table; ``--keep-intermediate`` keeps them):

``school_counties`` the one county other registry rows, else payment rows, give a school (by
                    学校标识码, else name): the county of a student whose row names none
``students``        one row per registry person (rows sharing an ID or 学籍号 are one student,
                    represented by the enrolled row if there is one), ``county_source`` saying
                    where a county not in the student's own row came from
``registry_rows``   every registry row → its student
``roster_parents``  a roster child's parent in its household: the 户主 of a 之子/之女, with a
                    valid ID
``registry_parents`` a student's 父亲/母亲 in the registry's family columns, with a valid ID
``household_family`` roster children with a household mate who is one of a student's registry
                    family members (by ID): that student's family is in this household
``registry_key_fields`` the registry rows' key columns, with their student
``student_keys``    the exact keys a student can be found by
``record_keys``     the same keys computed for every other record
``key_pairs``       record × student pairs sharing at least one key, the keys strongest first
``key_pair_parent_conflicts`` those whose roster parent contradicts the registry parent
``candidates``      the key pairs the record's own ID, parent or relation does not rule out
``candidate_names`` name agreement of each pair (scored in bulk in Python, see ``names.py``)
``ranked``          candidates ordered by name agreement, then key strength
``exact_links``     the accepted link of each record (one student at most)
``exact_review``    records whose only candidates contradict them (ID matches, name does not) or
                    that point at two students equally: listed for review, never linked

Keys, strongest first: 身份证号 (valid ID = ID), 学籍号, the ID inside a G-学籍号 (a student whose
ID changed), the ID inside a 残疾人证号 that differs from the row's ID column (the certificate is
issued to its holder: a child's row may carry the mother's ID in the ID column), the first 15
digits of a precision-lost ID with the same name or in the same school, name + birth date, and
for aid rows name + school + grade (+ class when the row has one) and name + school. A key that
is not the ID is only as good as the name agreeing with it, which is why names decide between
candidates before key strength does: a twin's ID typed in the other twin's row goes to the twin
whose name and birth date match. And a key found by name is refused when the row's roster parent
contradicts the student's registry parent (``parent_conflicts_sql``).
"""

from __future__ import annotations

import pyarrow as pa

from aidmatch.config import Rules
from aidmatch.link.names import score_pairs
from aidmatch.sql import (
    digits_apart,
    is_id18,
    labels_case,
    person_key,
    relation_sex,
    relation_word,
    usable_name,
)
from aidmatch.steps import Steps

METHOD_LABELS = {
    "id": "身份证号",
    "student_no": "学籍号",
    "id_in_student_no": "学籍号内身份证号",
    "id_in_cert": "残疾人证号内身份证号",
    "prefix_name": "身份证前15位+姓名",
    "prefix_school": "身份证前15位+学校",
    "name_birth": "姓名+出生日期",
    "name_school_grade": "姓名+学校+年级（+班级）",
    "name_school": "姓名+学校",
}
KEY_STRENGTH = {
    "id": 5,
    "student_no": 5,
    "id_in_student_no": 4,
    "id_in_cert": 4,
    "prefix_name": 4,
    "prefix_school": 3,
    "name_birth": 2,
    "name_school_grade": 2,
    "name_school": 1,
}
NAME_LEVEL_LABELS = {
    "same": "姓名相同",
    "homophone": "姓名同音",
    "wildcard": "姓名相同（含生僻字占位符）",
    "similar": "姓名相近",
    "unknown": "无姓名",
    "different": "姓名不符",
}


def _strength_case(column: str) -> str:
    whens = " ".join(f"WHEN '{k}' THEN {v}" for k, v in KEY_STRENGTH.items())
    return f"CASE {column} {whens} ELSE 0 END"


# Where a student's 区县 came from when the registry row names none (students.county_source;
# NULL: the row's own 区县 column, its school name or its file's title). In the order tried.
COUNTY_SOURCES = {
    "registry_code": "区县按学籍名单中同一学校标识码的其他学生",
    "registry_school": "区县按学籍名单中同名学校的其他学生",
    "aid_code": "区县按资助发放名单中同一学校标识码的发放记录",
    "aid_school": "区县按资助发放名单中同名学校的发放记录",
}


def school_counties_sql() -> str:
    """The county of a school as other rows give it: per source (registry, payments) and per
    school key (标识码, else name), the one county its rows with a 区县 name. A key whose rows name
    two counties (中心小学 in every county) places nobody."""
    return """
    WITH known AS (
        SELECT source, school_code, school, county FROM records
        WHERE county IS NOT NULL AND source IN ('registry', 'aid')
    ), keyed AS (
        SELECT source || '_code' AS via, school_code AS school_key, county FROM known
        WHERE school_code IS NOT NULL
        UNION ALL
        SELECT source || '_school', school, county FROM known WHERE school IS NOT NULL
    )
    SELECT via, school_key, min(county) AS county
    FROM keyed GROUP BY via, school_key
    HAVING count(DISTINCT county) = 1
    """


def students_sql() -> str:
    """One student per person in the registry (the enrolled row first); a student whose row
    names no 区县 is placed by the school's county from other rows (``school_counties``), saying
    where it came from (``county_source``)."""
    tried = list(COUNTY_SOURCES)
    joins = "\n".join(
        f"LEFT JOIN school_counties c{n} ON c{n}.via = '{via}' AND c{n}.school_key = "
        f"ranked.{'school_code' if via.endswith('_code') else 'school'}"
        for n, via in enumerate(tried))
    county = ", ".join(["ranked.county", *(f"c{n}.county" for n in range(len(tried)))])
    source = " ".join(f"WHEN c{n}.county IS NOT NULL THEN '{COUNTY_SOURCES[via]}'"
                      for n, via in enumerate(tried))
    return f"""
    WITH reg AS (
        SELECT *,
               {person_key()} AS person_key,
               (status IS NULL OR list_bool_or(list_transform($enrolled::VARCHAR[],
                                                              lambda w: contains(status, w))))
                   AS enrolled
        FROM records WHERE source = 'registry'
    ), ranked AS (
        SELECT *,
               row_number() OVER (PARTITION BY person_key ORDER BY enrolled DESC, record_id) AS rn,
               count(*) OVER (PARTITION BY person_key) AS registry_row_count
        FROM reg
    )
    SELECT record_id AS student_id, person_key, registry_row_count, name, name_raw, name_key,
           id, id_raw, id_status, student_no, birth_date, sex, coalesce({county}) AS county,
           town, school, school_code, grade, class_name, status, enrolled, boarding, stage,
           file, sheet, row,
           CASE WHEN ranked.county IS NOT NULL THEN NULL {source} END AS county_source
    FROM ranked
    {joins}
    WHERE rn = 1
    """


def registry_rows_sql() -> str:
    return f"""
    SELECT r.record_id, s.student_id
    FROM records r
    JOIN students s ON {person_key('r')} = s.person_key
    WHERE r.source = 'registry'
    """


# A roster member whose 户主 is their parent, and the registry's words for a parent. Whole words
# (after a leading 之): 外祖母 is not 母, 之孙子 is not 之子.
CHILD_RELATION = "(长|次|三|四|五)?(子|女)|儿子|女儿"
PARENT_RELATION = "父亲|母亲|父|母|爸爸|妈妈"


def _sex_digit(id_column: str) -> str:
    return f"(TRY_CAST(substr({id_column}, 17, 1) AS INTEGER) % 2)"


def roster_parents_sql() -> str:
    return f"""
    SELECT DISTINCT c.record_id, h.id AS parent_id, {_sex_digit('h.id')} AS sex
    FROM records c
    JOIN records h ON h.source = c.source AND h.household_key = c.household_key
                  AND h.record_id <> c.record_id
    WHERE c.source NOT IN ('registry', 'aid') AND c.household_key IS NOT NULL
      AND h.id IS NOT NULL
      AND regexp_full_match({relation_word('c.relation')}, '{CHILD_RELATION}')
      AND ({relation_word('h.relation')} IN ('户主', '本人')
           OR c.household_key = '户主:' || h.id)
    """


def registry_parents_sql() -> str:
    return f"""
    SELECT DISTINCT rr.student_id, f.id AS parent_id, {_sex_digit('f.id')} AS sex
    FROM family f JOIN registry_rows rr ON rr.record_id = f.student_record_id
    WHERE f.id IS NOT NULL AND regexp_full_match(coalesce(f.relation, ''), '{PARENT_RELATION}')
    """


def household_family_sql() -> str:
    return """
    SELECT DISTINCT c.record_id, rr.student_id
    FROM (SELECT DISTINCT record_id FROM roster_parents) rp
    JOIN records c USING (record_id)
    JOIN records m ON m.source = c.source AND m.household_key = c.household_key
                  AND m.record_id <> c.record_id
    JOIN family f ON f.id = m.id
    JOIN registry_rows rr ON rr.record_id = f.student_record_id
    """


def parent_conflicts_sql(pairs: str) -> str:
    """The (record_id, student_id) pairs of ``pairs`` where the record's parent on its roster (the
    户主 of a 之子/之女) has a valid ID that is not the student's registry parent of that sex —
    more than two digits from it — and none of the record's household mates is one of the
    student's registry family: the roster's family is another family. A name, however common,
    and even a birth date do not outvote that."""
    return f"""
    SELECT p.record_id, p.student_id FROM {pairs} p
    JOIN roster_parents rp ON rp.record_id = p.record_id
    JOIN registry_parents gp ON gp.student_id = p.student_id AND gp.sex = rp.sex
    WHERE {digits_apart('rp.parent_id', 'gp.parent_id')} > 2
      AND NOT EXISTS (SELECT 1 FROM household_family h
                      WHERE h.record_id = p.record_id AND h.student_id = p.student_id)
    GROUP BY p.record_id, p.student_id
    """


# The registry rows' key fields, a step of its own: as a CTE read by every key below it was
# materialised whole (every column of two million rows) and pinned, and a 2 GB memory limit ran
# out at 2M students.
REGISTRY_KEY_FIELDS = """
    SELECT rr.student_id, r.id, r.student_no, r.name_key, r.birth_date, r.school, r.grade,
           r.class_name
    FROM records r JOIN registry_rows rr USING (record_id)"""


def student_keys_sql() -> str:
    named = usable_name()
    return f"""
    WITH reg AS (SELECT * FROM registry_key_fields)
    SELECT DISTINCT key_type, key, student_id FROM (
        SELECT 'id' AS key_type, id AS key, student_id FROM reg WHERE id IS NOT NULL
        UNION ALL
        SELECT 'student_no', student_no, student_id FROM reg WHERE student_no IS NOT NULL
        UNION ALL
        SELECT 'id_in_student_no', substr(student_no, 2, 18), student_id FROM reg
        WHERE regexp_full_match(student_no, 'G[0-9]{{17}}[0-9X]')
          AND substr(student_no, 2, 18) <> coalesce(id, '')
        UNION ALL
        SELECT 'id_in_cert', id, student_id FROM reg WHERE id IS NOT NULL
        UNION ALL
        SELECT 'prefix_name', left(id, 15) || '|' || name_key, student_id FROM reg
        WHERE id IS NOT NULL AND {named}
        UNION ALL
        SELECT 'prefix_school', left(id, 15) || '|' || school, student_id FROM reg
        WHERE id IS NOT NULL AND school IS NOT NULL
        UNION ALL
        -- the ID a G-学籍号 still holds after an ID change: a payment list that kept the old
        -- ID (and lost its last digits to Excel) is the student's in the student's school
        SELECT 'prefix_school', substr(student_no, 2, 15) || '|' || school, student_id FROM reg
        WHERE regexp_full_match(student_no, 'G[0-9]{{17}}[0-9X]')
          AND substr(student_no, 2, 18) <> coalesce(id, '') AND school IS NOT NULL
        UNION ALL
        SELECT 'name_birth', name_key || '|' || CAST(birth_date AS VARCHAR), student_id FROM reg
        WHERE birth_date IS NOT NULL AND {named}
        UNION ALL
        SELECT 'name_school', name_key || '|' || school, student_id FROM reg
        WHERE school IS NOT NULL AND {named}
        UNION ALL
        -- a payment row may name the class as well, or not: both forms of the key
        SELECT 'name_school_grade', name_key || '|' || school || '|' || grade, student_id FROM reg
        WHERE school IS NOT NULL AND grade IS NOT NULL AND {named}
        UNION ALL
        SELECT 'name_school_grade', name_key || '|' || school || '|' || grade || '|' || class_name,
               student_id FROM reg
        WHERE school IS NOT NULL AND grade IS NOT NULL AND class_name IS NOT NULL
          AND {named}
    )
    """


def record_keys_sql() -> str:
    named = usable_name()
    return f"""
    WITH others AS (SELECT * FROM records WHERE source <> 'registry')
    SELECT record_id, key_type, key FROM (
        SELECT record_id, 'id' AS key_type, id AS key FROM others WHERE id IS NOT NULL
        UNION ALL
        SELECT record_id, 'id_in_student_no', id FROM others WHERE id IS NOT NULL
        UNION ALL
        SELECT record_id, 'student_no', student_no FROM others WHERE student_no IS NOT NULL
        UNION ALL
        -- a 学籍号 cell holding the bare ID (no G): the ID, when the row has no ID of its own
        SELECT record_id, 'id', student_no FROM others
        WHERE id IS NULL AND {is_id18('student_no')}
        UNION ALL
        SELECT record_id, 'prefix_name', id_prefix || '|' || name_key FROM others
        WHERE id_status = 'precision_lost' AND length(id_prefix) = 15 AND {named}
        UNION ALL
        SELECT record_id, 'prefix_school', id_prefix || '|' || school FROM others
        WHERE id_status = 'precision_lost' AND length(id_prefix) = 15 AND school IS NOT NULL
        UNION ALL
        SELECT record_id, 'name_birth', name_key || '|' || CAST(birth_date AS VARCHAR) FROM others
        WHERE birth_date IS NOT NULL AND {named}
        UNION ALL
        SELECT record_id, 'name_school', name_key || '|' || school FROM others
        WHERE source = 'aid' AND school IS NOT NULL AND {named}
        UNION ALL
        -- a list without 学籍号 or ID (a J-学籍号 student has none) still names the school, grade
        -- and often the class: with the name, unique in that class or grade on both sides (one
        -- row of the programme in the list, one student), it is the student
        SELECT record_id, 'name_school_grade', key FROM (
            SELECT record_id, key,
                   count(*) OVER (PARTITION BY file_id, programme, semester, key) AS rows_with_key
            FROM (SELECT *, name_key || '|' || school || '|' || grade
                                || coalesce('|' || class_name, '') AS key
                  FROM others
                  WHERE source = 'aid' AND school IS NOT NULL AND grade IS NOT NULL
                    AND {named})
        ) WHERE rows_with_key = 1
        UNION ALL
        -- the certificate is issued to its holder: the ID it carries, when the ID column holds
        -- another (a parent's ID typed in the child's row)
        SELECT record_id, 'id_in_cert', left(cert_no, 18) FROM others
        WHERE source = 'disability' AND {is_id18('left(cert_no, 18)')}
          AND left(cert_no, 18) <> coalesce(id, '')
    )
    """


def key_pairs_sql() -> str:
    """Record × student pairs sharing an exact key, with the keys (strongest first) and the
    strongest key's strength: a step of its own, as is its ``parent_conflicts`` (as CTEs of
    ``candidates`` they were materialised and pinned, and a 64 MB memory limit ran out)."""
    return f"""
    SELECT k.record_id, s.student_id,
           -- one key of each type per record, so no duplicates: strongest key first
           list(k.key_type ORDER BY {_strength_case('k.key_type')} DESC, k.key_type) AS via,
           max({_strength_case('k.key_type')}) AS strength
    FROM record_keys k
    JOIN student_keys s ON k.key_type = s.key_type AND k.key = s.key
    GROUP BY k.record_id, s.student_id
    """


def candidates_sql() -> str:
    """Record × student pairs sharing a key, minus the pairs the record's own ID rules out.

    A pair found only through name + birth date is dropped when the record carries the ID of
    someone else, more than two digits away from the student's (a typo changes one digit, a swap
    two): a valid ID, the 15 digits a precision-lost ID still has, or a broken 18-digit ID —
    unless that ID is another student's (typed in the wrong row) or one of this student's
    registry family members' (a parent's ID in the child's row). Two people with the same name
    and birthday are two people. A payment row names the school it was paid in, so name + school
    stands on its own (its ID may be a parent's or an old one). A pair found by anything but
    an ID or 学籍号 is also dropped when the record's roster parent contradicts the student's
    registry parent (``key_pair_parent_conflicts``), or when the record has no sex of its own
    and its relation word names a child of the other sex (之孙子 for a girl).
    """
    return f"""
    WITH student_ids AS (SELECT DISTINCT key AS id FROM student_keys WHERE key_type = 'id'),
    family_ids AS (
        SELECT DISTINCT rr.student_id, f.id FROM family f
        JOIN registry_rows rr ON rr.record_id = f.student_record_id WHERE f.id IS NOT NULL
    )
    SELECT p.* FROM key_pairs p
    JOIN records r USING (record_id)
    JOIN students s USING (student_id)
    WHERE (list_has_any(p.via, ['id', 'student_no', 'id_in_student_no', 'id_in_cert'])
           OR ((record_id, student_id) NOT IN (SELECT (record_id, student_id)
                                               FROM key_pair_parent_conflicts)
               AND NOT (r.sex IS NULL
                        AND coalesce({relation_sex('r.relation')} <> s.sex, false))))
      AND (list_has_any(p.via, ['id', 'student_no', 'id_in_student_no', 'id_in_cert',
                               'name_school', 'name_school_grade'])
       OR s.id IS NULL
       OR NOT (
            (r.id IS NOT NULL AND {digits_apart('r.id', 's.id')} > 2
             AND r.id NOT IN (SELECT id FROM student_ids)
             AND NOT EXISTS (SELECT 1 FROM family_ids fi
                             WHERE fi.student_id = p.student_id AND fi.id = r.id))
         OR (r.id_status = 'precision_lost' AND length(r.id_prefix) = 15
             AND {digits_apart('r.id_prefix', 'left(s.id, 15)')} > 2
             -- the old ID the G-学籍号 keeps is the student's too
             AND NOT coalesce(regexp_full_match(s.student_no, 'G[0-9]{{17}}[0-9X]')
                              AND {digits_apart('r.id_prefix', 'substr(s.student_no, 2, 15)')} <= 2,
                              false)
             AND NOT EXISTS (SELECT 1 FROM family_ids fi
                             WHERE fi.student_id = p.student_id AND left(fi.id, 15) = r.id_prefix))
         OR (r.id_status = 'bad_checksum' AND {digits_apart('r.id_compact', 's.id')} > 2
             AND NOT EXISTS (SELECT 1 FROM family_ids fi WHERE fi.student_id = p.student_id
                             AND {digits_apart('r.id_compact', 'fi.id')} <= 2))
       ))
    """


def ranked_sql() -> str:
    return """
    WITH scored AS (
        SELECT c.*, n.name_score, n.name_level,
               CASE n.name_level WHEN 'same' THEN 2 WHEN 'homophone' THEN 2 WHEN 'wildcard' THEN 2
                    WHEN 'similar' THEN 1 WHEN 'unknown' THEN 1 ELSE 0 END AS name_class
        FROM candidates c JOIN candidate_names n USING (record_id, student_id)
    )
    SELECT *,
           row_number() OVER w AS rank,
           count(*) OVER (PARTITION BY record_id, name_class, strength, name_score) AS tied
    FROM scored
    WINDOW w AS (PARTITION BY record_id ORDER BY name_class DESC, strength DESC,
                 name_score DESC, student_id)
    """


def links_sql() -> str:
    via_labels = labels_case("v", METHOD_LABELS)
    return f"""
    WITH top AS (SELECT * FROM ranked WHERE rank = 1),
    contradicted AS (
        -- another student whose ID this record carries but whose name disagrees
        SELECT record_id, min(student_id) AS id_points_to
        FROM ranked WHERE rank > 1 AND list_contains(via, 'id') GROUP BY record_id
    )
    SELECT t.record_id, t.student_id,
           list_transform(t.via, lambda v: {via_labels}) AS via_labels,
           {labels_case('t.via[1]', METHOD_LABELS)} AS method_first,
           t.strength, t.name_score, t.name_level,
           c.id_points_to,
           NULL::VARCHAR AS detail,  -- what else the link rests on (the household step fills it)
           NULL::DOUBLE AS match_weight  -- the probabilistic model's weight (fuzzy.py fills it)
    FROM top t LEFT JOIN contradicted c USING (record_id)
    WHERE t.name_class > 0 AND t.tied = 1
    """


def link_review_sql() -> str:
    return f"""
    SELECT r.record_id, r.student_id, r.rank, r.name_score, r.name_level, r.strength,
           list_transform(r.via, lambda v: {labels_case('v', METHOD_LABELS)}) AS via_labels,
           CASE WHEN top.tied > 1 THEN '同时符合多名学生，无法确定是谁'
                WHEN list_contains(r.via, 'id') THEN '身份证号一致但姓名不符'
                ELSE '关联依据与姓名不符' END AS reason,
           NULL::DOUBLE AS match_weight
    FROM ranked r
    JOIN (SELECT record_id, tied, name_class FROM ranked WHERE rank = 1) top USING (record_id)
    WHERE (top.name_class = 0 OR top.tied > 1) AND r.rank <= 3
      AND r.record_id NOT IN (SELECT record_id FROM exact_links)
    """


def candidate_names_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Candidate pairs with both names (``a``, ``b``) → with the names' score and level
    (:func:`aidmatch.link.names.score_pairs`), row by row (:meth:`Steps.scored`)."""
    scores, levels = score_pairs(batch.column("a").to_pylist(), batch.column("b").to_pylist())
    return pa.RecordBatch.from_arrays(
        [batch.column("record_id"), batch.column("student_id"),
         pa.array(scores, pa.float64()), pa.array(levels, pa.string())],
        names=["record_id", "student_id", "name_score", "name_level"])


def _score_candidate_names(steps: Steps) -> None:
    steps.scored("candidate_names", """
        SELECT c.record_id, c.student_id, coalesce(r.name_key, '') AS a, coalesce(s.name_key, '') AS b
        FROM candidates c
        JOIN records r USING (record_id)
        JOIN students s USING (student_id)
        """, candidate_names_batch)


def link_exact(steps: Steps, rules: Rules) -> None:
    """Run the exact-linkage steps over ``records``."""
    enrolled = list(rules.policy.enrolled_status)
    steps.table("school_counties", school_counties_sql())
    steps.table("students", students_sql().replace("$enrolled", "?"), [enrolled])
    steps.table("registry_rows", registry_rows_sql())
    steps.table("roster_parents", roster_parents_sql())
    steps.table("registry_parents", registry_parents_sql())
    steps.table("household_family", household_family_sql())
    steps.table("registry_key_fields", REGISTRY_KEY_FIELDS)
    steps.table("student_keys", student_keys_sql())
    steps.table("record_keys", record_keys_sql())
    steps.table("key_pairs", key_pairs_sql())
    steps.table("key_pair_parent_conflicts", parent_conflicts_sql("key_pairs"))
    steps.table("candidates", candidates_sql())
    _score_candidate_names(steps)
    steps.table("ranked", ranked_sql())
    steps.table("exact_links", links_sql())
    steps.table("exact_review", link_review_sql())
