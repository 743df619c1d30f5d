"""Who belongs to a key group, who was paid, and who was missed — as named DuckDB steps.

``roster_rows``        roster records with household attributes filled in from their household
                       (a long roster may write 户类型 on the 户主's row only)
``qualifying_records`` roster records that satisfy a group rule of ``rules/policy.yaml``
``family_completed``, ``identity_keys``, ``person_pairs``, ``person_pair_names``,
``id_conflicts``, ``person_matches``
                       roster records matched to registry family members and to each other
                       (:mod:`aidmatch.link.persons`: the linkage of people who are not students)
``family_roles``       registry family members (``family_completed``) with whether each counts
                       as a parent or guardian — policy (relation words whole, 是否监护人
                       honoured; a grandparent only as the registered guardian)
``roster_child_parents`` (child, parent) pairs of roster records that 与户主关系 makes
                       unambiguous
``household_listings`` per roster household: people listed, head count, listed completely?
``unlinked_household_members`` roster household members linked to no student
``group_evidence_found`` student × group × the roster record that qualified them, and how:
                       本人 (the student is on the roster), 家庭成员 (a registry family member is on
                       a household roster), 父母/监护人 (a parent holds a certificate: the registry's
                       family members, or a parent in the same roster household)
``family_route_groups`` (student, group) pairs reached only through family members' completely
                       listed households, with the group's ``family_member_route``
``key_group_evidence`` ... less the groups reached only through a family member's completely
                       listed household (policy ``family_member_route``: candidate or off)
``family_member_evidence`` those rows when the route is candidate: 家庭成员在册，本人未在册,
                       a case to check (:mod:`aidmatch.findings` lists them)
``student_groups``     per student: groups, their labels, sources and match methods
``paid_students``      students with an aid payment this semester
``gaps``               enrolled key-group students with no payment (漏助), with the programme and
                       amount the rules expect for their stage and boarding
"""

from __future__ import annotations

import pyarrow as pa

from aidmatch.config import Rules
from aidmatch.link.persons import match_persons
from aidmatch.semester import Semester
from aidmatch.sql import (
    expected_programmes_per_student,
    listed_person,
    relation_word,
    source_text,
    with_detail,
)
from aidmatch.steps import Steps

_ATTRIBUTES = ("categories", "household_type", "monitor_type", "risk_eliminated", "policy_status",
               "security_status", "end_date", "start_date", "members_count")


def roster_rows_sql() -> str:
    """Roster records with their household's attributes filled in where their own are blank:
    the first known value in the household, the 户主's first (then by record id)."""
    order = ("(CASE WHEN relation = '户主' THEN 0 WHEN relation IS NOT NULL THEN 1 ELSE 2 END)"
             " * 10000000000000 + record_id")
    firsts = ",\n".join(
        f"arg_min({_empty_to_null(a)}, {order}) FILTER (WHERE {_empty_to_null(a)} IS NOT NULL)"
        f" AS {a}" for a in _ATTRIBUTES)
    fills = ",\n".join(f"coalesce({_empty_to_null(a, 'r')}, h.{a}) AS {a}" for a in _ATTRIBUTES)
    return f"""
    WITH households AS (
        SELECT source, household_key, {firsts}
        FROM records
        WHERE source NOT IN ('registry', 'aid') AND household_key IS NOT NULL
        GROUP BY source, household_key
    )
    SELECT r.* REPLACE ({fills})
    FROM records r
    LEFT JOIN households h ON h.source = r.source AND h.household_key = r.household_key
    WHERE r.source NOT IN ('registry', 'aid')
    """


def _empty_to_null(column: str, alias: str = "") -> str:
    qualified = f"{alias}.{column}" if alias else column
    if column == "categories":
        return f"CASE WHEN array_length(coalesce({qualified}, [])) = 0 THEN NULL ELSE {qualified} END"
    if column in ("end_date", "start_date", "members_count"):
        return qualified
    return f"nullif({qualified}, '')"


def qualifying_records_sql(rules: Rules, semester: Semester) -> tuple[str, list[object]]:
    """One SELECT per enabled group rule, with every value passed as a parameter."""
    parts: list[str] = []
    params: list[object] = []
    for group in rules.policy.enabled_groups:
        conditions = ["source = ?"]
        params_group: list[object] = [group.id, group.source]
        if group.categories:
            conditions.append("list_has_any(categories, ?::VARCHAR[])")
            params_group.append(list(group.categories))
        for field_name, words in group.exclude_when.items():
            conditions.append(
                f"NOT coalesce(list_bool_or(list_transform(?::VARCHAR[], "
                f"lambda w: contains({field_name}, w))), false)"
            )
            params_group.append(list(words))
        if group.exclude_if_ended_before_semester:
            conditions.append("(end_date IS NULL OR end_date >= ?)")
            params_group.append(semester.start)
        if group.exclude_if_started_after_semester:
            conditions.append("(start_date IS NULL OR start_date <= ?)")
            params_group.append(semester.end)
        parts.append("SELECT record_id, ? AS group_id FROM roster_rows WHERE "
                     + " AND ".join(conditions))
        params.extend(params_group)
    if not parts:
        return "SELECT NULL::BIGINT AS record_id, NULL::VARCHAR AS group_id WHERE false", []
    return " UNION ALL ".join(parts), params


def family_roles_sql() -> str:
    """Registry family members with ``parent_or_guardian``: whether they count for
    ``scope: parent`` (rules/policy.yaml ``parents``). Relation words are compared whole after
    dropping a leading 之 — never by a part of the word (外祖母 contains 母 but is no mother);
    a 是否监护人 cell decides for everyone who is not a parent by the word, so a grandparent
    counts only as the registered guardian — or, with
    ``grandparents_guard_when_no_parent_listed``, when the registry sheet marks guardians nowhere
    (no 是否监护人 cell, no 监护人 column filled) and the student's row names no parent: the row
    then lists the grandparents as the ones who raise the child. Parameters: parent words,
    guardian words, the 是否监护人 words for yes and for no, grandparent words, the setting."""
    return f"""
    WITH roles AS (
        SELECT f.*, {relation_word('f.relation')} AS relation_word,
               r.file_id AS registry_file, r.sheet AS registry_sheet
        FROM family_completed f JOIN records r ON r.record_id = f.student_record_id
    ),
    marked AS (
        SELECT *,
               bool_or(list_contains($1::VARCHAR[], relation_word))
                   OVER (PARTITION BY student_record_id) AS row_names_a_parent,
               bool_or(list_contains($3::VARCHAR[], relation_word)
                       OR coalesce(guardian_flag, '') <> '')
                   OVER (PARTITION BY registry_file, registry_sheet) AS sheet_marks_guardians
        FROM roles
    )
    SELECT * EXCLUDE (registry_file, registry_sheet, row_names_a_parent, sheet_marks_guardians),
           (list_contains($1::VARCHAR[], relation_word)
            OR list_contains($2::VARCHAR[], coalesce(guardian_flag, ''))
            OR ((relation_word = '' OR list_contains($3::VARCHAR[], relation_word))
                AND NOT list_contains($4::VARCHAR[], coalesce(guardian_flag, '')))
            OR ($6 AND list_contains($5::VARCHAR[], relation_word)
                AND NOT row_names_a_parent AND NOT sheet_marks_guardians))
               AS parent_or_guardian
    FROM marked
    """


def household_listings_sql() -> str:
    """Per roster household: how many people the roster lists, how many the household has
    (保障人数 / 家庭人口数), and whether the roster lists it completely — the evidence of absence
    for a student who is not on it.

    A long roster (one row per member) lists its households completely unless a head count
    says there are more people than rows; a wide row (户主 + 成员N slots) only when a head count
    is given and the filled slots reach it (a row with three slots cannot list a household of
    five, a head-only row lists one). One person on two rows (户主 repeated as 成员1 本人)
    counts once. Rows without a household (no 户编号, no 户主) list nothing completely."""
    return f"""
    SELECT source, household_key,
           count(DISTINCT {listed_person()})
               AS listed,
           max(members_count) AS members_count,
           bool_or(slot <> '') AS wide,
           CASE WHEN max(members_count) IS NOT NULL
                THEN count(DISTINCT {listed_person()})
                     >= max(members_count)
                ELSE NOT bool_or(slot <> '') END AS complete
    FROM roster_rows
    WHERE household_key IS NOT NULL
    GROUP BY source, household_key
    """


def unlinked_household_members_sql() -> str:
    """Household roster records linked to no student that may be a child: one of them may be a
    student whose name and ID were damaged past linking, so a household holding one of the
    student's age is no evidence that the student is absent. A relation that names only parents
    in ``parents.household_parents`` (户主, 配偶, 儿媳 …: never on the child's side) is not a
    child."""
    return f"""
    WITH parents_only AS (
        SELECT parent AS word FROM household_parents
        EXCEPT SELECT child FROM household_parents
    )
    SELECT source, household_key, record_id, birth_date
    FROM roster_rows
    WHERE household_key IS NOT NULL AND record_id NOT IN (SELECT record_id FROM links)
      AND {relation_word('relation')} NOT IN (SELECT word FROM parents_only)
    """


def roster_child_parents_sql() -> str:
    """Pairs of household roster records (child, parent) that 与户主关系 makes unambiguous.

    A relation pair listed in ``parents.household_parents`` (之子 → 户主, 配偶; 之孙子 → 之子,
    之儿媳 …) counts only when the child's candidate parents in the household form at most one
    couple: one member by blood and one by marriage (``parents.spouse_relations``). Under a
    grandparent 户主 with several 之子/之儿媳 couples, a 之孙子's parents are not determined by
    the words (an uncle or aunt is not a parent); the registry's named parents still are. When
    a relation is not written, a member 18 to 45 years older counts (no words to go by)."""
    return f"""
    WITH pairs AS (
        SELECT child.record_id AS child_record_id, m.record_id AS parent_record_id,
               list_contains(?::VARCHAR[], ltrim(m.relation, '之')) AS by_marriage,
               -- one person on two rows (a wide row's 户主 repeated as 成员1 本人) is one parent
               {listed_person('m')} AS person
        FROM roster_rows child
        JOIN roster_rows m ON m.source = child.source AND m.household_key = child.household_key
                           AND m.record_id <> child.record_id
        JOIN household_parents hp ON hp.child = ltrim(child.relation, '之')
                                 AND hp.parent = ltrim(m.relation, '之')
        WHERE child.household_key IS NOT NULL
    ),
    one_couple AS (
        SELECT child_record_id FROM pairs GROUP BY child_record_id
        HAVING count(DISTINCT person) FILTER (WHERE by_marriage) <= 1
           AND count(DISTINCT person) FILTER (WHERE NOT by_marriage) <= 1
    )
    SELECT child_record_id, parent_record_id, 'relation' AS basis FROM pairs
    WHERE child_record_id IN (SELECT child_record_id FROM one_couple)
    UNION ALL
    SELECT child.record_id, m.record_id, 'age'
    FROM roster_rows child
    JOIN roster_rows m ON m.source = child.source AND m.household_key = child.household_key
                       AND m.record_id <> child.record_id
    WHERE child.household_key IS NOT NULL
      AND (child.relation IS NULL OR m.relation IS NULL)
      AND child.birth_date IS NOT NULL AND m.birth_date IS NOT NULL
      AND year(child.birth_date) - year(m.birth_date) BETWEEN 18 AND 45
    """


def group_evidence_found_sql() -> str:
    """Every way a student is found in a key group (student × group × qualifying record):
    本人 (own roster row), 家庭成员 (a registry family member in a qualifying household, with
    whether that household's roster lists it completely), 父母/监护人 (a parent holds a
    certificate)."""
    return """
    WITH q AS (
        SELECT q.record_id, q.group_id, g.scope FROM qualifying_records q
        JOIN group_rules g USING (group_id)
    ),
    -- a roster record and a registry family member that are the same person
    family_matches AS (  -- a registry family member and a roster record: the same person
        SELECT person_a AS family_id, person_b AS record_id, key_type FROM person_matches
        WHERE kind_a = 'family' AND kind_b = 'record'
    ),
    roster_matches AS (  -- two roster records that are the same person (a parent on two rosters)
        SELECT person_a AS member_id, person_b AS record_id FROM person_matches
        WHERE kind_a = 'record' AND kind_b = 'record'
    ),
    own AS (
        SELECT l.student_id, q.group_id, q.record_id, 'self' AS via,
               NULL::BOOLEAN AS household_complete, NULL::VARCHAR AS household_listing,
               NULL::BIGINT AS registry_record_id,
               CASE WHEN l.method_first = '概率匹配' AND l.match_weight IS NOT NULL
                    THEN l.method_first || '（得分 ' || CAST(round(l.match_weight, 1) AS VARCHAR) || '）'
                    ELSE l.method_first END AS method,
               l.detail
        FROM links l JOIN q USING (record_id)
        WHERE q.scope IN ('person', 'household')
    ),
    -- the household's roster says the student is not in it: listed completely, and no
    -- unlinked member of the student's age (±1 year, or age unknown) who may be the student
    -- under a damaged name and ID
    absent AS (
        SELECT rr.student_id, qr.source, qr.household_key,
               NOT EXISTS (
                   SELECT 1 FROM unlinked_household_members u
                   WHERE u.source = qr.source AND u.household_key = qr.household_key
                     AND (u.birth_date IS NULL OR s.birth_date IS NULL
                          OR abs(date_diff('day', u.birth_date, s.birth_date)) <= 366))
                   AS no_one_like_the_student
        FROM family_roles f
        JOIN registry_rows rr ON rr.record_id = f.student_record_id
        JOIN students s ON s.student_id = rr.student_id
        JOIN family_matches fm ON fm.family_id = f.family_id
        JOIN roster_rows qr ON qr.record_id = fm.record_id
        WHERE qr.household_key IS NOT NULL
        GROUP BY ALL
    ),
    through_family AS (
        SELECT rr.student_id, q.group_id, q.record_id, 'family' AS via,
               CASE WHEN q.scope = 'household'
                    THEN coalesce(hl.complete AND a.no_one_like_the_student, false) END
                   AS household_complete,
               CASE WHEN q.scope = 'household' AND hl.household_key IS NOT NULL
                    THEN '该户名单列出 ' || hl.listed || ' 人'
                         || coalesce('，家庭人口/保障人数 ' || hl.members_count || ' 人', '')
                         || CASE WHEN NOT hl.complete THEN '，名单未列全户'
                                 WHEN NOT a.no_one_like_the_student
                                     THEN '，有未关联到学籍的同龄成员，可能是本人'
                                 ELSE '，全户在册，没有本人' END
               END AS household_listing,
               f.student_record_id AS registry_record_id,
               CASE fm.key_type WHEN 'id' THEN '家庭成员身份证号'
                    WHEN 'prefix_name' THEN '家庭成员身份证前15位+姓名'
                    WHEN 'name_digits' THEN '家庭成员姓名+证件号（仅一两位不同）'
                    ELSE '家庭成员姓名+出生日期（证件号仅一两位不同）' END AS method,
               f.slot || ' ' || coalesce(f.relation, '') || ' ' || f.name
                   || CASE WHEN coalesce(f.guardian_flag, '') <> ''
                           THEN '，是否监护人：' || f.guardian_flag ELSE '' END
                   || CASE WHEN f.id_from_sibling THEN '，证件号取自兄弟姐妹的学籍记录' ELSE '' END
                   AS detail
        FROM family_roles f
        JOIN registry_rows rr ON rr.record_id = f.student_record_id
        JOIN family_matches fm ON fm.family_id = f.family_id
        JOIN q ON q.record_id = fm.record_id
        JOIN roster_rows qr ON qr.record_id = q.record_id
        LEFT JOIN household_listings hl ON hl.source = qr.source
                                       AND hl.household_key = qr.household_key
        LEFT JOIN absent a ON a.student_id = rr.student_id AND a.source = qr.source
                          AND a.household_key = qr.household_key
        WHERE q.scope = 'household' OR (q.scope = 'parent' AND f.parent_or_guardian)
    ),
    through_household AS (
        SELECT l.student_id, q.group_id, q.record_id, 'parent' AS via,
               NULL::BOOLEAN AS household_complete, NULL::VARCHAR AS household_listing,
               NULL::BIGINT AS registry_record_id,
               '同户成员身份证号' AS method,
               m.relation || ' ' || m.name || '（' || m.file || ' 第' || m.row || '行）' AS detail
        FROM links l
        JOIN roster_rows child ON child.record_id = l.record_id
        JOIN roster_child_parents p ON p.child_record_id = child.record_id
        JOIN roster_rows m ON m.record_id = p.parent_record_id
        JOIN roster_matches rm ON rm.member_id = m.record_id
        JOIN q ON q.record_id = rm.record_id
        WHERE q.scope = 'parent'
    )
    SELECT DISTINCT * FROM (
        SELECT * FROM own UNION ALL SELECT * FROM through_family
        UNION ALL SELECT * FROM through_household
    )
    """


def family_route_groups_sql() -> str:
    """(student, group) pairs found only through registry family members in households their
    roster lists completely — the student is not in them — with the group's
    ``family_member_route`` (gap / candidate / off)."""
    return """
    SELECT e.student_id, e.group_id, g.family_member_route AS route
    FROM group_evidence_found e JOIN group_rules g USING (group_id)
    GROUP BY e.student_id, e.group_id, g.family_member_route
    HAVING bool_and(e.via = 'family' AND coalesce(e.household_complete, false))
    """


def key_group_evidence_sql() -> str:
    """The evidence that makes a student a key-group member: all that was found, except a group
    reached only through a family member's completely listed household when the group's
    ``family_member_route`` is candidate or off (domain: 家庭成员在册，本人未在册 is a case to
    check, not a confirmed gap)."""
    return """
    SELECT e.* FROM group_evidence_found e
    LEFT JOIN family_route_groups o USING (student_id, group_id)
    WHERE o.route IS NULL OR o.route = 'gap'
    """


def family_member_evidence_sql() -> str:
    """The evidence of the review candidates 家庭成员在册，本人未在册: groups reached only through
    a family member's completely listed household, where the group's route is candidate."""
    return """
    SELECT e.* FROM group_evidence_found e
    JOIN family_route_groups o USING (student_id, group_id)
    WHERE o.route = 'candidate'
    """


def student_groups_sql() -> str:
    """Per student: groups, and the evidence in a stable order (sources by file, sheet, row)."""
    return f"""
    WITH evidence AS (
        SELECT e.*, g.label, r.file_id, r.sheet, r.row, r.slot,
               {source_text('r')} AS source_text,
               {with_detail('e.method', 'e.detail')} AS method_text
        FROM key_group_evidence e
        JOIN group_rules g USING (group_id)
        JOIN records r USING (record_id)
    )
    SELECT student_id,
           list(DISTINCT group_id ORDER BY group_id) AS groups,
           string_agg(DISTINCT label, '；' ORDER BY label) AS group_labels,
           array_to_string(list_transform(
               list_sort(list(DISTINCT {{'file': file_id, 'sheet': sheet, 'row': row, 'slot': slot,
                                         'text': source_text}})),
               lambda x: x.text), '；') AS sources,
           string_agg(DISTINCT method_text, '；' ORDER BY method_text) AS methods,
           list(DISTINCT record_id ORDER BY record_id) AS evidence_records
    FROM evidence
    GROUP BY student_id
    """


def paid_students_sql() -> str:
    """Students paid this semester: their linked payments of the semester (rows of a file that
    names no semester count) net above zero. A row without an amount counts as a payment; a 0
    or a reversal (负数) cancelling the payment does not."""
    return """
    SELECT l.student_id, list(r.record_id ORDER BY r.record_id) AS aid_records,
           sum(r.amount) AS amount, string_agg(DISTINCT r.programme, '；' ORDER BY r.programme)
               AS programmes,
           count(*) AS payments
    FROM links l JOIN records r USING (record_id)
    WHERE r.source = 'aid' AND (r.semester = ? OR r.semester IS NULL)
    GROUP BY l.student_id
    HAVING sum(CASE WHEN r.amount IS NULL THEN 1 ELSE r.amount END) > 0
    """


def pending_payments_sql() -> str:
    """Unpaid students who are the one first candidate (no other as good) of a payment row of
    the semester that no step linked (``link_review``: a homophone or a damaged ID kept the
    score below the line).
    Whether that payment is theirs is for a county to confirm: until then such a student is no
    confirmed 漏助 (资助记录待确认 in :mod:`aidmatch.findings`)."""
    return """
    WITH payment_candidates AS (
        SELECT v.record_id, v.student_id, v.rank,
               -- candidates the row cannot tell apart (two 王芳 in one grade)
               count(*) OVER (PARTITION BY v.record_id, v.match_weight, v.name_score, v.strength)
                   AS alike
        FROM link_review v JOIN records r USING (record_id)
        WHERE r.source = 'aid' AND (r.semester = ? OR r.semester IS NULL)
          AND coalesce(r.amount, 1) > 0
    )
    SELECT student_id, list(record_id ORDER BY record_id) AS aid_records
    FROM payment_candidates
    WHERE rank = 1 AND alike = 1 AND student_id NOT IN (SELECT student_id FROM paid_students)
    GROUP BY student_id
    """


def gaps_sql() -> str:
    return f"""
    WITH expected AS ({expected_programmes_per_student('student_groups')}
    )
    SELECT s.*, sg.groups, sg.group_labels,
           concat_ws('；', sg.sources, s.county_source) AS sources,  -- where the 区县 came from
           sg.methods, sg.evidence_records,
           e.programmes AS expected_programmes, e.amount AS expected_amount
    FROM students s
    JOIN student_groups sg USING (student_id)
    LEFT JOIN expected e USING (student_id)
    WHERE s.enrolled AND s.student_id NOT IN (SELECT student_id FROM paid_students)
      AND s.student_id NOT IN (SELECT student_id FROM pending_payments)
    ORDER BY coalesce(s.county, ''), coalesce(s.school, ''), coalesce(s.grade, ''),
             coalesce(s.class_name, ''), s.name, s.student_id
    """


def _rule_tables(steps: Steps, rules: Rules, semester: Semester) -> None:
    groups = list(rules.policy.groups.values())
    steps.from_arrow("group_rules", pa.table({
        "group_id": [g.id for g in groups],
        "label": [g.label for g in groups],
        "source": [g.source for g in groups],
        "scope": [g.scope for g in groups],
        "enabled": [g.enabled for g in groups],
        "family_member_route": [g.family_member_route for g in groups],
    }))
    pairs = [(child, parent) for child, parents in rules.policy.household_parents.items()
             for parent in parents]
    steps.from_arrow("household_parents", pa.table({
        "child": pa.array([c for c, _ in pairs], pa.string()),
        "parent": pa.array([p for _, p in pairs], pa.string()),
    }))
    steps.from_arrow("expected_programmes", expected_programmes_table(rules, semester))


def expected_programmes_table(rules: Rules, semester: Semester) -> pa.Table:
    """The programmes in force in ``semester`` with their amount per semester (None: set
    locally), in the order of ``rules/programmes.yaml``."""
    rows: list[dict[str, object]] = []
    for order, programme in enumerate(rules.programmes.programmes.values()):
        rate = programme.rate_for(semester)
        if rate is None:
            continue
        rows.append({
            "programme_id": programme.id, "label": programme.label, "stage": programme.stage,
            "boarding": programme.boarding, "groups": list(programme.groups),
            "amount": rate.amount, "sort_order": order,
        })
    return pa.Table.from_pylist(rows, schema=pa.schema([
        ("programme_id", pa.string()), ("label", pa.string()), ("stage", pa.string()),
        ("boarding", pa.bool_()), ("groups", pa.list_(pa.string())),
        ("amount", pa.decimal128(14, 2)), ("sort_order", pa.int32()),
    ]))


def decide(steps: Steps, rules: Rules, semester: Semester) -> None:
    """Run the eligibility steps after linking."""
    _rule_tables(steps, rules, semester)
    steps.table("roster_rows", roster_rows_sql())
    sql, params = qualifying_records_sql(rules, semester)
    steps.table("qualifying_records", sql, params)
    match_persons(steps)
    parents = rules.policy
    steps.table("family_roles", family_roles_sql(),
                [list(parents.registry_parent_relations), list(parents.guardian_yes),
                 list(parents.registry_guardian_relations), list(parents.guardian_no),
                 list(parents.grandparent_relations),
                 parents.grandparents_guard_when_no_parent_listed])
    steps.table("roster_child_parents", roster_child_parents_sql(),
                [list(parents.spouse_relations)])
    steps.table("household_listings", household_listings_sql())
    steps.table("unlinked_household_members", unlinked_household_members_sql())
    steps.table("group_evidence_found", group_evidence_found_sql())
    steps.table("family_route_groups", family_route_groups_sql())
    steps.table("key_group_evidence", key_group_evidence_sql())
    steps.table("family_member_evidence", family_member_evidence_sql())
    steps.table("student_groups", student_groups_sql())
    steps.table("paid_students", paid_students_sql(), [semester.code])
    steps.table("pending_payments", pending_payments_sql(), [semester.code])
    steps.table("gaps", gaps_sql())


__all__ = ["decide"]
