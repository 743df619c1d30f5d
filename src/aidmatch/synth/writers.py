"""Writing workbooks (.xlsx, .xls) and CSV files row by row, and laying tables out in them.

Rows are streamed: a sheet writer returns the 1-based row number of every row it writes, which is
what the truth's ``records.csv`` points at (for CSV, the record number).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import xlsxwriter

from aidmatch.errors import UsageError
from aidmatch.outputs.csvsafe import SafeCsvWriter
from aidmatch.synth.damage import CellValue
from aidmatch.synth.layouts import FileStyle
from aidmatch.synth.truth import RecordLog

# Fixed document properties so the same seed gives the same bytes.
_CREATED = dt.datetime(2025, 1, 1)


def _xlwt() -> Any:
    """xlwt writes the old .xls format; it is an extra (``aidmatch[synth]``), not a dependency of
    the engine, which only reads .xls (through calamine)."""
    try:
        import xlwt
    except ImportError:
        raise UsageError("生成 .xls 格式的合成数据需要 xlwt",
                         hint="pip install \"aidmatch[synth]\"，或加 --csv-only 只生成 CSV。") from None
    return xlwt


class SheetOut:
    """One worksheet (or the one table of a CSV file), written top to bottom."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.next_row = 1

    def write(self, cells: Sequence[CellValue]) -> int:
        row = self.next_row
        self._write(row - 1, cells)
        self.next_row += 1
        return row

    def write_merged(self, segments: Sequence[tuple[int, int, str]], width: int) -> int:
        """A row of labels, each spanning columns first..last (merged in workbooks)."""
        row = self.next_row
        self._write_merged(row - 1, segments, width)
        self.next_row += 1
        return row

    def _write(self, index: int, cells: Sequence[CellValue]) -> None:
        raise NotImplementedError

    def _write_merged(self, index: int, segments: Sequence[tuple[int, int, str]],
                      width: int) -> None:
        cells: list[CellValue] = [""] * width
        for first, _last, text in segments:
            cells[first] = text
        self._write(index, cells)


class _XlsxSheet(SheetOut):
    def __init__(self, name: str, sheet: Any, formats: dict[str, Any]) -> None:
        super().__init__(name)
        self.sheet = sheet
        self.formats = formats

    def _write(self, index: int, cells: Sequence[CellValue]) -> None:
        sheet = self.sheet
        for col, value in enumerate(cells):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(index, col, value)
            elif isinstance(value, dt.date):
                sheet.write_datetime(index, col, value, self.formats["date"])
            else:
                sheet.write_number(index, col, value)

    def _write_merged(self, index: int, segments: Sequence[tuple[int, int, str]],
                      width: int) -> None:
        for first, last, text in segments:
            if last > first:
                self.sheet.merge_range(index, first, index, last, text, self.formats["merge"])
            else:
                self.sheet.write_string(index, first, text)


class _XlsSheet(SheetOut):
    def __init__(self, name: str, sheet: Any, date_style: Any) -> None:
        super().__init__(name)
        self.sheet = sheet
        self.date_style = date_style

    def _write(self, index: int, cells: Sequence[CellValue]) -> None:
        for col, value in enumerate(cells):
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                self.sheet.write(index, col, value, self.date_style)
            else:
                self.sheet.write(index, col, value)

    def _write_merged(self, index: int, segments: Sequence[tuple[int, int, str]],
                      width: int) -> None:
        for first, last, text in segments:
            self.sheet.write_merge(index, index, first, last, text)


class _CsvSheet(SheetOut):
    def __init__(self, name: str, handle: TextIO) -> None:
        super().__init__(name)
        self.writer = SafeCsvWriter(handle)

    def _write(self, index: int, cells: Sequence[CellValue]) -> None:
        self.writer.writerow([_csv_text(value) for value in cells])


def _csv_text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class BookOut:
    """An output file: a workbook with sheets, or a CSV file with one table."""

    def __init__(self, path: Path, fmt: str, encoding: str = "utf-8") -> None:
        self.path = path
        self.fmt = fmt
        self.sheets: list[SheetOut] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: TextIO | None = None
        self._book: Any = None
        if fmt == "xlsx":
            self._book = xlsxwriter.Workbook(
                str(path),
                {
                    "constant_memory": True,
                    "strings_to_numbers": False,
                    "strings_to_formulas": False,
                    "strings_to_urls": False,
                },
            )
            self._book.set_properties({"created": _CREATED, "author": "", "title": ""})
            self._formats = {
                "date": self._book.add_format({"num_format": "yyyy-mm-dd"}),
                "merge": self._book.add_format({"align": "center", "bold": True}),
            }
        elif fmt == "xls":
            xlwt = _xlwt()
            self._book = xlwt.Workbook(encoding="utf-8")
            self._xls_date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
        else:
            self._handle = path.open("w", encoding=encoding, newline="")

    def sheet(self, name: str) -> SheetOut:
        out: SheetOut
        if self.fmt == "xlsx":
            out = _XlsxSheet(name, self._book.add_worksheet(name), self._formats)
        elif self.fmt == "xls":
            out = _XlsSheet(name, self._book.add_sheet(name, cell_overwrite_ok=True),
                            self._xls_date)
        else:
            if self.sheets or self._handle is None:
                raise ValueError("a CSV file holds one table")
            out = _CsvSheet("", self._handle)
        self.sheets.append(out)
        return out

    def close(self) -> None:
        if self.fmt == "xlsx":
            self._book.close()
        elif self.fmt == "xls":
            self._book.save(str(self.path))
        elif self._handle is not None:
            self._handle.close()


# -- tables ------------------------------------------------------------------------------------


@dataclass
class SlotRecord:
    """One person written in a row: which slot, who really, what damage, where the name is."""

    slot: str
    person_key: str
    is_student: bool
    damage: list[str]
    name_col: int


@dataclass
class DataRow:
    cells: list[CellValue]
    slots: list[SlotRecord]
    group: str = ""  # rows of one group (a county) get a 小计 row after them
    amount: float = 0.0
    flag: str = ""  # an aid finding for this row
    payment: Any = None


@dataclass
class Table:
    headers: list[str]
    titles: list[str] = field(default_factory=list)
    info: str = ""
    groups: list[tuple[int, int, str]] = field(default_factory=list)  # merged labels above
    amount_col: int | None = None
    expected_rows: int = 0


@dataclass
class TableTarget:
    """Where the table goes and who records it."""

    sheet: SheetOut
    file: str  # path relative to exports/
    source: str
    log: RecordLog
    style: FileStyle
    rng: random.Random
    findings: list[Any] = field(default_factory=list)


def emit_table(target: TableTarget, table: Table, rows: Iterable[DataRow]) -> int:
    """Write title rows, headers and data with the file's quirks; log every record. Returns rows."""
    sheet, style, rng, log = target.sheet, target.style, target.rng, target.log
    sheet_name = sheet.name
    width = len(table.headers)
    for title in table.titles:
        sheet.write_merged([(0, max(0, width - 1), title)], width)
    if table.info:
        sheet.write([table.info] + [""] * (width - 1))
    if table.groups:
        sheet.write_merged(table.groups, width)
    sheet.write(table.headers)

    expected = max(1, table.expected_rows)
    blanks: set[int] = set()
    repeats: set[int] = set()
    if style.blank_rows:
        count = max(1, min(40, round(expected * rng.uniform(0.002, 0.01))))
        blanks = {rng.randrange(expected) for _ in range(count)}
    if style.repeated_header and expected > 5:
        repeats = {rng.randrange(2, expected) for _ in range(rng.randint(1, 3))}

    def special(kind: str, cells: Sequence[CellValue]) -> None:
        row = sheet.write(cells)
        log.add(target.file, sheet_name, row, "", target.source, "", False, kind, [], -1)

    written = 0
    group_key: str | None = None
    group_rows = 0
    group_amount = 0.0
    total_amount = 0.0
    for index, data in enumerate(rows):
        if style.subtotal and group_key is not None and data.group != group_key:
            special("total", _total_cells(width, "小计", group_key, group_rows, group_amount,
                                          table.amount_col))
            group_rows, group_amount = 0, 0.0
        group_key = data.group
        if index in repeats:
            special("repeated_header", table.headers)
        if index in blanks:
            special("blank", [""] * width)
        row = sheet.write(data.cells)
        for slot in data.slots:
            log.add(target.file, sheet_name, row, slot.slot, target.source, slot.person_key,
                    slot.is_student, "data", slot.damage, slot.name_col)
        if data.flag:
            target.findings.append((target.file, sheet_name, row, data.flag, data.payment))
        written += 1
        group_rows += 1
        group_amount += data.amount
        total_amount += data.amount
    if style.subtotal and group_key is not None and group_key:
        special("total", _total_cells(width, "小计", group_key, group_rows, group_amount,
                                      table.amount_col))
    if style.total_row:
        special("total", _total_cells(width, rng.choice(("合计", "总计", "合  计")), "", written,
                                      total_amount, table.amount_col))
    return written


def _total_cells(
    width: int, label: str, group: str, rows: int, amount: float, amount_col: int | None
) -> list[CellValue]:
    cells: list[CellValue] = [""] * width
    cells[0] = label
    if width > 1:
        cells[1] = f"{group}共{rows}人" if group else f"共{rows}人"
    if amount_col is not None and amount_col < width:
        cells[amount_col] = round(amount, 2)
    return cells


def write_instructions(book: BookOut, lines: Sequence[str]) -> None:
    sheet = book.sheet("说明")
    for line in lines:
        sheet.write([line])


def write_summary(book: BookOut, title: str, counts: Sequence[tuple[str, int]]) -> None:
    sheet = book.sheet("汇总")
    sheet.write_merged([(0, 2, title)], 3)
    sheet.write(["序号", "区县", "人数"])
    for number, (county, count) in enumerate(counts, 1):
        sheet.write([number, county, count])
    sheet.write(["合计", "", sum(count for _, count in counts)])
