"""``rules check`` and ``reconcile`` agree on every rules error.

Each case is one small mutation of the shipped rules. ``aidmatch rules check`` must report it
(exit 4, naming the file, the key and what is wrong), and ``aidmatch reconcile`` must stop on the
same message before reading any export: no output folder, no database. A rules value that only
fails after loading and linking would pass the first assertion and fail the second.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from aidmatch.cli import main
from tests.builders import SHIPPED_RULES, mutated_rules
from tests.conftest import write_mini_exports

# (case, file, shipped text, replacement, words the message must contain)
MUTATIONS = [
    # Moved from eligibility: a field the loaded rows do not keep, or keep as a date.
    ("exclude_when_dropped_field", "policy.yaml", "policy_status: [不享受", "village: [不享受",
     ["policy.yaml", "exclude_when.village", "字段不能用于排除条件", "可用"]),
    ("exclude_when_date_field", "policy.yaml", "risk_eliminated: [是]", "start_date: [2024]",
     ["policy.yaml", "exclude_when.start_date", "字段不能用于排除条件"]),
    ("exclude_when_unknown_field", "policy.yaml", "risk_eliminated: [是]", "risk_gone: [是]",
     ["policy.yaml", "exclude_when.risk_gone", "未知字段"]),
    ("policy_unknown_source", "policy.yaml", "source: child_welfare", "source: orphans",
     ["policy.yaml", "orphans", "未知名单"]),
    ("policy_unknown_key", "policy.yaml", "scope: household", "scop: household",
     ["policy.yaml", "scop", "未知的设置项"]),
    ("policy_bad_route", "policy.yaml", "family_member_route: candidate",
     "family_member_route: 待核实", ["policy.yaml", "family_member_route", "只能是 gap"]),
    ("policy_guardian_yes_and_no", "policy.yaml", "guardian_yes: [是,", "guardian_yes: [否, 是,",
     ["policy.yaml", "parents.guardian_yes", "同时列在"]),
    ("sources_unknown_field", "sources.yaml", "\n  name: [姓名,", "\n  nickname: [姓名,",
     ["sources.yaml", "fields.nickname", "未知字段名"]),
    ("programmes_unknown_stage", "programmes.yaml", "stage: 小学", "stage: 小学堂",
     ["programmes.yaml", "小学堂", "未定义的学段"]),
    ("programmes_negative_amount", "programmes.yaml", "amount: 375}", "amount: -375}",
     ["programmes.yaml", "amount", "不能为负数"]),
    ("linkage_block_size_not_integer", "linkage.yaml", "max_block_size: 300",
     "max_block_size: 2.5", ["linkage.yaml", "blocking.max_block_size", "应为整数"]),
    ("linkage_unknown_blocking_key", "linkage.yaml", "keys: [id_window,", "keys: [id_windows,",
     ["linkage.yaml", "blocking.keys", "id_windows"]),
    ("linkage_review_above_accept", "linkage.yaml", "review: 6", "review: 20",
     ["linkage.yaml", "thresholds.review", "不能高于接受线"]),
    ("review_comma_in_decision", "review.yaml", "decisions: [已更正, 无需处理, 待核实]",
     "decisions: [已更正, \"无需,处理\", 待核实]", ["review.yaml", "default.decisions", "英文逗号"]),
    ("review_unknown_finding", "review.yaml", "\n  漏助:\n", "\n  漏助们:\n",
     ["review.yaml", "findings.漏助们", "未知的核查项目"]),
    ("yaml_syntax", "programmes.yaml", "stage: 小学", "stage: [小学",
     ["programmes.yaml", "YAML 格式错误"]),
]


def _problem_lines(output: str, words: list[str]) -> list[str]:
    return [line.strip() for line in output.splitlines() if all(w in line for w in words[1:])]


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mini_exports(tmp_path_factory.mktemp("city") / "exports")


def test_the_shipped_rules_pass_both() -> None:
    assert CliRunner().invoke(main, ["rules", "check", "--rules", str(SHIPPED_RULES)]).exit_code == 0


@pytest.mark.parametrize(("file", "old", "new", "words"),
                         [pytest.param(*m[1:], id=m[0]) for m in MUTATIONS])
def test_rules_check_and_reconcile_agree(tmp_path: Path, exports: Path, file: str, old: str,
                                         new: str, words: list[str]) -> None:
    rules = mutated_rules(tmp_path / "rules", file, old, new)

    checked = CliRunner().invoke(main, ["rules", "check", "--rules", str(rules)])
    assert checked.exit_code == 4, checked.output
    assert "Traceback" not in checked.output
    for word in words:
        assert word in checked.output, (word, checked.output)
    problem = _problem_lines(checked.output, words)
    assert problem, checked.output

    out, db = tmp_path / "out", tmp_path / "run.duckdb"
    run = CliRunner().invoke(main, ["reconcile", "--input", str(exports), "--semester",
                                    "2025-spring", "--out", str(out), "--db", str(db),
                                    "--rules", str(rules)])
    assert run.exit_code == 4, run.output
    assert _problem_lines(run.output, words) == problem
    assert not out.exists()
    assert not db.exists()
