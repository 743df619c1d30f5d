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


# Long texts wrap within a column this wide (Excel units) instead of spilling over the empty
# review cells beside them; with the headers wrapped too, a case sheet fits a landscape page.
WRAP_WIDTHS = {"来源": 22, "匹配方式": 12, "问题": 18, "困难类型": 10, "建议资助项目": 14,
               "应发项目及标准": 20, "学校名称": 12, "发放学校": 12, "资助项目": 12, "说明": 20,
               "文件": 26, "工作表": 10, "情况说明": 24, "请学校核查": 24, "请交回": 20,
               "核实说明": 16, "上学期核实结果": 10, "学期对比": 10, "核实状态": 10,
               "可能的学生姓名": 8, "名单类型": 6, "报送部门": 10, "学生学籍记录": 22,
               "家庭成员名单记录": 22, "在册家庭成员": 14, "名单情况": 16,
               "家庭成员所在困难群体": 10, "核实属实时的资助项目": 14,
               "待确认的资助记录": 20, "资助记录来源": 22, "未自动关联的原因": 14,
               "不是本人时的资助项目": 14}
# A wrapped header needs no more than this many columns (three 汉字 a line).
HEADER_WRAP_WIDTH = 6
# Points per printed line of 11-point text (Excel's default row is 15).
LINE_HEIGHT = 15.0


def _lines(value: object, width: float) -> int:
    """How many lines ``value`` takes wrapped in a column ``width`` wide."""
    return max(1, -(-text_width(value) // max(int(width), 1)))


def write_table(sheet: Worksheet, top: int, headers: Sequence[str],
                rows: Sequence[Sequence[object]], header_format: Format, text_format: Format,
                text_columns: frozenset[str] = TEXT_COLUMNS, max_width: int = 60,
                wrap_format: Format | None = None) -> None:
    """Header at row ``top`` and rows below it: IDs (``text_columns``) as text, numbers as
    numbers, empty cells left empty, column widths that fit Chinese text. With ``wrap_format``
    (a format that wraps, for print) the headers wrap and the long-text columns
    (:data:`WRAP_WIDTHS`) wrap within their width, each row as tall as its longest text (set
    here: neither Excel nor LibreOffice grows a row written by a program)."""
    sheet.write_row(top, 0, headers, header_format)
    wrapping = wrap_format is not None
    wrapped = {c: WRAP_WIDTHS[h] for c, h in enumerate(headers) if wrapping and h in WRAP_WIDTHS}
    widths = [min(text_width(h), HEADER_WRAP_WIDTH) if wrapping else text_width(h)
              for h in headers]
    for r, row in enumerate(rows, top + 1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if headers[c] in text_columns:
                sheet.write_string(r, c, str(value), text_format)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, c, value, wrap_format)  # (top-aligned with the rest)
            else:
                sheet.write_string(r, c, str(value), wrap_format)
            widths[c] = max(widths[c], min(text_width(value), wrapped.get(c, max_width)))
    pad = 1 if wrapping else 2
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width + pad, text_format if headers[c] in text_columns
                         else wrap_format if c in wrapped else None)
    if not wrapping:
        return
    sheet.set_row(top, LINE_HEIGHT * max(_lines(h, widths[c]) for c, h in enumerate(headers)))
    for r, row in enumerate(rows, top + 1):
        lines = max((_lines(row[c], widths[c]) for c in wrapped
                     if c < len(row) and row[c] not in (None, "")), default=1)
        if lines > 1:
            sheet.set_row(r, LINE_HEIGHT * lines)


def print_setup(sheet: Worksheet, header_row: int | None, title: str = "") -> None:
    """A sheet that prints as a clerk expects: A4 landscape, one page wide (as many pages long as
    it takes), the header row on every page, gridlines, the title and page numbers."""
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.3, right=0.3, top=0.6, bottom=0.6)
    sheet.hide_gridlines(0)  # shown on screen and printed
    if header_row is not None:
        sheet.repeat_rows(header_row)
    if title:
        sheet.set_header("&L" + title.replace("&", "&&"))
    sheet.set_footer("&C第 &P 页，共 &N 页")


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
    text = workbook.add_format({"num_format": "@", "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    write_table(sheet, 0, headers, rows, bold, text, wrap_format=wrap)
    print_setup(sheet, 0, sheet_name)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
    workbook.close()
    private_file(path)
