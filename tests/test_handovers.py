"""Input hand-overs that used to give a wrong answer with exit 0 (issue 12, "silent loss and silent
doubling"). Every broken file is generated here. Each case either gives the clean file's answer
(the same gap list, the same payments, the same 重复资助) or stops with exit 3 and a message
naming the file, sheet, row (and column) with what to do; under --keep-going that file is left
out and every result is marked 不完整."""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result

from aidmatch.cli import main
from tests.builders import make_id, read_csv, write_csv, write_xlsx
from tests.conftest import STUDENTS, write_mini_exports
from tests.test_bad_input import run, squash

AID_FILE = "资助发放明细.csv"


@dataclass(frozen=True)
class Answer:
    """What a run concluded: the gap list (but the file names in 来源), the semester's payments
    and the 重复资助 cases."""

    gaps: list[tuple[str, ...]]
    paid_total: Decimal
    payments: int
    duplicate_aid: int


def answer(out: Path, db: Path, prefix: str = "") -> Answer:
    # 来源 names the file: compared apart where a file is renamed.
    gaps = sorted(tuple(v for k, v in row.items() if k != "来源")
                  for row in read_csv(out / f"{prefix}gaps.csv"))
    with duckdb.connect(str(db), read_only=True) as con:
        total, count = con.execute(
            "SELECT coalesce(sum(amount), 0), count(*) FROM records "
            "WHERE source = 'aid' AND semester = '2025-spring'").fetchone()  # type: ignore[misc]
    duplicates = len(read_csv(out / f"{prefix}duplicate_aid.csv"))
    return Answer(gaps, Decimal(total), int(count), duplicates)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Answer:
    """The answer on the unbroken exports."""
    base = tmp_path_factory.mktemp("clean")
    folder = write_mini_exports(base / "in")
    result = run(folder, base / "out", base / "x.duckdb", "--full-ids")
    assert result.exit_code == 0, result.output
    return answer(base / "out", base / "x.duckdb")


def reconcile(tmp_path: Path, build: Callable[[Path], None], *extra: str) -> tuple[Result, Path,
                                                                                    Path]:
    folder = write_mini_exports(tmp_path / "in")
    build(folder)
    out, db = tmp_path / "out", tmp_path / "x.duckdb"
    return run(folder, out, db, "--full-ids", *extra), out, db


def assert_stops(result: Result, *fragments: str) -> None:
    """Exit 3, one problem, the message holding every fragment and what to do."""
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    text = squash(result.output)
    assert "以下输入文件无法使用" in text, result.output
    for fragment in fragments:
        assert squash(fragment) in text, (fragment, result.output)
    assert "处理办法" in text


def aid_rows(folder: Path) -> list[list[str]]:
    with (folder / AID_FILE).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def stranger_payments(count: int) -> list[list[str]]:
    """Payments to people in no registry (unlinked, 非在读享受资助): they fill a list to a
    realistic length without changing the gap list."""
    return [["2024-2025", "第二学期", "", f"路人{n}", make_id("610102", "20110101", f"{n:03d}"),
             "丹凤中学", "义务教育家庭经济困难非寄宿生生活补助", "375"] for n in range(1, count + 1)]


# 1. A stray double quote ------------------------------------------------------------------------

def _long_aid_list(folder: Path, stray_quote_row: int | None) -> None:
    """The payment list grown to 96 rows; with ``stray_quote_row`` (Excel row number) that row's
    学校名称 cell starts with a double quote nothing closes."""
    rows = aid_rows(folder)
    rows = [*rows, *stranger_payments(96 - (len(rows) - 1))]
    lines = [",".join(row) for row in rows]
    if stray_quote_row is not None:
        cells = rows[stray_quote_row - 1]
        cells[5] = '"' + cells[5]
        lines[stray_quote_row - 1] = ",".join(cells)
    (folder / AID_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8-sig")


def test_stray_quote_in_a_csv_stops_naming_the_row(tmp_path: Path) -> None:
    good, out, db = reconcile(tmp_path / "good", lambda f: _long_aid_list(f, None))
    assert good.exit_code == 0, good.output
    [aid] = [s for s in answer_sheets(out) if s["file"] == AID_FILE]
    assert aid["data_rows"] == 96
    result, out, db = reconcile(tmp_path / "bad", lambda f: _long_aid_list(f, 10))
    assert_stops(result, AID_FILE, "第 10 行", "列「学校名称」", "第 6 列", "不成对的英文双引号",
                 "其后 87 行", "删除单元格开头多余的英文双引号")
    assert not db.exists()


def test_line_breaks_typed_inside_csv_cells_are_kept(tmp_path: Path, clean: Answer) -> None:
    def build(folder: Path) -> None:
        rows = aid_rows(folder)
        rows[0][7] = "资助金额\n（元）"  # a header cell on two lines
        plain = STUDENTS["plain"]
        rows[5][4] = plain.id[:6] + "\r\n" + plain.id[6:]  # an ID typed with a line break
        write_csv(folder / AID_FILE, rows)

    result, out, db = reconcile(tmp_path, build)
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean


def answer_sheets(out: Path, prefix: str = "") -> list[dict[str, object]]:
    import json

    data = json.loads((out / f"{prefix}summary.json").read_text(encoding="utf-8"))
    sheets: list[dict[str, object]] = data["sheets"]
    return sheets


# 5. WPS files and entries that cannot be looked into -------------------------------------------

WELFARE = "孤儿和事实无人抚养儿童.xls"


def _sheet_typed(data: bytes, sheet_type: int) -> bytes:
    """An .xls whose sheets are declared macro (1) or chart (2) sheets in their BOUNDSHEET
    records, as some writers (WPS among them) mark plain worksheets."""
    patched = bytearray(data)
    at = patched.find(b"\x85\x00")  # the first BOUNDSHEET; the others follow it
    while patched[at:at + 2] == b"\x85\x00":  # type, length, stream position, visibility, type
        patched[at + 9] = sheet_type
        at += 4 + int.from_bytes(patched[at + 2:at + 4], "little")
    return bytes(patched)


@pytest.mark.parametrize("variant", ["et (xls inside)", "et (xlsx inside)", "ett", "xls as macro sheet",
                                     "xls as chart sheet"])
def test_wps_files_are_read(tmp_path: Path, clean: Answer, variant: str) -> None:
    def build(folder: Path) -> None:
        old = folder / WELFARE
        if variant == "et (xls inside)":
            old.rename(folder / "孤儿和事实无人抚养儿童.et")
        elif variant == "et (xlsx inside)":
            import python_calamine

            workbook = python_calamine.CalamineWorkbook.from_path(str(old))
            sheets = {name: workbook.get_sheet_by_name(name).to_python()
                      for name in workbook.sheet_names}
            old.unlink()
            write_xlsx(folder / "孤儿和事实无人抚养儿童.et", sheets)
        elif variant == "ett":
            old.rename(folder / "孤儿和事实无人抚养儿童.ett")
        else:
            old.write_bytes(_sheet_typed(old.read_bytes(), 1 if "macro" in variant else 2))

    result, out, db = reconcile(tmp_path, build)
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean
    assert {s["sheet"] for s in answer_sheets(out) if str(s["file"]).startswith("孤儿")} == {
        "孤儿", "事实无人抚养儿童"}


def _unreadable_et(folder: Path) -> None:
    (folder / WELFARE).unlink()
    (folder / "孤儿名单.et").write_bytes(b"WPS\x00" + os.urandom(600))


def _fifo(folder: Path) -> None:
    os.mkfifo(folder / "孤儿名单.csv")


def _dangling_link(folder: Path) -> None:
    (folder / "孤儿名单.xlsx").symlink_to(folder / "已删除" / "孤儿名单.xlsx")


@pytest.mark.parametrize(("build", "fragments"), [
    (_unreadable_et, ("孤儿名单.et", "不是有效的 WPS 表格文件", "用 WPS 表格打开")),
    (_fifo, ("孤儿名单.csv", "不是普通文件")),
    (_dangling_link, ("孤儿名单.xlsx", "符号链接", "不存在")),
], ids=["unreadable .et", "fifo", "dangling symlink"])
def test_a_spreadsheet_or_entry_that_cannot_be_read_stops(
        tmp_path: Path, build: Callable[[Path], None], fragments: tuple[str, ...]) -> None:
    result, _, db = reconcile(tmp_path, build)
    assert_stops(result, *fragments)
    assert not db.exists()


def test_a_folder_that_cannot_be_listed_stops(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Root lists any folder, so the refusal a clerk would meet is simulated at os.scandir.
    real_scandir = os.scandir

    def scandir(path: int | str | os.PathLike[str] = ".") -> object:
        # shutil.rmtree lists folders by file descriptor: those pass through untouched.
        if not isinstance(path, int) and Path(path).name == "民政":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    def build(folder: Path) -> None:
        (folder / "民政").mkdir()
        shutil.move(folder / WELFARE, folder / "民政" / WELFARE)

    monkeypatch.setattr(os, "scandir", scandir)
    result, _, _ = reconcile(tmp_path, build)
    assert_stops(result, "民政", "无法打开这个文件夹", "检查文件夹权限")


# 6. Formulas saved without their values --------------------------------------------------------

def test_formulas_without_cached_values_stop(tmp_path: Path) -> None:
    import openpyxl

    def build(folder: Path) -> None:
        # openpyxl writes formulas and never calculates them: every other reader sees blanks.
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "残疾人"
        sheet.append(["姓名", "身份证号", "残疾类别", "残疾等级"])
        for n in range(2, 6):
            sheet.append([f"=源数据!A{n}", f"=源数据!B{n}", f"=源数据!C{n}", f"=源数据!D{n}"])
        workbook.save(folder / "持证残疾人（公式）.xlsx")
        (folder / "持证残疾人.csv").unlink()

    result, _, _ = reconcile(tmp_path, build)
    assert_stops(result, "持证残疾人（公式）.xlsx", "工作表「残疾人」", "第 2 行",
                 "没有读到任何人", "16 个公式单元格没有保存计算结果", "选择性粘贴")


def test_a_roster_whose_rows_all_name_nobody_stops(tmp_path: Path) -> None:
    def build(folder: Path) -> None:
        write_csv(folder / "持证残疾人.csv", [["姓名", "残疾人证号", "残疾类别", "残疾等级"],
                                          ["", "", "肢体", "二级"], ["", "", "智力", "一级"]])

    result, _, _ = reconcile(tmp_path, build)
    assert_stops(result, "持证残疾人.csv", "第 2 行", "2 个数据行全部被剔除",
                 "没有姓名也没有证件号")


# 7. An .xls at its format's last row ------------------------------------------------------------

def test_xls_of_65536_rows_is_a_truncated_export(tmp_path: Path) -> None:
    import xlwt

    def build(folder: Path) -> None:
        (folder / WELFARE).unlink()
        workbook = xlwt.Workbook(encoding="utf-8")
        sheet = workbook.add_sheet("孤儿")
        for c, value in enumerate(["姓名", "身份证号", "监护人姓名"]):
            sheet.write(0, c, value)
        child = STUDENTS["orphan_paid_lost_id"]
        sheet.write(1, 0, child.name)
        sheet.write(1, 1, child.id)
        sheet.write(65535, 0, "李四")  # the format's last row: sparse, so the file stays small
        sheet.write(65535, 1, make_id("611022", "20120101", "555"))
        workbook.save(str(folder / "孤儿（6万行）.xls"))

    result, _, _ = reconcile(tmp_path, build)
    assert_stops(result, "孤儿（6万行）.xls", "工作表「孤儿」", "第 65536 行", ".xls 格式的最大行数",
                 "重新导出为 .xlsx")


# 10. Files that are not tables ------------------------------------------------------------------

@pytest.mark.parametrize("text", ["请于3月底前报送，联系人王老师", "说明,请于3月底前报送,联系人王老师",
                                  "第一行\n第二行,有逗号\n\n第四行"])
def test_a_text_note_is_skipped_with_a_note(tmp_path: Path, clean: Answer, text: str) -> None:
    def build(folder: Path) -> None:
        (folder / "说明.txt").write_text(text, encoding="utf-8")
        (folder / "报送要求.docx").write_bytes(b"PK\x03\x04 not read")
        (folder / "README.md").write_text("# 名单说明, 见附件", encoding="utf-8")

    result, out, db = reconcile(tmp_path, build)
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean
    summary = (out / "summary.txt").read_text(encoding="utf-8-sig")
    assert "说明.txt：不是表格（不是可识别的名单" in summary
    assert "跳过非表格文件 报送要求.docx" in summary and "跳过非表格文件 README.md" in summary


def test_a_text_file_holding_a_roster_is_read(tmp_path: Path, clean: Answer) -> None:
    def build(folder: Path) -> None:
        rows = (folder / "持证残疾人.csv").read_text(encoding="utf-8-sig")
        (folder / "持证残疾人.csv").unlink()
        (folder / "持证残疾人.txt").write_text(rows.replace(",", "\t"), encoding="utf-8")

    result, out, db = reconcile(tmp_path, build)
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean


@pytest.mark.parametrize(("name", "text", "fragments"), [
    ("补充名单.txt", "姓名,身份证号码（18位）\n王芳,611022201203041245\n",
     ("补充名单.txt", "无法识别")),
    ("说明.csv", "请于3月底前报送,联系人王老师\n", ("说明.csv", "无法识别")),
    ("空白.csv", "\n,,\n", ("空白.csv", "没有内容")),
], ids=["txt with IDs", "csv of prose", "csv of blank lines"])
def test_an_unrecognised_csv_or_a_text_with_people_stops(
        tmp_path: Path, name: str, text: str, fragments: tuple[str, ...]) -> None:
    result, _, _ = reconcile(tmp_path, lambda f: (f / name).write_text(text, encoding="utf-8"))
    assert_stops(result, *fragments)


# 9. Member groups under any numbered label ------------------------------------------------------

def _grouped_dibao(folder: Path, label: str) -> None:
    """The 低保 wide roster with each member's generic 姓名 / 与户主关系 / 身份证号 under a merged
    group label: 「共同生活家庭成员1」 as the 低保 rules word it, or an office's own wording."""
    from tests.conftest import PARENTS

    wang_da = PARENTS["wang_da"]
    child, stopped = STUDENTS["dibao_member"], STUDENTS["stopped"]
    members = [label.format(n=n) for n in (1, 2)]
    write_xlsx(folder / "低保名单.xlsx", {"农村低保": [
        ["2025年3月份农村低保备案表"],
        ["填报单位：丹凤县民政局", None, None, "填报日期：2025-03-05"],
        ["户主信息", None, None, None, members[0], None, None, members[1], None, None],
        ["户主姓名", "户主身份证号", "保障人数", "保障状态", *["姓名", "与户主关系", "身份证号"] * 2],
        [wang_da[0], float(wang_da[1][:15] + "000"), 2, "正常", child.name, "之女",
         " " + child.id],
        ["孙父", make_id("611022", "19800101", "551"), 2, "停保", stopped.name, "之子", stopped.id],
        ["合计", None, 4],
    ]}, merges={"农村低保": [(2, 0, 2, 3), (2, 4, 2, 6), (2, 7, 2, 9)]})


@pytest.mark.parametrize("label", ["共同生活家庭成员{n}", "第{n}位家庭成员", "家属{n}"])
def test_member_groups_under_any_numbered_label(tmp_path: Path, clean: Answer, label: str) -> None:
    result, out, db = reconcile(tmp_path, lambda f: _grouped_dibao(f, label))
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean


# 3. A second table lower in the same sheet ------------------------------------------------------

REORDERED = [7, 1, 4, 6, 3, 5, 0, 2]  # the second table's columns, by the first one's index


def _two_tables(folder: Path, second_header: list[str] | None = None) -> None:
    """The payment list as a workbook: its first rows, a blank row, then the rest under a header
    of their own with the columns in another order (or ``second_header`` as given)."""
    header, *rows = aid_rows(folder)
    (folder / AID_FILE).unlink()
    lower = [[row[i] for i in REORDERED] for row in rows[2:]]
    write_xlsx(folder / "资助发放明细.xlsx", {"发放明细": [
        header, *rows[:2], [], second_header or [header[i] for i in REORDERED], *lower]})


def test_a_second_table_with_its_own_column_order_is_read_by_its_header(
        tmp_path: Path, clean: Answer) -> None:
    result, out, db = reconcile(tmp_path, _two_tables)
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean
    [sheet] = [s for s in answer_sheets(out) if s["file"] == "资助发放明细.xlsx"]
    # 5 payments + the blank row + the second header; rejected: those two and last semester's.
    assert (sheet["data_rows"], sheet["rejected"]) == (7, 3)
    rejects = {(r["行号"], r["原因"]) for r in read_csv(out / "rejects.csv")
               if r["文件"] == "资助发放明细.xlsx"}
    assert ("4", "空行") in rejects and ("5", "另一张表的表头（其下各行按这一表头读取）") in rejects
    assert "第 5 行起是另一张表" in (out / "summary.txt").read_text(encoding="utf-8-sig")


def test_a_header_of_another_list_lower_in_a_sheet_stops(tmp_path: Path) -> None:
    result, _, _ = reconcile(tmp_path, lambda f: _two_tables(
        f, ["户主姓名", "姓名", "身份证号", "与户主关系", "保障类别", "保障状态", "", ""]))
    assert_stops(result, "资助发放明细.xlsx", "工作表「发放明细」", "第 5 行", "又出现一行表头",
                 "单独的工作表")


def test_an_unquoted_comma_that_shifts_a_csv_row_stops(tmp_path: Path) -> None:
    def build(folder: Path) -> None:
        rows = aid_rows(folder)
        lines = [",".join(row) for row in rows]
        lines[3] = lines[3].rsplit(",", 1)[0] + ",1,250"
        (folder / AID_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8-sig")

    result, _, _ = reconcile(tmp_path, build)
    assert_stops(result, AID_FILE, "第 4 行", "比表头多出 1 个有内容的单元格", "1,250")


# 4. A two-row header repeated inside the data ---------------------------------------------------

def test_a_repeated_two_row_header_is_not_read_as_people(tmp_path: Path, clean: Answer) -> None:
    def build(folder: Path) -> None:
        import python_calamine

        registry = folder / "学籍名单.xlsx"
        workbook = python_calamine.CalamineWorkbook.from_path(str(registry))
        rows = [[cell if cell != "" else None for cell in row]
                for row in workbook.get_sheet_by_name("学生").to_python()]
        labels, header = rows[1], rows[2]
        # The two header rows again after the tenth student, merged as on every printed page.
        rows = [*rows[:13], labels, header, *rows[13:]]
        write_xlsx(registry, {"填表说明": [["请勿修改表头"]], "学生": rows},
                   merges={"学生": [(r, c0, r, c1) for r in (1, 13)
                                  for c0, c1 in ((0, 9), (10, 12), (13, 15))]})

    result, out, db = reconcile(tmp_path, build)
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean
    rejects = {(r["行号"], r["原因"]) for r in read_csv(out / "rejects.csv")
               if r["文件"] == "学籍名单.xlsx"}
    assert rejects == {("14", "重复的标题或分组行"), ("15", "重复的表头行")}
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM records WHERE source = 'registry'").fetchone() == (
            len(STUDENTS),)


# 2. The same list handed over twice, overlapping payment batches --------------------------------

def _rejects(out: Path, file: str) -> dict[str, str]:
    return {r["行号"]: r["原因"] for r in read_csv(out / "rejects.csv") if r["文件"] == file}


def test_the_same_file_twice_is_read_once(tmp_path: Path, clean: Answer) -> None:
    def build(folder: Path) -> None:
        shutil.copy(folder / AID_FILE, folder / "资助发放明细 - 副本.csv")
        shutil.copy(folder / "持证残疾人.csv", folder / "持证残疾人(1).csv")

    result, out, db = reconcile(tmp_path, build)
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean
    summary = (out / "summary.txt").read_text(encoding="utf-8-sig")
    for copy, original in (("资助发放明细 - 副本.csv", AID_FILE),
                           ("持证残疾人(1).csv", "持证残疾人.csv")):
        assert f"文件「{copy}」与「{original}」完全相同（SHA-256 相同" in summary
        assert set(_rejects(out, copy).values()) == {f"重复的名单：与「{original}」内容相同，只计一次"}
        assert squash(f"文件「{copy}」与「{original}」完全相同") in squash(result.output)
    [copy] = [s for s in answer_sheets(out) if s["file"] == "资助发放明细 - 副本.csv"]
    assert (copy["data_rows"], copy["linked"], copy["unlinked"], copy["rejected"]) == (5, 0, 0, 5)


def test_the_same_table_as_csv_and_as_excel_is_read_once(tmp_path: Path, clean: Answer) -> None:
    def build(folder: Path) -> None:
        rows = aid_rows(folder)
        typed = [rows[0], *[[*row[:7], float(row[7])] for row in rows[1:]]]  # amounts as numbers
        write_xlsx(folder / "资助发放明细（另存）.xlsx", {"Sheet1": typed})

    result, out, db = reconcile(tmp_path, build)
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean
    summary = (out / "summary.txt").read_text(encoding="utf-8-sig")
    assert (f"「资助发放明细（另存）.xlsx「Sheet1」」与「{AID_FILE}」的名单内容相同" in summary)


def _batches(folder: Path, overlap: int, pay_dates: tuple[str, str] | None = None) -> None:
    """The payment list as two batches, the last ``overlap`` rows of 第1批 again at the start of
    第2批; with ``pay_dates``, each batch's rows carry its own 发放日期."""
    header, *rows = aid_rows(folder)
    (folder / AID_FILE).unlink()
    first, second = rows[:3], rows[3 - overlap:]
    if pay_dates:
        header = [*header, "发放日期"]
        first = [[*row, pay_dates[0]] for row in first]
        second = [[*row, pay_dates[1]] for row in second]
    write_csv(folder / "资助发放（第1批）.csv", [header, *first])
    write_csv(folder / "资助发放（第2批）.csv", [header, *second])


def test_overlapping_payment_batches_count_each_payment_once(tmp_path: Path,
                                                             clean: Answer) -> None:
    result, out, db = reconcile(tmp_path, lambda f: _batches(f, overlap=2))
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean
    note = ("资助名单「资助发放（第2批）.csv」有 2 行与「资助发放（第1批）.csv」中的发放记录完全相同"
            "（批次重叠或重复报送），这些发放只计一次")
    assert note in (out / "summary.txt").read_text(encoding="utf-8-sig")
    assert squash(note) in squash(result.output)
    rejects = _rejects(out, "资助发放（第2批）.csv")
    assert (rejects["2"], rejects["3"]) == (
        "与「资助发放（第1批）.csv」第 3 行完全相同的发放记录（两份名单重叠），只计一次",
        "与「资助发放（第1批）.csv」第 4 行完全相同的发放记录（两份名单重叠），只计一次")
    assert rejects["4"] == "不是本学期的发放记录（2024-autumn）"
    second = next(s for s in answer_sheets(out) if s["file"] == "资助发放（第2批）.csv")
    assert second["data_rows"] == second["linked"] + second["unlinked"] + second["rejected"] == 4


def test_the_same_payment_on_two_dates_is_two_payments(tmp_path: Path, clean: Answer) -> None:
    # Rows differing in any cell read (here 发放日期) are two payments: 重复资助, never merged.
    result, out, db = reconcile(tmp_path, lambda f: _batches(f, 3, ("2025-03-10", "2025-04-10")))
    assert result.exit_code == 0, result.output
    found = answer(out, db)
    assert found.gaps == clean.gaps
    # 赵六 (312.50) and 周九's two rows (375 each) paid again in 第2批
    assert (found.payments, found.paid_total) == (clean.payments + 3,
                                                  clean.paid_total + Decimal("1062.50"))
    assert found.duplicate_aid == clean.duplicate_aid + 1  # 赵六; 周九 was one case already
    assert "完全相同" not in (out / "summary.txt").read_text(encoding="utf-8-sig")


# 8. A run missing a whole system ----------------------------------------------------------------

ROSTER_FILES = ("脱贫户（数字格式）.csv", "低保名单.xlsx", "城市低保（长表）.csv", "防返贫监测和脱贫人口.xlsx",
                WELFARE, "持证残疾人.csv")


@pytest.mark.parametrize(("removed", "fragments"), [
    (("学籍名单.xlsx",), ("没有找到「学籍名单」", "漏助名单会是空的")),
    ((AID_FILE,), ("没有找到「资助发放名单」", "每个困难学生都会被列为漏助")),
    (ROSTER_FILES, ("没有找到任何困难群体名单（扶贫、民政、残联）", "漏助会是 0")),
], ids=["no registry", "no payments", "no roster"])
def test_a_missing_system_stops(tmp_path: Path, removed: tuple[str, ...],
                                fragments: tuple[str, ...]) -> None:
    def build(folder: Path) -> None:
        for name in removed:
            (folder / name).unlink()

    result, _, db = reconcile(tmp_path, build)
    assert_stops(result, str(tmp_path / "in"), *fragments, "--keep-going", "共 1 处")
    assert not db.exists()


def test_a_folder_with_only_a_note_stops(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "说明.txt").write_text("请于3月底前报送", encoding="utf-8")
    result = run(folder, tmp_path / "out", tmp_path / "x.duckdb")
    assert_stops(result, "共 3 处", "没有找到「学籍名单」", "没有找到「资助发放名单」",
                 "没有找到任何困难群体名单")


def test_keep_going_without_a_registry_says_it_replaced_a_complete_semester(
        tmp_path: Path) -> None:
    folder = write_mini_exports(tmp_path / "in")
    out, db = tmp_path / "out", tmp_path / "x.duckdb"
    assert run(folder, out, db).exit_code == 0
    (folder / "学籍名单.xlsx").unlink()
    result = run(folder, out, db, "--keep-going")
    assert result.exit_code == 0, result.output
    warning = "数据库中2025年春季学期原有完整的结果（运行 #1"
    assert squash(warning) in squash(result.output)
    assert "结果不完整" in result.output
    summary = (out / "不完整-summary.txt").read_text(encoding="utf-8-sig")
    assert warning in summary and "没有找到「学籍名单」" in summary
    runs = CliRunner().invoke(main, ["runs", "--db", str(db)]).output.splitlines()
    assert "结果不完整" in next(line for line in runs if line.startswith("#2 "))
    assert "结果不完整" not in next(line for line in runs if line.startswith("#1 "))
    # A second incomplete run replaces an incomplete one: nothing complete is lost, no warning.
    again = run(folder, out, db, "--keep-going")
    assert again.exit_code == 0 and "原有完整的结果" not in again.output


# Under --keep-going each of these files is left out and the results say so -----------------------

def _formulas(folder: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "身份证号", "残疾类别"])
    workbook.active.append(["=A1", "=B1", "=C1"])
    workbook.save(folder / "残疾人（公式）.xlsx")


@pytest.mark.parametrize(("build", "left_out"), [
    (lambda f: _long_aid_list(f, 10), AID_FILE),
    (_unreadable_et, "孤儿名单.et"),
    (_fifo, "孤儿名单.csv"),
    (_formulas, "残疾人（公式）.xlsx"),
    (lambda f: _two_tables(f, ["户主姓名", "姓名", "身份证号", "与户主关系", "保障类别", "保障状态"]),
     "资助发放明细.xlsx"),
], ids=["stray quote", "unreadable .et", "fifo", "formulas", "foreign header"])
def test_keep_going_leaves_the_file_out_and_marks_everything_incomplete(
        tmp_path: Path, build: Callable[[Path], None], left_out: str) -> None:
    result, out, _ = reconcile(tmp_path, build, "--keep-going")
    assert result.exit_code == 0, result.output
    assert all(p.name.startswith("不完整-") for p in out.iterdir())
    summary = (out / "不完整-summary.txt").read_text(encoding="utf-8-sig")
    assert "本次结果不完整" in summary and left_out in summary
    assert left_out not in {s["file"] for s in answer_sheets(out, "不完整-")}


# 13. Ordinary hand-overs foreign2 saw stop the run (issue 17): now read right ---------------------

DIBAO_LONG = "城市低保（长表）.csv"


def _rows(folder: Path, name: str) -> list[list[str]]:
    data = (folder / name).read_bytes()
    encoding = "gbk" if name == DIBAO_LONG else "utf-8-sig"
    return list(csv.reader(data.decode(encoding).splitlines()))


def _gap_types(out: Path) -> dict[str, str]:
    return {row["姓名"]: row["困难类型"] for row in read_csv(out / "gaps.csv")}


# F04: a header whose words are split over two rows, no merged cells.
def test_header_words_split_over_two_rows_are_read(tmp_path: Path, clean: Answer) -> None:
    def build(folder: Path) -> None:
        rows = _rows(folder, "持证残疾人.csv")
        assert rows[0] == ["姓名", "残疾人证号", "残疾类别", "残疾等级"]
        write_csv(folder / "持证残疾人.csv", [["姓名", "残疾人证", "残疾", "残疾"],
                                          ["", "号", "类别", "等级"], *rows[1:]])

    result, out, db = reconcile(tmp_path, build)
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean
    [sheet] = [s for s in answer_sheets(out) if s["file"] == "持证残疾人.csv"]
    assert (sheet["header_row"], sheet["data_rows"], sheet["rejected"]) == (2, 3, 0)


# F25: the .xls many web systems export is an HTML page holding a table.
def _html_page(rows: list[list[str]], *, charset: str | None, spans: bool = False) -> str:
    """The 低保 long roster as a web system's page: <th> header, the ID typed with <br>, a name
    as entities; with ``spans`` the 户编号 and status of the household merged down (rowspan)."""
    head = "".join(f"<th>{cell}</th>" for cell in rows[0])
    body = []
    for n, row in enumerate(rows[1:]):
        cells = []
        for k, cell in enumerate(row):
            if spans and k in (0, 4, 5):
                if n == 0:
                    cells.append(f'<td rowspan="{len(rows) - 1}">{cell}</td>')
                continue
            if k == 2 and n == 1:
                cell = cell.replace(" ", "<br>")
            if k == 1 and n == 1:
                cell = "".join(f"&#{ord(ch)};" if ch != " " else "&nbsp;" for ch in cell)
            cells.append(f"<td>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return (f"<html><head>{meta}<title>城市低保</title></head><body>\n<table border=1>"
            f"<tr>{head}</tr>{''.join(body)}</table></body></html>")


@pytest.mark.parametrize(("name", "charset", "encoding", "prefix", "spans"), [
    ("城市低保名单.xls", "utf-8", "utf-8", b"", False),
    ("城市低保名单.xls", "gb2312", "gbk", b"", True),
    ("城市低保名单.xlsx", None, "gbk", b"\r\n  ", False),  # no charset: detected as a CSV's
    ("城市低保名单.html", None, "utf-8", b"\xef\xbb\xbf\n", True),
], ids=["xls utf-8", "xls gb2312 rowspan", "xlsx gbk undeclared", "html bom rowspan"])
def test_a_web_page_saved_as_excel_is_read(tmp_path: Path, clean: Answer, name: str,
                                           charset: str | None, encoding: str, prefix: bytes,
                                           spans: bool) -> None:
    def build(folder: Path) -> None:
        rows = _rows(folder, DIBAO_LONG)
        (folder / DIBAO_LONG).unlink()
        page = _html_page(rows, charset=charset, spans=spans)
        (folder / name).write_bytes(prefix + page.encode(encoding))

    result, out, db = reconcile(tmp_path, build)
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean
    [sheet] = [s for s in answer_sheets(out) if s["file"] == name]
    assert (sheet["sheet"], sheet["kind"], sheet["data_rows"]) == ("表1", "civil_assistance", 2)
    assert "陈小龙" in _gap_types(out)


def test_a_web_page_without_a_table_stops(tmp_path: Path) -> None:
    page = "<!DOCTYPE html><html><body><p>系统维护中，请稍后导出</p></body></html>"
    result, _, _ = reconcile(tmp_path, lambda f: (f / "低保名单.xls").write_text(page, "utf-8"))
    assert_stops(result, "低保名单.xls", "网页（HTML）文件，但其中没有表格", "另存为")


# F32: a roster mailed as a zip archive, read as a folder named after it.
def _zip(path: Path, members: dict[str, bytes], *, encrypted: bool = False) -> None:
    """A zip of ``members``; ``encrypted`` marks the (one) member as having a password, in its
    local header and the central directory (zipfile cannot write encrypted members)."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, (2025, 3, 1, 0, 0, 0)), data,
                             zipfile.ZIP_DEFLATED)
    if encrypted:
        packed = bytearray(path.read_bytes())
        for signature, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            packed[packed.index(signature) + at] |= 0x1
        path.write_bytes(bytes(packed))


def test_a_roster_inside_a_zip_is_read_as_a_folder(tmp_path: Path, clean: Answer) -> None:
    def build(folder: Path) -> None:
        data = (folder / DIBAO_LONG).read_bytes()
        (folder / DIBAO_LONG).unlink()
        _zip(folder / "民政名单.zip", {
            "低保/": b"", f"低保/{DIBAO_LONG}": data, f"低保/~${DIBAO_LONG}": b"lock",
            "__MACOSX/低保/._x.csv": b"\x00", "说明.docx": b"PK\x03\x04"})

    result, out, db = reconcile(tmp_path, build)
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean
    label = f"民政名单.zip/低保/{DIBAO_LONG}"
    [sheet] = [s for s in answer_sheets(out) if s["file"] == label]
    assert (sheet["kind"], sheet["data_rows"], sheet["rejected"]) == ("civil_assistance", 2, 0)
    assert any(label in row["来源"] for row in read_csv(out / "gaps.csv"))
    summary = (out / "summary.txt").read_text(encoding="utf-8-sig")
    assert f"跳过 Excel 临时文件 民政名单.zip/低保/~${DIBAO_LONG}" in summary
    assert "跳过非表格文件 民政名单.zip/说明.docx" in summary
    assert "__MACOSX" not in summary


def test_gbk_member_names_and_a_zipped_copy_of_a_loose_file(tmp_path: Path, clean: Answer
                                                           ) -> None:
    """Chinese Windows zips names in GBK without the UTF-8 flag; the loose file and its zipped
    copy are one roster (read once)."""
    import zipfile

    def build(folder: Path) -> None:
        data = (folder / DIBAO_LONG).read_bytes()
        gbk = DIBAO_LONG.encode("gbk")
        placeholder = "x" * (len(gbk) - 4) + ".csv"  # ASCII: written without the UTF-8 flag
        _zip(folder / "备份.zip", {placeholder: data})
        packed = (folder / "备份.zip").read_bytes().replace(placeholder.encode(), gbk)
        (folder / "备份.zip").write_bytes(packed)
        with zipfile.ZipFile(folder / "备份.zip") as archive:
            assert not archive.infolist()[0].flag_bits & 0x800

    result, out, db = reconcile(tmp_path, build)
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean
    copy = f"备份.zip/{DIBAO_LONG}"
    assert set(_rejects(out, copy).values()) == {f"重复的名单：与「{DIBAO_LONG}」内容相同，只计一次"}


@pytest.mark.parametrize(("members", "encrypted", "fragments"), [
    ({"低保.csv": b"x"}, True, ("民政名单.zip", "压缩文件中的「低保.csv」设置了密码")),
    ({"第1批.zip": b"PK\x05\x06" + b"\x00" * 18}, False,
     ("民政名单.zip", "压缩文件中又有压缩文件「第1批.zip」")),
    ({"../低保.csv": b"x"}, False, ("民政名单.zip", "「../低保.csv」指向压缩文件以外的位置")),
    ({"低保.csv": b"\x00" * (20 * 2**20)}, False,
     ("民政名单.zip", "「低保.csv」解压后有 20 MB", "压缩炸弹")),
], ids=["password", "zip in zip", "path traversal", "zip bomb"])
def test_a_zip_that_cannot_be_read_safely_stops(tmp_path: Path, members: dict[str, bytes],
                                               encrypted: bool, fragments: tuple[str, ...]
                                               ) -> None:
    result, _, db = reconcile(tmp_path, lambda f: _zip(f / "民政名单.zip", members,
                                                       encrypted=encrypted))
    assert_stops(result, *fragments)
    assert not db.exists()


def test_a_zip_too_large_to_unpack_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aidmatch.sources import archives

    monkeypatch.setattr(archives, "MAX_UNPACKED_BYTES", 2**20)

    def build(folder: Path) -> None:
        data = (folder / DIBAO_LONG).read_bytes()
        _zip(folder / "民政名单.zip", {"低保.csv": data, "大表.csv": b"1," * 2**20})

    result, _, _ = reconcile(tmp_path, build)
    assert_stops(result, "民政名单.zip", "解压后共 2 MB，超过上限 1 MB", "「大表.csv」")


# F16: English file names carry the category.
def test_english_file_names_name_the_roster_and_category(tmp_path: Path, clean: Answer) -> None:
    def build(folder: Path) -> None:
        (folder / "孤儿和事实无人抚养儿童.xls").unlink()
        st = STUDENTS
        header = ["姓名", "性别", "出生日期", "身份证号码"]
        write_csv(folder / "orphans.csv", [header, [st["orphan_paid_lost_id"].name, "男",
                                                    "2012-04-04", st["orphan_paid_lost_id"].id]])
        write_csv(folder / "De_Facto_Orphans.csv", [header, [st["twin_b"].name, "男", "2013-05-05",
                                                            st["twin_a"].id]])

    result, out, db = reconcile(tmp_path, build)
    assert result.exit_code == 0, result.output
    assert answer(out, db) == clean  # 吴子轩 still 事实无人抚养儿童, not 孤儿
    kinds = {s["file"]: s["kind"] for s in answer_sheets(out)}
    assert kinds["orphans.csv"] == kinds["De_Facto_Orphans.csv"] == "child_welfare"


# T29: the 优抚对象 roster (烈士子女 / 优抚对象子女).
def test_a_preferential_care_roster_makes_key_students(tmp_path: Path, clean: Answer) -> None:
    st = STUDENTS
    yan_fu = ("严父", "611022198306065712")

    def build(folder: Path) -> None:
        write_csv(folder / "优抚对象.csv", [
            ["姓名", "身份证号", "优抚类别", "与烈士关系"],
            [st["risk_eliminated"].name, st["risk_eliminated"].id, "烈士子女", "子女"],
            [yan_fu[0], yan_fu[1], "伤残军人", ""],  # 严七's registered father
            [st["plain"].name, st["plain"].id, "烈士子女", "子女"],  # paid: no gap
        ])

    result, out, db = reconcile(tmp_path, build)
    assert result.exit_code == 0, result.output
    got = answer(out, db)
    new = {row["姓名"]: row for row in read_csv(out / "gaps.csv")}
    assert set(new) - {g[2] for g in clean.gaps} == {"钱七", "严七"}
    assert new["钱七"]["困难类型"] == "烈士子女、优抚对象子女"
    assert new["钱七"]["来源"] == "优抚对象.csv第2行"
    assert new["严七"]["困难类型"] == "优抚对象子女"
    assert "优抚对象.csv第3行" in new["严七"]["来源"]
    assert len(got.gaps) == len(clean.gaps) + 2
    assert {s["file"]: s["kind"] for s in answer_sheets(out)}["优抚对象.csv"] == "preferential_care"


def test_without_a_preferential_care_roster_nothing_is_said_of_it(tmp_path: Path) -> None:
    result, out, _ = reconcile(tmp_path, lambda folder: None)
    assert result.exit_code == 0, result.output
    summary = (out / "summary.txt").read_text(encoding="utf-8-sig")
    assert "优抚" not in summary and "退役军人" not in summary
