"""When the machine fails (issue 12, section 3): what can be checked is checked before reading,
the rest is reported in Chinese as a machine problem (exit 5), a failed run leaves nothing new
behind, and working folders of a killed run are removed by the next run."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from aidmatch import machine
from aidmatch.cli import main
from aidmatch.errors import MachineError
from aidmatch.machine import (
    OWNER_FILE,
    SPILL_PREFIX,
    STAGING_PREFIX,
    check_database,
    check_writable,
    machine_error,
    owned_folder,
    remove_abandoned,
)
from aidmatch.outputs import lists
from aidmatch.pipeline import Resources, reconcile
from aidmatch.semester import Semester
from tests.conftest import write_mini_exports

SPRING = Semester.parse("2025-spring")


def _no_english(text: str) -> None:
    for word in ("Error", "Possible solutions", "duckdb.org", "SET ", "Traceback"):
        assert word not in text, text


@pytest.mark.parametrize(("exc", "expected"), [
    (OSError(errno.ENOSPC, "No space left on device", "/data/out/gaps.csv"),
     "磁盘空间已满，无法写入 /data/out/gaps.csv"),
    (OSError(errno.EROFS, "Read-only file system", "/media/cd/out"),
     "/media/cd/out 所在的磁盘是只读的，无法写入"),
    (PermissionError(errno.EACCES, "Permission denied", "/srv/out"), "没有写入 /srv/out 的权限"),
    (NotADirectoryError(errno.ENOTDIR, "Not a directory", "a.txt/out"),
     "路径中有一个同名文件而不是文件夹：a.txt/out"),
    (duckdb.IOException('IO Error: Could not set lock on file "/d/a.duckdb": Conflicting lock is '
                        "held in /usr/bin/python3 (PID 4321). See also https://duckdb.org/x"),
     "数据库文件 /d/a.duckdb 正被另一个程序使用（进程号 4321）"),
    (duckdb.OutOfMemoryException("Out of Memory Error: failed to offload data block of size "
                                 "64.0 KiB (0 bytes/36.0 KiB used).\nThis limit was set by the "
                                 "'max_temp_directory_size' setting."),
     "临时文件夹 /spill 所在的磁盘空间已满"),
    (duckdb.TransactionException('Failed to commit: Could not write file "/d/a.duckdb.wal": No '
                                 "space left on device"),
     "磁盘空间已满，无法写入 /d/a.duckdb.wal"),
    (duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 "
                                 "KiB (4.6 MiB/4.7 MiB used)\n\nPossible solutions:\n* Reducing"),
     "内存上限 64MB 不够完成「关联」"),
])
def test_machine_problems_are_named_in_chinese(exc: BaseException, expected: str) -> None:
    found = machine_error(exc, memory_limit="64MB", stage="关联", spill_dir=Path("/spill"))
    assert found is not None and found.exit_code == 5
    assert expected in str(found)
    assert "处理办法" in str(found)
    _no_english(str(found))


@pytest.mark.parametrize("exc", [ValueError("x"), KeyError("k"),
                                 OSError(errno.ENOENT, "No such file", "x"),
                                 duckdb.BinderException("Binder Error: column x")])
def test_other_errors_are_not_machine_problems(exc: BaseException) -> None:
    assert machine_error(exc) is None


def test_check_writable_creates_nothing(tmp_path: Path) -> None:
    check_writable(tmp_path / "new" / "deeper", "输出文件夹")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(MachineError, match="是文件而不是文件夹"):
        check_writable(tmp_path / "a-file" / "out", "输出文件夹")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="file permissions do not stop root")
def test_check_writable_read_only_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(MachineError, match="没有写入"):
            check_writable(locked / "out", "输出文件夹")
    finally:
        locked.chmod(0o700)


def _hold_database(db: Path) -> subprocess.Popen[str]:
    """Another program holding ``db`` open (DuckDB locks the file), until its stdin closes."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
         "sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    return holder


def test_a_locked_database_stops_the_run_before_reading(tmp_path: Path) -> None:
    exports = write_mini_exports(tmp_path / "exports")
    db = tmp_path / "a.duckdb"
    holder = _hold_database(db)
    try:
        with pytest.raises(MachineError, match="正被另一个程序使用") as raised:
            check_database(db)
        assert f"进程号 {holder.pid}" in str(raised.value)
        events: list[object] = []
        with pytest.raises(MachineError):
            reconcile(exports, SPRING, tmp_path / "out", db_path=db,
                      progress=lambda *e: events.append(e))
        assert events == []  # nothing was read
        assert not (tmp_path / "out").exists()
        result = CliRunner().invoke(main, ["reconcile", "--input", str(exports), "--semester",
                                           "2025-spring", "--out", str(tmp_path / "out"),
                                           "--db", str(db)])
        assert result.exit_code == 5
        assert "正被另一个程序使用" in result.output
        _no_english(result.output)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def _full_disk(*_args: object, **_kwargs: object) -> int:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_late_in_the_run_leaves_nothing_new(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    exports = write_mini_exports(tmp_path / "exports")
    monkeypatch.setattr(lists, "write_key_students", _full_disk)
    out, db = tmp_path / "new" / "out", tmp_path / "dbs" / "a.duckdb"
    with pytest.raises(MachineError, match="磁盘空间已满") as raised:
        reconcile(exports, SPRING, out, db_path=db)
    assert str(out) in str(raised.value)
    # neither the database nor any folder this run created is left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports"]


def test_a_full_disk_keeps_what_was_there(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    exports = write_mini_exports(tmp_path / "exports")
    out, db = tmp_path / "out", tmp_path / "a.duckdb"
    reconcile(exports, SPRING, out, db_path=db)
    before = sorted(p.name for p in out.iterdir())
    gaps = (out / "gaps.csv").read_bytes()
    monkeypatch.setattr(lists, "write_key_students", _full_disk)
    result = CliRunner().invoke(main, ["reconcile", "--input", str(exports), "--semester",
                                       "2025-spring", "--out", str(out), "--db", str(db)])
    assert result.exit_code == 5, result.output
    assert "磁盘空间已满" in result.output
    _no_english(result.output)
    assert sorted(p.name for p in out.iterdir()) == before
    assert (out / "gaps.csv").read_bytes() == gaps
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (1,)


def test_a_memory_limit_too_small_is_named(tmp_path: Path) -> None:
    exports = write_mini_exports(tmp_path / "exports")
    with pytest.raises(MachineError, match="内存上限 2MB 不够完成") as raised:
        reconcile(exports, SPRING, tmp_path / "out", db_path=tmp_path / "a.duckdb",
                  resources=Resources(memory_limit="2MB", temp_dir=tmp_path / "spill"))
    _no_english(str(raised.value))
    assert not (tmp_path / "out").exists() and not (tmp_path / "a.duckdb").exists()
    assert list((tmp_path / "spill").iterdir()) == []


def _abandoned_folder(parent: Path, name: str, owned: bool = True, age: float = 0.0) -> Path:
    folder = parent / name
    folder.mkdir(parents=True)
    (folder / "gaps.csv").write_text("personal data")
    if owned:
        (folder / OWNER_FILE).write_text("12345\n")
    if age:
        then = time.time() - age
        os.utime(folder, (then, then))
    return folder


def test_folders_of_killed_runs_are_removed_live_ones_kept(tmp_path: Path) -> None:
    dead = _abandoned_folder(tmp_path, STAGING_PREFIX + "dead")
    dead_spill = _abandoned_folder(tmp_path, SPILL_PREFIX + "dead")
    young = _abandoned_folder(tmp_path, STAGING_PREFIX + "young", owned=False)
    old = _abandoned_folder(tmp_path, STAGING_PREFIX + "old", owned=False,
                            age=machine.UNOWNED_GRACE_SECONDS + 60)
    other = _abandoned_folder(tmp_path, "results-2024")
    assert sorted(remove_abandoned(tmp_path)) == sorted([dead, dead_spill, old])
    assert young.exists() and other.exists()
    dead = _abandoned_folder(tmp_path, STAGING_PREFIX + "dead")
    with owned_folder(tmp_path) as live:  # a new working folder sweeps its parent first
        assert not dead.exists()
        (live / "gaps.csv").write_text("x")
        assert remove_abandoned(tmp_path) == []  # another run looking at the same folder
        assert live.is_dir() and (live / "gaps.csv").exists()
    assert not live.exists()
    assert young.exists() and other.exists()


@pytest.mark.skipif(os.name != "posix", reason="kill -9")
def test_a_killed_run_is_cleaned_up_by_the_next(tmp_path: Path) -> None:
    exports = write_mini_exports(tmp_path / "exports")
    out, spill_parent = tmp_path / "out", tmp_path / "tmp"
    args = ["reconcile", "--input", str(exports), "--semester", "2025-spring", "--out",
            str(out), "--db", str(tmp_path / "a.duckdb"), "--temp-dir", str(spill_parent)]
    victim = subprocess.Popen(
        [sys.executable, "-c", "import sys; from aidmatch.cli import main; main(sys.argv[1:])",
         "-q", *args])
    deadline = time.monotonic() + 120
    while not (out.is_dir() and any(p.name.startswith(STAGING_PREFIX) for p in out.iterdir())):
        assert victim.poll() is None, "the run ended before its staging folder appeared"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    left = [p.name for p in out.iterdir()] + [p.name for p in spill_parent.iterdir()]
    assert any(name.startswith(STAGING_PREFIX) for name in left)
    assert any(name.startswith(SPILL_PREFIX) for name in left)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert not [p for p in out.iterdir() if p.name.startswith(STAGING_PREFIX)]
    assert list(spill_parent.iterdir()) == []
    assert (out / "gaps.csv").exists()
