"""An ID that contradicts its row: the same number, two different people — as named steps.

Rosters tie people who are not students (a parent on a 低保 roster, a parent's certificate) to a
student's registry family members by shared keys (``person_pairs`` in
:mod:`aidmatch.link.persons`). A shared ID is the strongest of those keys, but an ID cell can hold
someone else's number: domain.md lists "the number of a parent in the child's row" among the
ways hand-typed IDs go wrong. A 残联 row for a child that carries the mother's ID would otherwise
give the certificate to the mother, and her other children would become 残疾人子女.

So a pair found by the ID alone is the same person only when the names do not contradict each
other: a name that is the same, a homophone, similar in the probabilistic stage's strict sense (a
replaced rare character: ``features.name_pair_levels``) or missing on one side keeps the pair;
any other name (杨晨逸 / 王英 sound a little alike, and are two people) makes it a conflict. A conflict is evidence
for review (身份信息有误, with both people), never a link.

``person_pair_names``   name agreement of every pair found by the ID (scored in bulk, ``names.py``)
``id_conflicts``        the pairs whose names contradict: who the ID belongs to, whose row it is in
``person_matches``      ``person_pairs`` without the conflicts
"""

from __future__ import annotations

import pyarrow as pa

from aidmatch.link.features import name_pair_levels
from aidmatch.sql import NAME_LEVELS_AGREE, quoted_list
from aidmatch.steps import Steps


def id_pair_names_sql() -> str:
    """The pairs of ``person_pairs`` found by the ID, with both names."""
    return """
    WITH people AS (
        SELECT 'record' AS kind, record_id AS person, name_key FROM roster_rows
        UNION ALL
        SELECT 'family', family_id, name_key FROM family_completed
    )
    SELECT p.kind_a, p.person_a, p.person_b,
           coalesce(a.name_key, '') AS name_a, coalesce(b.name_key, '') AS name_b
    FROM person_pairs p
    JOIN people a ON a.kind = p.kind_a AND a.person = p.person_a
    JOIN roster_rows b ON b.record_id = p.person_b
    WHERE p.key_type = 'id'
    """


def id_conflicts_sql() -> str:
    agree = quoted_list(NAME_LEVELS_AGREE)  # not 'partial' or 'different'
    return f"""
    SELECT n.kind_a, n.person_a, n.person_b AS record_id, n.name_score, n.name_level,
           -- who the ID belongs to according to the other source, for the review list
           CASE WHEN n.kind_a = 'family'
                THEN '学籍中「' || coalesce(f.slot, '') || ' ' || coalesce(f.relation, '') || ' '
                     || coalesce(f.name, '') || '」'
                ELSE '「' || r.file
                     || CASE WHEN r.sheet <> '' THEN '（' || r.sheet || '）' ELSE '' END
                     || '第' || r.row || '行 ' || coalesce(r.name, '') || '」' END AS id_owner,
           rr.student_id AS owner_student_id
    FROM person_pair_names n
    LEFT JOIN family_completed f ON n.kind_a = 'family' AND f.family_id = n.person_a
    LEFT JOIN registry_rows rr ON rr.record_id = f.student_record_id
    LEFT JOIN roster_rows r ON n.kind_a = 'record' AND r.record_id = n.person_a
    WHERE n.name_level NOT IN ({agree})
    """


def person_matches_sql() -> str:
    return """
    SELECT p.* FROM person_pairs p
    ANTI JOIN id_conflicts c
      ON c.kind_a = p.kind_a AND c.person_a = p.person_a AND c.record_id = p.person_b
    """


def person_pair_names_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Pairs found by the ID with both names → with the names' agreement (score and level),
    row by row (:meth:`aidmatch.steps.Steps.scored`)."""
    levels, scores = name_pair_levels(batch.column("name_a").to_pylist(),
                                      batch.column("name_b").to_pylist())
    return pa.RecordBatch.from_arrays(
        [batch.column("kind_a"), batch.column("person_a"), batch.column("person_b"),
         pa.array(scores, pa.float64()), pa.array(levels, pa.string())],
        names=["kind_a", "person_a", "person_b", "name_score", "name_level"])


def drop_id_conflicts(steps: Steps) -> None:
    """``person_pairs`` → ``person_pair_names``, ``id_conflicts``, ``person_matches``."""
    steps.scored("person_pair_names", id_pair_names_sql(), person_pair_names_batch)
    steps.table("id_conflicts", id_conflicts_sql())
    steps.table("person_matches", person_matches_sql())
