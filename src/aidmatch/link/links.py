"""``links`` and ``link_review`` as unions of each linkage method's own tables, never edited.

Precedence: exact keys (``exact_links``), then the household (``household_links``), then
probability (``fuzzy_links``). Each later method considers only the records the earlier ones
left unlinked, so the unions are disjoint by record; the ``NOT IN`` filters state the precedence
rather than leave it to that.

``key_links``        exact and household links: what the probabilistic stage starts from
``key_review``       exact review records the household step did not link
``key_review_open``  of those, the records probability did not link either
``links_unweighted`` / ``review_unweighted``  the unions, before the model's weights
``links`` / ``link_review``  with each pair's weight from ``pair_evidence`` (``fuzzy.py``)
"""

from __future__ import annotations

from aidmatch.link import households
from aidmatch.steps import Steps


def key_links_sql(with_households: bool) -> str:
    if not with_households:
        return "SELECT * FROM exact_links"
    return f"""
    SELECT * FROM exact_links
    UNION ALL BY NAME
    SELECT record_id, student_id, ['{households.METHOD}'] AS via_labels,
           '{households.METHOD}' AS method_first, 2 AS strength, 1.0::DOUBLE AS name_score,
           'same' AS name_level, NULL::BIGINT AS id_points_to, through AS detail,
           NULL::DOUBLE AS match_weight
    FROM household_links
    WHERE record_id NOT IN (SELECT record_id FROM exact_links)
    """


def key_review_sql(with_households: bool) -> str:
    if not with_households:
        return "SELECT * FROM exact_review"
    return """
    SELECT * FROM exact_review
    WHERE record_id NOT IN (SELECT record_id FROM household_links)
    """


def link_by_keys(steps: Steps, with_households: bool) -> None:
    """``key_links`` and ``key_review`` from the exact (and household) steps' tables."""
    steps.table("key_links", key_links_sql(with_households))
    steps.table("key_review", key_review_sql(with_households))


def final_without_probability(steps: Steps) -> None:
    """``links`` and ``link_review`` of a run that links by keys only."""
    steps.table("links", "SELECT * FROM key_links")
    steps.table("link_review", "SELECT * FROM key_review")


def weighted_sql(table: str) -> str:
    """``table`` with each pair's weight from the model where it has one."""
    return f"""
    SELECT t.* REPLACE (coalesce(e.match_weight, t.match_weight) AS match_weight)
    FROM {table} t LEFT JOIN pair_evidence e USING (record_id, student_id)
    """
