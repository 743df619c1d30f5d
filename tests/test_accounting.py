"""Row accounting as a property: for any roster and payment list, every data row is linked,
unlinked or rejected with a reason, and the counts add up per file to what was written."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidmatch.config import Rules, load_rules
from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from tests.builders import make_id, read_csv, write_csv

SPRING = Semester.parse("2025-spring")
STUDENTS = [(f"学生{n}", make_id("611022", f"2012{n % 12 + 1:02d}{n % 27 + 1:02d}", f"{n:03d}"))
            for n in range(1, 9)]
RULES: Rules = load_rules()
ROSTER_HEADER = ["姓名", "身份证号", "保障类别", "保障状态"]
AID_HEADER = ["学年", "学期", "姓名", "身份证号", "学校名称", "资助项目名称", "资助金额（元）"]


@dataclass(frozen=True)
class Row:
    kind: str  # student | stranger | blank | total | header | nobody
    index: int


ROW = st.builds(Row, st.sampled_from(["student", "stranger", "blank", "total", "header",
                                      "nobody"]), st.integers(0, len(STUDENTS) - 1))


def _roster_cells(row: Row) -> list[str]:
    name, number = STUDENTS[row.index]
    return {
        "student": [name, number, "农村低保", "正常"],
        "stranger": [f"路人{row.index}", make_id("610102", "19800101", f"{row.index + 500:03d}"),
                     "城市低保", "正常"],
        "blank": ["", "", "", ""],
        "total": ["合计", "", str(row.index), ""],
        "header": list(ROSTER_HEADER),
        "nobody": ["", "", "农村低保", "正常"],
    }[row.kind]


def _aid_cells(row: Row, term: str) -> list[str]:
    name, number = STUDENTS[row.index]
    person = {
        "student": [name, number],
        "stranger": [f"路人{row.index}", make_id("610102", "19800101", f"{row.index + 500:03d}")],
    }
    if row.kind in person:
        return ["2024-2025", term, *person[row.kind], "丹凤中学", "生活补助", "375"]
    return {
        "blank": [""] * 7,
        "total": ["合计", "", "", "", "", "", "3750"],
        "header": list(AID_HEADER),
        "nobody": ["2024-2025", term, "", "", "丹凤中学", "生活补助", "375"],
    }[row.kind]


def _state(row: Row, other_semester: bool = False) -> str:
    if row.kind not in ("student", "stranger"):
        return "rejected"  # blank, 合计, repeated header, neither name nor ID
    if other_semester:
        return "rejected"  # a payment of another semester
    return "linked" if row.kind == "student" else "unlinked"


def _counts(states: list[str]) -> tuple[int, int, int]:
    return states.count("linked"), states.count("unlinked"), states.count("rejected")


# A trailing blank line is not a row a CSV reader reports, so rosters end with a person.
ROWS = st.lists(ROW, min_size=1, max_size=25).map(lambda rows: [*rows, Row("stranger", 0)])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(roster=ROWS, aid=ROWS, terms=st.lists(st.sampled_from(["第二学期", "第一学期"]),
                                              min_size=27, max_size=27))
def test_every_row_is_linked_unlinked_or_rejected(roster: list[Row], aid: list[Row],
                                                  terms: list[str]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="aidmatch-accounting-"))
    try:
        exports = folder / "in"
        exports.mkdir()
        write_csv(exports / "学籍.csv", [["学籍号", "姓名", "身份证件号", "学籍状态"],
                                        *[["G" + i, n, i, "在读"] for n, i in STUDENTS]])
        write_csv(exports / "低保.csv", [ROSTER_HEADER, *map(_roster_cells, roster)])
        aid_rows = [_aid_cells(r, terms[n]) for n, r in enumerate(aid)]
        write_csv(exports / "资助.csv", [AID_HEADER, *aid_rows])
        result = reconcile(exports, SPRING, folder / "out", db_path=None, rules=RULES,
                           masked=False)
        sheets = {s.file: s for s in result.summary.sheets}
        assert all(s.balanced for s in sheets.values())
        roster_sheet, aid_sheet = sheets["低保.csv"], sheets["资助.csv"]
        assert roster_sheet.data_rows == len(roster)
        assert (roster_sheet.linked, roster_sheet.unlinked, roster_sheet.rejected) == _counts(
            [_state(r) for r in roster])
        assert aid_sheet.data_rows == len(aid)
        assert (aid_sheet.linked, aid_sheet.unlinked, aid_sheet.rejected) == _counts(
            [_state(r, terms[n] == "第一学期") for n, r in enumerate(aid)])
        registry = sheets["学籍.csv"]
        assert (registry.data_rows, registry.linked) == (len(STUDENTS), len(STUDENTS))
        # Every rejected row is in rejects.csv with a reason.
        rejects = read_csv(folder / "out" / "rejects.csv")
        for file, sheet in (("低保.csv", roster_sheet), ("资助.csv", aid_sheet)):
            rows = {r["行号"] for r in rejects if r["文件"] == file}
            assert len(rows) == sheet.rejected
            assert all(r["原因"] for r in rejects if r["文件"] == file)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(aid=ROWS, cut=st.integers(0, 26), overlap=st.integers(0, 26), roster=ROWS,
       lower=ROWS, terms=st.lists(st.sampled_from(["第二学期", "第一学期"]), min_size=27,
                                  max_size=27))
def test_overlapping_batches_and_a_second_table_keep_every_row_accounted(
        aid: list[Row], cut: int, overlap: int, roster: list[Row], lower: list[Row],
        terms: list[str]) -> None:
    """Payment rows in two batches that overlap (identical rows counted once, the later copy
    rejected), and a roster sheet holding a second table under a header in another column order:
    every row is still linked, unlinked or rejected, and the duplicates are exactly the later
    batch's copies beyond what the first batch holds."""
    folder = Path(tempfile.mkdtemp(prefix="aidmatch-accounting-"))
    try:
        exports = folder / "in"
        exports.mkdir()
        write_csv(exports / "学籍.csv", [["学籍号", "姓名", "身份证件号", "学籍状态"],
                                        *[["G" + i, n, i, "在读"] for n, i in STUDENTS]])
        aid_rows = [_aid_cells(r, terms[n]) for n, r in enumerate(aid)]
        cut = min(cut, len(aid_rows))
        # Each batch holds someone (a list of nobody is an error of its own).
        first_kinds = [*aid[:cut], Row("stranger", 7)]
        first = [*aid_rows[:cut], _aid_cells(Row("stranger", 7), "第二学期")]
        start = min(max(0, cut - overlap), len(aid) - 1)  # 第2批 ends with the last row, a person
        second_kinds, second = aid[start:], aid_rows[start:]
        write_csv(exports / "资助（第1批）.csv", [AID_HEADER, *first])
        write_csv(exports / "资助（第2批）.csv", [AID_HEADER, *second])
        order = [3, 0, 2, 1]  # the lower table: 保障状态, 姓名, 保障类别, 身份证号
        lower_rows = [[_roster_cells(r)[i] for i in order] for r in lower]
        lower_rows = [[ROSTER_HEADER[i] for i in order] if r.kind == "header" else cells
                      for r, cells in zip(lower, lower_rows, strict=True)]
        write_csv(exports / "低保.csv", [ROSTER_HEADER, *map(_roster_cells, roster),
                                       [ROSTER_HEADER[i] for i in order], *lower_rows,
                                       _roster_cells(Row("stranger", 1))])
        result = reconcile(exports, SPRING, folder / "out", db_path=None, rules=RULES,
                           masked=False)
        sheets = {s.file: s for s in result.summary.sheets}
        assert all(s.balanced for s in sheets.values())
        roster_sheet = sheets["低保.csv"]
        assert roster_sheet.data_rows == len(roster) + 1 + len(lower) + 1
        stateful = [*roster, Row("header", 0), *lower, Row("stranger", 1)]
        assert (roster_sheet.linked, roster_sheet.unlinked, roster_sheet.rejected) == _counts(
            [_state(r) for r in stateful])
        # In 第2批, the n-th copy of a payment row is a duplicate when 第1批 has n copies.
        held = Counter(tuple(cells) for cells, r in zip(first, first_kinds, strict=True)
                       if r.kind in ("student", "stranger"))
        duplicates = 0
        for cells, r in zip(second, second_kinds, strict=True):
            if r.kind in ("student", "stranger") and held[tuple(cells)] > 0:
                held[tuple(cells)] -= 1
                duplicates += 1
        rejects = read_csv(folder / "out" / "rejects.csv")
        assert sum(("两份名单重叠" in r["原因"] or "重复的名单" in r["原因"]) for r in rejects
                   if r["文件"] == "资助（第2批）.csv") == duplicates
        batch = sheets["资助（第2批）.csv"]
        assert batch.data_rows == len(second)
        rejected = {r["行号"] for r in rejects if r["文件"] == "资助（第2批）.csv"}
        assert len(rejected) == batch.rejected
    finally:
        shutil.rmtree(folder, ignore_errors=True)
