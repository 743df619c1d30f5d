"""aidmatch.errors: messages naming file, sheet, row and column; exit codes."""

from __future__ import annotations

import pytest

from aidmatch.errors import (
    AidmatchError,
    ConfigError,
    ConfigProblems,
    InputError,
    InputProblems,
    Location,
    ProblemList,
    UsageError,
    raise_if_any,
)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({}, ""),
        ({"file": "低保.xlsx"}, "低保.xlsx"),
        ({"file": "低保.xlsx", "sheet": "Sheet1"}, "低保.xlsx，工作表「Sheet1」"),
        ({"file": "低保.xlsx", "sheet": "Sheet1", "row": 3, "column": "身份证号"},
         "低保.xlsx，工作表「Sheet1」，第 3 行，列「身份证号」"),
        ({"file": "a.csv", "row": 12}, "a.csv，第 12 行"),
        ({"row": 0}, "第 0 行"),  # row 0 is a row, not "unknown"
        ({"column": "姓名"}, "列「姓名」"),
        ({"file": "", "sheet": ""}, ""),
    ],
)
def test_location_describe(where: dict[str, object], expected: str) -> None:
    assert Location(**where).describe() == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (InputError("缺少必填列", file="低保.xlsx", sheet="Sheet1", row=3, column="身份证号"),
         "低保.xlsx，工作表「Sheet1」，第 3 行，列「身份证号」：缺少必填列"),
        (InputError("无法读取文件", file="学籍.xls"), "学籍.xls：无法读取文件"),
        (UsageError("无法识别学期「2025」"), "无法识别学期「2025」"),
        (ConfigError("规则目录不存在", file="rules", hint="用 --rules 指向规则目录。"),
         "rules：规则目录不存在\n  处理办法：用 --rules 指向规则目录。"),
        (AidmatchError("出错了", row=5, hint="重试"), "第 5 行：出错了\n  处理办法：重试"),
    ],
)
def test_message_format(error: AidmatchError, expected: str) -> None:
    assert str(error) == expected
    assert error.args == (expected,)


def test_attributes_are_kept() -> None:
    error = InputError("缺少必填列", file="f.xlsx", sheet="S", row=2, column="姓名", hint="加上")
    assert error.message == "缺少必填列"
    assert error.location == Location("f.xlsx", "S", 2, "姓名")
    assert error.hint == "加上"


@pytest.mark.parametrize(
    ("kind", "code", "bases"),
    [
        (AidmatchError, 1, (Exception,)),
        (UsageError, 2, (AidmatchError,)),
        (InputError, 3, (AidmatchError,)),
        (ConfigError, 4, (AidmatchError,)),
        (InputProblems, 3, (ProblemList, InputError)),
        (ConfigProblems, 4, (ProblemList, ConfigError)),
    ],
)
def test_exit_codes_and_hierarchy(kind: type[AidmatchError], code: int,
                                  bases: tuple[type[Exception], ...]) -> None:
    assert kind.exit_code == code
    assert all(issubclass(kind, base) for base in bases)


def test_problem_list_numbers_every_problem() -> None:
    problems = [
        InputError("无法识别的文件", file="a.xlsx"),
        InputError("缺少必填列「姓名」", file="b.csv", row=1, hint="检查表头"),
    ]
    error = InputProblems("以下文件无法使用", problems)
    assert error.problems == problems
    assert error.exit_code == 3
    assert str(error) == (
        "以下文件无法使用（共 2 处）：\n"
        "  1. a.xlsx：无法识别的文件\n"
        "  2. b.csv，第 1 行：缺少必填列「姓名」\n  处理办法：检查表头"
    )


def test_raise_if_any() -> None:
    raise_if_any([], "规则有误", ConfigProblems)  # nothing to report: no exception
    raise_if_any(iter(()), "规则有误", ConfigProblems)
    problems = (ConfigError(f"问题 {n}", file="policy.yaml") for n in range(3))
    with pytest.raises(ConfigProblems) as caught:
        raise_if_any(problems, "规则有误", ConfigProblems)
    assert len(caught.value.problems) == 3
    assert caught.value.exit_code == 4
    assert str(caught.value).startswith("规则有误（共 3 处）：\n  1. policy.yaml：问题 0")
    assert isinstance(caught.value, ConfigError)
