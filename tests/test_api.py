"""The Python API (aidmatch.api): the tables it hands back are the result files, column for
column; masking reaches them; bad input raises the CLI's Chinese error; import stays cheap."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from click.testing import CliRunner

import aidmatch
from aidmatch.cli import main
from aidmatch.errors import AidmatchError
from aidmatch.findings import FINDINGS
from aidmatch.outputs import lists
from tests.builders import read_csv

FILES = {"漏助": "gaps.csv", "重点保障学生": "key_students.csv",
         **{finding.label: finding.csv for finding in FINDINGS if finding.csv},
         "数据质量": "data_quality.csv"}


def _text(value: object) -> str:
    """A cell as the CSV writes it (an amount column holding 750 and 37.5 is float64 in Arrow)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_text(table: pa.Table) -> list[dict[str, str]]:
    return [{k: _text(v) for k, v in row.items()} for row in table.to_pylist()]


def _header(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")


@pytest.mark.parametrize("masked", [False, True], ids=["full", "masked"])
def test_tables_are_the_result_files(mini_exports: Path, tmp_path: Path, masked: bool) -> None:
    result = aidmatch.reconcile(mini_exports, "2025-spring", tmp_path / "out", masked=masked)
    assert set(result.tables) == set(FILES)
    assert result.gaps.num_rows > 0
    assert result.gaps.num_rows == result.summary.total.gaps
    for name, file in FILES.items():
        written = read_csv(tmp_path / "out" / file)
        table = result.tables[name]
        assert table.column_names == _header(tmp_path / "out" / file), name
        # CSV neutralisation prefixes ' to formula-like text: none in these exports.
        assert _as_text(table) == written, name
    assert result.db_path is None and not result.incomplete


def test_masked_tables_hold_no_full_id(mini_exports: Path, tmp_path: Path) -> None:
    result = aidmatch.reconcile(mini_exports, "2025-spring", tmp_path / "out", masked=True)
    full_id = re.compile(r"[0-9]{17}[0-9Xx]")
    for name, table in result.tables.items():
        for row in _as_text(table):
            for value in row.values():
                assert not full_id.search(value), (name, value)


def test_database_kept_when_asked(mini_exports: Path, tmp_path: Path) -> None:
    result = aidmatch.reconcile(mini_exports, aidmatch.Semester.parse("2025-spring"),
                                tmp_path / "out", db=tmp_path / "a.duckdb")
    assert result.db_path == tmp_path / "a.duckdb" and result.db_path.is_file()


def test_bad_input_raises_the_chinese_error(tmp_path: Path) -> None:
    with pytest.raises(AidmatchError, match="输入目录不存在"):
        aidmatch.reconcile(tmp_path / "nowhere", "2025-spring", tmp_path / "out")


def test_import_is_cheap_and_all_names_resolve() -> None:
    code = ("import sys, aidmatch; print('duckdb' in sys.modules);"
            "print([getattr(aidmatch, n).__name__ for n in aidmatch.__all__])")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    assert out[0] == "False"
    assert out[1] == str(aidmatch.__all__)
    with pytest.raises(AttributeError):
        aidmatch.no_such_name  # noqa: B018


def test_each_list_is_queried_once_for_files_and_tables(mini_exports: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The API's tables are the rows the list writers wrote, not a second round of queries."""
    calls: list[str] = []
    for name in ("gap_rows", "key_student_rows", "finding_rows", "data_quality_rows"):
        original = getattr(lists, name)

        def counted(*args: object, _name: str = name, _original: Any = original,
                    **kwargs: object) -> Any:
            calls.append(_name if _name != "finding_rows" else args[1].label)  # type: ignore[attr-defined]
            return _original(*args, **kwargs)

        monkeypatch.setattr(lists, name, counted)
    result = aidmatch.reconcile(mini_exports, "2025-spring", tmp_path / "out")
    findings = [finding.label for finding in FINDINGS if finding.csv]
    assert sorted(calls) == sorted(["gap_rows", "key_student_rows", "data_quality_rows",
                                    *findings])
    assert set(result.tables) == set(FILES)


def test_a_command_line_run_builds_no_tables(mini_exports: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def no_arrow(*args: object) -> None:
        raise AssertionError("a command-line run built an Arrow table")

    monkeypatch.setattr(lists, "_arrow", no_arrow)
    result = CliRunner().invoke(main, ["reconcile", "--input", str(mini_exports), "--semester",
                                       "2025-spring", "--out", str(tmp_path / "out"), "--db",
                                       str(tmp_path / "a.duckdb")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "gaps.csv").is_file()
