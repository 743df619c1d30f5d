"""Issue 13, cases 5 and 6: a report never looks normal when it is not (a purged semester, an
incomplete run), and a returned workbook whose columns a clerk renamed, moved under a title or
deleted is read by meaning or refused — never imported as "0 decisions"."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from click.testing import CliRunner, Result
from openpyxl.worksheet.worksheet import Worksheet

from aidmatch.cli import main
from aidmatch.errors import InputProblems
from aidmatch.outputs.report import INCOMPLETE_SHEET
from aidmatch.review import import_review
from tests.conftest import write_mini_exports

SPRING = "2025-spring"


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mini_exports(tmp_path_factory.mktemp("truth") / "in")


def _database(exports: Path, root: Path, *extra: str) -> Path:
    db = root / "x.duckdb"
    result = _cli("reconcile", "--input", str(exports), "--semester", SPRING, "--out",
                  str(root / "out"), "--db", str(db), *extra)
    assert result.exit_code == 0, result.output
    return db


def _report(db: Path, out: Path, *extra: str) -> Result:
    return _cli("report", "--semester", SPRING, "--db", str(db), "--out", str(out), "--full-ids",
                *extra)


def test_a_purged_semester_has_no_report(exports: Path, tmp_path: Path) -> None:
    db = _database(exports, tmp_path)
    assert _report(db, tmp_path / "before.xlsx").exit_code == 0
    assert _cli("purge", "--db", str(db), "--semester", SPRING, "--yes").exit_code == 0
    for extra, name in (((), "r.xlsx"), (("--html",), "r.html")):
        result = _report(db, tmp_path / name, *extra)
        assert result.exit_code == 2, result.output
        shown = result.output.replace("\n", "")
        assert re.search(r"2025年春季学期的个人数据已于 \d{4}-\d\d-\d\d \d\d:\d\d 删除", shown)
        assert "无法生成核查报告" in shown and "重新对账" in shown
        assert not (tmp_path / name).exists()
    # Reconciled again after the purge: a report again.
    _database(exports, tmp_path)
    assert _report(db, tmp_path / "after.xlsx").exit_code == 0


@pytest.fixture(scope="module")
def incomplete(exports: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("incomplete")
    folder = root / "in"
    shutil.copytree(exports, folder)
    (folder / "坏文件.xlsx").write_bytes(b"PK\x03\x04 broken")
    db = _database(folder, root, "--keep-going")
    return root, db


def test_an_incomplete_run_says_so_on_every_sheet_and_the_page(
        incomplete: tuple[Path, Path]) -> None:
    root, db = incomplete
    book_path, page = root / "r.xlsx", root / "r.html"
    result = _report(db, book_path)
    assert result.exit_code == 0 and "结果不完整" in result.output
    assert _report(db, page, "--html").exit_code == 0
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames[0] == INCOMPLETE_SHEET
    warning = book[INCOMPLETE_SHEET]
    assert str(warning["A1"].value).startswith("本次结果不完整")
    assert "坏文件.xlsx" in str(warning["A2"].value)
    for sheet in book.worksheets[1:]:
        assert str(sheet["A1"].value).startswith("！！！本次结果不完整"), sheet.title
    info = {row[0]: row[1] for row in book["说明"].iter_rows(values_only=True) if row[0]}
    assert str(info["结果"]).startswith("不完整")
    html = page.read_text(encoding="utf-8")
    assert html.index('id="incomplete"') < html.index("<h1>")
    assert "坏文件.xlsx" in html

    # The workbook still imports: the header is found below the warning row.
    sheet = book["漏助"]
    header = [c.value for c in sheet[2]]
    sheet.cell(3, header.index("核实结果") + 1).value = "已补录资助"
    book.save(book_path)
    assert import_review(book_path, db).recorded == 1


def test_a_complete_run_has_no_mark(exports: Path, tmp_path: Path) -> None:
    db = _database(exports, tmp_path)
    assert _report(db, tmp_path / "r.xlsx").exit_code == 0
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert INCOMPLETE_SHEET not in book.sheetnames and book["漏助"]["A1"].value == "案例编号"
    assert _report(db, tmp_path / "r.html", "--html").exit_code == 0
    assert 'id="incomplete"' not in (tmp_path / "r.html").read_text(encoding="utf-8")


# --- review import by meaning ---------------------------------------------------------------

@pytest.fixture(scope="module")
def reviewed(exports: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("review")
    db = _database(exports, root)
    assert _report(db, root / "核查.xlsx").exit_code == 0
    return root / "核查.xlsx", db


def _gap_sheet(path: Path, copy: Path) -> tuple[openpyxl.Workbook, Worksheet, list[object]]:
    shutil.copy(path, copy)
    book = openpyxl.load_workbook(copy)
    sheet = book["漏助"]
    return book, sheet, [c.value for c in sheet[1]]


def _decided(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return int(con.execute("SELECT count(*) FROM review_decisions").fetchone()[0])  # type: ignore[index]


def _fill(sheet: Worksheet, column: int, top: int = 1) -> None:
    sheet.cell(top + 1, column).value = "不符合条件"
    sheet.cell(top + 2, column).value = "已离校"


@pytest.mark.parametrize("change", ["renamed", "title_row", "key_renamed", "spaced"])
def test_columns_are_found_by_meaning(reviewed: tuple[Path, Path], tmp_path: Path,
                                      change: str) -> None:
    workbook, db = reviewed
    path = tmp_path / f"{change}.xlsx"
    book, sheet, header = _gap_sheet(workbook, path)
    result_col = header.index("核实结果") + 1
    top = 1
    if change == "renamed":
        sheet.cell(1, result_col).value = "核实结果（必填）"
    elif change == "spaced":
        sheet.cell(1, result_col).value = " *核实 结果 [下拉选择]"
    elif change == "key_renamed":
        sheet.cell(1, 1).value = "编号"
    else:
        sheet.insert_rows(1, 2)
        sheet.cell(1, 1).value = "丹凤县 2025年春季学期 漏助核实表"
        top = 3
    _fill(sheet, result_col, top)
    book.save(path)
    before = _decided(db)
    outcome = import_review(path, db)
    assert outcome.recorded + outcome.unchanged == 2
    assert _decided(db) >= before


@pytest.mark.parametrize(("change", "message"), [
    ("no_result", "找不到「核实结果」列"),
    ("no_key", "找不到「案例编号」列"),
    ("formula", "核实结果是公式，但文件中没有公式的计算结果"),
])
def test_unreadable_decisions_are_an_error(reviewed: tuple[Path, Path], tmp_path: Path,
                                           change: str, message: str) -> None:
    workbook, db = reviewed
    path = tmp_path / f"{change}.xlsx"
    book, sheet, header = _gap_sheet(workbook, path)
    result_col = header.index("核实结果") + 1
    if change == "no_result":
        sheet.cell(1, result_col).value = "处理情况"
    elif change == "no_key":
        _fill(sheet, result_col)
        sheet.delete_cols(1)
    else:
        sheet.cell(2, result_col).value = '=IF(1=1,"已补录资助","")'  # no cached value
    book.save(path)
    before = _decided(db)
    with pytest.raises(InputProblems) as raised:
        import_review(path, db)
    assert [p.location.sheet for p in raised.value.problems] == ["漏助"]
    assert message in raised.value.problems[0].message
    assert _decided(db) == before
    result = _cli("review", "import", str(path), "--db", str(db))
    assert result.exit_code == 3
    shown = result.output.replace("\n", "")
    assert "工作表「漏助」" in shown and message in shown and "记录 0 条" not in shown


def test_a_formula_with_a_value_is_read(reviewed: tuple[Path, Path], tmp_path: Path) -> None:
    """Saved by Excel or WPS, a formula carries its value: that value is the decision."""
    workbook, db = reviewed
    path = tmp_path / "cached.xlsx"
    book, sheet, header = _gap_sheet(workbook, path)
    sheet.cell(2, header.index("核实结果") + 1).value = "信息有误"
    book.save(path)
    # Rewrite the cell as a formula with the cached value Excel would store.
    patched = tmp_path / "patched.xlsx"
    letter = chr(64 + header.index("核实结果") + 1)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = data.decode()
                text, n = re.subn(rf'<c r="{letter}2"([^>]*) t="inlineStr"><is><t>信息有误</t></is></c>',
                                  rf'<c r="{letter}2"\1 t="str"><f>"信息有误"</f><v>信息有误</v></c>',
                                  text)
                assert n == 1, text[:2000]
                data = text.encode()
            dst.writestr(item, data)
    import_review(patched, db)
    with duckdb.connect(str(db), read_only=True) as con:
        decided = con.execute("SELECT result FROM review_decisions WHERE case_key = ? "
                              "ORDER BY decision_id DESC LIMIT 1", [sheet.cell(2, 1).value]
                              ).fetchone()
    assert decided == ("信息有误",)
