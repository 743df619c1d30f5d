"""资助系统: aid payments. Each row is one payment of one programme to one student.

A payment belongs to a semester: from 学年 + 学期 (2024-2025 / 第二学期), a single 学期 text
(2025年春季学期, 2024-2025-2), or the 发放日期; a 学期 cell left blank under a filled one takes its
value (a merged cell saved as CSV); a term without a year (春季学期) is the nearest such term not
after the run's semester. Rows the cells say nothing about take the semester named in the title
rows, the sheet name or the file name (2024年秋季学期资助发放.xlsx); a file that names none is
taken to be the run's semester (the summary says so). A row whose semester cannot be read is
rejected with its reason.
"""

from __future__ import annotations

import pyarrow as pa

from aidmatch.normalize import dates
from aidmatch.semester import Semester, term_in
from aidmatch.sources.base import FinishContext, SourceSystem, parse_amounts
from aidmatch.sources.extract import Extract

UNREADABLE_SEMESTER = "?"


def semester_of(school_year: str, term: str, pay_date: str, near: Semester) -> Semester | None:
    """The semester of one payment row, or None when its cells do not say.

    >>> spring = Semester.parse("2025-spring")
    >>> semester_of("2024-2025", "第二学期", "", spring).code
    '2025-spring'
    >>> semester_of("", "2024年秋季学期", "", spring).code
    '2024-autumn'
    >>> semester_of("", "", "2025-04-10", spring).code
    '2025-spring'
    >>> semester_of("", "秋季学期", "", spring).code   # no year: the nearest autumn before
    '2024-autumn'
    """
    found = Semester.try_parse(school_year, term) if (school_year or term) else None
    if found is None and term:
        found = Semester.try_parse(term)
    if found is None and (school_year or term) and not any(ch.isdigit() for ch in school_year + term):
        found = _nearest(term_in(f"{school_year} {term}"), near)
    if found is None and pay_date:
        day = dates.parse(pay_date)
        found = Semester.containing(day) if day else None
    return found


def _nearest(term: str | None, near: Semester) -> Semester | None:
    if term is None:
        return None
    return near if term == near.term else near.previous()


def _fill_down(cells: list[str]) -> list[str]:
    filled: list[str] = []
    last = ""
    for cell in cells:
        last = cell if cell.strip() else last
        filled.append(last)
    return filled


class AidSystem(SourceSystem):
    kind = "aid"

    def specific(self, extract: Extract, context: FinishContext,
                 columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
        v = extract.values
        n = len(extract)
        blank = [""] * n
        near = context.semester
        named = (Semester.try_parse(extract.layout.title)
                 or Semester.try_parse(extract.sheet.name)
                 or Semester.try_parse(extract.sheet.file.stem))
        own = list(zip(v.get("school_year", blank), v.get("term", blank), v.get("pay_date", blank),
                       strict=True))
        above = list(zip(_fill_down(v.get("school_year", blank)), _fill_down(v.get("term", blank)),
                         blank, strict=True))
        cache: dict[tuple[str, str, str], str | None] = {}
        semesters: list[str | None] = []
        for mine, filled in zip(own, above, strict=True):
            # a row saying nothing itself takes the 学年/学期 written above it
            key = mine if any(part.strip() for part in mine) else filled
            if key not in cache:
                found = semester_of(*key, near)
                if found is not None:
                    cache[key] = found.code
                elif any(part.strip() for part in key):
                    cache[key] = UNREADABLE_SEMESTER
                else:
                    # the cells say nothing: the title, sheet or file name, else the run's semester
                    cache[key] = named.code if named else None
            semesters.append(cache[key])
        return {
            "semester": pa.array(semesters, pa.string()),
            "amount": parse_amounts(v.get("amount", blank)),
        }
