"""Each kind of damage, one at a time, on known IDs and names."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pytest
from stdnum.cn import ric

from aidmatch.synth.damage import Damager, scientific
from aidmatch.synth.people import MIDDLE_DOT, IdMaker, Person, check_digit
from aidmatch.synth.profiles import NO_DAMAGE

TRUE_ID = "611022199001011234"[:17] + check_digit("61102219900101123")
X_ID = next(
    f"6110222012050{n:03d}" + "0" + check_digit(f"6110222012050{n:03d}0")
    for n in range(1000)
    if check_digit(f"6110222012050{n:03d}0") == "X"
)[:17] + "X"
PARENT_ID = "612523196505054321"[:17] + check_digit("61252319650505432")


def _checksum_ok(number: str) -> bool:
    # Not ric.is_valid: python-stdnum's region table predates 商洛市 (6110xx) and rejects it.
    return bool(ric.calc_check_digit(number) == number[-1])


def _damager(**rates: float) -> Damager:
    return Damager(random.Random(0), replace(NO_DAMAGE, **rates), fmt="xlsx", numeric=False)


def _person(name: str, minority: bool = False, rare: tuple[str, str] | None = None) -> Person:
    return Person("P1", name, "女", dt.date(2012, 5, 1), TRUE_ID, 0, "daughter",
                  minority=minority, rare=rare)


@pytest.mark.parametrize(
    ("rates", "code", "check"),
    [
        ({"id_blank": 1.0}, "id_blank", lambda v: v == ""),
        ({"id_parent": 1.0}, "id_parent", lambda v: v == PARENT_ID),
        ({"id_typo": 1.0}, "id_typo", lambda v: len(v) == 18 and v != TRUE_ID
         and sum(a != b for a, b in zip(v, TRUE_ID, strict=True)) == 1),
        ({"id_swap": 1.0}, "id_swap", lambda v: sorted(v) == sorted(TRUE_ID) and v != TRUE_ID),
        ({"id_fullwidth": 1.0}, "id_fullwidth", lambda v: v[0] == "６" and len(v) == 18),
        ({"id_whitespace": 1.0}, "id_whitespace", lambda v: "".join(v.split()) == TRUE_ID
         and v != TRUE_ID),
        ({"id_apostrophe": 1.0}, "id_apostrophe", lambda v: v == "'" + TRUE_ID),
    ],
)
def test_each_id_damage(rates: dict[str, float], code: str, check: object) -> None:
    value, codes = _damager(**rates).id_cell(TRUE_ID, parent_id=PARENT_ID)
    assert codes == [code]
    assert callable(check) and check(value), value


def test_lower_x_and_clean_ids() -> None:
    assert _checksum_ok(TRUE_ID) and _checksum_ok(X_ID)
    assert _damager().id_cell(TRUE_ID) == (TRUE_ID, [])
    lower = _damager(lower_x_files=1.0, lower_x_share=1.0)
    assert lower.id_cell(X_ID) == (X_ID[:-1] + "x", ["id_lower_x"])


def test_old_fifteen_digit_number_for_older_people() -> None:
    damager = _damager(id_old15=1.0)
    value, codes = damager.id_cell(PARENT_ID, birth=dt.date(1965, 5, 5))
    assert (value, codes) == (PARENT_ID[:6] + PARENT_ID[8:17], ["id_old15"])
    assert damager.id_cell(TRUE_ID, birth=dt.date(2012, 5, 1)) == (TRUE_ID, [])


@pytest.mark.parametrize(
    ("fmt", "scientific_share", "expected", "code"),
    [
        ("xlsx", 0.0, 611022199001011000.0, "id_number"),
        ("xls", 0.0, 611022199001011000.0, "id_number"),
        ("csv", 0.0, TRUE_ID[:15] + "000", "id_number"),
        ("csv", 1.0, "6.11022E+17", "id_scientific"),
    ],
)
def test_ids_as_excel_numbers(fmt: str, scientific_share: float, expected: object,
                              code: str) -> None:
    damager = Damager(random.Random(0), replace(NO_DAMAGE, scientific_share=scientific_share),
                      fmt=fmt, numeric=True)
    assert damager.id_cell(TRUE_ID) == (expected, [code])
    assert damager.id_cell(X_ID) == (X_ID, [])  # an X keeps the cell text


@pytest.mark.parametrize(("number", "text"), [(6.11022199001011e17, "6.11022E+17"),
                                              (6.1e17, "6.1E+17"), (4.2e17, "4.2E+17")])
def test_scientific(number: float, text: str) -> None:
    assert scientific(number) == text


@pytest.mark.parametrize(
    ("rates", "name", "code", "check"),
    [
        ({"name_space": 1.0}, "王芳", "name_space", lambda v: v.replace(" ", "") == "王芳"),
        ({"name_fullwidth": 1.0}, "王芳", "name_fullwidth",
         lambda v: v.replace("\u3000", "") == "王芳"),
        ({"name_traditional": 1.0}, "陈欣怡", "name_traditional", lambda v: v == "陳欣怡"),
        ({"name_homophone": 1.0}, "陈欣怡", "name_homophone",
         lambda v: v[0] == "陈" and v != "陈欣怡" and len(v) == 3),
    ],
)
def test_each_name_damage(rates: dict[str, float], name: str, code: str, check: object) -> None:
    value, codes = _damager(**rates).name_cell(_person(name))
    assert codes == [code]
    assert callable(check) and check(value), value


def test_rare_character_and_dot_variants() -> None:
    value, codes = _damager(name_rare=1.0).name_cell(_person("王堃", rare=("堃", "坤")))
    assert codes == ["name_rare"] and value in ("王坤", "王?", "王*")
    minority = _person(f"阿依古丽{MIDDLE_DOT}买买提", minority=True)
    dotted = _damager(dot_variant_files=1.0)
    value, codes = dotted.name_cell(minority)
    if dotted.dot != MIDDLE_DOT:
        assert codes == ["name_dot"] and value == f"阿依古丽{dotted.dot}买买提"
    assert _damager().name_cell(minority) == (minority.name, [])


def test_certificate_number() -> None:
    damager = _damager(cert_swap_files=1.0)
    assert damager.cert_cell(TRUE_ID, 1, 2) == (TRUE_ID + "22", ["cert_category_swap"])
    assert damager.cert_cell(TRUE_ID, 4, 3) == (TRUE_ID + "43", [])
    extra = _damager(cert_extra=1.0)
    value, codes = extra.cert_cell(TRUE_ID, 4, 3)
    assert codes == ["cert_extra"] and value.startswith(TRUE_ID + "43") and len(value) > 20


def test_id_maker_issues_valid_unique_numbers() -> None:
    maker = IdMaker(random.Random(1))
    numbers = [maker.make("611022", dt.date(2012, 5, 3), male=n % 2 == 0) for n in range(400)]
    assert len(set(numbers)) == 400
    assert all(_checksum_ok(n) for n in numbers)
    assert all(int(n[16]) % 2 == (1 if i % 2 == 0 else 0) for i, n in enumerate(numbers))
