"""Scoring a gap list against the ground truth of synthetic data (precision and recall).

A gap is identified by the student's 学籍号 (unique in the registry), else their ID number.
A truth gaps.csv may mark gaps 可发现 = 否 (the generator destroyed the evidence: see
:func:`aidmatch.synth.truth.undiscoverable_reasons`); :func:`score_discoverable` scores recall
over the others.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Score:
    """``listed_undiscoverable``: truth gaps marked not discoverable that the list holds anyway;
    correct for precision, outside recall (0 when every gap counts)."""

    true_positives: int
    false_positives: int
    false_negatives: int
    listed_undiscoverable: int = 0

    @property
    def precision(self) -> float:
        right = self.true_positives + self.listed_undiscoverable
        found = right + self.false_positives
        return right / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    def __str__(self) -> str:
        return (f"precision {self.precision:.2%} recall {self.recall:.2%} "
                f"(tp {self.true_positives}, fp {self.false_positives}, "
                f"fn {self.false_negatives}"
                + (f", undiscoverable listed {self.listed_undiscoverable}"
                   if self.listed_undiscoverable else "") + ")")


def _keys(path: Path, *, discoverable_only: bool = False) -> set[str]:
    keys: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if discoverable_only and (row.get("可发现") or "").strip() == "否":
                continue
            key = (row.get("学籍号") or "").strip() or (row.get("身份证件号") or "").strip()
            if key:
                keys.add(key)
    return keys


def score_sets(found: set[str], truth: set[str]) -> Score:
    return Score(len(found & truth), len(found - truth), len(truth - found))


def score_gaps(gaps_csv: Path, truth_csv: Path) -> Score:
    """Compare aidmatch's gaps.csv with the generator's truth/gaps.csv."""
    return score_sets(_keys(gaps_csv), _keys(truth_csv))


def score_discoverable(gaps_csv: Path, truth_csv: Path) -> Score:
    """Like :func:`score_gaps`, recall over the truth gaps not marked 可发现 = 否; listing one of
    those is right (it is a gap), missing it is not held against the list."""
    found, truth = _keys(gaps_csv), _keys(truth_csv)
    discoverable = _keys(truth_csv, discoverable_only=True)
    return Score(len(found & discoverable), len(found - truth), len(discoverable - found),
                 listed_undiscoverable=len(found & (truth - discoverable)))


# The generator's aid finding flags (truth/aid_findings.csv) → the finding file listing them.
FINDING_FILES = {
    "not_enrolled": "not_enrolled_aid.csv",
    "not_in_registry": "not_enrolled_aid.csv",
    "duplicate": "duplicate_aid.csv",
    "wrong_standard": "wrong_standard.csv",
}


def _source_rows(path: Path) -> set[str]:
    """The source rows a finding file lists in its 来源 column (one case may list several)."""
    rows: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            rows.update(part for part in (row.get("来源") or "").split("；") if part)
    return rows


def score_findings(out_dir: Path, truth_csv: Path) -> dict[str, Score]:
    """Compare the payment findings in ``out_dir`` with the generator's truth/aid_findings.csv,
    payment row by payment row, per finding file."""
    truth: dict[str, set[str]] = {name: set() for name in FINDING_FILES.values()}
    with truth_csv.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            sheet = f"「{row['sheet']}」" if row["sheet"] else ""
            truth[FINDING_FILES[row["flag"]]].add(f"{row['file']}{sheet}第{row['row']}行")
    return {name: score_sets(_source_rows(out_dir / name), expected)
            for name, expected in truth.items()}


@dataclass(frozen=True)
class LinkScore:
    """Links of non-registry records to registry students, against the generator's truth.

    ``linkable`` records belong to a registry student and carry enough evidence to be found: some
    digits of an ID, a 学籍号, a name with a birth date, a name in a household with other named
    members, or (payments) a name with a school. The rest (say a blank ID and a name alone) are
    counted as ``unlinkable`` and not held against recall.
    """

    links: int
    wrong_links: int
    linkable: int
    linkable_found: int
    unlinkable: int
    unlinkable_found: int
    by_method: dict[str, tuple[int, int]]

    @property
    def precision(self) -> float:
        return (self.links - self.wrong_links) / self.links if self.links else 1.0

    @property
    def recall(self) -> float:
        return self.linkable_found / self.linkable if self.linkable else 1.0

    def __str__(self) -> str:
        return (f"link precision {self.precision:.3%} ({self.wrong_links} wrong of {self.links}), "
                f"recall {self.recall:.3%} ({self.linkable_found} of {self.linkable} linkable; "
                f"{self.unlinkable_found} of {self.unlinkable} unlinkable found anyway)")


def score_links(db_path: Path, truth_dir: Path, semester: str) -> LinkScore:
    """Score the links a run saved in ``db_path`` (``reconcile --db``) for ``semester``."""
    import duckdb  # local: the gap scorer above stays dependency-free

    con = duckdb.connect(":memory:")
    try:
        con.execute("ATTACH ? AS run (READ_ONLY)", [str(db_path)])
        con.execute("CREATE TEMP TABLE truth_records AS SELECT * FROM read_csv(?, all_varchar = true)",
                    [str(truth_dir / "records.csv")])
        con.execute("CREATE TEMP TABLE truth_students AS SELECT * FROM read_csv(?, all_varchar = true)",
                    [str(truth_dir / "students.csv")])
        con.execute("""
            CREATE TEMP TABLE judged AS
            WITH recs AS (
                SELECT r.*, t.person_key AS true_person,
                       ts.person_key IS NOT NULL AS true_is_registry_student
                FROM run.records r
                JOIN truth_records t
                  ON t.file = r.file AND coalesce(t.sheet, '') = coalesce(r.sheet, '')
                 AND CAST(t.row AS INTEGER) = r.row AND coalesce(t.slot, '') = coalesce(r.slot, '')
                LEFT JOIN (SELECT DISTINCT person_key FROM truth_students) ts
                  ON ts.person_key = t.person_key
                WHERE r.run_semester = ? AND r.source <> 'registry'
            ),
            household_sizes AS (
                SELECT source, household_key, count(*) FILTER (WHERE name_key <> '') AS named
                FROM recs WHERE household_key IS NOT NULL GROUP BY ALL
            )
            SELECT recs.record_id, recs.true_person, recs.true_is_registry_student,
                   (nullif(recs.id_compact, '') IS NOT NULL OR nullif(recs.id_prefix, '') IS NOT NULL
                    OR nullif(recs.student_no, '') IS NOT NULL
                    OR (recs.name_key <> '' AND recs.birth_date IS NOT NULL)
                    OR (recs.name_key <> '' AND coalesce(h.named, 0) >= 2)
                    OR (recs.source = 'aid' AND recs.name_key <> '' AND recs.school IS NOT NULL))
                       AS linkable,
                   l.method_first AS method, ls.person_key AS linked_person
            FROM recs
            LEFT JOIN household_sizes h USING (source, household_key)
            LEFT JOIN (SELECT * FROM run.links WHERE run_semester = ?) l USING (record_id)
            LEFT JOIN (SELECT * FROM run.students WHERE run_semester = ?) s USING (student_id)
            LEFT JOIN truth_students ls ON ls.学籍号 = s.student_no
        """, [semester, semester, semester])
        rows = con.sql("""
            SELECT count(method), count(method) FILTER (linked_person IS DISTINCT FROM true_person),
                   count(*) FILTER (true_is_registry_student AND linkable),
                   count(*) FILTER (true_is_registry_student AND linkable
                                    AND linked_person = true_person),
                   count(*) FILTER (true_is_registry_student AND NOT linkable),
                   count(*) FILTER (true_is_registry_student AND NOT linkable
                                    AND linked_person = true_person)
            FROM judged
        """).fetchall()[0]
        methods = con.sql("""
            SELECT method, count(*), count(*) FILTER (linked_person IS DISTINCT FROM true_person)
            FROM judged WHERE method IS NOT NULL GROUP BY method ORDER BY method
        """).fetchall()
    finally:
        con.close()
    links, wrong, linkable, found, unlinkable, unlinkable_found = (int(x) for x in rows)
    return LinkScore(links, wrong, linkable, found, unlinkable, unlinkable_found,
                     by_method={str(m): (int(n), int(w)) for m, n, w in methods})
