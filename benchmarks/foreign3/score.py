# ruff: noqa: E501
"""Score aidmatch's gap list against benchmarks/foreign3's truth and break every miss down by scenario.

    python benchmarks/foreign3/score.py DIR [--detail] [--out-dir out]

DIR holds truth/ (from generate.py) and out/ (from `aidmatch reconcile ... --out DIR/out --full-ids`;
a `--keep-going` run's 不完整-gaps.csv is read when gaps.csv is absent). Rows are matched on 学籍号;
a masked 学籍号 (G5224**********123X) is matched on its visible characters when unique.

Precision is over the listed students that are not neutral (students.csv 判定 不计: a case
domain.md leaves open); recall is over the discoverable truth gaps (可发现 = 是).
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import re
from pathlib import Path


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def tags_of(row: dict[str, str]) -> list[str]:
    return [t for t in (row.get("场景") or "").split(",") if t]


def unmask(got: dict[str, dict[str, str]], known: list[str]) -> dict[str, dict[str, str]]:
    """Map masked 学籍号 to full ones when exactly one known 学籍号 fits the visible characters."""
    out = {}
    for k, row in got.items():
        if "*" not in k:
            out[k] = row
            continue
        pat = re.compile("^" + re.escape(k).replace(r"\*", ".") + "$")
        hits = [x for x in known if pat.match(x)]
        out[hits[0] if len(hits) == 1 else k] = row
    return out


COLLOQUIAL = ("爷爷", "奶奶", "外公", "外婆")


def fp_cause(k: str, got: dict[str, str], s: dict[str, str], cands: dict) -> str:
    """Why aidmatch listed a student the truth does not list (first matching rule)."""
    how, kinds = got.get("匹配方式") or "", got.get("困难类型") or ""
    if k in cands:
        return "A 家庭成员在册、本人未在册（名单完整）仍列为漏助"
    if s.get("本学期已资助") == "是":
        return "H 本学期已资助，但资助行未关联到学生（J学籍号无身份证、名单无学籍号列）" if "j_xjh_no_id" in (s.get("场景") or "") \
            else "H' 本学期已资助，但资助行未关联到学生"
    if "残疾人子女" in kinds:
        if "trap_sibling_of_cert_row_with_mother_id" in (s.get("场景") or ""):
            return "B 残疾证行姓名性别是孩子、证件号是母亲的：证被算到母亲头上，兄弟姐妹成了残疾人子女"
        if "同户成员" in how:
            return "C 按户主关系推断父母：多代同户里叔伯姑/祖辈持证，侄子女/孙辈被算作残疾人子女"
        if re.search(r"成员\d (祖|外祖|爷爷|奶奶|外公|外婆)", how):
            return "D 学籍中祖辈是否监护人=否仍计入残疾人子女"
        if "继" in how:
            return "E 继父母持证（未登记为监护人）"
        return "F 残疾人子女-其他"
    return "G 其他"


def fn_cause(k: str, t: dict[str, str], s: dict[str, str]) -> str:
    tags = s.get("场景") or ""
    groups = t.get("困难类型") or ""
    members = s.get("学籍家庭成员") or ""
    if "evidence_in_refused_file" in tags:
        return "1 证据只在被拒收的文件里（宽表「共同生活家庭成员N」）"
    if "残疾人子女" in groups and "guardian_grandparent_cert" in tags:
        if any(f"{w}" in m and ":监护人:持证" in m for m in members.split(";") for w in COLLOQUIAL):
            return "2 登记监护人是祖辈、称谓写作爷爷/奶奶/外公/外婆，持证未计入"
        return "3 登记监护人是祖辈（祖父/祖母/外祖父/外祖母），持证未计入"
    if "weak_evidence_only" in tags:
        return "4 只有姓名证据（家长学籍未填证件号）"
    if "wide_roster_truncated" in tags and "城乡低保" in groups:
        return "5 宽表栏位少于保障人数，本人未列出（家庭成员在该行）"
    if "残疾人子女" in groups and re.search("证的记录：cert_only\\+(typo|swap)", t.get("说明") or ""):
        return "6 家长的残疾人证号有一位错或两位对调（该名单无身份证号列）"
    if "残疾学生" in groups and "dis_child_row_with_mother_id" in tags:
        return "8 本人残疾证行的身份证号列是母亲的（证号是本人的）"
    if "残疾人子女" in groups:
        return "9 残疾人子女-其他"
    return "7 其他"


def score(d: Path, out_name: str = "out") -> dict:
    truth_rows = read(d / "truth" / "gaps.csv")
    truth = {r["学籍号"]: r for r in truth_rows}
    disc = {k for k, r in truth.items() if r["可发现"] == "是"}
    cands = {r["学籍号"]: r for r in read(d / "truth" / "candidates.csv")}
    students = {r["学籍号"]: r for r in read(d / "truth" / "students.csv")}
    neutral = {k for k, r in students.items() if r["判定"].startswith("不计")}
    out = d / out_name
    got_path = out / "gaps.csv"
    incomplete = False
    if not got_path.exists() and (out / "不完整-gaps.csv").exists():
        got_path, incomplete = out / "不完整-gaps.csv", True
    got = {r["学籍号"]: r for r in read(got_path)} if got_path.exists() else {}
    skipped: list[str] = []
    for name in ("summary.json", "不完整-summary.json"):
        if (out / name).exists():
            skipped = [re.split("[，,]", x, maxsplit=1)[0] for x in json.loads((out / name).read_text(encoding="utf-8")).get("skipped", [])]
    for _k, srow in students.items():  # a miss whose evidence sits in a file aidmatch refused (--keep-going)
        files = {e.rsplit("@", 1)[-1] for e in (srow.get("证据记录") or "").split(";") if "@" in e}
        if files & set(skipped):
            srow["场景"] = ",".join([*tags_of(srow), "evidence_in_refused_file"])
    got = unmask(got, list(students))
    listed = set(got)
    tp = listed & disc
    tp_undisc = listed & (set(truth) - disc)
    fp = sorted(listed - set(truth) - neutral)
    fn = sorted(disc - listed)
    judged = len(listed - neutral)
    p = (len(tp) + len(tp_undisc)) / judged if judged else 0.0
    r = len(tp) / len(disc) if disc else 1.0

    def by_tag(keys: list[str]) -> dict[str, int]:
        c: collections.Counter[str] = collections.Counter()
        for k in keys:
            for t in tags_of(students.get(k, {})) or ["(none)"]:
                c[t] += 1
        return dict(c.most_common())

    def by_group(keys: list[str]) -> dict[str, int]:
        c: collections.Counter[str] = collections.Counter()
        for k in keys:
            for g in (truth.get(k) or students.get(k) or {}).get("困难类型", "").split("、"):
                c[g or "(none)"] += 1
        return dict(c.most_common())

    res = {"dir": str(d), "gaps_file": got_path.name if got_path.exists() else None, "incomplete_run": incomplete,
           "refused_files": skipped,
           "truth": len(truth), "discoverable": len(disc), "listed": len(listed), "tp": len(tp),
           "tp_not_discoverable": len(tp_undisc), "fp": len(fp), "fn": len(fn),
           "precision": round(p, 4), "recall": round(r, 4),
           "candidates": len(cands), "candidates_listed": len(listed & set(cands)),
           "neutral_listed": len(listed & neutral),
           "fp_by_cause": dict(collections.Counter(fp_cause(k, got[k], students.get(k, {}), cands) for k in fp).most_common()),
           "fn_by_cause": dict(collections.Counter(fn_cause(k, truth[k], students.get(k, {})) for k in fn).most_common()),
           "fp_by_tag": by_tag(fp), "fn_by_tag": by_tag(fn), "fn_by_group": by_group(fn),
           "fp_by_truth_group": by_group(fp)}
    res["_fp"], res["_fn"], res["_got"], res["_truth"], res["_students"], res["_cands"] = fp, fn, got, truth, students, cands
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=Path)
    ap.add_argument("--detail", action="store_true")
    ap.add_argument("--out-dir", default="out")
    a = ap.parse_args()
    res = score(a.dir, a.out_dir)
    fp, fn, got, truth, students, cands = (res.pop(k) for k in ("_fp", "_fn", "_got", "_truth", "_students", "_cands"))
    print(json.dumps(res, ensure_ascii=False))
    if a.detail:
        for k in fn:
            t, s = truth[k], students.get(k, {})
            print("FN", k, t["姓名"], "|", fn_cause(k, t, s), "|", t["困难类型"], "|", t["说明"], "| registry members:", s.get("学籍家庭成员"),
                  "| tags:", s.get("场景"), "| evidence:", s.get("证据记录"))
        for k in fp:
            s, g = students.get(k, {}), got[k]
            print("FP", k, g.get("姓名"), "|", fp_cause(k, g, s, cands), "| aidmatch:", g.get("困难类型"), "|", (g.get("来源") or "")[:300], "|", (g.get("匹配方式") or "")[:200],
                  "| truth:", s.get("困难类型") or "-", s.get("学籍状态"), "paid=" + s.get("本学期已资助", "?"), "判定=" + (s.get("判定") or "-"),
                  "| tags:", s.get("场景"), "| pay:", s.get("资助行损坏"))
        for k in sorted(set(got) & set(cands)):
            print("CAND-LISTED", k, cands[k]["姓名"], "|", cands[k]["说明"], "| aidmatch:", got[k].get("困难类型"), (got[k].get("来源") or "")[:200])


if __name__ == "__main__":
    main()
