"""Dates as exports write them: ISO, slashes, dots, 年月日, eight digits, or an Excel serial.

>>> parse("2010-01-02"), parse("2010/1/2"), parse("2010年1月2日"), parse("20100102")
(datetime.date(2010, 1, 2), datetime.date(2010, 1, 2), datetime.date(2010, 1, 2), datetime.date(2010, 1, 2))
>>> parse("40180"), parse("40180.5")   # Excel date serials that lost their format
(datetime.date(2010, 1, 2), datetime.date(2010, 1, 2))
>>> parse("2010-01-02 00:00:00"), parse("2025年3月")
(datetime.date(2010, 1, 2), datetime.date(2025, 3, 1))
>>> parse("不详") is None and parse("2010-02-30") is None
True
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_YMD = re.compile(r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*(?:[-/.月]\s*([0-9]{1,2})\s*日?)?\s*月?")
_COMPACT = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})$")
_SERIAL = re.compile(r"^([0-9]{4,5})(?:\.[0-9]+)?$")  # a time of day may follow


@functools.lru_cache(maxsize=65536)
def parse(text: str | None) -> dt.date | None:
    """Parse one date cell; ``None`` when it is not a date."""
    if not text:
        return None
    value = unicodedata.normalize("NFKC", text).strip()
    match = _COMPACT.match(value)
    if match:
        return _make(match.group(1), match.group(2), match.group(3))
    match = _SERIAL.match(value)
    if match and 10000 <= int(match.group(1)) <= 80000:
        return _EXCEL_EPOCH + dt.timedelta(days=int(match.group(1)))
    match = _YMD.match(value)
    if match:
        return _make(match.group(1), match.group(2), match.group(3) or "1")
    return None


def _make(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
