"""Web pages saved as spreadsheets: the ``.xls`` many Chinese web systems export is an HTML page
holding a ``<table>`` (Excel opens it and shows the table). Such a file is recognised by its
content, whatever its suffix (.xls, .xlsx, .htm, .html), and read with the standard library's
HTML parser the way Excel shows it:

- every ``<td>`` and ``<th>`` is a cell; ``rowspan`` / ``colspan`` fill the cells they cover with
  the value, as a merged Excel cell is read;
- ``<br>`` (and a new ``<p>`` or ``<div>``) inside a cell is a line break, other runs of white
  space one space, entities decoded (``&amp;``, ``&#20013;``, ``&nbsp;``);
- each ``<table>`` is a sheet of its own (表1, 表2 …), a ``<caption>`` its first row (a title);
- the encoding is the page's ``<meta charset>`` (GB2312 and GBK read as GB18030, their superset),
  else the detection CSV files get.

>>> page = (b"<html><body><table><tr><th>\\xe5\\xa7\\x93\\xe5\\x90\\x8d</th><th colspan=2>ID</th></tr>"
...         b"<tr><td rowspan=2>A&amp;B</td><td>1<br>2</td><td>x</td></tr><tr><td>3</td></tr>"
...         b"</table></body></html>")
>>> looks_like_html(page)
True
>>> [table.rows for table in parse_tables(page.decode("utf-8"))]
[[['姓名', 'ID', 'ID'], ['A&B', '1\\n2', 'x'], ['A&B', '3', '']]]
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Bytes read to recognise a page and find its <meta charset>.
SNIFF_BYTES = 4096
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_HTML_START = re.compile(rb"^(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|table|title)\b",
                         re.IGNORECASE | re.DOTALL)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
# A page declaring one of these is read as GB18030: every GB2312 or GBK page is valid GB18030, and
# exporters often declare gb2312 while writing characters only GBK has.
_GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030", "cp936", "x-gbk", "euc-cn", "hz-gb-2312"})


def looks_like_html(data: bytes) -> bool:
    """Whether a file's first bytes are an HTML page or table (after a BOM and white space; in
    UTF-16 too)."""
    head = data[:SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
    elif head.startswith(_BOMS[0]):
        head = head[len(_BOMS[0]):]
    return _HTML_START.match(head.lstrip()) is not None


def declared_encoding(data: bytes) -> str | None:
    """The Python codec of the page's ``<meta charset>`` (``http-equiv`` or HTML5), or None."""
    match = _META_CHARSET.search(data[:SNIFF_BYTES * 4])
    if match is None:
        return None
    name = match.group(1).decode("ascii").lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


@dataclass
class Table:
    """One ``<table>`` as rows of text cells, rowspan and colspan filled in."""

    rows: list[list[str]] = field(default_factory=list)
    caption: str = ""


class _TableParser(HTMLParser):
    """Collects every table of a page; a table inside a cell is a table of its own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self._open: list[_Building] = []  # tables being read, innermost last

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            building = _Building()
            self.tables.append(building.table)
            self._open.append(building)
            return
        if not self._open:
            return
        current = self._open[-1]
        if tag == "tr":
            current.start_row()
        elif tag in ("td", "th"):
            current.start_cell(_span(attrs, "rowspan"), _span(attrs, "colspan"))
        elif tag == "caption":
            current.in_caption = True
        elif tag == "br":
            current.text("\n", raw=True)
        elif tag in ("p", "div", "li"):
            current.text("\n", raw=True, only_inside=True)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self._open:
            return
        current = self._open[-1]
        if tag == "table":
            current.finish()
            self._open.pop()
        elif tag in ("td", "th"):
            current.end_cell()
        elif tag == "tr":
            current.end_row()
        elif tag == "caption":
            current.in_caption = False

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1].text(data)

    def close(self) -> None:
        super().close()
        while self._open:  # a page cut off inside a table still gives what it holds
            self._open.pop().finish()


def _span(attrs: list[tuple[str, str | None]], name: str) -> int:
    """rowspan / colspan as a count from 1 (a missing, zero or unreadable value is 1; a huge one
    is capped, as browsers cap it)."""
    for key, value in attrs:
        if key == name and value:
            digits = re.match(r"\s*(\d+)", value)
            if digits:
                return max(1, min(int(digits.group(1)), 1000))
    return 1


class _Building:
    """A table being read: its rows, the cells rowspans carry into rows below, the open cell."""

    def __init__(self) -> None:
        self.table = Table()
        self.row: dict[int, str] | None = None  # column → value of the row being read
        self.column = 0  # where the next cell of the row starts looking for a free column
        self.carried: dict[tuple[int, int], str] = {}  # (row, column) → value from a rowspan
        self.cell: list[str] | None = None
        self.cell_at: tuple[int, int, int, int] = (0, 0, 1, 1)  # row, column, rowspan, colspan
        self.in_caption = False
        self.caption: list[str] = []

    def start_row(self) -> None:
        self.end_row()
        self.row, self.column = {}, 0

    def start_cell(self, rowspan: int, colspan: int) -> None:
        self.end_cell()
        if self.row is None:  # a cell outside any <tr>
            self.start_row()
        assert self.row is not None
        row_index, column = len(self.table.rows), self.column
        while column in self.row or (row_index, column) in self.carried:
            column += 1
        self.cell = []
        self.cell_at = (row_index, column, rowspan, colspan)
        self.column = column + colspan

    def text(self, data: str, raw: bool = False, only_inside: bool = False) -> None:
        if self.cell is not None:
            if only_inside and not "".join(self.cell).strip():
                return
            self.cell.append(data if raw else re.sub(r"\s+", " ", data))
        elif self.in_caption and not raw:
            self.caption.append(data)

    def end_cell(self) -> None:
        if self.cell is None or self.row is None:
            return
        lines = "".join(self.cell).replace("\xa0", " ").split("\n")
        value = "\n".join(" ".join(line.split()) for line in lines).strip("\n")
        row_index, column, rowspan, colspan = self.cell_at
        for offset in range(colspan):
            self.row[column + offset] = value
            for below in range(1, rowspan):
                self.carried[(row_index + below, column + offset)] = value
        self.cell = None

    def end_row(self) -> None:
        self.end_cell()
        if self.row is None:
            return
        row_index = len(self.table.rows)
        for key in [k for k in self.carried if k[0] == row_index]:
            self.row[key[1]] = self.carried.pop(key)
        width = max(self.row, default=-1) + 1
        self.table.rows.append([self.row.get(column, "") for column in range(width)])
        self.row = None

    def finish(self) -> None:
        self.end_row()
        # Rowspans reaching past the last row (rowspan=3 on the last row) add nothing.
        self.carried.clear()
        width = max((len(row) for row in self.table.rows), default=0)
        for row in self.table.rows:
            row.extend([""] * (width - len(row)))
        self.table.caption = " ".join("".join(self.caption).split())


def parse_tables(text: str) -> list[Table]:
    """Every ``<table>`` of an HTML page, in the order they open."""
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    return parser.tables
