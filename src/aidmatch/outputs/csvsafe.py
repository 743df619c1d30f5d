"""The one way aidmatch writes CSV: cells a spreadsheet would run as a formula are neutralised.

A clerk opens every CSV aidmatch writes in Excel or WPS. A text cell that begins with ``=``,
``+``, ``-`` or ``@`` (also after leading spaces, which Excel trims), or with a tab or a line
break, is read as a formula: a file name or a roster cell such as ``=HYPERLINK("http://…")`` or
``@SUM(1+1)|cmd`` would run on the clerk's machine (OWASP "CSV injection"). Such a cell is
written with a leading ``'``, which the spreadsheet shows as text. The full-width forms (＝ ＋ －
＠) are treated the same way, for spreadsheets that fold them. Numbers stay numbers: a number
value, or a text that is only a number (``-375.00``, ``+86``), is written as it is.

>>> neutralise('=HYPERLINK("http://x")')
'\\'=HYPERLINK("http://x")'
>>> neutralise("  @SUM(1+1)|cmd")
"'  @SUM(1+1)|cmd"
>>> neutralise("\\t=1+1")
"'\\t=1+1"
>>> neutralise("-375.00"), neutralise(-375.0), neutralise("王芳"), neutralise(None)
('-375.00', -375.0, '王芳', '')

Every CSV writer in the package goes through :class:`SafeCsvWriter` (a test checks that no other
module calls :mod:`csv`'s writers).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

# What a spreadsheet starts a formula with: = + - @, their full-width forms, a tab or a line
# break (a cell can begin with one; Excel then trims it and reads the rest).
_FORMULA_START = frozenset("=+-@＝＋－＠\t\r\n")
# Leading characters Excel or WPS trims before deciding that a cell is a formula.
_LEADING = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet evaluate this text cell? (A plain number is not a formula.)"""
    if not text:
        return False
    if text[0] in "\t\r\n":
        return True
    trimmed = _LEADING.sub("", text)
    return trimmed[:1] in _FORMULA_START and not _PLAIN_NUMBER.fullmatch(trimmed)


def neutralise(value: object) -> object:
    """The cell as it may be written to a CSV file: None as empty, a formula-like text with a
    leading ``'``, anything else unchanged."""
    if value is None:
        return ""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


class SafeCsvWriter:
    """:func:`csv.writer` whose every cell passes through :func:`neutralise`."""

    def __init__(self, handle: TextIO) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> int:
        count = 0
        for row in rows:
            self.writerow(row)
            count += 1
        return count


@contextmanager
def open_csv(path: Path, encoding: str = "utf-8-sig") -> Iterator[SafeCsvWriter]:
    """A new CSV file at ``path`` (default UTF-8 with BOM, which Excel opens without garbling
    Chinese), written through :class:`SafeCsvWriter`."""
    with path.open("w", encoding=encoding, newline="") as handle:
        yield SafeCsvWriter(handle)


__all__ = ["SafeCsvWriter", "is_formula_like", "neutralise", "open_csv"]
