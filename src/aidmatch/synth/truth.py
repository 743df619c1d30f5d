"""Ground truth: key groups by the default policy, and the files under ``DIR/truth/``.

The key groups are computed here from the synthetic world itself, never by the engine, so the
engine can be scored against them.
"""

from __future__ import annotations

import csv
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
    """``students.csv`` and ``gaps.csv``; returns (students, gaps).

    Reads ``records.csv`` (written and closed before) to mark each gap 可发现 or not: see
    :func:`undiscoverable_reasons`.
    """
    gap_students: list[Student] = []
    with path.joinpath("students.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = SafeCsvWriter(handle)
        writer.writerow(("person_key", "学籍号", "身份证件号", "姓名", "区县", "学校名称", "学段",
                         "就读方式", "学籍状态", "key_groups", "paid", "is_gap"))
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
                gap_students.append(student)
    hidden = undiscoverable_reasons(gap_students, path / "records.csv")
    with path.joinpath("gaps.csv").open("w", encoding="utf-8", newline="") as gap_handle:
        gap_writer = SafeCsvWriter(gap_handle)
        gap_writer.writerow(("学籍号", "身份证件号", "姓名", "区县", "学校名称", "key_groups",
                             "可发现", "不可发现原因"))
        for student in gap_students:
            person = student.person
            reason = hidden.get(person.key, "")
            gap_writer.writerow((student.xjh, person.id, person.name,
                                 student.school.county.name, student.school.name,
                                 ";".join(student.key_groups), "否" if reason else "是", reason))
    return len(city.students), len(gap_students)


# A registry family member's ID with these damages still names the person only together with the
# name beside it (the first 15 digits + name; name + a number a digit or two off).
_ID_NEEDS_NAME = frozenset({"id_typo", "id_swap", "id_number", "id_scientific", "id_old15",
                            "id_stale", "id_parent"})
# Damage after which a name is no longer the same name (spaces, dots and traditional characters
# normalise away; a homophone or a substitute for a rare character does not).
_NAME_CHANGED = frozenset({"name_blank", "name_homophone", "name_rare"})
_TIED_GROUPS = frozenset({"child_of_disabled", "disabled_student"})
_NO_ID_REASON = "残疾学生：本人无身份证号，残联名单只有姓名、性别和住址"
_CARER_WORDS = {"father": "父亲", "mother": "母亲", "guardian": "监护人"}
# Rosters whose households can show a child with a certificate-holding parent.
_HOUSEHOLD_SOURCES = frozenset({"poverty", "civil"})


def undiscoverable_reasons(students: list[Student], records_csv: Path) -> dict[str, str]:
    """The gap students no honest engine can find, by person key → why, from the damage the
    generator applied to their evidence rows (never from an engine's output).

    Only 残疾人子女 depends on a second person: the certificate holder must be tied to the child.
    The registry ties them when the child's own registry row lists the parent or guardian with
    an ID that still names them (not blanked; a mistyped or Excel-truncated number only with the
    name beside it); a 扶贫 or 民政 roster ties them when it lists both; and a sibling's registry
    row ties them when the child's row names the parent (same name, ID blank) and both rows give
    another family member the same intact ID (the sibling rule of the README's linkage notes).
    Otherwise a parent listed by name only is not identified (a name alone does not identify an
    adult in a county: README, "Decisions where the domain notes are silent"), nor is one the
    registry does not list.

    残疾学生 needs the student's own 残联 row: a student with no ID number at all (a J or L
    学籍号) has a row without ID or certificate number (the 残联 export has no birth date), a name
    on a person roster that identifies nobody.

    A student in any other key group, or with one of these two groups intact, is discoverable.
    """
    carers: dict[str, list[tuple[str, Person]]] = {}
    no_id: set[str] = set()
    for student in students:
        person = student.person
        groups = set(student.key_groups)
        if not groups <= _TIED_GROUPS:
            continue
        if "disabled_student" in groups:
            if person.id:
                continue
            no_id.add(person.key)
        if "child_of_disabled" not in groups:
            carers[person.key] = []
            continue
        carers[person.key] = [(role, carer) for role in ("father", "mother", "guardian")
                              if (carer := getattr(person, role)) is not None
                              and carer.cert is not None]
    if not carers:
        return {}
    family = {student.person.key: [member.key for member, _ in student.members]
              for student in students if student.person.key in carers}
    wanted = set(carers) | {key for keys in family.values() for key in keys}
    own_rows: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    slots: dict[str, dict[tuple[str, str, str], set[str]]] = defaultdict(dict)
    rosters: dict[str, set[tuple[str, str]]] = defaultdict(set)
    certified: set[str] = set()
    with records_csv.open(encoding="utf-8", newline="") as handle:
        # positional (RECORD_COLUMNS): a big city's records.csv holds millions of rows
        rows = csv.reader(handle)
        next(rows)
        for file, sheet, row, slot, source, key, _student, _kind, damage, _column in rows:
            if key not in wanted:
                continue
            where = (file, sheet, row)
            if source == "registry":
                if slot:
                    slots[key][where] = set(damage.split(";"))
                else:
                    own_rows[key].add(where)
            elif source in _HOUSEHOLD_SOURCES:
                rosters[key].add((file, sheet))
            elif source == "disability":
                certified.add(key)

    def via_sibling(student_key: str, carer_key: str, own: tuple[str, str, str]) -> bool:
        """The carer named on the child's own row, the ID intact on a sibling's row that shares
        another member's intact ID with the child's row."""
        named = slots[carer_key].get(own)
        if named is None or named & _NAME_CHANGED:
            return False
        for where, damage in slots[carer_key].items():
            if where == own or not _intact_id(damage):
                continue
            if any(key != carer_key and _intact_id(slots[key].get(own))
                   and _intact_id(slots[key].get(where)) for key in family[student_key]):
                return True
        return False

    reasons: dict[str, str] = {}
    for student_key, pairs in carers.items():
        if not pairs:  # 残疾学生 only
            reasons[student_key] = _NO_ID_REASON
            continue
        why: list[str] = []
        for role, carer in pairs:
            word = _CARER_WORDS[role]
            if carer.key not in certified:
                why.append(f"{word}不在残联名单")
                continue
            if rosters[student_key] & rosters[carer.key]:
                break
            own = own_rows[student_key]
            listed = [damage for where, damage in slots[carer.key].items() if where in own]
            if any(_names_carer(damage) for damage in listed) or any(
                    via_sibling(student_key, carer.key, where) for where in own):
                break
            if not listed:
                why.append(f"{word}未列入本人学籍行的家庭成员")
            elif all("id_blank" in damage for damage in listed):
                why.append(f"{word}在本人学籍行中只有姓名（身份证号为空）")
            else:
                why.append(f"{word}在本人学籍行中身份证号有误且姓名为空")
        else:
            reason = "残疾人子女：" + "；".join(why)
            reasons[student_key] = (f"{_NO_ID_REASON}；{reason}" if student_key in no_id
                                    else reason)
    return reasons


def _intact_id(damage: set[str] | None) -> bool:
    """Whether a registry family-member slot with this damage holds the whole, valid ID."""
    return damage is not None and not damage & (_ID_NEEDS_NAME | {"id_blank"})


def _names_carer(damage: set[str]) -> bool:
    """Whether a registry family-member slot with this damage still identifies the person."""
    if "id_blank" in damage:
        return False
    return "name_blank" not in damage or not damage & _ID_NEEDS_NAME


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
