"""Extracts (issue 16): ``aidmatch load`` writes a load as Parquet and a manifest; reconciling
the extract gives the files reconciling the exports gives, extracts of parts of a city together
give the whole city's gaps, and an extract read otherwise than the run reads stops it."""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import duckdb
import pyarrow as pa
import pytest
from click.testing import CliRunner

import aidmatch
from aidmatch import cli
from aidmatch.config import Rules, load_rules
from aidmatch.errors import InputError, InputProblems, UsageError
from aidmatch.pipeline import load, reconcile
from aidmatch.semester import Semester
from aidmatch.sources import extracts
from aidmatch.sources.extracts import MANIFEST, moved_records_sql, read_extracts
from aidmatch.synth import generate_city
from tests.builders import mutated_rules

SPRING = Semester.parse("2025-spring")
ROOT = Path(__file__).resolve().parents[1]


def _output_identity() -> ModuleType:
    """benchmarks/output_identity.py: a result folder fingerprinted by value (workbooks by
    their cells)."""
    spec = importlib.util.spec_from_file_location(
        "output_identity", ROOT / "benchmarks" / "output_identity.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("extract-city")
    generate_city(folder, students=300, seed=5, semester=SPRING)
    return folder / "exports"


@pytest.fixture(scope="module")
def extract(city: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("extracts") / "商洛"
    load(city, SPRING, out)
    return out


def _halves(city: Path, folder: Path) -> tuple[Path, Path]:
    """The city's export files dealt alternately into two folders (each keeps its subfolders)."""
    halves = (folder / "甲", folder / "乙")
    for n, path in enumerate(sorted(p for p in city.rglob("*") if p.is_file())):
        target = halves[n % 2] / path.relative_to(city)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    return halves


def _kinds(extract: Path) -> set[str]:
    manifest = json.loads((extract / MANIFEST).read_text(encoding="utf-8"))
    return {s["kind"] for f in manifest["files"] for s in f["sheets"] if s["kind"]}


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_an_extract_holds_the_load_and_its_accounting(extract: Path) -> None:
    assert sorted(p.name for p in extract.iterdir()) == [
        MANIFEST, "family.parquet", "records.parquet", "rejects.parquet"]
    manifest = json.loads((extract / MANIFEST).read_text(encoding="utf-8"))
    rules = load_rules()
    assert manifest["semester"] == "2025-spring"
    assert manifest["rules"] == {"fingerprint": rules.fingerprint, "version": rules.version}
    assert manifest["aidmatch"] and manifest["format"] == extracts.FORMAT
    sheets = [s for f in manifest["files"] for s in f["sheets"] if s["kind"]]
    assert sheets and all(s["data_rows"] == s["record_rows"] + s["rejected_rows"] for s in sheets)
    assert len({f["sha256"] for f in manifest["files"]}) == len(manifest["files"])
    # Personal data: the owner's only.
    assert all(p.stat().st_mode & 0o077 == 0 for p in (extract, *extract.iterdir()))


def test_reconciling_the_extract_gives_the_exports_files(city: Path, extract: Path,
                                                         tmp_path: Path) -> None:
    """Every result file the same: CSV, JSON and text byte for byte, workbooks cell by cell.
    One database for both runs, so case numbers (keyed by its secret) are the same too."""
    db = tmp_path / "run.duckdb"
    reconcile(city, SPRING, tmp_path / "raw", db_path=db)
    result = aidmatch.reconcile(extract, "2025-spring", tmp_path / "extract", db=db)
    raw = sorted(p.name for p in (tmp_path / "raw").iterdir())
    assert raw == sorted(p.name for p in (tmp_path / "extract").iterdir())
    assert "gaps.csv" in raw and "summary.json" in raw
    for name in raw:
        if not name.endswith(".xlsx"):
            assert (tmp_path / "raw" / name).read_bytes() == \
                (tmp_path / "extract" / name).read_bytes(), name
    fingerprint = _output_identity().fingerprint_folder
    assert fingerprint(tmp_path / "raw") == fingerprint(tmp_path / "extract")
    assert result.gaps.num_rows == result.summary.total.gaps > 0
    # The database's audit trail names the files the extract was read from.
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute("SELECT run_id, path, sha256 FROM input_files ORDER BY run_id, file_id"
                           ).fetchall()
    first = [(p, s) for r, p, s in runs if r == runs[0][0]]
    assert first == [(p, s) for r, p, s in runs if r == runs[-1][0]]


def test_extracts_of_two_halves_give_the_whole_citys_gaps(city: Path, tmp_path: Path) -> None:
    whole = reconcile(city, SPRING, tmp_path / "whole", db_path=None)
    provinces = tmp_path / "provinces"
    for half in _halves(city, tmp_path / "exports"):
        load(half, SPRING, provinces / half.name)
    both = reconcile(provinces, SPRING, tmp_path / "both", db_path=None)
    # The same students, with the same evidence; each source named with its extract's folder.
    named = [[cell.replace("甲/", "").replace("乙/", "") for cell in row]
             for row in _rows(tmp_path / "both" / "gaps.csv")]
    assert named == _rows(tmp_path / "whole" / "gaps.csv")
    assert both.gaps == whole.gaps > 0
    assert both.summary.total == whole.summary.total
    # Every sheet counted once under its own file, every row accounted for.
    files = [(s.file_id, s.file, s.sheet) for s in both.summary.sheets]
    assert len(set(files)) == len(files) == len(whole.summary.sheets)
    assert len({file_id for file_id, _, _ in files}) == len({f for _, f, _ in files})
    assert {f.split("/", 1)[0] for _, f, _ in files} == {"甲", "乙"}
    assert all(s.balanced for s in both.summary.sheets)


def test_combined_extracts_have_unique_ids(city: Path, tmp_path: Path) -> None:
    provinces = tmp_path / "provinces"
    for half in _halves(city, tmp_path / "exports"):
        load(half, SPRING, provinces / half.name)
    loaded = read_extracts(provinces, load_rules(), SPRING)
    assert loaded is not None
    ids = loaded.records.column("record_id").to_pylist()
    assert sorted(ids) == list(range(1, len(ids) + 1))
    assert set(loaded.family.column("student_record_id").to_pylist()) <= set(ids)
    file_ids = [f.file_id for f in loaded.files]
    assert len(set(file_ids)) == len(file_ids)
    assert set(loaded.records.column("file_id").to_pylist()) <= set(file_ids)
    assert {r.file_id for r in loaded.rejects} <= set(file_ids)
    labels = {f.file_id: f.label for f in loaded.files}
    assert all(labels[r.file_id] == r.file for r in loaded.rejects)


@pytest.mark.parametrize(("key", "file_id", "expected"), [
    ("户:3:H001", 3, "户:13:H001"),  # a household number: per file
    ("序:3:Sheet1:12", 3, "序:13:Sheet1:12"),  # a household by 户主 order
    ("3:低保:12", 3, "13:低保:12"),  # a wide roster's row
    ("户主:611022198501011111", 3, "户主:611022198501011111"),  # the head's ID: city-wide
    ("户:4:H001", 3, "户:4:H001"),  # a cell written with a colon, not this file's number
    (None, 3, None),
])
def test_household_keys_name_the_moved_file(key: str | None, file_id: int,
                                            expected: str | None) -> None:
    records = pa.table({"file_id": pa.array([file_id], pa.int32()),
                        "household_key": pa.array([key], pa.string()),
                        "record_id": pa.array([1], pa.int64())})
    with duckdb.connect() as con:
        con.register("moved", records)
        [row] = con.sql(moved_records_sql(), params={"records": 100, "files": 10}).fetchall()
    assert row == (file_id + 10, expected, 101)


def test_another_semesters_extract_stops_the_run(extract: Path, tmp_path: Path) -> None:
    autumn = Semester.parse("2024-autumn")
    with pytest.raises(InputProblems) as caught:
        reconcile(extract, autumn, tmp_path / "out", db_path=None)
    message = str(caught.value)
    assert str(extract) in message
    assert "按2025年春季学期读取" in message and "本次对账的是2024年秋季学期" in message
    assert "aidmatch load --semester 2024-autumn" in message
    assert caught.value.exit_code == 3
    assert not (tmp_path / "out").exists()


def test_an_extract_read_with_other_rules_stops_the_run(extract: Path, tmp_path: Path) -> None:
    other = load_rules(mutated_rules(tmp_path / "rules", "sources.yaml", "# How aidmatch",
                                     "# (a copy) How aidmatch"))
    shipped = load_rules()
    assert other.fingerprint != shipped.fingerprint
    with pytest.raises(InputProblems) as caught:
        reconcile(extract, SPRING, tmp_path / "out", db_path=None, rules=other)
    message = str(caught.value)
    assert str(extract) in message and "另一套规则" in message
    assert shipped.fingerprint in message and other.fingerprint in message


def test_every_disagreeing_extract_is_named(extract: Path, tmp_path: Path) -> None:
    provinces = tmp_path / "provinces"
    shutil.copytree(extract, provinces / "陕西")
    shutil.copytree(extract, provinces / "甘肃")
    with pytest.raises(InputProblems) as caught:
        read_extracts(provinces, load_rules(), Semester.parse("2024-autumn"))
    assert [p.location.file for p in caught.value.problems] == [
        str(provinces / "甘肃"), str(provinces / "陕西")]


def test_extracts_and_exports_in_one_folder_stop_the_run(city: Path, extract: Path,
                                                         tmp_path: Path) -> None:
    mixed = tmp_path / "mixed"
    shutil.copytree(city, mixed)
    shutil.copytree(extract, mixed / "商洛")
    with pytest.raises(InputError, match=r"既有提取结果.*又有其他文件或文件夹") as caught:
        reconcile(mixed, SPRING, tmp_path / "out", db_path=None)
    assert str(mixed) in str(caught.value) and "商洛" in str(caught.value)


def test_source_overrides_do_not_apply_to_extracts(extract: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--source"):
        reconcile(extract, SPRING, tmp_path / "out", db_path=None,
                  overrides={"a.xlsx": "registry"})


def test_a_failed_load_leaves_no_half_written_extract(city: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The manifest is written after the tables; a failure on the way leaves nothing in --out,
    and an extract already there stays whole."""
    written: list[str] = []

    def failing(table: pa.Table, path: Path) -> None:
        written.append(path.name)
        if path.name == "family.parquet":
            raise OSError(28, "No space left on device")
        original(table, path)

    original = extracts._write_table
    monkeypatch.setattr(extracts, "_write_table", failing)
    with pytest.raises(OSError):
        load(city, SPRING, tmp_path / "new" / "extract")
    assert written == ["records.parquet", "family.parquet"]
    assert list(tmp_path.iterdir()) == []  # no extract, no staging folder, no parent made

    monkeypatch.setattr(extracts, "_write_table", original)
    load(city, SPRING, tmp_path / "extract")
    before = {p.name: p.read_bytes() for p in (tmp_path / "extract").iterdir()}
    monkeypatch.setattr(extracts, "_write_table", failing)
    with pytest.raises(OSError):
        load(city, SPRING, tmp_path / "extract")
    assert {p.name: p.read_bytes() for p in (tmp_path / "extract").iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["extract"]


def test_load_will_not_replace_a_folder_that_is_not_an_extract(city: Path, tmp_path: Path
                                                               ) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "说明.txt").write_text("我的文件", encoding="utf-8")
    with pytest.raises(UsageError, match="不是 aidmatch load 生成的提取结果"):
        load(city, SPRING, tmp_path / "notes")
    assert (tmp_path / "notes" / "说明.txt").read_text(encoding="utf-8") == "我的文件"
    with pytest.raises(UsageError, match="不能在输入目录之内"):
        load(city, SPRING, city / "extract")


def test_an_extract_keeps_what_keep_going_skipped(city: Path, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    shutil.copytree(city, exports)
    (exports / "坏文件.xlsx").write_bytes(b"not a workbook")
    loaded = load(exports, SPRING, tmp_path / "extract", keep_going=True)
    assert len(loaded.skipped) == 1
    result = reconcile(tmp_path / "extract", SPRING, tmp_path / "out", db_path=None,
                       keep_going=True)
    assert result.summary.incomplete
    assert [str(p) for p in loaded.skipped] == result.summary.skipped
    assert (tmp_path / "out" / "不完整-gaps.csv").is_file()


def test_a_half_of_the_city_alone_lacks_systems(city: Path, tmp_path: Path) -> None:
    """Loading half a city is fine; reconciling it alone is not (no registry or no payments)."""
    first, second = _halves(city, tmp_path / "exports")
    load(first, SPRING, tmp_path / "甲")
    load(second, SPRING, tmp_path / "乙")
    lacking = [folder for folder in (tmp_path / "甲", tmp_path / "乙")
               if not {"registry", "aid"} <= _kinds(folder)]
    assert lacking
    with pytest.raises(InputProblems, match="没有找到"):
        reconcile(lacking[0], SPRING, tmp_path / "out", db_path=None)


def test_cli_load_then_reconcile(city: Path, tmp_path: Path, rules: Rules) -> None:
    runner = CliRunner()
    result = runner.invoke(cli.main, ["-q", "load", "--input", str(city), "--out",
                                      str(tmp_path / "provinces" / "商洛"),
                                      "--semester", "2025-spring"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli.main, ["load", "--help"])
    assert "提取" in result.output and "--semester" in result.output
    result = runner.invoke(cli.main, ["reconcile", "--input", str(tmp_path / "provinces"),
                                      "--semester", "2024-autumn", "--out", str(tmp_path / "out"),
                                      "--db", str(tmp_path / "a.duckdb")])
    assert result.exit_code == 3
    assert "商洛" in result.output and "本次对账的是2024年秋季学期" in result.output
    result = runner.invoke(cli.main, ["-q", "reconcile", "--input", str(tmp_path / "provinces"),
                                      "--semester", "2025-spring", "--out",
                                      str(tmp_path / "out"), "--db", str(tmp_path / "a.duckdb")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "gaps.csv").is_file()
