"""The run summary: rows per file (read = linked + unlinked + rejected) and, per county,
在读 / 困难学生 / 已资助 / 漏助 / coverage. Printed by the CLI and written as summary.txt and
summary.json."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from aidmatch.accounting import SheetAccount
from aidmatch.link.blocking import BLOCKING_LABELS
from aidmatch.normalize.ids import redact
from aidmatch.privacy import private_file, redact_all
from aidmatch.steps import exists, scalar

UNKNOWN_COUNTY = "（未填区县）"
_WIDE = re.compile("[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                   "\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]")


def display_width(text: str) -> int:
    """Columns a text takes on a terminal or in a monospaced file: a 汉字 (or a full-width
    character) two, anything else one.

    >>> display_width("丹凤县"), display_width("92.9%"), display_width("（未填区县）")
    (6, 5, 12)
    """
    return len(text) + len(_WIDE.findall(text))


def _aligned(cells: tuple[str, ...], widths: tuple[int, ...]) -> str:
    """The first cell left-aligned, the others right-aligned, by display width."""
    first, *rest = cells
    line = first + " " * (widths[0] - display_width(first))
    for cell, width in zip(rest, widths[1:], strict=True):
        line += " " * (width - display_width(cell)) + cell
    return line.rstrip()


def incomplete_notice(skipped: list[str]) -> list[str]:
    """What every output of a run that skipped these files or sheets says (nothing when none):
    result files, the summary, the review workbook (every sheet) and page."""
    if not skipped:
        return []
    return [f"本次结果不完整：以下 {len(skipped)} 个文件或工作表没有读取（--keep-going），"
            "其中的学生不在结果中。处理后重新运行才能得到完整的漏助名单。",
            *(f"  {n}. {redact(problem)}" for n, problem in enumerate(skipped, 1))]


@dataclass(frozen=True)
class CountyLine:
    county: str
    enrolled: int
    key_students: int
    aided: int
    gaps: int

    @property
    def coverage(self) -> float | None:
        return self.aided / self.key_students if self.key_students else None


@dataclass
class Summary:
    semester: str
    rules: str
    sheets: list[SheetAccount]
    counties: list[CountyLine]
    notes: list[str] = field(default_factory=list)
    link_methods: dict[str, int] = field(default_factory=dict)
    review_records: int = 0
    # candidate pairs per blocking key of the probabilistic stage
    blocking_pairs: dict[str, int] = field(default_factory=dict)
    # Problems passed over with --keep-going: those files or sheets were not read.
    skipped: list[str] = field(default_factory=list)
    ids: str = "full"  # "full" or "masked": how the run's result files show ID numbers
    # Cases per finding (its label → count, in the findings' order) and the ID problems that are
    # no student's case (data_quality.csv rows they stand for).
    findings: dict[str, int] = field(default_factory=dict)
    data_quality_rows: int = 0

    def findings_line(self) -> str:
        """核查结果：漏助 40，非在读享受资助 11 …；另有 N 行 … (empty without findings)."""
        if not self.findings:
            return ""
        line = "核查结果：" + "，".join(f"{k} {v}" for k, v in self.findings.items())
        if self.data_quality_rows:
            line += (f"；另有 {self.data_quality_rows} 行证件号问题不涉及在读学生，"
                     "按文件汇总在 data_quality.csv（反馈报送部门）")
        return line

    @property
    def incomplete(self) -> bool:
        return bool(self.skipped)

    def incomplete_notice(self) -> list[str]:
        """The warning every output of an incomplete run carries (empty when complete)."""
        return incomplete_notice(self.skipped)

    @property
    def total(self) -> CountyLine:
        return CountyLine(
            "合计",
            sum(c.enrolled for c in self.counties),
            sum(c.key_students for c in self.counties),
            sum(c.aided for c in self.counties),
            sum(c.gaps for c in self.counties),
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["incomplete"] = self.incomplete
        data["total"] = asdict(self.total)
        for line, raw in zip(self.counties, data["counties"], strict=True):
            raw["coverage"] = line.coverage
        data["total"]["coverage"] = self.total.coverage
        return data

    def render(self) -> str:
        lines = [f"aidmatch 对账结果 · {self.semester} · 规则 {self.rules}", ""]
        if self.skipped:
            lines.extend(["！！！" + self.incomplete_notice()[0], *self.incomplete_notice()[1:], ""])
        lines.append("读入的名单（数据行 = 关联 + 未关联 + 剔除）：")
        for s in self.sheets:
            where = f"{s.file}「{s.sheet}」" if s.sheet else s.file
            lines.append(f"  {where}：{s.kind}，表头第 {s.header_row} 行，数据 {s.data_rows} 行 = "
                         f"关联 {s.linked} + 未关联 {s.unlinked} + 剔除 {s.rejected}")
            if s.unused_columns:
                lines.append(f"      未使用的列：{s.unused_columns}")
        if self.link_methods:
            lines.append("")
            lines.append("关联方式：" + "，".join(f"{k} {v}" for k, v in self.link_methods.items()))
        if self.blocking_pairs:
            lines.append("概率匹配候选对（按分块键）：" + "，".join(
                f"{k} {v}" for k, v in self.blocking_pairs.items()))
        if self.review_records:
            lines.append(f"待核实的记录（见 review.csv）：{self.review_records} 条")
        if self.findings:
            lines.append(self.findings_line())
        lines.append("")
        # Columns aligned by display width (a 汉字 is two columns wide), as a terminal shows them.
        widths = (max([display_width("区县"), *(display_width(c.county) for c in self.counties)])
                  + 2, 10, 10, 10, 10, 10)
        header = ("区县", "在读", "困难学生", "已资助", "漏助", "覆盖率")
        lines.append(_aligned(header, widths))
        for c in [*self.counties, self.total]:
            coverage = f"{c.coverage:.1%}" if c.coverage is not None else "—"
            lines.append(_aligned((c.county, str(c.enrolled), str(c.key_students), str(c.aided),
                                   str(c.gaps), coverage), widths))
        if self.notes:
            lines.append("")
            lines.extend(f"※ {note}" for note in self.notes)
        return redact("\n".join(lines))

    def write(self, out: Path) -> None:
        """summary.txt and summary.json, every text redacted (file and sheet names may hold an
        ID)."""
        text, data = out / "summary.txt", out / "summary.json"
        text.write_text(self.render() + "\n", encoding="utf-8-sig")
        data.write_text(json.dumps(redact_all(self.to_json()), ensure_ascii=False, indent=2,
                                   default=str) + "\n", encoding="utf-8")
        for path in (text, data):
            private_file(path)


def county_placement_notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What the summary says of students whose registry row named no 区县 and who were placed by
    their school's county from other rows (``students.county_source``), and of those left
    without one."""
    placed = con.execute("SELECT county_source, count(*) FROM students WHERE enrolled "
                         "AND county_source IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()
    left = int(scalar(con, "SELECT count(*) FROM students WHERE enrolled AND county IS NULL"))
    notes = []
    if placed:
        total = sum(n for _, n in placed)
        notes.append(f"{total} 名在读学生的学籍记录未填区县，已按所在学校的区县归入："
                     + "；".join(f"{how.removeprefix('区县按')} {n} 人" for how, n in placed)
                     + "（漏助名单的“来源”列注明）")
    if left:
        notes.append(f"{left} 名在读学生的学籍记录未填区县，其学校在其他名单中也没有唯一的区县，"
                     f"列在{UNKNOWN_COUNTY}下")
    return notes


def county_lines(con: duckdb.DuckDBPyConnection) -> list[CountyLine]:
    rows = con.execute(
        f"""
        SELECT coalesce(s.county, '{UNKNOWN_COUNTY}') AS county,
               count(*) AS enrolled,
               count(g.student_id) AS key_students,
               count(g.student_id) FILTER (p.student_id IS NOT NULL) AS aided,
               count(gp.student_id) AS gaps
        FROM students s
        LEFT JOIN student_groups g USING (student_id)
        LEFT JOIN paid_students p USING (student_id)
        LEFT JOIN gaps gp USING (student_id)
        WHERE s.enrolled
        GROUP BY ALL ORDER BY county
        """
    ).fetchall()
    return [CountyLine(c, int(e), int(k), int(a), int(g)) for c, e, k, a, g in rows]


def link_method_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        str(method): int(count)
        for method, count in con.execute(
            "SELECT method_first, count(*) FROM links GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
    }


def blocking_pair_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Candidate pairs each blocking key produced (empty when the probabilistic stage did not run)."""
    if not exists(con, "blocking_counts"):
        return {}
    return {BLOCKING_LABELS.get(k, k): int(n) for k, n in con.execute(
        "SELECT key_type, pairs FROM blocking_counts ORDER BY pairs DESC, key_type").fetchall()}


def pending_payment_notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Why 困难学生 can be more than 已资助 + 漏助: students a payment row of the semester may
    belong to (资助记录待确认) are neither, until a county says which."""
    pending = int(scalar(con, """SELECT count(*) FROM pending_payments p
                                 JOIN students s USING (student_id)
                                 WHERE s.enrolled
                                   AND student_id IN (SELECT student_id FROM student_groups)"""))
    if not pending:
        return []
    return [f"另有 {pending} 名困难学生有一条未能自动关联、可能属于本人的资助记录，列在"
            "「资助记录待确认」（pending_payment.csv），既不算已资助也不算漏助，县区核实后确定"]


def blank_status_notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What the summary says of students whose 学籍状态 cell is blank in a registry that has the
    column: not confirmed 在读, so never 漏助 (domain: only 在读 students can be missing aid)."""
    blank = int(scalar(con, "SELECT count(*) FROM students WHERE status = ''"))
    if not blank:
        return []
    return [f"{blank} 名学生的学籍状态为空，未确认在读，不列入漏助，也不算非在读享受资助；"
            "请在学籍系统中核实并补填后重新运行"]

