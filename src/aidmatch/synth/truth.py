"""Ground truth: key groups by the default policy, and the files under ``DIR/truth/``.

The key groups are computed here from the synthetic world itself, never by the engine, so the
engine can be scored against them.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aidmatch.outputs.csvsafe import SafeCsvWriter

if TYPE_CHECKING:
    from aidmatch.synth.aid import Payment
    from aidmatch.synth.city import City, Student
    from aidmatch.synth.households import Household
    from aidmatch.synth.people import Person

KEY_GROUPS = (
    "poverty_alleviated",
    "at_risk_monitored",
    "minimum_living",
    "extreme_poverty",
    "orphan",
    "de_facto_orphan",
    "disabled_student",
    "child_of_disabled",
)

RECORD_COLUMNS = (
    "file", "sheet", "row", "slot", "source", "person_key", "is_student", "row_kind", "damage",
    "column",
)


def column_letter(index: int) -> str:
    """Excel column letters for a 0-based index.

    >>> column_letter(0), column_letter(25), column_letter(26)
    ('A', 'Z', 'AA')
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def key_groups(person: Person, household: Household) -> list[str]:
    """The default-policy key groups of one person (see domain.md)."""
    groups: list[str] = []
    if household.poverty and not (household.no_policy and household.policy_visible):
        groups.append("poverty_alleviated")
    if household.monitored and not household.risk_eliminated:
        groups.append("at_risk_monitored")
    if household.dibao and not household.dibao_stopped:
        groups.append("minimum_living")
    if person.tekun:
        groups.append("extreme_poverty")
    if person.child_group == "orphan":
        groups.append("orphan")
    if person.child_group == "de_facto":
        groups.append("de_facto_orphan")
    if person.cert is not None:
        groups.append("disabled_student")
    carers = [c for c in (person.father, person.mother, person.guardian) if c is not None]
    if any(carer.cert is not None for carer in carers):
        groups.append("child_of_disabled")
    return groups


class RecordLog:
    """Streams ``records.csv`` and counts records and damage per file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = path.open("w", encoding="utf-8", newline="")
        self._writer = SafeCsvWriter(self._handle)
        self._writer.writerow(RECORD_COLUMNS)
        self.damage: Counter[str] = Counter()
        self.per_file: dict[str, Counter[str]] = defaultdict(Counter)
        self.total = 0

    def add(
        self,
        file: str,
        sheet: str,
        row: int,
        slot: str,
        source: str,
        person_key: str,
        is_student: bool,
        kind: str,
        damage: list[str],
        name_col: int,
    ) -> None:
        self._writer.writerow((
            file, sheet, row, slot, source, person_key, int(is_student), kind, ";".join(damage),
            column_letter(name_col) if name_col >= 0 else "",
        ))
        self.total += 1
        counts = self.per_file[file]
        counts[f"rows_{kind}"] += 1
        if person_key:
            counts["records"] += 1
        for code in damage:
            self.damage[code] += 1
            counts[code] += 1

    def close(self) -> None:
        self._handle.close()


def write_students(path: Path, city: City, paid: set[str]) -> tuple[int, int]:
    """``students.csv`` and ``gaps.csv``; returns (students, gaps)."""
    gaps = 0
    with path.joinpath("students.csv").open("w", encoding="utf-8", newline="") as handle, \
            path.joinpath("gaps.csv").open("w", encoding="utf-8", newline="") as gap_handle:
        writer = SafeCsvWriter(handle)
        gap_writer = SafeCsvWriter(gap_handle)
        writer.writerow(("person_key", "学籍号", "身份证件号", "姓名", "区县", "学校名称", "学段",
                         "就读方式", "学籍状态", "key_groups", "paid", "is_gap"))
        gap_writer.writerow(("学籍号", "身份证件号", "姓名", "区县", "学校名称", "key_groups"))
        for student in city.students:
            person = student.person
            groups = ";".join(student.key_groups)
            is_paid = person.key in paid
            gap = is_gap(student, is_paid)
            writer.writerow((person.key, student.xjh, person.id, person.name,
                             student.school.county.name, student.school.name, student.stage,
                             "住校" if student.boarding else "走读", student.status, groups,
                             int(is_paid), int(gap)))
            if gap:
                gaps += 1
                gap_writer.writerow((student.xjh, person.id, person.name,
                                     student.school.county.name, student.school.name, groups))
    return len(city.students), gaps


def is_gap(student: Student, paid: bool) -> bool:
    return student.enrolled and bool(student.key_groups) and not paid


def write_persons(path: Path, city: City) -> None:
    """``persons.csv``: the true identity of everyone the records point at."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = SafeCsvWriter(handle)
        writer.writerow(("person_key", "姓名", "身份证件号", "性别", "出生日期", "household",
                         "relation_to_head", "is_student", "old_id"))
        for person in city.persons:
            writer.writerow((person.key, person.name, person.id, person.sex,
                             person.birth.isoformat(), person.household, person.role,
                             int(person.student), person.old_id))


def write_findings(path: Path, findings: list[tuple[str, str, int, str, Payment]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = SafeCsvWriter(handle)
        writer.writerow(("file", "sheet", "row", "flag", "person_key", "资助项目名称",
                         "资助金额（元）"))
        for file, sheet, row, flag, payment in findings:
            writer.writerow((file, sheet, row, flag, payment.person.key, payment.programme_name,
                             payment.amount))


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
                    encoding="utf-8")
