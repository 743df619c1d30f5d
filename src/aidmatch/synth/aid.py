"""The 资助 system's payments for the semester, with the findings a careful review should raise.

Amounts are half the yearly national base (domain.md); 国家助学金 rose from 1000 to 1150 a
semester in 2025-spring. Each payment carries its truth flag: '' (a correct payment),
``not_enrolled``, ``not_in_registry``, ``duplicate`` or ``wrong_standard``.

>>> from aidmatch.semester import Semester
>>> standard_amount("hs_grant", "高中", Semester.parse("2025-spring"), "商州区")
1150.0
>>> standard_amount("hs_grant", "高中", Semester.parse("2024-autumn"), "商州区")
1000.0
>>> standard_amount("nonboarding", "小学", Semester.parse("2025-spring"), "商州区")
312.5
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from aidmatch.semester import Semester
from aidmatch.synth.city import City, Student
from aidmatch.synth.geography import School
from aidmatch.synth.people import Person
from aidmatch.synth.profiles import AidRates

PROGRAMME_NAMES: dict[str, tuple[str, ...]] = {
    "preschool": ("学前教育幼儿资助", "学前教育资助", "家庭经济困难幼儿资助"),
    "boarding": ("家庭经济困难寄宿生生活补助", "义务教育寄宿生生活补助", "寄宿生生活补助"),
    "nonboarding": ("家庭经济困难非寄宿生生活补助", "义务教育非寄宿生生活补助",
                    "非寄宿生生活补助"),
    "hs_grant": ("普通高中国家助学金", "高中国家助学金", "国家助学金"),
    "hs_fee": ("普通高中免学杂费", "免学杂费", "高中免学杂费"),
    "voc_grant": ("中职国家助学金", "中等职业教育国家助学金", "国家助学金"),
    "voc_fee": ("中职免学费", "中等职业教育免学费", "免学费"),
}
GRANT_RAISED = Semester(2025, "spring")
# Local fee standards per semester (invented, per county).
HS_FEE = {"商州区": 450.0, "洛南县": 400.0, "丹凤县": 400.0, "商南县": 380.0, "山阳县": 400.0,
          "镇安县": 380.0, "柞水县": 360.0}
VOC_FEE = 1000.0
FEE_GROUPS = {"poverty_alleviated", "minimum_living", "extreme_poverty", "disabled_student",
              "orphan", "de_facto_orphan"}


def standard_amount(programme: str, stage: str, semester: Semester, county: str) -> float:
    """The correct per-semester amount of a programme."""
    if programme == "preschool":
        return 375.0
    if programme == "boarding":
        return 625.0 if stage == "小学" else 750.0
    if programme == "nonboarding":
        return 312.5 if stage == "小学" else 375.0
    if programme in ("hs_grant", "voc_grant"):
        return 1150.0 if semester >= GRANT_RAISED else 1000.0
    if programme == "hs_fee":
        return HS_FEE.get(county, 400.0)
    return VOC_FEE


def expected_programmes(stage: str, boarding: bool, groups: list[str]) -> list[str]:
    if stage == "学前":
        return ["preschool"]
    if stage in ("小学", "初中"):
        return ["boarding" if boarding else "nonboarding"]
    if stage == "高中":
        return ["hs_grant"] + (["hs_fee"] if FEE_GROUPS.intersection(groups) else [])
    return ["voc_grant", "voc_fee"]


@dataclass
class Payment:
    person: Person
    student: Student | None
    programme: str
    amount: float
    semester: Semester
    flag: str
    school: School
    stage: str
    grade: int
    class_no: int
    day: dt.date
    method: str
    name_choice: int = 0  # which wording of the programme name a file uses
    xjh: str = ""

    @property
    def programme_name(self) -> str:
        names = PROGRAMME_NAMES[self.programme]
        return names[self.name_choice % len(names)]

    @property
    def county(self) -> str:
        return self.school.county.name


@dataclass
class AidPlan:
    current: list[Payment]  # this semester, including every finding
    previous: list[Payment]  # last semester: written only in some files, never counts
    paid: set[str]  # person keys with a real payment this semester


def pay_day(rng: random.Random, semester: Semester) -> dt.date:
    start = dt.date(semester.year, 3, 20) if semester.term == "spring" else dt.date(
        semester.year, 9, 25)
    return start + dt.timedelta(days=rng.randint(0, 95))


def paid_key_students(rng: random.Random, key: list[Student], rates: AidRates,
                      missed_elsewhere: frozenset[str] = frozenset()) -> list[Student]:
    """The key-group students the schools paid (one draw each). A student missed in the other
    semester of a two-semester city is missed again half the time: gaps persist."""
    return [s for s in key
            if rng.random() < (0.5 if s.person.key in missed_elsewhere else rates.key_paid)]


def plan_aid(rng: random.Random, city: City, rates: AidRates,
             missed_elsewhere: frozenset[str] = frozenset()) -> AidPlan:
    semester = city.semester
    previous_semester = semester.previous()

    def payments_for(student: Student, when: Semester, flag: str = "") -> list[Payment]:
        method = "社保卡" if rng.random() < 0.3 else "银行卡"
        day = pay_day(rng, when)
        return [
            Payment(student.person, student, programme,
                    standard_amount(programme, student.stage, when, student.school.county.name),
                    when, flag, student.school, student.stage, student.grade, student.class_no,
                    day, method, xjh=student.xjh)
            for programme in expected_programmes(student.stage, student.boarding,
                                                 student.key_groups)
        ]

    enrolled = [s for s in city.students if s.enrolled]
    key = [s for s in enrolled if s.key_groups]
    current: list[Payment] = []
    paid_key = paid_key_students(rng, key, rates, missed_elsewhere)
    for student in paid_key:
        current.extend(payments_for(student, semester))
    key_rows = len(current)
    # Schools also assess students outside the key groups as poor and pay them.
    others = [s for s in enrolled if not s.key_groups]
    rng.shuffle(others)
    target = round(key_rows * rates.nonkey_share / max(1e-9, 1 - rates.nonkey_share))
    nonkey: list[Student] = []
    rows = 0
    for student in others:
        if rows >= target:
            break
        if student.school.rural or rng.random() < 0.4:
            nonkey.append(student)
            new = payments_for(student, semester)
            current.extend(new)
            rows += len(new)
    base_rows = len(current)

    # Findings.
    not_enrolled = [s for s in city.students if not s.enrolled]
    for student in rng.sample(not_enrolled, min(len(not_enrolled),
                                                _count(rng, base_rows * rates.not_enrolled))):
        current.extend(payments_for(student, semester, "not_enrolled"))
    current.extend(_not_in_registry(rng, city, _count(rng, base_rows * rates.not_in_registry)))
    correct = [payment for payment in current if not payment.flag]
    for payment in rng.sample(correct, min(len(correct),
                                           _count(rng, base_rows * rates.wrong_standard))):
        _make_wrong(rng, payment, semester)
    correct = [payment for payment in current if not payment.flag]
    for payment in rng.sample(correct, min(len(correct), _count(rng, base_rows * rates.duplicate))):
        payment.flag = "duplicate"
        twin = replace(payment, day=payment.day + dt.timedelta(days=rng.randint(0, 40)))
        current.append(twin)

    # Last semester: most of this semester's paid students, and some of today's gaps.
    previous: list[Payment] = []
    paid_now = {p.person.key for p in current}
    for student in paid_key + nonkey:
        if rng.random() < 0.7:
            previous.extend(payments_for(student, previous_semester))
    for student in key:
        if student.person.key not in paid_now and rng.random() < 0.5:
            previous.extend(payments_for(student, previous_semester))
    rng.shuffle(current)
    return AidPlan(current, previous, paid_now)


def _count(rng: random.Random, expected: float) -> int:
    """Round an expected count at random, so small runs still see rare findings sometimes."""
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def _make_wrong(rng: random.Random, payment: Payment, semester: Semester) -> None:
    payment.flag = "wrong_standard"
    if payment.programme in ("boarding", "nonboarding"):
        roll = rng.random()
        if roll < 0.5:
            # Paid at the other boarding rate.
            payment.programme = "nonboarding" if payment.programme == "boarding" else "boarding"
            payment.amount = standard_amount(payment.programme, payment.stage, semester,
                                             payment.county)
        else:
            # Paid at the other stage's rate.
            other = "初中" if payment.stage == "小学" else "小学"
            payment.amount = standard_amount(payment.programme, other, semester, payment.county)
    elif payment.programme in ("hs_grant", "voc_grant") and semester >= GRANT_RAISED:
        payment.amount = 1000.0  # the old rate
    elif payment.programme == "preschool":
        payment.programme = "nonboarding"
        payment.amount = 312.5
    else:
        payment.amount = round(payment.amount * rng.choice((0.5, 2.0)), 2)


def _not_in_registry(rng: random.Random, city: City, count: int) -> list[Payment]:
    """Aid rows for children of school age who are not in the registry."""
    if count <= 0:
        return []
    cutoff = dt.date(int(city.semester.school_year[:4]), 8, 31)
    pool = [
        person for person in city.persons
        if not person.student and person.id and 6 <= person.age_on(cutoff) <= 17
    ]
    payments = []
    for person in rng.sample(pool, min(count, len(pool))):
        age = person.age_on(cutoff)
        stage, grade = ("小学", age - 5) if age <= 11 else (
            ("初中", age - 11) if age <= 14 else ("高中", age - 14))
        household = city.household_of(person)
        schools = [s for s in city.geography.schools
                   if s.stage == stage and s.county is household.county]
        school = rng.choice(schools)
        programme = {"小学": "nonboarding", "初中": "nonboarding", "高中": "hs_grant"}[stage]
        payments.append(Payment(
            person, None, programme,
            standard_amount(programme, stage, city.semester, school.county.name),
            city.semester, "not_in_registry", school, stage, grade, 1,
            pay_day(rng, city.semester), "银行卡", xjh="G" + person.id,
        ))
    return payments
