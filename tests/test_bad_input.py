"""Bad input through the command line: every broken file is generated here, and each must give a
Chinese message naming the file (and sheet, row, column where there is one) with what to do, the
right exit code, no traceback, and no half-written output or database."""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import msoffcrypto.format.ooxml
import pytest
import python_calamine
from click.testing import CliRunner, Result

from aidmatch.cli import main
from aidmatch.errors import InputError
from aidmatch.sources import reading
from aidmatch.sources.reading import read_table_file
from tests.builders import make_id, read_csv, write_csv, write_xls, write_xlsx
from tests.conftest import EXPECTED_GAPS, STUDENTS, write_mini_exports

CHILD = make_id("611022", "20120304", "124")
OTHER = make_id("611022", "20120304", "135")
REGISTRY = [["学籍号", "姓名", "身份证件号", "学籍状态", "学校名称"],
            ["G" + CHILD, "王芳", CHILD, "在读", "丹凤中学"]]


def squash(text: str) -> str:
    """Output without whitespace: rich wraps long lines wherever the terminal width falls."""
    return "".join(text.split())


def run(folder: Path, out: Path, db: Path, *extra: str) -> Result:
    return CliRunner().invoke(main, ["reconcile", "--input", str(folder), "--semester",
                                     "2025-spring", "--out", str(out), "--db", str(db), *extra])


def encrypted_xlsx(path: Path, rows: list[list[object]]) -> Path:
    """A workbook with an opening password, made the way Excel makes one (ECMA-376 agile)."""
    plain = write_xlsx(path.with_suffix(".plain.xlsx"), {"Sheet1": rows})
    encrypted = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(plain.read_bytes())).encrypt("123456", encrypted)
    plain.unlink()
    path.write_bytes(encrypted.getvalue())
    return path


def _truncated_xlsx(folder: Path) -> None:
    good = write_xlsx(folder / "tmp.xlsx", {"学生": REGISTRY})
    (folder / "学籍（截断）.xlsx").write_bytes(good.read_bytes()[:400])
    good.unlink()


def _password(folder: Path) -> None:
    encrypted_xlsx(folder / "低保（加密）.xlsx", [["姓名", "身份证号", "保障类别"],
                                              ["王芳", CHILD, "农村低保"]])


def _empty(folder: Path) -> None:
    (folder / "残疾人.csv").write_bytes(b"")


def _empty_xlsx(folder: Path) -> None:
    (folder / "孤儿.xlsx").write_bytes(b"")


def _header_only(folder: Path) -> None:
    write_xlsx(folder / "持证残疾人.xlsx", {"残疾人": [["姓名", "残疾人证号", "残疾类别"]]})


def _mixed_encodings(folder: Path) -> None:
    (folder / "低保.csv").write_bytes("姓名,身份证号,保障类别\n".encode()
                                      + f"王芳,{CHILD},农村低保\n".encode("gbk"))


def _missing_column(folder: Path) -> None:
    write_xlsx(folder / "低保名单.xlsx", {"农村低保": [["姓名", "保障类别", "保障状态"],
                                                   ["王芳", "农村低保", "正常"]]})


def _two_columns_one_field(folder: Path) -> None:
    write_xlsx(folder / "残疾人.xlsx", {"Sheet1": [
        ["姓名", "身份证号", "残疾类别", "公民身份号码"],
        ["王芳", CHILD, "视力", CHILD],
        ["李四", OTHER, "肢体", make_id("611022", "20100101", "111")]]})


def _duplicate_headers(folder: Path) -> None:
    write_csv(folder / "孤儿名单.csv", [["姓名", "身份证号", "监护人姓名", "姓名"],
                                    ["王芳", CHILD, "王婆", "王小芳"]])


def _full_sheet(folder: Path) -> None:
    # A sheet that reaches Excel's last row: sparse, so the file is a few kB and reads instantly.
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(folder / "学籍（100万行）.xlsx"))
    sheet = workbook.add_worksheet("学生")
    for r, row in enumerate(REGISTRY):
        sheet.write_row(r, 0, row)
    sheet.write_row(reading.EXCEL_MAX_ROWS - 1, 0, ["G" + OTHER, "李四", OTHER, "在读"])
    workbook.close()


def _archive(folder: Path) -> None:
    """A RAR archive (a zip is read as a folder: tests/test_handovers.py)."""
    (folder / "各乡镇名单.rar").write_bytes(b"Rar!\x1a\x07\x00" + b"\x00" * 64)


def _zip_in_a_zip(folder: Path) -> None:
    with zipfile.ZipFile(folder / "各乡镇名单.zip", "w") as archive:
        archive.writestr("第1批.zip", b"PK\x05\x06" + b"\x00" * 18)


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], None]
    must_say: tuple[str, ...]  # file, sheet, row, column and the problem, as the message shows them


CASES = [
    Case("truncated xlsx", _truncated_xlsx, ("学籍（截断）.xlsx", "已损坏")),
    Case("password", _password, ("低保（加密）.xlsx", "打开密码", "取消密码")),
    Case("empty csv", _empty, ("残疾人.csv", "空的", "重新从系统导出")),
    Case("empty xlsx", _empty_xlsx, ("孤儿.xlsx", "空的")),
    Case("header only", _header_only, ("持证残疾人.xlsx", "工作表「残疾人」", "第 1 行", "只有表头")),
    Case("mixed encodings", _mixed_encodings, ("低保.csv", "第 1 行是 UTF-8，第 2 行是 GBK", "另存为")),
    Case("missing required column", _missing_column,
         ("低保名单.xlsx", "工作表「农村低保」", "第 1 行", "缺少必需的列", "身份证号", "rules/sources.yaml")),
    Case("two columns mapped to one field", _two_columns_one_field,
         ("残疾人.xlsx", "工作表「Sheet1」", "第 3 行", "列「公民身份号码」", "第 2 列", "第 4 列",
          "两列内容不同", "删除错误的一列")),
    Case("duplicate header names", _duplicate_headers,
         ("孤儿名单.csv", "第 2 行", "列「姓名」（第 1 列）与列「姓名」（第 4 列）", "无法确定")),
    Case("1,048,576-row sheet", _full_sheet,
         ("学籍（100万行）.xlsx", "工作表「学生」", "第 1048576 行", "最大行数", "分批导出")),
    Case("archive", _archive, ("各乡镇名单.rar", "压缩文件", "解压")),
    Case("zip in a zip", _zip_in_a_zip, ("各乡镇名单.zip", "压缩文件中又有压缩文件「第1批.zip」",
                                         "都解压")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_file_is_a_clear_input_error(case: Case, tmp_path: Path) -> None:
    folder = write_mini_exports(tmp_path / "in")
    case.build(folder)
    out, db = tmp_path / "out", tmp_path / "x.duckdb"
    started = time.perf_counter()
    result = run(folder, out, db)
    assert time.perf_counter() - started < 30
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    text = squash(result.output)
    assert "错误：以下输入文件无法使用" in text and "共1处" in text
    for fragment in case.must_say:
        assert squash(fragment) in text, (fragment, result.output)
    assert "处理办法" in text
    assert not out.exists() or not any(out.iterdir())
    assert not db.exists()


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    folder = write_mini_exports(tmp_path / "in")
    _password(folder)
    result = CliRunner().invoke(main, ["--debug", "reconcile", "--input", str(folder),
                                       "--semester", "2025-spring", "--out", str(tmp_path / "o"),
                                       "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError)


def test_every_problem_file_is_reported_at_once(tmp_path: Path) -> None:
    folder = write_mini_exports(tmp_path / "in")
    for case in CASES:
        case.build(folder)
    result = run(folder, tmp_path / "out", tmp_path / "x.duckdb")
    assert result.exit_code == 3
    text = squash(result.output)
    assert f"共{len(CASES)}处" in text
    for case in CASES:
        assert squash(case.must_say[0]) in text, case.name


def test_keep_going_marks_every_output_incomplete(tmp_path: Path) -> None:
    folder = write_mini_exports(tmp_path / "in")
    out, db = tmp_path / "out", tmp_path / "x.duckdb"
    assert run(folder, out, db).exit_code == 0  # a complete run first: its files must go
    assert (out / "gaps.csv").exists()
    _password(folder)
    _header_only(folder)
    result = run(folder, out, db, "--keep-going")
    assert result.exit_code == 0, result.output
    assert "结果不完整" in result.output
    names = {p.name for p in out.iterdir()}
    assert all(name.startswith("不完整-") for name in names), names
    assert {f"不完整-{n}" for n in ("gaps.csv", "gaps.xlsx", "key_students.csv", "matches.csv",
                                  "review.csv", "rejects.csv", "summary.txt", "summary.json")} <= names
    summary = (out / "不完整-summary.txt").read_text(encoding="utf-8-sig")
    assert summary.startswith("aidmatch 对账结果")
    assert "本次结果不完整：以下 2 个文件或工作表没有读取" in summary
    assert "低保（加密）.xlsx" in summary and "持证残疾人.xlsx" in summary
    data = json.loads((out / "不完整-summary.json").read_text(encoding="utf-8"))
    assert data["incomplete"] is True and len(data["skipped"]) == 2
    workbook = python_calamine.CalamineWorkbook.from_path(str(out / "不完整-gaps.xlsx"))
    assert workbook.sheet_names == ["结果不完整", "漏助名单"]
    warning = workbook.get_sheet_by_name("结果不完整").to_python()
    assert "本次结果不完整" in str(warning[0][0]) and "低保（加密）.xlsx" in str(warning)
    # The good files were still reconciled: the gap list is the complete run's.
    assert len(read_csv(out / "不完整-gaps.csv")) == len(EXPECTED_GAPS)
    # The run is in the audit trail as incomplete.
    runs = CliRunner().invoke(main, ["runs", "--db", str(db)])
    [second_run] = [line for line in runs.output.splitlines() if line.startswith("#2 ")]
    assert runs.exit_code == 0 and "结果不完整" in second_run
    # Fixed and run again: complete results replace the incomplete ones.
    (folder / "低保（加密）.xlsx").unlink()
    (folder / "持证残疾人.xlsx").unlink()
    assert run(folder, out, db).exit_code == 0
    assert not any(p.name.startswith("不完整-") for p in out.iterdir())


def test_a_missing_system_is_warned_in_the_summary(tmp_path: Path) -> None:
    folder = write_mini_exports(tmp_path / "in")
    (folder / "持证残疾人.csv").unlink()
    out = tmp_path / "out"
    result = run(folder, out, tmp_path / "x.duckdb")
    assert result.exit_code == 0
    summary = (out / "summary.txt").read_text(encoding="utf-8-sig")
    assert "没有找到「持证残疾人名单」（残联）的文件" in summary
    assert "残联" in squash(result.output)
    assert "民政" not in "".join(line for line in summary.splitlines() if "没有找到" in line)


def no_one_paid(folder: Path) -> None:
    """A payment list paying someone in no registry: a run needs one (without it every key-group
    student would be a gap), and this one changes no gap."""
    write_csv(folder / "资助.csv", [["姓名", "身份证号", "学校名称", "资助项目名称", "资助金额"],
                                  ["路人", make_id("610102", "20110101", "001"), "丹凤中学",
                                   "义务教育家庭经济困难非寄宿生生活补助", "375"]])


def test_renamed_xls_and_gbk_csv_are_read_without_hints(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    no_one_paid(folder)
    old = write_xls(folder / "学籍.xls", {"Sheet1": REGISTRY})
    old.rename(folder / "学籍.xlsx")
    write_csv(folder / "低保.csv", [["姓名", "身份证号", "保障类别"], ["王芳", CHILD, "农村低保"]],
              encoding="gbk")
    out = tmp_path / "out"
    result = run(folder, out, tmp_path / "x.duckdb", "--full-ids")
    assert result.exit_code == 0, result.output
    [gap] = read_csv(out / "gaps.csv")
    assert (gap["姓名"], gap["身份证件号"], gap["困难类型"]) == ("王芳", CHILD, "城乡低保家庭学生")


def test_merged_cells_in_the_data_are_filled_down(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    second = make_id("611022", "20120505", "146")
    no_one_paid(folder)
    write_xlsx(folder / "学籍.xlsx", {"学生": [
        ["学籍号", "姓名", "身份证件号", "学籍状态", "学校名称", "区县"],
        ["G" + CHILD, "王芳", CHILD, "在读", "丹凤中学", "丹凤县"],
        ["G" + second, "王明", second, "在读", None, None],
    ]}, merges={"学生": [(1, 4, 2, 4), (1, 5, 2, 5)]})
    write_csv(folder / "低保.csv", [["姓名", "身份证号", "保障类别"], ["王芳", CHILD, "农村低保"],
                                  ["王明", second, "农村低保"]])
    out = tmp_path / "out"
    assert run(folder, out, tmp_path / "x.duckdb").exit_code == 0
    assert [(g["姓名"], g["学校名称"], g["区县"]) for g in read_csv(out / "gaps.csv")] == [
        ("王明", "丹凤中学", "丹凤县"), ("王芳", "丹凤中学", "丹凤县")]


def test_agreeing_duplicate_columns_are_only_noted(tmp_path: Path) -> None:
    folder = write_mini_exports(tmp_path / "in")
    (folder / "学籍名单.xlsx").unlink()
    write_xlsx(folder / "学籍.xlsx", {"学生": [
        ["学籍号", "姓名", "身份证件号", "学籍状态", "身份证号"],
        ["G" + CHILD, "王芳", CHILD, "在读", f" {CHILD[:6]} {CHILD[6:]}"],  # same ID, typed apart
    ]})
    out = tmp_path / "out"
    assert run(folder, out, tmp_path / "x.duckdb").exit_code == 0
    assert "列「身份证件号」与「身份证号」都表示" in (out / "summary.txt").read_text(encoding="utf-8-sig")


def test_a_chinese_path_with_spaces(tmp_path: Path) -> None:
    folder = write_mini_exports(tmp_path / "丹凤县 资助中心" / "2025 春季 名单")
    out = tmp_path / "结果 输出" / "2025 春"
    db = tmp_path / "数据 库" / "资助 比对.duckdb"
    result = run(folder, out, db)
    assert result.exit_code == 0, result.output
    assert len(read_csv(out / "gaps.csv")) == len(EXPECTED_GAPS)
    assert db.exists()
    (folder / "民政 名单").mkdir()
    _password(folder / "民政 名单")
    result = run(folder, out, db)
    assert result.exit_code == 3
    assert squash("民政 名单/低保（加密）.xlsx") in squash(result.output)


def test_csv_at_the_excel_row_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A CSV saved from Excel after the sheet was cut at its last row: the limit is lowered here
    # so the test does not write a million lines; the check is the same.
    monkeypatch.setattr(reading, "EXCEL_MAX_ROWS", 5)
    path = write_csv(tmp_path / "学籍.csv", [REGISTRY[0], *([REGISTRY[1]] * 4)])
    with pytest.raises(InputError, match="最大行数") as caught:
        read_table_file(path, "学籍.csv")
    assert caught.value.location.row == 5
    path = write_csv(tmp_path / "学籍.csv", [REGISTRY[0], *([REGISTRY[1]] * 3)])
    assert len(read_table_file(path, "学籍.csv")[0]) == 4


def test_a_rules_typo_is_a_rules_error(tmp_path: Path) -> None:
    rules = Path(__file__).resolve().parents[1] / "rules"
    broken = tmp_path / "rules"
    shutil.copytree(rules, broken)
    policy = broken / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("scope: household", "scope: housheold",
                                                                  1), encoding="utf-8")
    folder = write_mini_exports(tmp_path / "in")
    out, db = tmp_path / "out", tmp_path / "x.duckdb"
    result = run(folder, out, db, "--rules", str(broken))
    assert result.exit_code == 4, result.output
    text = squash(result.output)
    assert "policy.yaml" in text and "scope：写的是「housheold」" in text and "Traceback" not in text
    assert not out.exists() and not db.exists()


def test_usage_and_internal_errors_have_their_own_codes(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_mini_exports(tmp_path / "in")
    assert run(folder, tmp_path / "o", tmp_path / "x.duckdb", "--source", "nonsense").exit_code == 2
    assert CliRunner().invoke(main, ["reconcile", "--input", str(tmp_path / "nowhere"),
                                     "--semester", "2025-spring", "--out", "o"]).exit_code == 2

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"unexpected value {STUDENTS['plain'].id}")

    monkeypatch.setattr("aidmatch.stages.decide", explode)
    result = run(folder, tmp_path / "o", tmp_path / "x.duckdb")
    assert result.exit_code == 70
    assert "内部错误" in result.output and "--debug" in result.output
    assert "Traceback" not in result.output
    assert STUDENTS["plain"].id not in result.output  # even an internal error masks IDs


def _invoke_as_nobody(args: list[str]) -> tuple[int, str]:
    """Root reads any file, so as root the command runs in a forked child that has become the
    unprivileged user `nobody`, for whom a mode-000 file is as unreadable as for a clerk. The
    code is already imported (the caller ran the same command once), so the child needs no
    access to the interpreter's own files."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            result = CliRunner().invoke(main, args)
            payload = json.dumps([result.exit_code, result.output]).encode()
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and payload, "the child failed"
    exit_code, output = json.loads(payload)
    return int(exit_code), str(output)


def test_an_unreadable_file(tmp_path: Path) -> None:
    base = Path(tempfile.mkdtemp(prefix="aidmatch-unreadable-"))
    try:
        base.chmod(0o777)
        folder = write_mini_exports(base / "in")
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o777 if path.is_dir() else 0o666)
        args = ["reconcile", "--input", str(folder), "--semester", "2025-spring", "--out",
                str(base / "out"), "--db", str(base / "x.duckdb")]
        assert CliRunner().invoke(main, args).exit_code == 0  # readable: fine (and imports all)
        shutil.rmtree(base / "out")
        (base / "x.duckdb").unlink()
        (folder / "资助发放明细.csv").chmod(0)
        if os.geteuid() == 0:
            code, output = _invoke_as_nobody(args)
        else:
            result = CliRunner().invoke(main, args)
            code, output = result.exit_code, result.output
    finally:
        shutil.rmtree(base, ignore_errors=True)
    text = squash(output)
    assert code == 3, output
    assert "资助发放明细.csv" in text and "没有权限读取该文件" in text and "处理办法" in text
    assert "Traceback" not in text


def _snapshot(out: Path, db: Path) -> tuple[dict[str, bytes], dict[str, int]]:
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()]
        counts = {t: int(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # type: ignore[index]
                  for t in tables}
    return files, counts


@pytest.mark.parametrize("where", ["writing outputs", "saving the semester", "writing matches",
                                   "deciding"])
def test_a_run_failing_late_changes_neither_outputs_nor_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    folder = write_mini_exports(tmp_path / "in")
    out, db = tmp_path / "out", tmp_path / "x.duckdb"
    assert run(folder, out, db).exit_code == 0
    before = _snapshot(out, db)
    (folder / "低保名单.xlsx").unlink()  # the next run's results would differ
    if where == "writing outputs":
        def broken(*_args: object, **_kwargs: object) -> int:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("aidmatch.outputs.lists.write_rejects", broken)
    elif where == "writing matches":  # on its own thread, while DuckDB decides
        def broken_lists(*_args: object, **_kwargs: object) -> int:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("aidmatch.outputs.lists.write_matches", broken_lists)
    elif where == "deciding":  # the store has begun writing the staged records by then
        def broken_decide(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("decide failed")

        monkeypatch.setattr("aidmatch.stages.decide", broken_decide)
    else:
        # The last table of the semester cannot be written: the ones before it were already
        # replaced inside the transaction, which must roll back.
        from aidmatch import store

        monkeypatch.setattr(store, "SEMESTER_TABLES", (*store.SEMESTER_TABLES, "no_such_table"))
    result = run(folder, out, db)
    # a full disk is a machine problem (exit 5, in Chinese); the others are internal errors
    assert result.exit_code == (5 if where.startswith("writing") else 70), result.output
    assert "Traceback" not in result.output
    assert _snapshot(out, db) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".aidmatch-")]
