"""Loading a folder of exports: find the files, recognise each sheet, extract canonical records.

Problems are collected over all files and reported together, so a clerk fixes every broken or
unrecognised file in one go; nothing is skipped silently (a skipped roster would mean children
silently missed). Sheets that hold no people (a 说明 sheet, an empty sheet) are skipped with a note.
"""

from __future__ import annotations

import hashlib
import io
import logging
import multiprocessing
import os
import re
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from aidmatch.config import Rules
from aidmatch.errors import AidmatchError, InputError, InputProblems, raise_if_any
from aidmatch.measure import peak_rss as process_peak_rss
from aidmatch.normalize.ids import compact
from aidmatch.semester import Semester
from aidmatch.sources import systems
from aidmatch.sources.archives import ZIP_SUFFIXES, ZipMember, list_members
from aidmatch.sources.base import FAMILY_SCHEMA, RECORD_SCHEMA, FinishContext
from aidmatch.sources.duplicates import LoadedSheet, drop_duplicates, payment_keys
from aidmatch.sources.extract import Extract, Reject, RowExtractor
from aidmatch.sources.layout import (
    HEADER_SEARCH_ROWS,
    HeaderMapper,
    Layout,
    NearMiss,
    detect_layouts,
    looks_like_people,
    near_miss,
)
from aidmatch.sources.reading import (
    ARCHIVE_SUFFIXES,
    DECLARED_TEXT_TABLES,
    TABLE_SUFFIXES,
    Sheet,
    paused_gc,
    read_table_file,
)

log = logging.getLogger(__name__)


# The loaded tables: every record with its run-wide id; family rows with their student's.
LOADED_RECORD_SCHEMA = RECORD_SCHEMA.append(pa.field("record_id", pa.int64()))
LOADED_FAMILY_SCHEMA = pa.schema([pa.field("student_record_id", pa.int64()),
                                  *list(FAMILY_SCHEMA)[1:]])


@dataclass
class SheetReport:
    file_id: int
    file: str
    sheet: str
    kind: str | None
    header_row: int | None  # 1-based
    total_rows: int
    header_rows: int = 0
    data_rows: int = 0
    records: int = 0
    rejected_rows: int = 0
    record_rows: int = 0  # data rows that gave at least one record
    evidence: str = ""
    columns: str = ""
    unused_columns: str = ""  # headers no rule recognised: a new synonym may be needed
    note: str = ""


@dataclass
class InputFile:
    file_id: int
    path: Path
    label: str
    sha256: str
    size: int
    kind_override: str | None = None
    sheets: list[SheetReport] = field(default_factory=list)
    # A member of a zip archive: ``path`` is then the archive's path joined with the member's
    # name (for its name and suffix), and its bytes are read from the archive.
    member: ZipMember | None = None


@dataclass
class LoadResult:
    files: list[InputFile]
    records: pa.Table  # RECORD_SCHEMA plus record_id
    family: pa.Table  # FAMILY_SCHEMA with student_record_id instead of record_index
    rejects: list[Reject]
    notes: list[str]
    # Problems passed over with keep_going: every file or sheet here was NOT read.
    skipped: list[AidmatchError] = field(default_factory=list)
    # Files read in worker processes: their CPU time and the largest worker's peak memory
    # (the operating system counts neither as this process's).
    worker_cpu_seconds: float = 0.0
    worker_peak_rss: int = 0
    workers: int = 0  # worker processes that read files

    @property
    def sheets(self) -> list[SheetReport]:
        return [s for f in self.files for s in f.sheets]


Found = tuple[Path, str | None, ZipMember | None]


def discover(input_dir: Path, overrides: Mapping[str, str]
             ) -> tuple[list[Found], list[str], list[AidmatchError]]:
    """The table files to read (with a forced source kind where given, and for a member of a zip
    archive where its bytes are), notes on the files that are not tables, and problems: a zip is
    read as a folder named after it (:mod:`aidmatch.sources.archives`), any other archive may
    hold rosters, so it must be unpacked first; an entry that cannot be looked into (a folder
    without permission, a link to nothing, a named pipe) may hide one, so it is never passed
    over in silence."""
    notes: list[str] = []
    problems: list[AidmatchError] = []
    forced: dict[Path, str] = {}
    for path_text, kind in overrides.items():
        path = Path(path_text)
        if not path.is_absolute() and not path.exists():
            path = input_dir / path
        forced[path.resolve()] = kind
    found: list[Found] = []
    seen: set[Path] = set()
    entries = sorted(_walk(input_dir, problems), key=lambda p: str(p.relative_to(input_dir)))
    for path in entries:
        relative = path.relative_to(input_dir)
        if path.name.startswith("~$"):
            notes.append(f"跳过 Excel 临时文件 {relative}（文件正被 Excel 打开）")
            continue
        if path.suffix.lower() in ZIP_SUFFIXES:
            listing = list_members(path, str(relative), TABLE_SUFFIXES, ARCHIVE_SUFFIXES)
            notes.extend(listing.notes)
            problems.extend(listing.problems)
            for name, member in listing.members:
                inside = path / name
                found.append((inside, forced.get(inside.resolve()), member))
                seen.add(inside.resolve())
            continue
        if path.suffix.lower() in ARCHIVE_SUFFIXES:
            problems.append(InputError(
                "这是压缩文件，其中的名单不会被读取", file=str(relative),
                hint="先解压到输入目录，再删除或移走压缩文件。"))
            continue
        if path.suffix.lower() not in TABLE_SUFFIXES:
            notes.append(f"跳过非表格文件 {relative}（不是 .xlsx、.xls、.et、.csv、.txt 等表格）")
            continue
        resolved = path.resolve()
        found.append((path, forced.get(resolved), None))
        seen.add(resolved)
    for resolved, kind in forced.items():
        if resolved not in seen:
            found.append((resolved, kind, None))
    return found, notes, problems


def _walk(folder: Path, problems: list[AidmatchError], root: Path | None = None,
          visited: set[str] | None = None) -> Iterator[Path]:
    """Every regular file under ``folder`` (links followed, each folder once), hidden names
    (.git, .DS_Store) left out; whatever cannot be listed or is not a regular file becomes a
    problem naming it."""
    root = root or folder
    visited = visited if visited is not None else set()
    real = os.path.realpath(folder)
    if real in visited:
        return
    visited.add(real)
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError as exc:
        problems.append(InputError(
            f"无法打开这个文件夹（{exc.strerror or exc}），其中的名单不会被读取",
            file=str(folder.relative_to(root)) if folder != root else str(folder),
            hint="检查文件夹权限（或把其中的文件移到输入目录），再重新运行。"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        relative = str(path.relative_to(root))
        try:
            if entry.is_dir():
                yield from _walk(path, problems, root, visited)
            elif entry.is_file():
                yield path
            elif entry.is_symlink() and not path.exists():
                problems.append(InputError(
                    "这是一个快捷方式（符号链接），指向的文件不存在", file=relative,
                    hint="把它指向的原文件复制到输入目录，或删除这个快捷方式。"))
            else:
                problems.append(InputError(
                    "这不是普通文件（如命名管道、设备文件），无法作为名单读取", file=relative,
                    hint="把部门导出的文件本身复制到输入目录，再删除这个条目。"))
        except OSError as exc:
            problems.append(InputError(f"无法读取这个条目（{exc.strerror or exc}）", file=relative,
                                       hint="检查文件权限后重试。"))


def _label(path: Path, input_dir: Path) -> str:
    try:
        return str(path.resolve().relative_to(input_dir.resolve()))
    except ValueError:
        return str(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# Reading files in worker processes pays once the input is this large: starting a worker (a fresh
# interpreter importing aidmatch) costs about a second of CPU.
PARALLEL_FROM_BYTES = 32 * 2**20


@dataclass
class FileLoad:
    """One file read and extracted (in this process or a worker): its record, the tables and
    rejects of every recognised sheet in sheet order, and its problems."""

    input_file: InputFile | None  # None when the file could not be read
    sheets: list[tuple[SheetReport, LoadedSheet]] = field(default_factory=list)
    problems: list[AidmatchError] = field(default_factory=list)
    cpu_seconds: float = 0.0  # what reading it cost the process that read it
    peak_rss: int = 0  # that process's peak memory so far (bytes)
    in_worker: bool = False  # read in a worker process
    pid: int = 0  # the process that read it


def load_file(number: int, path: Path, label: str, kind_override: str | None, rules: Rules,
              semester: Semester, member: ZipMember | None = None) -> FileLoad:
    """Read one file (or member of a zip archive) and extract every sheet; problems are
    returned, not raised."""
    cpu = time.process_time()
    with paused_gc():
        loaded = _load_file(number, path, label, kind_override, rules, semester, member)
    loaded.cpu_seconds = time.process_time() - cpu
    loaded.peak_rss = process_peak_rss()
    loaded.pid = os.getpid()
    return loaded


def _load_file(number: int, path: Path, label: str, kind_override: str | None, rules: Rules,
               semester: Semester, member: ZipMember | None = None) -> FileLoad:
    try:
        data = member.read(label) if member is not None else None
        sheets = read_table_file(path, label, data)
    except AidmatchError as exc:
        return FileLoad(None, problems=[exc])
    mapper = HeaderMapper(rules.sources)
    context = FinishContext(rules, semester)
    # A member's hash is its content's, as a loose file's: the same roster loose and zipped is
    # one roster (duplicates.py).
    if data is None:
        input_file = InputFile(number, path, label, _sha256(path), path.stat().st_size,
                               kind_override)
    else:
        input_file = InputFile(number, path, label, hashlib.sha256(data).hexdigest(), len(data),
                               kind_override, member=member)
    loaded = FileLoad(input_file)
    for sheet in sheets:
        report, extract_tables, sheet_rejects, problem = _load_sheet(
            sheet, input_file, rules, mapper, context, kind_override)
        input_file.sheets.append(report)
        if problem is not None:
            loaded.problems.append(problem)
        elif extract_tables is not None and report.kind is not None:
            records, family, keys = extract_tables
            loaded.sheets.append((report, LoadedSheet(
                input_file.file_id, label, input_file.sha256, sheet.name, report.kind, records,
                family, sheet_rejects, keys)))
    # A spreadsheet or CSV that gave nothing is an error (a roster skipped is children missed);
    # a .txt that holds no roster (说明.txt) is only noted.
    not_a_table = bool(input_file.sheets) and all(
        report.note.startswith(_NOT_A_TABLE) for report in input_file.sheets)
    if not loaded.sheets and not loaded.problems and not not_a_table:
        loaded.problems.append(_unrecognised(label, "", rules))
    elif loaded.sheets and not loaded.problems and not any(
            s.records for s in input_file.sheets if s.kind):
        rejects = [r for _, sheet in loaded.sheets for r in sheet.rejects]
        loaded.problems.append(_nothing_read(input_file, rejects, data))
        # Nothing of it is used (with --keep-going the file is left out, not counted as empty).
        loaded.sheets = []
        for report in input_file.sheets:
            report.kind = None
    return loaded


def _worker_context() -> multiprocessing.context.BaseContext:
    """Never a fork of this process (it may have threads running): workers fork from a server
    that has imported the loader once (Linux, macOS), or start afresh (Windows)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


Job = tuple[int, Path, str, str | None, ZipMember | None]


def _job_size(job: Job) -> int:
    """The bytes a job reads (a zip member's unpacked size)."""
    _, path, _, _, member = job
    if member is not None:
        return member.size
    return path.stat().st_size if path.is_file() else 0


def _load_files(jobs: list[Job], rules: Rules, semester: Semester,
                workers: int, progress: Callable[[str, int, int], None] | None
                ) -> Iterator[FileLoad]:
    """Every file loaded, in order; in ``workers`` processes when there is enough to read."""
    total = len(jobs)
    size = sum(map(_job_size, jobs))
    if workers <= 1 or total < 2 or size < PARALLEL_FROM_BYTES:
        for number, path, label, kind, member in jobs:
            if progress:
                progress(label, number, total)
            yield load_file(number, path, label, kind, rules, semester, member)
        return
    # Largest files first, so the last file to finish is a small one; results still come back
    # in file order, so record ids do not depend on the number of workers. A zip member is read
    # by its worker straight from the archive.
    by_size = sorted(jobs, key=lambda job: -_job_size(job))
    with ProcessPoolExecutor(max_workers=min(workers, total), mp_context=_worker_context()
                             ) as pool:
        futures: dict[int, Future[FileLoad]] = {
            number: pool.submit(load_file, number, path, label, kind, rules, semester, member)
            for number, path, label, kind, member in by_size}
        for number, _path, label, _kind, _member in jobs:
            if progress:
                progress(label, number, total)
            loaded = futures[number].result()
            loaded.in_worker = True
            yield loaded


def load_inputs(
    input_dir: Path,
    rules: Rules,
    semester: Semester,
    overrides: Mapping[str, str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    keep_going: bool = False,
    workers: int | None = None,
    require_systems: bool = False,
) -> LoadResult:
    """Read every export in ``input_dir``; raise :class:`InputProblems` listing every bad file.

    With ``keep_going`` the bad files and sheets are left out instead and listed in
    :attr:`LoadResult.skipped`; the caller must mark its results as incomplete. Large inputs are
    read in ``workers`` processes (default: one per core; 1 reads in this process). With
    ``require_systems`` (a reconciliation) a folder without a registry, without payments or
    without any roster is a problem too (:func:`missing_systems`).
    """
    overrides = dict(overrides or {})
    for kind in overrides.values():
        if kind not in rules.sources.sources:
            raise InputError(f"--source 指定了未知的名单类型「{kind}」",
                             hint="可用：" + "、".join(rules.sources.sources))
    paths, notes, problems = discover(input_dir, overrides)
    if not paths and not problems:
        raise InputError("输入目录中没有 .xlsx、.xls 或 .csv 文件", file=str(input_dir))
    files: list[InputFile] = []
    sheets: list[tuple[SheetReport, LoadedSheet]] = []
    jobs: list[Job] = [(number, path, _label(path, input_dir), kind, member)
                       for number, (path, kind, member) in enumerate(paths, 1)]
    worker_cpu, worker_rss = 0.0, 0
    worker_pids: set[int] = set()
    for loaded in _load_files(jobs, rules, semester, workers or os.cpu_count() or 1, progress):
        if loaded.in_worker:
            worker_cpu += loaded.cpu_seconds
            worker_rss = max(worker_rss, loaded.peak_rss)
            worker_pids.add(loaded.pid)
        problems.extend(loaded.problems)
        if loaded.input_file is None:
            continue
        files.append(loaded.input_file)
        sheets.extend(loaded.sheets)
    if require_systems and (keep_going or not problems):
        problems.extend(missing_systems(input_dir, rules, {sheet.kind for _, sheet in sheets
                                                           if sheet.records.num_rows}))
    if not keep_going:
        raise_if_any(problems, "以下输入文件无法使用，请处理后重新运行", InputProblems)
    notes.extend(drop_duplicates([sheet for _, sheet in sheets]))
    record_tables: list[pa.Table] = []
    family_tables: list[pa.Table] = []
    rejects: list[Reject] = []
    offset = 0
    for report, sheet in sheets:
        if sheet.dropped_rows:
            report.records = sheet.records.num_rows
            report.record_rows -= sheet.dropped_rows
            report.rejected_rows += sheet.dropped_rows
        records = sheet.records.append_column(
            "record_id", pa.array(range(offset + 1, offset + 1 + sheet.records.num_rows),
                                  pa.int64()))
        family = sheet.family.set_column(
            0, "student_record_id",
            pc.add(sheet.family.column(0), pa.scalar(offset + 1, pa.int64())))
        offset += records.num_rows
        record_tables.append(records)
        family_tables.append(family)
        rejects.extend(sheet.rejects)
    records = (pa.concat_tables(record_tables) if record_tables
               else LOADED_RECORD_SCHEMA.empty_table())
    family = (pa.concat_tables(family_tables) if family_tables
              else LOADED_FAMILY_SCHEMA.empty_table())
    notes.extend(missing_source_notes(files, rules))
    return LoadResult(files, records, family, rejects, notes, problems,
                      worker_cpu_seconds=worker_cpu, worker_peak_rss=worker_rss,
                      workers=len(worker_pids))


def missing_source_notes(files: list[InputFile], rules: Rules) -> list[str]:
    """The summary's note for each roster (not optional) no file was recognised as; the last
    notes of a load, recomputed when loads are combined (:mod:`aidmatch.sources.extracts`)."""
    kinds_present = {s.kind for f in files for s in f.sheets if s.kind}
    return [f"注意：没有找到「{source.label}」（{source.system}）的文件，本次结果不含这部分数据"
            for kind, source in rules.sources.sources.items()
            if kind not in kinds_present and not source.optional]


_KEEP_GOING_HINT = ("如确实要在缺少这部分数据时运行，加 --keep-going：结果标为「不完整」，并替换数据库中"
                    "该学期已保存的结果。")


def missing_systems(input_dir: Path, rules: Rules, kinds: set[str]) -> list[InputError]:
    """The systems without which the answer is wrong, not merely partial: the registry (no
    students, so no gaps), the payments (every key-group student a gap) and the rosters as a
    whole (no key groups, so no gaps). One roster system missing (no 残联 file) leaves the others'
    students right; the summary warns of it."""
    sources = rules.sources.sources
    rosters = [s for kind, s in sources.items() if kind not in ("registry", "aid")]
    missing: list[InputError] = []
    if "registry" in sources and "registry" not in kinds:
        missing.append(InputError(
            f"没有找到「{sources['registry'].label}」（学籍系统的导出）：没有它就不知道哪些学生在读，"
            "漏助名单会是空的", file=str(input_dir),
            hint="把学籍系统导出的学生名单放入输入目录后重新运行。" + _KEEP_GOING_HINT))
    if "aid" in sources and "aid" not in kinds:
        missing.append(InputError(
            f"没有找到「{sources['aid'].label}」（资助系统的导出）：没有它，每个困难学生都会被列为漏助",
            file=str(input_dir),
            hint="把本学期的资助发放名单放入输入目录后重新运行；如本学期尚未发放，" + _KEEP_GOING_HINT))
    if rosters and not any(kind in kinds for kind in sources if kind not in ("registry", "aid")):
        systems_named = "、".join(dict.fromkeys(s.system for s in rosters if not s.optional))
        missing.append(InputError(
            f"没有找到任何困难群体名单（{systems_named}）：没有它们就找不到困难学生，漏助会是 0",
            file=str(input_dir),
            hint="把乡村振兴、民政、残联等部门提供的名单放入输入目录后重新运行。" + _KEEP_GOING_HINT))
    return missing


def _nothing_read(input_file: InputFile, rejects: list[Reject], data: bytes | None = None
                  ) -> InputError:
    """A file whose recognised sheets gave nobody: formulas saved without their values (every
    reader but Excel sees blanks), only a header (an export that went wrong; a roster with nobody
    on it is not something a department sends), or every row rejected (blank, naming nobody)."""
    sheet = next(s for s in input_file.sheets if s.kind)
    formulas = _formulas_without_values(input_file.path if data is None else data)
    if formulas:
        return InputError(
            f"没有读到任何人：工作簿中有 {formulas} 个公式单元格没有保存计算结果，读出来是空的",
            file=input_file.label, sheet=sheet.sheet or None, row=(sheet.header_row or 0) + 1,
            hint="用 Excel 或 WPS 打开该文件，确认能看到姓名和证件号后「另存为」.xlsx（公式会连同"
                 "计算结果一起保存），或把公式列复制后「选择性粘贴→数值」。")
    if not any(s.data_rows for s in input_file.sheets if s.kind):
        return InputError(
            "只有表头，没有数据行", file=input_file.label, sheet=sheet.sheet or None,
            row=sheet.header_row,
            hint="重新从系统导出该名单，确认导出完整；如本学期确实没有人，把该文件移出输入目录。")
    sheet = next(s for s in input_file.sheets if s.kind and s.data_rows)
    reasons = Counter(r.reason for r in rejects)
    counted = "、".join(f"{reason} {count} 行" for reason, count in reasons.most_common())
    first = min((r.row for r in rejects if r.sheet == sheet.sheet), default=None)
    return InputError(
        f"{sheet.data_rows} 个数据行全部被剔除，没有读到任何人（{counted}）",
        file=input_file.label, sheet=sheet.sheet or None, row=first,
        hint="用 Excel 或 WPS 打开该文件，确认能看到姓名和证件号（如是公式计算的，另存为 .xlsx 或"
             "「选择性粘贴→数值」）；如本学期确实没有人，把该文件移出输入目录。")


def _formulas_without_values(source: Path | bytes) -> int:
    """Formula cells saved without a cached value in an .xlsx (tools that write formulas but do
    not calculate them; every reader but Excel sees them empty). 0 for other formats."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source
                             ) as archive:
            names = [n for n in archive.namelist()
                     if n.startswith("xl/worksheets/") and n.endswith(".xml")]
            return sum(len(_FORMULA_WITHOUT_VALUE.findall(archive.read(n))) for n in names)
    except (OSError, zipfile.BadZipFile, KeyError):
        return 0


# <c r="B2"><f>…</f></c>, <c …><f …/><v/></c>: a formula and no value (or an empty one) after it.
_FORMULA_WITHOUT_VALUE = re.compile(
    rb"<c\b[^>]*>\s*(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>")


_NOT_A_TABLE = "不是表格"
# Fields whose column choice changes a decision; a second column for anything else is not worth a
# note in the summary.
_DECISIVE_FIELDS = frozenset({
    "name", "id_number", "student_no", "cert_no", "status", "boarding", "grade", "school",
    "amount", "programme", "school_year", "term", "pay_date", "household_id", "relation",
    "category", "security_status", "household_type", "monitor_type", "risk_eliminated",
    "policy_status", "end_date", "start_date", "head_id_number", "head_name",
})


def _unrecognised(label: str, sheet: str, rules: Rules) -> InputError:
    expected = "；".join(
        f"{s.label}（如含 " + "、".join(
            rules.sources.field_labels.get(f, f) for f in s.signature[:3]) + " 等列）"
        for s in rules.sources.sources.values()
    )
    return InputError(
        "无法识别这是哪个系统的名单：表头中没有找到可识别的列",
        file=label,
        sheet=sheet or None,
        hint=f"应为以下名单之一：{expected}。如表头写法特殊，可在 rules/sources.yaml 中添加同义词，"
        "或用 --source 类型=文件 指定。",
    )


def _missing_columns(label: str, sheet: str, near: NearMiss, rules: Rules) -> InputError:
    source = rules.sources.sources[near.kind]
    missing = "；".join("或".join(f"「{rules.sources.field_labels.get(f, f)}」" for f in options)
                       for options in near.missing)
    return InputError(
        f"看起来是「{source.label}」（{near.evidence}），但缺少必需的列：{missing}",
        file=label, sheet=sheet or None, row=near.header_row + 1,
        column=rules.sources.field_labels.get(near.missing[0][0], near.missing[0][0]),
        hint="检查表头是否被删除、合并或写错；列名写法特殊时，在 rules/sources.yaml 中添加同义词。")


def _conflicting_columns(sheet: Sheet, layout: Layout, rules: Rules, end: int | None = None
                         ) -> InputError | None:
    """Two columns that mean the same decisive field (two 身份证号 columns, a repeated 姓名 header)
    and disagree in some row: which one is right cannot be guessed."""
    for field_name, columns in layout.duplicate_fields:
        if field_name not in _DECISIVE_FIELDS:
            continue
        first, second = columns[0], columns[1]
        rows: list[int] = []
        for number, cells in sheet.iter_text_rows(layout.header_row + 1, end):
            a = compact(cells[first.index]) if first.index < len(cells) else ""
            b = compact(cells[second.index]) if second.index < len(cells) else ""
            if a and b and a != b:
                rows.append(number)
                if len(rows) == 3:
                    break
        if rows:
            label = rules.sources.field_labels.get(field_name, field_name)
            return InputError(
                f"列「{first.header}」（第 {first.index + 1} 列）与列「{second.header}」（第 "
                f"{second.index + 1} 列）都表示{label}，但第 " + "、".join(map(str, rows))
                + " 行中两列内容不同，无法确定以哪一列为准",
                file=sheet.file_label, sheet=sheet.name or None, row=rows[0],
                column=second.header,
                hint="核对后删除错误的一列，或把另一列改成能区分的列名（如「监护人身份证号」）。")
    return None


def _load_sheet(
    sheet: Sheet,
    input_file: InputFile,
    rules: Rules,
    mapper: HeaderMapper,
    context: FinishContext,
    kind_override: str | None,
) -> tuple[SheetReport, tuple[pa.Table, pa.Table, pa.Array | None] | None, list[Reject],
           AidmatchError | None]:
    report = SheetReport(input_file.file_id, input_file.label, sheet.name, None, None, len(sheet))
    if sheet.hidden and kind_override is None:
        report.note = "隐藏的工作表，已跳过（如需使用，请在 Excel 中取消隐藏）"
        return report, None, [], None
    head = sheet.head(HEADER_SEARCH_ROWS + 1)
    # A .txt is a table only when it holds a roster; a .csv or .tsv always claims to be one.
    loose_text = (not sheet.name and kind_override is None
                  and input_file.path.suffix.lower() not in DECLARED_TEXT_TABLES)
    if not any(cell.strip() for row in head for cell in row):
        if sheet.name or loose_text:
            report.note = "空白工作表，已跳过" if sheet.name else _NOT_A_TABLE + "（空白），已跳过"
            return report, None, [], None
        return report, None, [], InputError(
            "文件中没有内容（只有空行）", file=input_file.label,
            hint="重新从系统导出该名单；如不是名单，把它移出输入目录。")
    layouts = detect_layouts(head, sheet.name, input_file.path.name, rules.sources, mapper,
                             only_kind=kind_override)
    if not layouts:
        near = near_miss(head, sheet.name, input_file.path.name, rules.sources, mapper,
                         only_kind=kind_override)
        if near is not None:
            return report, None, [], _missing_columns(input_file.label, sheet.name, near, rules)
        if looks_like_people(head) or kind_override or (not sheet.name and not loose_text):
            return report, None, [], _unrecognised(input_file.label, sheet.name, rules)
        report.note = (_NOT_A_TABLE + "（不是可识别的名单，如一段说明文字），已跳过" if loose_text
                       else "不含人员名单（如填表说明），已跳过")
        return report, None, [], None
    best = layouts[0]
    rivals = [c for c in layouts[1:] if c.score == best.score and c.kind != best.kind
              and c.header_row == best.header_row]
    if rivals and kind_override is None:
        names = "、".join(rules.sources.sources[k].label for k in {best.kind, *(r.kind for r in rivals)})
        return report, None, [], InputError(
            f"无法确定是哪种名单（可能是：{names}）",
            file=input_file.label, sheet=sheet.name or None, row=best.header_row + 1,
            hint="用 --source 类型=文件 指定，例如 --source civil_assistance=低保.xlsx。")
    source = rules.sources.sources[best.kind]
    system = systems.system_for(source)
    extracts: list[Extract] = []
    rejects: list[Reject] = []
    layout: Layout | None = best
    titles: frozenset[str] | None = None
    while layout is not None:
        extract = RowExtractor(rules.sources, source, sheet, layout, input_file.file_id, mapper,
                               input_file.path.name, titles).run()
        problem = _table_problem(sheet, layout, extract, rules)
        if problem is not None:
            return report, None, [], problem
        extracts.append(extract)
        rejects.extend(extract.rejects)
        layout = extract.next_layout
        if layout is not None:
            labels = sheet.text_row(layout.header_row - 1) if layout.grouped else []
            titles = extract.titles | {cell.strip() for cell in labels if cell.strip()}
            # The rows of the next table's header (and its group labels) are no one's data.
            end = extract.header_rows + extract.data_rows
            rejects.extend(Reject(input_file.file_id, input_file.label, sheet.name, row,
                                  "另一张表的表头（其下各行按这一表头读取）")
                           for row in range(end + 1, layout.header_row + 2))
            report.note += (f"第 {layout.header_row + 1} 行起是另一张表（列的顺序不同），"
                            "按该行的表头读取；")
    built = [system.build(extract, context) for extract in extracts]
    records = pa.concat_tables([r for r, _ in built])
    family = _concat_family(built)
    report.kind = best.kind
    report.header_row = best.header_row + 1
    report.header_rows = extracts[0].header_rows
    report.data_rows = len(sheet) - extracts[0].header_rows
    report.records = records.num_rows
    report.rejected_rows = len({r.row for r in rejects})
    report.record_rows = len({row for extract in extracts for row in extract.rows})
    report.evidence = best.evidence
    report.columns = "、".join(
        f"{c.header}→{c.group + '·' if c.group else ''}{c.field}" for c in best.columns if c.field)
    report.unused_columns = "、".join(
        c.header for c in best.columns if not c.field and c.header.strip())
    if report.unused_columns:
        log.info("%s：未使用的列 %s", sheet.label, report.unused_columns)
    for field_name, columns in best.duplicate_fields:
        if field_name not in _DECISIVE_FIELDS:
            continue
        report.note += (f"列「{columns[0].header}」与「{columns[1].header}」都表示 {field_name}，"
                        f"使用前者；")
    if report.record_rows + report.rejected_rows != report.data_rows:
        raise AssertionError(f"row accounting broken for {sheet.label}")
    log.info("%s: %s，表头第 %d 行，%d 条记录，%d 行剔除", sheet.label, source.label,
             report.header_row, report.records, report.rejected_rows)
    keys = payment_keys(extracts, records) if best.kind == "aid" else None
    return report, (records, family, keys), sorted(rejects, key=lambda r: r.row), None


def _table_problem(sheet: Sheet, layout: Layout, extract: Extract, rules: Rules
                   ) -> AidmatchError | None:
    """What makes one table of a sheet unusable: a header of people that fits no layout of this
    source further down, a CSV row whose cells shifted, two columns for one field that disagree."""
    where = {"file": sheet.file_label, "sheet": sheet.name or None}
    if extract.foreign_header is not None:
        return InputError(
            f"第 {extract.foreign_header} 行又出现一行表头，但与第 {layout.header_row + 1} 行的表头"
            "不是同一种名单（列不同），无法确定其下各行每一列的含义",
            row=extract.foreign_header, **where,
            hint="把这一行起的表格移到单独的工作表或文件（保留它的表头），再重新运行。")
    if extract.overflow is not None:
        row, cells = extract.overflow
        return InputError(
            f"这一行比表头多出 {cells} 个有内容的单元格：很可能某个单元格里的英文逗号没有加引号"
            "（如金额写成 1,250），其后各列都错位了", row=row, **where,
            hint="用 Excel 打开该 CSV 核对这一行，改正后另存为 .xlsx 或「CSV UTF-8」再重新运行。")
    end = extract.header_rows + extract.data_rows
    return _conflicting_columns(sheet, layout, rules, end)


def _concat_family(built: list[tuple[pa.Table, pa.Table]]) -> pa.Table:
    """The family tables of a sheet's tables as one, each table's record indexes moved past the
    records of the tables before it."""
    if len(built) == 1:
        return built[0][1]
    parts: list[pa.Table] = []
    offset = 0
    for records, family in built:
        parts.append(family.set_column(0, "record_index", pc.add(
            family.column(0), pa.scalar(offset, pa.int64()))))
        offset += records.num_rows
    return pa.concat_tables(parts)
