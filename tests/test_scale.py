"""Issue 6 at test size: progress reporting, DuckDB resources (memory limit, spill folder,
threads), the column-wise repeated-header check, and a smoke run of benchmarks/scale.py (no
timing is asserted: machines differ)."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from rich.console import Console

from aidmatch import cli, terminal
from aidmatch.config import Rules
from aidmatch.errors import UsageError
from aidmatch.pipeline import STAGE_LABELS, Resources, reconcile
from aidmatch.semester import Semester
from aidmatch.sources import load_inputs, loader
from aidmatch.synth import generate_city
from tests.builders import make_id, write_csv

SPRING = Semester.parse("2025-spring")
ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "scale.py"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scale-city")
    generate_city(folder, students=300, seed=5, semester=SPRING)
    return folder / "exports"


def _gaps(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sorted(csv.DictReader(handle), key=lambda row: sorted(row.items()))


def test_progress_hears_every_file_and_every_stage(city: Path, tmp_path: Path) -> None:
    events: list[tuple[str, str, int, int | None]] = []
    result = reconcile(city, SPRING, tmp_path / "out", db_path=tmp_path / "a.duckdb",
                       progress=lambda *event: events.append(event))
    files = [e for e in events if e[0] == STAGE_LABELS["load"]]
    total = files[0][3]
    assert total is not None and total > 1
    # One event before each file (done = files already read), then the finished count.
    assert [e[2] for e in files] == [*range(total), total]
    load = next(s for s in result.stages if s.name == "load")
    assert files[-1][1] == f"{load.rows} 条记录"
    stages_seen = list(dict.fromkeys(e[0] for e in events))
    assert stages_seen == [STAGE_LABELS[name] for name in
                           ("load", "stage", "link", "fuzzy", "decide", "findings", "outputs",
                            "store")]
    # Later stages count their steps from 1 in each stage, never naming them (the names are
    # the code's: household_links, blocking_4 …).
    link_steps = [e for e in events if e[0] == STAGE_LABELS["link"] and e[1]]
    assert link_steps and [e[2] for e in link_steps] == list(range(1, len(link_steps) + 1))
    assert [e[1] for e in link_steps] == [f"第 {n} 步" for n in range(1, len(link_steps) + 1)]
    step_names = {record.name for record in result.steps}
    assert not any(name in e[0] or name in e[1] for e in events for name in step_names
                   if e[0] != STAGE_LABELS["load"])


def test_stage_times_carry_rows_cpu_and_peak_memory(city: Path, tmp_path: Path) -> None:
    result = reconcile(city, SPRING, tmp_path / "out", db_path=None)
    by_name = {s.name: s for s in result.stages}
    assert by_name["load"].rows == by_name["stage"].rows > 300
    peaks = [s.peak_rss for s in result.stages]
    assert peaks == sorted(peaks) and peaks[0] > 0  # a running peak, in bytes
    assert all(s.cpu_seconds >= 0 for s in result.stages)


def test_small_memory_limit_and_one_thread_give_the_same_result(city: Path,
                                                                tmp_path: Path) -> None:
    plain = reconcile(city, SPRING, tmp_path / "plain", db_path=None)
    spill = tmp_path / "spill"
    limited = reconcile(city, SPRING, tmp_path / "limited", db_path=None,
                        resources=Resources(memory_limit="64MB", temp_dir=spill, threads=1))
    assert limited.gaps == plain.gaps
    assert _gaps(tmp_path / "limited" / "gaps.csv") == _gaps(tmp_path / "plain" / "gaps.csv")
    # The run's private spill folder is removed; the folder the user named stays.
    assert spill.is_dir() and list(spill.iterdir()) == []


def test_bad_memory_limit_is_reported_before_reading(city: Path, tmp_path: Path) -> None:
    events: list[object] = []
    with pytest.raises(UsageError, match="内存上限"):
        reconcile(city, SPRING, tmp_path / "out", db_path=None, progress=lambda *e: events.append(e),
                  resources=Resources(memory_limit="lots"))
    assert events == []


def test_cli_plain_progress_lines_and_quiet(city: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["reconcile", "--input", str(city), "--semester", "2025-spring",
            "--out", str(tmp_path / "out"), "--db", str(tmp_path / "a.duckdb"),
            "--memory-limit", "1GB", "--threads", "1", "--temp-dir", str(tmp_path / "tmp")]
    shown = runner.invoke(cli.main, args)
    assert shown.exit_code == 0, shown.output
    lines = shown.stderr.splitlines()
    assert lines[0].startswith("读取文件 1/")
    assert any(line.startswith("读取文件完成：") for line in lines)
    for label in ("与学籍比对", "判定漏助", "写出结果", "保存到数据库"):
        assert f"{label} …" in lines
    # The end reports every finding's count, and a table holds whole file names.
    assert "核查结果：漏助 " in shown.stdout and "身份信息有误 " in shown.stdout
    assert not any(line.rstrip("│ ").endswith("…") for line in shown.stdout.splitlines())
    quiet = runner.invoke(cli.main, ["-q", *args])
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == ""


def test_cli_progress_bars_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(terminal, "stderr", Console(file=screen, force_terminal=True, width=100))
    with terminal.run_progress(True) as progress:
        assert progress is not None
        progress("读取文件", "学籍.xlsx", 0, 2)
        progress("读取文件", "资助.xlsx", 1, 2)
        progress("读取文件", "900 条记录", 2, 2)
        progress("关联", "", 0, None)
        progress("关联", "links：12 行", 1, None)
        progress("判定", "", 0, None)  # a stage without steps
        progress("输出", "低保[new] 611023 20110210 2535.csv", 0, None)
    text = screen.getvalue()
    assert "读取文件" in text and "关联" in text and "links：12 行" in text
    assert "低保[new] 6110**********2535.csv" in text
    assert "0/0" not in text  # a stage over is shown done, never as 0/0


@pytest.mark.parametrize("repeated", [
    ["姓名", "身份证号", "与户主关系"],               # copied header
    ["姓 名", "身份证号（必填）", "与户主关系"],      # spaced, with a note
    ["姓名", "\u2f9d份证号", "与户主关系"],        # a Kangxi radical: same after NFKC
])
def test_repeated_header_rows_are_rejected_however_written(
        tmp_path: Path, rules: Rules, repeated: list[str]) -> None:
    header = ["姓名", "身份证号", "与户主关系"]
    head = make_id("611022", "19800101", "111")
    rows = [["商洛市低保保障对象名单"], header, ["王大", head, "户主"], repeated,
            ["王芳", make_id("611022", "20120304", "124"), "之女"]]
    write_csv(tmp_path / "低保.csv", rows)
    loaded = load_inputs(tmp_path, rules, SPRING, {"低保.csv": "civil_assistance"})
    assert loaded.records.column("row").to_pylist() == [3, 5]
    assert [(r.row, r.reason) for r in loaded.rejects] == [(4, "重复的表头行")]


def test_a_person_named_like_a_header_is_not_rejected(tmp_path: Path, rules: Rules) -> None:
    # Every character of a label in a data cell makes a row a candidate; the exact check decides.
    rows = [["姓名", "身份证号", "与户主关系"],
            ["姓名", make_id("611022", "19800101", "111"), "户主"]]
    write_csv(tmp_path / "低保.csv", rows)
    loaded = load_inputs(tmp_path, rules, SPRING, {"低保.csv": "civil_assistance"})
    assert loaded.records.column("row").to_pylist() == [2]


def test_scale_benchmark_smoke(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--data", str(tmp_path), "--sizes", "150",
                           "200", "--csv-from", "200", "--json"],
                          check=True, capture_output=True, text=True)
    excel, csv_city = json.loads(done.stdout)
    assert (excel["format"], csv_city["format"]) == ("excel", "csv")
    assert {p.suffix for p in (tmp_path / "realistic-200-seed1-csv" / "exports").rglob("*.*")
            } == {".csv"}
    for row in (excel, csv_city):
        stages = [s["name"] for s in row["run"]["stages"]]
        assert stages == ["rules", "load", "stage", "link", "fuzzy", "decide", "findings", "outputs",
                          "store"]
        assert row["floor"]["files"] > 1 and row["floor"]["rows"] > row["run"]["input_rows"] > 0
        assert row["run"]["peak_rss"] > 0 and row["ratio"] > 0 and row["us_per_row"] > 0
    bench = _script_module()
    table = bench.report(excel)
    assert "floor (read only)" in table and "\nload " in table
    assert bench.scaling([excel, csv_city]).startswith("per-row cost at 200 students")
    summary = bench.targets([excel, csv_city], None)
    assert "run / floor" in summary and "per-row cost" in summary and "everything the run starts" in summary
    # Cities are cached: asking again does not generate again.
    marker = tmp_path / "realistic-150-seed1-excel" / "complete"
    before = marker.stat().st_mtime_ns
    assert bench.dataset(tmp_path, 150, 1, "realistic") == marker.parent / "exports"
    assert marker.stat().st_mtime_ns == before


def _script_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scale_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reading_in_worker_processes_gives_the_same_load(
        city: Path, tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "exports"
    shutil.copytree(city, folder)
    (folder / "空文件.xlsx").write_bytes(b"")  # a problem raised in a worker comes back as one
    sequential = load_inputs(folder, rules, SPRING, keep_going=True, workers=1)
    monkeypatch.setattr(loader, "PARALLEL_FROM_BYTES", 0)
    labels: list[tuple[str, int, int]] = []
    parallel = load_inputs(folder, rules, SPRING, keep_going=True, workers=2,
                           progress=lambda *event: labels.append(event))
    assert parallel.records.equals(sequential.records)
    assert parallel.family.equals(sequential.family)
    assert parallel.rejects == sequential.rejects
    assert [str(p) for p in parallel.skipped] == [str(p) for p in sequential.skipped] != []
    assert [(f.file_id, f.label, f.sha256, f.sheets) for f in parallel.files] == [
        (f.file_id, f.label, f.sha256, f.sheets) for f in sequential.files]
    assert [number for _, number, _ in labels] == list(range(1, len(labels) + 1))
