"""Extracts: a load written to disk (``aidmatch load``) and read back in place of the exports.

At national scale each province reads its own exports once; the centre reconciles the
provinces' extracts together. An extract is a folder:

- ``records.parquet``: the loaded records (:data:`LOADED_RECORD_SCHEMA`),
- ``family.parquet``: the registry's family rows (:data:`LOADED_FAMILY_SCHEMA`),
- ``rejects.parquet``: every row rejected while reading, with its reason,
- ``aidmatch-extract.json``: the manifest, written last: the semester and the rules
  (fingerprint, version) it was read with, the aidmatch version, every file with its SHA-256 and
  its sheets' reports (the row accounting), the notes and what ``--keep-going`` skipped.

A reconciliation's input folder is then one extract, or a folder of extract folders (one per
province), combined in the order of their folder names: record ids, file ids and the household
keys that name their file are moved past those of the extracts before, and in a combined run
every file, sheet and note is named with its extract's folder (``陕西/学籍.xlsx``). Reconciling
one extract gives the very results reconciling its exports gives.

What is not done across extracts: a list handed over twice, or payment rows repeated, in two
provinces' extracts are not found to be one (:mod:`aidmatch.sources.duplicates` works within a
load).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from aidmatch import errors
from aidmatch.config import Rules
from aidmatch.errors import AidmatchError, InputError, InputProblems, UsageError, raise_if_any
from aidmatch.machine import owned_folder
from aidmatch.privacy import private_dir, private_file
from aidmatch.semester import Semester
from aidmatch.sources.archives import ZipMember
from aidmatch.sources.extract import Reject
from aidmatch.sources.loader import (
    LOADED_FAMILY_SCHEMA,
    LOADED_RECORD_SCHEMA,
    InputFile,
    LoadResult,
    SheetReport,
    missing_source_notes,
    missing_systems,
)
from aidmatch.store import aidmatch_version

log = logging.getLogger(__name__)

MANIFEST = "aidmatch-extract.json"
RECORDS = "records.parquet"
FAMILY = "family.parquet"
REJECTS = "rejects.parquet"
# Raised when the files or the manifest change shape; an older extract is then loaded again.
FORMAT = 1

REJECT_SCHEMA = pa.schema([("file_id", pa.int64()), ("file", pa.string()), ("sheet", pa.string()),
                           ("row", pa.int64()), ("reason", pa.string()), ("column", pa.string()),
                           ("detail", pa.string())])

_RELOAD_HINT = "用 aidmatch load 重新生成这个提取结果（--semester、--rules 与本次对账相同）。"


def is_extract(folder: Path) -> bool:
    """Whether ``folder`` holds an extract (its manifest). A folder that cannot be looked into
    holds none here; the loader reports it."""
    try:
        return (folder / MANIFEST).is_file()
    except OSError:
        return False


# ------------------------------------------------------------------------------------ writing
def write_extract(loaded: LoadResult, out_dir: Path, semester: Semester, rules: Rules,
                  input_dir: Path | None = None) -> Path:
    """Write ``loaded`` as an extract in ``out_dir``, all or nothing: the files are written in a
    private folder beside it and moved into place together, replacing an earlier extract there.
    ``out_dir`` must be missing, empty or an extract."""
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir())
                                                      and not is_extract(out_dir))):
        raise UsageError("输出文件夹已存在，其中不是 aidmatch load 生成的提取结果", file=str(out_dir),
                         hint="换一个不存在的或空的文件夹（已有的提取结果会被替换）。")
    parent = private_dir(out_dir.resolve().parent)
    with owned_folder(parent) as staging:
        new = private_dir(staging / "extract")
        _write_table(loaded.records, new / RECORDS)
        _write_table(loaded.family, new / FAMILY)
        _write_table(pa.Table.from_pylist([dataclasses.asdict(r) for r in loaded.rejects],
                                          REJECT_SCHEMA), new / REJECTS)
        manifest = _manifest(loaded, semester, rules, input_dir)
        (new / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                    encoding="utf-8")
        private_file(new / MANIFEST)
        if out_dir.exists():
            os.replace(out_dir, staging / "replaced")  # removed with the staging folder
        os.replace(new, out_dir)
    log.info("提取结果已写入 %s：%d 条记录", out_dir, loaded.records.num_rows)
    return out_dir


def _write_table(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd")
    private_file(path)


def _manifest(loaded: LoadResult, semester: Semester, rules: Rules, input_dir: Path | None
              ) -> dict[str, Any]:
    # The notes on missing rosters are the combined load's, made again when extracts are read.
    missing = set(missing_source_notes(loaded.files, rules))
    return {
        "format": FORMAT,
        "aidmatch": aidmatch_version(),
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "input": None if input_dir is None else str(input_dir),
        "semester": semester.code,
        "rules": {"fingerprint": rules.fingerprint, "version": rules.version},
        "records": loaded.records.num_rows,
        "family": loaded.family.num_rows,
        "rejects": len(loaded.rejects),
        "files": [_file_json(f) for f in loaded.files],
        "notes": [note for note in loaded.notes if note not in missing],
        "skipped": [_problem_json(problem) for problem in loaded.skipped],
    }


def _file_json(file: InputFile) -> dict[str, Any]:
    return {
        "file_id": file.file_id, "path": str(file.path), "label": file.label,
        "sha256": file.sha256, "size": file.size, "kind_override": file.kind_override,
        "member": None if file.member is None else {
            "archive": str(file.member.archive), "entry": file.member.entry,
            "size": file.member.size},
        "sheets": [dataclasses.asdict(sheet) for sheet in file.sheets],
    }


def _problem_json(problem: AidmatchError) -> dict[str, Any]:
    where = problem.location
    return {"kind": type(problem).__name__, "message": problem.message, "file": where.file,
            "sheet": where.sheet, "row": where.row, "column": where.column, "hint": problem.hint}


# ------------------------------------------------------------------------------------ reading
@dataclasses.dataclass(frozen=True)
class _Extract:
    folder: Path
    manifest: dict[str, Any]


def read_extracts(input_dir: Path, rules: Rules, semester: Semester, *,
                  keep_going: bool = False) -> LoadResult | None:
    """The load in ``input_dir`` when it is an extract or a folder of extracts (combined);
    ``None`` when it holds none (then it holds exports). Raise :class:`InputProblems` naming
    every extract read with another semester or other rules, and when the combined load lacks
    a system a reconciliation needs (with ``keep_going`` that is skipped instead, as for
    exports); :class:`InputError` when extracts and exports are mixed."""
    if is_extract(input_dir):
        folders = [input_dir]
    else:
        folders = _extract_folders(input_dir)
        if not folders:
            return None
    found: list[_Extract] = []
    problems: list[AidmatchError] = []
    for folder in folders:
        try:
            extract = _Extract(folder, _read_manifest(folder))
        except InputError as exc:
            problems.append(exc)
            continue
        problems.extend(_disagreements(extract, rules, semester))
        found.append(extract)
    raise_if_any(problems, "以下提取结果不能用于本次对账", InputProblems)
    named = len(found) > 1 or found[0].folder != input_dir
    loaded = _combine([_read(extract, named) for extract in found])
    loaded.notes.extend(missing_source_notes(loaded.files, rules))
    kinds = set(pc.unique(loaded.records.column("source")).to_pylist())
    missing = missing_systems(input_dir, rules, kinds)
    if not keep_going:
        raise_if_any(missing, "以下输入文件无法使用，请处理后重新运行", InputProblems)
    loaded.skipped.extend(missing)
    log.info("读入 %d 个提取结果：%d 条记录", len(found), loaded.records.num_rows)
    return loaded


def _extract_folders(input_dir: Path) -> list[Path]:
    """The extract folders directly in ``input_dir``, by name; an error if anything else is
    there beside them (hidden names, as ``.DS_Store``, are passed over as the loader does)."""
    try:
        entries = sorted((p for p in input_dir.iterdir() if not p.name.startswith(".")),
                         key=lambda p: p.name)
    except OSError:  # the loader says what cannot be read
        return []
    extracts = [p for p in entries if p.is_dir() and is_extract(p)]
    others = [p for p in entries if p not in extracts]
    if extracts and others:
        shown = "、".join(p.name for p in others[:5]) + ("等" if len(others) > 5 else "")
        raise InputError(
            f"输入目录中既有提取结果（aidmatch load 生成的文件夹，如「{extracts[0].name}」），"
            f"又有其他文件或文件夹（{shown}），无法确定要对账的是哪些",
            file=str(input_dir),
            hint="把原始导出文件用 aidmatch load 提取后放在一起，或把提取结果移到单独的文件夹；"
                 "两者不能混放。")
    return extracts


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"提取结果的说明文件 {MANIFEST} 无法读取（{exc}）", file=str(folder),
                         hint=_RELOAD_HINT) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        version = manifest.get("aidmatch", "未知") if isinstance(manifest, dict) else "未知"
        raise InputError(f"这个提取结果由另一版本的 aidmatch（{version}）生成，格式不同，无法读取",
                         file=str(folder), hint=_RELOAD_HINT)
    return manifest


def _disagreements(extract: _Extract, rules: Rules, semester: Semester) -> list[InputError]:
    """Where an extract was read otherwise than this run reads: another semester (payments
    counted for the wrong term), other rules (columns and categories read otherwise)."""
    manifest, folder = extract.manifest, str(extract.folder)
    found: list[InputError] = []
    if manifest["semester"] != semester.code:
        theirs = Semester.parse(manifest["semester"])
        found.append(InputError(
            f"这个提取结果是按{theirs.label}读取的，本次对账的是{semester.label}", file=folder,
            hint=f"用 aidmatch load --semester {semester.code} 重新提取，或对账时用 --semester "
                 f"{theirs.code}。"))
    made = manifest["rules"]
    if made["fingerprint"] != rules.fingerprint:
        found.append(InputError(
            f"这个提取结果是按另一套规则读取的（规则 {made['version']}，指纹 {made['fingerprint']}；"
            f"本次对账用规则 {rules.version}，指纹 {rules.fingerprint}）", file=folder,
            hint="用与本次对账相同的规则（--rules）重新 aidmatch load，或对账时改用提取时的规则。"))
    return found


def _read(extract: _Extract, named: bool) -> LoadResult:
    """One extract as the load it was; with ``named`` every file, sheet and note is named with
    the extract's folder."""
    folder, manifest = extract.folder, extract.manifest
    prefix = f"{folder.name}/" if named else ""
    records = _read_table(folder / RECORDS, LOADED_RECORD_SCHEMA, folder)
    family = _read_table(folder / FAMILY, LOADED_FAMILY_SCHEMA, folder)
    rejects = [Reject(**{**row, "file": prefix + row["file"]})
               for row in _read_table(folder / REJECTS, REJECT_SCHEMA, folder).to_pylist()]
    files = [_input_file(entry, prefix) for entry in manifest["files"]]
    notes = [f"{folder.name}：{note}" if named else note for note in manifest["notes"]]
    skipped = [_problem(entry, prefix) for entry in manifest["skipped"]]
    if named:
        records = records.set_column(records.schema.get_field_index("file"), "file",
                                     pc.binary_join_element_wise(prefix, records.column("file"),
                                                                 ""))
    return LoadResult(files, records, family, rejects, notes, skipped)


def _read_table(path: Path, schema: pa.Schema, folder: Path) -> pa.Table:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"提取结果中的 {path.name} 无法读取（{exc}）", file=str(folder),
                         hint=_RELOAD_HINT) from None
    if not table.schema.remove_metadata().equals(schema):
        raise InputError(f"提取结果中的 {path.name} 列与本版本 aidmatch 不同", file=str(folder),
                         hint=_RELOAD_HINT)
    return table


def _input_file(entry: dict[str, Any], prefix: str) -> InputFile:
    member = entry["member"]
    return InputFile(
        entry["file_id"], Path(entry["path"]), prefix + entry["label"], entry["sha256"],
        entry["size"], entry["kind_override"],
        [SheetReport(**{**sheet, "file": prefix + sheet["file"]}) for sheet in entry["sheets"]],
        None if member is None else ZipMember(Path(member["archive"]), member["entry"],
                                              member["size"]))


def _problem(entry: dict[str, Any], prefix: str) -> AidmatchError:
    """A problem ``--keep-going`` passed over, as it was raised (an input error if its kind is
    not known here)."""
    kind = getattr(errors, entry["kind"], None)
    if not (isinstance(kind, type) and issubclass(kind, AidmatchError)
            and not issubclass(kind, errors.ProblemList)):
        kind = InputError
    file = entry["file"]
    return kind(entry["message"], file=None if file is None else prefix + file,
                sheet=entry["sheet"], row=entry["row"], column=entry["column"],
                hint=entry["hint"])


# ---------------------------------------------------------------------------------- combining
def _combine(loads: list[LoadResult]) -> LoadResult:
    """The loads as one, in order: each one's record ids and file ids moved past the ones
    before it."""
    if len(loads) == 1:
        return loads[0]
    records: list[pa.Table] = []
    family: list[pa.Table] = []
    files: list[InputFile] = []
    rejects: list[Reject] = []
    notes: list[str] = []
    skipped: list[AidmatchError] = []
    record_offset = file_offset = 0
    with duckdb.connect(":memory:") as con:
        for load in loads:
            records.append(_moved_records(con, load.records, record_offset, file_offset))
            family.append(load.family.set_column(0, "student_record_id", pc.add(
                load.family.column(0), pa.scalar(record_offset, pa.int64()))))
            for file in load.files:
                files.append(dataclasses.replace(
                    file, file_id=file.file_id + file_offset,
                    sheets=[dataclasses.replace(s, file_id=s.file_id + file_offset)
                            for s in file.sheets]))
            rejects.extend(dataclasses.replace(r, file_id=r.file_id + file_offset)
                           for r in load.rejects)
            notes.extend(load.notes)
            skipped.extend(load.skipped)
            record_offset += load.records.num_rows
            file_offset += max((f.file_id for f in load.files), default=0)
    return LoadResult(files, pa.concat_tables(records), pa.concat_tables(family), rejects, notes,
                      skipped)


def moved_records_sql() -> str:
    """Records with ids moved by ``$records`` and file ids by ``$files``. A household key that
    names its file (``户:3:H001``, ``序:3:表:12``, ``3:表:12``: households are per file) names
    the moved file id, so households of two extracts' files never merge."""
    return r"""
    SELECT * REPLACE (
        CAST(file_id + $files AS INTEGER) AS file_id,
        CASE WHEN regexp_extract(household_key, '^(?:户:|序:)?(\d+):', 1)
                  = CAST(file_id AS VARCHAR)
             THEN regexp_extract(household_key, '^((?:户:|序:)?)\d+:', 1)
                  || CAST(file_id + $files AS VARCHAR) || ':'
                  || regexp_replace(household_key, '^(?:户:|序:)?\d+:', '')
             ELSE household_key END AS household_key,
        record_id + $records AS record_id)
    FROM moved
    """


def _moved_records(con: duckdb.DuckDBPyConnection, records: pa.Table, record_offset: int,
                   file_offset: int) -> pa.Table:
    if not record_offset and not file_offset:
        return records
    con.register("moved", records)
    try:
        moved = con.sql(moved_records_sql(), params={"records": record_offset,
                                                     "files": file_offset}).to_arrow_table()
    finally:
        con.unregister("moved")
    return moved.select(LOADED_RECORD_SCHEMA.names).cast(LOADED_RECORD_SCHEMA)


__all__ = ["MANIFEST", "is_extract", "read_extracts", "write_extract"]
