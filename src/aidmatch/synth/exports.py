"""What every export writer shares: file naming, styles, workbooks with several tables, splits."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from aidmatch.synth.city import City
from aidmatch.synth.damage import Damager
from aidmatch.synth.datafiles import data_lines
from aidmatch.synth.layouts import FileStyle, choose_style, header
from aidmatch.synth.profiles import Profile
from aidmatch.synth.truth import RecordLog
from aidmatch.synth.writers import (
    BookOut,
    DataRow,
    SheetOut,
    Table,
    TableTarget,
    emit_table,
    write_instructions,
    write_summary,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# Systems export at most about a million rows per file (Excel's sheet limit is 1,048,576), so a
# larger export always comes split.
EXPORT_MAX_ROWS = 1_000_000

INSTRUCTIONS = (
    "填表说明：",
    "1. 身份证号请填写18位居民身份证号码，末位为X的请大写。",
    "2. 本表数据由系统导出，请勿修改表头。",
    "3. 如有疑问请联系县（区）学生资助管理中心。",
)


@dataclass
class SheetJob:
    """One table of a file: its sheet name, layout and (lazily built) rows."""

    sheet_name: str
    table: Table
    rows: Callable[[], Iterable[DataRow]]
    counts: Sequence[tuple[str, int]] = ()


@dataclass
class ExportContext:
    root: Path  # DIR/exports
    city: City
    profile: Profile
    excel: bool
    seed: int
    log: RecordLog
    # A country's province: its files go in root/<subfolder>/, with random draws of their own.
    subfolder: str = ""
    manifest_files: list[dict[str, Any]] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    findings: list[Any] = field(default_factory=list)
    _names: set[str] = field(default_factory=set)

    @property
    def city_name(self) -> str:
        """The city its files name (商洛市; a country's other provinces' cities)."""
        return self.city.geography.counties[0].city

    def rng(self, label: str) -> random.Random:
        """A generator of its own for each file or purpose, so files don't shift each other."""
        if self.subfolder:
            return random.Random(f"aidmatch-synth:{self.seed}:{self.subfolder}:{label}")
        return random.Random(f"aidmatch-synth:{self.seed}:{label}")

    def style(self, rng: random.Random, rows: int, *, wide_allowed: bool = False) -> FileStyle:
        return choose_style(rng, self.profile.layout, rows, self.excel, wide_allowed=wide_allowed)

    def damager(self, rng: random.Random, style: FileStyle, **options: Any) -> Damager:
        return Damager(rng, self.profile.damage, fmt=style.fmt, **options)

    def unique(self, folder: str, stem: str, extension: str) -> str:
        if self.subfolder:
            folder = f"{self.subfolder}/{folder}"
        candidate = f"{folder}/{stem}.{extension}"
        number = 2
        while candidate in self._names:
            candidate = f"{folder}/{stem}({number}).{extension}"
            number += 1
        self._names.add(candidate)
        return candidate

    def write_file(
        self,
        folder: str,
        stem: str,
        style: FileStyle,
        source: str,
        jobs: list[SheetJob],
        rng: random.Random,
        *,
        damager: Damager | None = None,
        notes: dict[str, Any] | None = None,
        part: str = "",
    ) -> None:
        """Write the jobs as one workbook, or as one CSV per table when the file is a CSV.

        ``part`` is the split label (a county, a programme, or a chunk such as 第2批); the file
        name always shows it.
        """
        if part and part not in stem:
            stem = f"{stem}（{part}）" if part.startswith("第") else f"{part}{stem}"
        if style.fmt == "csv":
            for job in jobs:
                name = stem if len(jobs) == 1 else f"{stem}_{job.sheet_name}"
                relpath = self.unique(folder, name, "csv")
                book = BookOut(self.root / relpath, "csv", style.encoding)
                sheet = book.sheet("")
                rows = emit_table(self._target(sheet, relpath, source, style, rng),
                                  job.table, job.rows())
                book.close()
                self._remember(relpath, style, source, [("", rows)], damager, notes)
            return
        relpath = self.unique(folder, stem, style.fmt)
        book = BookOut(self.root / relpath, style.fmt)
        if style.instructions:
            write_instructions(book, INSTRUCTIONS)
            if style.summary:
                counts: dict[str, int] = defaultdict(int)
                for job in jobs:
                    for county, count in job.counts:
                        counts[county] += count
                write_summary(book, f"{stem}汇总", sorted(counts.items()))
        written = []
        for job in jobs:
            sheet = book.sheet(job.sheet_name)
            rows = emit_table(self._target(sheet, relpath, source, style, rng),
                              job.table, job.rows())
            written.append((job.sheet_name, rows))
        book.close()
        self._remember(relpath, style, source, written, damager, notes)

    def _target(self, sheet: SheetOut, relpath: str, source: str, style: FileStyle,
                rng: random.Random) -> TableTarget:
        return TableTarget(sheet, relpath, source, self.log, style, rng, self.findings)

    def _remember(
        self,
        relpath: str,
        style: FileStyle,
        source: str,
        sheets: list[tuple[str, int]],
        damager: Damager | None,
        notes: dict[str, Any] | None,
    ) -> None:
        self.paths.append(self.root / relpath)
        entry: dict[str, Any] = {
            "file": relpath,
            "source": source,
            "sheets": [{"sheet": name, "data_rows": rows} for name, rows in sheets],
            "layout": style.describe(),
        }
        if damager is not None:
            entry["habits"] = damager.describe()
        if notes:
            entry.update(notes)
        self.manifest_files.append(entry)
        log.debug("写出 %s（%d 行）", relpath, sum(rows for _, rows in sheets))


def split_by_county(
    rng: random.Random, items: Sequence[T], county_of: Callable[[T], str], split_rate: float,
    chunk_rows: int = 0,
) -> list[tuple[str, list[T]]]:
    """Split an export the way offices do: per county, in row chunks, or not at all.

    Returns (label, items) pairs; the label is a county name, '' for the whole city, or a part
    number such as '第2批'. Exports larger than :data:`EXPORT_MAX_ROWS` are always split.
    """
    if not items:
        return []
    if rng.random() >= split_rate and len(items) <= EXPORT_MAX_ROWS:
        return [("", list(items))]
    if rng.random() < 0.7:
        groups: dict[str, list[T]] = defaultdict(list)
        for item in items:
            groups[county_of(item)].append(item)
        return [(county, groups[county]) for county in sorted(groups, key=county_rank)]
    size = min(chunk_rows or max(1, -(-len(items) // rng.randint(2, 4))), EXPORT_MAX_ROWS)
    return [
        (f"第{number}批", list(items[start : start + size]))
        for number, start in enumerate(range(0, len(items), size), 1)
    ]


@functools.cache
def _county_order() -> dict[str, int]:
    names = [row[0] for row in data_lines("geography.tsv")]
    names += [row[1] for row in data_lines("province.tsv")]
    names += [row[2] for row in data_lines("country.tsv")]
    return {name: rank for rank, name in enumerate(names)}


def county_rank(name: str) -> int:
    """Where a county's rows go in a city-wide file: 商洛's seven first, then the province's.

    >>> county_rank("商州区"), county_rank("柞水县"), county_rank("长安区") > 6
    (0, 6, True)
    """
    order = _county_order()
    return order.get(name, len(order))


def county_counts(items: Iterable[T], county_of: Callable[[T], str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[county_of(item)] += 1
    return sorted(counts.items(), key=lambda pair: county_rank(pair[0]))


@dataclass
class Columns:
    """The columns of a table: meaning keys in order, with the header chosen for each."""

    keys: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)

    def add(self, key: str, title: str) -> None:
        self.keys.append(key)
        self.headers.append(title)

    def pick(self, rng: random.Random, key: str, meaning: str | None = None) -> None:
        self.add(key, header(rng, meaning or key))

    def index(self, key: str) -> int:
        return self.keys.index(key)

    def cells(self, values: dict[str, Any]) -> list[Any]:
        return [values.get(key, "") for key in self.keys]


def extra_columns(rng: random.Random, columns: Columns, style: FileStyle,
                  choices: Sequence[str] = ("phone", "note", "bank")) -> None:
    if style.extra_columns:
        for key in choices:
            if rng.random() < 0.6:
                columns.pick(rng, key)


def title_rows(
    rng: random.Random, style: FileStyle, title: str, unit: str, day: dt.date
) -> tuple[list[str], str]:
    """Title rows and the 填报单位 row, when the file has them."""
    titles = [title] if style.title else []
    if style.title and rng.random() < 0.3:
        titles.append(f"（截至{day.year}年{day.month}月{day.day}日）")
    info = ""
    if style.info_row:
        filled = day + dt.timedelta(days=rng.randint(-20, 10))
        info = (f"填报单位：{unit}（盖章）    "
                f"填报日期：{filled.year}年{filled.month}月{filled.day}日")
    return titles, info
