"""``generate_country``: several provinces, and the migrant children (随迁子女) between them.

A country is one synthetic world built as a city is (:func:`~aidmatch.synth.city.build_city`),
over the geographies of several provinces: 商洛市 for 陕西省, and one city of each other province
(``data/country.tsv``: real region codes, invented towns). Households, and so ID region codes,
户籍 and every roster row, belong to their home province. Then a share of the families with
children in school move to a city of another province: their children's 学籍 and 资助 rows are
written by the school's province, while the family's 脱贫/监测, 低保/特困, 孤儿 and 残联 rows
stay with the home province. A single province's run cannot see that such a child is in a key
group; only a run over every province's exports can.

Each province's exports are written as a city's are, into ``exports/<province>/``, and the truth
covers the whole country (``truth/``, as for a city), with ``truth/migrants.csv`` naming the
migrant children (school province ≠ household province) so they can be scored apart.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import math
import random
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aidmatch.outputs.csvsafe import SafeCsvWriter
from aidmatch.semester import Semester
from aidmatch.synth.aid import plan_aid
from aidmatch.synth.aidfiles import write_aid
from aidmatch.synth.city import City, Student, assign_classes, build_city
from aidmatch.synth.exports import ExportContext
from aidmatch.synth.generate import DEFAULT_SEMESTER, profile_named
from aidmatch.synth.geography import (
    Geography,
    School,
    Town,
    build_geography,
    build_other_province,
    country_provinces,
    merge_geographies,
    town_key,
)
from aidmatch.synth.household_rosters import write_dibao, write_low_income, write_poverty
from aidmatch.synth.households import Household
from aidmatch.synth.people import Person
from aidmatch.synth.person_rosters import TekunRoster, write_child_welfare, write_disability
from aidmatch.synth.profiles import Profile
from aidmatch.synth.registry import write_registry
from aidmatch.synth.truth import (
    RecordLog,
    key_groups,
    write_findings,
    write_manifest,
    write_persons,
    write_students,
)

log = logging.getLogger(__name__)

MIGRANTS_CSV = "migrants.csv"
MIGRANT_COLUMNS = ("person_key", "学籍号", "身份证件号", "姓名", "就读省份", "就读区县", "学校名称",
                   "户籍省份", "户籍区县", "key_groups", "is_gap", "可发现")
# Migrant children mostly go to day schools in the city they moved to.
MIGRANT_BOARDING = 0.05


@dataclass(eq=False)
class ProvinceCity(City):
    """One province's share of the country, as its exporters see it: its own geography, the
    households registered there (with their persons), and the students of its schools. A
    migrant student's household is another province's: ``everyone`` finds it."""

    everyone: list[Household] = field(default_factory=list)

    def household_of(self, person: Person) -> Household:
        return self.everyone[person.household]


@dataclass
class CountryResult:
    """Where everything went and how much of it there is."""

    out_dir: Path
    exports_dir: Path  # one sub-folder per province
    truth_dir: Path
    provinces: list[str]
    files: list[Path]
    students: int
    enrolled: int
    key_group_students: int
    gaps: int
    migrants: int  # registry students at school outside their household's province
    migrant_gaps: int
    aid_rows: int
    counts: dict[str, Any] = field(default_factory=dict)

    def province_dir(self, province: str) -> Path:
        return self.exports_dir / province

    def __str__(self) -> str:
        return (f"{len(self.provinces)} 个省（{'、'.join(self.provinces)}），"
                f"{len(self.files)} 个导出文件，学籍学生 {self.students} 人（在读 {self.enrolled}），"
                f"重点群体在读学生 {self.key_group_students} 人，漏助 {self.gaps} 人；"
                f"跨省随迁子女 {self.migrants} 人，其中漏助 {self.migrant_gaps} 人")


def generate_country(
    out_dir: Path,
    provinces: int = 3,
    students: int = 3000,
    seed: int = 42,
    migrant_share: float = 0.1,
    semester: Semester = DEFAULT_SEMESTER,
    profile: str | Profile = "realistic",
    excel: bool = True,
) -> CountryResult:
    """Generate a synthetic country of ``provinces`` provinces and about ``students`` registry
    students in all: exports in ``out_dir/exports/<province>/``, truth in ``out_dir/truth``.

    ``migrant_share`` of the families with children in school (drawn family by family) send
    their children to school in another province. Existing ``exports/`` and ``truth/`` folders
    in ``out_dir`` are replaced. The same arguments give the same country.
    """
    chosen = profile_named(profile)
    names = country_provinces()
    if not 2 <= provinces <= len(names):
        raise ValueError(f"provinces must be between 2 and {len(names)}")
    if students < 1:
        raise ValueError("students must be at least 1")
    if not 0.0 <= migrant_share <= 1.0:
        raise ValueError("migrant_share must be between 0 and 1")
    names = names[:provinces]
    started = time.perf_counter()
    out_dir = Path(out_dir)
    exports_dir = out_dir / "exports"
    truth_dir = out_dir / "truth"
    for folder in (exports_dir, truth_dir):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)

    rng = random.Random(f"aidmatch-synth:{seed}:country")
    parts = _geographies(rng, names, math.ceil(students / provinces))
    city = build_city(random.Random(rng.random()), students, semester, chosen.population,
                      merge_geographies([parts[name] for name in names]))
    migrants = _move_migrants(random.Random(rng.random()), city, parts, migrant_share)
    assign_classes(city.students)

    records = RecordLog(truth_dir / "records.csv")
    contexts = [ExportContext(exports_dir, _province_view(city, name, parts[name]), chosen, excel,
                              seed, records, subfolder=name) for name in names]
    # Every province's 扶贫 files decide which 不享受政策 households are visible, and a migrant
    # child's household is another province's: all of them come before any key group.
    for ctx in contexts:
        write_poverty(ctx)
    for student in city.students:
        student.key_groups = key_groups(student.person, city.household_of(student.person))
    # A school cannot see the home province's rosters: a migrant key-group child is paid only
    # when the family applied, half the time (as a child missed in the other semester is).
    unseen = frozenset(student.person.key for student in migrants)
    paid: set[str] = set()
    aid_rows = 0
    for ctx in contexts:
        plan = plan_aid(ctx.rng("aid-plan"), ctx.city, chosen.aid, unseen)
        paid |= plan.paid
        aid_rows += len(plan.current)
        write_registry(ctx)
        write_aid(ctx, plan)
        tekun = TekunRoster(ctx)
        write_dibao(ctx, tekun.job)
        tekun.write_rest(ctx)
        write_low_income(ctx)
        write_child_welfare(ctx)
        write_disability(ctx)
        log.info("%s：学籍学生 %d 人，资助 %d 行", ctx.subfolder, len(ctx.city.students),
                 len(plan.current))
    records.close()

    total, gaps = write_students(truth_dir, city, paid)
    write_persons(truth_dir / "persons.csv", city)
    write_findings(truth_dir / "aid_findings.csv",
                   [finding for ctx in contexts for finding in ctx.findings])
    migrant_gaps = write_migrants(truth_dir, city, migrants, paid)
    files = [path for ctx in contexts for path in ctx.paths]
    enrolled = sum(1 for s in city.students if s.enrolled)
    key_students = sum(1 for s in city.students if s.enrolled and s.key_groups)
    counts = _counts(city, contexts, migrants, migrant_gaps, gaps, paid)
    write_manifest(truth_dir / "manifest.json", {
        "args": {"provinces": provinces, "students": students, "seed": seed,
                 "migrant_share": migrant_share, "semester": semester.code,
                 "profile": chosen.name, "excel": excel},
        "profile": dataclasses.asdict(chosen),
        "provinces": names,
        "counts": counts,
        "damage": dict(sorted(records.damage.items())),
        "files": [
            {**entry, "counts": dict(sorted(records.per_file.get(entry["file"], Counter())
                                            .items()))}
            for ctx in contexts for entry in ctx.manifest_files
        ],
    })
    log.info("生成完成：%d 个省，%d 个文件，学籍学生 %d 人，漏助 %d 人（跨省随迁 %d 人），用时 %.1f 秒",
             len(names), len(files), total, gaps, migrant_gaps, time.perf_counter() - started)
    return CountryResult(
        out_dir=out_dir,
        exports_dir=exports_dir,
        truth_dir=truth_dir,
        provinces=names,
        files=files,
        students=total,
        enrolled=enrolled,
        key_group_students=key_students,
        gaps=gaps,
        migrants=len(migrants),
        migrant_gaps=migrant_gaps,
        aid_rows=aid_rows,
        counts=counts,
    )


def _geographies(rng: random.Random, names: list[str], students: int) -> dict[str, Geography]:
    """Each province's geography, its counties weighted to 100 in all: provinces of about the
    same size (商洛's weights already add up to 100)."""
    parts: dict[str, Geography] = {}
    for name in names:
        own = random.Random(rng.random())
        part = (build_geography(own, students) if name == names[0]
                else build_other_province(own, name, students))
        total = sum(county.weight for county in part.counties)
        for county in part.counties:
            county.weight = county.weight * 100 / total
        parts[name] = part
    return parts


def _move_migrants(rng: random.Random, city: City, parts: dict[str, Geography],
                   share: float) -> list[Student]:
    """Send ``share`` of the families with children in the registry to a city of another
    province: every child of the family goes to a school of one urban 街道 there, at the child's
    stage. Their households (户籍, ID numbers, roster rows) stay where they are."""
    provinces = list(parts)
    moved: list[Student] = []
    for household in city.households:
        children = [city.student_of[member.key] for member in household.members
                    if member.key in city.student_of]
        if not children or rng.random() >= share:
            continue
        home = household.county.province
        geography = parts[rng.choice([name for name in provinces if name != home])]
        county = rng.choices(geography.counties, [c.weight for c in geography.counties])[0]
        town = rng.choice([t for t in county.towns if t.urban])
        for student in children:
            student.school = _school_for(rng, geography, town, student.stage)
            student.boarding = rng.random() < MIGRANT_BOARDING
            moved.append(student)
    log.info("跨省随迁子女 %d 人", len(moved))
    return moved


def _school_for(rng: random.Random, geography: Geography, town: Town, stage: str) -> School:
    key = town_key(town)
    if stage == "学前":
        return rng.choice(geography.kindergartens[key])
    if stage == "小学":
        return rng.choice(geography.primary[key])
    if stage == "初中":
        return rng.choice(geography.junior[key])
    if stage == "高中":
        return rng.choice(geography.senior[town.county.name])
    own = [s for s in geography.vocational if s.county is town.county]
    return own[0] if own else rng.choice(geography.vocational)


def _province_view(city: City, province: str, geography: Geography) -> ProvinceCity:
    households = [h for h in city.households if h.county.province == province]
    return ProvinceCity(
        city.semester, city.today, geography, households,
        [member for household in households for member in household.members],
        [s for s in city.students if s.school.county.province == province],
        city.ids, city.names, by_key=city.by_key, student_of=city.student_of,
        everyone=city.households,
    )


def write_migrants(truth_dir: Path, city: City, migrants: list[Student], paid: set[str]) -> int:
    """``migrants.csv``: every migrant child, with its school's and its household's province,
    and whether it is a gap (可发现 as in ``gaps.csv``, which must be written before). Returns
    the number of migrant gaps."""
    with truth_dir.joinpath("gaps.csv").open(encoding="utf-8", newline="") as handle:
        discoverable = {row["学籍号"]: row["可发现"] for row in csv.DictReader(handle)}
    gaps = 0
    with truth_dir.joinpath(MIGRANTS_CSV).open("w", encoding="utf-8", newline="") as handle:
        writer = SafeCsvWriter(handle)
        writer.writerow(MIGRANT_COLUMNS)
        for student in migrants:
            person = student.person
            home = city.household_of(person).county
            gap = student.xjh in discoverable
            gaps += gap
            writer.writerow((person.key, student.xjh, person.id, person.name,
                             student.school.county.province, student.school.county.name,
                             student.school.name, home.province, home.name,
                             ";".join(student.key_groups), int(gap),
                             discoverable.get(student.xjh, "")))
    return gaps


def _counts(city: City, contexts: list[ExportContext], migrants: list[Student],
            migrant_gaps: int, gaps: int, paid: set[str]) -> dict[str, Any]:
    return {
        "households": len(city.households),
        "persons": len(city.persons),
        "students": len(city.students),
        "enrolled_key_group_students": sum(1 for s in city.students
                                           if s.enrolled and s.key_groups),
        "gaps": gaps,
        "paid_students": sum(1 for s in city.students if s.person.key in paid),
        "migrants": len(migrants),
        "migrants_enrolled_key_group": sum(1 for s in migrants if s.enrolled and s.key_groups),
        "migrant_gaps": migrant_gaps,
        "by_province": {
            ctx.subfolder: {"households": len(ctx.city.households),
                            "students": len(ctx.city.students),
                            "files": len(ctx.paths)}
            for ctx in contexts
        },
    }
