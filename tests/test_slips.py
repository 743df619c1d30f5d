"""三联单: slips rendered to PDF and checked by their extracted text.

A hand-built semester where each payment's slip is known: one programme, two programmes, a
reversal that cancels a payment, a double payment partly reversed, a payment of another
semester, a payment nobody in the registry matches, and an ordering that plain text sorting
would get wrong (三年级 before 一年级, 10班 before 2班, 吴 before 陈).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.units import mm

from aidmatch.cli import main
from aidmatch.config import Rules
from aidmatch.errors import InputError, UsageError
from aidmatch.normalize.ids import mask, mask_student_no
from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from aidmatch.slips import print_slips
from aidmatch.slips.data import APPROVED, Slip, SlipLine, grade_order, name_order
from aidmatch.slips.fonts import CID, CID_FONT, Candidate, find_font, slip_font
from aidmatch.slips.render import STAGE, cover_pages, fit, render
from tests.builders import make_id, write_csv

SPRING = Semester(2025, "spring")
PRINTED = dt.date(2025, 4, 1)
SHANGZHOU, DANFENG = "611002", "611022"
TITLE = "2025年春季学期学生资助资金发放三联单"


def _student(name: str, region: str, birth: str, seq: str, grade: str, class_name: str,
             school: str, county: str, boarding: str = "走读") -> dict[str, str]:
    pid = make_id(region, birth, seq)
    return {"name": name, "id": pid, "no": "G" + pid, "grade": grade, "class": class_name,
            "school": school, "county": county, "boarding": boarding}


STUDENTS = {
    "boarder": _student("王芳", DANFENG, "20130304", "124", "六年级", "1班", "龙驹寨小学", "丹凤县",
                        "住校"),
    "high": _student("李强", DANFENG, "20080506", "233", "高二", "3班", "丹凤中学", "丹凤县"),
    "third": _student("赵敏", DANFENG, "20160101", "442", "三年级", "2班", "龙驹寨小学", "丹凤县"),
    "first": _student("钱多", DANFENG, "20180202", "551", "一年级", "10班", "龙驹寨小学", "丹凤县"),
    "first_b": _student("孙琳", DANFENG, "20180303", "662", "一年级", "2班", "龙驹寨小学", "丹凤县"),
    "reversed": _student("周全", DANFENG, "20150404", "771", "四年级", "1班", "龙驹寨小学", "丹凤县"),
    "double": _student("吴双", SHANGZHOU, "20120505", "882", "七年级", "1班", "商州区第一中学",
                       "商州区"),
    "other_semester": _student("郑晓", SHANGZHOU, "20120606", "993", "七年级", "1班",
                               "商州区第一中学", "商州区"),
    "late": _student("冯新", SHANGZHOU, "20120707", "114", "七年级", "2班", "商州区第一中学",
                     "商州区"),
}
STRANGER = ("陈路", make_id(SHANGZHOU, "20120808", "225"))  # paid, but not in the registry


def _payment(key: str, programme: str, amount: str, term: str = "第二学期",
             method: str = "银行卡") -> list[str]:
    s = STUDENTS[key]
    return ["2024-2025", term, s["county"], s["school"], s["no"], s["name"], s["id"], s["grade"],
            s["class"], programme, amount, method]


def write_exports(folder: Path, *, with_late: bool = False, blank_amount: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows: list[list[object]] = [["学籍号", "姓名", "身份证件号", "学籍状态", "就读方式", "年级", "班级",
                                 "学校名称", "区县"]]
    rows += [[s["no"], s["name"], s["id"], "在读", s["boarding"], s["grade"], s["class"],
              s["school"], s["county"]] for s in STUDENTS.values()]
    write_csv(folder / "学籍名单.csv", rows)
    write_csv(folder / "低保名单.csv", [
        ["户编号", "姓名", "身份证号", "与户主关系", "保障类别", "保障状态"],
        ["H1", "王大", make_id(DANFENG, "19850101", "111"), "户主", "农村低保", "正常"],
        ["H1", STUDENTS["boarder"]["name"], STUDENTS["boarder"]["id"], "之女", "", ""],
        # two more 低保 children, unpaid this semester: gaps the county reviews
        ["H2", "冯大", make_id(SHANGZHOU, "19850303", "331"), "户主", "农村低保", "正常"],
        ["H2", STUDENTS["late"]["name"], STUDENTS["late"]["id"], "之子", "", ""],
        ["H3", "郑大", make_id(SHANGZHOU, "19850404", "441"), "户主", "农村低保", "正常"],
        ["H3", STUDENTS["other_semester"]["name"], STUDENTS["other_semester"]["id"], "之子", "",
         ""],
    ])
    day = "义务教育家庭经济困难非寄宿生生活补助"
    payments = [
        ["学年", "学期", "区县", "学校名称", "学籍号", "姓名", "身份证号", "年级", "班级",
         "资助项目名称", "资助金额（元）", "发放方式"],
        _payment("boarder", "义务教育家庭经济困难寄宿生生活补助", "" if blank_amount else "625"),
        _payment("high", "普通高中国家助学金", "1000"),
        _payment("high", "普通高中免学杂费", "150", method="社保卡"),
        _payment("third", day, "312.5"),
        _payment("first", day, "312.5"),
        _payment("first_b", day, "312.5"),
        _payment("reversed", day, "312.5"),
        _payment("reversed", day, "-312.5"),
        _payment("double", day, "375"),
        _payment("double", day, "375"),
        _payment("double", day, "-375"),
        _payment("other_semester", day, "375", term="第一学期"),
        ["2024-2025", "第二学期", "商州区", "商州区第一中学", "", STRANGER[0], STRANGER[1], "七年级",
         "1班", day, "375", "银行卡"],
    ]
    if with_late:
        payments.append(_payment("late", day, "375"))
    write_csv(folder / "资助发放明细.csv", payments)
    return folder


@pytest.fixture(scope="module")
def semester_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("slips")
    db = base / "aid.duckdb"
    reconcile(write_exports(base / "exports"), SPRING, base / "out", db_path=db)
    return db


def _pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def _slip_pages(pages: list[str]) -> list[str]:
    return [p for p in pages if "第一联" in p]


def _parts(page: str) -> dict[str, str]:
    """A slip page's text cut into its three parts (each drawn from its title down; the cut
    lines come last)."""
    before, first, second, third = page.split(TITLE)
    assert not before.strip()
    return {"存根联": TITLE + first, "学校留存联": TITLE + second, "学生（家长）联": TITLE + third}


def _serials(text: str) -> list[str]:
    return re.findall(r"2025春-\d{6}", text)


def _page_of(pages: list[str], name: str) -> str:
    found = [p for p in _slip_pages(pages) if name in p]
    assert len(found) == 1, name
    return found[0]


@pytest.fixture(scope="module")
def printed(semester_db: Path, tmp_path_factory: pytest.TempPathFactory, rules: Rules
            ) -> list[str]:
    out = tmp_path_factory.mktemp("print") / "slips.pdf"
    result = print_slips(semester_db, SPRING, out, full_ids=True, rules=rules, printed_on=PRINTED)
    assert result.slips == 7
    assert out.stat().st_mode & 0o777 == 0o600
    return _pages(out)


def test_every_part_carries_every_field(printed: list[str]) -> None:
    page = _page_of(printed, "王芳")
    parts = _parts(page)
    student = STUDENTS["boarder"]
    for name, text in parts.items():
        assert name in text
        for value in ("丹凤县", "龙驹寨小学", "六年级1班", "王芳", "义务教育家庭经济困难寄宿生生活补助",
                      "城乡低保", "银行卡", "￥625.00", "人民币陆佰贰拾伍元整",
                      "学生或监护人签字（不得代签）", "经办人", "学校负责人", "学校（盖章）", "年", "月"):
            assert value in text, (name, value)
    assert student["id"] in parts["存根联"]
    assert student["no"] in parts["存根联"]
    for name in ("学校留存联", "学生（家长）联"):
        assert student["id"] not in parts[name]
        assert mask(student["id"]) in parts[name]
        assert student["id"][6:14] not in parts[name]  # the birth date is hidden too
    assert "打印日期 2025-04-01" in parts["存根联"]


def test_serial_is_the_same_on_every_part_and_join(printed: list[str]) -> None:
    seen = []
    for page in _slip_pages(printed):
        parts = _parts(page)
        per_part = [_serials(text)[0] for text in parts.values()]
        assert len(set(per_part)) == 1
        # once in each part's head and once across each of the two cut lines
        assert _serials(page) == per_part[:1] * 5
        assert _serials(parts["学生（家长）联"].split("骑缝编号", 1)[1]) == per_part[:1] * 2
        assert page.count("骑缝编号") == 2
        seen.append(per_part[0])
    assert len(seen) == len(set(seen)) == 7


def test_amounts_in_both_forms(printed: list[str]) -> None:
    high = _page_of(printed, "李强")
    assert "普通高中免学杂费 ￥150.00；普通高中国家助学金 ￥1000.00" in high
    assert high.count("￥1150.00") == 3
    assert high.count("人民币壹仟壹佰伍拾元整") == 3
    assert "社保卡、银行卡" in high
    third = _page_of(printed, "赵敏")
    assert third.count("人民币叁佰壹拾贰元伍角整") == 3
    assert third.count("￥312.50") == 3


def test_reversals_net_and_other_semesters_are_left_out(printed: list[str]) -> None:
    text = "\n".join(printed)
    assert "周全" not in text  # paid and reversed: nothing to sign for
    assert "郑晓" not in text  # paid in autumn
    double = _page_of(printed, "吴双")
    assert double.count("￥375.00") == 3
    assert double.count("人民币叁佰柒拾伍元整") == 3


def test_unlinked_payment_gets_a_slip_marked_on_internal_parts(printed: list[str]) -> None:
    parts = _parts(_page_of(printed, STRANGER[0]))
    assert "未与学籍关联" in parts["存根联"]
    assert "未与学籍关联" in parts["学校留存联"]
    assert "未与学籍关联" not in parts["学生（家长）联"]
    assert STRANGER[1] in parts["存根联"]
    assert "—" in parts["学生（家长）联"]  # 困难类型 unknown
    cover = next(p for p in printed if "封面及发放清单" in p and "商州区第一中学" in p)
    assert "未关联学籍" in cover


def test_order_and_covers(printed: list[str]) -> None:
    """County, school, then grade as the rules order them, class by number, name by pinyin (陈
    chén before 吴 wú, which code-point order reverses); each school's cover first."""
    heads = [("封面" if "封面及发放清单" in page else _slip_name(page)) for page in printed]
    assert heads == ["封面", "李强", "封面", "孙琳", "钱多", "赵敏", "王芳", "封面", "陈路", "吴双"]
    covers = [p for p in printed if "封面及发放清单" in p]
    longju = next(p for p in covers if "龙驹寨小学" in p)
    assert "本校共 4 人" in longju
    assert "合计：4 人" in longju
    assert "￥1562.50" in longju and "人民币壹仟伍佰陆拾贰元伍角整" in longju
    for name in ("孙琳", "钱多", "赵敏", "王芳"):
        assert name in longju
    assert _serials(longju) == sorted(_serials(longju))
    # the cover is a list for the school: no ID numbers, full or masked
    assert STUDENTS["boarder"]["id"][:4] + "**" not in longju
    assert STUDENTS["boarder"]["id"] not in longju


def _slip_name(page: str) -> str:
    everyone = [s["name"] for s in STUDENTS.values()] + [STRANGER[0]]
    return next(n for n in everyone if n in page)


def _serial_by_name(path: Path) -> dict[str, str]:
    return {_slip_name(page): _serials(page)[0] for page in _slip_pages(_pages(path))}


def test_masked_by_default_everywhere(semester_db: Path, tmp_path: Path, rules: Rules) -> None:
    out = tmp_path / "masked.pdf"
    print_slips(semester_db, SPRING, out, rules=rules, printed_on=PRINTED)
    text = "\n".join(_pages(out))
    for student in STUDENTS.values():
        assert student["id"] not in text
        assert student["id"][:15] not in text
    assert STRANGER[1] not in text
    boarder = STUDENTS["boarder"]
    assert text.count(mask_student_no(boarder["no"])) == 3  # 学籍号, its letter kept
    assert text.count(mask(boarder["id"])) == 6  # the ID, and inside the masked 学籍号


def test_serials_are_stable_and_new_people_get_new_numbers(tmp_path: Path, rules: Rules) -> None:
    db = tmp_path / "aid.duckdb"
    exports = write_exports(tmp_path / "exports")
    reconcile(exports, SPRING, tmp_path / "out", db_path=db, rules=rules)
    # one county first: its slips are numbered first
    first = print_slips(db, SPRING, tmp_path / "shangzhou.pdf", county="商州区", rules=rules)
    assert (first.slips, first.new_serials) == (2, 2)
    shangzhou = _serial_by_name(tmp_path / "shangzhou.pdf")
    assert sorted(shangzhou.values()) == ["2025春-000001", "2025春-000002"]
    whole = print_slips(db, SPRING, tmp_path / "all.pdf", rules=rules)
    assert (whole.slips, whole.new_serials) == (7, 5)
    numbers = _serial_by_name(tmp_path / "all.pdf")
    assert {k: numbers[k] for k in shangzhou} == shangzhou
    assert sorted(numbers.values()) == [f"2025春-{n:06d}" for n in range(1, 8)]
    # printing again gives the same numbers
    again = print_slips(db, SPRING, tmp_path / "again.pdf", rules=rules)
    assert again.new_serials == 0
    assert _serial_by_name(tmp_path / "again.pdf") == numbers
    # reconciling the semester again with one more payment: everyone keeps their number
    reconcile(write_exports(exports, with_late=True), SPRING, tmp_path / "out", db_path=db,
              rules=rules)
    later = print_slips(db, SPRING, tmp_path / "later.pdf", rules=rules)
    assert (later.slips, later.new_serials) == (8, 1)
    renumbered = _serial_by_name(tmp_path / "later.pdf")
    assert renumbered.pop("冯新") == "2025春-000008"
    assert renumbered == numbers
    # the serial table keeps no ID numbers or names
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT * FROM slip_serials").fetchall()
    assert len(rows) == 8
    assert not any(s["id"] in str(rows) or s["name"] in str(rows) for s in STUDENTS.values())


def test_school_filter_and_clear_errors(semester_db: Path, tmp_path: Path, rules: Rules) -> None:
    result = print_slips(semester_db, SPRING, tmp_path / "one.pdf", school="丹凤中学", rules=rules)
    assert result.slips == 1 and result.schools == 1
    assert result.total == 1150
    with pytest.raises(UsageError, match="没有区县「商州」") as info:
        print_slips(semester_db, SPRING, tmp_path / "x.pdf", county="商州", rules=rules)
    assert "商州区" in str(info.value)
    with pytest.raises(UsageError, match="没有丹凤县商州区第一中学"):
        print_slips(semester_db, SPRING, tmp_path / "x.pdf", county="丹凤县",
                    school="商州区第一中学", rules=rules)
    with pytest.raises(InputError, match="没有 2024年秋季学期的对账数据"):
        print_slips(semester_db, Semester(2024, "autumn"), tmp_path / "x.pdf", rules=rules)
    with pytest.raises(InputError, match="数据库文件不存在"):
        print_slips(tmp_path / "none.duckdb", SPRING, tmp_path / "x.pdf", rules=rules)
    assert not (tmp_path / "x.pdf").exists()
    assert not list(tmp_path.glob(".aidmatch-*"))


def test_cli(semester_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "slips.pdf"
    runner = CliRunner()
    result = runner.invoke(main, ["slips", "--semester", "2025春", "--db", str(semester_db),
                                  "--out", str(out), "--full-ids"])
    assert result.exit_code == 0, result.output
    assert "7 份三联单，3 所学校" in result.output
    assert "金额合计 ¥3462.50（人民币叁仟肆佰陆拾贰元伍角整）" in result.output
    assert "1 份的发放记录未与学籍关联" in result.output
    assert STUDENTS["boarder"]["id"] in _page_of(_pages(out), "王芳")
    bad = runner.invoke(main, ["slips", "--semester", "2025-spring", "--db", str(semester_db),
                               "--out", str(out), "--county", "商州"])
    assert bad.exit_code == 2
    assert "区县名称须与名单一致" in bad.output
    missing = runner.invoke(main, ["slips", "--semester", "2025-spring", "--db",
                                   str(tmp_path / "no.duckdb"), "--out", str(out)])
    assert missing.exit_code == 3
    assert "Traceback" not in missing.output


@pytest.mark.parametrize(("grades", "expected"), [
    (["三年级", "一年级", "六年级", "二年级"], ["一年级", "二年级", "三年级", "六年级"]),
    (["初三", "初一", "高一", "大班", "小班"], ["小班", "大班", "初一", "初三", "高一"]),
    (["九年级", "七年级", "某某班", "中职一年级"], ["七年级", "九年级", "中职一年级", "某某班"]),
])
def test_grade_order(grades: list[str], expected: list[str], rules: Rules) -> None:
    table = grade_order(grades, rules.programmes).to_pylist()
    ranked = sorted(table, key=lambda row: (row["rank"], row["grade"]))
    assert [row["grade"] for row in ranked] == expected


def test_payment_without_amount_is_left_to_fill_by_hand(tmp_path: Path, rules: Rules) -> None:
    db = tmp_path / "aid.duckdb"
    reconcile(write_exports(tmp_path / "exports", blank_amount=True), SPRING, tmp_path / "out",
              db_path=db, rules=rules)
    result = print_slips(db, SPRING, tmp_path / "s.pdf", rules=rules)
    assert (result.slips, result.amounts_to_fill) == (7, 1)
    assert result.total == Decimal("2837.50")
    pages = _pages(tmp_path / "s.pdf")
    page = _page_of(pages, "王芳")
    assert page.count("￥＿＿＿＿＿＿＿＿") == 3
    assert "人民币陆佰" not in page
    cover = next(p for p in pages if "封面及发放清单" in p and "龙驹寨小学" in p)
    assert "金额待填" in cover and "另有 1 人金额待填" in cover
    assert "合计：4 人　金额（小写）￥937.50　（大写）人民币玖佰叁拾柒元伍角整" in cover


def _made_up_slips(count: int, school: str = "商州区第一中学") -> list[Slip]:
    return [Slip(key=f"S:{n}", county="商州区", school=school, grade="七年级", class_name=f"{n % 9 + 1}班",
                 name=f"学生{n:03d}", student_no="", id_number="", difficulty="", pay_method="",
                 lines=(SlipLine("义务教育家庭经济困难非寄宿生生活补助", Decimal("375.00")),),
                 linked=True, serial=n + 1)
            for n in range(count)]


def test_long_school_list_continues_the_cover_and_totals_once(tmp_path: Path) -> None:
    slips = _made_up_slips(75)
    pages = render(tmp_path / "s.pdf", slips, SPRING, full_ids=False, printed_on=PRINTED)
    covers = cover_pages(75)
    assert covers == 3
    assert pages == covers + 75
    text = _pages(tmp_path / "s.pdf")
    assert [f"封面 第 {n} 页，共 3 页" in text[n - 1] for n in (1, 2, 3)] == [True] * 3
    listed = [s for page in text[:covers] for s in _serials(page)]
    assert listed == [f"2025春-{n:06d}" for n in range(1, 76)]
    assert "发放清单（续）" in text[1]
    assert ["合计：75 人" in page for page in text[:covers]] == [False, False, True]
    assert "人民币贰万捌仟壹佰贰拾伍元整" in text[2]  # 75 × 375


def test_text_too_long_for_its_cell_is_shrunk_then_cut() -> None:
    short, size = fit("龙驹寨小学", 10, 60 * mm)
    assert (short, size) == ("龙驹寨小学", 10)
    name = "商洛市商州区某某镇某某村九年一贯制学校附属幼儿园分园"
    smaller, size = fit(name, 10, 60 * mm)
    assert smaller == name and 6.5 <= size < 10
    cut, size = fit(name * 3, 10, 60 * mm)
    assert cut.endswith("…") and size == 6.5 and cut[:-1] in name * 3


def _review(db: Path, tmp_path: Path, decisions: dict[str, str], sheet_name: str = "漏助") -> None:
    """The county's review: the report workbook, 核实结果 typed in as a clerk would, imported."""
    book_path = tmp_path / "核查.xlsx"
    runner = CliRunner()
    made = runner.invoke(main, ["report", "--semester", SPRING.code, "--db", str(db), "--out",
                                str(book_path)])
    assert made.exit_code == 0, made.output
    book = openpyxl.load_workbook(book_path)
    filled = set()
    for sheet in (book[n] for n in book.sheetnames if n.startswith(sheet_name)):
        header = [c.value for c in sheet[1]]
        for row in range(2, sheet.max_row + 1):
            name = sheet.cell(row, header.index("姓名") + 1).value
            if name in decisions:
                sheet.cell(row, header.index("核实结果") + 1).value = decisions[name]
                filled.add(name)
    assert filled == set(decisions)
    book.save(book_path)
    imported = runner.invoke(main, ["review", "import", str(book_path), "--db", str(db)])
    assert imported.exit_code == 0, imported.output


def test_approved_students_get_slips_with_the_expected_programme(tmp_path: Path,
                                                                   rules: Rules) -> None:
    assert APPROVED in rules.review.decisions("漏助")
    db = tmp_path / "aid.duckdb"
    exports = write_exports(tmp_path / "exports")
    reconcile(exports, SPRING, tmp_path / "out", db_path=db, rules=rules)
    with pytest.raises(InputError, match="没有核实结果为“已补录资助”"):
        print_slips(db, SPRING, tmp_path / "none.pdf", source="approved", rules=rules)
    paid = print_slips(db, SPRING, tmp_path / "paid.pdf", rules=rules)
    _review(db, tmp_path, {"冯新": "已补录资助", "郑晓": "不符合条件"})

    out = tmp_path / "approved.pdf"
    result = CliRunner().invoke(main, ["slips", "--semester", SPRING.code, "--db", str(db),
                                       "--from", "approved", "--out", str(out), "--full-ids"])
    assert result.exit_code == 0, result.output
    assert "1 份三联单，1 所学校" in result.output
    pages = _pages(out)
    assert len(pages) == 2
    cover, page = pages
    assert "名单来源：县区核实结果为“已补录资助”的漏助学生" in cover
    assert "郑晓" not in cover + page
    parts = _parts(page)
    late = STUDENTS["late"]
    for text in parts.values():
        for value in ("商州区", "商州区第一中学", "七年级2班", "冯新", "城乡低保家庭学生",
                      "义务教育家庭经济困难非寄宿生生活补助", "￥375.00", "人民币叁佰柒拾伍元整"):
            assert value in text, value
        assert "未与学籍关联" not in text
    assert late["id"] in parts["存根联"] and late["id"] not in parts["学生（家长）联"]
    # numbered after the payments' slips, and the same number once the payment is made
    serial = _serials(page)[0]
    assert serial == f"2025春-{paid.slips + 1:06d}"
    reconcile(write_exports(exports, with_late=True), SPRING, tmp_path / "out", db_path=db,
              rules=rules)
    print_slips(db, SPRING, tmp_path / "later.pdf", rules=rules)
    assert _serial_by_name(tmp_path / "later.pdf")["冯新"] == serial
    # paid now: no longer on the gap list, so not printed as approved again
    with pytest.raises(InputError, match="仍在漏助名单上的学生"):
        print_slips(db, SPRING, tmp_path / "again.pdf", source="approved", rules=rules)


def test_approved_needs_review_tables(semester_db: Path, tmp_path: Path, rules: Rules) -> None:
    copy = tmp_path / "old.duckdb"
    copy.write_bytes(semester_db.read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute("DROP TABLE review_decisions")
    with pytest.raises(InputError, match="数据库中没有核实结果"):
        print_slips(copy, SPRING, tmp_path / "x.pdf", source="approved", rules=rules)


def test_flagged_payment_is_marked_until_the_county_settles_it(tmp_path: Path,
                                                               rules: Rules) -> None:
    """A payment 非在读享受资助 (or 重复资助) is not printed as an ordinary slip: its 存根联, 学校留存联
    and the school's cover say 暂缓发放 (the family's part does not), the summary says how many;
    once the county records a releasing decision (rules/review.yaml: slips_release) it prints
    as usual."""
    assert rules.review.review("非在读享受资助").slips_release == ("学籍信息有误",)
    assert rules.review.review("重复资助").slips_release == ("属正常（不同项目）",)
    assert rules.review.review("漏助").slips_release is None
    db = tmp_path / "aid.duckdb"
    reconcile(write_exports(tmp_path / "exports"), SPRING, tmp_path / "out", db_path=db,
              rules=rules)
    out = tmp_path / "slips.pdf"
    result = CliRunner().invoke(main, ["slips", "--semester", SPRING.code, "--db", str(db),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "其中 1 份涉及待县区核实的非在读享受资助（1 份）" in result.output.replace("\n", "")
    pages = _pages(out)
    parts = _parts(_page_of(pages, STRANGER[0]))
    assert "非在读享受资助待县区核实，暂缓发放" in parts["存根联"]
    assert "暂缓发放" in parts["学校留存联"] and "暂缓发放" not in parts["学生（家长）联"]
    cover = next(p for p in pages if "封面及发放清单" in p and "商州区第一中学" in p)
    assert "其中 1 人涉及非在读享受资助，待县区核实，暂缓发放" in cover
    assert "暂缓发放" in cover.split("序号", 1)[1]  # the row's 备注
    assert sum("暂缓发放" in p for p in _slip_pages(pages)) == 1

    _review(db, tmp_path, {STRANGER[0]: "学籍信息有误"}, sheet_name="非在读享受资助")
    again = print_slips(db, SPRING, tmp_path / "again.pdf", rules=rules)
    assert again.held == {} and again.slips == 7
    assert not any("暂缓发放" in p for p in _pages(tmp_path / "again.pdf"))


def _fonts(path: Path) -> dict[str, dict[str, object]]:
    """Every font the PDF uses (pages and the forms they draw), by base name: its subtype and
    whether its file is embedded."""
    found: dict[str, dict[str, object]] = {}

    def visit(resources: object) -> None:
        if resources is None:
            return
        resources = resources.get_object()  # type: ignore[attr-defined]
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptors = [font.get("/FontDescriptor")] + [
                d.get_object().get("/FontDescriptor") for d in font.get("/DescendantFonts", [])]
            embedded = any(d is not None and any(k in d.get_object() for k in
                                                 ("/FontFile", "/FontFile2", "/FontFile3"))
                           for d in descriptors)
            found[str(font["/BaseFont"])] = {"subtype": str(font["/Subtype"]),
                                             "embedded": embedded}
        for xobject in (resources.get("/XObject") or {}).values():
            visit(xobject.get_object().get("/Resources"))

    for page in PdfReader(path).pages:
        visit(page.get("/Resources"))
    return found


def test_a_free_cjk_font_is_embedded_as_a_subset(semester_db: Path, tmp_path: Path,
                                                 rules: Rules) -> None:
    font = slip_font()
    if not font.embedded:
        pytest.skip("no free CJK TrueType font installed (.ci/run installs fonts-wqy-microhei)")
    out = tmp_path / "slips.pdf"
    result = print_slips(semester_db, SPRING, out, rules=rules, printed_on=PRINTED)
    assert result.font == font
    fonts = _fonts(out)
    assert fonts and all(f["embedded"] for f in fonts.values()), fonts
    # subsets (ABCDEF+Name), not the whole 5 MB font: the PDF stays small
    assert all("+" in name for name in fonts)
    assert out.stat().st_size < 400_000
    text = "\n".join(_pages(out))
    assert "人民币陆佰贰拾伍元整" in text and "￥625.00" in text


def test_without_a_cjk_font_the_cid_font_is_named_not_embedded(tmp_path: Path) -> None:
    assert find_font([Candidate(tmp_path / "none.ttf", 0, "Nothing")]) == CID
    out = tmp_path / "s.pdf"
    render(out, _made_up_slips(3), SPRING, full_ids=False, printed_on=PRINTED, font=CID)
    fonts = _fonts(out)
    assert list(fonts) == ["/" + CID_FONT]
    assert not fonts["/" + CID_FONT]["embedded"]
    assert "封面及发放清单" in _pages(out)[0]


def test_cli_says_which_font(semester_db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["slips", "--semester", "2025春", "--db", str(semester_db),
                                       "--out", str(tmp_path / "s.pdf")])
    assert result.exit_code == 0, result.output
    assert f"字体：{slip_font().family}" in result.output
    # without a terminal, a line per school and one at the end
    assert f"{STAGE}完成：7 份" in result.output


@pytest.mark.parametrize(("names", "expected"), [
    (["张伟", "李娜", "王芳", "安然", "赵敏"], ["安然", "李娜", "王芳", "张伟", "赵敏"]),
    # tone after the letters: 李 lǐ after 黎 lí, 林 lín after both
    (["林涛", "李娜", "黎明"], ["黎明", "李娜", "林涛"]),
    # surnames read as surnames: 单 shàn, 曾 zēng, 解 xiè
    (["单丽", "曾凡", "解放", "邓超"], ["邓超", "单丽", "解放", "曾凡"]),
    # the given name decides between one surname's bearers; a shorter name first
    (["王小明", "王芳", "王", "王小红"], ["王", "王芳", "王小红", "王小明"]),
    (["阿依古丽·买买提", "艾力"], ["阿依古丽·买买提", "艾力"]),
])
def test_names_in_pinyin_order(names: list[str], expected: list[str]) -> None:
    ranked = sorted(name_order(names).to_pylist(), key=lambda row: row["rank"])
    assert [row["name"] for row in ranked] == expected


def test_progress_hears_schools_and_the_end(tmp_path: Path) -> None:
    slips = _made_up_slips(5) + _made_up_slips(3, school="商州区第二中学")
    heard: list[tuple[str, str, int, int | None]] = []
    pages = render(tmp_path / "s.pdf", slips, SPRING, full_ids=False, printed_on=PRINTED,
                   progress=lambda *call: heard.append(call))
    assert heard == [(STAGE, "商州区商州区第一中学", 0, 8), (STAGE, "商州区商州区第二中学", 5, 8),
                     (STAGE, f"8 份，{pages} 页", 8, 8)]
    # many small schools: about twenty reports, not one per school
    many = [s for n in range(100) for s in _made_up_slips(2, school=f"学校{n:03d}")]
    heard.clear()
    render(tmp_path / "many.pdf", many, SPRING, full_ids=False, printed_on=PRINTED,
           progress=lambda *call: heard.append(call))
    done = [call[2] for call in heard]
    assert done == sorted(done) and done[0] == 0 and done[-1] == 200
    assert 15 <= len(heard) <= 22


def _rendered(pdf: Path, page: int, dpi: int, out: Path) -> Image.Image:
    """A page as a clerk sees it: rasterised by poppler's pdftoppm, greyscale."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) not installed")
    done = subprocess.run([pdftoppm, "-png", "-gray", "-r", str(dpi), "-f", str(page), "-l",
                           str(page), "-singlefile", str(pdf), str(out)], check=True,
                          capture_output=True, text=True, timeout=120)
    if slip_font().embedded:
        assert "font" not in done.stderr.lower(), done.stderr
    return Image.open(out.with_suffix(".png")).convert("L")


def _ink(image: Image.Image, box: tuple[float, float, float, float]) -> float:
    """The share of dark pixels in a part of the page (box as fractions of width and height)."""
    w, h = image.size
    part = image.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    histogram = part.histogram()
    return sum(histogram[:128]) / max(1, part.width * part.height)


def test_pages_render_as_a_clerk_sees_them(semester_db: Path, tmp_path: Path,
                                           rules: Rules) -> None:
    """The cover (page 1) and the first slip (page 2) through pdftoppm at 100 dpi: A4 portrait,
    ink on them, and on the slip page in each of the three parts; with a CJK font embedded,
    poppler substitutes no font (it would draw a missing glyph as a box or a blank)."""
    pdf = tmp_path / "slips.pdf"
    print_slips(semester_db, SPRING, pdf, rules=rules, printed_on=PRINTED)
    a4 = (round(210 / 25.4 * 100), round(297 / 25.4 * 100))
    cover = _rendered(pdf, 1, 100, tmp_path / "cover")
    slip = _rendered(pdf, 2, 100, tmp_path / "slip")
    for image in (cover, slip):
        assert all(abs(got - want) <= 1 for got, want in zip(image.size, a4, strict=True)), \
            image.size
        assert 0.01 < _ink(image, (0, 0, 1, 1)) < 0.5
    assert _ink(cover, (0, 0, 1, 0.1)) > 0.01  # the title
    for n in range(3):  # each part: title, table, signature lines
        assert _ink(slip, (0.05, n / 3 + 0.02, 0.95, (n + 1) / 3 - 0.02)) > 0.02, n
    assert _ink(slip, (0, 0.98, 1, 1)) < 0.001  # nothing drawn into the bottom margin
