"""Writing result files safely: everything goes to a temporary folder first and is moved into
place only when the whole run succeeded, so a failed run never leaves half-written results."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from aidmatch.machine import OWNER_FILE, owned_folder
from aidmatch.outputs.csvsafe import open_csv
from aidmatch.privacy import private_dir, private_file

_WIDE = re.compile("[\u2e80-\U0010ffff]")  # characters Excel shows two columns wide
# An incomplete run (--keep-going past bad files) names every result file like this.
INCOMPLETE_PREFIX = "不完整-"
# Columns written as text in Excel so an 18-digit number never turns into 6.11022E+17.
TEXT_COLUMNS = frozenset({"学籍号", "身份证件号", "身份证号", "学校标识码", "证件号码"})


@contextmanager
def staged_output(out_dir: Path, incomplete: bool = False) -> Iterator[Path]:
    """Yield a private temporary folder; on success move its files into ``out_dir``.

    An incomplete run's files are named ``不完整-…``; each file replaces both spellings of its
    name, so an earlier run's complete-looking list never stays next to an incomplete one (and
    the other way round).
    """
    private_dir(out_dir)
    with owned_folder(out_dir) as staging:
        try:
            yield staging
        except OSError as exc:
            if exc.filename is None:  # a full disk shows on close, naming no file
                exc.filename = str(out_dir)
            raise
        for item in sorted(staging.iterdir()):
            if item.name == OWNER_FILE:
                continue
            complete_name, incomplete_name = item.name, INCOMPLETE_PREFIX + item.name
            os.replace(item, out_dir / (incomplete_name if incomplete else complete_name))
            (out_dir / (complete_name if incomplete else incomplete_name)).unlink(missing_ok=True)


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """UTF-8 with BOM (Excel opens it without garbling Chinese), formula-like cells neutralised
    (:mod:`aidmatch.outputs.csvsafe`); returns the row count."""
    with open_csv(path) as writer:
        writer.writerow(headers)
        count = writer.writerows(rows)
    private_file(path)
    return count


def text_width(value: object) -> int:
    """Display width in Excel columns: a 汉字 counts two."""
    text = "" if value is None else str(value)
    return len(text) if text.isascii() else len(text) + len(_WIDE.findall(text))


def write_table(sheet: Worksheet, top: int, headers: Sequence[str],
                rows: Sequence[Sequence[object]], header_format: Format, text_format: Format,
                text_columns: frozenset[str] = TEXT_COLUMNS, max_width: int = 60) -> None:
    """Header at row ``top`` and rows below it: IDs (``text_columns``) as text, numbers as
    numbers, empty cells left empty, column widths that fit Chinese text."""
    sheet.write_row(top, 0, headers, header_format)
    widths = [text_width(h) for h in headers]
    for r, row in enumerate(rows, top + 1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if headers[c] in text_columns:
                sheet.write_string(r, c, str(value), text_format)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
            widths[c] = max(widths[c], min(text_width(value), max_width))
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width + 2, text_format if headers[c] in text_columns else None)


def write_xlsx(path: Path, sheet_name: str, headers: Sequence[str],
               rows: Sequence[Sequence[object]], notice: Sequence[str] = ()) -> None:
    """One sheet with a frozen, filtered header, IDs as text and widths that fit Chinese.

    ``notice`` (an incomplete run's warning) becomes a first sheet 「结果不完整」 in red, so the
    workbook opens on it.
    """
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                               "strings_to_formulas": False})
    if notice:
        warning = workbook.add_worksheet("结果不完整")
        red = workbook.add_format({"bold": True, "font_color": "#C00000"})
        warning.set_column(0, 0, 120)
        for r, line in enumerate(notice):
            warning.write_string(r, 0, line, red if r == 0 else None)
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                "text_wrap": True, "valign": "vcenter"})
    text = workbook.add_format({"num_format": "@"})
    write_table(sheet, 0, headers, rows, bold, text)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    workbook.close()
    private_file(path)
