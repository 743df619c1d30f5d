# ruff: noqa: E501
"""Shared people, writers and the runner for the second red team's scenarios (benchmarks/foreign2).

Written without reading src/aidmatch/ or rules/: only /work/shared/domain.md, the README and the
CLI's behaviour. Every person here is invented.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
import xlwt
from stdnum.cn import ric

ROOT = Path(__file__).resolve().parents[2]
AIDMATCH = ROOT / ".venv" / "bin" / "aidmatch"


def pid(body: str) -> str:
    """A valid 18-digit ID from its 17-digit body."""
    return body + ric.calc_check_digit(body + "0")


# ------------------------------------------------------------------------------------ people
# students (洛南县 611021 unless said otherwise)
S1 = pid("61102120100213702")  # 徐晓, girl, 2010-02-13
S2 = pid("61102120110203351")  # 任东鹏, boy, 2011-02-03
S3 = pid("61102120120506162")  # 王子涵, girl, 2012-05-06
S4 = pid("61102120080917373")  # 李俊杰, boy, 2008-09-17 (高中/中职 age)
S5 = pid("61102120140722284")  # 赵雨欣, girl, 2014-07-22
# parents / guardians
F1 = pid("61102119800101123")  # 徐建国, father of 徐晓
M1 = pid("61102119820202224")  # 李梅, mother of 徐晓
F2 = pid("61102119790312455")  # 任文秀, father of 任东鹏
F3 = pid("61102119830615119")  # 王大海, father of 王子涵
F5 = pid("61102119850808217")  # 赵立新, father of 赵雨欣

XJH = {k: "G" + v for k, v in {"S1": S1, "S2": S2, "S3": S3, "S4": S4, "S5": S5}.items()}

REG_H = ["学籍号", "姓名", "性别", "出生日期", "身份证件类型", "身份证件号", "学籍状态", "就读方式", "区县", "学校名称",
         "年级", "班级", "成员1姓名", "成员1关系", "成员1身份证件号"]


def reg_row(who: str, **over: str) -> list[str]:
    base = {
        "S1": ["G" + S1, "徐晓", "女", "2010-02-13", "居民身份证", S1, "在读", "走读", "洛南县", "洛南县第一初级中学", "八年级", "1班", "徐建国", "父亲", F1],
        "S2": ["G" + S2, "任东鹏", "男", "2011-02-03", "居民身份证", S2, "在读", "走读", "洛南县", "洛南县第一初级中学", "七年级", "2班", "任文秀", "父亲", F2],
        "S3": ["G" + S3, "王子涵", "女", "2012-05-06", "居民身份证", S3, "在读", "走读", "洛南县", "洛南县第一小学", "六年级", "3班", "王大海", "父亲", F3],
        "S4": ["G" + S4, "李俊杰", "男", "2008-09-17", "居民身份证", S4, "在读", "住校", "洛南县", "洛南县高级中学", "高二", "1班", "", "", ""],
        "S5": ["G" + S5, "赵雨欣", "女", "2014-07-22", "居民身份证", S5, "在读", "走读", "洛南县", "洛南县第一小学", "四年级", "2班", "赵立新", "父亲", F5],
    }[who]
    row = list(base)
    for k, v in over.items():
        row[REG_H.index(k)] = v
    return row


def registry(*who: str) -> list[list[str]]:
    return [list(REG_H)] + [reg_row(w) for w in (who or ("S1", "S2", "S3"))]


AID_H = ["学年", "学期", "学籍号", "姓名", "身份证件号", "资助项目名称", "资助金额（元）"]
PROG_MID = "义务教育家庭经济困难学生生活补助（非寄宿生）"


def aid_rows(*paid: str, sem=("2024-2025", "春季学期"), amount="375.00") -> list[list[str]]:
    """Payment rows for the given students (S1..S5) in one semester; plus an autumn row for S1 as context."""
    names = {"S1": ("徐晓", S1), "S2": ("任东鹏", S2), "S3": ("王子涵", S3), "S4": ("李俊杰", S4), "S5": ("赵雨欣", S5)}
    rows = [list(AID_H), ["2024-2025", "秋季学期", XJH["S1"], "徐晓", S1, PROG_MID, "375.00"]]
    for w in paid:
        n, i = names[w]
        rows.append([sem[0], sem[1], XJH[w], n, i, PROG_MID, amount])
    return rows


# a 低保 roster (long, one row per member) with 徐晓's household; status/end per call
CIV_H = ["区县", "户主姓名", "户主身份证号", "保障类别", "保障状态", "保障人数", "成员姓名", "成员身份证号", "与户主关系"]


def dibao_rows(status: str = "正常", cat: str = "农村低保") -> list[list[str]]:
    return [list(CIV_H),
            ["洛南县", "徐建国", F1, cat, status, "3", "徐建国", F1, "本人"],
            ["洛南县", "徐建国", F1, cat, status, "3", "李梅", M1, "配偶"],
            ["洛南县", "徐建国", F1, cat, status, "3", "徐晓", S1, "子女"]]


# ------------------------------------------------------------------------------------ writers
def write_csv(path: Path, rows, *, enc="utf-8", delimiter=",", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n") -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=lineterminator)
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(enc))


def _cell(ws, r, c, v, kind):
    if v is None or v == "":
        return
    if isinstance(v, float | int) and not isinstance(v, bool):
        ws.write_number(r, c, v) if kind == "xlsx" else ws.write(r, c, v)
    else:
        ws.write_string(r, c, str(v)) if kind == "xlsx" else ws.write(r, c, str(v))


def write_xlsx(path: Path, sheets, merges=None, hidden=()) -> None:
    """sheets: [(name, rows)], merges: {sheet: [(r1, c1, r2, c2, text)]}."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                _cell(ws, r, c, v, "xlsx")
        for r1, c1, r2, c2, t in (merges or {}).get(name, []):
            ws.merge_range(r1, c1, r2, c2, t)
        if name in hidden:
            ws.hide()
        elif hidden:
            ws.activate()
            ws.set_first_sheet()
    wb.close()


def write_xls(path: Path, sheets) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets:
        ws = wb.add_sheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                _cell(ws, r, c, v, "xls")
    wb.save(str(path))


# ------------------------------------------------------------------------------------ scenarios
@dataclass
class Scenario:
    name: str
    what: str
    build: object  # callable(exports_dir: Path) -> None
    expect: set[str]  # 学籍号 expected in gaps.csv
    fields: dict[str, dict[str, str]] = field(default_factory=dict)  # 学籍号 -> {gaps column: expected substring}
    exit_ok: tuple[int, ...] = (0,)  # exit codes counted as acceptable (3 = an input error that names the file)
    ambiguous: str = ""  # where domain.md does not decide; the expectation is our reading
    semester: str = "2025-spring"


def run(sc: Scenario, base: Path) -> dict:
    d = base / sc.name
    if d.exists():
        shutil.rmtree(d)
    exp = d / "exports"
    exp.mkdir(parents=True)
    sc.build(exp)
    out, db = d / "out", d / "aidmatch.duckdb"
    p = subprocess.run([str(AIDMATCH), "reconcile", "--input", str(exp), "--semester", sc.semester, "--out", str(out),
                        "--db", str(db), "--full-ids"], capture_output=True, text=True, cwd=d, env={**os.environ, "NO_COLOR": "1"})
    res = {"name": sc.name, "what": sc.what, "rc": p.returncode, "stderr": p.stderr.strip()[-1500:],
           "expect": sorted(sc.expect), "ambiguous": sc.ambiguous}
    gaps_p = out / "gaps.csv"
    got: dict[str, dict[str, str]] = {}
    if gaps_p.exists():
        with open(gaps_p, encoding="utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                got.setdefault(r["学籍号"], r)
                got[r["学籍号"]]["_n"] = str(int(got[r["学籍号"]].get("_n", "0")) + 1)
    res["got"] = sorted(got)
    problems = []
    if p.returncode not in sc.exit_ok:
        problems.append(f"exit {p.returncode} (expected {sc.exit_ok})")
    if p.returncode == 0:
        if set(got) != sc.expect:
            miss, extra = sc.expect - set(got), set(got) - sc.expect
            if miss:
                problems.append(f"missing from gaps: {sorted(miss)}")
            if extra:
                problems.append(f"unexpected in gaps: {sorted(extra)}")
        for k, r in got.items():
            if r.get("_n") != "1":
                problems.append(f"{k} listed {r['_n']} times")
        for k, cols in sc.fields.items():
            for col, want in cols.items():
                if k in got and want not in (got[k].get(col) or ""):
                    problems.append(f"{k} {col}={got[k].get(col)!r}, expected to contain {want!r}")
        res["gap_rows"] = {k: {c: v for c, v in r.items() if c in ("姓名", "区县", "学校名称", "年级", "学段", "就读方式", "困难类型", "建议资助项目", "建议金额（元）", "来源", "匹配方式")} for k, r in got.items()}
    res["pass"] = not problems
    res["problems"] = problems
    return res


def main(scenarios: list[Scenario]) -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path("/tmp/foreign2"))
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    results = []
    for sc in scenarios:
        if a.names and not any(n in sc.name for n in a.names):
            continue
        r = run(sc, a.out)
        results.append(r)
        flag = "PASS" if r["pass"] else "FAIL"
        print(f"{flag} {sc.name}: {'; '.join(r['problems'])}" + (f"  [ambiguous: {sc.ambiguous}]" if sc.ambiguous else ""))
        if not r["pass"] and r["rc"] != 0:
            print("     stderr:", r["stderr"].replace("\n", " | ")[:600])
    (a.out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{sum(r['pass'] for r in results)}/{len(results)} passed; details in {a.out / 'results.json'}")
    sys.exit(0)
