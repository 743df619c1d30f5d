"""Output identity: fingerprints of every result file and of the load, to compare two versions.

    .venv/bin/python benchmarks/output_identity.py snapshot before.json   # on the old commit
    .venv/bin/python benchmarks/output_identity.py snapshot after.json    # on the new one
    .venv/bin/python benchmarks/output_identity.py compare before.json after.json

A snapshot reconciles ``aidmatch synth --students 2000 --seed 5`` (full IDs) and runs
``aidmatch demo``, and fingerprints each file they write: a CSV by its cells, a workbook by its
sheets' cell values, text files by their text. Case numbers (案例编号) are keyed by each
database's own secret, so that column is dropped. The load (records, registry family rows,
rejects, sheet reports, notes) is fingerprinted too, read in one process and in two workers.
The demo's 核查报告 carries the time it was made and differs between any two runs.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import python_calamine

CASE_NUMBER = "案例编号"
TIMED = ("核查报告.html", "核查报告.xlsx")  # carry the time of the run


def _rows(rows: Iterable[Iterable[object]]) -> list[list[str]]:
    table = [[str(cell) for cell in row] for row in rows]
    if table and CASE_NUMBER in table[0]:
        column = table[0].index(CASE_NUMBER)
        table = [row[:column] + row[column + 1:] for row in table]
    return table


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, default=str).encode()).hexdigest()


def fingerprint_folder(folder: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = str(path.relative_to(folder))
        if path.suffix == ".csv":
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:  # the demo's own GBK exports
                text = data.decode("gb18030")
            found[name] = _digest(_rows(csv.reader(io.StringIO(text, newline=""))))
        elif path.suffix == ".xlsx":
            book = python_calamine.CalamineWorkbook.from_path(str(path))
            found[name] = _digest([(sheet, _rows(book.get_sheet_by_name(sheet).to_python()))
                                   for sheet in book.sheet_names])
        elif path.suffix in (".json", ".txt", ".md", ".html"):
            found[name] = _digest(path.read_text(encoding="utf-8", errors="replace"))
        elif path.suffix != ".duckdb":
            found[name] = f"{path.stat().st_size} bytes"
    return found


def fingerprint_load(exports: Path, workers: int) -> str:
    from aidmatch.config import load_rules
    from aidmatch.semester import Semester
    from aidmatch.sources import load_inputs

    loaded = load_inputs(exports, load_rules(None), Semester.parse("2025-spring"), workers=workers)
    tables = [[str(table.schema), *(column.to_pylist() for column in table.columns)]
              for table in (loaded.records, loaded.family)]
    return _digest([tables, [vars(r) for r in loaded.rejects], [vars(s) for s in loaded.sheets],
                    loaded.notes])


def snapshot(out: Path) -> None:
    aidmatch = str(Path(sys.executable).parent / "aidmatch")
    with tempfile.TemporaryDirectory(prefix="aidmatch-identity-") as folder:
        root = Path(folder)
        city = root / "city"
        subprocess.run([aidmatch, "synth", "--students", "2000", "--seed", "5", "--out", str(city)],
                       check=True, capture_output=True)
        results = root / "out"
        subprocess.run([aidmatch, "reconcile", "--input", str(city / "exports"), "--semester",
                        "2025-spring", "--out", str(results), "--db", str(root / "run.duckdb"),
                        "--full-ids"], check=True, capture_output=True)
        demo = root / "demo"
        subprocess.run([aidmatch, "demo", "--out", str(demo)], check=True, capture_output=True)
        found: dict[str, Any] = {
            "city": fingerprint_folder(results),
            "demo": fingerprint_folder(demo),
            "load": {f"workers {n}": fingerprint_load(city / "exports", n) for n in (1, 2)},
        }
        shutil.rmtree(root / "out", ignore_errors=True)
    out.write_text(json.dumps(found, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"{sum(len(v) for v in found.values())} fingerprints in {out}")


def compare(before: Path, after: Path) -> int:
    old = json.loads(before.read_text(encoding="utf-8"))
    new = json.loads(after.read_text(encoding="utf-8"))
    differ = [f"{group}/{name}" for group in sorted(set(old) | set(new))
              for name in sorted(set(old.get(group, {})) | set(new.get(group, {})))
              if old.get(group, {}).get(name) != new.get(group, {}).get(name)
              and not name.endswith(TIMED)]
    for name in differ:
        print(f"differs: {name}")
    print("identical" if not differ else f"{len(differ)} differ")
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("snapshot").add_argument("out", type=Path)
    both = commands.add_parser("compare")
    both.add_argument("before", type=Path)
    both.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "snapshot":
        snapshot(args.out)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
