"""Layout choices for one export file: format, header words, title rows, quirks, wording styles.

Every choice is drawn from the file's own random generator, so two files of the same kind rarely
look alike, and the same seed always gives the same files.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import asdict, dataclass

from aidmatch.synth import people as p
from aidmatch.synth.people import Person
from aidmatch.synth.profiles import LayoutRates

# Header words per meaning, as different systems and clerks write them (domain.md).
HEADERS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号", "序"),
    "name": ("姓名", "成员姓名"),
    "student_name": ("姓名", "学生姓名"),
    "child_name": ("儿童姓名", "姓名"),
    "id": ("身份证件号", "身份证号", "身份证号码", "公民身份号码", "证件号码"),
    "member_id": ("身份证号", "成员身份证号", "证件号码", "身份证号码"),
    "head_name": ("户主姓名",),
    "head_id": ("户主身份证号", "户主身份证号码", "户主证件号码"),
    "relation": ("与户主关系", "与户主关系（称谓）"),
    "sex": ("性别",),
    "birth": ("出生日期", "出生年月"),
    "nation": ("民族",),
    "county": ("区县", "县区", "县(区)", "所属区县", "县（区）"),
    "town": ("乡镇", "乡(镇)", "乡镇(街道)", "镇(办)", "乡镇（街道）"),
    "village": ("村", "村(社区)", "行政村", "村（社区）"),
    "address": ("家庭住址", "现住址", "家庭地址"),
    "phone": ("联系电话", "联系方式", "手机号码"),
    "note": ("备注",),
    "bank": ("银行卡号", "账号", "一卡通账号", "社保卡号"),
    "hh_no": ("户编号", "户码", "户编码"),
    "person_no": ("人编号", "人员编号", "人编码"),
    "hh_type": ("户类型", "户属性"),
    "monitor_type": ("监测对象类别", "易返贫致贫户(监测对象)类型"),
    "risk": ("风险是否消除", "风险是否已消除"),
    "policy": ("享受政策情况", "是否享受政策", "政策享受状态"),
    "school_status": ("在校生状况", "在校生情况"),
    "poverty_year": ("脱贫年度", "脱贫时间"),
    "hh_size": ("家庭人口数", "户人数", "家庭人数"),
    "dibao_type": ("保障类别", "救助类别"),
    "dibao_status": ("保障状态", "救助状态"),
    "dibao_count": ("保障人数",),
    "dibao_amount": ("月保障金额", "月保障金(元)", "保障金额（元）"),
    "dibao_start": ("保障起始日期", "审批日期", "批准日期"),
    "dibao_end": ("停保日期", "保障结束日期", "终止日期"),
    "tekun_mode": ("供养方式", "供养形式"),
    "tekun_amount": ("月供养金额", "基本生活标准（元/月）"),
    "child_type": ("儿童类别", "保障类型", "类别"),
    "guardian_name": ("监护人姓名", "监护人"),
    "guardian_id": ("监护人身份证号", "监护人身份证号码", "监护人证件号码"),
    "guardian_rel": ("与儿童关系", "监护人与儿童关系"),
    "living_amount": ("基本生活费（元/月）", "保障标准", "月发放金额"),
    "cert_no": ("残疾人证号", "残疾证号", "残疾人证号码"),
    "cert_cat": ("残疾类别", "残疾类型"),
    "cert_grade": ("残疾等级", "残疾级别"),
    "cert_date": ("发证日期", "持证日期", "办证日期"),
    "xjh": ("学籍号", "全国学籍号", "学籍号码"),
    "id_type": ("身份证件类型", "证件类型"),
    "school": ("学校名称", "就读学校", "学校"),
    "school_code": ("学校标识码",),
    "grade": ("年级",),
    "class": ("班级", "班级名称"),
    "boarding": ("就读方式", "是否住校"),
    "status": ("学籍状态", "学生状态"),
    "hukou": ("户口性质", "户籍性质"),
    "enrol_date": ("入学年月", "入学日期"),
    "school_year": ("学年", "资助学年"),
    "term": ("学期", "资助学期"),
    "term_text": ("学期", "资助学期", "发放学期"),
    "pay_date": ("发放日期", "发放时间", "拨付日期"),
    "programme": ("资助项目名称", "资助项目", "项目名称"),
    "amount": ("资助金额（元）", "资助金额", "金额（元）", "发放金额"),
    "pay_method": ("发放方式", "发放渠道"),
    "stage": ("学段", "教育阶段"),
}

ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
XLS_MAX_ROWS = 20_000  # xlwt stops at 65,535; keep .xls for small files only

_RELATION_STYLES: tuple[dict[str, str], ...] = (
    {
        p.HEAD: "户主", p.SPOUSE: "配偶", p.SON: "之子", p.DAUGHTER: "之女",
        p.GRANDSON: "之孙子", p.GRANDDAUGHTER: "之孙女", p.FATHER: "之父", p.MOTHER: "之母",
        p.DAUGHTER_IN_LAW: "之儿媳", p.SON_IN_LAW: "之女婿", p.GRANDSON_D: "之外孙子",
        p.GRANDDAUGHTER_D: "之外孙女", p.FATHER_IN_LAW: "之岳父", p.MOTHER_IN_LAW: "之岳母",
        p.OTHER: "其他",
    },
    {
        p.HEAD: "户主", p.SPOUSE: "配偶", p.SON: "子", p.DAUGHTER: "女", p.GRANDSON: "孙子",
        p.GRANDDAUGHTER: "孙女", p.FATHER: "父亲", p.MOTHER: "母亲", p.DAUGHTER_IN_LAW: "儿媳",
        p.SON_IN_LAW: "女婿", p.GRANDSON_D: "外孙子", p.GRANDDAUGHTER_D: "外孙女",
        p.FATHER_IN_LAW: "岳父", p.MOTHER_IN_LAW: "岳母", p.OTHER: "其他",
    },
    {
        p.HEAD: "本人", p.SPOUSE: "配偶", p.SON: "儿子", p.DAUGHTER: "女儿", p.GRANDSON: "孙子",
        p.GRANDDAUGHTER: "孙女", p.FATHER: "父亲", p.MOTHER: "母亲", p.DAUGHTER_IN_LAW: "儿媳",
        p.SON_IN_LAW: "女婿", p.GRANDSON_D: "外孙", p.GRANDDAUGHTER_D: "外孙女",
        p.FATHER_IN_LAW: "岳父", p.MOTHER_IN_LAW: "岳母", p.OTHER: "其他亲属",
    },
)

_CN_NUMBERS = "一二三四五六七八九"
DATE_STYLES = ("date", "dash", "slash", "compact", "chinese")


@dataclass
class FileStyle:
    """Everything drawn once per file."""

    fmt: str
    encoding: str
    title: bool
    info_row: bool
    instructions: bool
    summary: bool
    total_row: bool
    subtotal: bool
    repeated_header: bool
    blank_rows: bool
    extra_columns: bool
    wide: bool
    group_header: bool
    category_sheets: bool
    relation_style: int
    grade_style: int
    class_style: int
    date_style: str

    def describe(self) -> dict[str, object]:
        return asdict(self)


def choose_style(
    rng: random.Random,
    rates: LayoutRates,
    rows: int,
    excel: bool,
    *,
    wide_allowed: bool = False,
) -> FileStyle:
    """Draw one file's layout from the profile's per-file quirk probabilities."""

    def chance(rate: float) -> bool:
        return rng.random() < rate

    fmt = "csv"
    if excel:
        roll = rng.random()
        if roll < rates.csv:
            fmt = "csv"
        elif roll < rates.csv + rates.xls and rows <= XLS_MAX_ROWS:
            fmt = "xls"
        else:
            fmt = "xlsx"
    encoding = rng.choices(ENCODINGS, (0.3, 0.3, 0.4))[0] if fmt == "csv" else ""
    book = fmt != "csv"
    instructions = book and chance(rates.instructions_sheet)
    wide = wide_allowed and chance(rates.wide)
    date_style = rng.choice(DATE_STYLES if book else DATE_STYLES[1:])
    return FileStyle(
        fmt=fmt,
        encoding=encoding,
        title=chance(rates.title_rows),
        info_row=chance(rates.info_row),
        instructions=instructions,
        summary=instructions and chance(rates.summary_sheet),
        total_row=chance(rates.total_row),
        subtotal=chance(rates.subtotal_rows),
        repeated_header=chance(rates.repeated_header),
        blank_rows=chance(rates.blank_rows),
        extra_columns=chance(rates.extra_columns),
        wide=wide,
        group_header=wide and chance(rates.group_header),
        category_sheets=book and chance(rates.category_sheets),
        relation_style=rng.randrange(len(_RELATION_STYLES)),
        grade_style=rng.randrange(2),
        class_style=rng.randrange(4),
        date_style=date_style,
    )


def header(rng: random.Random, key: str) -> str:
    return rng.choice(HEADERS[key])


def relation_label(person: Person, style: int) -> str:
    label = _RELATION_STYLES[style][person.role]
    if style == 2 and person.role == p.SPOUSE:
        return "妻" if not person.male else "夫"
    return label


def grade_label(stage: str, grade: int, style: int) -> str:
    """年级 as the registry writes it.

    >>> grade_label("初中", 1, 0), grade_label("初中", 1, 1), grade_label("学前", 3, 0)
    ('七年级', '初一', '大班')
    >>> grade_label("中职", 2, 1), grade_label("高中", 3, 0)
    ('中职二年级', '高三')
    """
    if stage == "学前":
        return ("小班", "中班", "大班")[grade - 1]
    if stage == "小学":
        return f"{_CN_NUMBERS[grade - 1]}年级"
    if stage == "初中":
        return f"{_CN_NUMBERS[grade + 5]}年级" if style == 0 else f"初{_CN_NUMBERS[grade - 1]}"
    if stage == "高中":
        return f"高{_CN_NUMBERS[grade - 1]}"
    return f"{'中职' if style else ''}{_CN_NUMBERS[grade - 1]}年级"


def class_label(number: int, style: int) -> str:
    """班级: 1班 / (1)班 / （1）班 / 01."""
    return (f"{number}班", f"({number})班", f"（{number}）班", f"{number:02d}")[style]


def date_cell(day: dt.date, style: str) -> dt.date | str:
    """A date as a real date cell (Excel) or as the text a clerk or system wrote."""
    if style == "date":
        return day
    if style == "dash":
        return day.isoformat()
    if style == "slash":
        return f"{day.year}/{day.month}/{day.day}"
    if style == "compact":
        return day.strftime("%Y%m%d")
    return f"{day.year}年{day.month}月{day.day}日"


def phone(rng: random.Random) -> str:
    """An invented mobile number."""
    return rng.choice(("13", "15", "17", "18", "19")) + "".join(
        rng.choice("0123456789") for _ in range(9)
    )


def bank_card(rng: random.Random) -> str:
    """An invented card number (not a real bank's range)."""
    return "62" + "".join(rng.choice("0123456789") for _ in range(17))
