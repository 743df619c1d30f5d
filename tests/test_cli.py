"""The command line: a thin layer; errors become clear messages and exit codes."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from aidmatch.cli import main
from tests.builders import mutated_rules, read_csv, write_csv
from tests.conftest import EXPECTED_GAPS


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{prefix}{name} "))
    return found


@pytest.mark.parametrize(("name", "command"), _commands(main))
def test_every_command_is_documented(name: str, command: click.Command) -> None:
    assert command.help and command.help.strip(), name
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts}"


@pytest.mark.parametrize("semester", ["2025-spring", "2025春", "2025年春季学期"])
def test_reconcile(mini_exports: Path, tmp_path: Path, semester: str) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["reconcile", "--input", str(mini_exports), "--semester",
                                       semester, "--out", str(out), "--db",
                                       str(tmp_path / "x.duckdb")])
    assert result.exit_code == 0, result.output
    assert len(read_csv(out / "gaps.csv")) == len(EXPECTED_GAPS)
    assert f"漏助 {len(EXPECTED_GAPS)} 人" in result.output
    assert "各区县资助覆盖情况" in result.output


def test_bad_semester_is_a_usage_error(mini_exports: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["reconcile", "--input", str(mini_exports), "--semester",
                                       "明年", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "无法识别学期" in result.output


def test_unrecognised_file_is_an_input_error_without_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "物品.csv", [["名称", "数量"], ["611022198001011110", "3"]])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["reconcile", "--input", str(folder), "--semester",
                                       "2025-spring", "--out", str(out), "--db",
                                       str(tmp_path / "x.duckdb")])
    assert result.exit_code == 3
    assert "物品.csv" in result.output and "无法识别" in result.output
    assert "Traceback" not in result.output
    assert not (out / "gaps.csv").exists()
    assert not (tmp_path / "x.duckdb").exists()


def test_rules_check_reports_every_problem(tmp_path: Path) -> None:
    rules = Path(__file__).resolve().parents[1] / "rules"
    broken = tmp_path / "rules"
    broken.mkdir()
    for name in ("sources.yaml", "programmes.yaml"):
        (broken / name).write_text((rules / name).read_text(encoding="utf-8"), encoding="utf-8")
    policy = (rules / "policy.yaml").read_text(encoding="utf-8")
    (broken / "policy.yaml").write_text(
        policy.replace("scope: household", "scop: household", 1).replace(
            "source: child_welfare", "source: orphans", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "check", "--rules", str(broken)])
    assert result.exit_code == 4
    assert "共 2 处" in result.output
    assert "scop" in result.output and "orphans" in result.output
    assert CliRunner().invoke(main, ["rules", "check"]).exit_code == 0


def test_rules_check_names_and_checks_the_family_member_route(tmp_path: Path) -> None:
    shown = CliRunner().invoke(main, ["rules", "check"])
    assert "城乡低保家庭学生" in shown.output
    assert "家庭成员在册、本人未在册（全户在册）：列为待核实" in shown.output
    broken = mutated_rules(tmp_path / "rules", "policy.yaml", "family_member_route: candidate",
                           "family_member_route: 待核实")
    result = CliRunner().invoke(main, ["rules", "check", "--rules", str(broken)])
    assert result.exit_code == 4
    assert "family_member_route" in result.output and "只能是 gap" in result.output


@pytest.mark.parametrize(("args", "code", "expected", "english"), [
    (["--help"], 0, ["用法： aidmatch [选项] 命令 [参数]...", "显示本帮助后退出。", "命令"],
     ["Usage:", "Show this message", "Commands:"]),
    (["report", "--semester", "明年", "--out", "x.xlsx"], 2,
     ["错误：'--semester' 的值无效：无法识别学期", "用「aidmatch report --help」查看帮助。"],
     ["Error:", "Invalid value", "Try '"]),
    (["reconcile", "--input", "/no/such/folder", "--semester", "2025-spring", "--out", "o"], 2,
     ["文件夹 '/no/such/folder' 不存在。"], ["does not exist", "Directory"]),
    (["report", "--bogus"], 2, ["没有选项 '--bogus'"], ["No such option"]),
    (["report", "--semester", "2025-spring", "--split", "town", "--out", "o"], 2,
     ["'town' 不是可选值之一"], ["is not one of"]),
    (["review"], 2, ["用法： aidmatch review [选项] 命令 [参数]..."], ["Usage:"]),
    (["nonsense"], 2, ["没有命令 'nonsense'"], ["No such command"]),
])
def test_click_speaks_chinese(args: list[str], code: int, expected: list[str],
                              english: list[str]) -> None:
    """Click's own texts (usage, errors, help) in Chinese, with the documented exit codes."""
    result = CliRunner().invoke(main, args, prog_name="aidmatch")
    assert result.exit_code == code, result.output
    for text in expected:
        assert text in result.output, (text, result.output)
    for text in english:
        assert text not in result.output, (text, result.output)


def test_a_declined_question_is_cancelled_in_chinese(tmp_path: Path) -> None:
    """Answering no (or Ctrl-C) at a question: 已取消。 and exit code 1, as documented."""
    result = CliRunner().invoke(main, ["purge", "--semester", "2025-spring", "--db",
                                       str(tmp_path / "x.duckdb")], input="n\n")
    assert result.exit_code == 1
    assert "已取消。" in result.output and "Aborted" not in result.output


def test_summary_columns_align_by_display_width() -> None:
    """summary.txt's county table lines up in a monospaced view: a 汉字 counts two columns."""
    from aidmatch.outputs.summary import CountyLine, Summary, display_width

    summary = Summary("2025年春季学期", "r", [], [CountyLine("丹凤县", 342, 69, 63, 6),
                                             CountyLine("（未填区县）", 3, 1, 0, 1),
                                             CountyLine("Xian", 10, 2, 2, 0)])
    lines = summary.render().splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("区县"))
    table = lines[top:top + 5]
    assert len({display_width(line) for line in table}) == 1, table
    ends = {display_width(line.split("%")[0]) for line in table[1:]}
    assert len(ends) == 1


def test_rules_check_lists_the_preferential_care_groups_and_checks_optional(tmp_path: Path
                                                                           ) -> None:
    """Issue 17 (foreign2 T29): 烈士子女/优抚对象子女 are key groups of the shipped rules; a
    source's `optional` is true or false."""
    shown = CliRunner().invoke(main, ["rules", "check"])
    assert "[启用] 烈士子女、优抚对象子女：优抚对象名单" in shown.output
    assert "[启用] 优抚对象子女：优抚对象名单" in shown.output
    broken = mutated_rules(tmp_path / "rules", "sources.yaml", "optional: true", "optional: 是")
    result = CliRunner().invoke(main, ["rules", "check", "--rules", str(broken)])
    assert result.exit_code == 4
    assert "sources.preferential_care.optional" in result.output and "true 或 false" in result.output


def test_demo_reconciles_two_semesters_and_scores_them(tmp_path: Path) -> None:
    """`make demo` (README's first command) end to end on a small city: both semesters
    reconciled and scored against the truth, the report written."""
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--students", "400",
                                       "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.count("与真实答案比较：漏助名单 精确率") == 2
    assert "数据中仍能发现的漏助，召回率" in result.output
    for name in ("2024-autumn/gaps.csv", "2025-spring/gaps.csv", "2025-spring/pending_payment.csv",
                 "核查报告.xlsx", "核查报告.html"):
        assert (out / name).is_file(), name
