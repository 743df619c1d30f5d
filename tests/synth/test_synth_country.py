"""generate_country: provinces, migrant children (随迁子女), and what a country run finds."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

import aidmatch
from aidmatch.bench.quality import score_discoverable, score_sets
from aidmatch.cli import main
from aidmatch.synth import CountryResult, generate_country
from aidmatch.synth.datafiles import data_lines

from .helpers import read_csv

SEMESTER = "2025-spring"
PROVINCE_CODES = {"陕西省": "61", "河南省": "41", "四川省": "51"}
ROSTER_SOURCES = {"poverty", "civil", "child_welfare", "disability"}


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> CountryResult:
    # Seed 3 writes a 低收入 roster the engine once took for a 扶贫 file (see test_layout).
    return generate_country(tmp_path_factory.mktemp("country"), provinces=3, students=900,
                            seed=3, migrant_share=0.3)


@pytest.fixture(scope="module")
def migrants(country: CountryResult) -> list[dict[str, str]]:
    return read_csv(country.truth_dir / "migrants.csv")


def _province(file: str) -> str:
    return file.split("/", 1)[0]


def _county_provinces() -> dict[str, str]:
    provinces = {row[0]: "陕西省" for row in data_lines("geography.tsv")}
    provinces.update({row[2]: row[0] for row in data_lines("country.tsv")})
    return provinces


def _migrant_gaps(migrants: list[dict[str, str]], *, school_province: str | None = None
                  ) -> set[str]:
    return {m["学籍号"] for m in migrants if m["is_gap"] == "1" and m["可发现"] == "是"
            and school_province in (None, m["就读省份"])}


def test_same_seed_gives_same_country(tmp_path: Path) -> None:
    first = generate_country(tmp_path / "a", provinces=2, students=200, seed=9, excel=False)
    again = generate_country(tmp_path / "b", provinces=2, students=200, seed=9, excel=False)
    names = sorted(str(p.relative_to(first.out_dir)) for p in first.files)
    assert names == sorted(str(p.relative_to(again.out_dir)) for p in again.files)
    for name in names:
        assert (first.out_dir / name).read_bytes() == (again.out_dir / name).read_bytes()
    for truth in sorted(first.truth_dir.iterdir()):
        assert truth.read_bytes() == (again.truth_dir / truth.name).read_bytes(), truth.name


def test_one_folder_per_province(country: CountryResult) -> None:
    assert country.provinces == ["陕西省", "河南省", "四川省"]
    folders = sorted(p.name for p in country.exports_dir.iterdir())
    assert folders == sorted(country.provinces)
    for province in country.provinces:
        systems = {p.name for p in country.province_dir(province).iterdir()}
        assert {"学籍", "资助", "乡村振兴", "民政", "残联"} <= systems, province


def test_provinces_have_distinct_id_prefixes(country: CountryResult,
                                             migrants: list[dict[str, str]]) -> None:
    """Most of a province's own students carry its region code; a migrant's is the home one."""
    moved = {m["person_key"] for m in migrants}
    where = _county_provinces()
    prefixes: dict[str, Counter[str]] = defaultdict(Counter)
    for student in read_csv(country.truth_dir / "students.csv"):
        if student["person_key"] not in moved and student["身份证件号"]:
            prefixes[where[student["区县"]]][student["身份证件号"][:2]] += 1
    for province, counts in prefixes.items():
        code, count = counts.most_common(1)[0]
        assert code == PROVINCE_CODES[province]
        assert count >= 0.8 * sum(counts.values()), province
    with_id = [m for m in migrants if m["身份证件号"]]
    at_home = sum(m["身份证件号"][:2] == PROVINCE_CODES[m["户籍省份"]] for m in with_id)
    assert at_home >= 0.8 * len(with_id)


def test_migrants_study_in_one_province_and_are_rostered_in_another(
        country: CountryResult, migrants: list[dict[str, str]]) -> None:
    assert country.migrants == len(migrants) > 0
    assert all(m["就读省份"] != m["户籍省份"] for m in migrants)
    assert country.migrant_gaps == sum(m["is_gap"] == "1" for m in migrants) >= 10
    moved = {m["person_key"]: m for m in migrants}
    registry: dict[str, set[str]] = defaultdict(set)
    rosters: dict[str, set[str]] = defaultdict(set)
    for record in read_csv(country.truth_dir / "records.csv"):
        if record["is_student"] != "1" or record["slot"]:
            continue
        if record["source"] == "registry":
            registry[record["person_key"]].add(_province(record["file"]))
        elif record["source"] in ROSTER_SOURCES:
            rosters[record["person_key"]].add(_province(record["file"]))
    rostered_migrants = 0
    for key, provinces in rosters.items():
        # Rosters are kept where the household is registered: one province per person.
        assert len(provinces) == 1, key
        if key in moved:
            rostered_migrants += 1
            assert provinces == {moved[key]["户籍省份"]}
            assert registry[key] <= {moved[key]["就读省份"]}
        elif registry[key]:
            assert registry[key] == provinces, key  # nobody else studies away from home
    assert rostered_migrants >= 10


def test_a_country_run_finds_every_discoverable_migrant_gap(
        country: CountryResult, migrants: list[dict[str, str]], tmp_path: Path) -> None:
    result = aidmatch.reconcile(country.exports_dir, SEMESTER, tmp_path / "out")
    overall = score_discoverable(tmp_path / "out" / "gaps.csv", country.truth_dir / "gaps.csv")
    assert overall.false_positives == 0 and overall.false_negatives == 0, str(overall)
    found = set(result.gaps.column("学籍号").to_pylist())
    wanted = _migrant_gaps(migrants)
    moved = score_sets(found & {m["学籍号"] for m in migrants}, wanted)
    assert len(wanted) >= 10
    assert (moved.recall, moved.precision) == (1.0, 1.0), str(moved)


def test_one_province_alone_misses_the_migrants_rostered_elsewhere(
        country: CountryResult, migrants: list[dict[str, str]], tmp_path: Path) -> None:
    """Why a country run matters: a province's own run cannot see its migrant children's
    rosters, which sit in their home province."""
    province = "河南省"
    aidmatch.reconcile(country.province_dir(province), SEMESTER, tmp_path / "out")
    with (tmp_path / "out" / "gaps.csv").open(encoding="utf-8-sig", newline="") as handle:
        found = {row["学籍号"] for row in csv.DictReader(handle)}
    away = _migrant_gaps(migrants, school_province=province)
    assert len(away) >= 5
    assert not found & away
    # The province's own gap children are still found.
    moved = {m["学籍号"] for m in migrants}
    where = _county_provinces()
    own = {row["学籍号"] for row in read_csv(country.truth_dir / "gaps.csv")
           if where[row["区县"]] == province and row["学籍号"] not in moved
           and row["可发现"] == "是"}
    assert own and own <= found


def test_cli_synth_country(tmp_path: Path) -> None:
    out = tmp_path / "country"
    done = CliRunner().invoke(main, ["synth", "--country", "2", "--students", "120", "--seed",
                                     "4", "--csv-only", "--migrant-share", "0.2", "--out",
                                     str(out)])
    assert done.exit_code == 0, done.output
    assert "跨省随迁子女" in done.output
    assert sorted(p.name for p in (out / "exports").iterdir()) == ["河南省", "陕西省"]
    assert (out / "truth" / "migrants.csv").is_file()


@pytest.mark.parametrize("args", [
    ["--country", "1"], ["--country", "99"], ["--migrant-share", "0.2"],
    ["--country", "2", "--city-semester", "2024-autumn"],
])
def test_cli_synth_country_refuses(tmp_path: Path, args: list[str]) -> None:
    done = CliRunner().invoke(main, ["synth", "--students", "50", "--out", str(tmp_path), *args])
    assert done.exit_code != 0
    assert not (tmp_path / "exports").exists()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"provinces": 1}, "provinces"), ({"students": 0}, "students"),
    ({"migrant_share": 1.5}, "migrant_share"),
])
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_country(tmp_path, **kwargs)  # type: ignore[arg-type]
