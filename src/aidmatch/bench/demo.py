"""``aidmatch demo``: one synthetic city over two semesters (autumn, then spring), each
reconciled into one database, each gap list scored against the city's truth, then the review
workbook and its web page comparing spring with autumn.

The command line only shows what happens: ``note`` hears each line the demo has to say,
``progress`` gives a progress reporter for each reconciliation, ``show_summary`` is handed the
spring run's summary.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from aidmatch.bench.quality import Score, score_discoverable, score_gaps
from aidmatch.outputs.html import write_html
from aidmatch.outputs.report import NEW, RESOLVED, STILL_OPEN, Report, load_report, write_workbook
from aidmatch.outputs.summary import Summary
from aidmatch.pipeline import reconcile
from aidmatch.runner import Progress
from aidmatch.semester import Semester
from aidmatch.synth import generate_city

SPRING = Semester.parse("2025-spring")


@dataclass(frozen=True)
class DemoResult:
    out_dir: Path
    scores: dict[str, Score]  # per semester code: the gap list against the truth
    report: Report


def _silent(message: str) -> None:
    return None


def _no_progress() -> AbstractContextManager[Progress | None]:
    return contextlib.nullcontext(None)


def run_demo(out_dir: Path, students: int, seed: int,
             note: Callable[[str], None] = _silent,
             progress: Callable[[], AbstractContextManager[Progress | None]] = _no_progress,
             show_summary: Callable[[Summary], None] | None = None) -> DemoResult:
    """Generate, reconcile and score the two semesters in ``out_dir``; write the report."""
    spring = SPRING
    autumn = spring.previous()
    db_path = out_dir / "aidmatch.duckdb"
    note(f"1/4 生成同一城市两个学期的合成数据（{students} 名学生）→ {out_dir / 'data'}")
    for semester in (autumn, spring):
        generate_city(out_dir / "data" / semester.code, students=students, seed=seed,
                      semester=semester, city_semester=spring)
    scores: dict[str, Score] = {}
    for step, semester in ((2, autumn), (3, spring)):
        data_dir, result_dir = out_dir / "data" / semester.code, out_dir / semester.code
        note(f"{step}/4 对账{semester.label} …")
        with progress() as reporter:
            # Invented people only, and the score against the truth needs the 学籍号: full IDs.
            result = reconcile(data_dir / "exports", semester, result_dir, db_path=db_path,
                               masked=False, progress=reporter)
        if semester == spring and show_summary is not None:
            show_summary(result.summary)
        score = scores[semester.code] = score_gaps(result_dir / "gaps.csv",
                                                   data_dir / "truth" / "gaps.csv")
        findable = score_discoverable(result_dir / "gaps.csv", data_dir / "truth" / "gaps.csv")
        note(f"    与真实答案比较：漏助名单 精确率 {score.precision:.2%}，召回率 "
             f"{score.recall:.2%}（命中 {score.true_positives}，误报 {score.false_positives}，"
             f"漏报 {score.false_negatives}）；数据中仍能发现的漏助，召回率 "
             f"{findable.recall:.2%}（其余的证据已被造数据时的损坏抹去）")
    report = load_report(db_path, spring)
    write_workbook(report, out_dir / "核查报告.xlsx")
    write_html(report, out_dir / "核查报告.html")
    note(f"4/4 核查报告（与{autumn.label}对比：新增漏助 {report.comparison_count(NEW)}，"
         f"已解决 {report.comparison_count(RESOLVED)}，连续两学期及以上 "
         f"{report.comparison_count(STILL_OPEN)}）")
    note(f"结果在 {out_dir}：{spring.code}/gaps.xlsx、核查报告.xlsx（可填写核实结果后用 "
         f"aidmatch review import 导入）、核查报告.html。")
    return DemoResult(out_dir, scores, report)
