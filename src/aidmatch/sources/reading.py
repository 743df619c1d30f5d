"""Reading spreadsheets and CSV files into sheets of text cells.

Every cell becomes text the way a clerk sees it, never a float: an ID stored as an Excel number
becomes ``6.11022199001011E+17`` (the 15 digits Excel kept, nothing invented), a date cell becomes
``2010-01-02``. Row numbers are the ones Excel shows (1-based, title rows included), so every
message and every reject can point at the cell.

Excel files (.xlsx, .xlsm, .xls) are read with python-calamine, which recognises the format by the
file's content, so an .xls renamed .xlsx still opens. CSV files are decoded as UTF-8 (with or
without BOM), UTF-16 (Excel's "Unicode text") or GB18030 (Chinese Excel's "ANSI"), in that order.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import io
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine

from aidmatch.errors import InputError

log = logging.getLogger(__name__)

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
ARCHIVE_SUFFIXES = frozenset({".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz"})
TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
TABLE_SUFFIXES = EXCEL_SUFFIXES | TEXT_SUFFIXES

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# An .xlsx with an opening password is not a zip but an OLE file holding this stream.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# Excel's last row: a sheet (or a CSV saved from Excel) that reaches it was almost certainly cut
# off when exported, and the rows after it are lost.
EXCEL_MAX_ROWS = 1_048_576
_PASSWORD_HINT = "在 Excel 中取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后另存，再放入输入目录。"
_TRUNCATED_HINT = ("从原系统分批导出（如按区县或学校），每个文件不超过 100 万行，或导出为 CSV；"
                   "不要在 Excel 中打开后另存。")


@dataclass
class Sheet:
    """One sheet (or one CSV file) as rows of text; ``rows[i]`` is Excel row ``i + 1``."""

    file: Path
    file_label: str
    name: str  # "" for a CSV file
    rows: Sequence[Sequence[object]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    encoding: str = ""
    hidden: bool = False
    all_text: bool = False  # every cell is already a str (a CSV file)

    @property
    def label(self) -> str:
        return f"{self.file_label}「{self.name}」" if self.name else self.file_label

    def __len__(self) -> int:
        return len(self.rows)

    def text_row(self, index: int) -> list[str]:
        """Row ``index`` (0-based) as text cells."""
        return [cell_text(v) for v in self.rows[index]]

    def head(self, count: int) -> list[list[str]]:
        return [self.text_row(i) for i in range(min(count, len(self.rows)))]

    def iter_text_rows(self, start: int) -> Iterator[tuple[int, list[str]]]:
        """(Excel row number, text cells) from 0-based row ``start`` to the end."""
        rows = self.rows
        if self.all_text:
            for index in range(start, len(rows)):
                yield index + 1, list(rows[index])  # type: ignore[arg-type]
            return
        for index in range(start, len(rows)):
            yield index + 1, [v if type(v) is str else cell_text(v) for v in rows[index]]


def cell_text(value: object) -> str:
    """The text of one cell as Excel would show it, without inventing digits.

    >>> cell_text(6.110221990010112e+17)   # an 18-digit ID that became an Excel number
    '6.11022199001011E+17'
    >>> cell_text(611023201707123000.0)    # stored as …122944; Excel shows …123000
    '6.11023201707123E+17'
    >>> cell_text(1.0), cell_text(312.5), cell_text(None), cell_text(dt.date(2010, 1, 2))
    ('1', '312.5', '', '2010-01-02')
    >>> cell_text(dt.datetime(2010, 1, 2, 0, 0))
    '2010-01-02'
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer():
            if abs(value) >= 1e15:
                # Excel keeps 15 significant digits; the nearest double of such a number is not
                # exact (611023201707123000 reads back as …122944), so round to 15 digits — what
                # Excel shows — and never print the double's noise as digits.
                return f"{value:.14E}"
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cycle collector paused: reading a sheet creates millions of row lists and cells,
    none in a cycle, and each full collection walks them all (it tripled the time of reading a
    200k-row CSV). Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_table_file(path: Path, label: str) -> list[Sheet]:
    """All sheets of one file; raise :class:`InputError` when it cannot be read."""
    with paused_gc():
        return _read_table_file(path, label)


def _read_table_file(path: Path, label: str) -> list[Sheet]:
    suffix = path.suffix.lower()
    try:
        with path.open("rb") as handle:
            magic = handle.read(8)
    except PermissionError:
        raise InputError("没有权限读取该文件", file=label,
                         hint="关闭正在打开它的 Excel，或检查文件权限后重试。") from None
    except OSError as exc:
        raise InputError(f"无法打开文件（{exc.strerror}）", file=label) from None
    if not magic:
        raise InputError("文件是空的（0 字节）", file=label, hint="重新从系统导出该名单。")
    if magic.startswith(_OLE_MAGIC) and _is_encrypted_ooxml(path):
        raise InputError("工作簿设置了打开密码，无法读取", file=label, hint=_PASSWORD_HINT)
    if suffix in EXCEL_SUFFIXES or magic.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        return _read_excel(path, label)
    return [_read_csv(path, label)]


def _is_encrypted_ooxml(path: Path) -> bool:
    """Whether an OLE file is a password-protected .xlsx (its directory names EncryptedPackage;
    the directory sits near the start of the small files Excel writes, so 64 KiB suffice)."""
    with path.open("rb") as handle:
        return _ENCRYPTED_PACKAGE in handle.read(1 << 16)


def _truncated(label: str, sheet: str | None) -> InputError:
    return InputError(f"数据写满了 Excel 的最大行数（{EXCEL_MAX_ROWS:,} 行），导出时很可能被截断，"
                      "其后的记录已经丢失", file=label, sheet=sheet, row=EXCEL_MAX_ROWS,
                      hint=_TRUNCATED_HINT)


def _read_excel(path: Path, label: str) -> list[Sheet]:
    try:
        with path.open("rb") as handle:
            workbook = python_calamine.CalamineWorkbook.from_filelike(handle)
    except python_calamine.PasswordError:
        raise InputError("工作簿设置了打开密码，无法读取", file=label, hint=_PASSWORD_HINT) from None
    except python_calamine.CalamineError as exc:
        raise InputError(f"文件已损坏或不是有效的 Excel 文件（{exc}）", file=label,
                         hint="用 Excel 打开确认能否正常显示，再另存为 .xlsx。") from None
    except Exception as exc:  # calamine raises plain exceptions for some broken files
        raise InputError(f"无法读取 Excel 文件（{exc}）", file=label,
                         hint="用 Excel 打开确认能否正常显示，再另存为 .xlsx。") from None
    sheets: list[Sheet] = []
    for meta in workbook.sheets_metadata:
        if str(meta.typ) not in ("SheetTypeEnum.WorkSheet", "WorkSheet"):
            continue
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
            # Checked before reading: a full sheet is a million rows of Python objects.
            if sheet.end is not None and sheet.end[0] + 1 >= EXCEL_MAX_ROWS:
                raise _truncated(label, meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"工作表无法读取（{exc}）", file=label, sheet=meta.name,
                             hint="用 Excel 打开确认能否正常显示，再另存为 .xlsx。") from None
        hidden = meta.visible != python_calamine.SheetVisibleEnum.Visible
        sheets.append(Sheet(path, label, meta.name, rows, merged, hidden=hidden))
    return sheets


def _common_share(text: str) -> float:
    """Share of the Han characters in ``text`` that are among the 3,755 most common (GB2312
    level 1): real Chinese scores high, bytes decoded with the wrong codec score low."""
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not han:
        return 0.0
    common = 0
    for ch in han:
        try:
            encoded = ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 0xB0 <= encoded[0] <= 0xD7
    return common / len(han)


def _reads_better_as_utf8(line: bytes) -> bool:
    """Whether a line is UTF-8 rather than GBK. GBK bytes are sometimes valid UTF-8 by chance;
    then the text that reads as more ordinary Chinese wins."""
    try:
        as_utf8 = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    try:
        as_gbk = line.decode("gb18030")
    except UnicodeDecodeError:
        return True
    return _common_share(as_utf8) >= _common_share(as_gbk)


def detect_encoding(data: bytes, label: str) -> str:
    """The encoding of a CSV file's bytes; mixed encodings are an error naming the lines."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    utf8_lines: list[int] = []
    other_lines: list[int] = []
    for number, line in enumerate(data.split(b"\n"), 1):
        if line.isascii():
            continue
        if _reads_better_as_utf8(line):
            utf8_lines.append(number)
        else:
            other_lines.append(number)
    if utf8_lines and other_lines:
        raise InputError(
            "文件混用了两种编码：第 "
            + "、".join(map(str, utf8_lines[:3]))
            + " 行是 UTF-8，第 "
            + "、".join(map(str, other_lines[:3]))
            + " 行是 GBK",
            file=label,
            hint="用 Excel 打开后「另存为」CSV UTF-8 或 .xlsx，统一编码。",
        )
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        line_number = data[: exc.start].count(b"\n") + 1
        raise InputError("无法识别文件编码（不是 UTF-8，也不是 GBK/GB18030）", file=label,
                         row=line_number,
                         hint="用 Excel 打开后另存为 .xlsx 或「CSV UTF-8」。") from None


def sniff_delimiter(sample: str) -> str:
    """The separator of a delimited text: the candidate found on the most lines (ragged rows,
    title lines and quoted commas do not fool it the way csv.Sniffer can be fooled).

    >>> sniff_delimiter("标题" + chr(10) + "姓名;身份证号;停保日期" + chr(10) + "王芳;6110")
    ';'
    """
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    best, best_score = ",", (0, 0)
    for candidate in (",", "\t", ";", "|"):
        counts = [line.count(candidate) for line in lines]
        score = (sum(1 for c in counts if c > 0), sorted(counts)[len(counts) // 2] if counts else 0)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _read_csv(path: Path, label: str) -> Sheet:
    data = path.read_bytes()
    encoding = detect_encoding(data, label)
    text = data.decode(encoding)
    delimiter = sniff_delimiter(text[:50000])
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(f"CSV 格式错误（{exc}）", file=label,
                         hint="用 Excel 打开后另存为 .xlsx 或「CSV UTF-8」。") from None
    if len(rows) >= EXCEL_MAX_ROWS:
        raise _truncated(label, None)
    log.debug("read %s as %s, delimiter %r, %d rows", label, encoding, delimiter, len(rows))
    return Sheet(path, label, "", rows, encoding=encoding, all_text=True)
