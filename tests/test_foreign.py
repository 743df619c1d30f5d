"""Against an independently written generator (benchmarks/foreign/): written by a team member who
did not read aidmatch's loaders, rules or synthetic generator, to catch an engine fitted to its
own data. Also replays the minimal cases its first runs exposed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aidmatch.bench.quality import score_gaps
from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from tests.builders import read_csv

ROOT = Path(__file__).resolve().parents[1]
FOREIGN = ROOT / "benchmarks" / "foreign"
SPRING = Semester.parse("2025-spring")


def _run(script: str, *args: str) -> None:
    subprocess.run([sys.executable, str(FOREIGN / script), *args], check=True,
                   capture_output=True)


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("foreign-cases")
    _run("cases.py", str(out))
    return out


CASES = ["A1_end_header_保障终止日期", "A2_end_header_停保时间", "A2_end_header_到期日期",
         "A1_control_停保日期", "B1_csv_household_cells_blank_below_head",
         "B1_control_xlsx_real_merges", "C1_parent_cert_typo_name_birth_intact",
         "C2_cert_only_swap_birth_intact", "E1_guardian_ID_in_child_ID_cell",
         "E1_control_blank_ID_cell"]


@pytest.mark.parametrize("case", CASES)
def test_minimal_case(cases: Path, tmp_path: Path, case: str) -> None:
    folder = cases / case
    result = reconcile(folder / "exports", SPRING, tmp_path / "out", db_path=None)
    found = {row["学籍号"] for row in read_csv(result.out_dir / "gaps.csv")}
    expected = set((folder / "EXPECT").read_text(encoding="utf-8").split())
    assert found == expected


@pytest.mark.parametrize("style", ["tidy", "clerk", "csv", "mixed"])
def test_foreign_generator(tmp_path: Path, capsys: pytest.CaptureFixture[str], style: str) -> None:
    _run("generate.py", "--out", str(tmp_path), "--students", "1500", "--seed", "6",
         "--style", style)
    result = reconcile(tmp_path / "exports", SPRING, tmp_path / "out", db_path=None)
    score = score_gaps(result.out_dir / "gaps.csv", tmp_path / "truth" / "gaps.csv")
    with capsys.disabled():
        print(f"\n  foreign generator ({style}): {score}")
    assert score.precision >= 0.98
    assert score.recall >= 0.95
