"""Candidate pairs for the records exact keys left unlinked (blocking), as named DuckDB steps.

Comparing every leftover record with every student is out of the question at city scale, so a
pair is only scored when the two share a *blocking key*. Each key is built to survive one kind of
damage the others do not:

``id_window``        the 18-digit ID with two neighbouring digits blanked, at every offset: one
                     typo or one swap of neighbours leaves one of these keys intact
``prefix_window``    the same over the 15 digits a precision-lost ID (6.11022E+17) still has
``family_id``        the record's ID is one of the student's registry family members' (a
                     parent's ID typed in the child's row), when the names could be one person's
``birth_county``     birth date and county
``pinyin_birth``     toneless pinyin of the name and birth year (homophones, 欣怡/心怡)
``household``        another member of the record's household is one of the student's registry
                     family members, by ID or by name in the same county, when the names could
                     be one person's
``school_surname``   school and surname (payments name the school)
``exact_leftover``   the exact stage's own candidates it could not decide on

A key value shared by more than ``max_block_size`` students is too common to tell anyone apart
and is dropped; ``blocking_counts`` reports the pairs and records each key produced.

Steps: ``compare_records``, ``fuzzy_records``, ``fuzzy_students``, ``name_pinyin``, ``blocking_keys``,
``household_mates``, ``fuzzy_pairs``, ``blocking_counts``.
"""

from __future__ import annotations

import pyarrow as pa

from aidmatch.config import BLOCKING_KEYS
from aidmatch.normalize.names import pinyin_keys
from aidmatch.sql import digits_apart, is_id18, relation_sex, relation_word, usable_name_or_null
from aidmatch.steps import Steps

BLOCKING_LABELS = {
    "id_window": "身份证号（允许1处错位）",
    "prefix_window": "身份证前15位（允许1处错位）",
    "family_id": "家庭成员身份证号",
    "birth_county": "出生日期+县区",
    "pinyin_birth": "姓名拼音+出生年份",
    "household": "同户成员",
    "school_surname": "学校+姓氏",
    "exact_leftover": "精确比对未决候选",
}
# Two neighbouring digits blanked at every offset: a typo or a swap of neighbours falls inside
# one window, and the 16 (13) digits left are as selective as an ID.
WINDOW = 2
ID_WINDOWS = tuple(range(0, 18 - WINDOW + 1))
PREFIX_WINDOWS = tuple(range(0, 15 - WINDOW + 1))


def compare_records_sql() -> str:
    """Every non-registry record, with the fields the comparisons use."""
    return f"""
    SELECT record_id, source, name_key,
           CASE WHEN name_key <> '' THEN left(name_key, 1) END AS surname,
           CASE WHEN id IS NOT NULL THEN id
                WHEN {is_id18('id_compact')} THEN id_compact END AS id18,
           CASE WHEN id_status = 'precision_lost' AND length(id_prefix) = 15 THEN id_prefix
                END AS id15, id_status,
           birth_date, sex, county, school, school_code, grade, household_key,
           -- a household roster's relation that only an adult has (户主, 配偶, 父亲, 岳母, 儿媳 …)
           coalesce(regexp_full_match({relation_word('relation')}, '户主|配偶|妻|夫|妻子|丈夫')
                    OR regexp_matches(relation, '[父母祖岳媳婿]'), false) AS adult_relation,
           -- the sex a child's relation word says (之子, 孙女, 外孙 …): a grandson is no girl
           {relation_sex('relation')} AS relation_sex,
           -- 本人: the row's ID is its own person's, never a guardian's typed in
           {relation_word('relation')} = '本人' AS relation_is_self
    FROM records WHERE source <> 'registry'
    """


def fuzzy_records_sql() -> str:
    """The records no exact step linked that carry a name or some ID digits."""
    return """
    SELECT * FROM compare_records
    WHERE record_id NOT IN (SELECT record_id FROM key_links)
      AND (name_key <> '' OR id18 IS NOT NULL OR id15 IS NOT NULL)
    """


def fuzzy_students_sql() -> str:
    """Students with the fields the comparisons use (a damaged registry ID still has digits)."""
    return f"""
    SELECT s.student_id, s.name_key,
           CASE WHEN s.name_key <> '' THEN left(s.name_key, 1) END AS surname,
           coalesce(s.id, CASE WHEN {is_id18('r.id_compact')}
                               THEN r.id_compact END) AS id18,
           s.birth_date, s.sex, s.county, s.school, s.school_code, s.grade
    FROM students s JOIN records r ON r.record_id = s.student_id
    """


def _window_keys(table: str, id_column: str, column: str, offsets: tuple[int, ...],
                 width: int) -> str:
    """(id, key) for every window of ``column``: its digits with ``width`` of them blanked."""
    starts = ", ".join(str(o) for o in offsets)
    return (f"(SELECT {id_column}, w || ':' || left({column}, w) || substr({column}, w + {width + 1})"
            f" AS key FROM {table} CROSS JOIN unnest([{starts}]) AS t(w)"
            f" WHERE {column} IS NOT NULL)")


# A record's ID worth comparing digit by digit: broken, or valid but of someone born when the
# students were (a valid ID of a 1980s adult is that adult's, not a student's with a typo).
STUDENT_AGED_ID = """
    (id_status <> 'valid'
     OR TRY_CAST(substr(id18, 7, 4) AS INTEGER) BETWEEN
        (SELECT min(year(birth_date)) - 1 FROM fuzzy_students)
        AND (SELECT max(year(birth_date)) + 1 FROM fuzzy_students))"""


def blocking_key_parts(enabled: tuple[str, ...]) -> list[str]:
    """One SELECT (key_type, record_id, student_id, key) per enabled key."""
    parts: list[str] = []
    if "id_window" in enabled:
        parts.append(f"""
        SELECT 'id_window' AS key_type, r.record_id, s.student_id, r.key
        FROM {_window_keys(f"(SELECT * FROM fuzzy_records WHERE {STUDENT_AGED_ID})",
                           'record_id', 'id18', ID_WINDOWS, WINDOW)} r
        JOIN {_window_keys('fuzzy_students', 'student_id', 'id18', ID_WINDOWS, WINDOW)} s
        USING (key)""")
    if "prefix_window" in enabled:
        parts.append(f"""
        SELECT 'prefix_window' AS key_type, r.record_id, s.student_id, r.key
        FROM {_window_keys('fuzzy_records', 'record_id', 'id15', PREFIX_WINDOWS, WINDOW)} r
        JOIN {_window_keys("(SELECT student_id, left(id18, 15) AS id15 FROM fuzzy_students)",
                           'student_id', 'id15', PREFIX_WINDOWS, WINDOW)} s
        USING (key)""")
    if "family_id" in enabled:
        parts.append(_plausible("family_id", """
        SELECT r.record_id, f.student_id, f.id AS key
        FROM fuzzy_records r JOIN family_ids f ON f.id = r.id18
        UNION ALL
        SELECT r.record_id, f.student_id, f.id AS key
        FROM fuzzy_records r JOIN family_ids f ON left(f.id, 15) = r.id15"""))
    if "birth_county" in enabled:
        # Only names that could be one person's: a pair sharing no more than a birthday and a
        # county can never be linked, and a county of a few hundred thousand students has
        # dozens of them per day.
        parts.append(_plausible("birth_county", """
        SELECT r.record_id, s.student_id,
               CAST(r.birth_date AS VARCHAR) || '|' || r.county AS key
        FROM fuzzy_records r JOIN fuzzy_students s USING (birth_date, county)"""))
    if "pinyin_birth" in enabled:
        parts.append("""
        SELECT 'pinyin_birth' AS key_type, r.record_id, s.student_id,
               rp.pinyin || '|' || CAST(year(r.birth_date) AS VARCHAR) AS key
        FROM fuzzy_records r JOIN name_pinyin rp ON rp.name_key = r.name_key
        JOIN name_pinyin sp ON sp.pinyin = rp.pinyin
        JOIN fuzzy_students s ON s.name_key = sp.name_key AND year(s.birth_date) = year(r.birth_date)
        WHERE r.name_key <> '' AND rp.pinyin <> ''""")
    if "household" in enabled:
        parts.append(_plausible("household", """
        SELECT m.record_id, f.student_id, 'id:' || f.id AS key
        FROM household_mates m JOIN fuzzy_records USING (record_id)
        JOIN family_members f ON f.id = m.mate_id"""))
        # by name only within the county (a name is no one's in a whole city), and only when the
        # record's name agrees with the student's: a sibling's row shares the parents' names
        # and the surname, and in a large county a common parent's name reaches hundreds of
        # families
        parts.append(_plausible("household", "SELECT * FROM blocking_household_names",
                                AGREEING_NAME))
    if "school_surname" in enabled:
        parts.append("""
        SELECT 'school_surname' AS key_type, r.record_id, s.student_id, r.school || '|' || r.surname AS key
        FROM fuzzy_records r JOIN fuzzy_students s USING (school, surname)""")
    if "exact_leftover" in enabled:
        parts.append("""
        SELECT 'exact_leftover' AS key_type, c.record_id, c.student_id, CAST(c.record_id AS VARCHAR) AS key
        FROM candidates c JOIN fuzzy_records USING (record_id)""")
    return parts


def blocking_keys_sql() -> str:
    """(key_type, record_id, student_id) from ``blocking_raw``, too-common key values (more
    students than the parameter ``$max_block_size``) dropped."""
    return """
    WITH sizes AS (
        SELECT key_type, key, count(DISTINCT student_id) AS block_size
        FROM blocking_raw GROUP BY ALL
    )
    SELECT DISTINCT key_type, record_id, student_id
    FROM blocking_raw JOIN sizes USING (key_type, key)
    WHERE block_size <= $max_block_size OR key_type IN ('exact_leftover', 'family_id')
    """


RAW_EMPTY = ("SELECT NULL::VARCHAR AS key_type, NULL::BIGINT AS record_id, "
             "NULL::BIGINT AS student_id, NULL::VARCHAR AS key WHERE false")


def build_blocking_keys(steps: Steps, enabled: tuple[str, ...], max_block_size: int) -> None:
    """The household-name key's tables, ``blocking_raw`` from one step per key
    (``blocking_<key>``: each its own statement, so a small memory limit spills one join at a
    time instead of holding all of them), then ``blocking_keys``."""
    if "household" in enabled:
        steps.table("blocking_name_mates", NAME_MATES)
        steps.table("blocking_name_families", NAME_FAMILIES)
        steps.table("blocking_name_mate_variants", NAME_MATE_VARIANTS)
        steps.table("blocking_name_family_variants", NAME_FAMILY_VARIANTS)
        # materialised before the names are compared: as a subquery of that step, a 64 MB
        # --memory-limit ran out on 139 pairs (20,000 students)
        steps.table("blocking_household_names", HOUSEHOLD_NAME_PAIRS)
    parts: list[str] = []
    for number, part in enumerate(blocking_key_parts(enabled), 1):
        parts.append(f"blocking_{number}")
        steps.table(parts[-1], part)
    steps.table("blocking_raw", " UNION ALL ".join(
        [RAW_EMPTY, *(f"SELECT key_type, record_id, student_id, key FROM {p}" for p in parts)]))
    steps.table("blocking_keys", blocking_keys_sql(), {"max_block_size": int(max_block_size)})


def household_mates_sql() -> str:
    """Each leftover record's household mates in the same roster, by ID and by usable name."""
    return f"""
    SELECT r.record_id, m.id AS mate_id, {usable_name_or_null('m.name_key')} AS mate_name_key
    FROM compare_records r
    JOIN records m ON m.source = r.source AND m.household_key = r.household_key
                  AND m.record_id <> r.record_id
    WHERE r.household_key IS NOT NULL
    """


# Names that could be the same person's: equal, same pinyin, a placeholder, or all characters but
# one shared. Keys that also reach a student's parents (their IDs, their households) keep only
# such pairs: a parent's row paired with every child of the family is work for nothing.
PLAUSIBLE_NAME = """
    (r.name_key = '' OR rp.pinyin = sp.pinyin OR contains(r.name_key, '?')
     OR array_length(list_intersect(string_split(r.name_key, ''), string_split(s.name_key, '')))
        >= least(length(r.name_key), length(s.name_key)) - 1)"""


# Names that agree the way the model's agreeing levels do: equal, same pinyin, a placeholder,
# or one character replaced in a name of three or more (in a two-character name that leaves only
# the surname: a sibling, not a typo).
AGREEING_NAME = f"""
    (r.name_key = '' OR s.name_key = r.name_key OR rp.pinyin = sp.pinyin
     OR contains(r.name_key, '?') OR contains(s.name_key, '?')
     OR (length(r.name_key) >= 3 AND {digits_apart('r.name_key', 's.name_key')} = 1))"""


def _one_replaced(name: str) -> str:
    """SQL: the name with each character in turn replaced by '?': two names of one length that
    differ in at most one character share one of these."""
    return (f"unnest(list_transform(range(1, length({name}) + 1), "
            f"lambda i: left({name}, i - 1) || '?' || substr({name}, i + 1)))")


# Records and students whose household mate is one of the student's family members by name (in
# the same county), with the two names agreeing: every join is an equality on the names, so no
# step ever pairs a record with every family that has a parent of that common name (at 2M
# students in seven counties that was 119M rows for 0.2M pairs). The two sides and their
# one-character variants are steps of their own (``blocking_name_mates``,
# ``blocking_name_families``, ``blocking_name_mate_variants``, ``blocking_name_family_variants``):
# as CTEs read several times they were materialised and pinned, and a 64 MB --memory-limit ran
# out instead of spilling.
NAME_MATES = """
    SELECT m.record_id, r.county, m.mate_name_key, r.name_key, p.pinyin
    FROM household_mates m JOIN fuzzy_records r USING (record_id)
    LEFT JOIN name_pinyin p ON p.name_key = r.name_key
    WHERE m.mate_name_key IS NOT NULL AND r.county IS NOT NULL"""
NAME_FAMILIES = """
    SELECT f.student_id, f.county, f.name_key AS member_name_key, s.name_key, p.pinyin
    FROM family_members f JOIN fuzzy_students s USING (student_id)
    LEFT JOIN name_pinyin p ON p.name_key = s.name_key
    WHERE f.name_key IS NOT NULL"""
NAME_MATE_VARIANTS = f"""
    SELECT record_id, county, mate_name_key, {_one_replaced('name_key')} AS variant
    FROM blocking_name_mates WHERE length(name_key) >= 3 AND NOT contains(name_key, '?')"""
NAME_FAMILY_VARIANTS = f"""
    SELECT student_id, county, member_name_key, {_one_replaced('name_key')} AS variant
    FROM blocking_name_families WHERE length(name_key) >= 3 AND NOT contains(name_key, '?')"""
HOUSEHOLD_NAME_PAIRS = """
    SELECT DISTINCT record_id, student_id, 'name:' || county || '|' || member_name_key AS key
    FROM (
        -- same name, or the same pinyin (a homophone typed)
        SELECT m.record_id, f.student_id, f.county, f.member_name_key
        FROM blocking_name_mates m JOIN blocking_name_families f ON f.county = m.county
             AND f.member_name_key = m.mate_name_key AND f.pinyin = m.pinyin
        UNION ALL
        -- one character replaced (names of three characters or more)
        SELECT m.record_id, f.student_id, f.county, f.member_name_key
        FROM blocking_name_mate_variants m
        JOIN blocking_name_family_variants f ON f.county = m.county
             AND f.member_name_key = m.mate_name_key AND f.variant = m.variant
        UNION ALL
        -- no name, or a placeholder, on either side (few records): the mate's name alone
        SELECT m.record_id, f.student_id, f.county, f.member_name_key
        FROM (SELECT * FROM blocking_name_mates WHERE name_key = '' OR contains(name_key, '?')) m
        JOIN blocking_name_families f
          ON f.county = m.county AND f.member_name_key = m.mate_name_key
        UNION ALL
        SELECT m.record_id, f.student_id, f.county, f.member_name_key
        FROM blocking_name_mates m
        JOIN (SELECT * FROM blocking_name_families WHERE contains(name_key, '?')) f
          ON f.county = m.county AND f.member_name_key = m.mate_name_key
    )"""


def _plausible(key_type: str, inner: str, names: str = PLAUSIBLE_NAME) -> str:
    return f"""
        SELECT '{key_type}' AS key_type, h.record_id, h.student_id, h.key
        FROM ({inner}) h
        JOIN fuzzy_records r USING (record_id) JOIN fuzzy_students s USING (student_id)
        LEFT JOIN name_pinyin rp ON rp.name_key = r.name_key
        LEFT JOIN name_pinyin sp ON sp.name_key = s.name_key
        WHERE {names}"""


def fuzzy_pairs_sql() -> str:
    order = ", ".join(f"'{k}'" for k in BLOCKING_KEYS)
    return f"""
    SELECT record_id, student_id,
           list(key_type ORDER BY list_position([{order}], key_type)) AS blocked_by
    FROM blocking_keys GROUP BY record_id, student_id
    """


def blocking_counts_sql() -> str:
    return """
    SELECT key_type, count(*) AS pairs, count(DISTINCT record_id) AS records,
           count(*) FILTER (WHERE unique_to_key) AS pairs_only_this_key
    FROM (SELECT b.*, array_length(p.blocked_by) = 1 AS unique_to_key
          FROM blocking_keys b JOIN fuzzy_pairs p USING (record_id, student_id))
    GROUP BY key_type ORDER BY key_type
    """


def family_views_sql() -> tuple[str, str]:
    members = f"""
    SELECT DISTINCT rr.student_id, f.id, {usable_name_or_null('f.name_key')} AS name_key,
           s.county
    FROM family f JOIN registry_rows rr ON rr.record_id = f.student_record_id
    JOIN students s ON s.student_id = rr.student_id
    WHERE f.id IS NOT NULL OR f.name_key <> ''
    """
    ids = "SELECT DISTINCT student_id, id FROM family_members WHERE id IS NOT NULL"
    return members, ids


def name_pinyin_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``name_key`` → with its toneless ``pinyin`` (a blocking key), row by row."""
    return pa.RecordBatch.from_arrays(
        [batch.column("name_key"),
         pa.array(pinyin_keys(batch.column("name_key").to_pylist()), pa.string())],
        names=["name_key", "pinyin"])


def _name_pinyin(steps: Steps) -> None:
    steps.scored("name_pinyin", """
        SELECT DISTINCT name_key FROM (SELECT name_key FROM fuzzy_records
                                       UNION ALL SELECT name_key FROM fuzzy_students)
        WHERE name_key <> ''""", name_pinyin_batch)


def block(steps: Steps, enabled: tuple[str, ...], max_block_size: int) -> None:
    """Build ``fuzzy_pairs`` (and ``blocking_counts``) from ``records``, ``links`` and ``family``.

    ``enabled`` and ``max_block_size`` come from linkage.yaml (:class:`aidmatch.config.Linkage`
    holds their one default)."""
    steps.table("compare_records", compare_records_sql())
    steps.table("fuzzy_records", fuzzy_records_sql())
    steps.table("fuzzy_students", fuzzy_students_sql())
    members, ids = family_views_sql()
    steps.table("family_members", members)
    steps.table("family_ids", ids)
    _name_pinyin(steps)
    steps.table("household_mates", household_mates_sql())
    build_blocking_keys(steps, enabled, max_block_size)
    steps.table("fuzzy_pairs", fuzzy_pairs_sql())
    steps.table("blocking_counts", blocking_counts_sql())
