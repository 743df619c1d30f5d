"""Household rosters: 扶贫 (脱贫户 / 防返贫监测户) and 民政 低保 and 低收入, long or wide.

Long layout: one row per member with 户编号 and 与户主关系. Wide layout: one row per household,
户主 then 成员1…成员N, sometimes under merged group labels with repeated sub-headers.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

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
from aidmatch.synth.households import Household
from aidmatch.synth.layouts import FileStyle, bank_card, date_cell, header, phone, relation_label
from aidmatch.synth.people import Person
from aidmatch.synth.writers import DataRow, SlotRecord, Table

HouseholdValues = Callable[[Household], dict[str, object]]


def _roster_mode(rng: random.Random, category_sheets: float) -> str:
    """How a roster is cut: one sheet per category, one combined list, or one file per category."""
    if rng.random() < category_sheets:
        return "sheets"
    return "combined" if rng.random() < 0.5 else "files"
_SCHOOL_STATUS = {"学前": "学前教育", "小学": "义务教育", "初中": "义务教育", "高中": "普通高中",
                  "中职": "中职"}


@dataclass
class HouseholdTable:
    """The household-level columns of one roster table and how to fill them."""

    keys: list[tuple[str, str]]  # (key, header)
    values: HouseholdValues
    with_head_columns: bool = False  # long layouts that repeat 户主姓名/户主身份证号 on each row
    school_status: bool = False


def household_job(
    ctx: ExportContext,
    rng: random.Random,
    style: FileStyle,
    damager: Damager,
    households: list[Household],
    spec: HouseholdTable,
    sheet_name: str,
    titles: list[str],
    info: str,
) -> SheetJob:
    columns = Columns()
    if rng.random() < 0.8:
        columns.pick(rng, "seq")
    for key in ("county", "town", "village"):
        if key == "village" or rng.random() < 0.85:
            columns.pick(rng, key)
    columns.pick(rng, "hh_no")
    groups: list[tuple[int, int, str]] = []
    wide = style.wide
    if wide:
        max_members = max((len(h.members) - 1 for h in households), default=1)
        columns.pick(rng, "head_name")
        columns.pick(rng, "head_id")
        if rng.random() < 0.5:
            columns.pick(rng, "hh_size")
        for key, title in spec.keys:
            columns.add(key, title)
        basic_end = len(columns.keys) - 1
        grouped = style.group_header
        id_word = header(rng, "member_id")
        for n in range(1, max(1, max_members) + 1):
            columns.add(f"m{n}_name", "姓名" if grouped else f"成员{n}姓名")
            columns.add(f"m{n}_id", id_word if grouped else f"成员{n}{id_word}")
            columns.add(f"m{n}_rel", "与户主关系" if grouped else f"成员{n}与户主关系")
        if grouped:
            groups.append((0, basic_end, "基本信息"))
            for n in range(1, max(1, max_members) + 1):
                start = columns.index(f"m{n}_name")
                groups.append((start, start + 2, f"家庭成员{n}"))
    else:
        if rng.random() < 0.6:
            columns.pick(rng, "person_no")
        if spec.with_head_columns:
            columns.pick(rng, "head_name")
            columns.pick(rng, "head_id")
        columns.pick(rng, "name")
        columns.pick(rng, "id")
        columns.pick(rng, "relation")
        columns.pick(rng, "sex")
        if rng.random() < 0.4:
            columns.pick(rng, "birth")
        for key, title in spec.keys:
            columns.add(key, title)
        if spec.school_status:
            columns.pick(rng, "school_status")
    extra_start = len(columns.keys)
    extra_columns(rng, columns, style)
    if groups and len(columns.keys) > extra_start:
        groups.append((extra_start, len(columns.keys) - 1, "其他"))
    households = sorted(households, key=household_order)
    expected = len(households) if wide else sum(len(h.members) for h in households)
    table = Table(columns.headers, titles, info, groups, expected_rows=expected)

    def rows() -> Iterator[DataRow]:
        number = 0
        for household in households:
            shared = spec.values(household)
            shared["hh_no"] = household.number
            shared["county"] = household.county.name
            shared["town"] = household.town.name
            shared["village"] = household.village
            shared["hh_size"] = len(household.members)
            shared["phone"] = phone(rng) if rng.random() < 0.7 else ""
            shared["bank"] = bank_card(rng) if rng.random() < 0.8 else ""
            if wide:
                number += 1
                yield _wide_row(ctx, rng, style, damager, household, columns, shared, number)
            else:
                for member in _ordered(household):
                    number += 1
                    yield _long_row(ctx, rng, style, damager, household, member, columns, shared,
                                    number, spec)

    return SheetJob(sheet_name, table, rows, county_counts(households, lambda h: h.county.name))


def household_order(household: Household) -> tuple[int, str, str, str]:
    """Rosters list households by county, town and village."""
    return (county_rank(household.county.name), household.town.name, household.village,
            household.number)


def _ordered(household: Household) -> list[Person]:
    head = household.head
    return [head] + [m for m in household.members if m is not head]


def _parent_id(person: Person) -> str:
    parents = [x for x in (person.father, person.mother, person.guardian) if x is not None]
    return parents[0].id if parents else ""


def _long_row(
    ctx: ExportContext,
    rng: random.Random,
    style: FileStyle,
    damager: Damager,
    household: Household,
    member: Person,
    columns: Columns,
    shared: dict[str, object],
    number: int,
    spec: HouseholdTable,
) -> DataRow:
    values = dict(shared)
    id_value, id_damage = damager.id_cell(member.id, parent_id=_parent_id(member),
                                          birth=member.birth)
    name, name_damage = damager.name_cell(member)
    values.update({
        "seq": number,
        "person_no": f"{household.number}{_ordered(household).index(member) + 1:02d}",
        "name": name,
        "id": id_value,
        "relation": relation_label(member, style.relation_style),
        "sex": member.sex,
        "birth": date_cell(member.birth, style.date_style),
    })
    if spec.school_status:
        values["school_status"] = _school_status(ctx, member)
    slots = [SlotRecord("", member.key, member.student, id_damage + name_damage,
                        columns.index("name"))]
    if spec.with_head_columns:
        head = household.head
        head_id, head_id_damage = damager.id_cell(head.id, birth=head.birth)
        head_name, head_name_damage = damager.name_cell(head)
        values["head_name"] = head_name
        values["head_id"] = head_id
        slots.append(SlotRecord("户主", head.key, head.student, head_id_damage + head_name_damage,
                                columns.index("head_name")))
    return DataRow(columns.cells(values), slots, group=household.county.name)


def _wide_row(
    ctx: ExportContext,
    rng: random.Random,
    style: FileStyle,
    damager: Damager,
    household: Household,
    columns: Columns,
    shared: dict[str, object],
    number: int,
) -> DataRow:
    values = dict(shared)
    values["seq"] = number
    head = household.head
    head_id, head_id_damage = damager.id_cell(head.id, birth=head.birth)
    head_name, head_name_damage = damager.name_cell(head)
    values["head_name"] = head_name
    values["head_id"] = head_id
    slots = [SlotRecord("户主", head.key, head.student, head_id_damage + head_name_damage,
                        columns.index("head_name"))]
    for n, member in enumerate(_ordered(household)[1:], 1):
        member_id, id_damage = damager.id_cell(member.id, parent_id=_parent_id(member),
                                               birth=member.birth)
        member_name, name_damage = damager.name_cell(member)
        values[f"m{n}_name"] = member_name
        values[f"m{n}_id"] = member_id
        values[f"m{n}_rel"] = relation_label(member, style.relation_style)
        slots.append(SlotRecord(f"成员{n}", member.key, member.student, id_damage + name_damage,
                                columns.index(f"m{n}_name")))
    return DataRow(columns.cells(values), slots, group=household.county.name)


def _school_status(ctx: ExportContext, person: Person) -> str:
    student = ctx.city.student_of.get(person.key)
    if student is not None:
        return _SCHOOL_STATUS[student.stage]
    age = person.age_on(ctx.city.today)
    if 6 <= age <= 17:
        return "省外就读" if age < 16 else "非在校生"
    return "非在校生" if age < 60 else ""


# -- 扶贫: 脱贫户 and 防返贫监测户 --------------------------------------------------------------


def write_poverty(ctx: ExportContext) -> None:
    """Write the 扶贫 rosters and mark which 脱贫户 were written with a 享受政策 column."""
    city = ctx.city
    rng = ctx.rng("poverty")
    poor = [h for h in city.households if h.poverty]
    monitored = [h for h in city.households if h.monitored]
    combined = [h for h in city.households if h.poverty or h.monitored]
    layout = ctx.profile.layout
    mode = _roster_mode(rng, layout.category_sheets)
    split = layout.split
    if mode == "sheets":
        for label, part in split_by_county(rng, combined, _county, split):
            _poverty_file(ctx, label, part, kinds=("poor", "monitored"))
    elif mode == "combined":
        for label, part in split_by_county(rng, combined, _county, split):
            _poverty_file(ctx, label, part, kinds=("combined",))
    else:
        for label, part in split_by_county(rng, poor, _county, split):
            _poverty_file(ctx, label, part, kinds=("poor",))
        for label, part in split_by_county(rng, monitored, _county, split):
            _poverty_file(ctx, label, part, kinds=("monitored",))


def _county(household: Household) -> str:
    return household.county.name


def _poverty_file(ctx: ExportContext, label: str, households: list[Household],
                  kinds: tuple[str, ...]) -> None:
    city = ctx.city
    rng = ctx.rng(f"poverty:{label}:{'+'.join(kinds)}")
    rows = sum(len(h.members) for h in households)
    style = ctx.style(rng, rows, wide_allowed=True)
    damager = ctx.damager(rng, style)
    policy = rng.random() < ctx.profile.layout.policy_column
    policy_header = header(rng, "policy")
    where = label if label and not label.startswith("第") else ctx.city_name
    jobs = []
    for kind in kinds:
        if kind == "poor":
            part = [h for h in households if h.poverty]
            spec = _poverty_spec(rng, policy, policy_header, monitoring=False, type_column=False)
            sheet = rng.choice(("脱贫户", "脱贫人口", "脱贫户信息"))
            title = f"{where}脱贫人口信息表"
        elif kind == "monitored":
            part = [h for h in households if h.monitored]
            spec = _poverty_spec(rng, False, policy_header, monitoring=True, type_column=True,
                                 monitored_file=True)
            sheet = rng.choice(("监测户", "监测对象", "防返贫监测对象"))
            title = f"{where}防止返贫监测对象信息表"
        else:
            part = households
            spec = _poverty_spec(rng, policy, policy_header, monitoring=True, type_column=True)
            sheet = rng.choice(("Sheet1", "脱贫人口和监测对象", "数据"))
            title = f"{where}脱贫人口和监测对象明细"
        if not part:
            continue
        if kind in ("poor", "combined") and policy:
            for household in part:
                if household.poverty:
                    household.policy_visible = True
        if kinds == ("poor", "monitored"):
            title = f"{where}脱贫人口和监测对象信息"  # the category is the sheet name only
        titles, info = title_rows(rng, style, title, f"{where}乡村振兴局", city.today)
        jobs.append(household_job(ctx, rng, style, damager, part, spec, sheet, titles, info))
    if not jobs:
        return
    stem = rng.choice((
        f"{where}脱贫人口及监测对象名单",
        f"{where}{city.today.year}年{'脱贫户' if kinds == ('poor',) else '防返贫监测'}数据",
        f"乡村振兴局{'脱贫人口' if kinds == ('poor',) else '监测对象'}台账（{where}）",
    ))
    if kinds == ("monitored",):
        stem = rng.choice((f"{where}防返贫监测对象名单", f"监测户明细{where}"))
    ctx.write_file("乡村振兴", stem, style, "poverty", jobs, rng, damager=damager,
                   notes={"policy_column": policy, "tables": list(kinds)}, part=label)


def _poverty_spec(
    rng: random.Random,
    policy: bool,
    policy_header: str,
    *,
    monitoring: bool,
    type_column: bool,
    monitored_file: bool = False,
) -> HouseholdTable:
    keys: list[tuple[str, str]] = []
    if type_column:
        keys.append(("hh_type", header(rng, "hh_type")))
    if not monitored_file:
        keys.append(("poverty_year", header(rng, "poverty_year")))
    if monitoring:
        keys.append(("monitor_type", header(rng, "monitor_type")))
        keys.append(("risk", header(rng, "risk")))
    if policy:
        keys.append(("policy", policy_header))
    yes_no = policy_header == "是否享受政策"

    def values(household: Household) -> dict[str, object]:
        out: dict[str, object] = {}
        if monitored_file:
            out["hh_type"] = "脱贫户" if household.poverty else "一般农户"
        else:
            out["hh_type"] = "脱贫户" if household.poverty else "监测户"
        if household.poverty:
            out["poverty_year"] = str(household.poverty_year)
            if yes_no:
                out["policy"] = "否" if household.no_policy else "是"
            else:
                out["policy"] = "不享受政策" if household.no_policy else rng.choice(
                    ("享受政策", "继续享受政策"))
        if household.monitored:
            out["monitor_type"] = household.monitor_category
            out["risk"] = "是" if household.risk_eliminated else "否"
        return out

    return HouseholdTable(keys, values, school_status=rng.random() < 0.6)


# -- 民政: 低保 and 低收入 ----------------------------------------------------------------------


def write_dibao(ctx: ExportContext, tekun_job: Callable[..., SheetJob | None]) -> bool:
    """低保 rosters; in a category workbook the 特困供养 sheet comes from ``tekun_job``.

    Returns whether the 特困供养 roster was written with them.
    """
    city = ctx.city
    rng = ctx.rng("dibao")
    dibao = [h for h in city.households if h.dibao]
    layout = ctx.profile.layout
    mode = _roster_mode(rng, layout.category_sheets)
    if mode == "files":
        for category in ("城市低保", "农村低保"):
            part = [h for h in dibao if h.dibao == category]
            for label, chunk in split_by_county(rng, part, _county, layout.split):
                _dibao_file(ctx, label, chunk, (category,), None)
        return False
    for label, part in split_by_county(rng, dibao, _county, layout.split):
        kinds = ("城市低保", "农村低保") if mode == "sheets" else ("combined",)
        _dibao_file(ctx, label, part, kinds, tekun_job if mode == "sheets" else None)
    return mode == "sheets" and bool(dibao)


def _dibao_file(
    ctx: ExportContext,
    label: str,
    households: list[Household],
    kinds: tuple[str, ...],
    tekun_job: Callable[..., SheetJob | None] | None,
) -> None:
    city = ctx.city
    rng = ctx.rng(f"dibao:{label}:{'+'.join(kinds)}")
    rows = sum(len(h.members) for h in households)
    style = ctx.style(rng, rows, wide_allowed=True)
    damager = ctx.damager(rng, style)
    dates = rng.random() < ctx.profile.layout.dibao_dates
    status_mode = rng.choice(("dates", "both")) if dates else "status"
    where = label if label and not label.startswith("第") else ctx.city_name
    month = f"{city.today.year}年{city.today.month}月份"
    jobs = []
    with_head = rng.random() < 0.5
    for kind in kinds:
        part = households if kind == "combined" else [h for h in households if h.dibao == kind]
        if not part:
            continue
        spec = _dibao_spec(rng, city.today, status_mode, type_column=kind == "combined",
                           with_head=with_head)
        what = kind if len(kinds) == 1 and kind != "combined" else "城乡低保"
        titles, info = title_rows(rng, style, f"{month}{where}{what}备案表", f"{where}民政局",
                                  city.today)
        sheet = kind if kind != "combined" else rng.choice(("Sheet1", "低保对象", "保障对象"))
        jobs.append(household_job(ctx, rng, style, damager, part, spec, sheet, titles, info))
    if tekun_job is not None and style.fmt != "csv":
        job = tekun_job(ctx, rng, style, damager, label)
        if job is not None:
            jobs.append(job)
    if not jobs:
        return
    what = "低保" if len(kinds) > 1 or kinds == ("combined",) else kinds[0]
    stem = rng.choice((
        f"{what}数据({city.today.month}月)",
        f"{where}{month}{what}花名册",
        f"{where}{what}保障对象名单",
    ))
    ctx.write_file("民政", stem, style, "civil", jobs, rng, damager=damager,
                   notes={"dibao_status": status_mode, "tables": list(kinds)}, part=label)
    if tekun_job is not None and style.fmt == "csv":
        # A CSV holds one table, so the 特困 sheet becomes a file of its own.
        tekun_job(ctx, rng, style, damager, label, standalone=True)


def _dibao_spec(
    rng: random.Random, today: dt.date, status_mode: str, *, type_column: bool, with_head: bool
) -> HouseholdTable:
    keys: list[tuple[str, str]] = []
    if type_column:
        keys.append(("dibao_type", header(rng, "dibao_type")))
    keys.append(("dibao_count", header(rng, "dibao_count")))
    keys.append(("dibao_amount", header(rng, "dibao_amount")))
    if status_mode in ("status", "both"):
        keys.append(("dibao_status", header(rng, "dibao_status")))
    if rng.random() < 0.5 or status_mode != "status":
        keys.append(("dibao_start", header(rng, "dibao_start")))
    if status_mode != "status":
        keys.append(("dibao_end", header(rng, "dibao_end")))
    date_style = rng.choice(("date", "dash", "slash", "compact"))

    def values(household: Household) -> dict[str, object]:
        out: dict[str, object] = {
            "dibao_type": household.dibao,
            "dibao_count": len(household.members),
            "dibao_amount": household.dibao_amount,
            "dibao_status": "停保" if household.dibao_stopped else "正常",
        }
        if household.dibao_start is not None:
            out["dibao_start"] = date_cell(household.dibao_start, date_style)
        if household.dibao_end is not None:
            out["dibao_end"] = date_cell(household.dibao_end, date_style)
        return out

    return HouseholdTable(keys, values, with_head_columns=with_head)


def write_low_income(ctx: ExportContext) -> None:
    """低收入人口: a decoy roster, not a key group under the default policy."""
    city = ctx.city
    households = [h for h in city.households if h.low_income]
    if not households:
        return
    rng = ctx.rng("low_income")
    style = ctx.style(rng, sum(len(h.members) for h in households), wide_allowed=True)
    damager = ctx.damager(rng, style)

    def values(household: Household) -> dict[str, object]:
        return {"category": rng.choice(("低收入家庭", "低保边缘家庭", "刚性支出困难家庭"))}

    spec = HouseholdTable([("category", "人员类别")], values)
    titles, info = title_rows(rng, style, f"{ctx.city_name}低收入人口动态监测名单", f"{ctx.city_name}民政局",
                              city.today)
    job = household_job(ctx, rng, style, damager, households, spec,
                        rng.choice(("低收入人口", "Sheet1")), titles, info)
    ctx.write_file("民政", rng.choice(("低收入人口名单", "低收入人口动态监测信息")), style, "civil",
                   [job], rng, damager=damager, notes={"tables": ["low_income"]})

