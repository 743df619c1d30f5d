"""Reading spreadsheets and CSV files into sheets of text cells.

Every cell becomes text the way a clerk sees it, never a float: an ID stored as an Excel number
becomes ``6.11022199001011E+17`` (the 15 digits Excel kept, nothing invented), a date cell becomes
``2010-01-02``. Row numbers are the ones Excel shows (1-based, title rows included), so every
message and every reject can point at the cell.

Excel files (.xlsx, .xlsm, .xls) are read with python-calamine, which recognises the format by the
file's content, so an .xls renamed .xlsx still opens. CSV files are decoded as UTF-8 (with or
without BOM), UTF-16 (Excel's "Unicode text") or GB18030 (Chinese Excel's "ANSI"), in that order.
A web page saved as .xls (or .xlsx, .htm, .html) is recognised by its content and its tables read
as sheets (:mod:`aidmatch.sources.webtables`).
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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import python_calamine

from aidmatch.errors import InputError
from aidmatch.sources.webtables import SNIFF_BYTES, declared_encoding, looks_like_html, parse_tables

log = logging.getLogger(__name__)

# Spreadsheets: Excel's own suffixes and templates, OpenDocument, WPS 表格 (.et, template .ett),
# Apple Numbers. Each is read by its content (an .et is an .xls or .xlsx container); one that
# cannot be read stops the run, since a spreadsheet is where rosters are.
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".xlt", ".xltx", ".xltm",
                            ".et", ".ett", ".fods", ".numbers"})
WPS_SUFFIXES = frozenset({".et", ".ett"})
ARCHIVE_SUFFIXES = frozenset({".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz"})
# Declared tables: a .csv or .tsv must be recognised. A .txt is read as a table too, but one that
# holds no roster is a note (a 说明.txt), not an error.
TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
DECLARED_TEXT_TABLES = frozenset({".csv", ".tsv"})
# Web pages: read when they hold a table (as web systems export "Excel" files), an error otherwise.
HTML_SUFFIXES = frozenset({".htm", ".html"})
TABLE_SUFFIXES = EXCEL_SUFFIXES | TEXT_SUFFIXES | HTML_SUFFIXES

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# An .xlsx with an opening password is not a zip but an OLE file holding this stream.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# Excel's last row: a sheet (or a CSV saved from Excel) that reaches it was almost certainly cut
# off when exported, and the rows after it are lost.
EXCEL_MAX_ROWS = 1_048_576
# The old binary format (.xls, and WPS's .et in the same container) stops at 65,536 rows.
XLS_MAX_ROWS = 65_536
_PASSWORD_HINT = "在 Excel 中取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后另存，再放入输入目录。"
_TRUNCATED_HINT = ("从原系统分批导出（如按区县或学校），每个文件不超过 100 万行，或导出为 CSV；"
                   "不要在 Excel 中打开后另存。")
_XLS_TRUNCATED_HINT = ("从原系统重新导出为 .xlsx 或 CSV（.xls 格式最多 65,536 行），或分批导出，"
                       "每个文件不超过 6 万行。")
_RESAVE_HINT = "用 Excel 打开确认能否正常显示，再另存为 .xlsx。"
_WPS_HINT = "用 WPS 表格打开确认能否正常显示，再「另存为」Excel 工作簿（.xlsx）。"


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
    # A CSV read column-wise (every row as wide as the header): its text columns; ``rows`` is
    # then a view that builds a row only when one is asked for.
    columns: list[pa.Array] | None = None

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

    def iter_text_rows(self, start: int, end: int | None = None
                       ) -> Iterator[tuple[int, list[str]]]:
        """(Excel row number, text cells) from 0-based row ``start`` to ``end`` (exclusive; the
        end of the sheet when None)."""
        rows = self.rows
        stop = len(rows) if end is None else min(end, len(rows))
        if isinstance(rows, ColumnRows):
            for offset, cells in enumerate(rows.slice(start, stop)):
                yield start + offset + 1, cells
            return
        if self.all_text:
            for index in range(start, stop):
                yield index + 1, list(rows[index])  # type: ignore[arg-type]
            return
        for index in range(start, stop):
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


def read_table_file(path: Path, label: str, data: bytes | None = None) -> list[Sheet]:
    """All sheets of one file; raise :class:`InputError` when it cannot be read. ``data`` is the
    file's content when it is not a file on disk (a member of a zip archive: ``path`` is then
    the archive's path joined with the member's name, for its name and suffix)."""
    with paused_gc():
        return _read_table_file(path, label, data)


def _read_table_file(path: Path, label: str, data: bytes | None = None) -> list[Sheet]:
    suffix = path.suffix.lower()
    if data is not None:
        magic = data[:SNIFF_BYTES]
    else:
        try:
            with path.open("rb") as handle:
                magic = handle.read(SNIFF_BYTES)
        except PermissionError:
            raise InputError("没有权限读取该文件", file=label,
                             hint="关闭正在打开它的 Excel，或检查文件权限后重试。") from None
        except OSError as exc:
            raise InputError(f"无法打开文件（{exc.strerror}）", file=label) from None
    if not magic:
        raise InputError("文件是空的（0 字节）", file=label, hint="重新从系统导出该名单。")
    if magic.startswith(_OLE_MAGIC) and _is_encrypted_ooxml(path, data):
        raise InputError("工作簿设置了打开密码，无法读取", file=label, hint=_PASSWORD_HINT)
    if not magic.startswith((_ZIP_MAGIC, _OLE_MAGIC)) and looks_like_html(magic):
        return _read_html(path, label, path.read_bytes() if data is None else data)
    if suffix in EXCEL_SUFFIXES or magic.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        max_rows = XLS_MAX_ROWS if magic.startswith(_OLE_MAGIC) else EXCEL_MAX_ROWS
        if suffix in WPS_SUFFIXES:
            return _read_excel(path, label, max_rows, "WPS 表格", _WPS_HINT, data)
        return _read_excel(path, label, max_rows, data=data)
    return [_read_csv(path, label, data)]


def _is_encrypted_ooxml(path: Path, data: bytes | None = None) -> bool:
    """Whether an OLE file is a password-protected .xlsx (its directory names EncryptedPackage;
    the directory sits near the start of the small files Excel writes, so 64 KiB suffice)."""
    if data is not None:
        return _ENCRYPTED_PACKAGE in data[: 1 << 16]
    with path.open("rb") as handle:
        return _ENCRYPTED_PACKAGE in handle.read(1 << 16)


_HTML_HINT = ("从原系统重新导出为 Excel（.xlsx）或 CSV；或用 Excel 打开该文件，确认能看到名单后"
              "「另存为」.xlsx。如它不是名单，把它移出输入目录。")


def _read_html(path: Path, label: str, data: bytes) -> list[Sheet]:
    """A web page's tables, one sheet each (表1, 表2 …): how web systems export "Excel"."""
    encoding = declared_encoding(data)
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    try:
        text = data.decode(encoding) if encoding else None
    except UnicodeDecodeError:  # a page declaring the wrong encoding (utf-8 over GBK bytes)
        text = None
    if text is None:
        encoding = detect_encoding(data, label)
        text = data.decode(encoding)
    tables = parse_tables(text)
    if not tables:
        raise InputError("这是一个网页（HTML）文件，但其中没有表格，读不出名单", file=label,
                         hint=_HTML_HINT)
    sheets: list[Sheet] = []
    for number, table in enumerate(tables, 1):
        rows = ([[table.caption]] if table.caption else []) + table.rows
        sheets.append(Sheet(path, label, f"表{number}", rows, encoding=encoding or "",
                            all_text=True))
    log.debug("read %s as a web page (%s), %d tables", label, encoding, len(tables))
    return sheets


def _truncated(label: str, sheet: str | None, max_rows: int | None = None) -> InputError:
    max_rows = max_rows or EXCEL_MAX_ROWS
    if max_rows == XLS_MAX_ROWS:
        return InputError(f"数据写满了 .xls 格式的最大行数（{max_rows:,} 行），导出时很可能被截断，"
                          "其后的记录已经丢失", file=label, sheet=sheet, row=max_rows,
                          hint=_XLS_TRUNCATED_HINT)
    return InputError(f"数据写满了 Excel 的最大行数（{max_rows:,} 行），导出时很可能被截断，"
                      "其后的记录已经丢失", file=label, sheet=sheet, row=max_rows,
                      hint=_TRUNCATED_HINT)


# Sheets without cells: a VBA module. Every other kind is read (a sheet WPS or another writer
# marked as a dialog or macro sheet still holds the roster; a chart sheet simply reads empty).
_NO_CELLS = ("SheetTypeEnum.Vba", "Vba")


def _read_excel(path: Path, label: str, max_rows: int, kind: str = "Excel",
                hint: str = _RESAVE_HINT, data: bytes | None = None) -> list[Sheet]:
    try:
        if data is not None:
            workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        else:
            with path.open("rb") as handle:
                workbook = python_calamine.CalamineWorkbook.from_filelike(handle)
    except python_calamine.PasswordError:
        raise InputError("工作簿设置了打开密码，无法读取", file=label, hint=_PASSWORD_HINT) from None
    except python_calamine.CalamineError as exc:
        raise InputError(f"文件已损坏或不是有效的 {kind} 文件（{exc}）", file=label,
                         hint=hint) from None
    except Exception as exc:  # calamine raises plain exceptions for some broken files
        raise InputError(f"无法读取 {kind} 文件（{exc}）", file=label, hint=hint) from None
    sheets: list[Sheet] = []
    for meta in workbook.sheets_metadata:
        if str(meta.typ) in _NO_CELLS:
            continue
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
            # Checked before reading: a full sheet is a million rows of Python objects.
            if sheet.end is not None and sheet.end[0] + 1 >= max_rows:
                raise _truncated(label, meta.name, max_rows)
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"工作表无法读取（{exc}）", file=label, sheet=meta.name,
                             hint=hint) from None
        hidden = meta.visible != python_calamine.SheetVisibleEnum.Visible
        sheets.append(Sheet(path, label, meta.name, rows, merged, hidden=hidden))
    if not sheets:
        raise InputError("工作簿中没有可以读取的工作表", file=label, hint=hint)
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


class ColumnRows(Sequence[list[str]]):
    """The rows of a CSV read column-wise, built one at a time on demand (the header search and
    the messages look at a few rows; extraction works on the columns)."""

    def __init__(self, columns: list[pa.Array]) -> None:
        self.columns = columns
        self.length = len(columns[0]) if columns else 0

    def __len__(self) -> int:
        return self.length

    def slice(self, start: int, stop: int) -> list[list[str]]:
        parts = [column.slice(start, max(stop - start, 0)).to_pylist() for column in self.columns]
        return [list(cells) for cells in zip(*parts, strict=True)]

    def __iter__(self) -> Iterator[list[str]]:
        return iter(self.slice(0, self.length))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ColumnRows):
            other = other.slice(0, other.length)
        return isinstance(other, Sequence) and self.slice(0, self.length) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if isinstance(index, slice):
            start, stop, step = index.indices(self.length)
            rows = self.slice(start, stop)
            return rows[::step] if step != 1 else rows
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError(index)
        return [column[index].as_py() for column in self.columns]


def _read_csv(path: Path, label: str, data: bytes | None = None) -> Sheet:
    data = path.read_bytes() if data is None else data
    encoding = detect_encoding(data, label)
    # 50,000 characters are at most 200,000 bytes in any of the encodings read (GB18030's
    # four-byte characters are outside the common Han ones a delimiter search sees).
    delimiter = sniff_delimiter(data[:200_000].decode(encoding, errors="ignore")[:50000])
    columns = _columnar(data, encoding, delimiter)
    if columns is not None:
        _check_multiline_columns(columns, delimiter, label)
        if len(columns[0]) >= EXCEL_MAX_ROWS:
            raise _truncated(label, None)
        log.debug("read %s as %s column-wise, delimiter %r, %d rows", label, encoding,
                  delimiter, len(columns[0]))
        return Sheet(path, label, "", ColumnRows(columns), encoding=encoding, all_text=True,
                     columns=columns)
    text = data.decode(encoding)
    del data
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = list(reader)
        # One row per line unless a quoted cell holds a line break: only then is each row looked
        # at (a stray quote swallows the lines after it into one cell).
        if reader.line_num != len(rows):
            _check_multiline_cells(rows, text, delimiter, label)
    except csv.Error as exc:
        raise InputError(f"CSV 格式错误（{exc}）", file=label,
                         hint="用 Excel 打开后另存为 .xlsx 或「CSV UTF-8」。") from None
    if len(rows) >= EXCEL_MAX_ROWS:
        raise _truncated(label, None)
    log.debug("read %s as %s, delimiter %r, %d rows", label, encoding, delimiter, len(rows))
    return Sheet(path, label, "", rows, encoding=encoding, all_text=True)


def _columnar(data: bytes, encoding: str, delimiter: str) -> list[pa.Array] | None:
    """The file's columns read by Arrow's CSV reader, when that gives exactly the rows Python's
    csv module gives; None otherwise (the caller then reads it row by row). Exact means: every
    row has the same number of cells (no blank lines, no ragged title rows), line breaks are
    \n or \r\n, no NUL, and every double quote is where the csv module and Arrow agree on its
    meaning — opening a cell, doubled inside a quoted cell, or closing one right before a
    separator or the end of a line — and no line is blank. A quote anywhere else (or one never closed) is left to the
    row-by-row reader and its checks."""
    if encoding in ("utf-8", "utf-8-sig"):
        raw = data[3:] if encoding == "utf-8-sig" else data
    else:
        try:
            raw = data.decode(encoding).encode("utf-8")
        except UnicodeError:
            return None
    if not raw or b"\x00" in raw or raw.count(b"\r") != raw.count(b"\r\n"):
        return None
    # A blank line is an empty row to the csv module, a row of empty cells to Arrow (a line
    # break doubled inside a quoted cell is left to the row reader too: rare, and still read).
    if raw.startswith((b"\n", b"\r\n")) or b"\n\n" in raw or b"\n\r\n" in raw:
        return None
    if not _quotes_well_formed(raw, delimiter.encode()):
        return None
    first = next(csv.reader(io.StringIO(raw[:1 << 20].decode("utf-8", errors="ignore"),
                                        newline=""), delimiter=delimiter), [])
    width = len(first)
    if width < 2:
        return None
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            # One block: one chunk per column, nothing to copy together afterwards.
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False,
                                           block_size=min(len(raw) + 1, 2**31 - 1)),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"',
                                              double_quote=True, escape_char=False,
                                              newlines_in_values=b'"' in raw,
                                              ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    del raw
    columns = [column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
               for column in table.columns]
    del table
    # The csv module refuses a cell longer than its field limit; so does this reader, by
    # leaving such a file to it (bytes are at least characters: the exact count only when
    # some cell is that long in bytes).
    limit = csv.field_size_limit()
    for column in columns:
        if len(column) and pc.max(pc.binary_length(column)).as_py() > limit and pc.max(
                pc.utf8_length(column)).as_py() > limit:
            return None
    return columns


def _quotes_well_formed(raw: bytes, delimiter: bytes) -> bool:
    """Whether every double quote in ``raw`` opens a cell (after a separator or a line break),
    is doubled inside a quoted cell, or closes one (before a separator, a line break or the
    end). One loop step per quoted cell, not per row."""
    quotes = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == ord('"')).tolist()
    if not quotes:
        return True
    before_ok = (delimiter[0], ord("\n"))
    after_ok = (delimiter[0], ord("\n"), ord("\r"))
    end = len(raw)
    i, count = 0, len(quotes)
    while i < count:
        opening = quotes[i]
        if opening and raw[opening - 1] not in before_ok:
            return False
        j = i + 1
        while j + 1 < count and quotes[j + 1] == quotes[j] + 1:
            j += 2  # a doubled quote inside the cell
        if j >= count:
            return False  # never closed
        closing = quotes[j]
        if closing + 1 < end and raw[closing + 1] not in after_ok:
            return False
        i = j + 1
    return True


def _check_multiline_columns(columns: list[pa.Array], delimiter: str, label: str) -> None:
    """:func:`_check_multiline_cells` for a CSV read column-wise: the rows with a line break in
    a cell (only quoted cells hold one; line breaks are \\n or \\r\\n) are found with one kernel
    per column, and only they are looked at."""
    breaks = np.zeros(len(columns[0]), dtype=bool)
    for column in columns:
        breaks |= pc.match_substring(column, "\n").to_numpy(zero_copy_only=False)
    if not breaks.any():
        return
    rows = ColumnRows(columns)
    head = rows.slice(0, HEADER_GUESS_ROWS)
    header_index = max(range(len(head)), key=lambda i: sum(1 for c in head[i] if c.strip()))
    header = head[header_index]
    enough = max(1, (len(header) - 1) // 2)
    positions = np.flatnonzero(breaks)
    taken = pa.array(positions, pa.int64())
    cells_of = ColumnRows([column.take(taken) for column in columns])
    lines_before = 0
    for index, cells in zip(positions.tolist(), cells_of, strict=True):
        if index != header_index:
            for column, cell in enumerate(cells):
                lines = cell.splitlines()[1:]
                separators = max((line.count(delimiter) for line in lines), default=0)
                if separators >= enough:
                    _raise_stray_quote(label, index, index + 1 + lines_before, column, lines,
                                       header)
        lines_before += sum(_line_breaks(cell) for cell in cells if "\n" in cell)


def _raise_stray_quote(label: str, index: int, line: int, column: int, lines: list[str],
                       header: list[str]) -> None:
    name = header[column].strip() if column < len(header) else ""
    where = f"（文本第 {line} 行）" if line != index + 1 else ""
    raise InputError(
        f"第 {column + 1} 列的单元格{where}以不成对的英文双引号开头，其后 "
        f"{len(lines)} 行被读成了这一个单元格，这些行会从名单中丢失",
        file=label, row=index + 1, column=name or None, hint=_STRAY_QUOTE_HINT)


_STRAY_QUOTE_HINT = ("用记事本打开该文件，找到这一行，删除单元格开头多余的英文双引号（\"），或在 Excel 中"
                     "打开后核对行数、另存为 .xlsx，再放入输入目录。")


def _check_multiline_cells(rows: list[list[str]], text: str, delimiter: str, label: str) -> None:
    """Raise when a cell spans lines where no line break belongs: whole rows read into one cell
    because a double quote opened it and nothing closed it where it should have. Such a cell
    holds, after its first line break, a line with about a row's separators, or separators in a
    row whose cell count then differs from the header's. A line break typed inside a cell (an ID,
    a header 「资助金额 (元)」 on two lines, an address) is kept.

    The rows with a line break are found in one joined string (C speed); only they are looked at
    cell by cell."""
    row_mark, cell_mark = [mark for mark in ("\x1e", "\x1f", "\ue000", "\ue001", "\ufdd0",
                                             "\ufdd1") if mark not in text][:2]
    header = max(rows[:HEADER_GUESS_ROWS], key=lambda row: sum(1 for c in row if c.strip()))
    width = len(header)
    enough = max(1, (width - 1) // 2)  # separators that make a line a row
    joined = row_mark.join(map(cell_mark.join, rows))
    index, scanned, looked = 0, 0, -1
    for at in _positions(joined, "\n", "\r"):
        index += joined.count(row_mark, scanned, at)
        scanned = at
        if index == looked or rows[index] is header:
            continue
        looked = index
        for column, cell in enumerate(rows[index]):
            lines = cell.splitlines()[1:]
            separators = max((line.count(delimiter) for line in lines), default=0)
            if separators >= enough or (separators and len(rows[index]) != width):
                start = joined.rfind(row_mark, 0, scanned) + 1
                _raise_stray_quote(label, index, index + 1 + _line_breaks(joined[:start]),
                                   column, lines, header)


def _positions(text: str, *needles: str) -> list[int]:
    """Every position of each needle in ``text``, in order (str.find runs at memchr speed; a
    regular expression over a whole file is ten times slower)."""
    found: list[int] = []
    for needle in needles:
        at = text.find(needle)
        while at >= 0:
            found.append(at)
            at = text.find(needle, at + 1)
    return sorted(found)


def _line_breaks(text: str) -> int:
    """Line breaks as a CSV reader counts them: \\n, \\r and \\r\\n each one."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


# Rows looked at for the header when a message names a column (the one with the most cells).
HEADER_GUESS_ROWS = 30
