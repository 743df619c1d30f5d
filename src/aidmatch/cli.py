"""The ``aidmatch`` command: a thin layer over the library. Only this module imports click."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils

from aidmatch import terminal
from aidmatch.cli_texts import translate, translate_plural
from aidmatch.config import load_rules
from aidmatch.errors import AidmatchError, UsageError
from aidmatch.findings import FINDINGS, SOURCE_LABELS
from aidmatch.machine import machine_error
from aidmatch.normalize.ids import redact
from aidmatch.outputs.summary import Summary
from aidmatch.privacy import PRIVATE_UMASK
from aidmatch.semester import Semester
from aidmatch.terminal import say

if TYPE_CHECKING:
    from aidmatch.slips.data import Source

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("aidmatch")

EXIT_INTERNAL = 70

# Click's own texts (Usage:, Error: Invalid value …, Aborted!) in Chinese: its modules look up
# every text through the names ``_`` and ``ngettext`` they imported from gettext. Set before
# any option below is declared (click.Path names its kind when it is created).
for _module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser,
                click.termui, click.types, click.utils):
    if hasattr(_module, "_"):
        _module._ = translate  # type: ignore[attr-defined]
    if hasattr(_module, "ngettext"):
        _module.ngettext = translate_plural  # type: ignore[attr-defined]
OPTIONS_METAVAR = "[选项]"


class AidmatchCommand(click.Command):
    """A command whose usage line reads in Chinese (``[选项]``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)


class AidmatchGroup(click.Group):
    """Turns library errors into a clear message and an exit code; no traceback unless --debug.
    Its commands and sub-groups read in Chinese too."""

    command_class = AidmatchCommand
    group_class = type  # sub-groups (review, rules) are AidmatchGroups

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AidmatchError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            say(("错误：", "bold red"), str(exc), err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            # click prints these itself (a path that does not exist, a bad value): masked first.
            exc.__dict__["message"] = redact(exc.message)  # (click types it Final)
            raise
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            machine = machine_error(exc)  # a full disk or a locked file in any command
            if machine is not None:
                say(("错误：", "bold red"), str(machine), err=True)
                sys.exit(machine.exit_code)
            say(("内部错误：", "bold red"), f"{type(exc).__name__}: {exc}\n"
                "请用 --debug 重新运行并把输出交给技术支持。", err=True)
            sys.exit(EXIT_INTERNAL)


def _setup_logging(verbose: int, quiet: bool) -> None:
    """Warnings by default and with --quiet; -v adds stage times, -vv every step."""
    level = logging.WARNING
    if verbose == 1 and not quiet:
        level = logging.INFO
    elif verbose >= 2 and not quiet:
        level = logging.DEBUG
    logging.basicConfig(level=level, handlers=[terminal.log_handler()], format="%(message)s",
                        force=True)


@click.group(cls=AidmatchGroup)
@click.option("-v", "--verbose", count=True, help="显示更多过程信息（-vv 显示每个处理步骤）。")
@click.option("-q", "--quiet", is_flag=True, help="只显示错误，适合脚本调用。")
@click.option("--debug", is_flag=True, help="出错时显示完整的技术信息（traceback）。")
@click.version_option(package_name="aidmatch")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool, debug: bool) -> None:
    """aidmatch：学生资助“不漏一人”比对工具。

    比对学籍、资助、扶贫（脱贫/防返贫监测）、民政（低保/特困/孤儿/事实无人抚养）、残联五个系统的
    导出名单，找出在读、属于重点保障群体、但本学期没有得到资助的学生（漏助名单）。
    """
    ctx.ensure_object(dict)
    ctx.obj.update(verbose=verbose, quiet=quiet, debug=debug)
    _setup_logging(verbose, quiet)
    # Everything this process creates (results, database, temporary files) is the owner's only.
    os.umask(PRIVATE_UMASK)


def _semester(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Semester | None:
    if value is None:
        return None
    try:
        return Semester.parse(value)
    except UsageError as exc:
        raise click.BadParameter(str(exc)) from None


def _source_overrides(values: tuple[str, ...]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for value in values:
        kind, sep, path = value.partition("=")
        if not sep or not kind or not path:
            raise click.BadParameter(f"「{value}」应写成 类型=文件，例如 civil_assistance=低保.xlsx",
                                     param_hint="--source")
        overrides[path] = kind.strip()
    return overrides


def _print_summary(summary: Summary) -> None:
    say(("aidmatch 对账结果", "bold"), f" · {summary.semester} · 规则 {summary.rules}")
    for n, line in enumerate(summary.incomplete_notice()):
        say(line, style="bold red" if n == 0 else None)
    counts = ("表头行", "数据行", "关联", "未关联", "剔除")
    terminal.table("读入的名单（数据行 = 关联 + 未关联 + 剔除）",
                   ("文件", "工作表", "名单", *counts),
                   ([s.file, s.sheet, SOURCE_LABELS.get(s.kind, s.kind), str(s.header_row),
                     str(s.data_rows), str(s.linked), str(s.unlinked), str(s.rejected)]
                    for s in summary.sheets), right=counts)
    lines = [*summary.counties, summary.total]
    terminal.table("各区县资助覆盖情况", ("区县", "在读", "困难学生", "已资助", "漏助", "覆盖率"),
                   ([c.county, str(c.enrolled), str(c.key_students), str(c.aided),
                     (str(c.gaps), "bold red") if c.gaps else "0",
                     f"{c.coverage:.1%}" if c.coverage is not None else "—"] for c in lines),
                   right=("在读", "困难学生", "已资助", "漏助", "覆盖率"),
                   styles=["bold" if c.county == "合计" else None for c in lines])
    if summary.link_methods:
        say("关联方式：" + "，".join(f"{k} {v}" for k, v in summary.link_methods.items()))
    if summary.review_records:
        say(f"待核实的记录 {summary.review_records} 条，见 review.csv", style="yellow")
    if summary.findings:
        say(summary.findings_line(), style="bold")
    for note in summary.notes:
        say(f"※ {note}", style="yellow")


def _db_option(func: F) -> F:
    return click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
                        default=Path("aidmatch.duckdb"), show_default=True,
                        help="保存数据和结果的 DuckDB 数据库文件。")(func)


def _id_option(func: F) -> F:
    """How result files show ID numbers: masked unless full IDs are asked for explicitly."""
    return click.option(
        "--mask/--full-ids", "masked", default=True, show_default=True,
        help="身份证号和学籍号是否打码（如 6110**********123X）。默认打码；--full-ids 输出完整号码，"
             "只用于县级资助中心内部的工作文件，不得外发或公示。")(func)


def _rules_option(func: F) -> F:
    return click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help="规则目录（默认：项目自带的 rules/）。")(func)


@main.command()
@click.option("--input", "input_dir", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="存放各部门导出文件（.xlsx/.xls/.csv）的文件夹；或 aidmatch load 生成的提取结果"
                   "文件夹，或包含多个提取结果文件夹（如每省一个）的文件夹。")
@click.option("--semester", required=True, callback=_semester,
              help="学期，如 2025-spring、2024-autumn、2025春、2025年春季学期。")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="结果输出文件夹。")
@_db_option
@_rules_option
@click.option("--source", "sources", multiple=True, metavar="类型=文件",
              help="指定某个文件是哪种名单（可多次使用），类型：registry、aid、poverty、"
                   "civil_assistance、child_welfare、disability。")
@_id_option
@click.option("--keep-going", is_flag=True,
              help="有文件无法读取时，仍处理其余文件；所有结果文件和汇总都标为「不完整」并列出跳过的文件。")
@click.option("--keep-intermediate", is_flag=True, help="在数据库的 work 模式中保留每个处理步骤的中间表。")
@click.option("--memory-limit", default=None, metavar="大小",
              help="比对时最多使用的内存，如 4GB；放不下的部分暂存到临时目录（默认：物理内存的四分之一，至少 1GB）。")
@click.option("--temp-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="暂存目录（默认：系统临时目录）；运行结束后删除其中本次的文件。")
@click.option("--threads", type=click.IntRange(1), default=None,
              help="同时读取文件的进程数和比对使用的线程数（默认：每个 CPU 核一个）。")
@click.option("--explain", is_flag=True,
              help="先列出处理计划（各阶段读取、生成哪些表），运行后列出各阶段的行数和用时。")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb",
              show_default=True,
              help="比对引擎：duckdb（本机，默认）或 spark（Apache Spark，需要 "
                   "pip install \"aidmatch[spark]\" 和 Java 17 或更新版本）；结果完全相同。")
@click.option("--spark-master", default=None, metavar="URL",
              help="Spark 集群地址，如 spark://主机:7077（默认：在本机运行，每个 CPU 核一个线程）；"
                   "集群的各节点需安装 aidmatch，--temp-dir 须是各节点共享的文件夹。")
@click.pass_context
def reconcile(ctx: click.Context, input_dir: Path, semester: Semester, out_dir: Path,
              db_path: Path, rules_dir: Path | None, sources: tuple[str, ...], masked: bool,
              keep_going: bool, keep_intermediate: bool, memory_limit: str | None,
              temp_dir: Path | None, threads: int | None, explain: bool, engine: str,
              spark_master: str | None) -> None:
    """对账一个学期：读入各系统名单，输出漏助名单（gaps.csv）等结果。"""
    from aidmatch.pipeline import Resources
    from aidmatch.pipeline import reconcile as run_reconcile
    from aidmatch.stages import explain_plan, explain_times, plan

    if explain:
        say(explain_plan(plan()))
    started = time.perf_counter()
    with terminal.run_progress(not ctx.obj["quiet"]) as progress:
        result = run_reconcile(
            input_dir, semester, out_dir, db_path=db_path, rules_dir=rules_dir,
            overrides=_source_overrides(sources), masked=masked,
            keep_intermediate=keep_intermediate, progress=progress, keep_going=keep_going,
            resources=Resources(memory_limit, temp_dir, threads), engine=engine,
            spark_master=spark_master)
    if not ctx.obj["quiet"]:
        _print_summary(result.summary)
        names = "不完整-gaps.csv、不完整-gaps.xlsx" if result.summary.incomplete else "gaps.csv、gaps.xlsx"
        say(f"漏助 {result.gaps} 人，结果已写入 {out_dir}（{names} 等），"
            f"数据库 {db_path}，用时 {time.perf_counter() - started:.1f} 秒。")
    if explain:
        say(explain_times(result.stages, plan()))
    if result.summary.incomplete:
        say(f"结果不完整：跳过了 {len(result.summary.skipped)} 个文件或工作表，见 summary.txt。",
            err=True, style="bold red")


@main.command()
@click.option("--input", "input_dir", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="存放各部门导出文件（.xlsx/.xls/.csv）的文件夹，与 reconcile 相同。")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="提取结果文件夹（Parquet 文件和 aidmatch-extract.json）；其中已有的提取结果会被替换。")
@click.option("--semester", default=None, callback=_semester,
              help="学期，如 2025-spring（默认：今天所在的学期）；对账时必须用同一学期。")
@_rules_option
@click.option("--source", "sources", multiple=True, metavar="类型=文件",
              help="指定某个文件是哪种名单（可多次使用），同 reconcile。")
@click.option("--keep-going", is_flag=True,
              help="有文件无法读取时，仍提取其余文件；用这个提取结果对账时，结果标为「不完整」。")
@click.option("--threads", type=click.IntRange(1), default=None,
              help="同时读取文件的进程数（默认：每个 CPU 核一个）。")
@click.pass_context
def load(ctx: click.Context, input_dir: Path, out_dir: Path, semester: Semester | None,
         rules_dir: Path | None, sources: tuple[str, ...], keep_going: bool,
         threads: int | None) -> None:
    """提取：读入一个文件夹的导出名单（与 reconcile 的读取完全相同），保存为提取结果。

    各省（或各县）分别提取，汇总后用 reconcile --input 对一个提取结果文件夹、或一个包含多个
    提取结果文件夹（每省一个）的文件夹一起对账，不必再次读取原始文件。
    """
    from aidmatch.pipeline import load as run_load

    chosen = semester or Semester.containing(dt.date.today())
    started = time.perf_counter()
    with terminal.run_progress(not ctx.obj["quiet"]) as progress:
        loaded = run_load(input_dir, chosen, out_dir, rules_dir=rules_dir,
                          overrides=_source_overrides(sources), keep_going=keep_going,
                          threads=threads, progress=progress)
    if not ctx.obj["quiet"]:
        for note in loaded.notes:
            say(f"※ {note}", style="yellow")
        say(f"已提取 {len(loaded.files)} 个文件、{loaded.records.num_rows} 条记录、"
            f"{len(loaded.rejects)} 行剔除（{chosen.label}），写入 {out_dir}，"
            f"用时 {time.perf_counter() - started:.1f} 秒。")
    if loaded.skipped:
        say(f"提取结果不完整：跳过了 {len(loaded.skipped)} 个文件或工作表；用它对账时结果标为「不完整」。",
            err=True, style="bold red")
        for problem in loaded.skipped:
            say(f"  {problem}", err=True)


@main.command()
@click.option("--students", default=2000, show_default=True, type=click.IntRange(10),
              help="学籍学生人数（约）。")
@click.option("--seed", default=42, show_default=True, type=int, help="随机种子（相同种子生成相同数据）。")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="输出文件夹：exports/ 为各系统导出文件，truth/ 为真实答案。")
@click.option("--semester", default="2025-spring", show_default=True, callback=_semester,
              help="生成哪个学期的资助数据。")
@click.option("--profile", default="realistic", show_default=True,
              type=click.Choice(["clean", "realistic", "harsh"]), help="数据损坏程度。")
@click.option("--csv-only", is_flag=True, help="全部导出为 CSV（大规模数据时使用）。")
@click.option("--city-semester", default=None, callback=_semester,
              help="按这个学期生成城市（同一种子、同一学年的两个学期得到同一批学生），如 2025-spring。")
@click.option("--country", "provinces", default=None, type=click.IntRange(2),
              help="生成全国数据：N 个省（陕西省在前），每省一个子文件夹 exports/<省名>/，含跨省随迁子女"
                   "（在甲省就读、户籍和帮扶名单在乙省）；--students 为全国合计。")
@click.option("--migrant-share", default=None, type=click.FloatRange(0, 1),
              help="与 --country 同用：有在校子女的家庭中，子女到外省就读的比例（默认 0.1）。")
def synth(students: int, seed: int, out_dir: Path, semester: Semester, profile: str,
          csv_only: bool, city_semester: Semester | None, provinces: int | None,
          migrant_share: float | None) -> None:
    """生成合成的测试数据（虚构的人员，绝无真实个人信息）及其真实答案。"""
    from aidmatch.synth import generate_city, generate_country
    from aidmatch.synth.geography import country_provinces

    if provinces is None and migrant_share is not None:
        raise UsageError("--migrant-share 只能与 --country 同时使用")
    if provinces is not None:
        names = country_provinces()
        if provinces > len(names):
            raise UsageError(f"--country 最多 {len(names)} 个省（{'、'.join(names)}）")
        if city_semester is not None:
            raise UsageError("--country 不能与 --city-semester 同时使用")
        country = generate_country(out_dir, provinces=provinces, students=students, seed=seed,
                                   migrant_share=0.1 if migrant_share is None else migrant_share,
                                   semester=semester, profile=profile, excel=not csv_only)
        say(f"已生成 {out_dir}：{country}")
        return
    result = generate_city(out_dir, students=students, seed=seed, semester=semester,
                           profile=profile, excel=not csv_only, city_semester=city_semester)
    say(f"已生成 {out_dir}：{result}")


@main.command()
@click.option("--out", "out_dir", default=Path("demo"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="演示输出文件夹。")
@click.option("--students", default=3000, show_default=True, type=click.IntRange(10),
              help="合成数据的学生人数。")
@click.option("--seed", default=42, show_default=True, type=int, help="随机种子。")
@click.pass_context
def demo(ctx: click.Context, out_dir: Path, students: int, seed: int) -> None:
    """演示：同一个合成城市的秋季、春季两个学期，对账，生成核查报告，并与真实答案比较。"""
    from aidmatch.bench.demo import run_demo

    quiet = ctx.obj["quiet"]

    def note(message: str) -> None:  # -q: errors only
        if not quiet:
            say(message)

    run_demo(out_dir, students, seed, note=note,
             progress=lambda: terminal.run_progress(not quiet),
             show_summary=None if quiet else _print_summary)


@main.command()
@click.option("--semester", required=True, callback=_semester, help="学期，如 2025-spring。")
@click.option("--county", default=None,
              help="只生成这个区县的核查包（默认：全市，每个核查项目一张工作表，可按区县筛选）。")
@click.option("--split", type=click.Choice(["county", "school"]), default=None,
              help="一次生成多份：county 每个区县一个核查工作簿，school 每所学校一份核查清单；"
                   "此时 --out 是文件夹。")
@_id_option
@click.option("--html", is_flag=True, help="生成一个网页（HTML，可离线打开）而不是 Excel 工作簿。")
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path),
              help="输出文件（.xlsx，或 --html 时的 .html）；用 --split 时为输出文件夹。")
@_db_option
@_rules_option
def report(semester: Semester, county: str | None, split: str | None, masked: bool, html: bool,
           out_file: Path, db_path: Path, rules_dir: Path | None) -> None:
    """核查报告：汇总、漏助及其他核查项目（可填写核实结果）、与上学期对比。"""
    from aidmatch.outputs.html import write_html
    from aidmatch.outputs.report import load_report, write_split, write_workbook

    review = load_rules(rules_dir).review
    if split is not None:
        if county is not None or html:
            raise UsageError("--split 不能与 --county 或 --html 同时使用")
        if out_file.exists() and not out_file.is_dir():
            raise UsageError("用 --split 时 --out 应是文件夹", file=str(out_file))
        written = write_split(db_path, semester, split, out_file, masked=masked, review=review)
        what = "区县核查工作簿" if split == "county" else "学校核查清单"
        say(f"已生成 {len(written)} 份{what}，在 {out_file}"
            + ("（身份证号已打码）" if masked else "（完整身份证号，仅限县内使用）"))
        return
    if out_file.is_dir():
        raise UsageError("--out 应是文件（不用 --split 时）", file=str(out_file))
    data = load_report(db_path, semester, county=county, masked=masked, review=review)
    if html:
        write_html(data, out_file)
    else:
        write_workbook(data, out_file)
    counts = "，".join(f"{c.finding.label} {len(c.rows)}" for c in data.findings)
    say(f"已生成 {out_file}（{data.title}：{counts}）")
    if data.incomplete:
        say(f"结果不完整：{data.semester.label}最近一次对账跳过了 {len(data.notice) - 1} 个文件或工作表"
            "（--keep-going），报告的每张工作表和网页顶部都已注明。", err=True, style="bold red")


@main.group()
def review() -> None:
    """县级核实：导入填好核实结果的核查工作簿。"""


@review.command("import")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_db_option
@click.option("--reviewer", default=None, help="核实人（工作簿中没有填写「核实人」时使用；默认：当前系统用户）。")
@_rules_option
def review_import(workbook: Path, db_path: Path, reviewer: str | None,
                  rules_dir: Path | None) -> None:
    """导入交回的核查工作簿（aidmatch report 生成），把核实结果记入数据库。

    每张核查工作表的核实结果按该核查项目的选项（规则目录的 review.yaml）检查。"""
    from aidmatch.review import import_review

    result = import_review(workbook, db_path, reviewer, review=load_rules(rules_dir).review)
    say(f"{result.semester.label}：读入 {result.rows_read} 个案例，记录 {result.recorded} 条核实结果，"
        f"{result.unchanged} 条与已记录的相同，{result.open} 个仍待核实。")


@main.command()
@click.option("--semester", required=True, callback=_semester,
              help="学期，如 2025-spring、2024-autumn、2025春、2025年春季学期。")
@click.option("--county", default=None, help="只打印这个区县（名称与名单一致）。")
@click.option("--school", default=None, help="只打印这所学校（名称与名单一致）。")
@click.option("--from", "source", type=click.Choice(["payments", "approved"]), default="payments",
              show_default=True,
              help="payments：本学期的资助发放名单；approved：县区核实结果为“已补录资助”的漏助学生"
                   "（由 aidmatch review import 导入）。")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="输出的 PDF 文件，如 slips.pdf。")
@_db_option
@_rules_option
@click.option("--mask/--full-ids", "masked", default=True, show_default=True,
              help="身份证号和学籍号打码（默认）；--full-ids 时存根联印完整号码，"
                   "学校留存联和学生（家长）联始终打码。")
@click.pass_context
def slips(ctx: click.Context, semester: Semester, county: str | None, school: str | None,
          source: Source, out_path: Path, db_path: Path, rules_dir: Path | None,
          masked: bool) -> None:
    """打印三联单：本学期每位受助学生一页（存根联、学校留存联、学生（家长）联），每校一张封面清单。"""
    from aidmatch.money import lowercase, uppercase
    from aidmatch.slips import print_slips

    with terminal.run_progress(not ctx.obj["quiet"]) as progress:
        result = print_slips(db_path, semester, out_path, county=county, school=school,
                             source=source, full_ids=not masked, rules_dir=rules_dir,
                             progress=progress)
    say(f"已生成 {result.path}：{result.slips} 份三联单，{result.schools} 所学校，"
        f"共 {result.pages} 页（新编号 {result.new_serials} 个）。")
    say(f"金额合计 {lowercase(result.total)}（{uppercase(result.total)}）")
    say(f"字体：{result.font.description}")
    if result.unlinked:
        say(f"其中 {result.unlinked} 份的发放记录未与学籍关联，按发放名单打印（封面备注“未关联学籍”）。")
    if result.amounts_to_fill:
        say(f"{result.amounts_to_fill} 份的发放名单未写金额，金额栏留空待填。")
    if result.held:
        say(f"其中 {sum(result.held.values())} 份涉及待县区核实的"
            + "、".join(f"{k}（{v} 份）" for k, v in result.held.items())
            + "，已在存根联、学校留存联和封面注明“暂缓发放”；核实后重新打印即可去掉标注。",
            style="yellow")


@main.command()
@_db_option
@click.option("--semester", default=None, callback=_semester, help="只列出这个学期的运行。")
def runs(db_path: Path, semester: Semester | None) -> None:
    """审计记录：列出每次对账的时间、学期、规则版本和读入文件的 SHA-256。"""
    from aidmatch.store import list_runs

    records = list_runs(db_path, semester.code if semester else None)
    if not records:
        say(f"{db_path} 中没有运行记录。")
        return
    for run in records:
        flags = "、".join(flag for flag in (
            "结果不完整" if run.incomplete else "",
            "完整证件号" if run.ids == "full" else "证件号已打码",
            f"个人数据已于 {run.purged_at:%Y-%m-%d %H:%M} 删除" if run.purged_at else "") if flag)
        say(f"#{run.run_id}  {run.semester}  {run.started_at:%Y-%m-%d %H:%M:%S} → "
            f"{run.finished_at:%H:%M:%S}  输入 {run.input_dir}  规则 {run.rules_version}"
            f"（指纹 {run.rules_fingerprint}）  aidmatch {run.aidmatch_version}  {flags}")
        for path, sha, size in run.files:
            say(f"    {sha}  {size:>10} 字节  {path}")


@main.command()
@_db_option
@click.option("--semester", required=True, callback=_semester, help="要删除个人数据的学期。")
@click.option("--yes", is_flag=True, help="不再询问，直接删除（用于脚本）。")
def purge(db_path: Path, semester: Semester, yes: bool) -> None:
    """从数据库中删除一个学期的个人数据（名单、关联、结果），保留运行记录和文件哈希。"""
    from aidmatch.store import purge_semester

    if not yes:
        click.confirm(terminal.prompt(f"删除 {db_path} 中 {semester.label} 的全部个人数据？此操作不能撤销"),
                      abort=True)
    result = purge_semester(db_path, semester.code)
    if not result.removed and not result.work_tables:
        say(f"{db_path} 中没有 {semester.label} 的个人数据，未删除任何内容。")
        return
    say(f"已从 {db_path} 删除 {semester.label} 的个人数据，共 {result.total} 行：")
    for table, count in result.removed.items():
        say(f"  {table}：{count} 行")
    if result.work_tables:
        say("  以及保留的中间表（--keep-intermediate）：" + "、".join(result.work_tables))
    say(f"保留了审计记录：{result.kept_runs} 次运行、{result.kept_files} 个输入文件的文件名、SHA-256 和大小"
        "（aidmatch runs 查看）" + (f"；其中 {result.redacted_names} 个含身份证号的文件或文件夹名已改为打码后的名称"
                                   if result.redacted_names else "") + "。")
    say("数据库文件已重写，删除的数据不会残留。")


@main.group()
def rules() -> None:
    """查看和检查规则（rules/ 目录）。"""


@rules.command("check")
@_rules_option
def rules_check(rules_dir: Path | None) -> None:
    """检查规则文件是否正确，列出所有问题。"""
    loaded = load_rules(rules_dir)
    say(f"规则正确：{loaded.directory}（{loaded.version}，指纹 {loaded.fingerprint}）")
    for group in loaded.policy.groups.values():
        state = "启用" if group.enabled else "停用"
        say(f"  [{state}] {group.label}：{loaded.sources.sources[group.source].label}"
            + (f"，类别 {'、'.join(group.categories)}" if group.categories else "")
            + (f"；家庭成员在册、本人未在册（全户在册）：{_FAMILY_ROUTE_WORDS[group.family_member_route]}"
               if group.scope == "household" else ""))
    say(f"核实结果（review.yaml {loaded.review.version}，尚未核实：{loaded.review.open}）：")
    for finding in FINDINGS:
        say(f"  {finding.label}：{'、'.join(loaded.review.decisions(finding.label))}")


_FAMILY_ROUTE_WORDS = {"gap": "列为漏助", "candidate": "列为待核实", "off": "不列出"}


if __name__ == "__main__":  # pragma: no cover
    main()
