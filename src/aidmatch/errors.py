"""The exceptions aidmatch raises, each with a message a county clerk can act on.

The library raises these; only the CLI turns them into exit codes. Every message is in Chinese
and names where the problem is (file, sheet, row, column) when that is known. A message never
shows a full ID number: whatever text ends up in it passes through
:func:`aidmatch.normalize.ids.redact`.

>>> err = InputError("缺少必填列", file="低保.xlsx", sheet="Sheet1", row=3, column="身份证号")
>>> str(err)
'低保.xlsx，工作表「Sheet1」，第 3 行，列「身份证号」：缺少必填列'
>>> err.exit_code
3
>>> str(InputError("身份证号 11010519491231002X 重复", file="a.csv"))
'a.csv：身份证号 1101**********002X 重复'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aidmatch.normalize.ids import redact


@dataclass(frozen=True)
class Location:
    """Where in the input a problem sits; every part is optional."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def describe(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"列「{self.column}」")
        return "，".join(parts)


class AidmatchError(Exception):
    """Base of every error aidmatch reports to its user."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.location = Location(file, sheet, row, column)
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.location.describe()
        text = f"{where}：{self.message}" if where else self.message
        if self.hint:
            text += f"\n  处理办法：{self.hint}"
        return redact(text)


class UsageError(AidmatchError):
    """The command was called wrongly (bad option value, unknown semester format)."""

    exit_code = 2


class InputError(AidmatchError):
    """An input file cannot be read or understood."""

    exit_code = 3


class ConfigError(AidmatchError):
    """The rules in ``rules/`` are invalid."""

    exit_code = 4


class MachineError(AidmatchError):
    """The machine stopped the run, not the data: a full disk, a folder that cannot be written,
    a database another program holds, a memory limit too small. Nothing was changed."""

    exit_code = 5


class ProblemList(AidmatchError):
    """Several problems found at once, so the user can fix them all in one go."""

    def __init__(self, summary: str, problems: Sequence[AidmatchError]) -> None:
        self.problems = list(problems)
        self.summary = summary
        super().__init__(summary)

    def __str__(self) -> str:
        lines = [f"{self.summary}（共 {len(self.problems)} 处）："]
        lines.extend(f"  {n}. {problem}" for n, problem in enumerate(self.problems, 1))
        return redact("\n".join(lines))


class InputProblems(ProblemList, InputError):
    """Every unreadable or unrecognised input file, reported together."""

    exit_code = InputError.exit_code


class ConfigProblems(ProblemList, ConfigError):
    """Every problem in the rules, reported together."""

    exit_code = ConfigError.exit_code


def raise_if_any(
    problems: Iterable[AidmatchError], summary: str, kind: type[ProblemList]
) -> None:
    """Raise ``kind`` listing ``problems`` if there are any."""
    collected = list(problems)
    if collected:
        raise kind(summary, collected)
