"""Semesters: parsing what users and exports write, ordering, and date ranges.

A semester is named by the calendar year it runs in: ``2024-autumn`` is 2024年秋季学期
(2024-2025学年第一学期, Sep 2024 – Jan 2025) and ``2025-spring`` is 2025年春季学期
(2024-2025学年第二学期, Mar – Jul 2025, the summer holiday included up to 31 August). February
is the winter break between them: a payment dated then is for the coming spring semester
(:meth:`Semester.containing`), and a roster entry that ended then ended before it.

>>> Semester.parse("2025-spring")
Semester(year=2025, term='spring')
>>> Semester.parse("2025春").code
'2025-spring'
>>> Semester.parse("2024年秋季学期").label
'2024年秋季学期'
>>> Semester.parse("2024-2025学年第二学期").code
'2025-spring'
>>> Semester.parse("2024-autumn") < Semester.parse("2025-spring")
True
>>> Semester.parse("2025-spring").previous().code
'2024-autumn'
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from aidmatch.errors import UsageError

Term = Literal["spring", "autumn"]

_SPRING_WORDS = ("spring", "春", "第二学期", "下学期", "第2学期", "上半年")
_AUTUMN_WORDS = ("autumn", "fall", "秋", "第一学期", "上学期", "第1学期", "下半年")
# 2024-2025-2, 2024-2025(2), 2024-2025学年2: a school year and the number of its term
_SCHOOL_YEAR_TERM = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})\s*[-—–~至/]\s*((?:19|20)[0-9]{2})\s*(?:学年)?\s*"
    r"[-—–(（_]?\s*(?:第)?\s*([12一二])\s*(?:学期)?\s*[)）]?\s*$")
# 2025-1, 2025-2: a calendar year and its first or second semester (spring runs Mar–Jul, the first
# half of the year; autumn Sep–Jan), as 2025年上半年 / 下半年. No 学年 is written: a school year
# spans two calendar years (2024-2025), so a single year here is the calendar year.
_YEAR_HALF = re.compile(r"^((?:19|20)[0-9]{2})[-—–]([12])$")


@functools.total_ordering
@dataclass(frozen=True)
class Semester:
    year: int
    term: Term

    def _key(self) -> tuple[int, int]:
        # Spring comes before autumn within a calendar year.
        return (self.year, 0 if self.term == "spring" else 1)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Semester):
            return NotImplemented
        return self._key() < other._key()

    @property
    def code(self) -> str:
        return f"{self.year}-{self.term}"

    @property
    def label(self) -> str:
        return f"{self.year}年{'春季' if self.term == 'spring' else '秋季'}学期"

    @property
    def school_year(self) -> str:
        """The 学年 the semester belongs to, e.g. ``2024-2025``."""
        first = self.year if self.term == "autumn" else self.year - 1
        return f"{first}-{first + 1}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3, 1) if self.term == "spring" else dt.date(self.year, 9, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, 8, 31) if self.term == "spring" else dt.date(self.year + 1, 1, 31)

    def previous(self) -> Semester:
        if self.term == "spring":
            return Semester(self.year - 1, "autumn")
        return Semester(self.year, "spring")

    def next(self) -> Semester:
        if self.term == "spring":
            return Semester(self.year, "autumn")
        return Semester(self.year + 1, "spring")

    @classmethod
    def containing(cls, day: dt.date) -> Semester:
        """The semester a payment date is for: Sep–Jan autumn, Mar–Aug spring, and the February
        winter break the coming spring.

        >>> Semester.containing(dt.date(2025, 1, 10)).code
        '2024-autumn'
        >>> Semester.containing(dt.date(2025, 4, 1)).code
        '2025-spring'
        """
        if day.month >= 9:
            return cls(day.year, "autumn")
        if day.month == 1:
            return cls(day.year - 1, "autumn")
        return cls(day.year, "spring")

    @classmethod
    def parse(cls, text: str) -> Semester:
        """Parse a semester as users write it; raise :class:`UsageError` if it is not one."""
        found = cls.try_parse(text)
        if found is None:
            raise UsageError(
                f"无法识别学期「{text}」",
                hint="请写成 2025-spring、2024-autumn、2025春 或 2025年春季学期 这样的形式。",
            )
        return found

    @classmethod
    def try_parse(cls, text: str, term_text: str = "") -> Semester | None:
        """Parse a semester from one text, or from a 学年 text plus a separate 学期 text.

        A school year (``2024-2025``) with 第二学期/春季 is the spring of its second year; a single
        year with 春季 is read as a calendar year (2025年春季学期), with 第二学期 as a school year
        (2024学年第二学期 is 2025-spring).

        >>> Semester.try_parse("2024-2025", "春季学期").code
        '2025-spring'
        >>> Semester.try_parse("2024-2025学年", "1").code
        '2024-autumn'
        >>> Semester.try_parse("2025", "春").code
        '2025-spring'
        >>> Semester.try_parse("2024学年", "第二学期").code
        '2025-spring'
        >>> Semester.try_parse("2024-2025-2").code, Semester.try_parse("2024-2025(1)").code
        ('2025-spring', '2024-autumn')
        >>> Semester.try_parse("2025年上半年").code
        '2025-spring'
        >>> Semester.try_parse("2025-1").code, Semester.try_parse("", "2025-2").code
        ('2025-spring', '2025-autumn')
        >>> Semester.try_parse("2025", "1").code   # a 学年 and its first term
        '2025-autumn'
        >>> Semester.try_parse("2025年", "") is None
        True
        """
        joined = unicodedata.normalize("NFKC", f"{text} {term_text}").strip().lower()
        coded = _SCHOOL_YEAR_TERM.search(joined.replace(" ", ""))
        if coded and int(coded.group(2)) == int(coded.group(1)) + 1:
            first = int(coded.group(1))
            return cls(first, "autumn") if coded.group(3) in ("1", "一") else cls(first + 1, "spring")
        half = _YEAR_HALF.match(joined.replace(" ", ""))
        if half:
            return cls(int(half.group(1)), "spring" if half.group(2) == "1" else "autumn")
        term = _term_of(joined, term_text)
        if term is None:
            return None
        years = [int(y) for y in re.findall(r"(?<![0-9])(20[0-9][0-9]|19[0-9][0-9])(?![0-9])", joined)]
        if not years:
            short = re.findall(r"(?<![0-9])([0-9][0-9])(?![0-9])", joined)
            years = [2000 + int(y) for y in short[:2]]
        if not years:
            return None
        distinct = sorted(set(years))
        if len(distinct) == 2 and distinct[1] == distinct[0] + 1 and years[0] < years[1]:
            return cls(distinct[0] if term == "autumn" else distinct[1], term)
        if len(distinct) > 1:
            return None  # 2024-2026学年, 2025-2024学年: not a school year
        if term == "spring" and _is_ordinal(joined, term_text):
            # 2024学年第二学期: a school year's second term falls in the next calendar year
            return cls(years[0] + 1, term)
        return cls(years[0], term)


def term_in(text: str) -> Term | None:
    """The term a text names, whatever its year (春季学期 → spring).

    >>> term_in("春季学期"), term_in("第一学期"), term_in("学生名单")
    ('spring', 'autumn', None)
    """
    return _term_of(unicodedata.normalize("NFKC", text).strip().lower(), "")


def _is_ordinal(joined: str, term_text: str) -> bool:
    """Whether the term is counted within a school year (第二学期, 下学期, 2) rather than named by
    season (春季): then a single year is the school year's first."""
    if any(word in joined for word in ("春", "秋", "spring", "autumn", "fall")):
        return False
    bare = unicodedata.normalize("NFKC", term_text).strip()
    return "学期" in joined or bare in ("1", "2", "一", "二")


def _term_of(joined: str, term_text: str) -> Term | None:
    spring = any(word in joined for word in _SPRING_WORDS)
    autumn = any(word in joined for word in _AUTUMN_WORDS)
    if spring and autumn:
        return None  # 2025春秋: contradictory
    if spring:
        return "spring"
    if autumn:
        return "autumn"
    bare = unicodedata.normalize("NFKC", term_text).strip()
    if bare in ("1", "一"):
        return "autumn"
    if bare in ("2", "二"):
        return "spring"
    return None
