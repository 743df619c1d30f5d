"""Fuzzing the loaders: arbitrary cells under a recognisable header (and arbitrary bytes as a
file) never crash them; either the rows are read and accounted for, or an InputError says why."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidmatch.config import Rules, load_rules
from aidmatch.errors import AidmatchError
from aidmatch.semester import Semester
from aidmatch.sources import load_inputs
from aidmatch.sources.reading import cell_text
from tests.builders import write_csv, write_xlsx

SPRING = Semester.parse("2025-spring")
RULES: Rules = load_rules()
HEADER = ["姓名", "身份证号", "残疾类别", "残疾等级"]
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=25)
CELLS = st.one_of(
    st.none(), TEXT,
    st.sampled_from(["合计", "姓名", "611022201203041245", "6.11022E+17", "  ", "\n", "'6110",
                     "王 芳", "是", "2025-03-01"]),
    st.integers(-10**18, 10**18), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
)
ROWS = st.lists(st.lists(CELLS, max_size=6), max_size=12)


def _load(folder: Path) -> None:
    try:
        result = load_inputs(folder, RULES, SPRING)
    except AidmatchError:
        return
    for sheet in result.sheets:
        if sheet.kind:
            assert sheet.record_rows + sheet.rejected_rows == sheet.data_rows


@FUZZ
@given(ROWS)
def test_arbitrary_cells_in_a_workbook(rows: list[list[object]]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="aidmatch-fuzz-"))
    try:
        write_xlsx(folder / "残疾人.xlsx", {"Sheet1": [HEADER, *rows]})
        _load(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@FUZZ
@given(ROWS, st.sampled_from(["utf-8-sig", "gb18030", "utf-16"]))
def test_arbitrary_cells_in_a_csv(rows: list[list[object]], encoding: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="aidmatch-fuzz-"))
    try:
        text_rows = [[cell_text(c) for c in row] for row in rows]
        try:
            write_csv(folder / "残疾人.csv", [HEADER, *text_rows], encoding=encoding)
        except UnicodeEncodeError:
            return  # a character GB18030 cannot hold is not a file anyone can have
        _load(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["a.csv", "a.xlsx", "a.xls"]))
def test_arbitrary_bytes_as_a_file(data: bytes, name: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="aidmatch-fuzz-"))
    try:
        (folder / name).write_bytes(data)
        _load(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@given(CELLS)
def test_cell_text_never_fails(value: object) -> None:
    text = cell_text(value)
    assert isinstance(text, str)
    if isinstance(value, float) and abs(value) >= 1e15:
        assert len(text.replace("-", "").split("E")[0].replace(".", "")) <= 15  # no invented digits


# Lines of a CSV as a clerk's editor leaves them: stray and doubled quotes, commas inside values,
# line breaks, short and long rows.
CSV_TEXT = st.lists(st.lists(st.sampled_from(['"', ",", "王", "芳", "6", "1", " ", "\n", "\r\n",
                                              "合计", "姓名", "611022201203041245"]),
                             max_size=30).map("".join), max_size=12)


@FUZZ
@given(CSV_TEXT)
def test_stray_quotes_and_commas_in_a_csv(lines: list[str]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="aidmatch-fuzz-"))
    try:
        body = "\n".join(lines)
        (folder / "残疾人.csv").write_text(",".join(HEADER) + "\n" + body + "\n", encoding="utf-8")
        _load(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# Header-like rows inside the data: the header again, in another order, the group labels above.
HEADERISH = st.sampled_from([HEADER, HEADER[::-1], ["残疾人信息", "", "", ""], ["姓名", "", "", ""],
                             [HEADER[1], HEADER[0], HEADER[3], HEADER[2]]])


@FUZZ
@given(st.lists(st.one_of(st.lists(CELLS, max_size=6), HEADERISH), max_size=14))
def test_header_rows_inside_the_data(rows: list[list[object]]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="aidmatch-fuzz-"))
    try:
        write_xlsx(folder / "残疾人.xlsx", {"Sheet1": [["残疾人信息"], HEADER, *rows]})
        _load(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
