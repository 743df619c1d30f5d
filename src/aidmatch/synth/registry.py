"""The 学籍 registry export: every student of the semester, with 成员N family columns."""

from __future__ import annotations

import random
from collections.abc import Iterator

from aidmatch.synth.city import Student
from aidmatch.synth.damage import Damager
from aidmatch.synth.exports import (
    Columns,
    ExportContext,
    SheetJob,
    county_counts,
    extra_columns,
    split_by_county,
    title_rows,
)
from aidmatch.synth.layouts import FileStyle, class_label, date_cell, grade_label, phone
from aidmatch.synth.people import MIDDLE_DOT
from aidmatch.synth.writers import DataRow, SlotRecord, Table

FOLDER = "学籍"


def write_registry(ctx: ExportContext) -> None:
    city = ctx.city
    rng = ctx.rng("registry")
    order = {county.name: n for n, county in enumerate(city.geography.counties)}
    students = sorted(city.students, key=lambda s: (order[s.school.county.name], s.school.code,
                                                     s.stage, s.grade, s.class_no))
    chunk = rng.choice((10_000, 20_000, 50_000)) if len(students) > 60_000 else 0
    parts = split_by_county(rng, students, lambda s: s.school.county.name,
                            ctx.profile.layout.split, chunk)
    semester = city.semester
    member_slots = rng.choice((2, 2, 3))
    for label, items in parts:
        file_rng = ctx.rng(f"registry:{label}")
        style = ctx.style(file_rng, len(items), wide_allowed=True)
        registry_damage = ctx.damager(file_rng, style, numeric=False,
                                      scale=ctx.profile.damage.registry_scale, blank=0.0)
        # The registry system writes the standard dot and an upper-case X.
        registry_damage.dot = MIDDLE_DOT
        registry_damage.lower_x = 0.0
        member_damage = ctx.damager(
            file_rng, style, numeric=False, scale=ctx.profile.damage.member_scale,
            blank=ctx.profile.damage.member_blank * file_rng.uniform(0.5, 1.5))
        columns = _columns(file_rng, style, member_slots)
        where = label if label and not label.startswith("第") else ctx.city_name
        title = f"{where}{semester.label}学生学籍信息"
        titles, info = title_rows(file_rng, style, title, f"{where}教育局", city.today)
        table = Table(columns.headers, titles, info, _groups(columns, style, member_slots),
                      expected_rows=len(items))
        stem = _stem(file_rng, label, semester.label, ctx.city_name)
        sheet_name = file_rng.choice(("Sheet1", "学生信息", "学籍信息", label or "学生名单"))

        def rows(items: list[Student] = items, columns: Columns = columns,
                 file_rng: random.Random = file_rng, own: Damager = registry_damage,
                 members: Damager = member_damage,
                 style: FileStyle = style) -> Iterator[DataRow]:
            for number, student in enumerate(items, 1):
                home = city.household_of(student.person)
                address = (f"{home.county.province}{home.county.city}{home.county.name}{home.town.name}{home.village}"
                           f"{file_rng.randint(1, 9)}组")
                yield _row(file_rng, number, student, columns, style, own, members, member_slots,
                           address)

        counts = county_counts(items, lambda s: s.school.county.name)
        job = SheetJob(sheet_name, table, rows, counts)
        ctx.write_file(FOLDER, stem, style, "registry", [job], file_rng, damager=member_damage,
                       notes={"member_slots": member_slots}, part=label)


def _stem(rng: random.Random, label: str, semester_label: str, city_name: str) -> str:
    if label.startswith("第"):
        return rng.choice((f"学籍在读学生名单{label}", f"学生信息导出_{label}"))
    where = label or city_name
    return rng.choice((
        f"{where}{semester_label}学籍学生名单",
        f"{where}学生学籍信息导出",
        f"{where}{semester_label[:5]}学籍数据",
    ))


def _columns(rng: random.Random, style: FileStyle, member_slots: int) -> Columns:
    columns = Columns()
    if rng.random() < 0.5:
        columns.pick(rng, "seq")
    columns.pick(rng, "xjh")
    columns.pick(rng, "name", "student_name")
    columns.pick(rng, "sex")
    columns.pick(rng, "birth")
    columns.add("id_type", "身份证件类型")
    columns.add("id", rng.choice(("身份证件号", "身份证号", "身份证件号码")))
    if rng.random() < 0.6:
        columns.pick(rng, "nation")
    if rng.random() < 0.5:
        columns.pick(rng, "county")
    columns.pick(rng, "school")
    columns.pick(rng, "school_code")
    columns.pick(rng, "grade")
    columns.pick(rng, "class")
    columns.add("boarding", "就读方式")
    columns.pick(rng, "status")
    if rng.random() < 0.4:
        columns.pick(rng, "hukou")
    if rng.random() < 0.5:
        columns.pick(rng, "address")
    id_word = rng.choice(("身份证件号", "身份证号"))
    grouped = style.group_header
    for n in range(1, member_slots + 1):
        columns.add(f"m{n}_name", "姓名" if grouped else f"成员{n}姓名")
        columns.add(f"m{n}_rel", "关系" if grouped else f"成员{n}关系")
        columns.add(f"m{n}_id", id_word if grouped else f"成员{n}{id_word}")
    extra_columns(rng, columns, style, ("phone", "note"))
    return columns


def _groups(columns: Columns, style: FileStyle, member_slots: int) -> list[tuple[int, int, str]]:
    if not style.group_header:
        return []
    first_member = columns.index("m1_name")
    groups = [(0, first_member - 1, "学生基本信息")]
    for n in range(1, member_slots + 1):
        start = columns.index(f"m{n}_name")
        groups.append((start, start + 2, f"家庭成员{n}"))
    last = columns.index(f"m{member_slots}_id")
    if last + 1 < len(columns.keys):
        groups.append((last + 1, len(columns.keys) - 1, "其他"))
    return groups


def _row(
    rng: random.Random,
    number: int,
    student: Student,
    columns: Columns,
    style: FileStyle,
    own: Damager,
    members: Damager,
    member_slots: int,
    address: str,
) -> DataRow:
    person = student.person
    school = student.school
    household_county = school.county.name
    id_value, id_damage = own.id_cell(person.id, allow_blank=False)
    name, name_damage = own.name_cell(person, clean=True)
    values: dict[str, object] = {
        "seq": number,
        "xjh": student.xjh,
        "name": name,
        "sex": person.sex,
        "birth": date_cell(person.birth, style.date_style),
        "id_type": student.id_type,
        "id": id_value,
        "nation": "维吾尔族" if person.minority else "汉族",
        "county": household_county,
        "school": school.name,
        "school_code": school.code,
        "grade": grade_label(student.stage, student.grade, style.grade_style),
        "class": class_label(student.class_no, style.class_style),
        "boarding": "住校" if student.boarding else "走读",
        "status": student.status,
        "hukou": "非农业户口" if school.town is not None and school.town.urban else "农业户口",
        "address": address,
        "phone": phone(rng) if rng.random() < 0.8 else "",
        "note": "",
    }
    slots = [SlotRecord("", person.key, True, id_damage + name_damage, columns.index("name"))]
    for n, (member, relation) in enumerate(student.members[:member_slots], 1):
        member_id, member_id_damage = members.id_cell(member.id, birth=member.birth)
        if rng.random() < members.blank * 0.4:
            member_name, member_name_damage = "", ["name_blank"]
        else:
            member_name, member_name_damage = members.name_cell(member)
        if not member_name and not member_id:
            continue
        values[f"m{n}_name"] = member_name
        values[f"m{n}_rel"] = relation
        values[f"m{n}_id"] = member_id
        slots.append(SlotRecord(f"成员{n}", member.key, member.student,
                                member_id_damage + member_name_damage,
                                columns.index(f"m{n}_name")))
    if student.status == "转出" and rng.random() < 0.5:
        values["note"] = "转出至外县"
    return DataRow(columns.cells(values), slots, group=household_county)


