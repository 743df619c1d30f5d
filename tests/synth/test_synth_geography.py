"""The synthetic geography: 商洛's seven counties for a city, about a hundred for a province."""

from __future__ import annotations

import random

import pytest

from aidmatch.normalize import ids
from aidmatch.synth.geography import STUDENTS_PER_COUNTY, build_geography
from tests.builders import make_id


@pytest.mark.parametrize(("students", "counties"), [
    (3_000, 7), (140_000, 7), (200_000, 10), (2_000_000, 100), (5_000_000, 107)])
def test_counties_grow_with_the_students(students: int, counties: int) -> None:
    geography = build_geography(random.Random(1), students)
    assert len(geography.counties) == counties
    assert [c.name for c in geography.counties[:7]] == [
        "商州区", "洛南县", "丹凤县", "商南县", "山阳县", "镇安县", "柞水县"]
    if 7 < counties < 107:
        assert students / counties <= STUDENTS_PER_COUNTY * 1.01


def test_a_province_is_real_and_unambiguous() -> None:
    geography = build_geography(random.Random(2), 2_200_000)
    codes = [c.code for c in geography.counties]
    assert len(set(codes)) == len(codes)
    assert all(code.startswith("61") and len(code) == 6 for code in codes)
    # a valid ID can be made in every county (newer codes such as 610703 南郑区 are not in
    # python-stdnum's region list: aidmatch checks the check digit and the birth date only)
    assert all(ids.is_valid(make_id(code, "20120304", "123")) for code in codes)
    names = [s.name for s in geography.schools]
    assert len(set(names)) == len(names)  # no two schools share a name across counties
    assert len({s.code for s in geography.schools}) == len(names)
    cities = {c.city for c in geography.counties}
    assert len(cities) == 10  # 陕西's ten cities, each with its vocational school
    assert {s.county.city for s in geography.vocational} == cities
