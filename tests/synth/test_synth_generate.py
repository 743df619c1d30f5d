"""End-to-end checks of generate_city: determinism, truth consistency, damage, layouts."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from aidmatch.semester import Semester
from aidmatch.synth import PROFILES, SynthResult
from aidmatch.synth.damage import ALL_DAMAGE
from aidmatch.synth.truth import KEY_GROUPS

from .helpers import Run, manifest, read_csv

EXPORT_SUFFIXES = {".xlsx", ".xls", ".csv"}


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


class Exports:
    """Reads export sheets as lists of rows (strings and numbers), cached."""

    def __init__(self, result: SynthResult) -> None:
        self.root = result.exports_dir
        self.encodings = {f["file"]: f["layout"]["encoding"] for f in manifest(result)["files"]}
        self.cache: dict[tuple[str, str], list[list[Any]]] = {}

    def rows(self, file: str, sheet: str) -> list[list[Any]]:
        key = (file, sheet)
        if key not in self.cache:
            path = self.root / file
            if path.suffix == ".csv":
                with path.open(encoding=self.encodings[file], newline="") as handle:
                    self.cache[key] = [list(row) for row in csv.reader(handle)]
            else:
                book = CalamineWorkbook.from_path(str(path))
                self.cache[key] = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        return self.cache[key]


def _export_values(result: SynthResult) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for path in sorted(result.exports_dir.rglob("*")):
        if path.suffix == ".csv":
            values[str(path.relative_to(result.exports_dir))] = path.read_bytes()
        elif path.suffix in (".xlsx", ".xls"):
            book = CalamineWorkbook.from_path(str(path))
            values[str(path.relative_to(result.exports_dir))] = {
                name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names
            }
    return values


# -- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_same_files(run: Run, realistic: SynthResult) -> None:
    again = run("again", students=800, seed=7)
    assert _export_values(again) == _export_values(realistic)
    for name in ("students.csv", "gaps.csv", "records.csv", "aid_findings.csv", "persons.csv",
                 "manifest.json"):
        assert (again.truth_dir / name).read_bytes() == (realistic.truth_dir / name).read_bytes()


def test_different_seeds_differ(run: Run, realistic: SynthResult) -> None:
    other = run("other", students=800, seed=8)
    assert (other.truth_dir / "students.csv").read_bytes() != (
        realistic.truth_dir / "students.csv").read_bytes()
    assert sorted(p.name for p in other.files) != sorted(p.name for p in realistic.files) or \
        _export_values(other) != _export_values(realistic)


# -- truth -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["realistic", "harsh", "clean"])
def test_truth_is_consistent(fixture: str, request: pytest.FixtureRequest) -> None:
    result: SynthResult = request.getfixturevalue(fixture)
    students = read_csv(result.truth_dir / "students.csv")
    gaps = read_csv(result.truth_dir / "gaps.csv")
    records = read_csv(result.truth_dir / "records.csv")
    persons = {row["person_key"]: row for row in read_csv(result.truth_dir / "persons.csv")}
    assert len(students) == result.students >= 0.99 * manifest(result)["args"]["students"]
    for row in students:
        groups = [g for g in row["key_groups"].split(";") if g]
        assert set(groups) <= set(KEY_GROUPS)
        expected_gap = row["学籍状态"] == "在读" and bool(groups) and row["paid"] == "0"
        assert row["is_gap"] == str(int(expected_gap))
    gap_ids = {row["学籍号"] for row in students if row["is_gap"] == "1"}
    assert {row["学籍号"] for row in gaps} == gap_ids
    assert len(gaps) == result.gaps > 0

    # Every person in a record exists; every paid student has an aid row; IDs are unique.
    aid_people = {r["person_key"] for r in records if r["source"] == "aid" and r["person_key"]}
    for row in records:
        if row["row_kind"] == "data":
            assert row["person_key"] in persons
        else:
            assert row["person_key"] == "" and row["slot"] == ""
    for row in students:
        if row["paid"] == "1":
            assert row["person_key"] in aid_people
    ids = [row["身份证件号"] for row in persons.values() if row["身份证件号"]]
    assert len(ids) == len(set(ids))

    # Aid findings point at aid rows of the right people.
    aid_rows = {(r["file"], r["sheet"], r["row"]): r["person_key"] for r in records
                if r["source"] == "aid" and r["row_kind"] == "data"}
    for finding in read_csv(result.truth_dir / "aid_findings.csv"):
        assert aid_rows[(finding["file"], finding["sheet"], finding["row"])] == \
            finding["person_key"]
        assert finding["flag"] in ("not_enrolled", "not_in_registry", "duplicate",
                                   "wrong_standard")


@pytest.mark.parametrize("fixture", ["realistic", "harsh", "clean"])
def test_undiscoverable_gaps_follow_from_the_damage(fixture: str,
                                                    request: pytest.FixtureRequest) -> None:
    """可发现 = 否 only where the evidence is gone: a 残疾人子女 whose own registry row holds no
    certificate holder's usable ID (a blank ID, a damaged one without the name), or a 残疾学生
    with no ID number at all."""
    result: SynthResult = request.getfixturevalue(fixture)
    gaps = read_csv(result.truth_dir / "gaps.csv")
    assert {row["可发现"] for row in gaps} <= {"是", "否"}
    hidden = [row for row in gaps if row["可发现"] == "否"]
    assert all(bool(row["不可发现原因"]) == (row["可发现"] == "否") for row in gaps)
    if fixture == "clean":
        assert not hidden
        return
    assert len(hidden) < 0.1 * len(gaps)
    students = {row["学籍号"]: row for row in read_csv(result.truth_dir / "students.csv")}
    records = read_csv(result.truth_dir / "records.csv")
    certified = {r["person_key"] for r in records if r["source"] == "disability"}
    own_rows = defaultdict(set)
    slots = defaultdict(list)
    for r in records:
        if r["source"] == "registry" and r["row_kind"] == "data":
            where = (r["file"], r["sheet"], r["row"])
            if r["slot"]:
                slots[where].append((r["person_key"], set(r["damage"].split(";"))))
            else:
                own_rows[r["person_key"]].add(where)
    for row in hidden:
        student = students[row["学籍号"]]
        assert set(student["key_groups"].split(";")) <= {"child_of_disabled", "disabled_student"}
        if "disabled_student" in student["key_groups"]:
            assert student["身份证件号"] == "" and row["不可发现原因"].startswith("残疾学生")
        if "child_of_disabled" in student["key_groups"]:
            assert "残疾人子女：" in row["不可发现原因"]
            for where in own_rows[student["person_key"]]:
                for key, damage in slots[where]:
                    if key in certified:
                        assert "id_blank" in damage or "name_blank" in damage, (row, damage)


def test_key_group_rates_are_plausible(run: Run) -> None:
    result = run("rates", students=6000, seed=3)
    students = read_csv(result.truth_dir / "students.csv")
    enrolled = [s for s in students if s["学籍状态"] == "在读"]
    assert 0.94 < len(enrolled) / len(students) < 0.98
    counts = Counter(g for s in enrolled for g in s["key_groups"].split(";") if g)
    share = {code: counts[code] / len(enrolled) for code in KEY_GROUPS}
    assert 0.09 < share["poverty_alleviated"] < 0.16
    assert 0.03 < share["minimum_living"] < 0.08
    assert 0.004 < share["disabled_student"] < 0.014
    assert all(counts[code] > 0 for code in KEY_GROUPS)
    key = [s for s in enrolled if s["key_groups"]]
    gap_share = sum(s["is_gap"] == "1" for s in key) / len(key)
    assert 0.04 < gap_share < 0.13


# -- records point at real cells ---------------------------------------------------------------


def _normal(text: str) -> str:
    return "".join(ch for ch in str(text) if not ch.isspace() and ch not in "·•・‧．.")


@pytest.mark.parametrize("fixture", ["realistic", "harsh", "clean"])
def test_records_point_at_real_cells(fixture: str, request: pytest.FixtureRequest) -> None:
    result: SynthResult = request.getfixturevalue(fixture)
    exports = Exports(result)
    persons = {row["person_key"]: row for row in read_csv(result.truth_dir / "persons.csv")}
    checked: Counter[str] = Counter()
    for record in read_csv(result.truth_dir / "records.csv"):
        rows = exports.rows(record["file"], record["sheet"])
        row = rows[int(record["row"]) - 1]
        kind = record["row_kind"]
        checked[kind] += 1
        if kind == "blank":
            assert all(cell in ("", None) for cell in row)
            continue
        if kind == "total":
            assert str(row[0]).replace(" ", "") in ("合计", "总计", "小计")
            continue
        if kind == "repeated_header":
            assert any(str(cell).endswith("姓名") or cell == "姓名" for cell in row)
            continue
        cell = row[_column_index(record["column"])]
        name = persons[record["person_key"]]["姓名"]
        damage = record["damage"].split(";") if record["damage"] else []
        if "name_blank" in damage:
            assert cell == ""
        elif not any(code.startswith("name_") for code in damage):
            assert cell == name, record
        else:
            shown = _normal(cell)
            assert abs(len(shown) - len(_normal(name))) <= 1, (cell, name, record)
            if "name_traditional" not in damage:
                assert set(shown) & set(name), (cell, name, record)
    assert checked["data"] > 1000


# -- damage ------------------------------------------------------------------------------------


def test_harsh_run_shows_every_damage_kind(harsh: SynthResult) -> None:
    seen = manifest(harsh)["damage"]
    missing = [code for code in ALL_DAMAGE if not seen.get(code)]
    assert not missing


def test_clean_run_has_no_damage_and_simple_layouts(clean: SynthResult) -> None:
    data = manifest(clean)
    assert data["damage"] == {}
    records = read_csv(clean.truth_dir / "records.csv")
    assert {r["damage"] for r in records} == {""}
    assert {r["row_kind"] for r in records} == {"data"}
    for entry in data["files"]:
        assert len(entry["sheets"]) == 1
        layout = entry["layout"]
        assert not (layout["title"] or layout["info_row"] or layout["instructions"]
                    or layout["wide"] or layout["group_header"])
    first_rows = defaultdict(list)
    for record in records:
        first_rows[record["file"]].append(int(record["row"]))
    assert all(min(rows) == 2 for rows in first_rows.values())


def test_harsh_run_has_every_layout_quirk(harsh: SynthResult) -> None:
    data = manifest(harsh)
    layouts = [entry["layout"] for entry in data["files"]]
    for quirk in ("title", "info_row", "instructions", "summary", "total_row", "subtotal",
                  "repeated_header", "blank_rows", "wide", "group_header", "category_sheets"):
        assert any(layout[quirk] for layout in layouts), quirk
    assert {layout["fmt"] for layout in layouts} == {"xlsx", "xls", "csv"}
    assert {layout["encoding"] for layout in layouts} >= {"utf-8", "utf-8-sig", "gb18030"}
    assert any(entry.get("previous_semester_rows") for entry in data["files"])
    kinds = Counter(r["row_kind"] for r in read_csv(harsh.truth_dir / "records.csv"))
    assert set(kinds) == {"data", "total", "repeated_header", "blank"}


def test_ids_stored_as_numbers_keep_fifteen_digits(harsh: SynthResult) -> None:
    exports = Exports(harsh)
    persons = {row["person_key"]: row for row in read_csv(harsh.truth_dir / "persons.csv")}
    found = 0
    for record in read_csv(harsh.truth_dir / "records.csv"):
        if "id_number" not in record["damage"].split(";"):
            continue
        row = exports.rows(record["file"], record["sheet"])[int(record["row"]) - 1]
        true_id = persons[record["person_key"]]["身份证件号"]
        numbers = [cell for cell in row if isinstance(cell, float) and cell > 1e14]
        texts = [cell for cell in row if isinstance(cell, str) and cell.endswith("000")]
        assert numbers or texts
        found += 1
        id_damage = {c for c in record["damage"].split(";") if c.startswith("id_")}
        if numbers and id_damage == {"id_number"} and len(true_id) == 18:
            # Read the number as Excel shows it (15 significant digits): int() of the double
            # can differ in the 15th digit (611023201707123000 -> ...122944).
            assert any(_fifteen(n) == true_id[:15] for n in numbers) or texts
    assert found > 0


def _fifteen(number: float) -> str:
    return f"{number:.14e}".split("e")[0].replace(".", "")


# -- options -----------------------------------------------------------------------------------


def test_csv_only_run(run: Run) -> None:
    result = run("csvonly", students=300, seed=2, excel=False)
    suffixes = {p.suffix for p in result.exports_dir.rglob("*") if p.is_file()}
    assert suffixes == {".csv"}


def test_other_semester_and_profile_object(run: Run) -> None:
    result = run("autumn", students=300, seed=4, semester=Semester.parse("2024-autumn"),
                 profile=PROFILES["realistic"])
    findings = read_csv(result.truth_dir / "aid_findings.csv")
    assert manifest(result)["args"]["semester"] == "2024-autumn"
    assert all(Path(f["file"]).suffix in EXPORT_SUFFIXES for f in findings)
    titles = " ".join(p.name for p in result.files)
    assert "2025年春季" not in titles
    assert dt.date(2024, 9, 1) == Semester.parse("2024-autumn").start


def test_unknown_profile_is_refused(tmp_path: Path, run: Run) -> None:
    from aidmatch.synth import generate_city

    with pytest.raises(ValueError, match="profile"):
        generate_city(tmp_path, students=10, profile="gentle")


def test_same_city_in_two_semesters(run: Run) -> None:
    spring = Semester.parse("2025-spring")
    autumn = run("pair-autumn", students=600, seed=6, semester=spring.previous(), excel=False,
                 city_semester=spring)
    current = run("pair-spring", students=600, seed=6, semester=spring, excel=False)
    # The same people, IDs and schools; the autumn files say autumn.
    assert (read_csv(autumn.truth_dir / "persons.csv")
            == read_csv(current.truth_dir / "persons.csv"))
    students = {r["person_key"]: r for r in read_csv(autumn.truth_dir / "students.csv")}
    later = {r["person_key"]: r for r in read_csv(current.truth_dir / "students.csv")}
    assert students.keys() == later.keys()
    assert all(students[k]["学籍号"] == later[k]["学籍号"] for k in students)
    assert manifest(autumn)["args"]["semester"] == "2024-autumn"
    assert "2025年春季" not in " ".join(p.name for p in autumn.files)
    # Gaps persist between semesters for some students, and change for others.
    gaps = {r["学籍号"] for r in read_csv(autumn.truth_dir / "gaps.csv")}
    gaps_later = {r["学籍号"] for r in read_csv(current.truth_dir / "gaps.csv")}
    assert gaps & gaps_later and gaps - gaps_later and gaps_later - gaps
    # Building the city of its own semester changes nothing.
    same = run("pair-spring-again", students=600, seed=6, semester=spring, excel=False,
               city_semester=spring)
    assert (read_csv(same.truth_dir / "students.csv")
            == read_csv(current.truth_dir / "students.csv"))
