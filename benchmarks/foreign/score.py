"""Score aidmatch's gap list against the foreign generator's truth and explain every miss.

    python benchmarks/foreign/score.py DIR [--detail]

DIR holds truth/ (from generate.py) and out/ (from aidmatch reconcile). Matches on 学籍号.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
from pathlib import Path


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=Path)
    ap.add_argument("--detail", action="store_true")
    a = ap.parse_args()
    truth = {r["学籍号"]: r for r in read(a.dir / "truth" / "gaps.csv")}
    students = {r["学籍号"]: r for r in read(a.dir / "truth" / "students.csv")}
    got_path = a.dir / "out" / "gaps.csv"
    got = {r["学籍号"]: r for r in read(got_path)} if got_path.exists() else {}
    tp = len(truth.keys() & got.keys())
    fp, fn = sorted(got.keys() - truth.keys()), sorted(truth.keys() - got.keys())
    p = tp / len(got) if got else 0.0
    r = tp / len(truth) if truth else 1.0
    res = {"dir": str(a.dir), "truth": len(truth), "listed": len(got), "tp": tp, "fp": len(fp), "fn": len(fn),
           "precision": round(p, 4), "recall": round(r, 4)}
    by_level = collections.Counter(truth[k]["难度"] for k in fn)
    res["fn_by_level"] = dict(by_level)
    print(json.dumps(res, ensure_ascii=False))
    if a.detail:
        for k in fn:
            t = truth[k]
            print("FN", k, t["姓名"], t["困难类型"], t["难度"], t["证据"], t["标记"])
        for k in fp:
            s = students.get(k, {})
            g = got[k]
            print("FP", k, g.get("姓名"), "| aidmatch:", g.get("困难类型"), g.get("来源", "")[:150], "| truth:",
                  s.get("困难类型"), s.get("学籍状态"), "paid=" + s.get("本学期已资助", "?"), s.get("标记"))


if __name__ == "__main__":
    main()
