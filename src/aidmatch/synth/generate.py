"""``generate_city``: build the synthetic city, write every export, and write the ground truth."""

from __future__ import annotations

import dataclasses
import logging
import random
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aidmatch.semester import Semester
from aidmatch.synth.aid import paid_key_students, plan_aid
from aidmatch.synth.aidfiles import write_aid
from aidmatch.synth.city import City, build_city
from aidmatch.synth.exports import ExportContext
from aidmatch.synth.household_rosters import write_dibao, write_low_income, write_poverty
from aidmatch.synth.person_rosters import TekunRoster, write_child_welfare, write_disability
from aidmatch.synth.profiles import PROFILES, Profile
from aidmatch.synth.registry import write_registry
from aidmatch.synth.truth import (
    KEY_GROUPS,
    RecordLog,
    key_groups,
    write_findings,
    write_manifest,
    write_persons,
    write_students,
)

log = logging.getLogger(__name__)

DEFAULT_SEMESTER = Semester.parse("2025-spring")


@dataclass
class SynthResult:
    """Where everything went and how much of it there is."""

    out_dir: Path
    exports_dir: Path
    truth_dir: Path
    files: list[Path]  # every export written
    students: int  # registry students
    enrolled: int
    key_group_students: int  # enrolled students in at least one key group
    gaps: int
    aid_rows: int  # this semester's aid rows, findings included
    records: int  # rows of records.csv
    counts: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return (f"{len(self.files)} 个导出文件，学籍学生 {self.students} 人（在读 {self.enrolled}），"
                f"重点群体在读学生 {self.key_group_students} 人，漏助 {self.gaps} 人，"
                f"本学期资助 {self.aid_rows} 行")


def generate_city(
    out_dir: Path,
    students: int = 2000,
    seed: int = 42,
    semester: Semester = DEFAULT_SEMESTER,
    profile: str | Profile = "realistic",
    excel: bool = True,
    city_semester: Semester | None = None,
) -> SynthResult:
    """Generate a synthetic 商洛市: exports in ``out_dir/exports``, truth in ``out_dir/truth``.

    ``city_semester`` builds the city (people, IDs, families, schools, rosters) as generated for
    that semester and exports it for ``semester``: the same seed then gives the same city in two
    semesters of one school year (2024-autumn and 2025-spring), with that semester's payments.

    ``profile`` is a name from :data:`PROFILES` or a :class:`Profile` (for custom mixes).
    ``excel=False`` writes every export as CSV. Existing ``exports/`` and ``truth/`` folders in
    ``out_dir`` are replaced.
    """
    chosen = profile_named(profile)
    if students < 1:
        raise ValueError("students must be at least 1")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    exports_dir = out_dir / "exports"
    truth_dir = out_dir / "truth"
    for folder in (exports_dir, truth_dir):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)

    anchor = city_semester or semester
    city = build_city(random.Random(f"aidmatch-synth:{seed}:city"), students, anchor,
                      chosen.population)
    anchor_stopped = _move_to(city, semester) if anchor != semester else None
    records = RecordLog(truth_dir / "records.csv")
    ctx = ExportContext(exports_dir, city, chosen, excel, seed, records)

    # The 扶贫 files decide which 不享受政策 households are visible, so they come first.
    write_poverty(ctx)
    missed: frozenset[str] = frozenset()
    if anchor_stopped is not None:
        missed = _missed_in_anchor(ctx, city, anchor_stopped, chosen)
    for student in city.students:
        student.key_groups = key_groups(student.person, city.household_of(student.person))
    # Another semester of the same city draws its own payments (who was paid, who was missed).
    plan = plan_aid(ctx.rng("aid-plan" if anchor == semester else f"aid-plan:{semester.code}"),
                    city, chosen.aid, missed)
    log.info("名单：扶贫完成；资助 %d 行（上学期 %d 行备用）", len(plan.current),
             len(plan.previous))

    write_registry(ctx)
    write_aid(ctx, plan)
    tekun = TekunRoster(ctx)
    write_dibao(ctx, tekun.job)
    tekun.write_rest(ctx)
    write_low_income(ctx)
    write_child_welfare(ctx)
    write_disability(ctx)
    records.close()

    total, gaps = write_students(truth_dir, city, plan.paid)
    write_persons(truth_dir / "persons.csv", city)
    write_findings(truth_dir / "aid_findings.csv", ctx.findings)
    enrolled = sum(1 for s in city.students if s.enrolled)
    key_students = sum(1 for s in city.students if s.enrolled and s.key_groups)
    counts = _counts(city, plan, ctx, records, gaps)
    write_manifest(truth_dir / "manifest.json", {
        "args": {"students": students, "seed": seed, "semester": semester.code,
                 "profile": chosen.name, "excel": excel},
        "profile": dataclasses.asdict(chosen),
        "counts": counts,
        "damage": dict(sorted(records.damage.items())),
        "files": [
            {**entry, "counts": dict(sorted(records.per_file.get(entry["file"], Counter())
                                            .items()))}
            for entry in ctx.manifest_files
        ],
    })
    elapsed = time.perf_counter() - started
    log.info("生成完成：%d 个文件，学籍学生 %d 人，漏助 %d 人，用时 %.1f 秒", len(ctx.paths), total,
             gaps, elapsed)
    return SynthResult(
        out_dir=out_dir,
        exports_dir=exports_dir,
        truth_dir=truth_dir,
        files=list(ctx.paths),
        students=total,
        enrolled=enrolled,
        key_group_students=key_students,
        gaps=gaps,
        aid_rows=len(plan.current),
        records=records.total,
        counts=counts,
    )


def _move_to(city: City, semester: Semester) -> dict[int, bool]:
    """The city of another semester: exports dated then, 低保 stopped by then (or not yet).
    Returns the 低保 households' stopped flags as built (to restore the built semester)."""
    city.semester = semester
    city.today = semester.start
    built: dict[int, bool] = {}
    for household in city.households:
        if household.dibao and household.dibao_end is not None:
            built[household.index] = household.dibao_stopped
            household.dibao_stopped = household.dibao_end < semester.start
    return built


def _missed_in_anchor(ctx: ExportContext, city: City, stopped: dict[int, bool],
                      profile: Profile) -> frozenset[str]:
    """The key-group students the built semester's payments miss: the same draws as
    ``plan_aid`` makes for that semester, so its truth/gaps.csv lists exactly these."""
    moved = {index: city.households[index].dibao_stopped for index in stopped}
    for index, flag in stopped.items():
        city.households[index].dibao_stopped = flag
    key = [s for s in city.students
           if s.enrolled and key_groups(s.person, city.household_of(s.person))]
    paid = {s.person.key for s in paid_key_students(ctx.rng("aid-plan"), key, profile.aid)}
    for index, flag in moved.items():
        city.households[index].dibao_stopped = flag
    return frozenset(s.person.key for s in key if s.person.key not in paid)


def profile_named(profile: str | Profile) -> Profile:
    """A profile by name from :data:`PROFILES`, or the given :class:`Profile`."""
    if isinstance(profile, Profile):
        return profile
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    return PROFILES[profile]


def _counts(city: Any, plan: Any, ctx: ExportContext, records: RecordLog,
            gaps: int) -> dict[str, Any]:
    groups: Counter[str] = Counter()
    for student in city.students:
        if student.enrolled:
            groups.update(student.key_groups)
    statuses = Counter(student.status for student in city.students)
    findings = Counter(flag for _, _, _, flag, _ in ctx.findings)
    return {
        "households": len(city.households),
        "persons": len(city.persons),
        "students": len(city.students),
        "students_by_status": dict(sorted(statuses.items())),
        "students_without_id": sum(1 for s in city.students if not s.person.id),
        "students_with_drifted_xjh": sum(1 for s in city.students if s.person.old_id),
        "enrolled_key_group_students": sum(1 for s in city.students
                                           if s.enrolled and s.key_groups),
        "key_groups_enrolled": {code: groups[code] for code in KEY_GROUPS},
        "gaps": gaps,
        "paid_students": sum(1 for s in city.students if s.person.key in plan.paid),
        "aid_rows_this_semester": len(plan.current),
        "aid_findings": dict(sorted(findings.items())),
        "files": len(ctx.paths),
        "records": records.total,
    }
