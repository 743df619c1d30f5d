"""资助系统: aid payments. Each row is one payment of one programme to one student.

A payment belongs to a semester: from 学年 + 学期 (2024-2025 / 第二学期), a single 学期 text
(2025年春季学期), or the 发放日期. A file with none of these columns is taken to be the run's
semester (the summary says so); a row whose semester cannot be read is rejected with its reason.
"""

from __future__ import annotations

import pyarrow as pa

from aidmatch.normalize import dates
from aidmatch.semester import Semester
from aidmatch.sources.base import FinishContext, SourceSystem, parse_amounts
from aidmatch.sources.extract import Extract

UNREADABLE_SEMESTER = "?"


def semester_of(school_year: str, term: str, pay_date: str) -> Semester | None:
    """The semester of one payment row, or None when its cells do not say.

    >>> semester_of("2024-2025", "第二学期", "").code
    '2025-spring'
    >>> semester_of("", "2024年秋季学期", "").code
    '2024-autumn'
    >>> semester_of("", "", "2025-04-10").code
    '2025-spring'
    """
    found = Semester.try_parse(school_year, term) if (school_year or term) else None
    if found is None and term:
        found = Semester.try_parse(term)
    if found is None and pay_date:
        day = dates.parse(pay_date)
        found = Semester.containing(day) if day else None
    return found


class AidSystem(SourceSystem):
    kind = "aid"

    def specific(self, extract: Extract, context: FinishContext,
                 columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
        v = extract.values
        n = len(extract)
        blank = [""] * n
        has_semester_columns = any(f in v for f in ("school_year", "term", "pay_date"))
        cache: dict[tuple[str, str, str], str | None] = {}
        semesters: list[str | None] = []
        for key in zip(v.get("school_year", blank), v.get("term", blank), v.get("pay_date", blank),
                       strict=True):
            if key not in cache:
                found = semester_of(*key)
                if found is not None:
                    cache[key] = found.code
                elif has_semester_columns and any(part.strip() for part in key):
                    cache[key] = UNREADABLE_SEMESTER
                else:
                    cache[key] = None  # the file does not say: the run's semester
            semesters.append(cache[key])
        return {
            "semester": pa.array(semesters, pa.string()),
            "amount": parse_amounts(v.get("amount", blank)),
        }
