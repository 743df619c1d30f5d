"""Every input row is accounted for: read = linked + unlinked + rejected, per file and sheet.

A record is *linked* when it found its registry student (registry rows are the students
themselves), *unlinked* when it did not (or is waiting for review), *rejected* when it is not
used (other semester, unreadable semester). A data row is linked when any of its records is
linked (a wide household row holds several people, usually adults who are not students);
rows that gave no record at all were rejected while reading (blank, 合计, repeated header …).
"""

from __future__ import annotations

from dataclasses import dataclass

from aidmatch.semester import Semester
from aidmatch.sources.aid import UNREADABLE_SEMESTER
from aidmatch.sources.loader import SheetReport
from aidmatch.steps import Steps


@dataclass(frozen=True)
class SheetAccount:
    file_id: int
    file: str
    sheet: str
    kind: str
    header_row: int
    data_rows: int
    linked: int
    unlinked: int
    rejected: int
    records: int
    columns: str = ""  # header → field, as recognised
    unused_columns: str = ""  # headers no rule recognised

    @property
    def balanced(self) -> bool:
        return self.data_rows == self.linked + self.unlinked + self.rejected


def record_states_sql() -> str:
    return f"""
    SELECT r.record_id, r.source, r.file_id, r.file, r.sheet, r.row, r.slot,
           CASE
             WHEN r.source = 'registry' THEN 'linked'
             WHEN r.source = 'aid' AND r.semester = '{UNREADABLE_SEMESTER}' THEN 'rejected'
             WHEN r.source = 'aid' AND r.semester <> $semester THEN 'rejected'
             WHEN l.record_id IS NOT NULL THEN 'linked'
             WHEN v.record_id IS NOT NULL THEN 'review'
             ELSE 'unlinked'
           END AS state,
           CASE
             WHEN r.source = 'aid' AND r.semester = '{UNREADABLE_SEMESTER}' THEN '学期无法识别'
             WHEN r.source = 'aid' AND r.semester <> $semester
               THEN '不是本学期的发放记录（' || r.semester || '）'
             WHEN v.record_id IS NOT NULL THEN '待核实：' || v.reason
           END AS reason,
           l.student_id
    FROM records r
    LEFT JOIN links l USING (record_id)
    LEFT JOIN (SELECT record_id, min(reason) AS reason FROM link_review GROUP BY record_id) v
      USING (record_id)
    """


def row_states_sql() -> str:
    return """
    SELECT file_id, sheet, row,
           CASE WHEN bool_or(state = 'linked') THEN 'linked'
                WHEN bool_or(state IN ('unlinked', 'review')) THEN 'unlinked'
                ELSE 'rejected' END AS state,
           count(*) AS records
    FROM record_states GROUP BY file_id, sheet, row
    """


def account(steps: Steps, semester: Semester, sheets: list[SheetReport],
            extraction_rejects: dict[tuple[int, str], int]) -> list[SheetAccount]:
    """Record and row states, and the per-sheet balance; raise if any sheet does not add up."""
    steps.table("record_states", record_states_sql().replace("$semester", "?"),
                [semester.code, semester.code])
    steps.table("row_states", row_states_sql())
    counts = {
        (file_id, sheet): (linked, unlinked, rejected, records)
        for file_id, sheet, linked, unlinked, rejected, records in steps.rows(
            """SELECT file_id, sheet, count(*) FILTER (state = 'linked'),
                      count(*) FILTER (state = 'unlinked'), count(*) FILTER (state = 'rejected'),
                      sum(records)
               FROM row_states GROUP BY file_id, sheet""")
    }
    accounts: list[SheetAccount] = []
    for report in sheets:
        if report.kind is None:
            continue
        linked, unlinked, rejected, records = counts.get((report.file_id, report.sheet),
                                                         (0, 0, 0, 0))
        rejected += extraction_rejects.get((report.file_id, report.sheet), 0)
        entry = SheetAccount(report.file_id, report.file, report.sheet, report.kind,
                             report.header_row or 0, report.data_rows, int(linked), int(unlinked),
                             int(rejected), int(records or 0), report.columns,
                             report.unused_columns)
        if not entry.balanced:
            raise AssertionError(
                f"行数不平衡：{report.file}「{report.sheet}」数据行 {entry.data_rows} ≠ "
                f"关联 {entry.linked} + 未关联 {entry.unlinked} + 剔除 {entry.rejected}")
        accounts.append(entry)
    return accounts
