"""Roster persons who are not students — parents, household members, a parent's certificate —
matched to the registry's family members and to each other, as named DuckDB steps.

This is linkage, not policy: whether a matched person counts as a parent or guardian, and what
that gives a student, stays in :mod:`aidmatch.eligibility`. The keys and comparisons are
``link/``'s own (``digits_apart`` from :mod:`aidmatch.link.exact`, the name agreement of
:mod:`aidmatch.link.conflicts`).

``family_completed``   registry family members, a missing ID completed from a sibling's row
``identity_keys``      keys for matching people who are not students (a parent on a roster):
                       the valid ID, the first 15 digits + name (survives precision loss), name +
                       birth date (with the ID cells at most two digits apart: a typo), name +
                       a broken 18-digit number at most two digits from a family member's ID
``person_pairs``       pairs of roster records and registry family members sharing a key
``person_pair_names``, ``id_conflicts``, ``person_matches``
                       those that are one person: a pair found by the ID alone whose names
                       contradict is a conflict for review, not a match (``link/conflicts.py``)
"""

from __future__ import annotations

from aidmatch.link.conflicts import drop_id_conflicts
from aidmatch.sql import digits_apart, is_id18, usable_name
from aidmatch.steps import Steps


def family_completed_sql() -> str:
    """Registry family members with their ID completed from a sibling's registry row.

    Two students are siblings here when their rows list a family member with the same valid ID
    (the mother, say). A member with no usable ID on one row (the father, ID blank) takes the
    valid ID that the sibling's row gives a member of exactly the same name — when that is one
    ID only. The row keeps its own ID whenever it has one.
    """
    return f"""
    WITH fam AS (
        SELECT f.*, rr.student_id FROM family f
        JOIN registry_rows rr ON rr.record_id = f.student_record_id
    ),
    siblings AS (
        SELECT DISTINCT a.student_id AS student, b.student_id AS sibling
        FROM fam a JOIN fam b ON a.id = b.id AND a.student_id <> b.student_id
        WHERE a.id IS NOT NULL
    ),
    fill AS (
        SELECT m.family_id, min(o.id) AS id, count(DISTINCT o.id) AS options
        FROM fam m
        JOIN siblings sb ON sb.student = m.student_id
        JOIN fam o ON o.student_id = sb.sibling AND o.name_key = m.name_key AND o.id IS NOT NULL
        WHERE m.id IS NULL AND {usable_name('m.name_key')}
        GROUP BY m.family_id
    )
    SELECT f.* REPLACE (
               coalesce(f.id, fill.id) AS id,
               CASE WHEN fill.id IS NOT NULL THEN 'valid' ELSE f.id_status END AS id_status,
               coalesce(fill.id, f.id_prefix) AS id_prefix,
               coalesce(fill.id, f.id_compact) AS id_compact,
               coalesce(f.birth_date, strptime(substr(fill.id, 7, 8), '%Y%m%d')::DATE)
                   AS birth_date),
           fill.id IS NOT NULL AS id_from_sibling
    FROM family f LEFT JOIN fill ON fill.family_id = f.family_id AND fill.options = 1
    """


def identity_keys_sql() -> str:
    """Keys for recognising one person across rosters and the registry's family columns: the ID;
    the first 15 digits + name (survives precision loss); name + birth date, which only counts
    when the two ID cells are at most two digits apart (see ``person_matches``); the name with
    an 18-digit number that is no valid ID, at most two digits from a valid one — a slip in the
    roster's number or in the registry's."""
    return f"""
    WITH people AS (
        SELECT 'record' AS kind, record_id AS person, id, id_status, id_prefix, id_compact,
               birth_date, name_key
        FROM roster_rows
        UNION ALL
        -- the digits compared with a damaged roster ID: the valid ID (a 15-digit number
        -- upgraded), not the cell as typed
        SELECT 'family', family_id, id, id_status, id_prefix, coalesce(id, id_compact), birth_date,
               name_key
        FROM family_completed
    ),
    named AS (
        SELECT * FROM people WHERE {usable_name()}
    )
    SELECT kind, person, 'id' AS key_type, id AS key, id_compact AS compact
    FROM people WHERE id IS NOT NULL
    UNION ALL
    SELECT kind, person, 'prefix_name', left(coalesce(id, id_prefix), 15) || '|' || name_key,
           id_compact
    FROM named
    WHERE id IS NOT NULL OR (id_status = 'precision_lost' AND length(id_prefix) = 15)
    UNION ALL
    SELECT kind, person, 'name_birth', name_key || '|' || CAST(birth_date AS VARCHAR), id_compact
    FROM named WHERE birth_date IS NOT NULL
    UNION ALL
    -- an 18-digit number that is not a valid ID (a digit mistyped, two swapped: a 残疾人证号 in a
    -- list without an ID column), a slip that may sit in the birth date: the name, with the
    -- digits at most two apart from a registry family member's valid ID
    SELECT kind, person, 'name_digits', name_key, id_compact FROM named
    WHERE (kind = 'family' AND id IS NOT NULL)
       OR (kind = 'record' AND id IS NULL AND id_status <> 'precision_lost'
           AND {is_id18('id_compact')})
    UNION ALL
    -- the same slip on the registry's side: a family member's 18 digits that are no valid ID
    -- (a digit mistyped in the registry) with the name, against a roster's valid ID (keys of
    -- their own, so two valid IDs are never matched by their digits)
    SELECT kind, person, 'name_digits', 'slip|' || name_key, id_compact FROM named
    WHERE (kind = 'family' AND id IS NULL AND id_status <> 'precision_lost'
           AND {is_id18('id_compact')})
       OR (kind = 'record' AND id IS NOT NULL)
    """


def person_pairs_sql() -> str:
    """Pairs of (kind, person) and a roster record that are the same person by a shared key:
    a registry family member or another roster record with the roster record. (Pairs of two
    family members — siblings' shared parents — are half of all pairs and serve nothing.)"""
    close = digits_apart("a.compact", "b.compact")
    return f"""
    SELECT a.kind AS kind_a, a.person AS person_a, b.kind AS kind_b, b.person AS person_b,
           -- the strongest key names the match (name + birth date before name + digits): one
           -- order for every key, so the evidence text does not depend on thread order
           -- (arg_min, not an ordered aggregate: DuckDB sorts every group for those)
           arg_min(a.key_type, CASE a.key_type WHEN 'id' THEN 0 WHEN 'prefix_name' THEN 1
                                    WHEN 'name_birth' THEN 2 ELSE 3 END) AS key_type
    FROM identity_keys a
    JOIN (SELECT * FROM identity_keys WHERE kind = 'record') b
      ON a.key_type = b.key_type AND a.key = b.key
    WHERE NOT (a.kind = b.kind AND a.person = b.person)
      AND NOT (a.kind = 'record' AND starts_with(a.key, 'slip|'))
      AND (a.key_type NOT IN ('name_birth', 'name_digits') OR {close} <= 2)
    GROUP BY ALL
    """


def match_persons(steps: Steps) -> None:
    """``registry_rows``, ``family``, ``roster_rows`` → ``family_completed``, ``identity_keys``,
    ``person_pairs``, ``person_pair_names``, ``id_conflicts``, ``person_matches``."""
    steps.table("family_completed", family_completed_sql())
    steps.table("identity_keys", identity_keys_sql())
    steps.table("person_pairs", person_pairs_sql())
    drop_id_conflicts(steps)


__all__ = ["family_completed_sql", "identity_keys_sql", "match_persons", "person_pairs_sql"]
