"""aidmatch.semester: parsing what users and exports write, ordering, date ranges."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidmatch.errors import AidmatchError, UsageError
from aidmatch.semester import Semester

S = Semester


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the codes aidmatch itself writes
        ("2025-spring", S(2025, "spring")),
        ("2024-autumn", S(2024, "autumn")),
        ("2024-fall", S(2024, "autumn")),
        ("2025-SPRING", S(2025, "spring")),
        ("2025 Spring", S(2025, "spring")),
        # calendar year + 春/秋
        ("2025春", S(2025, "spring")),
        ("2025秋", S(2025, "autumn")),
        ("2025春季", S(2025, "spring")),
        ("2025年春", S(2025, "spring")),
        ("２０２５春", S(2025, "spring")),
        ("25春", S(2025, "spring")),
        ("2025年春季学期", S(2025, "spring")),
        ("2024年秋季学期", S(2024, "autumn")),
        # school year + 第一/第二学期: the first is the autumn of its first year
        ("2024-2025学年第一学期", S(2024, "autumn")),
        ("2024-2025学年第二学期", S(2025, "spring")),
        ("2024-2025学年上学期", S(2024, "autumn")),
        ("2024-2025学年下学期", S(2025, "spring")),
        ("2024/2025学年第2学期", S(2025, "spring")),
        ("2024～2025学年第二学期", S(2025, "spring")),
        ("2024—2025学年第一学期", S(2024, "autumn")),
        ("24-25学年第一学期", S(2024, "autumn")),
        # a calendar year and its half: spring (Mar–Jul) is the first, as 上半年
        ("2025-1", S(2025, "spring")),
        ("2025-2", S(2025, "autumn")),
        ("2025年上半年", S(2025, "spring")),
        ("2025年下半年", S(2025, "autumn")),
    ],
)
def test_parse(text: str, expected: Semester) -> None:
    assert Semester.parse(text) == expected
    assert Semester.try_parse(text) == expected


@pytest.mark.parametrize(
    ("school_year", "term", "expected"),
    [
        ("2024-2025", "春季学期", S(2025, "spring")),
        ("2024-2025", "秋季学期", S(2024, "autumn")),
        ("2024-2025", "第一学期", S(2024, "autumn")),
        ("2024-2025", "第二学期", S(2025, "spring")),
        ("2024-2025学年", "1", S(2024, "autumn")),
        ("2024-2025学年", "2", S(2025, "spring")),
        ("2024-2025", "一", S(2024, "autumn")),
        ("2024-2025", "二", S(2025, "spring")),
        ("2024-2025", "上学期", S(2024, "autumn")),
        ("2024-2025", "下学期", S(2025, "spring")),
        ("2025", "春", S(2025, "spring")),  # one year with 春: a calendar year
        ("2024", "秋季", S(2024, "autumn")),
        ("2024-2025", "3", None),
        ("2024-2025", "", None),
        ("2025年", "", None),
        ("", "", None),
    ],
)
def test_try_parse_school_year_and_term(school_year: str, term: str,
                                        expected: Semester | None) -> None:
    assert Semester.try_parse(school_year, term) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "2025", "2025年", "spring", "春", "第二学期", "2025-winter", "2025-2026",
             "abc", "不详", "2025-13"])
def test_junk_is_rejected_with_usage_error(text: str) -> None:
    assert Semester.try_parse(text) is None
    with pytest.raises(UsageError) as caught:
        Semester.parse(text)
    error = caught.value
    assert isinstance(error, AidmatchError)
    assert error.exit_code == 2
    assert f"无法识别学期「{text}」" in str(error)
    assert error.hint and "2025-spring" in error.hint


@pytest.mark.parametrize(
    ("semester", "code", "label", "school_year", "start"),
    [
        (S(2025, "spring"), "2025-spring", "2025年春季学期", "2024-2025", dt.date(2025, 3, 1)),
        (S(2024, "autumn"), "2024-autumn", "2024年秋季学期", "2024-2025", dt.date(2024, 9, 1)),
    ],
)
def test_names_and_start(semester: Semester, code: str, label: str, school_year: str,
                         start: dt.date) -> None:
    assert (semester.code, semester.label, semester.school_year, semester.start) == (
        code, label, school_year, start)
    assert Semester.parse(code) == Semester.parse(label) == semester
    assert Semester.parse(f"{school_year}学年第{'一' if semester.term == 'autumn' else '二'}学期") \
        == semester


def test_ordering() -> None:
    order = [S(2023, "autumn"), S(2024, "spring"), S(2024, "autumn"), S(2025, "spring"),
             S(2025, "autumn")]
    assert sorted(reversed(order)) == order
    assert S(2024, "autumn") < S(2025, "spring") <= S(2025, "spring") < S(2025, "autumn")
    assert S(2025, "spring") > S(2024, "autumn")
    assert max(order) == S(2025, "autumn")
    assert S(2025, "spring") != "2025-spring"
    with pytest.raises(TypeError):
        _ = S(2025, "spring") < "2025-autumn"  # type: ignore[operator]


@pytest.mark.parametrize(
    ("semester", "previous", "following"),
    [
        (S(2025, "spring"), S(2024, "autumn"), S(2025, "autumn")),
        (S(2024, "autumn"), S(2024, "spring"), S(2025, "spring")),
        (S(2000, "spring"), S(1999, "autumn"), S(2000, "autumn")),
    ],
)
def test_previous_and_next(semester: Semester, previous: Semester, following: Semester) -> None:
    assert semester.previous() == previous
    assert semester.next() == following


# Semester texts name years 1900-2099 (a 20xx or 19xx in the text).
semesters = st.builds(Semester, st.integers(1900, 2099), st.sampled_from(["spring", "autumn"]))


@settings(max_examples=100, deadline=None)
@given(semesters)
def test_previous_next_and_order_agree(semester: Semester) -> None:
    assert semester.next().previous() == semester == semester.previous().next()
    assert semester.previous() < semester < semester.next()
    assert Semester.parse(semester.code) == semester
    assert Semester.parse(semester.label) == semester
    assert semester.start < semester.next().start


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2025, 1, 10), S(2024, "autumn")),  # January still belongs to the autumn
        (dt.date(2025, 1, 31), S(2024, "autumn")),
        (dt.date(2025, 2, 1), S(2025, "spring")),  # spring payments can start in February
        (dt.date(2025, 3, 1), S(2025, "spring")),
        (dt.date(2025, 4, 1), S(2025, "spring")),
        (dt.date(2025, 8, 31), S(2025, "spring")),
        (dt.date(2025, 9, 1), S(2025, "autumn")),
        (dt.date(2025, 12, 31), S(2025, "autumn")),
    ],
)
def test_containing(day: dt.date, expected: Semester) -> None:
    assert Semester.containing(day) == expected


@settings(max_examples=100, deadline=None)
@given(st.dates(dt.date(2000, 3, 1), dt.date(2099, 1, 31)).filter(lambda d: d.month != 2))
def test_containing_agrees_with_start_and_end_outside_february(day: dt.date) -> None:
    semester = Semester.containing(day)
    assert semester.start <= day <= semester.end


# ---------------------------------------------------------------------------------------------
# Regression tests for bugs found and fixed (a strict xfail remains where one is open)


@pytest.mark.parametrize("day", [dt.date(2025, 2, 10), dt.date(2028, 2, 29)])
def test_february_is_the_break_before_spring(day: dt.date) -> None:
    """The domain's semesters are Sep–Jan and Mar–Jul: February lies between them. A payment
    dated then is for the coming spring; every other day lies inside its semester."""
    semester = Semester.containing(day)
    assert semester == Semester(day.year, "spring")
    assert semester.previous().end < day < semester.start


@pytest.mark.parametrize("text", ["2024-2026学年第二学期", "2025-2024学年第二学期", "2025春秋"])
def test_contradictory_semesters_are_rejected(text: str) -> None:
    with pytest.raises(UsageError):
        Semester.parse(text)


@pytest.mark.parametrize(("year", "term", "code"), [
    ("2024学年", "第二学期", "2025-spring"),
    ("2024", "2", "2025-spring"),
    ("2024", "第一学期", "2024-autumn"),
    ("2025", "春季学期", "2025-spring"),
])
def test_single_year_with_ordinal_term_is_a_school_year(year: str, term: str, code: str) -> None:
    found = Semester.try_parse(year, term)
    assert found is not None and found.code == code
