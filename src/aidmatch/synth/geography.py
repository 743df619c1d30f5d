"""The synthetic 商洛市: seven 区县 with real region codes, towns, invented villages, schools.

A city larger than 商洛 grows into a province: beyond :data:`STUDENTS_PER_COUNTY` students per
county, the other county-level units of 陕西省 are added (``data/province.tsv``, real region
codes, invented towns), so that a synthetic province of 2M students has about a hundred
counties, as a real one does, and county-keyed blocks grow as they would.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from aidmatch.synth.datafiles import data_lines

CITY = "商洛市"
PROVINCE = "陕西省"
# About as many students per county as a real province has (陕西: ~5.5M students, 107 counties;
# 商洛: ~300k in 7): a synthetic city of more students than 7 × this becomes a province.
STUDENTS_PER_COUNTY = 20_000


@dataclass(eq=False)
class Town:
    name: str
    county: County = field(repr=False)
    villages: list[str]

    @property
    def urban(self) -> bool:
        return self.name.endswith("街道")

    @property
    def short(self) -> str:
        for suffix in ("回族镇", "街道", "镇"):
            if self.name.endswith(suffix):
                return self.name[: -len(suffix)]
        return self.name


@dataclass(eq=False)
class County:
    name: str
    code: str
    old_code: str  # the 商洛地区 code in IDs issued before 2002
    weight: float
    towns: list[Town] = field(default_factory=list, repr=False)
    city: str = CITY
    province: str = PROVINCE


@dataclass(eq=False)
class School:
    name: str
    code: str  # 10-digit 学校标识码
    county: County
    town: Town | None
    stage: str
    rural: bool
    boarding_rate: float
    village: str = ""  # a village school serves one village


@dataclass
class Geography:
    counties: list[County]
    schools: list[School]
    # Lookups used when placing students.
    kindergartens: dict[str, list[School]]  # by town key
    primary: dict[str, list[School]]
    village_primary: dict[tuple[str, str], School]
    junior: dict[str, list[School]]
    senior: dict[str, list[School]]  # by county name
    vocational: list[School]

    def county(self, name: str) -> County:
        return next(c for c in self.counties if c.name == name)


def town_key(town: Town) -> str:
    return f"{town.county.name}/{town.name}"


def build_geography(rng: random.Random, students: int) -> Geography:
    stems = _village_stems()
    counties = []
    for name, code, old_code, weight, towns in data_lines("geography.tsv"):
        county = County(name, code, old_code, float(weight))
        for town_name in towns.split():
            county.towns.append(Town(town_name, county, _villages(rng, stems, town_name)))
        counties.append(county)
    wanted = math.ceil(students / STUDENTS_PER_COUNTY)
    for city, name, code, weight in data_lines("province.tsv")[:max(0, wanted - len(counties))]:
        # Outside 商洛 no re-coding is modelled: IDs of every age carry today's code.
        counties.append(_invented_towns(rng, stems, County(name, code, code, float(weight),
                                                           city=city)))
    return _with_schools(rng, counties, students)


def country_provinces() -> list[str]:
    """The provinces a synthetic country takes, in order: 陕西省 (商洛市), then ``country.tsv``'s.

    >>> country_provinces()[:3]
    ['陕西省', '河南省', '四川省']
    """
    names = [PROVINCE]
    for province, *_ in data_lines("country.tsv"):
        if province not in names:
            names.append(province)
    return names


def build_other_province(rng: random.Random, province: str, students: int) -> Geography:
    """One city of another province (``country.tsv``: real region codes, invented towns), with
    its schools; 学校标识码 carry the province's two digits as 商洛's carry 61."""
    stems = _village_stems()
    counties = [
        _invented_towns(rng, stems, County(name, code, code, float(weight), city=city,
                                           province=province))
        for row_province, city, name, code, weight in data_lines("country.tsv")
        if row_province == province
    ]
    if not counties:
        raise ValueError(f"no counties for {province!r} in country.tsv")
    return _with_schools(rng, counties, students, code_prefix="21" + counties[0].code[:2])


def merge_geographies(parts: list[Geography]) -> Geography:
    """One geography of several (a country of provinces); county names must be unique."""
    counties = [county for part in parts for county in part.counties]
    names = [county.name for county in counties]
    if len(set(names)) != len(names):
        raise ValueError("county names repeat across the merged geographies")
    return Geography(
        counties,
        [school for part in parts for school in part.schools],
        {k: v for part in parts for k, v in part.kindergartens.items()},
        {k: v for part in parts for k, v in part.primary.items()},
        {k: v for part in parts for k, v in part.village_primary.items()},
        {k: v for part in parts for k, v in part.junior.items()},
        {k: v for part in parts for k, v in part.senior.items()},
        [school for part in parts for school in part.vocational],
    )


def _village_stems() -> list[str]:
    return data_lines("villages.txt")[0][0].split()


def _villages(rng: random.Random, stems: list[str], town_name: str) -> list[str]:
    count = rng.randint(4, 8) if town_name.endswith("街道") else rng.randint(8, 14)
    suffix = "社区" if town_name.endswith("街道") else "村"
    return [stem + suffix for stem in rng.sample(stems, count)]


def _invented_towns(rng: random.Random, stems: list[str], county: County) -> County:
    town_names = ["城关街道", *(["东关街道"] if county.name.endswith("区") else [])]
    town_names += [stem + "镇" for stem in rng.sample(stems, rng.randint(8, 16))]
    for town_name in town_names:
        county.towns.append(Town(town_name, county, _villages(rng, stems, town_name)))
    return county


def _with_schools(rng: random.Random, counties: list[County], students: int,
                  code_prefix: str = "2161") -> Geography:
    codes: set[str] = set()

    def code() -> str:
        while True:
            candidate = code_prefix + "".join(rng.choice("0123456789") for _ in range(6))
            if candidate not in codes:
                codes.add(candidate)
                return candidate

    schools: list[School] = []
    kindergartens: dict[str, list[School]] = {}
    primary: dict[str, list[School]] = {}
    village_primary: dict[tuple[str, str], School] = {}
    junior: dict[str, list[School]] = {}
    senior: dict[str, list[School]] = {}
    # Village schools exist where there are enough children; a big city has more of them.
    village_schools = min(4, students // 25_000)

    def add(school: School) -> School:
        schools.append(school)
        return school

    for county in counties:
        cname = county.name
        for town in county.towns:
            key = town_key(town)
            if town.urban:
                kindergartens[key] = [
                    add(School(f"{cname}{town.short}{label}幼儿园", code(), county, town, "学前",
                               False, 0.0))
                    for label in ("第一", "第二")
                ]
                primary[key] = [
                    add(School(f"{cname}{town.short}第{n}小学", code(), county, town, "小学",
                               False, 0.02))
                    for n in ("一", "二", "三")
                ]
                junior[key] = [
                    add(School(f"{cname}{town.short}初级中学", code(), county, town, "初中",
                               False, 0.15))
                ]
            else:
                kindergartens[key] = [
                    add(School(f"{cname}{town.short}镇中心幼儿园", code(), county, town, "学前",
                               True, 0.0))
                ]
                primary[key] = [
                    add(School(f"{cname}{town.short}镇中心小学", code(), county, town, "小学",
                               True, 0.2))
                ]
                for village in rng.sample(town.villages, min(village_schools, len(town.villages))):
                    school = add(School(f"{cname}{town.short}镇{village[:-1]}小学", code(), county,
                                        town, "小学", True, 0.0, village))
                    village_primary[(key, village)] = school
                junior[key] = [
                    add(School(f"{cname}{town.short}镇{rng.choice(['初级中学', '中学'])}", code(),
                               county, town, "初中", True, 0.65))
                ]
        short = cname[:-1]
        if county.city == CITY:
            names = [f"{short}中学", f"{short}县高级中学" if cname.endswith("县") else "商洛中学"]
            if county.weight >= 15:
                names.append(f"{short}第二中学" if cname.endswith("县") else "商洛市高级中学")
        else:
            names = [f"{county.city[:-1]}{cname}中学", f"{county.city[:-1]}{cname}高级中学"]
        senior[cname] = [
            add(School(name, code(), county, None, "高中", True, 0.8)) for name in names
        ]
    vocational = [
        add(School("商洛市职业技术教育中心", code(), counties[0], None, "中职", False, 0.7)),
        add(School("洛南县职业教育中心", code(), counties[1], None, "中职", True, 0.7)),
        add(School("山阳县职业技术教育中心", code(), counties[4], None, "中职", True, 0.7)),
    ] if counties[0].city == CITY else []
    first_of_city = {c.city: c for c in reversed(counties) if c.city != CITY}
    vocational += [add(School(f"{city}职业技术教育中心", code(), county, None, "中职", True, 0.7))
                   for city, county in sorted(first_of_city.items(), key=lambda i: i[1].code)]
    return Geography(counties, schools, kindergartens, primary, village_primary, junior, senior,
                     vocational)
