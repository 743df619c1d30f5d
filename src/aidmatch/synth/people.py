"""People: names from realistic frequency lists and valid, unique 18-digit ID numbers.

>>> import random, datetime as dt
>>> ids = IdMaker(random.Random(1))
>>> number = ids.make("611022", dt.date(2012, 5, 3), male=True)
>>> len(number), number[:14], int(number[16]) % 2
(18, '61102220120503', 1)
>>> check_digit(number[:17]) == number[17]
True
>>> old15("611022195705031234"[:17] + check_digit("61102219570503123"))
'611022570503123'
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

from stdnum.cn import ric

from aidmatch.synth.datafiles import data_lines

MIDDLE_DOT = "\u00b7"

# Canonical relations to the household head; rosters render them in their own words.
HEAD = "head"
SPOUSE = "spouse"
SON = "son"
DAUGHTER = "daughter"
GRANDSON = "grandson"
GRANDDAUGHTER = "granddaughter"
FATHER = "father"
MOTHER = "mother"
DAUGHTER_IN_LAW = "daughter_in_law"
SON_IN_LAW = "son_in_law"
FATHER_IN_LAW = "father_in_law"  # 岳父: the head's wife's father
MOTHER_IN_LAW = "mother_in_law"
GRANDSON_D = "grandson_d"  # 外孙子: the head's daughter's son
GRANDDAUGHTER_D = "granddaughter_d"
OTHER = "other"


def check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits ('X' for 10)."""
    # stdnum's calc_check_digit expects the full number and ignores its last character.
    return str(ric.calc_check_digit(first17 + "0"))


def old15(number: str) -> str:
    """The 15-digit number a person born in the 1900s carried before 1999."""
    return number[:6] + number[8:17]


@dataclass(eq=False)
class Person:
    key: str
    name: str
    sex: str  # 男 / 女
    birth: dt.date
    id: str  # '' for the few students without a 居民身份证
    household: int
    role: str  # relation to the household head, canonical
    minority: bool = False
    rare: tuple[str, str] | None = None  # (rare character, usual substitute)
    cert: tuple[int, int] | None = None  # disability (category 1–7, grade 1–4)
    tekun: bool = False  # on the 特困供养 roster
    child_group: str = ""  # '' / orphan / de_facto
    old_id: str = ""  # the ID before a change (学籍号 drift)
    father: Person | None = field(default=None, repr=False)
    mother: Person | None = field(default=None, repr=False)
    guardian: Person | None = field(default=None, repr=False)
    student: bool = False  # listed in the registry
    twin_of: str = ""

    @property
    def male(self) -> bool:
        return self.sex == "男"

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.birth.year
        return years - ((day.month, day.day) < (self.birth.month, self.birth.day))


class IdMaker:
    """Issues unique ID numbers: region + birth date + sequence (odd for men) + check digit."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def make(self, region: str, birth: dt.date, male: bool) -> str:
        stem = region + birth.strftime("%Y%m%d")
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            if sequence == 0:
                continue
            first17 = f"{stem}{sequence:03d}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + check_digit(first17)


class NameMaker:
    """Chinese names: weighted surnames, given names of the person's generation and sex."""

    def __init__(self, rng: random.Random, rates_minority: float, rates_rare: float) -> None:
        self.rng = rng
        self.minority_rate = rates_minority
        self.rare_rate = rates_rare
        surnames = data_lines("surnames.tsv")
        self.surnames = [row[0] for row in surnames]
        self.cum_weights = list(itertools.accumulate(float(row[1]) for row in surnames))
        self.chars: dict[tuple[str, str, str], str] = {
            (generation, sex, position): chars
            for generation, sex, position, chars in data_lines("given_chars.tsv")
        }
        self.rare_chars = [(row[0], row[1]) for row in data_lines("rare_chars.tsv")]
        minority = {(row[0], row[1]): row[2].split() for row in data_lines("minority.tsv")}
        self.minority_given = {"女": minority[("given", "f")], "男": minority[("given", "m")]}
        self.minority_father = minority[("father", "m")]

    def surname(self) -> str:
        total = self.cum_weights[-1]
        return self.surnames[bisect.bisect(self.cum_weights, self.rng.random() * total)]

    @staticmethod
    def generation(birth: dt.date) -> str:
        if birth.year >= 2003:
            return "child"
        return "adult" if birth.year >= 1962 else "elder"

    def first_char(self, sex: str, birth: dt.date) -> str:
        code = "m" if sex == "男" else "f"
        return self.rng.choice(self.chars[(self.generation(birth), code, "first")])

    def given(self, sex: str, birth: dt.date, first: str = "") -> str:
        generation = self.generation(birth)
        code = "m" if sex == "男" else "f"
        two = self.rng.random() < (0.8 if generation == "child" else 0.65)
        if not two and not first:
            return self.rng.choice(self.chars[(generation, code, "second")])
        head = first or self.rng.choice(self.chars[(generation, code, "first")])
        tail = self.rng.choice(self.chars[(generation, code, "second")])
        while tail == head:
            tail = self.rng.choice(self.chars[(generation, code, "second")])
        return head + tail

    def person_name(
        self, surname: str, sex: str, birth: dt.date, first: str = ""
    ) -> tuple[str, tuple[str, str] | None]:
        """A full name, and the rare character in it if it has one."""
        given = self.given(sex, birth, first)
        rare = None
        if self.rng.random() < self.rare_rate and not first:
            rare = self.rng.choice(self.rare_chars)
            position = self.rng.randrange(len(given))
            given = given[:position] + rare[0] + given[position + 1 :]
        return surname + given, rare

    def minority_name(self, sex: str, father_given: str = "") -> tuple[str, str]:
        """An invented name in the style of Uyghur names: (full name, own given part)."""
        own = self.rng.choice(self.minority_given[sex])
        father = father_given or self.rng.choice(self.minority_father)
        return own + MIDDLE_DOT + father, own


def random_birth(rng: random.Random, age_on: dt.date, age: int) -> dt.date:
    """A birth date that makes someone ``age`` years old on ``age_on``."""
    latest = dt.date(age_on.year - age, age_on.month, min(age_on.day, 28))
    return latest - dt.timedelta(days=rng.randrange(0, 365))
