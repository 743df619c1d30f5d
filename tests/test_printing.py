"""Issue 13, cases 3 and 4: everything aidmatch prints goes through one place
(:mod:`aidmatch.terminal`), which masks every form of ID the reader accepts and never reads text
as markup; summary files and masked result lists are redacted the same way."""

from __future__ import annotations

import ast
import datetime as dt
import re
import shutil
import sys
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidmatch.cli import main
from aidmatch.normalize.ids import ID_DIGITS, ID_X, classify, redact
from tests.builders import make_id, write_csv, write_xlsx

SRC = Path(__file__).resolve().parents[1] / "src" / "aidmatch"
ROOT = Path(__file__).resolve().parents[1]
FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
# What may stand between the groups of a hand-typed ID (the reader strips the first kinds; a
# dash or underscore it does not read, but a file name may still carry one).
JOINERS = [" ", "  ", "\t", "\n", "\u3000", "\u00a0", "\u200b", "'", "-", "_", "－", " - "]
NAME_SAFE = [j for j in JOINERS if j not in ("\t", "\n")]


@st.composite
def id_forms(draw: st.DrawFn, joiners: list[str] = JOINERS) -> tuple[str, str]:
    """(the 18-character ID, a form of it as people type it)."""
    region = draw(st.sampled_from(["611022", "611023", "610102", "110105", "441302"]))
    born = draw(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2020, 12, 31)))
    number = make_id(region, born.strftime("%Y%m%d"), f"{draw(st.integers(0, 999)):03d}")
    old = draw(st.booleans()) and born.year < 2000
    text = number[:6] + number[8:17] if old else number
    cuts = sorted(draw(st.sets(st.integers(1, len(text) - 1), max_size=3)))
    parts = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    form = parts[0]
    for part in parts[1:]:
        form += draw(st.sampled_from(joiners)) + part
    if draw(st.booleans()):
        form = form.translate(FULL_WIDTH)
    if draw(st.booleans()):
        form = form.replace("X", "x").replace("Ｘ", "ｘ")
    form = draw(st.sampled_from(["", "G", "'"])) + form
    return number, form


def _normalised(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if c.isalnum()).upper()


def printed_in_full(number: str, text: str) -> bool:
    """Does ``text`` show ``number`` whole, in any form (as 18 or as the old 15 digits)?"""
    shown = _normalised(text)
    return number[:17] in shown or (number[:6] + number[8:17]) in shown


def test_the_digit_and_x_classes_are_what_nfkc_folds() -> None:
    """What the reader folds into a digit or an X (Python's NFKC for one cell, Arrow's for a
    column, whose Unicode tables are newer) is what redact looks for."""
    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000]
    arrow = pc.utf8_normalize(pa.array(chars), "NFKC").to_pylist()
    digits, xs = set(), set()
    for char, folded_by_arrow in zip(chars, arrow, strict=True):
        for folded in (unicodedata.normalize("NFKC", char), folded_by_arrow):
            if len(folded) == 1 and folded in "0123456789":
                digits.add(char)
            elif folded in ("X", "x"):
                xs.add(char)
    assert digits == {c for c in chars if re.fullmatch(f"[{ID_DIGITS}]", c)}
    assert xs == set(ID_X)


@pytest.mark.parametrize("form", [
    "611023 20110210 2535", "611023-20110210-2535", "611023_20110210_2535",
    "６１１０２３２０１１０２１０２５３５", "61102320110210253x", "611023110210253",
    "'611023 2011 0210 2535", "G611023 20110210 2535", "611023\t20110210\n2535",
    "6110２３２０１１０２１０２５３５", "611023\u200b20110210\u200b2535", "611023 - 20110210 - 2535",
    "①①①①①①②⓪①①⓪②①⓪②⑤③⑤",
])
def test_redact_masks_every_hand_typed_form(form: str) -> None:
    shown = redact(f"文件 {form}.xlsx，第 3 行")
    assert "**********" in shown
    assert not printed_in_full("61102320110210253X", shown)
    assert not printed_in_full("611023201102102535", shown)


@given(id_forms(), st.text(max_size=12), st.text(max_size=12))
def test_redact_hides_every_accepted_form(found: tuple[str, str], before: str, after: str
                                         ) -> None:
    number, form = found
    if not any(d in form for d in "-_－"):
        assert classify(form.lstrip("G")).value == number  # a form the reader accepts
    shown = redact(f"{before} {form} {after}")
    assert not printed_in_full(number, shown), shown


def test_redact_leaves_counts_dates_and_hashes_alone() -> None:
    text = ("第 1048576 行，金额 1250.00 元，2025-03-01 12:30:45，学校标识码 2161012345，"
            "区县  1200  300  290  10  96.7%；"
            "3b7e0c1234567890123456789a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b  1234567 字节")
    assert redact(text) == text


# --- the CLI ------------------------------------------------------------------------------------

REGISTRY = [["学籍号", "姓名", "身份证件号", "学籍状态", "学校名称", "区县", "年级"],
            ["G" + make_id("611022", "20120304", "124"), "王芳", make_id("611022", "20120304", "124"),
             "在读", "丹凤中学", "丹凤县", "七年级"]]
PAY_HEADER = ["学年", "学期", "学籍号", "姓名", "身份证号", "学校名称", "资助项目名称", "资助金额（元）"]


def _exports(folder: Path, form: str, sheet_form: str) -> None:
    folder.mkdir(parents=True)
    write_csv(folder / "学籍.csv", REGISTRY)
    # The ID in a file name, a name cell and an ID cell of a payment list.
    write_csv(folder / f"资助{form}.csv", [
        PAY_HEADER, ["2024-2025", "第二学期", "", f"某{form}", form, "丹凤中学", "非寄宿生生活补助",
                     "375"],
        ["合计", "", "", "", "", "", "", "375"]])
    # In a sheet name of a roster whose category cannot be known: an error naming the sheet.
    write_xlsx(folder / "孤儿名单.xlsx", {sheet_form: [["姓名", "身份证号"], ["周九", form]]})
    # A file no rule recognises, named by and full of the ID.
    write_csv(folder / f"{form}.csv", [[form, form], [form, form]])


def _texts(out: Path) -> dict[str, str]:
    return {p.name: p.read_bytes().decode("utf-8-sig", "replace") for p in out.iterdir()
            if p.suffix in (".csv", ".txt", ".json")}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(id_forms(NAME_SAFE), st.data())
def test_no_form_of_an_id_is_printed_in_full(tmp_path_factory: pytest.TempPathFactory,
                                             found: tuple[str, str], data: st.DataObject) -> None:
    """Generated IDs in every accepted form, in file names, sheet names and cells: nothing the
    CLI prints (results, errors, warnings, progress, -vv log lines, runs) nor the summary files
    and masked result lists show one whole."""
    number, form = found
    sheet_form = form.strip("'")[:31]
    root = tmp_path_factory.mktemp("printing")
    _exports(root / "in", form, sheet_form)
    db, out = root / "x.duckdb", root / "out"
    runner = CliRunner()
    common = ["--input", str(root / "in"), "--semester", "2025-spring", "--db", str(db)]
    kept = runner.invoke(main, ["-vv", "reconcile", *common, "--out", str(out), "--keep-going"])
    assert kept.exit_code == 0, kept.output
    stopped = runner.invoke(main, ["-vv", "reconcile", *common, "--out", str(root / "o2")])
    assert stopped.exit_code == 3
    runs = runner.invoke(main, ["runs", "--db", str(db)])
    assert runs.exit_code == 0
    missing = runner.invoke(main, ["reconcile", "--input", str(root / form), "--semester",
                                   "2025-spring", "--out", str(root / "o3")])
    assert missing.exit_code == 2
    printed = {"reconcile --keep-going": kept.output, "reconcile": stopped.output,
               "runs": runs.output, "missing input": missing.output}
    assert "6110" in kept.output or "**********" in kept.output + stopped.output
    for name, text in [*printed.items(), *_texts(out).items()]:
        assert not printed_in_full(number, text), (name, text)


# --- markup -------------------------------------------------------------------------------------

def test_square_brackets_are_printed_as_written(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "学籍.csv", REGISTRY)
    for name in ("低保[new].csv", "资助[/]补充.csv", "资助[bold]b[/bold].csv"):
        (folder / name).parent.mkdir(exist_ok=True)  # a file 补充.csv in a folder 资助[ …
        write_csv(folder / name, [PAY_HEADER, ["2024-2025", "第二学期", REGISTRY[1][0], "王芳",
                                               REGISTRY[1][2], "丹凤中学", "非寄宿生生活补助", "375"]])
    result = CliRunner().invoke(main, ["reconcile", "--input", str(folder), "--semester",
                                       "2025-spring", "--out", str(tmp_path / "out"), "--db",
                                       str(tmp_path / "x.duckdb")])
    shown = result.output.replace("\n", "")
    for name in ("低保[new].csv", "资助[/]补充.csv", "资助[bold]b[/bold].csv"):
        assert name in shown, name

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "policy.yaml").write_text("groups: [a, b\n  - :", encoding="utf-8")
    checked = CliRunner().invoke(main, ["rules", "check", "--rules", str(rules)])
    assert checked.exit_code == 4
    assert "列表写成 [a, b]" in checked.output


# --- one place ----------------------------------------------------------------------------------

def _printing(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("print", "pprint"):
            found.append(f"{func.id}() line {node.lineno}")
        elif isinstance(func, ast.Attribute) and (
                (func.attr in ("echo", "secho", "print", "print_json", "log", "rule")
                and not (isinstance(func.value, ast.Name) and func.value.id in ("np", "math")))
                or (func.attr == "write" and ast.unparse(func.value) in (
                    "sys.stdout", "sys.stderr", "sys.__stdout__", "sys.__stderr__"))):
            found.append(f"{ast.unparse(func)}() line {node.lineno}")
        elif isinstance(func, ast.Name) and func.id in ("Console", "RichHandler",
                                                       "StreamHandler"):
            found.append(f"{func.id}() line {node.lineno}")
        elif isinstance(func, ast.Attribute) and func.attr in ("Console", "StreamHandler"):
            found.append(f"{ast.unparse(func)}() line {node.lineno}")
    return found


def test_only_the_terminal_module_prints() -> None:
    offenders = {str(p.relative_to(SRC)): found for p in sorted(SRC.rglob("*.py"))
                 if p.name != "terminal.py" and (found := _printing(p))}
    assert offenders == {}
