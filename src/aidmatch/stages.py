"""The stages of a reconciliation after the files are read, as data (:mod:`aidmatch.runner`).

Read top to bottom this is the pipeline: stage the loaded rows, link them to the registry
(exact keys and households, then by name and other details), decide the gaps, find the other
problems and account for every input row. Each stage names the tables it reads and creates;
:func:`plan` is the list a run follows. ``aidmatch reconcile --explain`` prints it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa

from aidmatch.accounting import SheetAccount, account
from aidmatch.config import Rules
from aidmatch.eligibility import decide
from aidmatch.findings import find
from aidmatch.link.exact import link_exact
from aidmatch.link.fuzzy import link_fuzzy
from aidmatch.link.households import link_households
from aidmatch.link.links import link_by_keys
from aidmatch.runner import Stage, StageTime
from aidmatch.semester import Semester
from aidmatch.sources import LoadResult
from aidmatch.sources.loader import LOADED_FAMILY_SCHEMA, LOADED_RECORD_SCHEMA
from aidmatch.steps import Steps

# What the user reads for each stage of a run: what the stage does in the words of the job (the
# steps inside a stage are counted, never named: their names are the code's). ``rules``, ``load``,
# ``outputs`` and ``store`` are the run's own plumbing around the declared stages.
STAGE_LABELS = {"load": "读取文件", "stage": "整理数据", "link": "与学籍比对",
                "fuzzy": "按姓名等信息比对", "decide": "判定漏助", "findings": "查找其他问题",
                "outputs": "写出结果", "store": "保存到数据库"}


@dataclass
class Work:
    """What the stages work from, and what they hand back beyond tables."""

    rules: Rules
    semester: Semester
    loaded: LoadResult
    record_batches: list[pa.RecordBatch] = field(default_factory=list)
    family_batches: list[pa.RecordBatch] = field(default_factory=list)
    secret: Callable[[], str | None] = lambda: None  # keys the case numbers (the database's)
    accounts: list[SheetAccount] = field(default_factory=list)


def _stage_inputs(steps: Steps, work: Work) -> None:
    stage_inputs(steps, work.record_batches, work.family_batches)


def _link_by_keys(steps: Steps, work: Work) -> None:
    link_exact(steps, work.rules)
    link_households(steps)
    link_by_keys(steps, with_households=True)


def _link_fuzzy(steps: Steps, work: Work) -> None:
    link_fuzzy(steps, work.rules.linkage)


def _decide(steps: Steps, work: Work) -> None:
    decide(steps, work.rules, work.semester)


def _find_and_account(steps: Steps, work: Work) -> None:
    find(steps, work.rules, work.semester, work.secret())
    extraction_rejects = Counter((r.file_id, r.sheet) for r in work.loaded.rejects)
    work.accounts = account(steps, work.semester, work.loaded.sheets, dict(extraction_rejects))


def _features(into: str) -> tuple[str, ...]:
    """The tables ``link.features.compare`` makes for one set of pairs, in its order."""
    parts = ("family_match", "household_match", "parent_conflicts", "fields", "names", "ids")
    return (*(f"{into}_{part}" for part in parts), into)


# The tables each stage creates, in the order its steps make them. ``blocking_*`` is one table
# per blocking key of rules/linkage.yaml (and the household-name key's own tables).
INPUTS = ("records", "family")
EXACT = (
    "school_counties", "students", "registry_rows", "roster_parents", "registry_parents",
    "household_family", "registry_key_fields", "student_keys", "record_keys", "key_pairs",
    "key_pair_parent_conflicts", "candidates", "candidate_names",
    "ranked", "exact_links", "exact_review",
)
HOUSEHOLDS = (
    "household_housemates", "household_student_family", "household_name_pairs",
    "household_candidates", "household_links",
)
KEY_LINKS = ("key_links", "key_review")
LINKS = ("links", "link_review")
FUZZY = (
    "compare_records", "fuzzy_records", "fuzzy_students", "family_members", "family_ids",
    "name_pinyin", "household_mates", "blocking_*", "blocking_raw", "blocking_keys",
    "fuzzy_pairs", "blocking_counts", "candidate_pairs",
    *_features("pair_features"),
    "random_sample", "random_pairs", *_features("random_features"),
    "linkage_model", "pair_scored", "fuzzy_ranked",
    "fuzzy_decisions", "fuzzy_links", "links_unweighted", "key_review_open", "fuzzy_review",
    "review_unweighted", "review_pairs", *_features("review_features"),
    "review_scored", "pair_evidence", *LINKS,
)
DECIDE = (
    "roster_child_parents", "group_rules", "household_parents", "expected_programmes",
    "roster_rows", "qualifying_records", "family_completed", "identity_keys", "person_pairs",
    "person_pair_names", "id_conflicts", "person_matches", "family_roles", "household_listings",
    "unlinked_household_members", "group_evidence_found", "family_route_groups",
    "key_group_evidence", "family_member_evidence", "student_groups", "paid_students",
    "pending_payments", "gaps",
)
FINDINGS = (
    "programme_names", "semester_payments", "finding_gaps", "finding_pending_payment",
    "finding_family_member_listed",
    "finding_not_enrolled", "finding_duplicates", "finding_wrong_standard", "identity_problems",
    "finding_identity", "data_quality", "finding_candidates", "cases", "record_states",
    "row_states",
)

STAGE = Stage[Work]("stage", STAGE_LABELS["stage"], (), INPUTS, _stage_inputs, counts="records")
LINK = Stage[Work]("link", STAGE_LABELS["link"], INPUTS, EXACT + HOUSEHOLDS + KEY_LINKS,
                   _link_by_keys, counts="key_links", final=("records", "family", "students"))
FUZZY_STAGE = Stage[Work](
    "fuzzy", STAGE_LABELS["fuzzy"],
    ("records", "family", "students", "registry_rows", "roster_parents", "registry_parents",
     "household_family", "candidates", *KEY_LINKS),
    FUZZY, _link_fuzzy, counts="fuzzy_pairs", final=LINKS)
DECIDE_STAGE = Stage[Work](
    "decide", STAGE_LABELS["decide"],
    ("records", "family", "students", "registry_rows", "links", "link_review"),
    DECIDE, _decide, counts="gaps")
FINDINGS_STAGE = Stage[Work](
    "findings", STAGE_LABELS["findings"],
    ("records", "students", "links", "link_review", "group_rules", "expected_programmes",
     "id_conflicts", "family_member_evidence", "student_groups", "paid_students", "pending_payments",
     "gaps"),
    FINDINGS, _find_and_account, counts="cases")


def plan() -> list[Stage[Work]]:
    """The declared stages of a run. (Benchmarks run variants with less linkage through
    :func:`aidmatch.pipeline.reconcile`'s ``stages``: :mod:`aidmatch.bench.linkers`.)"""
    return [STAGE, LINK, FUZZY_STAGE, DECIDE_STAGE, FINDINGS_STAGE]


def stage_inputs(steps: Steps, records: pa.Table | list[pa.RecordBatch],
                 family: pa.Table | list[pa.RecordBatch]) -> None:
    """The loaded records and registry family rows as the tables every later step reads
    (``records``, and ``family`` with a ``family_id`` per row). Lists of batches are emptied
    as they are copied, so a caller that holds nothing else frees them on the way."""
    record_batches = records.to_batches() if isinstance(records, pa.Table) else records
    family_batches = family.to_batches() if isinstance(family, pa.Table) else family
    record_schema = records.schema if isinstance(records, pa.Table) else _schema_of(
        record_batches, LOADED_RECORD_SCHEMA)
    family_schema = family.schema if isinstance(family, pa.Table) else _schema_of(
        family_batches, LOADED_FAMILY_SCHEMA)
    steps.from_batches("records", record_schema, record_batches)
    numbered: list[pa.RecordBatch] = []
    first = 1
    for batch in family_batches:
        numbered.append(batch.append_column(
            "family_id", pa.array(range(first, first + batch.num_rows), pa.int64())))
        first += batch.num_rows
    family_batches.clear()
    steps.from_batches("family", family_schema.append(pa.field("family_id", pa.int64())),
                       numbered)


def _schema_of(batches: list[pa.RecordBatch], default: pa.Schema) -> pa.Schema:
    return batches[0].schema if batches else default


def _names(tables: tuple[str, ...]) -> str:
    return "、".join(tables) if tables else "—"


def explain_plan(stages: list[Stage[Work]]) -> str:
    """The plan as a user reads it: each stage, what it reads, creates and changes."""
    lines = ["处理计划（读取文件之后、写出结果之前的各阶段）："]
    for number, stage in enumerate(stages, 1):
        lines.append(f"{number}. {stage.label}（{stage.name}）")
        lines.append(f"   读取：{_names(stage.reads)}")
        lines.append(f"   生成：{_names(stage.creates)}")
        if stage.final:
            lines.append(f"   此后定稿（交给数据库）：{_names(stage.final)}")
    return "\n".join(lines)


def explain_times(times: list[StageTime], stages: list[Stage[Work]]) -> str:
    """Rows and time per stage of a finished run, the run's own stages included; a declared
    stage's rows are those of the table it counts (``Stage.counts``)."""
    labels = {"rules": "检查规则", **STAGE_LABELS}
    counted = {"load": "读入记录", "outputs": "漏助",
               **{stage.name: stage.counts for stage in stages if stage.counts}}
    lines = ["各阶段用时："]
    for lap in times:
        rows = f"{counted[lap.name]} {lap.rows} 行，" if lap.name in counted else ""
        lines.append(f"{labels.get(lap.name, lap.name)}（{lap.name}）：{lap.seconds:.2f} 秒，"
                     f"{rows}CPU {lap.cpu_seconds:.2f} 秒，"
                     f"内存峰值 {lap.peak_rss / 2**20:.0f} MB")
    return "\n".join(lines)


def readme_table(stages: list[Stage[Work]]) -> str:
    """The README's "A run, stage by stage" table, generated from the declarations."""
    def code(tables: tuple[str, ...]) -> str:
        return ", ".join(f"`{t}`" for t in tables) or "—"

    rows = ["| stage | 用户看到 | reads | creates |", "|---|---|---|---|"]
    for stage in stages:
        rows.append(f"| `{stage.name}` | {stage.label} | {code(stage.reads)} | "
                    f"{code(stage.creates)} |")
    return "\n".join(rows)
