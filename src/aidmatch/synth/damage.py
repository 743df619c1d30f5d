"""Identity damage as clerks and spreadsheets produce it, each change recorded by a code.

A :class:`Damager` belongs to one file (or one column of a file): its rates are the profile's
rates jittered for that file, and its file-wide habits (x for X, numbers instead of text, the
middle-dot variant for minority names) are drawn once.

>>> import random
>>> from aidmatch.synth.profiles import DamageRates, NO_DAMAGE
>>> from dataclasses import replace
>>> d = Damager(random.Random(3), replace(NO_DAMAGE, number_files=1.0), fmt="xlsx", numeric=True)
>>> d.id_cell("611022199001011234")
(6.11022199001011e+17, ['id_number'])
>>> d.id_cell("61102219900101123X")
('61102219900101123X', [])
>>> sci = Damager(random.Random(3), replace(NO_DAMAGE, scientific_share=1.0), fmt="csv",
...               numeric=True)
>>> sci.id_cell("611022199001011234")
('6.11022E+17', ['id_scientific'])
>>> scientific(611022100000000000.0)
'6.11022E+17'
"""

from __future__ import annotations

import datetime as dt
import random

from aidmatch.synth.datafiles import data_lines
from aidmatch.synth.people import MIDDLE_DOT, Person, old15
from aidmatch.synth.profiles import DamageRates

CellValue = str | float | int | dt.date | None

ID_DAMAGE = (
    "id_whitespace", "id_apostrophe", "id_fullwidth", "id_lower_x", "id_typo", "id_swap",
    "id_parent", "id_blank", "id_number", "id_scientific", "id_old15", "id_stale",
)
NAME_DAMAGE = (
    "name_space", "name_fullwidth", "name_traditional", "name_homophone", "name_dot", "name_rare",
    "name_blank",
)
CERT_DAMAGE = ("cert_extra", "cert_category_swap")
ALL_DAMAGE = ID_DAMAGE + NAME_DAMAGE + CERT_DAMAGE

DOT_VARIANTS = ("\u2022", "\u30fb", "\u2027", "\uff0e", ".", "")
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官")
_FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
_WHITESPACE_FORMS = ("trailing", "leading", "inner", "tab", "newline")


def _traditional() -> dict[str, str]:
    return {row[0]: row[1] for row in data_lines("traditional.tsv")}


def _homophones() -> dict[str, str]:
    groups: dict[str, str] = {}
    for (line,) in data_lines("homophones.txt"):
        for char in line:
            groups[char] = line
    return groups


_TRADITIONAL = _traditional()
_HOMOPHONES = _homophones()


def scientific(number: float) -> str:
    """How Excel's General format shows a big number in a narrow column: 6.11022E+17."""
    mantissa, exponent = f"{number:.5E}".split("E")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}E+{int(exponent):02d}"


def surname_length(name: str) -> int:
    return 2 if name[:2] in COMPOUND_SURNAMES else 1


class Damager:
    """Damages ID numbers and names for one file, at that file's own rates."""

    def __init__(
        self,
        rng: random.Random,
        rates: DamageRates,
        *,
        fmt: str,
        numeric: bool | None = None,
        scale: float = 1.0,
        blank: float | None = None,
    ) -> None:
        self.rng = rng
        jitter = rates.file_jitter

        def rate(value: float) -> float:
            return min(1.0, value * scale * rng.uniform(1 - jitter, 1 + jitter))

        self.whitespace = rate(rates.id_whitespace)
        self.apostrophe = rate(rates.id_apostrophe)
        self.fullwidth = rate(rates.id_fullwidth)
        self.typo = rate(rates.id_typo)
        self.swap = rate(rates.id_swap)
        self.parent = rate(rates.id_parent)
        self.blank = rate(rates.id_blank) if blank is None else blank
        self.old15 = rate(rates.id_old15)
        self.stale = rates.id_stale
        self.name_space = rate(rates.name_space)
        self.name_fullwidth = rate(rates.name_fullwidth)
        self.traditional = rate(rates.name_traditional)
        self.homophone = rate(rates.name_homophone)
        self.rare = rates.name_rare
        self.cert_extra = rate(rates.cert_extra)
        self.lower_x = rates.lower_x_share if rng.random() < rates.lower_x_files else 0.0
        self.numeric = rng.random() < rates.number_files if numeric is None else numeric
        self.fmt = fmt
        self.scientific = fmt == "csv" and rng.random() < rates.scientific_share
        self.dot = (
            rng.choice(DOT_VARIANTS) if rng.random() < rates.dot_variant_files else MIDDLE_DOT
        )
        self.cert_swap = rng.random() < rates.cert_swap_files

    def describe(self) -> dict[str, object]:
        """The file-wide habits, for the manifest."""
        return {
            "ids_as_numbers": self.numeric,
            "scientific": self.numeric and self.scientific,
            "lower_x": self.lower_x > 0,
            "minority_dot": self.dot,
            "cert_category_swap": self.cert_swap,
        }

    # -- ID numbers ------------------------------------------------------------------------
    def id_cell(
        self,
        true_id: str,
        *,
        parent_id: str = "",
        old_id: str = "",
        birth: dt.date | None = None,
        allow_blank: bool = True,
    ) -> tuple[CellValue, list[str]]:
        """The ID number as this file shows it, and the damage codes applied."""
        if not true_id:
            return "", []
        rng = self.rng
        codes: list[str] = []
        value = true_id
        if allow_blank and rng.random() < self.blank:
            return "", ["id_blank"]
        if parent_id and rng.random() < self.parent:
            value = parent_id
            codes.append("id_parent")
        elif old_id and rng.random() < self.stale:
            value = old_id
            codes.append("id_stale")
        elif birth is not None and birth.year < 1985 and rng.random() < self.old15:
            value = old15(value)
            codes.append("id_old15")
        if rng.random() < self.typo:
            value = self._typo(value)
            codes.append("id_typo")
        if rng.random() < self.swap:
            swapped = self._swap(value)
            if swapped != value:
                value = swapped
                codes.append("id_swap")
        if self.numeric and value.isdigit():
            return self._as_number(value, codes)
        if value.endswith("X") and rng.random() < self.lower_x:
            value = value[:-1] + "x"
            codes.append("id_lower_x")
        if rng.random() < self.fullwidth:
            value = value.translate(_FULL_WIDTH)
            codes.append("id_fullwidth")
        if rng.random() < self.whitespace:
            value = self._whitespace(value)
            codes.append("id_whitespace")
        if rng.random() < self.apostrophe:
            value = "'" + value
            codes.append("id_apostrophe")
        return value, codes

    def _as_number(self, value: str, codes: list[str]) -> tuple[CellValue, list[str]]:
        if len(value) <= 15:
            number = float(value)  # a 15-digit old number survives Excel intact
            codes.append("id_number")
        else:
            # Excel keeps 15 significant digits and turns the rest into zeros.
            number = float(value[:15] + "0" * (len(value) - 15))
            codes.append("id_number")
        if self.fmt != "csv":
            return number, codes
        if self.scientific:
            codes[-1] = "id_scientific"
            return scientific(number), codes
        digits = value if len(value) <= 15 else value[:15] + "0" * (len(value) - 15)
        return digits, codes

    def _typo(self, value: str) -> str:
        position = self.rng.randrange(0, min(17, len(value)))
        old = value[position]
        new = self.rng.choice([d for d in "0123456789" if d != old])
        return value[:position] + new + value[position + 1 :]

    def _swap(self, value: str) -> str:
        for _ in range(5):
            position = self.rng.randrange(0, min(16, len(value) - 1))
            if value[position] != value[position + 1]:
                return (value[:position] + value[position + 1] + value[position]
                        + value[position + 2 :])
        return value

    def _whitespace(self, value: str) -> str:
        form = self.rng.choice(_WHITESPACE_FORMS)
        if form == "trailing":
            return value + self.rng.choice((" ", "  ", "\u3000"))
        if form == "leading":
            return " " + value
        if form == "inner":
            cut = self.rng.choice((6, 14, 17, 10))
            return value[:cut] + " " + value[cut:]
        if form == "tab":
            return self.rng.choice(("\t" + value, value + "\t"))
        return self.rng.choice((value + "\n", value[:6] + "\n" + value[6:]))

    # -- names -----------------------------------------------------------------------------
    def name_cell(self, person: Person, *, clean: bool = False) -> tuple[str, list[str]]:
        """The name as this file shows it, and the damage codes applied."""
        name = person.name
        codes: list[str] = []
        if person.minority and self.dot != MIDDLE_DOT:
            name = name.replace(MIDDLE_DOT, self.dot)
            codes.append("name_dot")
        if clean:
            return name, codes
        rng = self.rng
        if person.rare is not None and rng.random() < self.rare:
            substitute = rng.choices((person.rare[1], "?", "*"), (0.7, 0.2, 0.1))[0]
            name = name.replace(person.rare[0], substitute)
            codes.append("name_rare")
        if not person.minority:
            cut = surname_length(name)
            if rng.random() < self.traditional:
                changed = "".join(_TRADITIONAL.get(char, char) for char in name)
                if changed != name:
                    name = changed
                    codes.append("name_traditional")
            if rng.random() < self.homophone:
                changed = self._homophone(name, cut)
                if changed != name:
                    name = changed
                    codes.append("name_homophone")
            if rng.random() < self.name_space:
                name = self._space(name, cut, " ")
                codes.append("name_space")
            if rng.random() < self.name_fullwidth:
                name = self._space(name, cut, "\u3000")
                codes.append("name_fullwidth")
        else:
            if rng.random() < self.name_space:
                name = name + " "
                codes.append("name_space")
            if rng.random() < self.name_fullwidth:
                name = name + "\u3000"
                codes.append("name_fullwidth")
        return name, codes

    def _homophone(self, name: str, cut: int) -> str:
        positions = [i for i in range(cut, len(name)) if name[i] in _HOMOPHONES]
        if not positions:
            return name
        position = self.rng.choice(positions)
        group = _HOMOPHONES[name[position]]
        choice = self.rng.choice([char for char in group if char != name[position]])
        return name[:position] + choice + name[position + 1 :]

    def _space(self, name: str, cut: int, space: str) -> str:
        form = self.rng.random()
        if form < 0.6 and len(name) > cut:
            return name[:cut] + space + name[cut:]
        if form < 0.8 and len(name) > 2:
            return name[:-1] + space + name[-1]
        return name + space

    # -- disability certificates -----------------------------------------------------------
    def cert_cell(self, true_id: str, category: int, grade: int) -> tuple[str, list[str]]:
        """残疾人证号: ID + category + grade, sometimes with 1/2 swapped or extra characters."""
        codes: list[str] = []
        if self.rng.random() < self.typo:
            true_id = self._typo(true_id)
            codes.append("id_typo")
        shown = category
        if self.cert_swap and category in (1, 2):
            shown = 3 - category
            codes.append("cert_category_swap")
        value = f"{true_id}{shown}{grade}"
        if self.rng.random() < self.cert_extra:
            value += self.rng.choice(("B1", "01", "02", "A", "（换）"))
            codes.append("cert_extra")
        return value, codes
