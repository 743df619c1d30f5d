"""Scoring a gap list against the ground truth of synthetic data (precision and recall).

A gap is identified by the student's 学籍号 (unique in the registry), else their ID number.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    def __str__(self) -> str:
        return (f"precision {self.precision:.2%} recall {self.recall:.2%} "
                f"(tp {self.true_positives}, fp {self.false_positives}, "
                f"fn {self.false_negatives})")


def _keys(path: Path) -> set[str]:
    keys: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row.get("学籍号") or "").strip() or (row.get("身份证件号") or "").strip()
            if key:
                keys.add(key)
    return keys


def score_sets(found: set[str], truth: set[str]) -> Score:
    return Score(len(found & truth), len(found - truth), len(truth - found))


def score_gaps(gaps_csv: Path, truth_csv: Path) -> Score:
    """Compare aidmatch's gaps.csv with the generator's truth/gaps.csv."""
    return score_sets(_keys(gaps_csv), _keys(truth_csv))


# The generator's aid finding flags (truth/aid_findings.csv) → the finding file listing them.
FINDING_FILES = {
    "not_enrolled": "not_enrolled_aid.csv",
    "not_in_registry": "not_enrolled_aid.csv",
    "duplicate": "duplicate_aid.csv",
    "wrong_standard": "wrong_standard.csv",
}


def _source_rows(path: Path) -> set[str]:
    """The source rows a finding file lists in its 来源 column (one case may list several)."""
    rows: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            rows.update(part for part in (row.get("来源") or "").split("；") if part)
    return rows


def score_findings(out_dir: Path, truth_csv: Path) -> dict[str, Score]:
    """Compare the payment findings in ``out_dir`` with the generator's truth/aid_findings.csv,
    payment row by payment row, per finding file."""
    truth: dict[str, set[str]] = {name: set() for name in FINDING_FILES.values()}
    with truth_csv.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            sheet = f"「{row['sheet']}」" if row["sheet"] else ""
            truth[FINDING_FILES[row["flag"]]].add(f"{row['file']}{sheet}第{row['row']}行")
    return {name: score_sets(_source_rows(out_dir / name), expected)
            for name, expected in truth.items()}
