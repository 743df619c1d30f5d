"""Personal data stays where it belongs: no full ID in logs, errors or progress; outputs masked
unless full IDs are asked for; private files and folders; purge and the audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import stat
from pathlib import Path

import duckdb
import pytest
import python_calamine
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from aidmatch.cli import main
from aidmatch.normalize.ids import mask, mask_student_no, redact
from aidmatch.privacy import RedactingFilter
from aidmatch.synth import generate_city
from tests.builders import make_id, read_csv
from tests.conftest import PARENTS, STUDENTS, write_mini_exports

# An 18-character ID anywhere in a text (not part of a longer number).
FULL_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9X](?![0-9])")
MINI_IDS = [s.id for s in STUDENTS.values()] + [p[1] for p in PARENTS.values()]


def reconcile(folder: Path, out: Path, db: Path, *extra: str, semester: str = "2025-spring"
              ) -> Result:
    return CliRunner().invoke(main, [*[e for e in extra if e.startswith("-v")], "reconcile",
                                     "--input", str(folder), "--semester", semester, "--out",
                                     str(out), "--db", str(db),
                                     *[e for e in extra if not e.startswith("-v")]])


def _texts(folder: Path) -> dict[str, str]:
    """Every result file's content as text (workbooks cell by cell)."""
    texts: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".xlsx":
            workbook = python_calamine.CalamineWorkbook.from_path(str(path))
            texts[path.name] = "\n".join(
                str(cell) for name in workbook.sheet_names
                for row in workbook.get_sheet_by_name(name).to_python() for cell in row)
        else:
            texts[path.name] = path.read_text(encoding="utf-8-sig")
    return texts


def test_verbose_run_on_synthetic_data_prints_no_full_id(tmp_path: Path) -> None:
    generate_city(tmp_path / "city", students=300, seed=7)
    exports = tmp_path / "city" / "exports"
    (exports / "坏文件.xlsx").write_bytes(b"PK\x03\x04" + b"61102220121212777X" * 4)
    out, db = tmp_path / "out", tmp_path / "x.duckdb"
    for extra in (["-vv"], ["-vv", "--keep-going"], ["-vv", "--full-ids", "--keep-going"]):
        result = reconcile(exports, out, db, *extra)
        assert result.exit_code == (3 if extra == ["-vv"] else 0), result.output
        assert "阶段" in result.stderr  # -vv did log the stages
        assert "坏文件.xlsx" in result.stderr
        assert not FULL_ID.findall(result.stderr), FULL_ID.findall(result.stderr)[:3]
        assert not FULL_ID.findall(result.stdout)


def test_errors_and_logs_are_redacted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = write_mini_exports(tmp_path / "in")
    child = STUDENTS["plain"].id
    # A header-like row of IDs makes the header search log and report what it saw.
    (folder / f"{child}.csv").write_text(f"{child},{child}\n{child},{child}\n", encoding="utf-8")
    result = reconcile(folder, tmp_path / "out", tmp_path / "x.duckdb", "-vv")
    assert result.exit_code == 3
    assert child not in result.output and mask(child) in result.output
    record = logging.LogRecord("aidmatch", logging.INFO, __file__, 1, "读取 %s", (child,), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == f"读取 {mask(child)}"


def test_outputs_are_masked_by_default(tmp_path: Path) -> None:
    folder = write_mini_exports(tmp_path / "in")
    out = tmp_path / "out"
    assert reconcile(folder, out, tmp_path / "x.duckdb").exit_code == 0
    for name, text in _texts(out).items():
        assert not FULL_ID.findall(text), (name, FULL_ID.findall(text)[:3])
        assert not [i for i in MINI_IDS if i[:15] in text], name
    gap = read_csv(out / "gaps.csv")[0]
    assert re.fullmatch(r"G\d{4}\*{10}\d{3}[\dX]", gap["学籍号"])
    assert re.fullmatch(r"\d{4}\*{10}\d{3}[\dX]", gap["身份证件号"])

    # The explicit choice: full IDs in the county's working files (rejects.csv stays masked).
    full = tmp_path / "full"
    assert reconcile(folder, full, tmp_path / "x.duckdb", "--full-ids").exit_code == 0
    texts = _texts(full)
    assert STUDENTS["dibao_member"].id in texts["gaps.csv"]
    assert "G" + STUDENTS["dibao_member"].id in texts["gaps.xlsx"]
    assert not FULL_ID.findall(texts["rejects.csv"])


def test_files_and_folders_are_private(tmp_path: Path) -> None:
    folder = write_mini_exports(tmp_path / "in")
    out, db = tmp_path / "new" / "out", tmp_path / "db folder" / "aidmatch.duckdb"
    assert reconcile(folder, out, db).exit_code == 0
    for directory in (out, out.parent, db.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    for path in [db, *out.iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # A folder the user already had keeps its mode.
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o755)
    mine.chmod(0o755)
    assert reconcile(folder, mine, db).exit_code == 0
    assert stat.S_IMODE(mine.stat().st_mode) == 0o755


def _rows(db: Path, semester: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_columns() WHERE schema_name = 'main' "
            "AND column_name = 'run_semester'").fetchall()]
        return sum(int(con.execute(f'SELECT count(*) FROM "{t}" WHERE run_semester = ?',
                                   [semester]).fetchone()[0]) for t in tables)  # type: ignore[index]


def test_purge_removes_a_semester_and_keeps_the_audit_trail(tmp_path: Path) -> None:
    folder = write_mini_exports(tmp_path / "in")
    db = tmp_path / "aidmatch.duckdb"
    assert reconcile(folder, tmp_path / "o1", db, "--keep-intermediate").exit_code == 0
    assert reconcile(folder, tmp_path / "o2", db, semester="2024-autumn").exit_code == 0
    assert _rows(db, "2025-spring") > 0 and _rows(db, "2024-autumn") > 0
    secret = STUDENTS["plain"].id.encode()
    assert secret in db.read_bytes()

    result = CliRunner().invoke(main, ["purge", "--db", str(db), "--semester", "2025春", "--yes"])
    assert result.exit_code == 0, result.output
    assert "已从" in result.output and "2025年春季学期" in result.output
    assert re.search(r"students：19 行", result.output)
    assert "records：" in result.output and "gaps：" in result.output
    assert "中间表" in result.output  # the --keep-intermediate tables went too
    assert _rows(db, "2025-spring") == 0
    assert _rows(db, "2024-autumn") > 0
    assert stat.S_IMODE(db.stat().st_mode) == 0o600

    again = CliRunner().invoke(main, ["purge", "--db", str(db), "--semester", "2025-spring",
                                      "--yes"])
    assert again.exit_code == 0 and "未删除任何内容" in again.output
    assert CliRunner().invoke(main, ["purge", "--db", str(db), "--semester", "2024-autumn",
                                     "--yes"]).exit_code == 0
    # Rewritten: the deleted rows do not linger in the file's free blocks.
    assert secret not in db.read_bytes()

    runs = CliRunner().invoke(main, ["runs", "--db", str(db)])
    assert runs.exit_code == 0
    heads = [line for line in runs.output.splitlines() if line.startswith("#")]
    assert [h.split()[1] for h in heads] == ["2025-spring", "2024-autumn"]
    assert all("个人数据已于" in h for h in heads)
    digest = hashlib.sha256((folder / "资助发放明细.csv").read_bytes()).hexdigest()
    assert runs.output.count(digest) == 2


def test_purge_asks_first_and_needs_a_database(tmp_path: Path) -> None:
    folder = write_mini_exports(tmp_path / "in")
    db = tmp_path / "aidmatch.duckdb"
    assert reconcile(folder, tmp_path / "o", db).exit_code == 0
    declined = CliRunner().invoke(main, ["purge", "--db", str(db), "--semester", "2025-spring"],
                                  input="n\n")
    assert declined.exit_code == 1 and _rows(db, "2025-spring") > 0
    missing = CliRunner().invoke(main, ["purge", "--db", str(tmp_path / "none.duckdb"),
                                        "--semester", "2025-spring", "--yes"])
    assert missing.exit_code == 2 and "数据库文件不存在" in missing.output
    assert not (tmp_path / "none.duckdb").exists()


def test_runs_lists_what_was_run_when_on_which_files(tmp_path: Path) -> None:
    folder = write_mini_exports(tmp_path / "in")
    db = tmp_path / "aidmatch.duckdb"
    assert reconcile(folder, tmp_path / "o", db, "--full-ids").exit_code == 0
    assert reconcile(folder, tmp_path / "o", db, semester="2024-autumn").exit_code == 0
    result = CliRunner().invoke(main, ["runs", "--db", str(db), "--semester", "2025-spring"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("#1  2025-spring") and "完整证件号" in lines[0]
    assert "指纹" in lines[0] and "输入" in lines[0]
    files = sorted(p for p in folder.iterdir())
    assert len(lines) == 1 + len(files)
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert any(line.split()[0] == digest and line.endswith(path.name) for line in lines[1:])
    assert not FULL_ID.findall(result.output)
    empty = CliRunner().invoke(main, ["runs", "--db", str(db), "--semester", "2023-autumn"])
    assert empty.exit_code == 0 and "没有运行记录" in empty.output


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("G61102220121212777X", "G6110**********777X"),
        ("g61102220121212777x", "G6110**********777X"),
        ("61102220121212777X", "6110**********777X"),
        ("J611022201212120001", "J6110**********0001"),
        ("", ""),
    ],
)
def test_mask_student_no(value: str, masked: str) -> None:
    assert mask_student_no(value) == masked


IDS = st.builds(lambda birth, seq: make_id("611022", birth.strftime("%Y%m%d"), f"{seq:03d}"),
                st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2020, 12, 31)),
                st.integers(0, 999))


@given(IDS, st.text(max_size=20), st.text(max_size=20), st.sampled_from(["", "G", "J"]),
       st.sampled_from(["", "51", "42"]))
def test_redact_hides_every_id_in_any_text(number: str, before: str, after: str, letter: str,
                                           cert: str) -> None:
    text = f"{before} {letter}{number}{cert} {after}"
    assert number not in redact(text)
    assert number[:15] not in redact(text)


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd", "No")), max_size=40))
def test_redact_leaves_text_without_digits_alone(text: str) -> None:
    assert redact(text) == text


def test_redact_leaves_short_numbers_alone() -> None:
    text = "第 1048576 行，金额 1250.00 元，2025-03-01，学校标识码 2161012345，电话 13912345678"
    assert redact(text) == text


def test_purge_masks_ids_in_the_names_the_audit_trail_keeps(tmp_path: Path) -> None:
    """A file or folder named after a student keeps its SHA-256 and size in the audit trail,
    but after the purge only its masked name."""
    child = STUDENTS["plain"].id
    folder = write_mini_exports(tmp_path / f"交来的 {child}")
    (folder / "资助发放明细.csv").rename(folder / f"资助{child[:6]} {child[6:14]} {child[14:]}.csv")
    db = tmp_path / "aidmatch.duckdb"
    assert reconcile(folder, tmp_path / "o", db).exit_code == 0
    assert child.encode() in db.read_bytes()
    result = CliRunner().invoke(main, ["purge", "--db", str(db), "--semester", "2025-spring",
                                       "--yes"])
    assert result.exit_code == 0, result.output
    assert "保留了审计记录：1 次运行" in result.output
    assert "2 个含身份证号的文件或文件夹名已改为打码后的名称" in result.output
    assert child.encode() not in db.read_bytes()
    assert child[6:14].encode() + b" " + child[14:].encode() not in db.read_bytes()
    runs = CliRunner().invoke(main, ["runs", "--db", str(db)])
    assert f"资助{mask(child)}.csv" in runs.output and mask(child) in runs.output.splitlines()[0]
    with duckdb.connect(str(db), read_only=True) as con:
        paths = [p for (p,) in con.execute("SELECT path FROM input_files").fetchall()]
        summary = str(con.execute("SELECT summary FROM runs").fetchone()[0])  # type: ignore[index]
    assert f"资助{mask(child)}.csv" in paths, paths
    assert len(paths) == len(list(folder.iterdir()))
    assert mask(child) in summary and child not in summary


def test_every_promise_in_the_readme_names_a_real_test() -> None:
    """The README's privacy promises point at tests; each one exists."""
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Promises and the tests that hold them"):]
    table = table[:table.index("\n## ")]
    named: list[tuple[str, str]] = []
    for line in table.splitlines():
        current = ""
        for ref in re.findall(r"`((?:tests/[\w/]+\.py)?::\w+)`", line):
            path, _, name = ref.partition("::")
            current = path or current
            named.append((current, name))
    assert len(named) >= 15
    for path, name in named:
        assert path, name
        assert re.search(rf"^def {name}\(", (root / path).read_text(encoding="utf-8"), re.M), \
            (path, name)
