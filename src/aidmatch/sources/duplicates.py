"""Lists handed over twice, and payment lists that overlap.

A department sends the same file twice (「资助发放明细 - 副本.xlsx」), saves it again or once as CSV
and once as Excel, or sends payment batches that overlap (第1批 and 第2批 both holding the same
rows). Read twice, payments would double: 重复资助 explodes and slips pay twice. So, in file
order (the first copy is kept):

- A sheet whose records are the same as an earlier sheet's (same source, the same rows in any
  order) is read once: its rows are rejected as duplicates and the summary names both.
- A payment row identical to one in an earlier sheet counts once: the later copy is rejected,
  naming the row it repeats, and the summary says how many rows of which two lists overlap.
  "Identical" means every cell aidmatch reads (name, IDs, school, programme, amount, 学年, 学期,
  发放日期 …) except the 序号 column, and the same semester as read (a sheet named 「2024秋」 and
  one named 「2025春」 are two semesters' payments); payments differing in any of them (another
  发放日期, another amount) are two payments and stay (重复资助 if for one programme). Two identical rows within one
  sheet are two payments in one export and stay too.

Every rejected row keeps the books balanced (数据行 = 关联 + 未关联 + 剔除).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from aidmatch.sources.extract import Extract, Reject

log = logging.getLogger(__name__)

# Columns of a record that say where it came from, not what it says.
_PROVENANCE = ("file_id", "file", "sheet", "row", "household_key")
_SEPARATOR = "\x1f"
# How copies are named: Windows' 「- 副本」/「- Copy」, a browser's 「(1)」, WPS's 「复件」.
_COPY_NAME = re.compile(r"副本|复件|复制|copy|[(（]\d+[)）]\s*$", re.IGNORECASE)


@dataclass
class LoadedSheet:
    """One recognised sheet as loaded: where it is, its records and rejects, and for a payment
    list the content key of each record (:func:`payment_keys`)."""

    file_id: int
    file: str  # the file's label
    sha256: str
    sheet: str
    kind: str
    records: pa.Table
    family: pa.Table
    rejects: list[Reject]
    payment_keys: pa.Array | None = None
    # Filled in here: records dropped as duplicates (the report is adjusted by the loader).
    dropped_rows: int = 0

    @property
    def where(self) -> str:
        return f"{self.file}「{self.sheet}」" if self.sheet else self.file


def payment_keys(extracts: list[Extract], records: pa.Table) -> pa.Array:
    """For each payment record, the text of every cell aidmatch read but 序号 (field=value,
    NFKC, no whitespace), the amount as parsed (375 and 375.00 are one amount) and the semester
    as read: rows alike in every cell of sheets titled or named for two semesters (「2024秋」,
    「2025春」) are two payments."""
    parts: list[pa.Array] = []
    for extract in extracts:
        fields = sorted(f for f in extract.values if f not in ("serial", "amount"))
        cells = [pc.binary_join_element_wise(
            f"{f}=", _squeezed(pa.array(extract.values[f], pa.string())), "")
            for f in fields]
        parts.append(pc.binary_join_element_wise(*cells, _SEPARATOR) if cells
                     else pa.array([""] * len(extract), pa.string()))
    text = pa.concat_arrays(parts) if parts else pa.array([], pa.string())
    amount = pc.fill_null(pc.cast(records.column("amount").combine_chunks(), pa.string()), "")
    semester = pc.fill_null(records.column("semester").combine_chunks(), "")
    return pc.binary_join_element_wise(text, pc.binary_join_element_wise("amount=", amount, ""),
                                       pc.binary_join_element_wise("semester=", semester, ""),
                                       _SEPARATOR)


def _squeezed(cells: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(pc.utf8_normalize(cells, "NFKC"), r"\s+", "")


def _sorted_content(sheet: LoadedSheet) -> pa.Array:
    """The sheet's records as sorted text keys, provenance left out (a sheet's content whatever
    its order and file)."""
    if sheet.payment_keys is not None:
        keys = sheet.payment_keys
    else:
        table = sheet.records.drop_columns([c for c in _PROVENANCE
                                            if c in sheet.records.column_names])
        columns = []
        for name in table.column_names:
            column = table.column(name).combine_chunks()
            if pa.types.is_list(column.type):
                column = pc.binary_join(column, "|")
            columns.append(pc.fill_null(pc.cast(column, pa.string()), "\x00"))
        keys = pc.binary_join_element_wise(*columns, _SEPARATOR)
    return keys.take(pc.sort_indices(keys))


def drop_duplicates(sheets: list[LoadedSheet]) -> list[str]:
    """Reject the rows of every sheet that repeats an earlier one and every payment row that
    repeats one of an earlier sheet (in list order); return the notes for the summary."""
    notes = _same_sheets(sheets)
    notes.extend(_overlapping_payments([s for s in sheets if s.kind == "aid"
                                        and s.payment_keys is not None and s.records.num_rows]))
    for note in notes:
        log.warning("%s", note)
    return notes


def _drop(sheet: LoadedSheet, keep: pa.Array, reasons: dict[int, str]) -> None:
    """Keep the records where ``keep`` is true; each dropped record's row is rejected with its
    reason (rows → reason)."""
    sheet.dropped_rows += len(reasons)
    sheet.records = sheet.records.filter(keep)
    if sheet.payment_keys is not None:
        sheet.payment_keys = sheet.payment_keys.filter(keep)
    sheet.rejects.extend(Reject(sheet.file_id, sheet.file, sheet.sheet, row, reason)
                         for row, reason in sorted(reasons.items()))
    sheet.rejects.sort(key=lambda r: r.row)


def _same_sheets(sheets: list[LoadedSheet]) -> list[str]:
    notes: list[str] = []
    groups: dict[tuple[str, int], list[LoadedSheet]] = {}
    for sheet in sheets:
        if sheet.records.num_rows:
            groups.setdefault((sheet.kind, sheet.records.num_rows), []).append(sheet)
    dropped: dict[tuple[str, str], list[tuple[LoadedSheet, LoadedSheet]]] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        kept: list[tuple[LoadedSheet, pa.Array]] = []
        # Of two equal lists the one named as a copy (「… - 副本」, 「…(1)」) is the one let go.
        for sheet in sorted(group, key=lambda s: bool(_COPY_NAME.search(Path(s.file).stem))):
            content = _sorted_content(sheet)
            original = next((first for first, theirs in kept if theirs.equals(content)), None)
            if original is None:
                kept.append((sheet, content))
                continue
            rows = sorted(set(sheet.records.column("row").to_pylist()))
            reason = f"重复的名单：与「{original.where}」内容相同，只计一次"
            _drop(sheet, pa.array([False] * sheet.records.num_rows), dict.fromkeys(rows, reason))
            sheet.family = sheet.family.slice(0, 0)
            dropped.setdefault((sheet.file, original.file), []).append((sheet, original))
    for (file, original_file), pairs in dropped.items():
        count = sum(sheet.dropped_rows for sheet, _ in pairs)
        same_bytes = pairs[0][0].sha256 == pairs[0][1].sha256
        if same_bytes:
            notes.append(f"注意：文件「{file}」与「{original_file}」完全相同（SHA-256 相同，同一文件"
                         f"交了两次），只读取一次：「{file}」的 {count} 行记为剔除（见 rejects.csv）")
            continue
        for sheet, original in pairs:
            notes.append(f"注意：「{sheet.where}」与「{original.where}」的名单内容相同（同一份名单交了"
                         f"两次，如另存或 CSV 与 Excel 各一份），只读取一次：「{sheet.where}」的 "
                         f"{sheet.dropped_rows} 行记为剔除（见 rejects.csv）")
    return notes


_OVERLAP_SQL = """
WITH numbered AS (
    SELECT key, sheet, position,
           row_number() OVER (PARTITION BY key, sheet ORDER BY position) AS copy
    FROM payment_keys
), placed AS (
    SELECT sheet, position,
           first_value(sheet) OVER copies AS first_sheet,
           first_value(position) OVER copies AS first_position
    FROM numbered
    WINDOW copies AS (PARTITION BY key, copy ORDER BY sheet)
)
SELECT sheet, position, first_sheet, first_position FROM placed
WHERE sheet <> first_sheet ORDER BY sheet, position
"""


def _overlapping_payments(sheets: list[LoadedSheet]) -> list[str]:
    """Payment rows that repeat a row of an earlier sheet: the n-th copy of a row in a sheet
    repeats the n-th copy in the first sheet that has one."""
    if len(sheets) < 2:
        return []
    keys = pa.table({
        "key": pa.concat_arrays([s.payment_keys for s in sheets if s.payment_keys is not None]),
        "sheet": pa.array([n for n, s in enumerate(sheets) for _ in range(s.records.num_rows)],
                          pa.int32()),
        "position": pa.array([p for s in sheets for p in range(s.records.num_rows)], pa.int64()),
    })
    with duckdb.connect(":memory:") as con:
        con.register("payment_keys", keys)
        repeats = con.execute(_OVERLAP_SQL).fetchall()
    rows_of = [s.records.column("row").to_pylist() for s in sheets]  # before any is dropped
    by_sheet: dict[int, list[tuple[int, int, int]]] = {}
    for sheet, position, first_sheet, first_position in repeats:
        by_sheet.setdefault(int(sheet), []).append(
            (int(position), int(first_sheet), int(first_position)))
    notes: list[str] = []
    for index, found in sorted(by_sheet.items()):
        sheet, rows = sheets[index], rows_of[index]
        keep = [True] * sheet.records.num_rows
        reasons: dict[int, str] = {}
        overlaps: Counter[int] = Counter()
        for position, first_sheet, first_position in found:
            original, first_row = sheets[first_sheet], rows_of[first_sheet][first_position]
            keep[position] = False
            reasons[rows[position]] = (f"与「{original.where}」第 {first_row} 行完全相同的发放记录"
                                       "（两份名单重叠），只计一次")
            overlaps[first_sheet] += 1
        _drop(sheet, pa.array(keep), reasons)
        for first_sheet, count in sorted(overlaps.items()):
            notes.append(f"注意：资助名单「{sheet.where}」有 {count} 行与「{sheets[first_sheet].where}」"
                         "中的发放记录完全相同（批次重叠或重复报送），这些发放只计一次；"
                         f"「{sheet.where}」中的这 {count} 行记为剔除（见 rejects.csv）")
    return notes
