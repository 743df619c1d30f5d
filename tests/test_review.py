"""The county review round trip (issue 4's "done when"): reconcile autumn, report, fill review
cells as a clerk would (openpyxl), import, reconcile spring, report; checked by cell values."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.worksheet.worksheet import Worksheet

from aidmatch.cli import main
from aidmatch.config import load_rules
from aidmatch.errors import InputProblems
from aidmatch.findings import FINDINGS
from aidmatch.outputs.html import render_html, write_html
from aidmatch.outputs.report import load_report, write_workbook
from aidmatch.pipeline import reconcile
from aidmatch.review import ReviewError, import_review
from aidmatch.semester import Semester
from aidmatch.synth import generate_city
from tests.builders import read_csv

SPRING = Semester.parse("2025-spring")
AUTUMN = SPRING.previous()
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
REVIEW = load_rules().review


class City:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = root / "aidmatch.duckdb"

    def data(self, semester: Semester) -> Path:
        return self.root / "data" / semester.code

    def out(self, semester: Semester) -> Path:
        return self.root / "out" / semester.code

    def reconcile(self, semester: Semester) -> None:
        reconcile(self.data(semester) / "exports", semester, self.out(semester), db_path=self.db)

    def ensure(self, semester: Semester) -> None:
        """Reconcile ``semester`` unless an earlier test did."""
        if not (self.out(semester) / "gaps.csv").exists():
            self.reconcile(semester)

    def gap_numbers(self, semester: Semester) -> set[str]:
        return {row["学籍号"] for row in read_csv(self.out(semester) / "gaps.csv")}


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    c = City(tmp_path_factory.mktemp("review"))
    for semester in (AUTUMN, SPRING):
        generate_city(c.data(semester), students=1200, seed=31, semester=semester,
                      excel=False, city_semester=SPRING)
    c.reconcile(AUTUMN)
    return c


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _rows(sheet: Worksheet) -> list[dict[str, object]]:
    values = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in values[0]]
    return [dict(zip(header, row, strict=False)) for row in values[1:] if row[0]]


def _gap_sheets(book: openpyxl.Workbook) -> list[Worksheet]:
    return [book[name] for name in book.sheetnames if name.startswith("漏助")]


def _summary_table(book: openpyxl.Workbook) -> dict[str, dict[str, object]]:
    rows = list(book["汇总"].iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if row[0] == "层级")
    header = [str(h) for h in rows[top]]
    lines: dict[str, dict[str, object]] = {}
    for row in rows[top + 1:]:
        if row[0] in ("全市", "区县"):
            lines[str(row[1])] = dict(zip(header, row, strict=False))
        elif row[0] is None:
            break
    return lines


def _assert_prints(book: openpyxl.Workbook) -> None:
    """Every sheet prints A4 landscape one page wide; case sheets repeat their header row and
    wrap 来源 and 匹配方式 within their column."""
    for sheet in book.worksheets:
        setup = sheet.page_setup
        # (fitToWidth 1 is the file format's default: written as nothing, read as None)
        assert (setup.orientation, setup.paperSize, setup.fitToWidth or 1, setup.fitToHeight) \
            == ("landscape", 9, 1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert "第 &P 页" in str(sheet.oddFooter.center.text)
    for finding in FINDINGS:
        sheet = book[finding.label]
        assert sheet.print_title_rows == "$1:$1", finding.label
        header = [c.value for c in sheet[1]]
        # 来源 is the evidence row; 家庭成员在册，本人未在册 names its two rows apart.
        source = "来源" if "来源" in header else "家庭成员名单记录"
        for name in (source, "匹配方式", *(["学生学籍记录"] if "学生学籍记录" in header else [])):
            column = header.index(name) + 1
            assert sheet.column_dimensions[chr(64 + column)].width <= 30
            cells = [sheet.cell(r, column) for r in range(2, sheet.max_row + 1)
                     if sheet.cell(r, column).value]
            assert all(c.alignment.wrap_text for c in cells), (finding.label, name)
        long_rows = [r for r in range(2, sheet.max_row + 1)
                     if len(str(sheet.cell(r, header.index(source) + 1).value or "")) > 40]
        assert all((sheet.row_dimensions[r].height or 0) > 15 for r in long_rows)


def test_round_trip(city: City, tmp_path: Path) -> None:
    workbook = tmp_path / "秋季核查.xlsx"
    _run("report", "--semester", AUTUMN.code, "--db", str(city.db), "--out", str(workbook),
         "--full-ids")
    book = openpyxl.load_workbook(workbook)

    # The workbook: a chart on 汇总 whose numbers are the run's; one sheet per finding, the
    # city's cases with a 区县 column and a filter.
    summary = _summary_table(book)
    total = summary["全市"]
    gaps = city.gap_numbers(AUTUMN)
    assert total["漏助"] == len(gaps) and total["漏助待核实"] == len(gaps)
    assert len(book["汇总"]._charts) == 1
    counties = {k for k in summary if k != "全市"}
    labels = [f.label for f in FINDINGS]
    assert book.sheetnames == ["汇总", *labels, "学期对比", "数据质量", "说明"]
    assert {str(r["区县"]) for r in _rows(book["漏助"])} <= counties
    assert len({str(r["区县"]) for r in _rows(book["漏助"])}) > 1
    _assert_prints(book)
    sheets = _gap_sheets(book)
    listed = [row for sheet in sheets for row in _rows(sheet)]
    assert {str(r["学籍号"]) for r in listed} == gaps
    for sheet in sheets:
        assert sheet.freeze_panes == "B2"
        assert sheet.auto_filter.ref
        rules = sheet.data_validations.dataValidation
        assert len(rules) == 1 and rules[0].type == "list"
        assert rules[0].formula1 == '"' + ",".join(REVIEW.decisions("漏助")) + '"'
        header = [c.value for c in sheet[1]]
        assert sheet.cell(2, header.index("身份证件号") + 1).data_type == "s"
        assert str(rules[0].sqref).startswith(f"{chr(65 + header.index('核实结果'))}2")

    # A clerk fills three cases and saves: two students the spring data will miss again (the
    # generator's truth says which), one it will not.
    persistent = {r["学籍号"] for r in read_csv(city.data(SPRING) / "truth" / "gaps.csv")}
    cells = [(sheet, row) for sheet in sheets for row in range(2, sheet.max_row + 1)
             if sheet.cell(row, 2).value]
    cells.sort(key=lambda cell: str(cell[0].cell(cell[1], 2).value) not in persistent)
    chosen = [*cells[:2], cells[-1]]
    filled = {}
    for (sheet, row), (result, note) in zip(chosen, (("不符合条件", "家庭已脱贫不享受政策"),
                                                     ("待核实", ""),
                                                     ("已补录资助", "10月已补发")), strict=True):
        header = [c.value for c in sheet[1]]
        col = {name: header.index(name) + 1 for name in ("案例编号", "核实结果", "核实说明", "核实人")}
        sheet.cell(row, col["核实结果"]).value = result
        sheet.cell(row, col["核实说明"]).value = note or None
        sheet.cell(row, col["核实人"]).value = "王老师"
        filled[str(sheet.cell(row, col["案例编号"]).value)] = result
    book.save(workbook)

    output = _run("review", "import", str(workbook), "--db", str(city.db))
    assert "记录 3 条核实结果" in output
    again = import_review(workbook, city.db)
    assert (again.recorded, again.unchanged) == (0, 3)
    with duckdb.connect(str(city.db), read_only=True) as con:
        stored = con.execute("SELECT case_key, result, reviewer, student_no FROM review_decisions "
                             "ORDER BY decision_id").fetchall()
    assert {k: r for k, r, _, _ in stored} == filled and len(stored) == 3
    assert {who for _, _, who, _ in stored} == {"王老师"}
    assert all(number in gaps for _, _, _, number in stored)

    # Rerunning the semester keeps the decisions; the next report shows them, 待核实 stays open.
    city.reconcile(AUTUMN)
    write_workbook(load_report(city.db, AUTUMN), tmp_path / "again.xlsx")
    book = openpyxl.load_workbook(tmp_path / "again.xlsx")
    shown = {str(r["案例编号"]): r for s in _gap_sheets(book) for r in _rows(s)}
    for key, result in filled.items():
        assert shown[key]["核实结果"] == result
        assert str(shown[key]["核实状态"]).startswith("待核实" if result == "待核实" else "已核实")
    assert _summary_table(book)["全市"]["漏助待核实"] == len(gaps) - 2

    # Spring: the comparison with autumn.
    city.reconcile(SPRING)
    report = tmp_path / "春季核查.xlsx"
    _run("report", "--semester", SPRING.code, "--db", str(city.db), "--out", str(report),
         "--full-ids")
    book = openpyxl.load_workbook(report)
    comparison = _rows(book["学期对比"])
    spring_gaps = city.gap_numbers(SPRING)
    by_category: dict[str, set[str]] = {}
    for row in comparison:
        by_category.setdefault(str(row["类别"]), set()).add(str(row["学籍号"]))
    assert by_category.get("新增漏助", set()) == spring_gaps - gaps
    assert by_category.get("已解决的漏助", set()) == gaps - spring_gaps
    assert by_category.get("连续两学期及以上未解决", set()) == spring_gaps & gaps
    assert spring_gaps & gaps and gaps - spring_gaps and spring_gaps - gaps
    for row in comparison:
        if row["类别"] == "连续两学期及以上未解决":
            assert row["连续漏助学期数"] == 2
        if row["类别"] == "已解决的漏助":
            assert str(row["说明"]).startswith("本学期")
    decided_numbers = {n: r for k, r, _, n in stored}
    for row in comparison:
        if row["学籍号"] in decided_numbers and row["类别"] != "新增漏助":
            assert row["上学期核实结果"] == decided_numbers[row["学籍号"]]
    assert book["说明"]["B1"].value == SPRING.code
    # The 漏助 sheets say the same per case, with last semester's decision.
    notes = {str(r["学籍号"]): str(r["学期对比"]) for s in _gap_sheets(book) for r in _rows(s)}
    assert {n for n, note in notes.items() if note == "新增"} == spring_gaps - gaps
    assert {n for n, note in notes.items() if note.startswith("连续 2 个学期")} \
        == spring_gaps & gaps
    still_open = [n for n in decided_numbers if n in notes]
    assert still_open
    for number in still_open:
        assert notes[number] == f"连续 2 个学期；上学期核实：{decided_numbers[number]}"


def test_import_rejects_bad_rows_and_records_nothing(city: City, tmp_path: Path) -> None:
    autumn_book = tmp_path / "autumn.xlsx"
    write_workbook(load_report(city.db, AUTUMN), autumn_book)
    autumn_key = next(str(r["案例编号"]) for s in _gap_sheets(openpyxl.load_workbook(autumn_book))
                      for r in _rows(s))
    city.ensure(SPRING)
    path = tmp_path / "spring.xlsx"
    write_workbook(load_report(city.db, SPRING, county=None), path)
    book = openpyxl.load_workbook(path)
    sheet = max(_gap_sheets(book), key=lambda s: s.max_row)
    header = [c.value for c in sheet[1]]
    key_col, result_col = header.index("案例编号") + 1, header.index("核实结果") + 1
    sheet.cell(2, result_col).value = "已经发了"  # not a listed value
    sheet.cell(3, key_col).value = autumn_key  # a case of another semester
    sheet.cell(3, result_col).value = "已补录资助"
    sheet.cell(4, key_col).value = "LZ-2025-spring-0000000000"  # no such case
    sheet.cell(4, result_col).value = "已补录资助"
    sheet.cell(5, result_col).value = "已补录资助"  # a valid row: not recorded either
    book.save(path)
    with duckdb.connect(str(city.db), read_only=True) as con:
        before = con.execute("SELECT count(*) FROM review_decisions").fetchall()
    with pytest.raises(InputProblems) as raised:
        import_review(path, city.db)
    problems = raised.value.problems
    assert len(problems) == 3
    assert all(p.location.sheet == sheet.title for p in problems)
    assert [p.location.row for p in problems] == [2, 3, 4]
    assert "「已经发了」不是「漏助」的选项" in problems[0].message
    assert "属于2024年秋季学期" in problems[1].message
    assert "不在数据库2025年春季学期的结果中" in problems[2].message
    with duckdb.connect(str(city.db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM review_decisions").fetchall() == before
    result = CliRunner().invoke(main, ["review", "import", str(path), "--db", str(city.db)])
    assert result.exit_code == 3
    assert f"工作表「{sheet.title}」，第 2 行" in result.output.replace("\n", "")


def test_import_needs_a_report_workbook(city: City, tmp_path: Path) -> None:
    other = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["案例编号", "核实结果"])  # type: ignore[union-attr]
    book.save(other)
    with pytest.raises(ReviewError, match="学期代码"):
        import_review(other, city.db)


def test_county_package_and_masking(city: City, tmp_path: Path) -> None:
    report = load_report(city.db, AUTUMN, county="丹凤县", masked=True)
    path = tmp_path / "丹凤县.xlsx"
    write_workbook(report, path)
    book = openpyxl.load_workbook(path)
    assert not any("-" in name for name in book.sheetnames)
    lines = _summary_table(book)
    assert set(lines) == {"丹凤县"}
    # Its chart shows its schools (column C of the table), beside the table, not below it.
    chart = book["汇总"]._charts[0]
    assert chart.series[0].cat.strRef.f.startswith("汇总!$C$")
    header_row = next(i for i, r in enumerate(book["汇总"].iter_rows(values_only=True))
                      if r[0] == "层级")
    assert chart.anchor._from.row == header_row
    assert chart.anchor._from.col > len([c for c in book["汇总"][header_row + 1] if c.value])
    _assert_prints(book)
    for sheet in _gap_sheets(book):
        for row in _rows(sheet):
            assert row["区县"] == "丹凤县"
            assert "**********" in str(row["身份证件号"])
    # The county's page charts its schools below full coverage, and shows no ID.
    page = render_html(report)
    below = [c for c in report.coverage if c.level == "学校" and c.aided < c.key_students]
    assert below and page.count('class="bar"') == min(len(below), 20)
    worst = min(below, key=lambda c: (c.coverage or 0.0, -c.key_students, c.school))
    assert page.index(worst.school) < page.index("核查项目")
    assert not any(str(row["学籍号"]) in page for s in _gap_sheets(book) for row in _rows(s))


def test_html_page_in_headless_chromium(city: City, tmp_path: Path) -> None:
    city.ensure(SPRING)
    page = tmp_path / "report.html"
    write_html(load_report(city.db, SPRING), page)
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text and "http://" not in text.replace(
        'xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in text
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-html.png"
    shot.unlink(missing_ok=True)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--proxy-server=127.0.0.1:9", "--window-size=1200,1800"]
    subprocess.run([browser, *flags, f"--screenshot={shot}", page.as_uri()], check=True,
                   capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000
    dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], check=True,
                         capture_output=True, timeout=120, text=True).stdout
    report = load_report(city.db, SPRING)
    counties = [c for c in report.coverage if c.level == "区县"]
    assert dom.count('class="bar"') == len(counties)
    assert 'id="coverage"' in dom and 'id="schools"' in dom
    for line in counties:
        assert f"<td class=\"l\">{line.county}</td><td>{line.enrolled}</td>" in dom
    assert "与2024年秋季学期相比" in dom


@pytest.mark.parametrize(("args", "message"), [
    (["--semester", "2023-autumn"], "数据库中没有2023年秋季学期的对账结果"),
    (["--semester", "2024-autumn", "--county", "不存在县"], "没有区县「不存在县」的学生"),
])
def test_report_refuses_what_the_database_does_not_hold(city: City, tmp_path: Path,
                                                        args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["report", *args, "--db", str(city.db), "--out",
                                       str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    assert message in result.output.replace("\n", "")
    assert not (tmp_path / "x.xlsx").exists()


def test_each_finding_offers_its_own_decisions(city: City, tmp_path: Path) -> None:
    """Every case sheet's drop-down is its finding's list in rules/review.yaml; the import checks
    each sheet against its own list (a double payment cannot be 已补录资助)."""
    path = tmp_path / "autumn.xlsx"
    write_workbook(load_report(city.db, AUTUMN), path)
    book = openpyxl.load_workbook(path)
    seen = set()
    for finding in FINDINGS:
        for name in book.sheetnames:
            if name.split("-")[0] != finding.label:
                continue
            rules = book[name].data_validations.dataValidation
            assert [r.formula1 for r in rules] == \
                ['"' + ",".join(REVIEW.decisions(finding.label)) + '"']
            seen.add(finding.label)
    assert {"重复资助", "非在读享受资助", "身份信息有误"} <= seen
    assert REVIEW.decisions("重复资助") == ("已追回", "属正常（不同项目）", "待核实")
    assert "已补录资助" not in REVIEW.decisions("重复资助")
    # 已补录资助 on a 重复资助 row, 已追回 on a 漏助 row: both named with sheet, row and value.
    duplicate = next(book[n] for n in book.sheetnames if n.startswith("重复资助"))
    gap = next(book[n] for n in book.sheetnames if n.startswith("漏助"))
    for sheet, value in ((duplicate, "已补录资助"), (gap, "已追回")):
        header = [c.value for c in sheet[1]]
        sheet.cell(2, header.index("核实结果") + 1).value = value
    book.save(path)
    with pytest.raises(InputProblems) as raised:
        import_review(path, city.db)
    found = {(p.location.sheet, p.location.row, p.location.column): p.message
             for p in raised.value.problems}
    assert found == {
        (duplicate.title, 2, "核实结果"):
            "核实结果「已补录资助」不是「重复资助」的选项，只能是：已追回、属正常（不同项目）、待核实",
        (gap.title, 2, "核实结果"):
            "核实结果「已追回」不是「漏助」的选项，只能是：" + "、".join(REVIEW.decisions("漏助")),
    }


def test_split_writes_each_county_and_each_school(city: City, tmp_path: Path) -> None:
    """One command writes every county's workbook and every school's list, masked by default;
    a county's returned workbook imports and the next report shows its decision."""
    city.ensure(SPRING)
    counties_dir, schools_dir = tmp_path / "县", tmp_path / "校"
    output = _run("report", "--semester", SPRING.code, "--db", str(city.db), "--split", "county",
                  "--out", str(counties_dir))
    books = sorted(counties_dir.glob("*.xlsx"))
    assert f"已生成 {len(books)} 份区县核查工作簿" in output and "已打码" in output
    city_report = load_report(city.db, SPRING)
    assert {p.stem for p in books} == {c.county for c in city_report.coverage if c.level == "区县"}
    for path in books:
        book = openpyxl.load_workbook(path)
        assert set(_summary_table(book)) == {path.stem}
        for finding in FINDINGS:
            for row in _rows(book[finding.label]):
                if row["案例编号"] and str(row["案例编号"]).startswith(finding.code):
                    assert row["区县"] == path.stem
                    assert "**********" in str(row.get("身份证件号") or "**********")
        _assert_prints(book)

    # A county clerk decides one case in the county's own workbook; it is imported.
    path = max(books, key=lambda p: len(_rows(openpyxl.load_workbook(p)["漏助"])))
    book = openpyxl.load_workbook(path)
    sheet = book["漏助"]
    header = [c.value for c in sheet[1]]
    key = str(sheet.cell(2, header.index("案例编号") + 1).value)
    sheet.cell(2, header.index("核实结果") + 1).value = "不符合条件"
    book.save(path)
    assert "记录 1 条核实结果" in _run("review", "import", str(path), "--db", str(city.db))
    shown = {str(r["案例编号"]): r for r in _rows(openpyxl.load_workbook(
        _report_again(city, tmp_path))["漏助"])}
    assert shown[key]["核实结果"] == "不符合条件"

    output = _run("report", "--semester", SPRING.code, "--db", str(city.db), "--split", "school",
                  "--out", str(schools_dir))
    lists = sorted(schools_dir.glob("*/*.xlsx"))
    assert lists and f"已生成 {len(lists)} 份学校核查清单" in output
    gap_schools = {(str(r["区县"]), str(r["学校名称"])) for r in city_report.findings[0].rows
                   for r in [dict(zip(city_report.findings[0].headers, r, strict=False))]}
    assert {(p.parent.name, p.stem) for p in lists} >= gap_schools
    review = load_rules().review
    for path in lists:
        sheet = openpyxl.load_workbook(path)["核查清单"]
        values = list(sheet.iter_rows(values_only=True))
        assert path.parent.name in str(values[0][0]) and path.stem in str(values[0][0])
        top = next(i for i, r in enumerate(values) if r[0] == "序号")
        header = [str(h) for h in values[top]]
        rows = [dict(zip(header, r, strict=False)) for r in values[top + 1:] if r[1]]
        assert rows
        for row in rows:
            task = review.review(str(row["核查项目"]))
            assert (row["请学校核查"], row["请交回"]) == (task.school_check, task.school_return)
            assert "**********" in str(row["学籍号"]) or not row["学籍号"]
        assert str(values[-1][0]).startswith("学校（盖章）")
        assert sheet.print_title_rows == f"${top + 1}:${top + 1}"
    result = CliRunner().invoke(main, ["report", "--semester", SPRING.code, "--db", str(city.db),
                                       "--split", "county", "--county", "丹凤县", "--out",
                                       str(tmp_path / "x")])
    assert result.exit_code == 2 and "不能与 --county" in result.output


def _report_again(city: City, tmp_path: Path) -> Path:
    path = tmp_path / "again.xlsx"
    _run("report", "--semester", SPRING.code, "--db", str(city.db), "--out", str(path))
    return path


def _libreoffice() -> str:
    found = shutil.which("libreoffice") or shutil.which("soffice")
    if found is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    return found


def _convert(office: str, path: Path, to: str, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{out_dir}/profile",
                    "--convert-to", to, "--outdir", str(out_dir), str(path)], check=True,
                   capture_output=True, timeout=300)
    return out_dir / f"{path.stem}.{to.split(':')[0]}"


def test_county_workbook_prints_and_survives_libreoffice(city: City, tmp_path: Path) -> None:
    """The clerk's path through a real spreadsheet program: the county's workbook prints on a
    few A4 pages (every case sheet one page wide), and a copy saved by LibreOffice keeps each
    sheet's drop-down and imports; the next report shows the decision."""
    from pypdf import PdfReader

    office = _libreoffice()
    city.ensure(SPRING)
    book_path = tmp_path / "丹凤县.xlsx"
    report = load_report(city.db, SPRING, county="丹凤县", masked=True)
    write_workbook(report, book_path)
    pdf = PdfReader(_convert(office, book_path, "pdf", tmp_path / "pdf"))
    cases = sum(len(c.rows) for c in report.findings)
    # 汇总, one page per finding at least, 学期对比, 数据质量, 说明; long sheets a page per ~20 rows.
    assert len(pdf.pages) <= 3 + len(FINDINGS) + 3 + cases // 10, len(pdf.pages)
    widths = {round(float(page.mediabox.width)) for page in pdf.pages}
    heights = {round(float(page.mediabox.height)) for page in pdf.pages}
    assert widths == {842} and heights == {595}  # A4 landscape, in points
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "第 1 页" in text and "丹凤县" in text

    saved = _convert(office, book_path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "saved")
    book = openpyxl.load_workbook(saved)
    for finding in FINDINGS:
        lists = [v.formula1 for v in book[finding.label].data_validations.dataValidation]
        assert lists and all(",".join(REVIEW.decisions(finding.label)) in str(f) for f in lists)
    sheet = book["漏助"]
    header = [c.value for c in sheet[1]]
    key = str(sheet.cell(2, header.index("案例编号") + 1).value)
    sheet.cell(2, header.index("核实结果") + 1).value = "已离校"
    sheet.cell(2, header.index("核实说明") + 1).value = "3月转学外省"
    book.save(saved)
    result = import_review(saved, city.db)
    assert result.recorded == 1
    again = load_report(city.db, SPRING, county="丹凤县")
    gaps = next(c for c in again.findings if c.finding.label == "漏助")
    row = next(r for r in gaps.rows if r[0] == key)
    assert (row[-4], row[-3]) == ("已离校", "3月转学外省")


def test_html_page_names_the_city_and_shows_the_differences(city: City) -> None:
    """The page's title names the city its files name; the subtitle carries no rules jargon
    (a footnote does); the chart's axis starts near the lowest county so 91% and 96% differ,
    each bar coloured by how far below 100% it is; tables scroll and the chart shrinks on a
    phone."""
    city.ensure(SPRING)
    report = load_report(city.db, SPRING)
    page = render_html(report)
    assert report.city.endswith("市") and report.city != "全市"
    assert f"<title>{report.city} {SPRING.label} 学生资助核查</title>" in page
    meta = page.split("class=meta>", 1)[1].split("<", 1)[0]
    assert "指纹" not in meta and "规则" not in meta
    assert "class=foot>规则版本" in page
    counties = [c for c in report.coverage if c.level == "区县" and c.coverage is not None]
    lowest = min(c.coverage for c in counties if c.coverage is not None)
    ticks = [t.split("<", 1)[0] for t in page.split('text-anchor="end">')[1:6]]
    assert ticks[-1] == "100%" and ticks[0] != "0%"
    assert lowest - 0.15 <= float(ticks[0].rstrip("%")) / 100 <= lowest
    colours = {c.county: _bar_colour(page, c.county) for c in counties}
    assert len(set(colours.values())) >= 1
    for line in counties:
        short = 1 - (line.coverage or 0)
        expected = "#2e7d32" if short <= 0.02 else "#f0a202" if short <= 0.05 else "#c0392b"
        assert colours[line.county] == expected, line.county
    assert 'name="viewport"' in page and "@media (max-width:600px)" in page
    assert 'class="scroll"' in page and "viewBox=" in page


def _bar_colour(page: str, county: str) -> str:
    before = page.split(f"<title>{county} ", 1)[0]
    return before.rsplit('fill="', 1)[1].split('"', 1)[0]
