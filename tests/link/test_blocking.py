"""Blocking keys: each finds the damage it is built for, and too-common keys are dropped."""

from __future__ import annotations

import duckdb
import pytest

from aidmatch.link.blocking import ID_WINDOWS, PREFIX_WINDOWS, build_blocking_keys
from aidmatch.steps import Steps
from tests.builders import make_id

STUDENT_ID = make_id("611022", "20120304", "124")
OTHER_ID = make_id("611022", "20120304", "357")


def _swap(value: str, i: int) -> str:
    return value[:i] + value[i + 1] + value[i] + value[i + 2:]


def _typo(value: str, i: int) -> str:
    return value[:i] + ("1" if value[i] != "1" else "2") + value[i + 1:]


def _keys(records: list[tuple[int, str | None, str | None, str, str | None]],
          enabled: tuple[str, ...], max_block_size: int = 300,
          valid: bool = False) -> set[tuple[str, int, int]]:
    """(key, record, student) for records (id, id18, id15, name, school) against two students."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE fuzzy_records (record_id BIGINT, id18 VARCHAR, id15 VARCHAR,
                   id_status VARCHAR, name_key VARCHAR, school VARCHAR, surname VARCHAR,
                   birth_date DATE, county VARCHAR, household_key VARCHAR)""")
    for rid, id18, id15, name, school in records:
        con.execute("INSERT INTO fuzzy_records VALUES (?, ?, ?, 'bad_checksum', ?, ?, ?, NULL, NULL,"
                    " NULL)", [rid, id18, id15, name, school, name[:1]])
    if valid:
        con.execute("UPDATE fuzzy_records SET id_status = 'valid'")
    con.execute("""CREATE TABLE fuzzy_students AS SELECT * FROM (VALUES
        (1, ?, '王心怡', '王', DATE '2012-03-04', '丹凤县', '龙驹寨小学'),
        (2, ?, '李明', '李', DATE '2012-03-04', '丹凤县', '龙驹寨小学'))
        t(student_id, id18, name_key, surname, birth_date, county, school)""",
                [STUDENT_ID, OTHER_ID])
    build_blocking_keys(Steps(con), enabled, max_block_size)
    rows = con.execute("SELECT key_type, record_id, student_id FROM blocking_keys").fetchall()
    return {(str(k), int(r), int(s)) for k, r, s in rows}


@pytest.mark.parametrize("position", range(17))
def test_one_typo_or_one_swap_anywhere_still_meets_the_student(position: int) -> None:
    typo, swap = _typo(STUDENT_ID, position), _swap(STUDENT_ID, position)
    found = _keys([(10, typo, None, "王心怡", None), (11, swap, None, "王心怡", None)],
                  ("id_window",))
    assert ("id_window", 10, 1) in found
    if swap != STUDENT_ID:
        assert ("id_window", 11, 1) in found


@pytest.mark.parametrize("position", range(14))
def test_precision_lost_prefix_with_a_slip_meets_the_student(position: int) -> None:
    prefix = _swap(STUDENT_ID[:15], position)
    assert ("prefix_window", 10, 1) in _keys([(10, None, prefix, "王心怡", None)],
                                            ("prefix_window",))


def test_a_valid_id_of_an_adult_is_not_compared_digit_by_digit() -> None:
    adult = make_id("611022", "19820304", "124")    # the student's ID but for the year
    near = STUDENT_ID[:16] + ("3" if STUDENT_ID[16] != "3" else "4")
    near_valid = make_id("611022", "20120304", near[14:17])
    con_records = [(10, adult, None, "王心怡", None), (11, near_valid, None, "王心怡", None)]
    found = _keys(con_records, ("id_window",), valid=True)
    assert ("id_window", 11, 1) in found            # a student-aged valid ID one digit off
    assert not any(r == 10 for _, r, _ in found)


def test_windows_cover_every_offset() -> None:
    assert tuple(range(17)) == ID_WINDOWS and tuple(range(14)) == PREFIX_WINDOWS


def test_school_and_surname_and_the_block_size_cap() -> None:
    records = [(10, None, None, "王欣怡", "龙驹寨小学")]
    assert _keys(records, ("school_surname",)) == {("school_surname", 10, 1)}
    # a cap below the block's size drops the key value
    assert _keys([(10, None, None, "王欣怡", "龙驹寨小学")], ("school_surname",),
                 max_block_size=0) == set()


def test_no_keys_enabled_gives_no_pairs() -> None:
    assert _keys([(10, STUDENT_ID, None, "王心怡", None)], ()) == set()



def _agree(record: str, student: str, pinyin: dict[str, str]) -> bool:
    """The names a household mate's name may pair (AGREEING_NAME), written out in Python."""
    if record == "" or record == student or "?" in record or "?" in student:
        return True
    if record in pinyin and student in pinyin and pinyin[record] == pinyin[student]:
        return True
    if len(record) != len(student) or len(record) < 3:
        return False
    return sum(a != b for a, b in zip(record, student, strict=True)) == 1


def test_household_name_key_pairs_exactly_the_agreeing_names() -> None:
    """The household-by-name key joins only on equalities (pinyin, one-character variants,
    placeholders) and must find every pair the name rule allows, and no other."""
    from aidmatch.normalize.names import pinyin_keys

    record_names = ["王心怡", "王欣怡", "王心", "王?怡", "", "刘力朗", "李明", "王晓明"]
    student_names = ["王心怡", "刘玏朗", "王?明", "张伟", "王晓"]
    con = duckdb.connect()
    con.execute("""CREATE TABLE fuzzy_records (record_id BIGINT, id18 VARCHAR, id15 VARCHAR,
                   id_status VARCHAR, name_key VARCHAR, school VARCHAR, surname VARCHAR,
                   birth_date DATE, county VARCHAR, household_key VARCHAR)""")
    con.execute("""CREATE TABLE fuzzy_students (student_id BIGINT, id18 VARCHAR, name_key VARCHAR,
                   surname VARCHAR, birth_date DATE, county VARCHAR, school VARCHAR)""")
    con.execute("CREATE TABLE household_mates (record_id BIGINT, mate_id VARCHAR, "
                "mate_name_key VARCHAR)")
    con.execute("CREATE TABLE family_members (student_id BIGINT, id VARCHAR, name_key VARCHAR, "
                "county VARCHAR)")
    for r, name in enumerate(record_names, 1):
        county = "丹凤县" if r != 8 else "商南县"  # the last lives elsewhere: never paired
        con.execute("INSERT INTO fuzzy_records VALUES (?, NULL, NULL, 'blank', ?, NULL, ?, NULL, "
                    "?, 'h')", [r, name, name[:1], county])
        con.execute("INSERT INTO household_mates VALUES (?, NULL, '王建国')", [r])
    for s, name in enumerate(student_names, 1):
        con.execute("INSERT INTO fuzzy_students VALUES (?, NULL, ?, ?, NULL, '丹凤县', NULL)",
                    [s, name, name[:1]])
        con.execute("INSERT INTO family_members VALUES (?, NULL, '王建国', '丹凤县')", [s])
    names = sorted({n for n in record_names + student_names if n})
    pinyin = dict(zip(names, pinyin_keys(names), strict=True))
    con.execute("CREATE TABLE name_pinyin (name_key VARCHAR, pinyin VARCHAR)")
    con.executemany("INSERT INTO name_pinyin VALUES (?, ?)", [[n, p] for n, p in pinyin.items()])
    build_blocking_keys(Steps(con), ("household",), 300)
    found = {(int(r), int(s)) for r, s in con.execute(
        "SELECT record_id, student_id FROM blocking_keys").fetchall()}
    expected = {(r, s) for r, rn in enumerate(record_names, 1)
                for s, sn in enumerate(student_names, 1) if r != 8 and _agree(rn, sn, pinyin)}
    assert found == expected
    assert (2, 1) in found and (6, 2) in found  # a homophone; 玏 typed as 力
    assert (3, 5) not in found  # 王心 / 王晓: only the surname in common, a sibling
    assert (1, 4) not in found and (7, 1) not in found  # different people in the same family
