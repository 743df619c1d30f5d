"""Issue 13, case 1: a 案例编号 says nothing about the person.

Case numbers (and slip serial keys) are keyed by a secret of the database: stable within it,
unlinkable without it. A masked workbook's case numbers cannot be matched to IDs by trying the
hidden digits, and a database made by the previous version (md5 keys) is migrated on first open
with every review decision and slip serial kept on its case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path

import duckdb
import openpyxl
import pytest
from click.testing import CliRunner

from aidmatch import keys
from aidmatch.cli import main
from aidmatch.config import Rules
from aidmatch.normalize.ids import check_character, mask
from aidmatch.outputs.report import load_report, write_workbook
from aidmatch.pipeline import reconcile
from aidmatch.review import import_review
from aidmatch.semester import Semester
from aidmatch.slips import print_slips
from tests.builders import read_csv
from tests.conftest import DANFENG, STUDENTS, write_mini_exports

SPRING = Semester.parse("2025-spring")
GAP = STUDENTS["dibao_member"]  # on the 漏助 list


def _keys(db: Path, table: str = "cases") -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {k for (k,) in con.execute(f"SELECT case_key FROM {table}").fetchall()}


def _meta(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(con.execute("SELECT key, value FROM meta").fetchall())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def masked_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("keys")
    exports = write_mini_exports(tmp / "exports")
    reconcile(exports, SPRING, tmp / "out", db_path=tmp / "a.duckdb", masked=True)
    return tmp / "out", tmp / "a.duckdb"


def test_keys_are_stable_in_a_database_and_differ_between_databases(
        masked_run: tuple[Path, Path], tmp_path: Path) -> None:
    out, db = masked_run
    first = _keys(db)
    assert first and all(len(k.rsplit("-", 1)[1]) == 10 for k in first)
    exports = out.parent / "exports"
    reconcile(exports, SPRING, tmp_path / "again", db_path=db, masked=True)
    assert _keys(db) == first  # a rerun: review decisions follow their cases
    reconcile(exports, SPRING, tmp_path / "other", db_path=tmp_path / "b.duckdb")
    assert not _keys(tmp_path / "b.duckdb") & first  # another database: nothing in common
    assert len(_meta(db)["case_secret"]) == 64


def _candidates(masked: str) -> Iterator[str]:
    """Every ID a masked ``6110**********1244`` can hide, over a small realistic space: the
    city's county codes (the first four digits are shown) and school-age birth dates; the check
    character (shown) must fit."""
    head, tail = masked[:4], masked[-4:]
    day = dt.date(2005, 1, 1)
    dates = []
    while day <= dt.date(2020, 12, 31):
        dates.append(day.strftime("%Y%m%d"))
        day += dt.timedelta(days=1)
    for county in range(100):
        for born in dates:
            first17 = f"{head}{county:02d}{born}{tail[:3]}"
            if check_character(first17) == tail[3]:
                yield first17 + tail[3]


def _plausible_digests(number: str) -> set[str]:
    """What an attacker would try: the old formula and any unkeyed or guessable-keyed hash."""
    subjects = [number, "G" + number, number.lower(), keys.legacy_digest(number)]
    found = set()
    for subject in subjects:
        data = subject.encode()
        for name in ("md5", "sha1", "sha256", "sha512", "blake2b", "sha3_256"):
            found.add(hashlib.new(name, data).hexdigest()[:10])
        for guess in (b"", b"aidmatch", b"\0" * 32, b"secret", SPRING.code.encode()):
            found.add(hmac.new(guess, data, hashlib.sha256).hexdigest()[:10])
    return found


def test_case_numbers_cannot_be_matched_to_ids_without_the_database(
        masked_run: tuple[Path, Path]) -> None:
    out, db = masked_run
    gap = next(r for r in read_csv(out / "gaps.csv") if r["姓名"] == GAP.name)
    masked_id = gap["身份证件号"]
    assert masked_id == mask(GAP.id)
    with duckdb.connect(str(db), read_only=True) as con:
        key = con.execute("SELECT case_key FROM finding_gaps WHERE name = ?",
                          [GAP.name]).fetchone()[0]  # type: ignore[index]
    digest = key.rsplit("-", 1)[1]
    candidates = list(_candidates(masked_id))
    assert GAP.id in candidates and len(candidates) > 10_000

    # The old key (md5 of the ID) gave the person away: exactly one candidate fits.
    old = keys.legacy_digest(GAP.id)
    assert [c for c in candidates if keys.legacy_digest(c) == old] == [GAP.id]
    # The new key: no candidate's plausible digest is the case number's.
    assert not [c for c in candidates if digest in _plausible_digests(c)]
    # Only the database's secret links them — and it is in no output.
    secret = _meta(db)["case_secret"]
    assert [c for c in candidates
            if keys.case_key("LZ", SPRING.code, c, secret) == key] == [GAP.id]
    for path in out.iterdir():
        assert secret not in path.read_bytes().decode("utf-8", "replace"), path.name


def _old_database(root: Path, monkeypatch: pytest.MonkeyPatch, rules: Rules
                  ) -> tuple[Path, Path, dict[str, str]]:
    """A database as the previous release left it: md5 case keys, SHA-256 slip keys, a review
    decision imported, slips printed, structure version 1 and no secret."""
    exports = write_mini_exports(root / "exports")
    db = root / "old.duckdb"
    with monkeypatch.context() as old:
        old.setattr(keys, "case_digest_sql", lambda subject: f"left(md5({subject}), 10)")
        old.setattr(keys, "slip_key_hash_sql",
                    lambda semester, key: f"sha256({semester} || chr(31) || {key})")
        reconcile(exports, SPRING, root / "out", db_path=db)
        book_path = root / "核查.xlsx"
        write_workbook(load_report(db, SPRING), book_path)
        book = openpyxl.load_workbook(book_path)
        sheet = book["漏助"]
        header = [c.value for c in sheet[1]]
        decided: dict[str, str] = {}
        for row in range(2, sheet.max_row + 1):
            number = sheet.cell(row, header.index("学籍号") + 1).value
            if number == GAP.student_no:
                sheet.cell(row, header.index("核实结果") + 1).value = "已补录资助"
                decided[str(sheet.cell(row, 1).value)] = "已补录资助"
        book.save(book_path)
        assert import_review(book_path, db).recorded == 1
        assert print_slips(db, SPRING, root / "slips.pdf", rules=rules).new_serials > 0
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        con.execute("DELETE FROM meta WHERE key = 'case_secret'")
    return exports, db, decided


@pytest.mark.parametrize("first_open", ["report", "reconcile"])
def test_a_database_of_the_previous_release_keeps_its_decisions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules: Rules, first_open: str) -> None:
    exports, db, decided = _old_database(tmp_path, monkeypatch, rules)
    old_key = next(iter(decided))
    assert old_key == f"LZ-{SPRING.code}-{keys.legacy_digest(GAP.id)}"  # the old formula
    with duckdb.connect(str(db), read_only=True) as con:
        old_serials = con.execute("SELECT key_hash, serial FROM slip_serials").fetchall()
    slip_hash = hashlib.sha256(f"{SPRING.code}\x1fS:{STUDENTS['plain'].id}".encode()).hexdigest()
    assert slip_hash in {h for h, _ in old_serials}

    # First open by this version (a report, or a rerun of the semester): migrated, decisions
    # on the same case.
    if first_open == "reconcile":
        reconcile(exports, SPRING, tmp_path / "first", db_path=db)
    out = tmp_path / "report.xlsx"
    result = CliRunner().invoke(main, ["report", "--semester", SPRING.code, "--db", str(db),
                                       "--out", str(out), "--full-ids"])
    assert result.exit_code == 0, result.output
    meta = _meta(db)
    assert meta["schema_version"] == "2" and len(meta["case_secret"]) == 64
    secret = meta["case_secret"]
    new_key = keys.case_key("LZ", SPRING.code, GAP.id, secret)
    assert _keys(db, "review_decisions") == {new_key}
    assert old_key not in _keys(db) and new_key in _keys(db)
    assert not [k for k in _keys(db) if k.endswith(keys.legacy_digest(GAP.id))]
    with duckdb.connect(str(db), read_only=True) as con:
        serials = dict(con.execute("SELECT key_hash, serial FROM slip_serials").fetchall())
    assert sorted(serials.values()) == sorted(s for _, s in old_serials)
    assert slip_hash not in serials and keys.keyed_hash(secret, slip_hash) in serials

    def decision_of_gap() -> object:
        book = openpyxl.load_workbook(out)
        sheet = book["漏助"]
        header = [c.value for c in sheet[1]]
        return next(sheet.cell(r, header.index("核实结果") + 1).value
                    for r in range(2, sheet.max_row + 1)
                    if sheet.cell(r, header.index("学籍号") + 1).value == GAP.student_no)

    assert decision_of_gap() == "已补录资助"

    # A rerun of the semester computes the same (migrated) keys: the decision follows.
    reconcile(exports, SPRING, tmp_path / "rerun", db_path=db)
    assert new_key in _keys(db)
    write_workbook(load_report(db, SPRING), out)
    assert decision_of_gap() == "已补录资助"
    # Everyone printed before keeps their serial; the approved student's slip prints too.
    assert print_slips(db, SPRING, tmp_path / "again.pdf", rules=rules).new_serials == 0
    approved = print_slips(db, SPRING, tmp_path / "approved.pdf", source="approved", rules=rules)
    assert approved.slips == 1


def test_an_unknown_future_version_is_refused(masked_run: tuple[Path, Path],
                                              tmp_path: Path) -> None:
    _, db = masked_run
    copy = tmp_path / "future.duckdb"
    copy.write_bytes(db.read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    result = CliRunner().invoke(main, ["report", "--semester", SPRING.code, "--db", str(copy),
                                       "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 3 and "结构版本 9" in result.output


def test_case_key_sql_and_python_agree() -> None:
    secret = keys.new_secret()
    con = duckdb.connect()
    keys.install(con, secret)
    subject = DANFENG + "201203041244|丹凤中学|3"
    sql = con.execute("SELECT " + keys.case_key_sql("BZ", "?"), [SPRING.code, subject]).fetchone()
    assert sql == (keys.case_key("BZ", SPRING.code, subject, secret),)
    migrated = con.execute(f"SELECT {keys.rekey_case_sql('k')} FROM (SELECT ? AS k)",
                           [f"BZ-{SPRING.code}-{keys.legacy_digest(subject)}"]).fetchone()
    assert migrated == sql
