"""Recognising a household roster's member through their household, when their own ID is of no
use (a whole file of IDs shown as ``6.11022E+17``, a blank, a typo).

A roster record R is linked to registry student S when, exactly:

- R's name is S's name, and
- another member M of R's household has the name of one of S's registry family members F
  (成员N, 父亲, 监护人 …), and
- nothing contradicts it: M's and F's IDs (when both are known) are the same person's, R's ID
  (valid, precision-lost or broken) is S's or within two digits of it or one of S's family
  members' (a parent's ID in the child's row), R's birth date (when R has no valid ID) is S's,
- and it is the only such student for R, and R the only such record for S in that household.

Two names agreeing inside one household — the child's and a parent's — is evidence no VLOOKUP can
use and a coincidence cannot fake. Steps: ``household_candidates``, ``household_links`` (part of
``links`` with the method 同户成员姓名: :mod:`aidmatch.link.links`).
"""

from __future__ import annotations

from aidmatch.sql import digits_apart, usable_name
from aidmatch.steps import Steps

METHOD = "同户成员姓名"


_NAMED = f"""
    named AS (
        SELECT * FROM records
        WHERE source NOT IN ('registry', 'aid') AND household_key IS NOT NULL
          AND {usable_name()}
    ),
    family_of AS (
        SELECT rr.student_id, f.family_id, f.slot, f.relation, f.name, f.name_key, f.id
        FROM family f JOIN registry_rows rr ON rr.record_id = f.student_record_id
        WHERE {usable_name('f.name_key')}
    )"""


def household_housemates_sql() -> str:
    """Each unlinked roster record with a usable name, and every other member of its household
    (in the same roster) with a usable name."""
    return f"""
    WITH {_NAMED},
    unlinked AS (
        SELECT record_id, source, household_key, name_key FROM named
        WHERE record_id NOT IN (SELECT record_id FROM exact_links)
    )
    SELECT u.record_id, m.record_id AS member_id, u.name_key, m.name_key AS member_name_key
    FROM unlinked u
    JOIN named m ON m.source = u.source AND m.household_key = u.household_key
                AND m.record_id <> u.record_id
    """


def household_student_family_sql() -> str:
    """Each student's name with each of their registry family members' usable names."""
    return f"""
    WITH {_NAMED}
    SELECT s.student_id, s.name_key, fa.family_id, fa.name_key AS family_name_key
    FROM students s JOIN family_of fa USING (student_id)
    """


def household_name_pairs_sql() -> str:
    """Unlinked roster records whose name is a student's while another member of their
    household has the name of one of that student's family members: both names matched in one
    join of two materialised steps. Joining on the record's name alone pairs every record with
    every student of that name — quadratic in a province, and a planner that sees the whole
    query does exactly that (27M rows at 2M students, against 65k in the answer)."""
    return """
    SELECT h.record_id, h.member_id, sf.student_id, sf.family_id
    FROM household_housemates h
    JOIN household_student_family sf ON sf.name_key = h.name_key
                                    AND sf.family_name_key = h.member_name_key
    """


def household_candidates_sql() -> str:
    """The name pairs that nothing contradicts (IDs, precision-lost prefixes, birth dates)."""
    return f"""
    WITH {_NAMED},
    family_ids AS (
        SELECT DISTINCT student_id, id FROM family_of
        WHERE id IS NOT NULL AND student_id IN (SELECT student_id FROM household_name_pairs)
    )
    SELECT u.record_id, s.student_id, m.record_id AS member_id, fa.slot,
           coalesce(fa.relation, '') AS family_relation, fa.name AS family_name
    FROM household_name_pairs np
    JOIN named u ON u.record_id = np.record_id
    JOIN students s ON s.student_id = np.student_id
    JOIN family_of fa ON fa.family_id = np.family_id AND fa.student_id = np.student_id
    JOIN named m ON m.record_id = np.member_id
    WHERE NOT (m.id IS NOT NULL AND fa.id IS NOT NULL AND m.id <> fa.id)
      AND NOT (m.id_status = 'precision_lost' AND fa.id IS NOT NULL
               AND NOT starts_with(fa.id, m.id_prefix))
      AND NOT (u.id IS NOT NULL AND s.id IS NOT NULL AND u.id <> s.id
               AND NOT EXISTS (SELECT 1 FROM family_ids fi
                               WHERE fi.student_id = s.student_id AND fi.id = u.id))
      AND NOT (u.id_status = 'precision_lost' AND s.id IS NOT NULL
               AND NOT starts_with(s.id, u.id_prefix))
      AND NOT (u.id_status = 'bad_checksum' AND s.id IS NOT NULL
               AND {digits_apart('u.id_compact', 's.id')} > 2)
      AND NOT (u.id IS NULL AND u.birth_date IS NOT NULL AND s.birth_date IS NOT NULL
               AND u.birth_date <> s.birth_date)
    """


def household_links_sql() -> str:
    return """
    WITH pairs AS (
        SELECT record_id, student_id,
               arg_min(trim(slot || ' ' || family_relation || ' ' || family_name),
                       member_id) AS through
        FROM household_candidates GROUP BY record_id, student_id
    ),
    one_student AS (
        SELECT record_id FROM pairs GROUP BY record_id HAVING count(*) = 1
    ),
    one_record AS (
        SELECT p.student_id, r.source, r.household_key FROM pairs p
        JOIN records r USING (record_id)
        GROUP BY p.student_id, r.source, r.household_key HAVING count(*) = 1
    )
    SELECT p.record_id, p.student_id, p.through
    FROM pairs p
    JOIN records r USING (record_id)
    JOIN one_student USING (record_id)
    JOIN one_record o ON o.student_id = p.student_id AND o.source = r.source
                     AND o.household_key = r.household_key
    """


def link_households(steps: Steps) -> None:
    """Household-inferred links of records the exact steps left unlinked
    (``household_links``; :mod:`aidmatch.link.links` adds them to ``links``)."""
    steps.table("household_housemates", household_housemates_sql())
    steps.table("household_student_family", household_student_family_sql())
    steps.table("household_name_pairs", household_name_pairs_sql())
    steps.table("household_candidates", household_candidates_sql())
    steps.table("household_links", household_links_sql())
