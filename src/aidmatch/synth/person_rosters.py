"""Person rosters: 特困供养 and 孤儿 / 事实无人抚养儿童 (民政), 持证残疾人 (残联)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from aidmatch.synth.damage import Damager
from aidmatch.synth.exports import (
    Columns,
    ExportContext,
    SheetJob,
    county_counts,
    county_rank,
    extra_columns,
    split_by_county,
    title_rows,
)
from aidmatch.synth.layouts import FileStyle, bank_card, date_cell, phone
from aidmatch.synth.people import Person
from aidmatch.synth.writers import DataRow, SlotRecord, Table

CERT_CATEGORIES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
CERT_GRADES = ("一级", "二级", "三级", "四级")


def by_place(ctx: ExportContext, people: list[Person]) -> list[Person]:
    """Rosters list people by county, town and village."""

    def key(person: Person) -> tuple[int, str, str, str]:
        household = ctx.city.household_of(person)
        return (county_rank(household.county.name), household.town.name, household.village,
                person.key)

    return sorted(people, key=key)


def _place_columns(rng: random.Random, columns: Columns) -> None:
    for key in ("county", "town", "village"):
        if rng.random() < 0.85:
            columns.pick(rng, key)


def _place_values(ctx: ExportContext, person: Person) -> dict[str, object]:
    household = ctx.city.household_of(person)
    return {"county": household.county.name, "town": household.town.name,
            "village": household.village}


# -- 特困供养 -----------------------------------------------------------------------------------


class TekunRoster:
    """The 特困供养 roster: a sheet of a 民政 category workbook, or files of its own."""

    def __init__(self, ctx: ExportContext) -> None:
        self.people = by_place(ctx, [person for person in ctx.city.persons if person.tekun])
        self.written: set[str] = set()

    def job(
        self,
        ctx: ExportContext,
        rng: random.Random,
        style: FileStyle,
        damager: Damager,
        label: str,
        standalone: bool = False,
    ) -> SheetJob | None:
        """The sheet for one part of a split export (a county, the city, or a chunk)."""
        if label.startswith("第"):
            part = self.people if label == "第1批" else []
        elif label:
            part = [p for p in self.people if ctx.city.household_of(p).county.name == label]
        else:
            part = self.people
        part = [p for p in part if p.key not in self.written]
        if not part:
            return None
        self.written.update(p.key for p in part)
        sheet = rng.choice(("特困供养", "特困人员"))
        job = self._job(ctx, rng, style, damager, part, sheet, titles=[], info="")
        if standalone:
            where = label if label and not label.startswith("第") else ctx.city_name
            ctx.write_file("民政", f"{where}特困供养人员名单", style, "civil", [job], rng,
                           damager=damager, notes={"tables": ["特困供养"]}, part=label)
            return None
        return job

    def write_rest(self, ctx: ExportContext) -> None:
        rest = [p for p in self.people if p.key not in self.written]
        if not rest:
            return
        rng = ctx.rng("tekun")
        for label, part in split_by_county(rng, rest, lambda p: ctx.city.household_of(p).county
                                           .name, ctx.profile.layout.split):
            file_rng = ctx.rng(f"tekun:{label}")
            style = ctx.style(file_rng, len(part))
            damager = ctx.damager(file_rng, style)
            where = label if label and not label.startswith("第") else ctx.city_name
            titles, info = title_rows(file_rng, style, f"{where}特困人员救助供养花名册",
                                      f"{where}民政局", ctx.city.today)
            job = self._job(ctx, file_rng, style, damager, part,
                            file_rng.choice(("Sheet1", "特困人员")), titles, info)
            self.written.update(p.key for p in part)
            stem = file_rng.choice((f"{where}特困供养人员名单", f"特困人员{where}",
                                    f"{where}特困供养对象花名册"))
            ctx.write_file("民政", stem, style, "civil", [job], file_rng, damager=damager,
                           notes={"tables": ["特困供养"]}, part=label)

    def _job(
        self,
        ctx: ExportContext,
        rng: random.Random,
        style: FileStyle,
        damager: Damager,
        part: list[Person],
        sheet: str,
        titles: list[str],
        info: str,
    ) -> SheetJob:
        columns = Columns()
        if rng.random() < 0.8:
            columns.pick(rng, "seq")
        _place_columns(rng, columns)
        columns.pick(rng, "name")
        columns.pick(rng, "id")
        columns.pick(rng, "sex")
        if rng.random() < 0.5:
            columns.pick(rng, "birth")
        columns.pick(rng, "tekun_mode")
        columns.pick(rng, "tekun_amount")
        extra_columns(rng, columns, style)
        table = Table(columns.headers, titles, info, expected_rows=len(part))

        def rows() -> Iterator[DataRow]:
            for number, person in enumerate(part, 1):
                id_value, id_damage = damager.id_cell(person.id, birth=person.birth)
                name, name_damage = damager.name_cell(person)
                values = _place_values(ctx, person)
                values.update({
                    "seq": number, "name": name, "id": id_value, "sex": person.sex,
                    "birth": date_cell(person.birth, style.date_style),
                    "tekun_mode": rng.choice(("分散供养", "分散供养", "集中供养")),
                    "tekun_amount": float(rng.choice((720, 780, 850, 960))),
                    "phone": phone(rng) if rng.random() < 0.5 else "",
                    "bank": bank_card(rng),
                })
                yield DataRow(columns.cells(values), [SlotRecord(
                    "", person.key, person.student, id_damage + name_damage,
                    columns.index("name"))], group=str(values["county"]))

        return SheetJob(sheet, table, rows,
                        county_counts(part, lambda p: ctx.city.household_of(p).county.name))


# -- 孤儿 / 事实无人抚养儿童 ---------------------------------------------------------------------


def write_child_welfare(ctx: ExportContext) -> None:
    city = ctx.city
    rng = ctx.rng("child_welfare")
    children = by_place(ctx, [p for p in city.persons if p.child_group])
    if not children:
        return
    layout = ctx.profile.layout
    if rng.random() < layout.category_sheets:
        mode = "sheets"
    elif rng.random() < 0.5:
        mode = "combined"
    else:
        mode = "files"
    groups = [("orphan", "孤儿"), ("de_facto", "事实无人抚养儿童")]
    if mode == "files":
        for code, label in groups:
            part = [c for c in children if c.child_group == code]
            if part:
                _welfare_file(ctx, f"{label}", [(label, part)], combined=False)
        return
    if mode == "combined":
        _welfare_file(ctx, "combined", [("", children)], combined=True)
        return
    _welfare_file(ctx, "sheets", [(label, [c for c in children if c.child_group == code])
                                  for code, label in groups], combined=False, by_sheet=True)


def _welfare_file(
    ctx: ExportContext,
    key: str,
    tables: list[tuple[str, list[Person]]],
    *,
    combined: bool,
    by_sheet: bool = False,
) -> None:
    city = ctx.city
    rng = ctx.rng(f"child_welfare:{key}")
    style = ctx.style(rng, sum(len(part) for _, part in tables))
    damager = ctx.damager(rng, style)
    jobs = []
    for label, part in tables:
        if not part:
            continue
        if by_sheet:
            title = f"{ctx.city_name}困境儿童基本生活保障对象花名册"  # the category is the sheet name only
        else:
            title = f"{ctx.city_name}{label or '孤儿和事实无人抚养儿童'}基本生活保障花名册"
        titles, info = title_rows(rng, style, title, f"{ctx.city_name}民政局", city.today)
        sheet = label if by_sheet else rng.choice(("Sheet1", "花名册", label or "保障对象"))
        jobs.append(_welfare_job(ctx, rng, style, damager, part, sheet, titles, info, combined))
    if not jobs:
        return
    stem = rng.choice((f"{ctx.city_name}孤儿和事实无人抚养儿童名单", "困境儿童保障对象花名册",
                       f"儿童福利{city.today.year}年{city.today.month}月"))
    if len(tables) == 1 and tables[0][0]:
        stem = rng.choice((f"{tables[0][0]}名单", f"{ctx.city_name}{tables[0][0]}基本生活费发放花名册"))
    ctx.write_file("民政", stem, style, "child_welfare", jobs, rng, damager=damager,
                   notes={"tables": [label or "combined" for label, _ in tables]})


def _welfare_job(
    ctx: ExportContext,
    rng: random.Random,
    style: FileStyle,
    damager: Damager,
    part: list[Person],
    sheet: str,
    titles: list[str],
    info: str,
    combined: bool,
) -> SheetJob:
    columns = Columns()
    if rng.random() < 0.8:
        columns.pick(rng, "seq")
    _place_columns(rng, columns)
    columns.pick(rng, "name", "child_name")
    columns.pick(rng, "id")
    columns.pick(rng, "sex")
    if rng.random() < 0.6:
        columns.pick(rng, "birth")
    if combined:
        columns.pick(rng, "child_type")
    columns.pick(rng, "guardian_name")
    columns.pick(rng, "guardian_id")
    columns.pick(rng, "guardian_rel")
    columns.pick(rng, "living_amount")
    extra_columns(rng, columns, style)
    table = Table(columns.headers, titles, info, expected_rows=len(part))
    orphan_word = rng.choice(("孤儿", "散居孤儿"))

    def rows() -> Iterator[DataRow]:
        for number, child in enumerate(part, 1):
            id_value, id_damage = damager.id_cell(child.id)
            name, name_damage = damager.name_cell(child)
            values = _place_values(ctx, child)
            guardian = child.guardian
            values.update({
                "seq": number, "name": name, "id": id_value, "sex": child.sex,
                "birth": date_cell(child.birth, style.date_style),
                "child_type": orphan_word if child.child_group == "orphan" else "事实无人抚养儿童",
                "living_amount": float(rng.choice((1200, 1230, 1300))),
                "phone": phone(rng) if rng.random() < 0.6 else "",
                "bank": bank_card(rng),
            })
            slots = [SlotRecord("", child.key, child.student, id_damage + name_damage,
                                columns.index("name"))]
            if guardian is not None:
                guardian_id, guardian_id_damage = damager.id_cell(guardian.id,
                                                                  birth=guardian.birth)
                guardian_name, guardian_name_damage = damager.name_cell(guardian)
                relation = "祖父" if guardian.male else "祖母"
                if child.role in ("grandson_d", "granddaughter_d"):
                    relation = "外" + relation
                values.update({"guardian_name": guardian_name, "guardian_id": guardian_id,
                               "guardian_rel": relation})
                slots.append(SlotRecord("监护人", guardian.key, guardian.student,
                                        guardian_id_damage + guardian_name_damage,
                                        columns.index("guardian_name")))
            yield DataRow(columns.cells(values), slots, group=str(values["county"]))

    return SheetJob(sheet, table, rows,
                    county_counts(part, lambda p: ctx.city.household_of(p).county.name))


# -- 残联: 持证残疾人 ----------------------------------------------------------------------------


def write_disability(ctx: ExportContext) -> None:
    city = ctx.city
    rng = ctx.rng("disability")
    holders = by_place(ctx, [p for p in city.persons if p.cert is not None])
    for label, part in split_by_county(rng, holders, lambda p: city.household_of(p).county.name,
                                       ctx.profile.layout.split):
        _disability_file(ctx, label, part)


def _disability_file(ctx: ExportContext, label: str, part: list[Person]) -> None:
    city = ctx.city
    rng = ctx.rng(f"disability:{label}")
    style = ctx.style(rng, len(part))
    layout = ctx.profile.layout
    id_mode = "cert_only" if rng.random() < layout.cert_only else (
        "both" if rng.random() < 0.7 else "id_only")
    category_column = id_mode == "id_only" or rng.random() < (0.6 if id_mode == "cert_only"
                                                               else 0.7)
    damager = ctx.damager(rng, style)
    if not category_column or id_mode == "id_only":
        damager.cert_swap = False  # a swap is only recoverable where a category column exists
    category_words = rng.choice((0, 1, 2))
    grade_words = rng.choice((0, 1))
    columns = Columns()
    if rng.random() < 0.8:
        columns.pick(rng, "seq")
    columns.pick(rng, "name")
    columns.pick(rng, "sex")
    if id_mode != "cert_only":
        columns.pick(rng, "id")
    if id_mode != "id_only":
        columns.pick(rng, "cert_no")
    if category_column:
        columns.pick(rng, "cert_cat")
        columns.pick(rng, "cert_grade")
    _place_columns(rng, columns)
    if rng.random() < 0.5:
        columns.pick(rng, "cert_date")
    extra_columns(rng, columns, style, ("phone", "note"))
    where = label if label and not label.startswith("第") else ctx.city_name
    titles, info = title_rows(rng, style, f"{where}持证残疾人信息表", f"{where}残疾人联合会",
                              city.today)
    table = Table(columns.headers, titles, info, expected_rows=len(part))

    def rows() -> Iterator[DataRow]:
        for number, person in enumerate(part, 1):
            assert person.cert is not None
            category, grade = person.cert
            damage: list[str] = []
            values = _place_values(ctx, person)
            if id_mode != "cert_only":
                id_value, id_damage = damager.id_cell(person.id, birth=person.birth)
                values["id"] = id_value
                damage += id_damage
            if id_mode != "id_only" and person.id:
                cert, cert_damage = damager.cert_cell(person.id, category, grade)
                values["cert_no"] = cert
                damage += cert_damage
            name, name_damage = damager.name_cell(person)
            issued = dt.date(rng.randint(2008, city.today.year - 1), rng.randint(1, 12),
                             rng.randint(1, 28))
            values.update({
                "seq": number, "name": name, "sex": person.sex,
                "cert_cat": _category_text(category, category_words),
                "cert_grade": _grade_text(grade, grade_words),
                "cert_date": date_cell(issued, style.date_style),
                "phone": phone(rng) if rng.random() < 0.6 else "",
            })
            yield DataRow(columns.cells(values), [SlotRecord(
                "", person.key, person.student, damage + name_damage, columns.index("name"))],
                group=str(values["county"]))

    job = SheetJob(rng.choice(("Sheet1", "持证残疾人", "残疾人信息")), table, rows,
                   county_counts(part, lambda p: city.household_of(p).county.name))
    stem = rng.choice((f"{where}持证残疾人名单", f"残联数据{where}",
                       f"{where}残疾人证信息导出{city.today.year}"))
    ctx.write_file("残联", stem, style, "disability", [job], rng, damager=damager,
                   notes={"id_columns": id_mode, "category_column": category_column}, part=label)


def _category_text(category: int, words: int) -> str:
    text = CERT_CATEGORIES[category - 1]
    return (text, text + "残疾", str(category))[words]


def _grade_text(grade: int, words: int) -> str:
    return (CERT_GRADES[grade - 1], f"{grade}级")[words]

