"""The 资助 system's payment exports, by county, by programme or for the whole city."""

from __future__ import annotations

import random
from collections.abc import Iterator

from aidmatch.semester import Semester
from aidmatch.synth.aid import AidPlan, Payment
from aidmatch.synth.damage import Damager
from aidmatch.synth.exports import (
    Columns,
    ExportContext,
    SheetJob,
    county_counts,
    extra_columns,
    title_rows,
)
from aidmatch.synth.layouts import FileStyle, bank_card, class_label, date_cell, grade_label, phone
from aidmatch.synth.writers import DataRow, SlotRecord, Table

FOLDER = "资助"
_STAGE_GROUPS = {"学前": "学前教育", "小学": "义务教育", "初中": "义务教育", "高中": "普通高中",
                 "中职": "中职"}


def _county_order(ctx: ExportContext) -> tuple[str, ...]:
    """The counties in the order files list them (商洛's seven first, then the province's)."""
    return tuple(c.name for c in ctx.city.geography.counties)


def write_aid(ctx: ExportContext, plan: AidPlan) -> None:
    rng = ctx.rng("aid")
    split = rng.random()
    layout = ctx.profile.layout
    if split < layout.split * 0.6:
        mode = "county"
    elif split < layout.split:
        mode = "programme"
    else:
        mode = "single"

    def scope(payment: Payment) -> str:
        if mode == "county":
            return payment.county
        if mode == "programme":
            return _STAGE_GROUPS[payment.stage]
        return ""

    groups: dict[str, list[Payment]] = {}
    for payment in plan.current:
        groups.setdefault(scope(payment), []).append(payment)
    previous: dict[str, list[Payment]] = {}
    for payment in plan.previous:
        previous.setdefault(scope(payment), []).append(payment)
    order = _county_order(ctx)
    for label in sorted(groups, key=lambda g: (order.index(g) if g in order else len(order), g)):
        _write_part(ctx, label, groups[label], previous.get(label, []))


def _write_part(ctx: ExportContext, label: str, current: list[Payment],
                previous: list[Payment]) -> None:
    city = ctx.city
    semester = city.semester
    rng = ctx.rng(f"aid:{label}")
    share = ctx.profile.aid.prev_semester_share
    with_previous = share > 0 and rng.random() < ctx.profile.layout.prev_semester_rows
    old: list[Payment] = []
    if with_previous and previous:
        wanted = round(len(current) * share / (1 - share))
        old = rng.sample(previous, min(len(previous), max(1, wanted)))
    payments = current + old
    order = _county_order(ctx)
    if rng.random() < 0.5:
        payments.sort(key=lambda p: (order.index(p.county), p.school.code, p.stage, p.grade,
                                     p.class_no))
    else:
        payments.sort(key=lambda p: (p.semester != semester, p.day, p.school.code))
    style = ctx.style(rng, len(payments))
    damager = ctx.damager(rng, style)
    term_mode = rng.choice(("year_term", "term_text", "date"))
    columns = _columns(rng, style, term_mode)
    name_choice = rng.randrange(3)
    wording = rng.randrange(8)
    where = label if label in order else ctx.city_name
    what = label if label and label not in order else "学生资助"
    title = f"{where}{semester.label}{what}资金发放名单"
    titles, info = title_rows(rng, style, title, f"{where}学生资助管理中心", city.today)
    table = Table(columns.headers, titles, info, expected_rows=len(payments),
                  amount_col=columns.index("amount"))
    amount_text = rng.choice(("plain", "two"))
    stem = rng.choice((
        f"{where}{semester.label}{what}发放明细",
        f"{semester.label[:5]}{what}资金发放表（{where}）",
        f"{what}发放名单{semester.year}",
    ))
    if len(payments) > 0 and label == "" and rng.random() < 0.3:
        stem = f"资助数据导出{semester.year}{'03' if semester.term == 'spring' else '09'}"
    sheet_name = rng.choice(("Sheet1", "发放明细", "资助名单", "sheet1"))

    def rows() -> Iterator[DataRow]:
        for number, payment in enumerate(payments, 1):
            yield _row(rng, ctx, number, payment, columns, style, damager, term_mode,
                       name_choice, amount_text, wording)

    job = SheetJob(sheet_name, table, rows, county_counts(payments, lambda p: p.county))
    ctx.write_file(FOLDER, stem, style, "aid", [job], rng, damager=damager,
                   notes={"semester_columns": term_mode, "semester_wording": wording,
                          "previous_semester_rows": len(old)}, part=label)


def _columns(rng: random.Random, style: FileStyle, term_mode: str) -> Columns:
    columns = Columns()
    if rng.random() < 0.7:
        columns.pick(rng, "seq")
    if term_mode == "year_term":
        columns.pick(rng, "school_year")
        columns.pick(rng, "term")
    elif term_mode == "term_text":
        columns.pick(rng, "term_text")
    columns.pick(rng, "county")
    columns.pick(rng, "school")
    if rng.random() < 0.85:
        columns.pick(rng, "xjh")
    columns.pick(rng, "name", "student_name")
    columns.pick(rng, "id")
    if rng.random() < 0.4:
        columns.pick(rng, "sex")
    columns.pick(rng, "grade")
    columns.pick(rng, "class")
    columns.pick(rng, "programme")
    columns.pick(rng, "amount")
    columns.pick(rng, "pay_method")
    if term_mode == "date":
        columns.pick(rng, "pay_date")
    extra_columns(rng, columns, style, ("bank", "phone", "note"))
    return columns


_TERM_WORDS = (("第二学期", "第一学期"), ("春季学期", "秋季学期"), ("下学期", "上学期"),
               ("2", "1"))


def _term_values(semester: Semester, mode: str, wording: int) -> dict[str, object]:
    """The semester columns of a row; ``wording`` is the file's own way of writing them."""
    if mode == "year_term":
        term = _TERM_WORDS[wording % len(_TERM_WORDS)][0 if semester.term == "spring" else 1]
        year = semester.school_year
        return {"school_year": year if wording < 4 else f"{year}学年", "term": term}
    if mode == "term_text":
        text = semester.label
        if wording % 3 == 1:
            text = text.replace("季学期", "")  # 2025年春
        elif wording % 3 == 2:
            text = f"{semester.school_year}学年{'第二' if semester.term == 'spring' else '第一'}学期"
        return {"term_text": text}
    return {}


def _row(
    rng: random.Random,
    ctx: ExportContext,
    number: int,
    payment: Payment,
    columns: Columns,
    style: FileStyle,
    damager: Damager,
    term_mode: str,
    name_choice: int,
    amount_text: str,
    wording: int,
) -> DataRow:
    person = payment.person
    parents = [p for p in (person.father, person.mother, person.guardian) if p is not None and p.id]
    parent_id = rng.choice(parents).id if parents else ""
    id_value, id_damage = damager.id_cell(person.id, parent_id=parent_id, old_id=person.old_id)
    name, name_damage = damager.name_cell(person)
    payment.name_choice = name_choice
    amount: object = payment.amount
    if style.fmt == "csv":
        amount = f"{payment.amount:.2f}" if amount_text == "two" else _plain(payment.amount)
    values: dict[str, object] = {
        "seq": number,
        "county": payment.county,
        "school": payment.school.name,
        "xjh": payment.xjh,
        "name": name,
        "id": id_value,
        "sex": person.sex,
        "grade": grade_label(payment.stage, payment.grade, style.grade_style),
        "class": class_label(payment.class_no, style.class_style),
        "programme": payment.programme_name,
        "amount": amount,
        "pay_method": payment.method,
        "pay_date": date_cell(payment.day, style.date_style),
        "bank": bank_card(rng),
        "phone": phone(rng) if rng.random() < 0.7 else "",
        "note": "",
    }
    values.update(_term_values(payment.semester, term_mode, wording))
    slot = SlotRecord("", person.key, person.student, id_damage + name_damage,
                      columns.index("name"))
    flag = payment.flag if payment.semester == ctx.city.semester else ""
    return DataRow(columns.cells(values), [slot], group=payment.county, amount=payment.amount,
                   flag=flag, payment=payment)


def _plain(amount: float) -> str:
    return str(int(amount)) if float(amount).is_integer() else f"{amount:g}"
