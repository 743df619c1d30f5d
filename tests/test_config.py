"""aidmatch.config: rules/*.yaml validated up front, every problem reported at once."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from aidmatch.cli import main
from aidmatch.config import (
    RULE_FILES,
    Linkage,
    Programme,
    Rate,
    Rules,
    default_rules_dir,
    load_rules,
)
from aidmatch.errors import ConfigError, ConfigProblems
from aidmatch.normalize.values import header_label
from aidmatch.semester import Semester

PROJECT_RULES = Path(__file__).resolve().parents[1] / "rules"
CJK = re.compile(r"[\u4e00-\u9fff]")

RulesData = dict[str, dict[str, Any]]


def write_rules(tmp_path: Path, change: Callable[[RulesData], None] | None = None) -> Path:
    """A copy of the project's rules, optionally changed as data and written back."""
    target = tmp_path / "rules"
    shutil.copytree(PROJECT_RULES, target)
    if change is not None:
        data = {name: yaml.safe_load((target / name).read_text(encoding="utf-8"))
                for name in RULE_FILES}
        change(data)
        for name, content in data.items():
            (target / name).write_text(yaml.safe_dump(content, allow_unicode=True,
                                                      sort_keys=False), encoding="utf-8")
    return target


def problems_of(directory: Path) -> list[ConfigError]:
    with pytest.raises(ConfigProblems) as caught:
        load_rules(directory)
    assert caught.value.exit_code == 4
    return caught.value.problems  # type: ignore[return-value]


def file_and_path(problem: ConfigError) -> tuple[str, str]:
    """(rules file name, key path the message starts with)."""
    assert problem.location.file is not None
    return Path(problem.location.file).name, problem.message.split("：", 1)[0]


# ---------------------------------------------------------------------------------------------
# The project's rules


def test_project_rules_load() -> None:
    rules = load_rules()
    assert isinstance(rules, Rules)
    assert rules.directory.resolve() == default_rules_dir().resolve() == PROJECT_RULES
    assert re.fullmatch(r"[0-9a-f]{12}", rules.fingerprint)
    assert "sources" in rules.version and "policy" in rules.version
    assert {"registry", "aid"} <= set(rules.sources.sources)
    assert rules.policy.enabled_groups
    assert rules.programmes.programmes
    for group in rules.policy.groups.values():
        assert group.source in rules.sources.sources
        assert set(group.categories) <= set(rules.sources.sources[group.source].categories)
    for programme in rules.programmes.programmes.values():
        assert programme.stage in rules.programmes.stages
        assert programme.rates
        assert all(rate.amount is None or rate.amount >= 0 for rate in programme.rates)
        assert set(programme.groups) <= set(rules.policy.groups)


def test_every_synonym_maps_back_to_its_field() -> None:
    rules = load_rules()
    data = yaml.safe_load((PROJECT_RULES / "sources.yaml").read_text(encoding="utf-8"))
    for field_name, labels in data["fields"].items():
        for label in labels:
            assert rules.sources.synonyms[header_label(label)] == field_name, label


def test_a_copy_loads_with_the_same_fingerprint(tmp_path: Path) -> None:
    assert load_rules(write_rules(tmp_path)).fingerprint == load_rules().fingerprint


def test_fingerprint_follows_the_content(tmp_path: Path) -> None:
    directory = write_rules(tmp_path)
    with (directory / "policy.yaml").open("a", encoding="utf-8") as handle:
        handle.write("\n# a comment changes the fingerprint too\n")
    assert load_rules(directory).fingerprint != load_rules().fingerprint


def test_rate_for_takes_the_latest_rate_in_force() -> None:
    programme = Programme(
        id="day_subsidy_primary", label="义务教育家庭经济困难非寄宿生生活补助", stage="小学",
        boarding=False, groups=(),
        rates=(Rate(Semester(2019, "autumn"), Decimal("250")),
               Rate(Semester(2024, "spring"), Decimal("312.5"))))

    def amount(year: int, term: str) -> Decimal | None:
        rate = programme.rate_for(Semester(year, term))  # type: ignore[arg-type]
        assert rate is not None
        return rate.amount

    assert programme.rate_for(Semester(2019, "spring")) is None  # before the first rate
    assert amount(2019, "autumn") == amount(2023, "autumn") == Decimal("250")
    assert amount(2024, "spring") == amount(2030, "autumn") == Decimal("312.5")


# ---------------------------------------------------------------------------------------------
# Broken rules


def break_sources_and_policy(data: RulesData) -> None:
    registry = data["sources.yaml"]["sources"]["registry"]
    registry["keywrods"] = registry.pop("keywords")  # a typo in a key
    data["sources.yaml"]["sources"]["aid"]["required"].append("amonut")  # an unknown field
    data["policy.yaml"]["groups"]["orphan"]["source"] = "child_welfar"  # an unknown source
    data["policy.yaml"]["groups"]["extreme_poverty"]["categories"] = ["特困人员"]  # not defined


def break_programmes(data: RulesData) -> None:
    programmes = data["programmes.yaml"]["programmes"]
    programmes["boarding_subsidy_primary"]["rates"][0]["from"] = "2024-summer"
    programmes["day_subsidy_junior"]["rates"][0]["amount"] = -375


def expected_sources_and_policy(data: RulesData) -> set[tuple[str, str]]:
    required = len(data["sources.yaml"]["sources"]["aid"]["required"])
    return {
        ("sources.yaml", "sources.registry.keywrods"),
        ("sources.yaml", f"sources.aid.required[{required}]"),
        ("policy.yaml", "groups.orphan.source"),
        ("policy.yaml", "groups.extreme_poverty.categories"),
    }


EXPECTED_PROGRAMMES = {
    ("programmes.yaml", "programmes.boarding_subsidy_primary.rates[1].from"),
    ("programmes.yaml", "programmes.day_subsidy_junior.rates[1].amount"),
}


def assert_readable(problem: ConfigError) -> None:
    """Chinese, and naming the rules file."""
    assert CJK.search(problem.message), problem.message
    assert problem.location.file is not None
    assert Path(problem.location.file).name in str(problem)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    seen: RulesData = {}

    def change(data: RulesData) -> None:
        break_sources_and_policy(data)
        break_programmes(data)
        seen.update(data)

    problems = problems_of(write_rules(tmp_path, change))
    assert {file_and_path(p) for p in problems} == (
        expected_sources_and_policy(seen) | EXPECTED_PROGRAMMES)
    assert len(problems) == 6
    for problem in problems:
        assert_readable(problem)
    messages = {file_and_path(p)[1]: p.message for p in problems}
    assert "keywrods" in messages["sources.registry.keywrods"]
    assert "amonut" in " ".join(messages.values())
    assert "child_welfar" in messages["groups.orphan.source"]
    assert "特困人员" in messages["groups.extreme_poverty.categories"]
    assert "2024-summer" in messages["programmes.boarding_subsidy_primary.rates[1].from"]
    assert "负数" in messages["programmes.day_subsidy_junior.rates[1].amount"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["policy.yaml"].update(verison="1"), ("policy.yaml", "verison")),
        (lambda d: d["sources.yaml"]["fields"].update(nmae=["名字"]),
         ("sources.yaml", "fields.nmae")),
        (lambda d: d["policy.yaml"]["groups"]["orphan"].update(scope="family"),
         ("policy.yaml", "groups.orphan.scope")),
        (lambda d: d["policy.yaml"]["groups"]["orphan"].update(enabled="yes"),
         ("policy.yaml", "groups.orphan.enabled")),
        (lambda d: d["programmes.yaml"]["programmes"]["preschool_aid"].update(stage="大学"),
         ("programmes.yaml", "programmes.preschool_aid.stage")),
        (lambda d: d["programmes.yaml"]["programmes"]["preschool_aid"]["rates"][0].update(
            amount="三百"), ("programmes.yaml", "programmes.preschool_aid.rates[1].amount")),
        (lambda d: d["programmes.yaml"]["programmes"]["preschool_aid"].update(groups=["孤儿"]),
         ("programmes.yaml", "programmes.preschool_aid.groups")),
        (lambda d: d["policy.yaml"]["parents"]["registry_relations"].append("外祖母"),
         ("policy.yaml", "parents.registry_relations")),
        (lambda d: d["policy.yaml"]["parents"].update(guardian_no=["是"]),
         ("policy.yaml", "parents.guardian_yes")),
        (lambda d: d["policy.yaml"]["parents"]["guardian_relations"].append("之监护人"),
         ("policy.yaml", "parents.guardian_relations")),
        (lambda d: d["policy.yaml"]["groups"]["minimum_living"].update(
            family_member_route="review"),
         ("policy.yaml", "groups.minimum_living.family_member_route")),
    ],
    ids=["top-level-typo", "unknown-field", "scope", "enabled", "stage", "amount-text",
         "unknown-group", "grandparent-as-parent", "guardian-yes-and-no", "leading-zhi",
         "family-member-route"],
)
def test_single_problems_name_file_and_key_path(
        tmp_path: Path, change: Callable[[RulesData], None], expected: tuple[str, str]) -> None:
    problems = problems_of(write_rules(tmp_path, change))
    assert [file_and_path(p) for p in problems] == [expected]
    assert_readable(problems[0])


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    directory = write_rules(tmp_path)
    with (directory / "policy.yaml").open("a", encoding="utf-8") as handle:
        handle.write("broken: [unclosed\n")
    problems = problems_of(directory)
    assert len(problems) == 1
    (problem,) = problems
    assert Path(problem.location.file or "").name == "policy.yaml"
    assert problem.location.row is not None
    assert "YAML" in problem.message and CJK.search(problem.message)
    assert problem.hint


def test_missing_rules_file(tmp_path: Path) -> None:
    directory = write_rules(tmp_path)
    (directory / "programmes.yaml").unlink()
    (problem,) = problems_of(directory)
    assert Path(problem.location.file or "").name == "programmes.yaml"
    assert "不存在" in problem.message


def test_missing_rules_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_rules(tmp_path / "nowhere")
    assert caught.value.exit_code == 4
    assert "规则目录不存在" in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Regression tests for bugs found and fixed (a strict xfail remains where one is open)


def test_invalid_yaml_does_not_hide_other_files_problems(tmp_path: Path) -> None:
    seen: RulesData = {}

    def change(data: RulesData) -> None:
        break_sources_and_policy(data)
        seen.update(data)

    directory = write_rules(tmp_path, change)
    with (directory / "programmes.yaml").open("a", encoding="utf-8") as handle:
        handle.write("broken: [unclosed\n")
    problems = problems_of(directory)
    found = {file_and_path(p)[0] for p in problems}
    assert found == {"sources.yaml", "policy.yaml", "programmes.yaml"}
    assert len(problems) == len(expected_sources_and_policy(seen)) + 1


def test_nan_amount_is_a_problem(tmp_path: Path) -> None:
    def change(data: RulesData) -> None:
        data["programmes.yaml"]["programmes"]["preschool_aid"]["rates"][0]["amount"] = float("nan")

    problems = problems_of(write_rules(tmp_path, change))
    assert [file_and_path(p) for p in problems] == [
        ("programmes.yaml", "programmes.preschool_aid.rates[1].amount")]


def test_infinite_amount_is_a_problem(tmp_path: Path) -> None:
    def change(data: RulesData) -> None:
        data["programmes.yaml"]["programmes"]["preschool_aid"]["rates"][0]["amount"] = float("inf")

    problems = problems_of(write_rules(tmp_path, change))
    assert [file_and_path(p) for p in problems] == [
        ("programmes.yaml", "programmes.preschool_aid.rates[1].amount")]


def test_linkage_rules_are_read_and_checked(tmp_path: Path) -> None:
    rules = load_rules()
    assert rules.linkage.accept > rules.linkage.review
    assert "id_window" in rules.linkage.blocking_keys
    target = tmp_path / "rules"
    shutil.copytree(PROJECT_RULES, target)
    (target / "linkage.yaml").write_text(
        "thresholds: {accept: 5, review: 9, margin: -1}\n"
        "blocking: {keys: [id_window, surname_only], max_block_size: 0}\n"
        "estimation: {random_pairs: many}\n", encoding="utf-8")
    with pytest.raises(ConfigProblems) as caught:
        load_rules(target)
    text = str(caught.value)
    for expected in ("不能高于接受线", "thresholds.margin", "surname_only", "max_block_size",
                     "random_pairs"):
        assert expected in text
    (target / "linkage.yaml").unlink()  # a rules folder from before linkage.yaml: defaults
    assert load_rules(target).linkage == Linkage()


def test_review_decisions_are_read_and_checked(tmp_path: Path) -> None:
    """rules/review.yaml: each finding's decisions, every problem named at once in Chinese."""
    review = load_rules().review
    assert review.decisions("重复资助") == ("已追回", "属正常（不同项目）", "待核实")
    assert review.decisions("非在读享受资助") == ("已追回", "学籍信息有误", "待核实")
    assert review.decisions("身份信息有误") == ("已更正", "无需更正", "待核实")
    assert "已补录资助" in review.decisions("漏助")
    assert review.decisions("新增的核查项目") == review.default  # a finding not listed
    target = tmp_path / "rules"
    shutil.copytree(PROJECT_RULES, target)
    (target / "review.yaml").write_text(
        "open: 待核实\n"
        "findings:\n"
        "  重复资助: [已追回, 已追回, '属正常,不同项目']\n"
        "  漏助: [不符合条件, 待核实]\n"
        "  错别字项目: [已更正, 待核实]\n"
        "  标准不符: []\n"
        "colour: red\n", encoding="utf-8")
    problems = problems_of(target)
    messages = [p.message for p in problems]
    assert all(Path(str(p.location.file)).name == "review.yaml" for p in problems)
    for expected in ("findings.重复资助：核实结果「属正常,不同项目」含英文逗号",
                     "findings.重复资助：核实结果重复：已追回",
                     "findings.重复资助：应包含尚未核实的结果「待核实」",
                     "findings.漏助：应包含「已补录资助」",
                     "findings.错别字项目：未知的核查项目",
                     "findings.标准不符：应至少列出一个核实结果",
                     "colour：未知的设置项"):
        assert any(m.startswith(expected) for m in messages), (expected, messages)
    result = CliRunner().invoke(main, ["rules", "check", "--rules", str(target)])
    assert result.exit_code == 4 and "review.yaml" in result.output
    (target / "review.yaml").write_text("findings: {重复资助: [" + ", ".join(
        f"很长的核实结果第{i}种情况说明文字" for i in range(30)) + ", 待核实]}\n", encoding="utf-8")
    assert any("超过 Excel 下拉列表" in p.message for p in problems_of(target))
    (target / "review.yaml").unlink()  # a rules folder from before review.yaml: the shipped one
    assert load_rules(target).review == review


def test_a_date_flag_of_a_group_must_be_true_or_false(tmp_path: Path) -> None:
    def change(data: RulesData) -> None:
        data["policy.yaml"]["groups"]["minimum_living"]["exclude_if_started_after_semester"] = "是"

    problems = problems_of(write_rules(tmp_path, change))
    assert {file_and_path(p) for p in problems} == {
        ("policy.yaml", "groups.minimum_living.exclude_if_started_after_semester")}
    assert "true 或 false" in problems[0].message
