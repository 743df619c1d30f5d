"""Households: parents, children, grandparents, and the rosters each household is on.

Every household gets its members with a canonical relation to the head (see ``people``), and the
flags that decide which rosters list it: 脱贫户, 防返贫监测户, 低保, 低收入, plus per-person
certificates, 特困 and the 孤儿 / 事实无人抚养 groups.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from aidmatch.synth import people as p
from aidmatch.synth.geography import County, Geography, Town
from aidmatch.synth.people import IdMaker, NameMaker, Person, random_birth
from aidmatch.synth.profiles import PopulationRates

OTHER_REGIONS = ("610102", "610113", "610502", "610702", "610402", "411302", "420302", "410381")
MONITOR_CATEGORIES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")


@dataclass(eq=False)
class Household:
    index: int
    county: County
    town: Town
    village: str
    kind: str  # family / orphan / de_facto / elderly / adult
    members: list[Person] = field(default_factory=list)
    number: str = ""  # 户编号
    poverty: bool = False
    poverty_year: int = 0
    no_policy: bool = False
    policy_visible: bool = False  # written in a file with a 享受政策 column
    monitored: bool = False
    monitor_category: str = ""
    risk_eliminated: bool = False
    dibao: str = ""  # 城市低保 / 农村低保
    dibao_stopped: bool = False
    dibao_start: dt.date | None = None
    dibao_end: dt.date | None = None  # 停保日期, or the end of the approved period
    dibao_amount: float = 0.0
    low_income: bool = False

    @property
    def head(self) -> Person:
        return next(m for m in self.members if m.role == p.HEAD)

    @property
    def urban(self) -> bool:
        return self.town.urban


class HouseholdMaker:
    """Creates households one at a time; the caller decides how many."""

    def __init__(
        self,
        rng: random.Random,
        geography: Geography,
        rates: PopulationRates,
        today: dt.date,
        names: NameMaker,
        ids: IdMaker,
        new_key: Callable[[], str],
    ) -> None:
        self.rng = rng
        self.geo = geography
        self.rates = rates
        self.today = today
        self.names = names
        self.ids = ids
        self.new_key = new_key
        self.count = 0
        self.county_weights = [c.weight for c in geography.counties]

    # -- places and identities -------------------------------------------------------------
    def _place(self) -> tuple[County, Town, str]:
        county = self.rng.choices(self.geo.counties, self.county_weights)[0]
        town = self.rng.choices(county.towns, [3.0 if t.urban else 1.0 for t in county.towns])[0]
        return county, town, self.rng.choice(town.villages)

    def _region(self, county: County, birth: dt.date, outsider: bool) -> str:
        roll = self.rng.random()
        if roll < (0.2 if outsider else self.rates.other_region):
            other = self.rng.choice(self.geo.counties)
            if self.rng.random() < 0.5 and other is not county:
                return other.code if birth.year >= 1995 else other.old_code
            return self.rng.choice(OTHER_REGIONS)
        if birth.year < 1995 and self.rng.random() < self.rates.old_region_code:
            return county.old_code
        return county.code

    def _person(
        self,
        household: Household,
        role: str,
        sex: str,
        birth: dt.date,
        surname: str,
        *,
        outsider: bool = False,
        first: str = "",
    ) -> Person:
        name, rare = self.names.person_name(surname, sex, birth, first)
        region = self._region(household.county, birth, outsider)
        person = Person(
            key=self.new_key(),
            name=name,
            sex=sex,
            birth=birth,
            id=self.ids.make(region, birth, sex == "男"),
            household=household.index,
            role=role,
            rare=rare,
        )
        household.members.append(person)
        return person

    def _birth(self, age: int) -> dt.date:
        return random_birth(self.rng, self.today, age)

    # -- households ------------------------------------------------------------------------
    def family(self) -> Household:
        """A household with children; sometimes an orphan or de-facto-orphan household."""
        county, town, village = self._place()
        # These households hold more school-age children than most, hence the 0.85.
        roll = self.rng.random() / 0.85
        kind = "family"
        if roll < self.rates.orphan_students:
            kind = "orphan"
        elif roll < self.rates.orphan_students + self.rates.de_facto_orphan_students:
            kind = "de_facto"
        household = Household(self.count, county, town, village, kind)
        self.count += 1

        n_children = self.rng.choices((1, 2, 3), (0.4, 0.45, 0.15))[0]
        eldest = self.rng.randint(3, 17) if kind != "family" else self.rng.randint(0, 19)
        ages = [eldest]
        for _ in range(n_children - 1):
            younger = ages[-1] - self.rng.randint(1, 6)
            if younger >= 0:
                ages.append(younger)
        father_age = eldest + self.rng.randint(22, 34)
        mother_age = max(eldest + 19, father_age - self.rng.randint(-2, 5))
        grandparents = kind != "family" or self.rng.random() < self.rates.grandparents_present * (
            0.5 if town.urban else 1.15
        )
        son_in_law = grandparents and kind == "family" and self.rng.random() < self.rates.son_in_law
        head_is_grand = kind != "family" or (
            grandparents and self.rng.random() < self.rates.head_is_grandparent
        )

        father_surname = self.names.surname()
        mother_surname = self.names.surname()
        minority = self.rng.random() < self.rates.minority_names
        grand_surname = mother_surname if son_in_law else father_surname

        # Roles depend on who heads the household.
        if head_is_grand:
            father_role = p.SON_IN_LAW if son_in_law else p.SON
            mother_role = p.DAUGHTER if son_in_law else p.DAUGHTER_IN_LAW
            child_roles = (p.GRANDSON_D, p.GRANDDAUGHTER_D) if son_in_law else (
                p.GRANDSON, p.GRANDDAUGHTER)
            grand_roles = (p.HEAD, p.SPOUSE)
        else:
            # The mother heads some households (never with grandparents living in).
            mother_heads = not grandparents and self.rng.random() < 0.1
            father_role, mother_role = (p.SPOUSE, p.HEAD) if mother_heads else (p.HEAD, p.SPOUSE)
            child_roles = (p.SON, p.DAUGHTER)
            grand_roles = (p.FATHER_IN_LAW, p.MOTHER_IN_LAW) if son_in_law else (p.FATHER,
                                                                                  p.MOTHER)

        grand_people: list[Person] = []
        if grandparents:
            grand_age = (mother_age if son_in_law else father_age) + self.rng.randint(22, 32)
            both = self.rng.random() < 0.6
            grandfather_first = both or self.rng.random() < 0.5
            if grandfather_first:
                grand_people.append(self._person(household, grand_roles[0], "男",
                                                 self._birth(grand_age), grand_surname))
            if both or not grandfather_first:
                # A grandmother alone heads the household when the grandparents do.
                alone_heads = not grandfather_first and head_is_grand
                role = grand_roles[0] if alone_heads else grand_roles[1]
                grand_people.append(self._person(household, role, "女",
                                                 self._birth(grand_age - self.rng.randint(0, 4)),
                                                 self.names.surname()))

        father: Person | None = None
        mother: Person | None = None
        if kind == "family":
            father = self._person(household, father_role, "男", self._birth(father_age),
                                  father_surname, outsider=son_in_law)
            mother = self._person(household, mother_role, "女", self._birth(mother_age),
                                  mother_surname, outsider=not son_in_law)
        elif kind == "de_facto" and self.rng.random() < 0.6:
            # The father is at home but severely disabled; the mother has left.
            father = self._person(household, father_role, "男", self._birth(father_age),
                                  father_surname)
            father.cert = (self.rng.choice((4, 5, 6, 7)), self.rng.choice((1, 2)))
        if minority:
            self._minority_names(household)

        child_surname = grand_surname if kind != "family" else (
            father_surname if self.rng.random() < 0.97 else mother_surname)
        twins = len(ages) >= 2 and self.rng.random() < self.rates.twins * 1.5
        children: list[Person] = []
        for position, age in enumerate(ages):
            sex = self.rng.choice(("男", "女"))
            role = child_roles[0] if sex == "男" else child_roles[1]
            if twins and position == 0:
                child = self._person(household, role, sex, self._birth(age), child_surname,
                                     first=self.names.first_char(sex, self._birth(age)))
            elif twins and position == 1:
                first_twin = children[0]
                shared = first_twin.name[len(child_surname)]
                child = self._person(household, role, sex, first_twin.birth, child_surname,
                                     first=shared)
                child.twin_of = first_twin.key
                first_twin.twin_of = child.key
            else:
                child = self._person(household, role, sex, self._birth(age), child_surname)
            child.father, child.mother = father, mother
            child.child_group = "" if kind == "family" else kind
            if kind != "family":
                child.guardian = grand_people[0]
            if minority:
                father_given = (father.name.split(p.MIDDLE_DOT)[0] if father else
                                self.rng.choice(self.names.minority_father))
                child.name, _ = self.names.minority_name(sex, father_given)
                child.minority, child.rare = True, None
            children.append(child)
        self._certificates(household, children)
        return household

    def _minority_names(self, household: Household) -> None:
        for member in household.members:
            member.name, _ = self.names.minority_name(member.sex)
            member.minority, member.rare = True, None

    def _certificates(self, household: Household, children: list[Person]) -> None:
        for member in household.members:
            if member.cert is not None:
                continue
            age = member.age_on(self.today)
            if member in children:
                rate = self.rates.disabled_students
            elif age >= 60:
                rate = self.rates.disabled_elders
            else:
                rate = self.rates.disabled_parents
            if self.rng.random() < rate:
                member.cert = (self.rng.randint(1, 7), self.rng.choices((1, 2, 3, 4),
                                                                        (1, 2, 3, 4))[0])

    def childless(self) -> Household:
        """A household only the rosters see: elderly people, or adults with grown children."""
        county, town, village = self._place()
        kind = "elderly" if self.rng.random() < 0.5 else "adult"
        household = Household(self.count, county, town, village, kind)
        self.count += 1
        surname = self.names.surname()
        if kind == "elderly":
            age = self.rng.randint(60, 88)
            self._person(household, p.HEAD, self.rng.choice(("男", "女")), self._birth(age),
                         surname)
            if self.rng.random() < 0.5:
                head = household.members[0]
                self._person(household, p.SPOUSE, "女" if head.male else "男",
                             self._birth(age + self.rng.randint(-4, 4)), self.names.surname())
            else:
                household.members[0].tekun = self.rng.random() < self.rates.elderly_tekun * 2
        else:
            age = self.rng.randint(22, 60)
            self._person(household, p.HEAD, "男", self._birth(age), surname)
            self._person(household, p.SPOUSE, "女", self._birth(age - self.rng.randint(-2, 5)),
                         self.names.surname(), outsider=True)
            if age >= 40:
                for _ in range(self.rng.randint(1, 2)):
                    sex = self.rng.choice(("男", "女"))
                    self._person(household, p.SON if sex == "男" else p.DAUGHTER, sex,
                                 self._birth(self.rng.randint(18, age - 20)), surname)
            elif self.rng.random() < 0.6:
                sex = self.rng.choice(("男", "女"))
                infant = self._person(household, p.SON if sex == "男" else p.DAUGHTER, sex,
                                      self._birth(self.rng.randint(0, 2)), surname)
                infant.father, infant.mother = household.members[0], household.members[1]
        self._certificates(household, [])
        return household


def assign_programmes(
    rng: random.Random, households: list[Household], rates: PopulationRates, today: dt.date
) -> None:
    """Decide which households are 脱贫户, monitored, on 低保 or 低收入, and their numbers."""
    for household in households:
        urban_factor = 0.45 if household.urban else 1.15
        poverty_rate = rates.poverty_households * urban_factor
        if household.kind in ("orphan", "de_facto"):
            poverty_rate = min(0.9, poverty_rate * 3)
        household.poverty = rng.random() < poverty_rate
        if household.poverty:
            household.poverty_year = rng.choice((2014, 2015, 2016, 2017, 2018, 2019, 2020))
            household.no_policy = rng.random() < rates.poverty_no_policy
        household.monitored = rng.random() < rates.monitored_households
        if household.monitored:
            if household.poverty:
                household.monitor_category = rng.choices(MONITOR_CATEGORIES[::2], (0.75, 0.25))[0]
            else:
                household.monitor_category = rng.choices(MONITOR_CATEGORIES[1:], (0.65, 0.35))[0]
            household.risk_eliminated = rng.random() < rates.monitored_risk_eliminated
        dibao_rate = (
            rates.dibao_given_poverty
            if household.poverty
            else max(0.0, rates.dibao_households - rates.poverty_households
                     * rates.dibao_given_poverty) / (1 - rates.poverty_households)
        )
        if household.kind in ("orphan", "de_facto"):
            dibao_rate = min(0.9, dibao_rate * 3)
        if rng.random() < dibao_rate:
            household.dibao = "城市低保" if household.urban else "农村低保"
            household.dibao_start = today - dt.timedelta(days=rng.randint(60, 3000))
            household.dibao_amount = float(
                rng.choice((180, 220, 260, 310, 350, 420, 480)) * len(household.members))
            household.dibao_stopped = rng.random() < rates.dibao_stopped
            if household.dibao_stopped:
                household.dibao_end = today - dt.timedelta(days=rng.randint(10, 500))
                if household.dibao_end <= household.dibao_start:
                    household.dibao_start = household.dibao_end - dt.timedelta(days=200)
            elif rng.random() < 0.5:
                # The approved period runs on; some end inside the semester (still a key group).
                household.dibao_end = today + dt.timedelta(days=rng.randint(30, 700))
        elif rng.random() < rates.low_income_households:
            household.low_income = True
        code = household.county.code
        household.number = (f"{code}{rng.randint(1, 30):03d}{rng.randint(1, 40):03d}"
                            f"{household.index:06d}")
