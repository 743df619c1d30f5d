"""Probabilistic linkage of the records exact keys left over, as named steps.

``fuzzy_pairs``      candidate pairs from the blocking keys (``blocking.py``)
``pair_features``    comparison levels (``features.py``) of those and of the exact links
``random_features``  the same for random pairs, to count u
``linkage_model``    the fitted m/u and weights per level (``model.py``)
``pair_scored``      every candidate pair with its match weight
``fuzzy_links``      the accepted ones; ``links`` is ``key_links`` and these (method 概率匹配)
then review rows for the undecided (``fuzzy_review``) join the open ``key_review`` in
``link_review`` (:mod:`aidmatch.link.links`), and ``pair_evidence`` holds the
comparison levels and weight of every link and every review pair (the evidence the outputs show).

A record links to its best candidate only when the weight reaches the accept threshold, the names
agree (same, homophone, placeholder, similar or no name), and the best other candidate whose name
also agrees is at least the margin behind: one record, one student; twins stay apart. In a roster
household that already lists the student, a second row with a name that is only close is a
sibling, not the student; and two rows of one household never both become the same student.
"""

from __future__ import annotations

import logging

import numpy as np
import pyarrow as pa

from aidmatch.config import Linkage
from aidmatch.link.blocking import BLOCKING_LABELS, block
from aidmatch.link.features import COMPARISONS, compare
from aidmatch.link.links import weighted_sql
from aidmatch.link.model import Model, fit
from aidmatch.sql import NAME_LEVELS_AGREE, labels_case, quoted_list
from aidmatch.steps import Steps

log = logging.getLogger(__name__)

METHOD = "概率匹配"
NAME_AGREES = quoted_list(NAME_LEVELS_AGREE)
REVIEW_REASONS = {
    "low": "概率匹配得分未达自动采纳线",
    "close": "两名候选学生得分接近，无法确定是谁",
    "name": "其他信息相符但姓名不符",
    "household": "同一户的名单中已有该学生，此人姓名只是相近（可能是兄弟姐妹）",
}


def _level_patterns(steps: Steps, sql: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The distinct combinations of comparison levels among the pairs ``sql`` selects, and how
    many pairs have each: all the model needs, a few hundred rows however many pairs there are."""
    columns = ", ".join(f'"{c}"' for c in COMPARISONS)
    table = steps.arrow(f"SELECT {columns}, count(*) AS pairs FROM ({sql}) "
                        f"GROUP BY ALL ORDER BY ALL")
    levels = {c: np.asarray(table.column(c).to_numpy(zero_copy_only=False), dtype=object)
              for c in COMPARISONS}
    return levels, np.asarray(table.column("pairs").to_numpy(), dtype=float)


def _random_pairs(steps: Steps, settings: Linkage) -> None:
    records = steps.arrow("SELECT record_id FROM fuzzy_records ORDER BY record_id")
    students = steps.arrow("SELECT student_id FROM fuzzy_students ORDER BY student_id")
    n = min(settings.random_pairs, records.num_rows * students.num_rows)
    rng = np.random.default_rng(settings.seed)
    record_ids = np.asarray(records.column("record_id").to_numpy())
    student_ids = np.asarray(students.column("student_id").to_numpy())
    pick_r = record_ids[rng.integers(0, len(record_ids), n)] if n else record_ids[:0]
    pick_s = student_ids[rng.integers(0, len(student_ids), n)] if n else student_ids[:0]
    # distinct pairs: a small run has few, and they must not count as many
    steps.from_arrow("random_sample", pa.table({"record_id": pick_r, "student_id": pick_s}))
    steps.table("random_pairs", "SELECT DISTINCT record_id, student_id FROM random_sample")


def _scored(steps: Steps, features: str, model: Model, into: str) -> None:
    steps.table(into, f"""
        SELECT *, round({model.weight_sql()}, 3) AS match_weight
        FROM {features} ORDER BY record_id, student_id""")


def fuzzy_ranked_sql() -> str:
    """Candidates best first; ``next_weight`` is the best *other* candidate whose name agrees."""
    return f"""
    WITH c AS (
        SELECT s.*, p.blocked_by, s.name IN ({NAME_AGREES}) AS name_agrees,
               row_number() OVER (PARTITION BY s.record_id
                                  ORDER BY s.match_weight DESC, s.student_id) AS rank
        FROM pair_scored s JOIN fuzzy_pairs p USING (record_id, student_id)
        WHERE NOT s.vetoed
    )
    SELECT c.*,
           max(match_weight) FILTER (WHERE name_agrees AND rank > 1)
               OVER (PARTITION BY record_id) AS next_weight
    FROM c
    """


def thresholds(settings: Linkage, *names: str) -> dict[str, float]:
    """linkage.yaml's thresholds as the named parameters ``$accept``, ``$review``, ``$margin``
    (values, never SQL text)."""
    return {name: float(getattr(settings, name)) for name in names}


def fuzzy_decisions_sql() -> str:
    """The best candidate of each record, with why it is not linked (NULL: linked): the names
    disagree, the runner-up is less than ``$margin`` behind, the weight is below ``$accept`` …"""
    return """
    WITH top AS (
        SELECT f.*, r.source, r.household_key FROM fuzzy_ranked f
        JOIN records r USING (record_id) WHERE f.rank = 1
    ),
    listed AS (  -- students an exact step already found in a roster household
        SELECT DISTINCT l.student_id, r.source, r.household_key FROM key_links l
        JOIN records r USING (record_id) WHERE r.household_key IS NOT NULL
    ),
    judged AS (
        SELECT t.*,
               CASE WHEN NOT t.name_agrees THEN 'name'
                    WHEN t.next_weight IS NOT NULL
                         AND t.match_weight - t.next_weight < $margin THEN 'close'
                    WHEN t.match_weight < $accept THEN 'low'
                    -- the student is already in this household listing, under their own name:
                    -- a second, merely similar name there is a brother or a sister
                    WHEN t.name NOT IN ('same', 'unknown') AND EXISTS (
                         SELECT 1 FROM listed k WHERE k.student_id = t.student_id
                            AND k.source = t.source AND k.household_key = t.household_key)
                         THEN 'household'
               END AS problem
        FROM top t
    )
    SELECT record_id, student_id, match_weight, next_weight, blocked_by, name, name_score,
           -- two rows of one household listing cannot both be the student: a person decides
           CASE WHEN problem IS NULL AND household_key IS NOT NULL
                 AND count(*) FILTER (WHERE problem IS NULL)
                     OVER (PARTITION BY student_id, source, household_key) > 1
                THEN 'household' ELSE problem END AS problem
    FROM judged
    """


def links_unweighted_sql() -> str:
    """The links by keys, then the probabilistic links of the records they left (precedence:
    a record linked by a key is never linked again)."""
    return f"""
    SELECT * FROM key_links
    UNION ALL BY NAME
    SELECT record_id, student_id,
           list_transform(blocked_by, lambda k: {_label_case('k')}) AS via_labels,
           '{METHOD}' AS method_first, 1 AS strength, name_score, name AS name_level,
           NULL::BIGINT AS id_points_to, NULL::VARCHAR AS detail, match_weight
    FROM fuzzy_links
    WHERE record_id NOT IN (SELECT record_id FROM key_links)
    """


def fuzzy_review_sql() -> str:
    """Up to three candidates of each undecided record whose weight reaches ``$review``."""
    return f"""
    SELECT f.record_id, f.student_id, f.rank, f.name_score, f.name AS name_level,
           1 AS strength,
           list_transform(f.blocked_by, lambda k: {_label_case('k')}) AS via_labels,
           d.reason, f.match_weight
    FROM fuzzy_ranked f
    JOIN (SELECT record_id, {labels_case('problem', REVIEW_REASONS, keep_others=False)} AS reason
          FROM fuzzy_decisions WHERE problem IS NOT NULL) d USING (record_id)
    WHERE f.rank <= 3 AND f.match_weight >= $review
      -- a candidate whose name is nothing like the record's is another person: digits shared by
      -- chance (a birth date and county) are no reason to make a clerk look
      AND f.name <> 'different'
      AND f.record_id NOT IN (SELECT record_id FROM key_review_open)
    """


def _label_case(column: str) -> str:
    return labels_case(column, BLOCKING_LABELS)


def link_fuzzy(steps: Steps, settings: Linkage) -> Model:
    """Find, score and decide candidates for the records ``key_links`` left unlinked; create
    ``links`` and ``link_review`` as the unions of the key and probabilistic tables."""
    block(steps, settings.blocking_keys, settings.max_block_size)
    for key_type, pairs, records, only in steps.rows("SELECT * FROM blocking_counts"):
        log.info("分块键 %s：%d 对候选（%d 条记录，其中 %d 对仅由此键产生）",
                 BLOCKING_LABELS.get(key_type, key_type), pairs, records, only)
    # The model is fitted on every candidate pair: the exact stage's links and the new ones.
    steps.table("candidate_pairs", """
        SELECT record_id, student_id FROM key_links
        UNION SELECT record_id, student_id FROM fuzzy_pairs""")
    compare(steps, "candidate_pairs", "pair_features")
    _random_pairs(steps, settings)
    compare(steps, "random_pairs", "random_features")
    training, training_counts = _level_patterns(
        steps, "SELECT * FROM pair_features "
               "WHERE NOT vetoed AND name NOT IN ('different', 'partial')")
    random, random_counts = _level_patterns(steps, "SELECT * FROM random_features")
    model = fit(training, random, settings.max_iterations,
                excluded={"name": frozenset({"different", "partial"})},
                training_counts=training_counts, random_counts=random_counts)
    steps.from_arrow("linkage_model", model.table())
    log.info("概率模型：%d 对候选参与估计，%d 对随机对照，迭代 %d 次，估计匹配比例 %.3f",
             model.training_pairs, model.random_pairs, model.iterations, model.match_share)
    _scored(steps, "pair_features", model, "pair_scored")
    steps.table("fuzzy_ranked", fuzzy_ranked_sql())
    steps.table("fuzzy_decisions", fuzzy_decisions_sql(),
                thresholds(settings, "accept", "margin"))
    steps.table("fuzzy_links", "SELECT * FROM fuzzy_decisions WHERE problem IS NULL")
    steps.table("links_unweighted", links_unweighted_sql())
    steps.table("key_review_open", """
        SELECT * FROM key_review WHERE record_id NOT IN (SELECT record_id FROM fuzzy_links)""")
    steps.table("fuzzy_review", fuzzy_review_sql(), thresholds(settings, "review"))
    steps.table("review_unweighted", """
        SELECT * FROM key_review_open
        UNION ALL BY NAME SELECT * FROM fuzzy_review
        WHERE record_id NOT IN (SELECT record_id FROM key_review_open)""")
    _evidence(steps, model)
    return model


def _evidence(steps: Steps, model: Model) -> None:
    """Comparison levels and weight of every link and review pair, for the outputs."""
    steps.table("review_pairs", """
        SELECT DISTINCT record_id, student_id FROM review_unweighted
        WHERE (record_id, student_id) NOT IN (SELECT (record_id, student_id) FROM pair_scored)""")
    compare(steps, "review_pairs", "review_features")
    _scored(steps, "review_features", model, "review_scored")
    steps.table("pair_evidence", """
        SELECT * FROM pair_scored
        WHERE record_id IN (SELECT record_id FROM links_unweighted)
           OR record_id IN (SELECT record_id FROM review_unweighted)
        UNION ALL SELECT * FROM review_scored""")
    steps.table("links", weighted_sql("links_unweighted"))
    steps.table("link_review", weighted_sql("review_unweighted"))
