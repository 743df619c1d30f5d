"""Zip archives in the input folder, read as folders named after the archive.

Departments often mail their rosters zipped. A ``.zip`` is looked into the way the folder walker
looks into a folder: every member that is a table is a file labelled ``低保.zip/低保.csv`` in every
message and note, read straight from the archive (nothing is unpacked to disk); folders,
``__MACOSX/`` and hidden names are passed over, ``~$`` lock files and members that are not
tables are noted. What cannot be read safely stops the run naming the archive and the member: a
member with a password, an archive inside the archive, a name that points outside the archive
(``../``), and an archive that would unpack to more than :data:`MAX_UNPACKED_BYTES` or a member
that unpacks to hundreds of times its packed size (a "zip bomb").

Member names are decoded as their writer meant them: UTF-8 when the archive says so (flag bit
11), else the bytes are tried as UTF-8 and then as GBK (Chinese Windows' own zip tools), and
kept as code page 437 (the format's default) when neither gives Chinese.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from aidmatch.errors import AidmatchError, InputError

ZIP_SUFFIXES = frozenset({".zip"})
# The most an archive's tables may unpack to together: far beyond a county's rosters (a 200,000-row
# CSV is about 40 MB), small enough that reading never exhausts memory.
MAX_UNPACKED_BYTES = 2 * 2**30
# A member unpacking to more than this many times its packed size (and to more than
# RATIO_FROM_BYTES) is refused: text tables pack about ten to one, a zip bomb a thousand to one.
MAX_RATIO = 200
RATIO_FROM_BYTES = 16 * 2**20

_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_UNPACK_HINT = "把压缩文件解压，把其中的名单文件放入输入目录，再把压缩文件移出输入目录。"


@dataclass(frozen=True)
class ZipMember:
    """Where a member's bytes are: the archive on disk and the name the archive stores it under
    (passed to worker processes, which read the member themselves)."""

    archive: Path
    entry: str  # ZipInfo.filename, as zipfile decoded it
    size: int  # unpacked size the archive declares

    def read(self, label: str) -> bytes:
        """The member's content; an :class:`InputError` naming ``label`` when it cannot be read
        or unpacks to more than it declared."""
        try:
            with zipfile.ZipFile(self.archive) as archive, archive.open(self.entry) as handle:
                data = handle.read(self.size + 1)
        except (OSError, zipfile.BadZipFile, KeyError, RuntimeError, NotImplementedError,
                EOFError, ValueError) as exc:
            raise InputError(f"无法从压缩文件中读出这个文件（{exc}）", file=label,
                             hint=_UNPACK_HINT) from None
        if len(data) > self.size:
            raise InputError("这个文件解压后比压缩文件中记录的大小更大，压缩文件可能已损坏或被篡改",
                             file=label, hint=_UNPACK_HINT)
        return data


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its writer meant it (see the module's docstring), with / between
    folders.

    >>> info = zipfile.ZipInfo("低保.csv".encode("gbk").decode("cp437"))
    >>> member_name(info)
    '低保.csv'
    >>> member_name(zipfile.ZipInfo("data/Report.csv"))
    'data/Report.csv'
    """
    name = info.filename
    if not info.flag_bits & _UTF8_FLAG:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            raw = b""
        if raw and not raw.isascii():
            for codec in ("utf-8", "gb18030"):
                try:
                    decoded = raw.decode(codec)
                except UnicodeDecodeError:
                    continue
                if any("\u4e00" <= ch <= "\u9fff" for ch in decoded):
                    name = decoded
                    break
    return name.replace("\\", "/")


def _escapes(name: str) -> bool:
    """Whether a member name points outside the archive's folder (../, /etc, C:)."""
    return (name.startswith("/") or bool(re.match(r"^[A-Za-z]:", name))
            or ".." in PurePosixPath(name).parts)


@dataclass
class ArchiveListing:
    members: list[tuple[str, ZipMember]]  # (name inside the archive, where to read it)
    notes: list[str]
    problems: list[AidmatchError]


def list_members(archive: Path, label: str, table_suffixes: frozenset[str],
                 archive_suffixes: frozenset[str]) -> ArchiveListing:
    """The table members of a zip archive to read (by name), notes on what is passed over, and
    the problems that stop the run, each naming ``label`` (the archive as the user sees it) and
    the member."""
    listing = ArchiveListing([], [], [])
    try:
        with zipfile.ZipFile(archive) as opened:
            infos = opened.infolist()
    except (OSError, zipfile.BadZipFile, EOFError, ValueError) as exc:
        listing.problems.append(InputError(
            f"压缩文件已损坏或不是 zip 格式，无法读取其中的名单（{exc}）", file=label,
            hint="重新向报送部门索取该压缩文件，或解压后把其中的名单放入输入目录。"))
        return listing
    tables: list[tuple[str, zipfile.ZipInfo]] = []
    for info in infos:
        name = member_name(info)
        shown = f"{label}/{name}"
        parts = PurePosixPath(name).parts
        if info.is_dir() or not parts:
            continue
        if parts[0] == "__MACOSX" or any(part.startswith(".") and part != ".." for part in parts):
            continue  # macOS metadata and hidden names, as in a folder
        if _escapes(name):
            listing.problems.append(InputError(
                f"压缩文件中的「{name}」指向压缩文件以外的位置（路径含 .. 或从根目录开始），不予读取",
                file=label, hint="向报送部门索取正常打包的压缩文件，或解压后把其中的名单放入输入目录。"))
            continue
        suffix = PurePosixPath(name).suffix.lower()
        if parts[-1].startswith("~$"):
            listing.notes.append(f"跳过 Excel 临时文件 {shown}（压缩时文件正被 Excel 打开）")
            continue
        if suffix in archive_suffixes:
            listing.problems.append(InputError(
                f"压缩文件中又有压缩文件「{name}」，其中的名单不会被读取", file=label,
                hint="把各层压缩文件都解压，把其中的名单放入输入目录，再把压缩文件移出输入目录。"))
            continue
        if suffix not in table_suffixes:
            listing.notes.append(f"跳过非表格文件 {shown}（不是 .xlsx、.xls、.et、.csv、.txt 等表格）")
            continue
        if info.flag_bits & _ENCRYPTED_FLAG:
            listing.problems.append(InputError(
                f"压缩文件中的「{name}」设置了密码，无法读取", file=label,
                hint="用解压软件输入密码解压，把其中的名单放入输入目录，再把压缩文件移出输入目录。"))
            continue
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(
                info.compress_size, 1):
            listing.problems.append(InputError(
                f"压缩文件中的「{name}」解压后有 {info.file_size / 2**20:,.0f} MB，是压缩后大小的 "
                f"{info.file_size // max(info.compress_size, 1):,} 倍，不像是名单（可能是「压缩炸弹」），"
                "不予解压", file=label, hint=_UNPACK_HINT))
            continue
        tables.append((name, info))
    total = sum(info.file_size for _, info in tables)
    if total > MAX_UNPACKED_BYTES:
        largest = max(tables, key=lambda item: item[1].file_size)[0]
        listing.problems.append(InputError(
            f"压缩文件中的表格解压后共 {total / 2**20:,.0f} MB，超过上限 "
            f"{MAX_UNPACKED_BYTES / 2**20:,.0f} MB（最大的是「{largest}」），不予解压", file=label,
            hint="解压后把其中的名单放入输入目录（大文件可按区县分批导出），再把压缩文件移出输入目录。"))
        return listing
    for name, info in sorted(tables, key=lambda item: item[0]):
        listing.members.append((name, ZipMember(archive, info.filename, info.file_size)))
    if not infos:
        listing.notes.append(f"压缩文件 {label} 是空的，没有可读取的文件")
    return listing
