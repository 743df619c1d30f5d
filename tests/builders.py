"""Small builders for test inputs: synthetic IDs and workbooks/CSVs in the layouts exports use."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Sequence
from pathlib import Path

import xlsxwriter
import xlwt
from stdnum.cn import ric

Cell = object


def make_id(region: str, birth: str, sequence: str) -> str:
    """A valid 18-character ID from region (6), birth date YYYYMMDD and a 3-digit sequence."""
    body = f"{region}{birth}{sequence}"
    return body + ric.calc_check_digit(body + "0")


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[Cell]]],
               merges: dict[str, list[tuple[int, int, int, int]]] | None = None) -> Path:
    """Rows as given (None = empty cell); ``merges`` lists (first_row, first_col, last_row,
    last_col) per sheet, the value being the top-left cell's."""
    workbook = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        merged = (merges or {}).get(name, [])
        merged_cells = {(r, c) for (r0, c0, r1, c1) in merged for r in range(r0, r1 + 1)
                        for c in range(c0, c1 + 1)}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or (r, c) in merged_cells:
                    continue
                sheet.write(r, c, value)
        for r0, c0, r1, c1 in merged:
            value = rows[r0][c0] if c0 < len(rows[r0]) else ""
            sheet.merge_range(r0, c0, r1, c1, value)
    workbook.close()
    return path


def write_xls(path: Path, sheets: dict[str, Sequence[Sequence[Cell]]]) -> Path:
    workbook = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        sheet = workbook.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    workbook.save(str(path))
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Cell]], encoding: str = "utf-8-sig",
              delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


SHIPPED_RULES = Path(__file__).resolve().parents[1] / "rules"
RULE_FILES = ("sources.yaml", "policy.yaml", "programmes.yaml", "linkage.yaml", "review.yaml")


def mutated_rules(folder: Path, file: str, old: str, new: str) -> Path:
    """A copy of the shipped rules in ``folder`` with ``old`` replaced by ``new`` once in
    ``file`` (which must contain it: a test whose mutation no longer applies fails)."""
    folder.mkdir()
    for name in RULE_FILES:
        shutil.copy(SHIPPED_RULES / name, folder / name)
    text = (SHIPPED_RULES / file).read_text(encoding="utf-8")
    assert old in text, f"{file} no longer contains {old!r}: update the mutation"
    (folder / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder
