"""三联单: printable three-part disbursement slips for a semester's payments.

:func:`print_slips` reads the semester a ``reconcile --db`` run stored, numbers the slips (serials
kept in the database, stable across prints) and writes one PDF: per school a cover page with the
list and the total in 小写 and 大写, then one A4 page per person paid, ordered by county, school,
grade, class and name (by pinyin, as a Chinese roster is sorted).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from aidmatch.config import Rules, load_rules
from aidmatch.database import cannot_open, purged_at, upgrade
from aidmatch.errors import InputError, UsageError
from aidmatch.machine import owned_folder
from aidmatch.semester import Semester
from aidmatch.slips.data import APPROVED, Slip, Source, build_slips, read_slips
from aidmatch.slips.fonts import SlipFont, slip_font
from aidmatch.slips.render import Progress, render
from aidmatch.slips.serials import assign_serials
from aidmatch.steps import scalar

__all__ = ["Slip", "SlipsResult", "Source", "print_slips"]

# What the cover says the list is.
SOURCE_NOTES: dict[Source, str] = {
    "payments": "名单来源：本学期资助发放名单",
    "approved": f"名单来源：县区核实结果为“{APPROVED}”的漏助学生，项目和金额按资助标准",
}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlipsResult:
    path: Path
    slips: int
    schools: int
    pages: int
    new_serials: int
    total: Decimal
    unlinked: int
    amounts_to_fill: int
    held: dict[str, int]  # slips marked 暂缓发放, per finding (重复资助, 非在读享受资助)
    font: SlipFont


def print_slips(
    db_path: Path,
    semester: Semester,
    out_path: Path,
    *,
    county: str | None = None,
    school: str | None = None,
    source: Source = "payments",
    full_ids: bool = False,
    rules: Rules | None = None,
    rules_dir: Path | None = None,
    printed_on: dt.date | None = None,
    font: SlipFont | None = None,
    progress: Progress | None = None,
) -> SlipsResult:
    """Write the slips of ``semester`` (optionally one county or school) to ``out_path``: for
    the payments as loaded (``source="payments"``), or for the students whose 漏助 case the county
    decided 已补录资助 in the review (``source="approved"``).

    ID numbers and 学籍号 are masked on every part unless ``full_ids``; then the 存根联 (the
    issuing office's stub) carries them in full and the other two parts stay masked.

    ``font``: the machine's free CJK font, embedded, else STSong-Light (:func:`slip_font`);
    ``progress`` hears of each school as it is drawn.
    """
    rules = rules or load_rules(rules_dir)
    if not db_path.is_file():
        raise InputError("数据库文件不存在", file=str(db_path),
                         hint="先用 aidmatch reconcile --db 对账这个学期，再打印三联单。")
    upgrade(db_path)
    con = duckdb.connect(":memory:")
    try:
        try:
            con.execute("ATTACH ? AS store", [str(db_path)])
        except duckdb.Error as exc:
            raise cannot_open(exc, db_path) from None
        _check_semester(con, db_path, semester)
        if source == "approved":
            _check_review(con, db_path)
        build_slips(con, semester, rules, source, county, school)
        _check_found(con, semester, source, county, school)
        added = assign_serials(con, semester)
        slips = read_slips(con)
    finally:
        con.close()
    log.info("三联单 %d 份，新编号 %d 个", len(slips), added)
    font = font or slip_font()
    pages = _write_pdf(out_path, slips, semester, full_ids, printed_on or dt.date.today(), source,
                       font, progress)
    totals = [s.total for s in slips if s.total is not None]
    return SlipsResult(
        path=out_path, slips=len(slips), schools=len({(s.county, s.school) for s in slips}),
        pages=pages, new_serials=added, total=sum(totals, Decimal("0.00")),
        unlinked=sum(not s.linked for s in slips), amounts_to_fill=len(slips) - len(totals),
        held=dict(Counter(flag for s in slips for flag in s.flags)), font=font)


def _check_semester(con: duckdb.DuckDBPyConnection, db_path: Path, semester: Semester) -> None:
    try:
        runs = int(scalar(con, "SELECT count(*) FROM store.runs WHERE semester = ?", [semester.code]))
        stored = int(scalar(con, "SELECT count(*) FROM store.records WHERE run_semester = ?",
                            [semester.code]))
    except duckdb.CatalogException:
        raise InputError("这个文件不是 aidmatch 对账后的数据库", file=str(db_path),
                         hint="--db 应指向 aidmatch reconcile --db 写入的文件。") from None
    purged = purged_at(con, semester.code, "store") if runs and not stored else None
    if purged is not None:
        raise InputError(f"数据库中{semester.label}的个人数据已于 {purged:%Y-%m-%d %H:%M} 删除"
                         "（aidmatch purge），无法打印三联单", file=str(db_path),
                         hint="需要时用 aidmatch reconcile 重新对账这个学期。")
    if not runs or not stored:
        known = [s for (s,) in con.execute(
            "SELECT DISTINCT run_semester FROM store.records ORDER BY 1").fetchall()]
        raise InputError(
            f"数据库中没有 {semester.label}的对账数据", file=str(db_path),
            hint=("先用 aidmatch reconcile 对账这个学期。数据库中已有："
                  + "、".join(known)) if known else "先用 aidmatch reconcile 对账这个学期。")


def _check_review(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    try:
        con.execute("SELECT 1 FROM store.review_decisions, store.finding_gaps LIMIT 0")
    except duckdb.CatalogException:
        raise InputError("数据库中没有核实结果", file=str(db_path),
                         hint="先用 aidmatch report 生成核查表，核实后用 aidmatch review import "
                              "导入，再打印 --from approved。") from None


def _check_found(con: duckdb.DuckDBPyConnection, semester: Semester, source: Source,
                 county: str | None, school: str | None) -> None:
    if scalar(con, "SELECT count(*) FROM slips"):
        return
    if source == "approved" and not scalar(con, "SELECT count(*) FROM slip_rows"):
        raise InputError(f"{semester.label}没有核实结果为“{APPROVED}”、仍在漏助名单上的学生",
                         hint="核实结果由 aidmatch review import 导入；已有发放记录的学生请用 "
                              "--from payments 打印。")
    if county is None and school is None:
        raise InputError(f"{semester.label}没有可打印的发放记录（资助名单为空，或发放金额都已冲减为零）")
    for value, column, label in ((county, "county", "区县"), (school, "school", "学校")):
        if value is None:
            continue
        known = [v for (v,) in con.execute(
            f"SELECT DISTINCT {column} FROM slip_rows WHERE {column} IS NOT NULL ORDER BY 1"
        ).fetchall()]
        if value not in known:
            listed = "、".join(known[:30]) + ("等" if len(known) > 30 else "")
            raise UsageError(f"{semester.label}的发放记录中没有{label}「{value}」",
                             hint=f"{label}名称须与名单一致，已有：{listed}")
    raise UsageError(f"{semester.label}没有{county or ''}{school or ''}的可打印发放记录",
                     hint="检查 --county 与 --school 是否对应同一所学校。")


def _write_pdf(out_path: Path, slips: list[Slip], semester: Semester, full_ids: bool,
               printed_on: dt.date, source: Source, font: SlipFont,
               progress: Progress | None) -> int:
    """Render into a private temporary file beside ``out_path`` and move it into place only
    when complete, so a failed print never leaves half a PDF."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with owned_folder(out_path.parent) as staging:
        temp = staging / "slips.pdf"
        pages = render(temp, slips, semester, full_ids=full_ids, printed_on=printed_on,
                       source_note=SOURCE_NOTES[source], font=font, progress=progress)
        os.chmod(temp, 0o600)
        os.replace(temp, out_path)
    return pages
