"""The SQL vocabulary (aidmatch.sql): what its fragments mean, and guards that keep it single —
no module restates a fragment the vocabulary names, and no threshold of rules/linkage.yaml is
ever written into a step's SQL text."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import duckdb
import pytest

import aidmatch
from aidmatch import sql
from aidmatch.config import Rules
from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from aidmatch.steps import Steps
from tests.conftest import write_mini_exports

PACKAGE = Path(aidmatch.__file__).parent

# Text only the vocabulary may hold: each is one of its named fragments written out again.
RESTATED = {
    "usable name": re.compile(r"<> '' AND NOT contains\("),
    "person key": re.compile(r"'XJH:' \|\| \w*\.?student_no, 'REC:'"),
    "listed person": re.compile(r"nullif\(\w*\.?name_key, ''\), CAST"),
    "relation word": re.compile(r"ltrim\(coalesce\("),
    "ID shape": re.compile(r"regexp_full_match\([^)]*'\[0-9\]\{17\}"),
    "source text": re.compile(r"'「' \|\| \w+\.sheet \|\| '」'"),
    "detail in brackets": re.compile(r"WHEN \w+\.detail IS NOT NULL THEN '（'"),
    "boarding label": re.compile(r"WHEN true THEN '住校'"),
    "yuan": re.compile(r"DECIMAL\(14, 2\)\) AS VARCHAR\), '0'"),
    "expected programme (boarding)": re.compile(r"\.boarding IS NULL OR"),
    "label CASE": re.compile(r"WHEN '\{\w+\}' THEN '\{\w+\}'"),
    "digits apart": re.compile(r"lambda i: substring\(\{left\}, i, 1\)"),
    "name levels that agree": re.compile(r"'same', 'homophone'"),
}
# Where the vocabulary applies: the engine's SQL (sources/ builds no SQL of these kinds).
MODULES = sorted([PACKAGE / "findings.py", PACKAGE / "eligibility.py",
                  *(PACKAGE / "link").glob("*.py"), *(PACKAGE / "outputs").glob("*.py"),
                  *(PACKAGE / "slips").glob("*.py")])


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_restates_the_vocabulary(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    restated = [name for name, pattern in RESTATED.items() if pattern.search(text)]
    assert restated == [], f"{path.name} restates aidmatch.sql: {restated}"


def test_the_guard_recognises_each_fragment() -> None:
    """Each pattern matches what the vocabulary writes (a guard that matches nothing guards
    nothing); the generic ones (a label CASE, digits apart) match its source."""
    written = " ".join([
        sql.usable_name("r.name_key"), sql.person_key("r"), sql.listed_person("m"),
        sql.relation_word("f.relation"), sql.is_id18("r.id_compact"), sql.source_text("r"),
        sql.with_detail("e.method", "e.detail"), sql.boarding_label("s.boarding"),
        sql.yuan("p.amount"), sql.expected_programme_match(), sql.quoted_list(sql.NAME_LEVELS_AGREE),
        (PACKAGE / "sql.py").read_text(encoding="utf-8"),
        "WHEN '{k}' THEN '{v}'",  # what a module building its own label CASE would write
    ])
    assert [name for name, pattern in RESTATED.items() if not pattern.search(written)] == []


def _unusual_linkage(rules: Rules) -> Rules:
    """Rules whose linkage thresholds are numbers no SQL text would hold by chance."""
    linkage = dataclasses.replace(rules.linkage, accept=13.917, review=5.873, margin=6.241,
                                  max_block_size=2917)
    return dataclasses.replace(rules, linkage=linkage)


def test_linkage_thresholds_are_parameters_never_sql_text(
        rules: Rules, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every step's SQL of a whole run is searched for linkage.yaml's thresholds: they reach
    DuckDB as parameters only."""
    texts: list[str] = []
    original = Steps.table

    def table(self: Steps, name: str, text: str, params: object = None) -> int:
        texts.append(text)
        return original(self, name, text, params)  # type: ignore[arg-type]

    monkeypatch.setattr(Steps, "table", table)
    unusual = _unusual_linkage(rules)
    reconcile(write_mini_exports(tmp_path / "exports"), Semester.parse("2025-spring"),
              tmp_path / "out", db_path=None, rules=unusual)
    assert any("$accept" in t for t in texts) and any("$max_block_size" in t for t in texts)
    for value in ("13.917", "5.873", "6.241", "2917"):
        literal = re.compile(rf"(?<![\d.]){re.escape(value)}(?!\d)")
        assert not [t for t in texts if literal.search(t)], f"{value} written into SQL"


@pytest.mark.parametrize(("boarding", "expected"), [
    (True, ["boarding", "day_or_boarding"]),
    (False, ["day", "day_or_boarding"]),
    (None, ["day", "day_or_boarding"]),  # unknown: 走读, the rate every student of the stage gets
])
def test_expected_programme_match(boarding: bool | None, expected: list[str]) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE s AS SELECT '小学' AS stage, ?::BOOLEAN AS boarding, "
                "['dibao'] AS groups", [boarding])
    con.execute("""CREATE TABLE p AS SELECT * FROM (VALUES
        ('boarding', '小学', true, []::VARCHAR[]), ('day', '小学', false, []::VARCHAR[]),
        ('day_or_boarding', '小学', NULL, ['dibao']), ('orphans_only', '小学', NULL, ['orphan']),
        ('senior', '高中', NULL, []::VARCHAR[])) AS t(id, stage, boarding, groups)""")
    matched = con.execute(f"SELECT p.id FROM s JOIN p ON "
                          f"{sql.expected_programme_match('p', 's', 's.groups')} "
                          f"ORDER BY p.id").fetchall()
    assert [m[0] for m in matched] == expected


@pytest.mark.parametrize(("paid", "registry", "contradicts"), [
    (True, False, True), (False, True, True), (True, True, False), (False, False, False),
    (True, None, False), (False, None, False), (None, True, False),
])
def test_contradicts_boarding(paid: bool | None, registry: bool | None,
                              contradicts: bool) -> None:
    con = duckdb.connect()
    found = con.execute(f"SELECT {sql.contradicts_boarding('e', 's')} FROM "
                        "(SELECT ?::BOOLEAN AS boarding) e, (SELECT ?::BOOLEAN AS boarding) s",
                        [paid, registry]).fetchall()[0][0]
    assert found is contradicts


@pytest.mark.parametrize(("expression", "value"), [
    (sql.usable_name("'王芳'"), True), (sql.usable_name("''"), False),
    (sql.usable_name("'王?'"), False), (sql.is_id18("'11010519491231002X'"), True),
    (sql.is_id18("'1101051949123100'"), False), (sql.relation_word("'之子'"), "子"),
    (sql.relation_word("NULL"), ""), (sql.digits_apart("'123'", "'124'"), 1),
    (sql.digits_apart("'123'", "'1234'"), 99), (sql.yuan("312.50"), "312.5"),
    (sql.yuan("375.00"), "375"), (sql.labels_case("'x'", {"x": "甲'乙"}), "甲'乙"),
    (sql.labels_case("'y'", {"x": "甲"}), "y"),
    (sql.labels_case("'y'", {"x": "甲"}, keep_others=False), None),
])
def test_fragments(expression: str, value: object) -> None:
    assert duckdb.connect().execute(f"SELECT {expression}").fetchall()[0][0] == value
