"""The county's review decisions: the way back from a returned workbook into the database.

``aidmatch report`` writes a workbook whose case sheets carry 案例编号, 核实结果 (a drop-down of
the finding's own decisions, ``rules/review.yaml``),
核实说明 and 核实人; the county fills them in and :func:`import_review` reads the workbook back,
validates every row (unknown case, invalid value, a case of another semester — all reported at
once, with sheet and row) and records who decided what and when in ``review_decisions``.

``review_decisions`` is a history: one row per decision that changed something, never
overwritten; the current decision of a case is its latest row (:func:`current_decisions_sql`).
Importing the same workbook again records nothing. Reconciling a semester again replaces its
results but keeps the decisions: case keys are stable for the same inputs (see
:mod:`aidmatch.findings`).
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree  # expat ≥ 2.4 limits entity expansion; no external entities

import duckdb
import python_calamine

from aidmatch.config import ReviewRules, load_rules
from aidmatch.database import open_database
from aidmatch.errors import AidmatchError, InputError, InputProblems, raise_if_any
from aidmatch.findings import BY_CODE
from aidmatch.semester import Semester
from aidmatch.steps import scalar

CASE_KEY = "案例编号"
RESULT = "核实结果"
NOTE = "核实说明"
REVIEWER = "核实人"
DECIDED = "核实状态"
INFO_SHEET = "说明"
SEMESTER_CELL = "学期代码"
_KEY_PATTERN = re.compile(r"^(?P<code>[A-Z]{2})-(?P<semester>[0-9]{4}-(?:spring|autumn))-[0-9a-f]{10}$")


class ReviewError(InputError):
    """A returned workbook that cannot be imported."""


def ensure_review_tables(con: duckdb.DuckDBPyConnection, schema: str = "main") -> None:
    con.execute(f"""CREATE TABLE IF NOT EXISTS {schema}.review_decisions (
        decision_id INTEGER PRIMARY KEY, semester VARCHAR NOT NULL, case_key VARCHAR NOT NULL,
        finding VARCHAR NOT NULL, person_key VARCHAR, student_no VARCHAR,
        result VARCHAR NOT NULL, note VARCHAR, reviewer VARCHAR, decided_at TIMESTAMP NOT NULL,
        import_id INTEGER NOT NULL, sheet VARCHAR, "row" INTEGER)""")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {schema}.review_imports (
        import_id INTEGER PRIMARY KEY, semester VARCHAR, file VARCHAR, sha256 VARCHAR,
        imported_at TIMESTAMP, imported_by VARCHAR, rows_read INTEGER, recorded INTEGER,
        unchanged INTEGER)""")


def current_decisions_sql(schema: str = "main") -> str:
    """The latest decision of every case (parameter: the semester)."""
    return f"""
    SELECT * FROM {schema}.review_decisions WHERE semester = ?
    QUALIFY row_number() OVER (PARTITION BY case_key ORDER BY decision_id DESC) = 1
    """


@dataclass(frozen=True)
class Decision:
    sheet: str
    row: int  # Excel row number (1-based)
    case_key: str
    result: str
    note: str
    reviewer: str


@dataclass(frozen=True)
class ImportResult:
    semester: Semester
    rows_read: int  # case rows in the workbook
    recorded: int  # decisions that were new or changed
    unchanged: int  # decisions equal to the current one
    open: int  # rows left empty or 待核实


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _sheets(path: Path) -> Iterator[tuple[str, list[list[Any]]]]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise ReviewError(f"无法读取工作簿（{exc}）", file=path.name,
                          hint="请选择 aidmatch report 生成、核实后交回的 .xlsx 文件。") from None
    for name in workbook.sheet_names:
        yield name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)


# How far down a title row or two may push the header of a case sheet.
HEADER_SEARCH_ROWS = 20
_BRACKETED = re.compile(r"[（(【\[〔<＜《][^）)】\]〕>＞》]*[）)】\]〕>＞》]?")
_NOT_IN_NAME = re.compile(r"[\s*＊:：#＃!！?？、,，.。]+")


def header_name(value: Any) -> str:
    """A header cell as its meaning: NFKC, no brackets with what they hold, no spaces, stars
    or colons (``*核实结果（必填）：`` is 核实结果).

    >>> header_name(" *核实结果（必填）"), header_name("核实 说明[选填]"), header_name("案例编号：")
    ('核实结果', '核实说明', '案例编号')
    """
    text = unicodedata.normalize("NFKC", _text(value))
    return _NOT_IN_NAME.sub("", _BRACKETED.sub("", text))


def _column(header: Sequence[str], name: str) -> int | None:
    """The column whose header means ``name`` (exactly, else the first that begins with it)."""
    for exact in (True, False):
        for i, h in enumerate(header):
            if h == name if exact else (h.startswith(name) and h != name):
                return i
    return None


@dataclass(frozen=True)
class _Layout:
    header_row: int  # 0-based index of the header row
    key: int | None
    result: int | None
    note: int | None
    reviewer: int | None


def _layout(rows: Sequence[Sequence[Any]]) -> _Layout | None:
    """Where a case sheet's header and review columns are: the header is the first of the top
    rows with a 核实结果 column (by meaning), else with a 案例编号 column; the 案例编号 column
    is found by its header or, renamed, by holding case numbers. None: not a case sheet."""
    top = rows[:HEADER_SEARCH_ROWS]
    headers = [[header_name(v) for v in row] for row in top]
    found = next((i for i, h in enumerate(headers) if _column(h, RESULT) is not None), None)
    if found is None:
        found = next((i for i, h in enumerate(headers) if _column(h, CASE_KEY) is not None), None)
    by_content = _key_column_by_content(rows[0 if found is None else found + 1:])
    if found is None:
        if by_content is None:
            return None
        return _Layout(0, by_content, None, None, None)
    header = headers[found]
    key = _column(header, CASE_KEY)
    return _Layout(found, key if key is not None else by_content, _column(header, RESULT),
                   _column(header, NOTE), _column(header, REVIEWER))


def _key_column_by_content(rows: Sequence[Sequence[Any]]) -> int | None:
    """The column holding the most case numbers (none: no column holds one)."""
    counts: dict[int, int] = {}
    for row in rows:
        for i, value in enumerate(row):
            if isinstance(value, str) and _KEY_PATTERN.match(value.strip()):
                counts[i] = counts.get(i, 0) + 1
    return max(counts, key=lambda i: (counts[i], -i)) if counts else None


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_CELL_REF = re.compile(r"^([A-Z]+)([0-9]+)$")
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def uncached_formulas(path: Path) -> dict[str, set[str]]:
    """Per sheet, the cells (``F5``) of an .xlsx holding a formula without a computed value
    (written by a program, never opened and saved in Excel or WPS): a reader sees them empty."""
    found: dict[str, set[str]] = {}
    try:
        with zipfile.ZipFile(path) as book:
            names = book.namelist()
            workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target", "") for r in rels}
            for sheet in workbook.iter(f"{_SHEET_NS}sheet"):
                target = targets.get(sheet.get(f"{_REL_NS}id"), "")
                member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                if member not in names:
                    continue
                cells: set[str] = set()
                with book.open(member) as handle:
                    for _event, element in ElementTree.iterparse(handle):
                        if element.tag != f"{_SHEET_NS}c":
                            continue
                        formula = element.find(f"{_SHEET_NS}f")
                        value = element.find(f"{_SHEET_NS}v")
                        if formula is not None and (value is None or not (value.text or "")):
                            cells.add(element.get("r", ""))
                        element.clear()
                if cells:
                    found[sheet.get("name", "")] = cells
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return {}  # not an .xlsx (an .xls saved by hand): calamine's values are all there is
    return found


def read_decisions(path: Path) -> tuple[Semester, list[Decision]]:
    """The semester and every case row of a returned workbook (rows without a case key and
    without a result are skipped; they are not cases).

    Columns are found by meaning, below any title rows a clerk inserted (:func:`_layout`); a
    sheet whose decisions cannot be read (its 核实结果 or 案例编号 column gone) is an error
    naming the sheet and what is missing, and so is a 核实结果 formula with no computed value.
    """
    semester: Semester | None = None
    decisions: list[Decision] = []
    problems: list[AidmatchError] = []
    formulas = uncached_formulas(path)
    for name, rows in _sheets(path):
        if name == INFO_SHEET:
            for row in rows:
                if row and _text(row[0]) == SEMESTER_CELL and len(row) > 1:
                    semester = Semester.try_parse(_text(row[1]))
            continue
        layout = _layout(rows)
        if layout is None:
            continue  # not a case sheet (汇总, 学期对比 …)
        body = list(enumerate(rows[layout.header_row + 1:], start=layout.header_row + 2))

        def cell(row: Sequence[Any], col: int | None) -> str:
            return _text(row[col]) if col is not None and col < len(row) else ""

        if layout.result is None:
            problems.append(ReviewError(
                f"有案例编号，但找不到「{RESULT}」列，这张表的核实结果无法读取", file=path.name,
                sheet=name, hint=f"请恢复「{RESULT}」列的表头（可以带说明，如「{RESULT}（必填）」），"
                                 "或重新生成核查表后填写。"))
            continue
        if layout.key is None:
            if any(cell(row, layout.result) or cell(row, layout.note) for _, row in body):
                problems.append(ReviewError(
                    f"填了核实结果，但找不到「{CASE_KEY}」列，无法知道是哪些案例", file=path.name,
                    sheet=name, hint=f"请恢复「{CASE_KEY}」列（从原核查表复制），不要删除或清空它。"))
            continue
        uncached = formulas.get(name, set())
        result_letter = _column_letter(layout.result)
        for number, row in body:
            key, result = cell(row, layout.key), cell(row, layout.result)
            if not result and f"{result_letter}{number}" in uncached:
                problems.append(ReviewError(
                    f"{RESULT}是公式，但文件中没有公式的计算结果", file=path.name, sheet=name,
                    row=number, column=RESULT,
                    hint="请在 Excel 或 WPS 中打开并保存这个文件，或把公式改为选择的值。"))
                continue
            if not result and not cell(row, layout.note) and not _KEY_PATTERN.match(key):
                continue  # not a decision: a blank row, or the note of a finding with no cases
            if not key:
                problems.append(ReviewError("这一行填了核实结果，但没有案例编号", file=path.name,
                                            sheet=name, row=number, column=CASE_KEY))
                continue
            decisions.append(Decision(name, number, key, result, cell(row, layout.note),
                                      cell(row, layout.reviewer)))
    if semester is None:
        raise ReviewError(f"找不到「{INFO_SHEET}」工作表中的{SEMESTER_CELL}", file=path.name,
                          hint="只能导入 aidmatch report 生成的工作簿；请勿删除「说明」工作表。")
    raise_if_any(problems, f"{path.name} 无法导入", InputProblems)
    return semester, decisions


def validate(con: duckdb.DuckDBPyConnection, path: Path, semester: Semester,
             decisions: Sequence[Decision], review: ReviewRules
             ) -> dict[str, tuple[str, str | None, str | None]]:
    """Check every row (its 核实结果 against its finding's list in rules/review.yaml); return
    case key → (finding, person_key, student_no) of known cases."""
    stored = scalar(con, "SELECT count(*) FROM runs WHERE semester = ?", [semester.code])
    if not stored:
        raise ReviewError(f"数据库中没有{semester.label}的对账结果", file=path.name,
                          hint="请用生成这个工作簿时的 --db 数据库文件导入。")
    known = {
        key: (finding, person, number)
        for key, finding, person, number in con.execute(
            "SELECT case_key, finding, person_key, student_no FROM cases WHERE run_semester = ?",
            [semester.code]).fetchall()
    }
    problems: list[AidmatchError] = []
    seen: dict[str, Decision] = {}
    for d in decisions:
        def problem(message: str, column: str, d: Decision = d) -> None:
            problems.append(ReviewError(message, file=path.name, sheet=d.sheet, row=d.row,
                                        column=column))
        match = _KEY_PATTERN.match(d.case_key)
        if match is None or match["code"] not in BY_CODE:
            problem(f"案例编号「{d.case_key}」不是 aidmatch 的案例编号", CASE_KEY)
            continue
        other = Semester.try_parse(match["semester"])
        if other is not None and other != semester:
            problem(f"案例 {d.case_key} 属于{other.label}，本工作簿是{semester.label}的核实表"
                    "（请把它填在该学期的工作簿中）", CASE_KEY)
            continue
        if d.case_key not in known:
            problem(f"案例 {d.case_key} 不在数据库{semester.label}的结果中"
                    "（这一行是否是从别的工作簿复制来的？）", CASE_KEY)
            continue
        label = BY_CODE[match["code"]].label
        allowed = review.decisions(label)
        if d.result and d.result not in allowed:
            problem(f"核实结果「{d.result}」不是「{label}」的选项，只能是：{'、'.join(allowed)}",
                    RESULT)
            continue
        if not d.result and d.note:
            problem("填了核实说明，但没有选核实结果", RESULT)
            continue
        earlier = seen.get(d.case_key)
        if earlier is not None and (earlier.result, earlier.note) != (d.result, d.note):
            problem(f"案例 {d.case_key} 在工作表「{earlier.sheet}」第 {earlier.row} 行的核实结果不同",
                    RESULT)
            continue
        seen[d.case_key] = d
    raise_if_any(problems, f"{path.name} 中有需要改正的地方，未导入任何核实结果",
                 InputProblems)
    return known


def import_review(path: Path, db_path: Path, reviewer: str | None = None,
                  review: ReviewRules | None = None) -> ImportResult:
    """Record the decisions of a returned workbook in ``db_path`` (all or nothing); each
    finding's decisions are checked against ``review`` (default: the rules' review.yaml)."""
    review = review if review is not None else load_rules().review
    if not path.is_file():
        raise ReviewError("文件不存在", file=str(path))
    if not db_path.exists():
        raise ReviewError("数据库文件不存在", file=str(db_path),
                          hint="用 --db 指定对账时使用的数据库文件。")
    semester, decisions = read_decisions(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    imported_by = reviewer or getpass.getuser()
    with open_database(db_path, read_only=False) as con:
        known = validate(con, path, semester, decisions, review)
        ensure_review_tables(con)
        current = {
            key: (result, note or "", who or "")
            for key, result, note, who in con.execute(
                "SELECT case_key, result, note, reviewer FROM (" + current_decisions_sql() + ")",
                [semester.code]).fetchall()
        }
        now = dt.datetime.now()
        rows: list[list[object]] = []
        unchanged = open_rows = 0
        recorded_keys: set[str] = set()
        for d in decisions:
            if not d.result or d.result == review.open:
                open_rows += 1
            if not d.result or d.case_key in recorded_keys:
                continue
            who = d.reviewer or imported_by
            before = current.get(d.case_key)
            if before is not None and before[:2] == (d.result, d.note):
                unchanged += 1
                continue
            finding, person, number = known[d.case_key]
            rows.append([d.case_key, finding, person, number, d.result, d.note, who, now,
                         d.sheet, d.row])
            recorded_keys.add(d.case_key)
        if not rows:
            return ImportResult(semester, len(decisions), 0, unchanged, open_rows)
        con.execute("BEGIN TRANSACTION")
        try:
            import_id = int(scalar(con, "SELECT coalesce(max(import_id), 0) + 1 FROM review_imports"))
            first = int(scalar(con, "SELECT coalesce(max(decision_id), 0) + 1 FROM review_decisions"))
            con.executemany(
                "INSERT INTO review_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[first + i, semester.code, *row[:8], import_id, *row[8:]]
                 for i, row in enumerate(rows)])
            con.execute("INSERT INTO review_imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [import_id, semester.code, path.name, digest, now, imported_by,
                         len(decisions), len(rows), unchanged])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return ImportResult(semester, len(decisions), len(rows), unchanged, open_rows)


__all__ = ["ImportResult", "ReviewError", "current_decisions_sql",
           "ensure_review_tables", "import_review"]
