"""aidmatch.normalize.dates: date cells as exports write them."""

from __future__ import annotations

import datetime as dt

import pytest

from aidmatch.normalize.dates import parse

D = dt.date


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # ISO, with or without a time
        ("2010-01-02", D(2010, 1, 2)),
        ("2010-1-2", D(2010, 1, 2)),
        ("2010-01-02 00:00:00", D(2010, 1, 2)),
        ("2010-01-02 08:30", D(2010, 1, 2)),
        ("2010-01-02T08:30:00", D(2010, 1, 2)),
        ("  2010-01-02  ", D(2010, 1, 2)),
        # slashes and dots
        ("2010/1/2", D(2010, 1, 2)),
        ("2010/01/02", D(2010, 1, 2)),
        ("2010/01/02 12:30", D(2010, 1, 2)),
        ("2010.1.2", D(2010, 1, 2)),
        ("2010.01.02", D(2010, 1, 2)),
        # 年月日, and a month alone meaning its first day
        ("2010年1月2日", D(2010, 1, 2)),
        ("2010年01月02日", D(2010, 1, 2)),
        ("2010 年 1 月 2 日", D(2010, 1, 2)),
        ("2025年3月", D(2025, 3, 1)),
        ("2025年03月", D(2025, 3, 1)),
        ("2025-03", D(2025, 3, 1)),
        ("2025/3", D(2025, 3, 1)),
        ("2010.1", D(2010, 1, 1)),
        # full width
        ("２０１０－０１－０２", D(2010, 1, 2)),
        ("２０１０年１月２日", D(2010, 1, 2)),
        # eight digits
        ("20100102", D(2010, 1, 2)),
        ("19900101", D(1990, 1, 1)),
        ("20240229", D(2024, 2, 29)),
        # Excel date serials that lost their format
        ("40180", D(2010, 1, 2)),
        ("40180.0", D(2010, 1, 2)),
        ("45658", D(2025, 1, 1)),
        ("10000", D(1927, 5, 18)),
        ("80000", D(2119, 1, 11)),
        # junk and impossible dates
        ("2010-02-30", None),
        ("2023-02-29", None),
        ("19000229", None),
        ("20101302", None),
        ("20100230", None),
        ("2010年13月", None),
        ("2010年1月32日", None),
        ("9999", None),  # below the serial range
        ("80001", None),  # above it
        ("201001", None),
        ("1/2/2010", None),  # day/month order unknown: never guessed
        ("不详", None),
        ("无", None),
        ("-", None),
        ("0", None),
        ("abc", None),
        ("   ", None),
        ("", None),
        (None, None),
    ],
)
def test_parse(raw: str | None, expected: dt.date | None) -> None:
    assert parse(raw) == expected


@pytest.mark.parametrize("raw", ["40180.5", "40180.75"])
def test_parse_excel_datetime_serial(raw: str) -> None:
    assert parse(raw) == D(2010, 1, 2)
