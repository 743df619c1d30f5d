"""The machine a run works on: folders it writes, the database file, disk space and memory.

Three jobs, so that a problem of the machine is never an internal error after minutes of work:

- **Check before reading** (:func:`check_writable`, :func:`check_database`): the output and
  database folders can be written, the database is not held by another program. What can be
  known before loading is reported before loading.
- **Say what failed** (:func:`machine_error`): a full disk, a read-only folder, a missing
  permission, a database locked by another run, a memory limit too small for a stage become a
  :class:`~aidmatch.errors.MachineError` in Chinese naming the folder or the limit, with exit
  code 5 — never DuckDB's English advice.
- **Leave nothing behind** (:func:`owned_folder`, :class:`Undo`): every private working folder
  (result staging, spill space, a purge's copy) carries a lock held while its run lives; a run
  killed with ``kill -9`` leaves the folder, and the next run that makes such a folder in the same
  place removes it. A run that fails after creating the database file or the output folder
  removes what it created.

>>> import errno
>>> print(machine_error(OSError(errno.ENOSPC, "No space left on device", "out/gaps.csv")))
磁盘空间已满，无法写入 out/gaps.csv
  处理办法：清理该磁盘，或用 --out、--db、--temp-dir 指向空间充足的磁盘后重新运行。
>>> machine_error(ValueError("not a machine problem")) is None
True
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import duckdb

from aidmatch.errors import MachineError
from aidmatch.privacy import DIR_MODE

log = logging.getLogger(__name__)

# Every private working folder aidmatch makes starts with one of these; a folder left by a
# killed run is recognised by the prefix and by its lock no longer being held.
STAGING_PREFIX = ".aidmatch-"
SPILL_PREFIX = "aidmatch-spill-"
_WORK_PREFIXES = (STAGING_PREFIX, SPILL_PREFIX)
OWNER_FILE = ".aidmatch-owner"
# A working folder without an owner file (made by an older aidmatch, or killed between creating
# the folder and its lock) is left alone until it is this old.
UNOWNED_GRACE_SECONDS = 3600.0

_FULL_DISK = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_NO_PERMISSION = (errno.EACCES, errno.EPERM)
_FULL_DISK_HINT = "清理该磁盘，或用 --out、--db、--temp-dir 指向空间充足的磁盘后重新运行。"


# ---------------------------------------------------------------------------------- reporting
def machine_error(exc: BaseException, *, memory_limit: str | None = None,
                  stage: str | None = None, spill_dir: Path | None = None) -> MachineError | None:
    """The :class:`MachineError` that ``exc`` means, or None when it is not a machine problem.

    ``memory_limit`` and ``stage`` name what ran out of memory; ``spill_dir`` is where DuckDB
    spills (a full disk there is named as such)."""
    if isinstance(exc, MachineError):
        return exc
    if isinstance(exc, OSError) and not isinstance(exc, duckdb.Error):
        return _os_error(exc)
    if isinstance(exc, duckdb.Error):
        return _duckdb_error(exc, memory_limit, stage, spill_dir)
    return None


def _os_error(exc: OSError) -> MachineError | None:
    where = exc.filename if exc.filename is not None else ""
    if exc.errno in _FULL_DISK:
        return MachineError(f"磁盘空间已满，无法写入 {where}".rstrip(), hint=_FULL_DISK_HINT)
    if exc.errno == errno.EROFS:
        return MachineError(f"{where} 所在的磁盘是只读的，无法写入".lstrip(),
                            hint="用 --out、--db 指向可以写入的文件夹。")
    if exc.errno in _NO_PERMISSION:
        return MachineError(f"没有写入 {where} 的权限".replace("  ", " "),
                            hint="用 --out、--db 指向自己有权写入的文件夹，或请管理员开放权限。")
    if exc.errno in (errno.ENOTDIR, errno.EEXIST) or isinstance(exc, NotADirectoryError):
        return MachineError(f"路径中有一个同名文件而不是文件夹：{where}",
                            hint="换一个 --out 或 --db 路径，或先移走那个文件。")
    if exc.errno == errno.EIO:
        return MachineError(f"读写磁盘出错：{where}",
                            hint="检查磁盘或 U 盘是否已拔出、损坏，然后重新运行。")
    return None


_QUOTED_PATH = re.compile(r'"([^"]+)"')
_LOCK_PID = re.compile(r"\(PID (\d+)\)")


def _duckdb_error(exc: duckdb.Error, memory_limit: str | None, stage: str | None,
                  spill_dir: Path | None) -> MachineError | None:
    text = str(exc)
    quoted = _QUOTED_PATH.search(text)
    where = quoted.group(1) if quoted else ""
    if "Could not set lock" in text or "Conflicting lock" in text:
        pid = _LOCK_PID.search(text)
        holder = f"（进程号 {pid.group(1)}）" if pid else ""
        return MachineError(f"数据库文件 {where} 正被另一个程序使用{holder}".replace("  ", " "),
                            hint="等另一次运行结束（或关闭打开它的程序）后重试，"
                                 "或用 --db 指定另一个数据库文件。")
    if "No space left on device" in text or "max_temp_directory_size" in text:
        if isinstance(exc, duckdb.OutOfMemoryException) or not where:
            where = str(spill_dir) if spill_dir is not None else "临时文件夹"
            return MachineError(f"临时文件夹 {where} 所在的磁盘空间已满（内存放不下的中间数据写在那里）",
                                hint="用 --temp-dir 指向空间充足的磁盘，或调高 --memory-limit。")
        return MachineError(f"磁盘空间已满，无法写入 {where}", hint=_FULL_DISK_HINT)
    if "Read-only file system" in text:
        return MachineError(f"{where} 所在的磁盘是只读的，无法写入".lstrip(),
                            hint="用 --out、--db 指向可以写入的文件夹。")
    if "Permission denied" in text:
        return MachineError(f"没有写入 {where} 的权限".replace("  ", " "),
                            hint="用 --out、--db 指向自己有权写入的文件夹，或请管理员开放权限。")
    if isinstance(exc, duckdb.OutOfMemoryException):
        limit = f"内存上限 {memory_limit} " if memory_limit else "可用内存"
        during = f"完成「{stage}」" if stage else "完成比对"
        return MachineError(f"{limit}不够{during}",
                            hint="调高 --memory-limit（例如 4GB），或不设它（默认用物理内存的四分之一）；"
                                 "--threads 1 也能减少所需内存。")
    return None


# --------------------------------------------------------------------------------- checking
def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor or ".")


def check_writable(folder: Path, what: str) -> None:
    """Raise :class:`MachineError` unless ``folder`` exists as a writable folder or can be
    created. Creates nothing: it writes and removes one empty file in the nearest existing
    folder."""
    existing = _nearest_existing(folder.resolve())
    if not existing.is_dir():
        raise MachineError(f"{what}路径中的 {existing} 是文件而不是文件夹",
                           hint="换一个路径，或先移走那个文件。")
    try:
        handle, name = tempfile.mkstemp(prefix=STAGING_PREFIX + "check-", dir=existing)
        os.close(handle)
        os.unlink(name)
    except OSError as exc:
        exc.filename = str(existing) if exc.filename is None else exc.filename
        found = _os_error(exc)
        if found is None:
            raise
        raise MachineError(f"{what}无法写入：{found.message}", hint=found.hint) from None


def check_database(db_path: Path) -> None:
    """The database's folder can be written and no other program holds the file."""
    check_writable(db_path.parent, "数据库文件夹")
    if not db_path.exists():
        return
    if not db_path.is_file():
        raise MachineError(f"数据库路径 {db_path} 不是文件", hint="用 --db 指定一个文件路径。")
    try:
        duckdb.connect(str(db_path)).close()
    except duckdb.Error as exc:
        found = machine_error(exc)
        if found is not None:
            raise found from None
        raise  # not a database file, a newer format …: the store reports it in Chinese


# ------------------------------------------------------------------- owned working folders
def _lock(handle: IO[str]) -> bool:
    """Take an exclusive lock on an open file without waiting; False if another holds it."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _abandoned(folder: Path) -> bool:
    """Whether ``folder``'s run is gone: its owner lock can be taken (or, without an owner
    file, it has not changed for an hour)."""
    owner = folder / OWNER_FILE
    try:
        if not owner.exists():
            return time.time() - folder.stat().st_mtime > UNOWNED_GRACE_SECONDS
        with owner.open("a", encoding="utf-8") as handle:
            return _lock(handle)  # closing the file releases the lock at once
    except OSError:
        return False


def _ours(path: Path) -> bool:
    getuid = getattr(os, "getuid", None)
    return getuid is None or path.stat().st_uid == getuid()


def remove_abandoned(parent: Path) -> list[Path]:
    """Remove the working folders in ``parent`` left by runs of this user that were killed;
    returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(_WORK_PREFIXES) or entry.name == OWNER_FILE:
            continue
        try:
            if entry.is_symlink() or not entry.is_dir() or not _ours(entry):
                continue
        except OSError:
            continue
        if _abandoned(entry):
            shutil.rmtree(entry, ignore_errors=True)
            if not entry.exists():
                removed.append(entry)
                log.info("已删除上次中断的运行留下的临时文件夹：%s", entry)
    return removed


@contextlib.contextmanager
def owned_folder(parent: Path, prefix: str = STAGING_PREFIX) -> Iterator[Path]:
    """A new private folder in ``parent`` (0700), locked as this run's while the block runs and
    removed when it ends. Folders of killed runs in ``parent`` are removed first."""
    remove_abandoned(parent)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    os.chmod(folder, DIR_MODE)
    handle = (folder / OWNER_FILE).open("w", encoding="utf-8")
    try:
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        _lock(handle)
        yield folder
    finally:
        handle.close()
        shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------------ undoing a failure
class Undo:
    """What a run is about to create (the output folder, the database file and their missing
    parent folders), so that a failed run can remove exactly that and nothing else."""

    def __init__(self, *folders: Path, files: tuple[Path, ...] = ()) -> None:
        self._folders = sorted({p for folder in folders
                                for p in (folder.resolve(), *folder.resolve().parents)
                                if not p.exists()}, key=lambda p: len(p.parts), reverse=True)
        self._files = [f.resolve() for f in files if not f.exists()]

    def __call__(self) -> None:
        for file in self._files:
            for leftover in (file, file.with_name(file.name + ".wal")):
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)
        for folder in self._folders:  # deepest first; only folders left empty
            with contextlib.suppress(OSError):
                folder.rmdir()
