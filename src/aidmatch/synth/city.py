"""The whole synthetic city: households, people, and the students in the 学籍 registry."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from aidmatch.semester import Semester
from aidmatch.synth import people as p
from aidmatch.synth.geography import Geography, School, build_geography, town_key
from aidmatch.synth.households import Household, HouseholdMaker, assign_programmes
from aidmatch.synth.people import IdMaker, NameMaker, Person
from aidmatch.synth.profiles import PopulationRates

log = logging.getLogger(__name__)

STATUS_ENROLLED = "在读"
OTHER_STATUSES = ("休学", "转出", "毕业")
NO_ID_TYPES = ("其他", "出生医学证明", "无")
CLASS_SIZE = 45


@dataclass(eq=False)
class Student:
    person: Person
    school: School
    stage: str  # 学前 / 小学 / 初中 / 高中 / 中职
    grade: int  # 1-based within the stage (学前: 1 小班, 2 中班, 3 大班)
    boarding: bool
    status: str
    xjh: str  # 学籍号
    id_type: str  # 身份证件类型
    members: list[tuple[Person, str]]  # registry 成员N: (person, relation to the student)
    class_no: int = 1
    key_groups: list[str] = field(default_factory=list)

    @property
    def enrolled(self) -> bool:
        return self.status == STATUS_ENROLLED


@dataclass
class City:
    semester: Semester
    today: dt.date  # the day the exports are taken: the semester's first day
    geography: Geography
    households: list[Household]
    persons: list[Person]
    students: list[Student]
    ids: IdMaker
    names: NameMaker
    by_key: dict[str, Person] = field(default_factory=dict)
    student_of: dict[str, Student] = field(default_factory=dict)

    def household_of(self, person: Person) -> Household:
        return self.households[person.household]


def build_city(
    rng: random.Random, students: int, semester: Semester, rates: PopulationRates,
    geography: Geography | None = None,
) -> City:
    """The city's people and students; ``geography`` replaces 商洛's (a country's provinces)."""
    today = semester.start
    geography_rng = random.Random(rng.random())
    if geography is None:
        geography = build_geography(geography_rng, students)
    counter = itertools.count(1)
    ids = IdMaker(random.Random(rng.random()))
    names = NameMaker(random.Random(rng.random()), rates.minority_names, rates.rare_char_names)
    maker = HouseholdMaker(random.Random(rng.random()), geography, rates, today, names, ids,
                           lambda: f"P{next(counter):07d}")
    placing = _Placer(random.Random(rng.random()), geography, semester, rates, ids)
    households: list[Household] = []
    registry: list[Student] = []
    while len(registry) < students:
        household = maker.family()
        households.append(household)
        for member in household.members:
            if member.role in (p.SON, p.DAUGHTER, p.GRANDSON, p.GRANDDAUGHTER, p.GRANDSON_D,
                               p.GRANDDAUGHTER_D) and (member.father or member.mother
                                                       or member.guardian):
                student = placing.place(member, household)
                if student is not None:
                    registry.append(student)
        if maker.rng.random() < rates.childless_households:
            households.append(maker.childless())
    assign_classes(registry)
    persons = [member for household in households for member in household.members]
    extra = random.Random(rng.random())
    for person in persons:
        if person.child_group == "orphan" and extra.random() < rates.orphans_on_tekun:
            person.tekun = True
    assign_programmes(random.Random(rng.random()), households, rates, today)
    city = City(semester, today, geography, households, persons, registry, ids, names)
    city.by_key = {person.key: person for person in persons}
    city.student_of = {student.person.key: student for student in registry}
    log.info("城市：%d 户，%d 人，学籍学生 %d 人", len(households), len(persons), len(registry))
    return city


class _Placer:
    """Puts school-age children into schools, grades and 学籍 statuses."""

    def __init__(
        self,
        rng: random.Random,
        geography: Geography,
        semester: Semester,
        rates: PopulationRates,
        ids: IdMaker,
    ) -> None:
        self.rng = rng
        self.geo = geography
        self.rates = rates
        self.ids = ids
        # Children who are six by 31 August start 一年级 that September.
        first_year = int(semester.school_year[:4])
        self.cutoff = dt.date(first_year, 8, 31)

    def place(self, child: Person, household: Household) -> Student | None:
        age = child.age_on(self.cutoff)
        rng = self.rng
        stage, grade = "", 0
        if 3 <= age <= 5:
            stage, grade = "学前", age - 2
        elif 6 <= age <= 11:
            stage, grade = "小学", age - 5
        elif 12 <= age <= 14:
            stage, grade = "初中", age - 11
        elif 15 <= age <= 17:
            roll = rng.random()
            if roll < 0.10:
                return None
            stage, grade = ("高中" if roll < 0.68 else "中职"), age - 14
        else:
            return None
        share = self.rates.in_registry * (0.9 if stage == "学前" else 1.0)
        if rng.random() >= share:
            return None
        if grade > 1 and rng.random() < 0.02:
            grade -= 1  # repeated a year
        school = self._school(stage, household)
        status = STATUS_ENROLLED
        if rng.random() >= self.rates.enrolled:
            status = rng.choices(OTHER_STATUSES, (0.3, 0.45, 0.25))[0]
        boarding = rng.random() < school.boarding_rate * (1.1 if not household.urban else 0.6)
        id_type = "居民身份证"
        xjh = "G" + child.id
        roll = rng.random()
        if roll < self.rates.no_id_students:
            id_type = rng.choice(NO_ID_TYPES)
            code = child.id[:14] + f"{rng.randrange(1000):03d}" + rng.choice("0123456789X")
            child.id = ""
            xjh = "J" + code
        elif roll < self.rates.no_id_students + self.rates.xjh_drift_students:
            # The ID was corrected (birth date or region) after the 学籍 was created.
            region = rng.choice([c.code for c in self.geo.counties])
            birth = child.birth - dt.timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 40))
            child.old_id = self.ids.make(region, birth, child.male)
            xjh = "G" + child.old_id
        child.student = True
        return Student(child, school, stage, grade, boarding, status, xjh, id_type,
                       self._members(child))

    def _school(self, stage: str, household: Household) -> School:
        rng = self.rng
        key = town_key(household.town)
        county_seat = next(t for t in household.county.towns if t.urban)
        if stage == "学前":
            return rng.choice(self.geo.kindergartens[key])
        if stage == "小学":
            village = self.geo.village_primary.get((key, household.village))
            if village is not None and rng.random() < 0.7:
                return village
            if not household.urban and rng.random() < 0.15:
                return rng.choice(self.geo.primary[town_key(county_seat)])
            return rng.choice(self.geo.primary[key])
        if stage == "初中":
            if not household.urban and rng.random() < 0.25:
                return rng.choice(self.geo.junior[town_key(county_seat)])
            return rng.choice(self.geo.junior[key])
        if stage == "高中":
            return rng.choice(self.geo.senior[household.county.name])
        own = [s for s in self.geo.vocational if s.county is household.county]
        # A country's provinces each have their own: a child placed here stays in the province.
        province = [s for s in self.geo.vocational if s.county.province == household.county.province]
        return own[0] if own and rng.random() < 0.7 else rng.choice(province)

    def _members(self, child: Person) -> list[tuple[Person, str]]:
        rng = self.rng
        members: list[tuple[Person, str]] = []
        guardian = child.guardian
        if guardian is not None:
            grand = "祖父" if guardian.male else "祖母"
            if child.role in (p.GRANDSON_D, p.GRANDDAUGHTER_D):
                grand = "外" + grand
            members.append((guardian, rng.choice(("监护人", grand))))
        parents = [(child.father, "父亲"), (child.mother, "母亲")]
        if rng.random() < 0.25:
            parents.reverse()
        members.extend((parent, label) for parent, label in parents if parent is not None)
        return members[:3]


def assign_classes(students: list[Student]) -> None:
    """Classes of at most :data:`CLASS_SIZE` per school, stage and grade, in registry order."""
    groups: dict[tuple[str, str, int], list[Student]] = defaultdict(list)
    for student in students:
        groups[(student.school.code, student.stage, student.grade)].append(student)
    for group in groups.values():
        classes = max(1, math.ceil(len(group) / CLASS_SIZE))
        for position, student in enumerate(group):
            student.class_no = position % classes + 1
