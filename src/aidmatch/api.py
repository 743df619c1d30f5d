"""aidmatch as a library: one call reconciles a semester and hands back its results as Arrow.

For provincial data teams working in a notebook. The call is the one ``aidmatch reconcile``
makes: the same rules, the same result files in ``out_dir``, the same database when ``db`` is
given. The result lists also come back in memory, as :class:`pyarrow.Table` objects with the
files' Chinese headers and values (``.to_pandas()`` on any of them with the ``pandas`` extra
installed: ``pip install "aidmatch[pandas]"``).

>>> import tempfile
>>> from pathlib import Path
>>> import aidmatch
>>> from aidmatch.synth import generate_city
>>> folder = Path(tempfile.mkdtemp())
>>> _ = generate_city(folder / "city", students=80, seed=7,
...                   semester=aidmatch.Semester.parse("2025-spring"))
>>> result = aidmatch.reconcile(folder / "city" / "exports", "2025-spring", folder / "out")
>>> result.gaps.column_names[:4]
['学籍号', '身份证件号', '姓名', '性别']
>>> result.gaps.num_rows == result.summary.total.gaps
True
>>> "重复资助" in result.findings and "数据质量" in result.tables
True
>>> (folder / "out" / "gaps.csv").is_file()
True

ID numbers in the tables are full unless ``masked=True`` (then masked as in the files): the
tables are as sensitive as the database and stay in the process unless written out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from aidmatch.config import load_rules
from aidmatch.outputs.lists import DATA_QUALITY_LIST as DATA_QUALITY
from aidmatch.outputs.lists import GAPS_LIST as GAPS
from aidmatch.outputs.lists import KEY_STUDENTS_LIST as KEY_STUDENTS
from aidmatch.outputs.summary import Summary
from aidmatch.pipeline import Resources
from aidmatch.pipeline import reconcile as run_pipeline
from aidmatch.semester import Semester


@dataclass(frozen=True)
class Reconciliation:
    """What one reconciliation found. ``tables`` holds every result list by its Chinese name;
    :attr:`gaps`, :attr:`key_students` and :attr:`findings` name them."""

    semester: Semester
    out_dir: Path
    db_path: Path | None
    summary: Summary
    tables: dict[str, pa.Table]

    @property
    def gaps(self) -> pa.Table:
        """漏助: enrolled key-group students with no aid this semester (gaps.csv)."""
        return self.tables[GAPS]

    @property
    def key_students(self) -> pa.Table:
        """Every enrolled key-group student, paid or not, with the evidence (key_students.csv)."""
        return self.tables[KEY_STUDENTS]

    @property
    def findings(self) -> dict[str, pa.Table]:
        """The findings besides 漏助, by label (家庭成员在册，本人未在册, 非在读享受资助, 重复资助,
        标准不符, 身份信息有误, 未关联的可能学生): each case under its 案例编号."""
        return {name: table for name, table in self.tables.items()
                if name not in (GAPS, KEY_STUDENTS, DATA_QUALITY)}

    @property
    def data_quality(self) -> pa.Table:
        """The ID problems no enrolled student rests on, per file and problem, for the sending
        departments (data_quality.csv; example IDs always masked)."""
        return self.tables[DATA_QUALITY]

    @property
    def incomplete(self) -> bool:
        """True when files were left out (``keep_going``): every result is then 不完整."""
        return self.summary.incomplete


def reconcile(input_dir: str | Path, semester: str | Semester, out_dir: str | Path, *,
              db: str | Path | None = None, rules_dir: str | Path | None = None,
              masked: bool = False, keep_going: bool = False, memory_limit: str | None = None,
              threads: int | None = None, engine: str = "duckdb",
              spark_master: str | None = None) -> Reconciliation:
    """Reconcile the exports in ``input_dir`` for ``semester`` (``"2025-spring"`` or a
    :class:`Semester`), writing the result files to ``out_dir``. ``input_dir`` may instead be
    an extract (``aidmatch load``) or a folder of extracts, one per province, reconciled together.

    ``db`` keeps the semester in a database (as ``--db``; default: none, nothing stored);
    ``rules_dir`` replaces the shipped rules (as ``--rules``); ``masked`` masks ID numbers in
    files and tables; ``keep_going`` leaves bad files out instead of stopping (every result is
    then marked incomplete); ``memory_limit`` (``"4GB"``) and ``threads`` cap what the run may
    use; ``engine="spark"`` runs the matching on Apache Spark (as ``--engine spark``, locally or
    on the cluster ``spark_master``), with the same results. Bad input raises
    :class:`aidmatch.errors.AidmatchError` with the Chinese message the command line prints.
    """
    chosen = semester if isinstance(semester, Semester) else Semester.parse(semester)
    rules = load_rules(None if rules_dir is None else Path(rules_dir))
    run = run_pipeline(Path(input_dir), chosen, Path(out_dir),
                       db_path=None if db is None else Path(db), rules=rules, masked=masked,
                       keep_going=keep_going,
                       resources=Resources(memory_limit=memory_limit, threads=threads),
                       tables=True, engine=engine, spark_master=spark_master)
    return Reconciliation(chosen, run.out_dir, run.db_path, run.summary, run.tables)


__all__ = ["Reconciliation", "reconcile"]
