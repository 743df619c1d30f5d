# ruff: noqa: E501, RUF005, RUF017, SIM102, SIM108, SIM905
"""An independent ("foreign") generator of synthetic 54321 exports, written without reading
aidmatch's own generator, source readers or rules; only /work/shared/domain.md and the README.

    python benchmarks/foreign/generate.py --out DIR --students N --seed S [--style tidy|clerk|csv|mixed]

Writes DIR/exports/ (the five systems' files) and DIR/truth/: gaps.csv (学籍号,身份证件号,姓名 + 困难类型,
难度,证据), students.csv (every registry student with groups, payment and damage tags) and
manifest.json (every file, sheet, header and layout choice). All people are invented.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from pathlib import Path

import xlsxwriter
import xlwt
from stdnum.cn import ric

COUNTIES = [("611002", "商州区"), ("611021", "洛南县"), ("611022", "丹凤县"), ("611023", "商南县"),
            ("611024", "山阳县"), ("611025", "镇安县"), ("611026", "柞水县")]
SURN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶贺顾毛郝龚邵万钱严武戴孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲兰凤梅琳欣怡浩宇轩子涵梓萱雨晨佳俊鹏龙飞婷雪慧文博睿嘉诗思瑶琪晓东亮建国海波辉"
TRAD = dict(zip("陈张刘杨黄赵吴郑谢韩冯邓叶苏吕卢钟谭陆贾龙顾龚万钱汤伟丽军杰涛红凤兰轩鹏飞诗瑶晓东国辉华艳强静刚",
                "陳張劉楊黃趙吳鄭謝韓馮鄧葉蘇呂盧鍾譚陸賈龍顧龔萬錢湯偉麗軍傑濤紅鳳蘭軒鵬飛詩瑤曉東國輝華豔強靜剛", strict=True))
HOMO = dict(zip("欣怡静婷浩宇佳晨涛明俊子琪瑶慧丽芳杰军艳玲飞文东", "心宜婧亭皓雨家辰滔铭骏梓棋遥惠莉方洁君燕铃菲雯冬", strict=True))
MINORITY = ["阿依古丽·买买提", "热依汗·吐尔逊", "古丽娜·艾力", "穆罕默德·阿里", "迪丽拜尔·努尔", "玛依拉·哈斯木"]
DOTS = ["·", "•", "・", "‧", "．", ".", ""]
SEM_START = dt.date(2025, 3, 1)
CUR, PREV, OLD = "2025-spring", "2024-autumn", "2024-spring"
EASY = {"", "space", "fullwidth", "apos", "lowerx", "old15"}
MEDIUM = {"num15", "idchange_old", "j_student"}


class XNum:
    """An ID that Excel turned into a number: xlsx/xls get a number cell, CSV gets the displayed text."""

    def __init__(self, value: float, text: str) -> None:
        self.value, self.text = value, text


# ----------------------------------------------------------------------------------- people
def new_id(rng, used, region, birth, male, seq=None):
    while True:
        s = seq if seq is not None else rng.randint(0, 499) * 2 + (1 if male else 0)
        body = f"{region}{birth:%Y%m%d}{s:03d}"
        pid = body + ric.calc_check_digit(body + "0")
        if pid not in used:
            used.add(pid)
            return pid
        seq = None


def rdate(rng, y0, y1):
    a, b = dt.date(y0, 1, 1).toordinal(), dt.date(y1, 12, 31).toordinal()
    return dt.date.fromordinal(rng.randint(a, b))


def person(rng, used, region, birth, male, surname=None, rel="户主"):
    if rng.random() < 0.01:
        name = rng.choice(MINORITY)
    else:
        name = (surname or rng.choice(SURN)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return {"id": new_id(rng, used, region, birth, male), "name": name, "male": male, "birth": birth,
            "rel": rel, "region": region, "disabled": False, "tekun": False, "orphan": False, "defacto": False}


def build_city(rng, n_students):
    used: set[str] = set()
    hhs, students = [], []
    hh_no = 0
    while len(students) < n_students:
        region, county = rng.choice(COUNTIES)
        hh_no += 1
        hh = {"no": f"{region}{rng.randint(100, 299):03d}{hh_no:07d}", "region": region, "county": county,
              "town": f"{county[:2]}{rng.choice('东西南北中')}镇", "village": f"{rng.choice(GIVEN)}{rng.choice('家湾沟坪')}村",
              "members": [], "guardian": rng.random() < 0.06}
        if hh["guardian"]:  # grandparents raising grandchildren (left-behind, orphans, 事实无人抚养)
            g = person(rng, used, region, rdate(rng, 1950, 1968), rng.random() < 0.6)
            hh["members"].append(g)
            if rng.random() < 0.6:
                hh["members"].append(person(rng, used, region, rdate(rng, 1950, 1968), not g["male"], rel="配偶"))
            for _ in range(rng.choice((1, 1, 2))):
                k = person(rng, used, region, rdate(rng, 2007, 2020), rng.random() < 0.5, g["name"][0], "孙子女")
                r = rng.random()
                k["orphan"], k["defacto"] = r < 0.15, 0.15 <= r < 0.33
                k["tekun"] = k["orphan"] and rng.random() < 0.5
                hh["members"].append(k)
        else:
            hb = rdate(rng, 1970, 1994)
            head = person(rng, used, region, hb, rng.random() < 0.85)
            hh["members"].append(head)
            if rng.random() < 0.88:
                hh["members"].append(person(rng, used, region, rdate(rng, hb.year - 3, min(hb.year + 4, 1996)),
                                            not head["male"], rel="配偶"))
            father = head if head["male"] else (hh["members"][1] if len(hh["members"]) > 1 else head)
            sur = father["name"][0] if father["name"] not in MINORITY else None
            kids = rng.choice((1, 1, 2, 2, 2, 3))
            for i in range(kids):
                kb = rdate(rng, max(hb.year + 20, 2005), min(hb.year + 38, 2021))
                k = person(rng, used, region, kb, rng.random() < 0.52, sur, "子女")
                hh["members"].append(k)
                if i == 0 and rng.random() < 0.02:  # twins: same birth date, adjacent sequence numbers
                    seq = int(k["id"][14:17]) + 1
                    t = person(rng, used, region, kb, seq % 2 == 1, sur, "子女")
                    t["id"] = new_id(rng, used, region, kb, seq % 2 == 1, seq if seq < 1000 else None)
                    t["twin"], k["twin"] = k, t
                    hh["members"].append(t)
            if rng.random() < 0.15:
                hh["members"].append(person(rng, used, region, rdate(rng, hb.year - 32, hb.year - 22),
                                            rng.random() < 0.5, rel="父母"))
        for m in hh["members"]:
            m["hh"] = hh
            if dt.date(2007, 9, 1) <= m["birth"] <= dt.date(2021, 8, 31) and rng.random() < 0.97:
                students.append(m)
        hhs.append(hh)
    return hhs, students, used


def parents_of(p):
    hh = p["hh"]
    if p["rel"] == "子女":
        return [m for m in hh["members"] if m["rel"] in ("户主", "配偶")]
    if p["rel"] == "孙子女":  # guardians
        return [m for m in hh["members"] if m["rel"] in ("户主", "配偶")]
    return []


SCHOOL_KIND = {"幼儿园": "中心幼儿园", "小学": "第{}小学", "初中": "第{}初级中学", "高中": "高级中学", "中职": "职业教育中心"}
GRADES = {3: "小班", 4: "中班", 5: "大班", 6: "一年级", 7: "二年级", 8: "三年级", 9: "四年级", 10: "五年级",
          11: "六年级", 12: "七年级", 13: "八年级", 14: "九年级", 15: "高一", 16: "高二", 17: "高三"}


def enrol(rng, students, used):
    codes: dict[str, str] = {}
    for s in students:
        age = 2024 - s["birth"].year - (1 if (s["birth"].month, s["birth"].day) > (9, 1) else 0)
        age = max(3, min(17, age))
        stage = "幼儿园" if age <= 5 else "小学" if age <= 11 else "初中" if age <= 14 else (
            "高中" if rng.random() < 0.72 else "中职")
        county = s["hh"]["county"]
        sname = county + SCHOOL_KIND[stage].format(rng.choice("一二三")) if stage in ("小学", "初中") else \
            county + SCHOOL_KIND[stage]
        codes.setdefault(sname, f"21{rng.randint(10**7, 10**8 - 1)}")
        grade = GRADES[age]
        if stage == "中职":
            grade = {15: "一年级", 16: "二年级", 17: "三年级"}[age]
        s.update(stage=stage, school=sname, school_code=codes[sname], grade=grade, cls=f"{rng.randint(1, 6)}班",
                 board=(stage in ("小学", "初中") and rng.random() < 0.35) or stage in ("高中", "中职"),
                 status=rng.choices(["在读", "休学", "转出", "毕业"], [94, 2, 3, 1])[0],
                 reg_id=s["id"], xjh="G" + s["id"], tags=[])
        r = rng.random()
        if r < 0.01:  # 学籍号 G + an ID the student no longer has
            old = new_id(rng, used, s["region"], s["birth"] + dt.timedelta(days=rng.choice((-30, 30, 365))),
                         s["male"])
            s["xjh"], s["old_id"] = "G" + old, old
            s["tags"].append("idchange")
        elif r < 0.02:  # no ID in the registry: J + an ID-like code
            s["reg_id"], s["xjh"] = "", "J" + s["id"][:14] + f"{rng.randint(0, 9999):04d}"
            s["tags"].append("j_student")
        elif r < 0.025:
            s["xjh"] = "L" + s["region"] + f"{rng.randint(0, 10**12 - 1):012d}"
            s["tags"].append("l_xjh")


def assign_groups(rng, hhs, students, used):
    for hh in hhs:
        r = rng.random()
        hh["pov"] = "脱贫户" if r < 0.14 else "监测户" if r < 0.19 else None
        hh["enjoy"] = "不享受政策" if hh["pov"] == "脱贫户" and rng.random() < 0.12 else "继续享受政策"
        hh["mon"] = hh["pov"] == "监测户" or (hh["pov"] == "脱贫户" and rng.random() < 0.15)
        hh["mtype"] = ("脱贫不稳定户" if hh["pov"] == "脱贫户" else rng.choice(["边缘易致贫户", "突发严重困难户"])) \
            if hh["mon"] else ""
        hh["cleared"] = ("是" if rng.random() < 0.3 else "否") if hh["mon"] else ""
        hh["dibao"] = (("农村低保" if rng.random() < 0.8 else "城市低保") if rng.random() < 0.08 else None)
        hh["db_status"], hh["db_start"], hh["db_end"] = "正常", rdate(rng, 2018, 2024), None
        if hh["dibao"]:
            r = rng.random()
            if r < 0.15:
                hh["db_status"], hh["db_end"] = "停保", rdate(rng, 2024, 2024)
            elif r < 0.25:  # still 正常 in the roster but ended before the semester
                hh["db_end"] = dt.date(2025, 1, 31) if rng.random() < 0.5 else dt.date(2024, 12, 31)
            elif r < 0.4:  # ends during/after the semester: still a key group
                hh["db_end"] = rng.choice([dt.date(2025, 6, 30), dt.date(2025, 12, 31)])
        for m in hh["members"]:
            if m["rel"] in ("户主", "配偶", "父母") and rng.random() < 0.035:
                m["disabled"] = True
        if rng.random() < 0.03:  # adult 特困 in a separate single-person roster row (noise)
            hh["members"][0]["tekun"] = hh["members"][0]["birth"].year < 1965
    for s in students:
        if rng.random() < 0.012:
            s["disabled"] = True
    for p in (m for hh in hhs for m in hh["members"]):
        if p["disabled"]:
            p["cert_cat"], p["cert_grade"] = rng.randint(1, 7), rng.randint(1, 4)


def truth_groups(s):
    hh, g = s["hh"], []
    if hh["pov"] == "脱贫户" and hh["enjoy"] != "不享受政策":
        g.append("脱贫家庭")
    if hh["mon"] and hh["cleared"] != "是":
        g.append("防返贫监测")
    if hh["dibao"] and hh["db_status"] == "正常" and (hh["db_end"] is None or hh["db_end"] >= SEM_START):
        g.append("城乡低保")
    for k, lab in (("tekun", "特困供养"), ("orphan", "孤儿"), ("defacto", "事实无人抚养儿童"), ("disabled", "残疾学生")):
        if s[k]:
            g.append(lab)
    if any(p["disabled"] for p in parents_of(s)):
        g.append("残疾人子女")
    return g


# ------------------------------------------------------------------------------------ damage
def fullwidth(v):
    return v.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))


def damage_id(rng, p, prof, has_birth, ev, label):
    """Return the cell value for p's ID in a roster row and record the damage tag on ev[label]."""
    pid, r = p["id"], rng.random()
    if p.get("old_id") and label != "aid" and rng.random() < 0.5:
        ev.append((label, "idchange_old"))
        return p["old_id"]
    tag, v = "", pid
    rates = prof["id"]
    cum = 0.0
    for kind, rate in rates.items():
        cum += rate
        if r < cum:
            tag = kind
            break
    if tag in ("blank", "parent", "sci") and not has_birth:
        tag = "typo"
    if tag == "twin" and not p.get("twin"):
        tag = ""
    if tag == "parent" and not parents_of(p):
        tag = "blank"
    if tag == "space":
        i = rng.randint(1, 17)
        v = rng.choice([pid[:i] + " " + pid[i:], " " + pid + " ", pid + "\t", pid[:6] + " " + pid[6:14] + " " + pid[14:],
                        pid + "\n"])
    elif tag == "fullwidth":
        v = fullwidth(pid)
    elif tag == "apos":
        v = "'" + pid
    elif tag == "lowerx":
        v = pid.lower() if pid.endswith("X") else "'" + pid
    elif tag == "typo":
        i = rng.randint(0, 16)
        v = pid[:i] + str((int(pid[i]) + rng.randint(1, 9)) % 10) + pid[i + 1:]
    elif tag == "swap":
        i = rng.choice([j for j in range(6, 16) if pid[j] != pid[j + 1]] or [6])
        v = pid[:i] + pid[i + 1] + pid[i] + pid[i + 2:]
    elif tag in ("num15", "sci"):
        if pid.endswith("X"):
            tag, v = "", pid
        else:
            n = int(pid[:15]) * 1000
            v = XNum(float(n), str(n) if tag == "num15" else f"{float(pid):.5E}")
    elif tag == "blank":
        v = ""
    elif tag == "parent":
        v = rng.choice(parents_of(p))["id"]
    elif tag == "twin":
        v = p["twin"]["id"]
    elif tag == "old15" and p["birth"].year < 2000:
        v = pid[:6] + pid[8:17]
    elif tag == "old15":
        tag = ""
    ev.append((label, tag))
    return v


def damage_name(rng, p, prof, hard_id):
    n = p["name"]
    if "·" in n:
        return n.replace("·", prof["dot"] if rng.random() < 0.7 else rng.choice(DOTS))
    r = rng.random()
    if r < prof["nspace"]:
        return n[0] + rng.choice([" ", "  ", "\u3000"]) + n[1:]
    if hard_id:
        return n
    r -= prof["nspace"]
    if r < prof["ntrad"] and any(c in TRAD for c in n):
        return "".join(TRAD.get(c, c) for c in n)
    r -= prof["ntrad"]
    if r < prof["nhomo"] and any(c in HOMO for c in n[1:]):
        i = next(i for i in range(1, len(n)) if n[i] in HOMO)
        return n[:i] + HOMO[n[i]] + n[i + 1:]
    return n


# ----------------------------------------------------------------------------------- layouts
def fmt_date(d, style):
    if d is None:
        return ""
    return {"iso": f"{d:%Y-%m-%d}", "slash": f"{d.year}/{d.month}/{d.day}", "compact": f"{d:%Y%m%d}",
            "cn": f"{d.year}年{d.month}月{d.day}日", "cell": d, "dot": f"{d:%Y.%m.%d}"}[style]


def lay(headers, rows, rng, *, title=None, fill=False, groups=None, blanks=0.0, total=None, repeat=0):
    """Cells for one sheet: optional title / 填报 rows / merged group labels, header, data with noise."""
    cells, merges = [], []
    w = len(headers)
    if title:
        merges.append((len(cells), 0, len(cells), w - 1, title))
        cells.append([title] + [""] * (w - 1))
    if fill:
        cells.append([f"填报单位：{rng.choice(COUNTIES)[1]}（盖章）", "", "", f"填报日期：2025年3月{rng.randint(2, 28)}日"]
                     + [""] * (w - 4))
    if groups:
        row, c = [], 0
        for label, span in groups:
            if span > 1:
                merges.append((len(cells), c, len(cells), c + span - 1, label))
            row += [label] + [""] * (span - 1)
            c += span
        cells.append(row)
    hdr_at = len(cells)
    cells.append(list(headers))
    for i, r in enumerate(rows):
        if repeat and i and i % repeat == 0:
            cells.append(list(headers))
        if blanks and rng.random() < blanks:
            cells.append([""] * w)
        cells.append(r)
    if total:
        t = [""] * w
        t[0] = total[0]
        for col, val in total[1].items():
            t[col] = val
        cells.append(t)
    return cells, merges, hdr_at


def write_book(path, sheets, fmt, enc="utf-8"):
    """sheets: list of (name, cells, merges). fmt: xlsx | xls | csv (csv takes the first sheet)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        (name, cells, _m), = sheets
        with open(path, "w", encoding=enc, newline="") as f:
            wr = csv.writer(f)
            for row in cells:
                wr.writerow([c.text if isinstance(c, XNum) else fmt_date(c, "iso") if isinstance(c, dt.date)
                             else c for c in row])
        return
    if fmt == "xlsx":
        wb = xlsxwriter.Workbook(str(path))
        dfmt, mfmt = wb.add_format({"num_format": "yyyy-mm-dd"}), wb.add_format({"align": "center", "bold": True})
        for name, cells, merges in sheets:
            ws = wb.add_worksheet(name)
            for r, row in enumerate(cells):
                for c, v in enumerate(row):
                    if isinstance(v, XNum):
                        ws.write_number(r, c, v.value)
                    elif isinstance(v, dt.date):
                        ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), dfmt)
                    elif isinstance(v, int | float):
                        ws.write_number(r, c, v)
                    elif v != "":
                        ws.write_string(r, c, str(v))
            for r1, c1, r2, c2, text in merges:
                ws.merge_range(r1, c1, r2, c2, text, mfmt)
        wb.close()
        return
    wb = xlwt.Workbook(encoding="utf-8")
    dst = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, cells, merges in sheets:
        ws = wb.add_sheet(name)
        merged = {(r1, c) for r1, c1, _r2, c2, _t in merges for c in range(c1, c2 + 1)}
        for r1, c1, r2, c2, text in merges:
            ws.write_merge(r1, r2, c1, c2, text)
        for r, row in enumerate(cells):
            for c, v in enumerate(row):
                if (r, c) in merged or v == "":
                    continue
                if isinstance(v, XNum):
                    ws.write(r, c, v.value)
                elif isinstance(v, dt.date):
                    ws.write(r, c, dt.datetime(v.year, v.month, v.day), dst)
                else:
                    ws.write(r, c, v)
    wb.save(str(path))


# ------------------------------------------------------------------------------------- styles
STYLES = {
    "tidy": {"id": {"space": 0.01, "apos": 0.01, "typo": 0.004, "lowerx": 0.02}, "nspace": 0.01, "ntrad": 0.005,
             "nhomo": 0.005, "dot": "·"},
    "clerk": {"id": {"space": 0.03, "fullwidth": 0.02, "apos": 0.03, "lowerx": 0.03, "typo": 0.015, "swap": 0.01,
                     "blank": 0.01, "parent": 0.008, "twin": 0.3, "old15": 0.02}, "nspace": 0.03, "ntrad": 0.02,
              "nhomo": 0.015, "dot": "•"},
    "csv": {"id": {"space": 0.02, "apos": 0.04, "lowerx": 0.04, "typo": 0.01, "swap": 0.008, "num15": 0.03,
                   "sci": 0.01, "blank": 0.01, "parent": 0.005, "twin": 0.3}, "nspace": 0.02, "ntrad": 0.015,
            "nhomo": 0.01, "dot": ""},
}


def pick(rng, *names):
    return rng.choice(names)


class Gen:
    def __init__(self, out, n, seed, style):
        self.rng = random.Random(seed)
        self.out, self.exp = out, out / "exports"
        self.style = style
        self.manifest: list[dict] = []
        self.hhs, self.students, self.used = build_city(self.rng, n)
        enrol(self.rng, self.students, self.used)
        assign_groups(self.rng, self.hhs, self.students, self.used)
        self.ev: dict[int, list] = {}  # id(person) -> [(file/label, damage tag)]

    def st(self, kind):
        """Per-file style: in 'mixed' each file draws its own."""
        if self.style == "mixed":
            return self.rng.choice(["tidy", "clerk", "csv"])
        return self.style

    def fmt(self, st):
        return {"tidy": "xlsx", "clerk": self.rng.choice(["xlsx", "xls"]), "csv": "csv"}[st]

    def enc(self):
        return self.rng.choice(["utf-8", "utf-8-sig", "gb18030"])

    def emit(self, rel, fmt, sheets, headers, note, st):
        path = self.exp / rel
        enc = self.enc() if fmt == "csv" else ""
        if fmt == "csv":
            path = path.with_suffix(".csv")
        else:
            path = path.with_suffix("." + fmt)
        if fmt != "csv" and st == "clerk" and self.rng.random() < 0.2 and all(s[0] != "Sheet1" for s in sheets):
            sheets = [("Sheet1", [], []), *sheets]
            note += ", empty first sheet"
        write_book(path, sheets, fmt, enc or "utf-8")
        self.manifest.append({"file": str(path.relative_to(self.exp)), "style": st, "encoding": enc,
                              "sheets": [s[0] for s in sheets], "headers": headers, "note": note})

    def idcell(self, p, prof, has_birth, label):
        return damage_id(self.rng, p, prof, has_birth, self.ev.setdefault(id(p), []), label)

    # ---- 学籍
    def registry(self):
        rng = self.rng
        by_county: dict[str, list] = {}
        for s in self.students:
            by_county.setdefault(s["hh"]["county"], []).append(s)
        st = self.st("registry")
        split = st != "tidy"
        groups = [list(self.students)] if not split else list(by_county.values())
        for part in groups:
            if self.style == "mixed":
                st = rng.choice(["tidy", "clerk", "csv"])
            fmt = self.fmt(st)
            grouped = st == "clerk" and fmt != "csv"
            H = {"seq": "序号", "county": pick(rng, "区县", "县区", "所属区县"), "school": pick(rng, "学校名称", "学校"),
                 "code": "学校标识码", "grade": "年级", "cls": "班级", "name": pick(rng, "姓名", "学生姓名"),
                 "sex": "性别", "birth": "出生日期", "idtype": "身份证件类型",
                 "id": pick(rng, "身份证件号", "身份证号", "身份证号码", "证件号码"),
                 "xjh": pick(rng, "学籍号", "全国学籍号", "学籍号"), "status": pick(rng, "学籍状态", "学籍状态", "在校状态"),
                 "board": pick(rng, "就读方式", "就读方式", "是否住校"), "nation": "民族", "addr": "家庭住址"}
            fields = ["seq", "county", "school", "code", "grade", "cls", "name", "sex", "birth", "idtype", "id", "xjh",
                      "status", "board", "nation", "addr"]
            if st == "tidy":
                fields.remove("seq")
            if rng.random() < 0.5:  # move the ID columns around
                fields.remove("xjh")
                fields.insert(fields.index("name"), "xjh")
            headers = [H[f] for f in fields]
            mem = []
            for k in (1, 2):
                if grouped:
                    mem += ["姓名", "关系", pick(rng, "身份证件号", "身份证号")]
                else:
                    mem += [f"成员{k}姓名", f"成员{k}关系", pick(rng, f"成员{k}身份证件号", f"成员{k}身份证号")]
            headers += mem
            dstyle = rng.choice(["iso", "compact", "cell"] if fmt != "csv" else ["iso", "compact", "slash"])
            rows = []
            for i, s in enumerate(part):
                v = {"seq": i + 1, "county": s["hh"]["county"], "school": s["school"], "code": s["school_code"],
                     "grade": s["grade"], "cls": s["cls"], "name": s["name"], "sex": "男" if s["male"] else "女",
                     "birth": fmt_date(s["birth"], dstyle), "idtype": "居民身份证" if s["reg_id"] else "其他",
                     "id": s["reg_id"], "xjh": s["xjh"], "status": s["status"],
                     "board": ("住校" if s["board"] else "走读") if H["board"] == "就读方式" else ("是" if s["board"] else "否"),
                     "nation": "汉族", "addr": f"{s['hh']['town']}{s['hh']['village']}"}
                if s["reg_id"] and st != "tidy" and rng.random() < 0.02:
                    v["id"] = rng.choice([" " + s["reg_id"], "'" + s["reg_id"], s["reg_id"] + " "])
                row = [v[f] for f in fields]
                par = parents_of(s)
                need = any(p["disabled"] for p in par)
                if par and (need or rng.random() < 0.85):
                    par = sorted(par, key=lambda p: not p["male"])[:2]
                    for p in par:
                        rel = ({"子女": "父亲", "孙子女": "祖父"} if p["male"] else {"子女": "母亲", "孙子女": "祖母"})[s["rel"]]
                        pidv = p["id"]
                        if not need and rng.random() < 0.03:
                            pidv = rng.choice([pidv[:6] + pidv[8:17] if p["birth"].year < 2000 else pidv,
                                               pidv[:10] + pidv[11] + pidv[10] + pidv[12:]])
                        row += [p["name"], rel, pidv]
                    row += [""] * (6 - 3 * len(par))
                    s.setdefault("reg_parents", True)
                else:
                    row += [""] * 6
                rows.append(row)
            county = part[0]["hh"]["county"] if split else "商洛市"
            title = f"{county}2025年春季学期在校学生学籍信息表" if st == "clerk" else None
            gl = [("基本信息", len(fields)), ("家庭成员1", 3), ("家庭成员2", 3)] if grouped else None
            cells, merges, _ = lay(headers, rows, rng, title=title, fill=st == "clerk", groups=gl,
                                   blanks=0.01 if st == "clerk" else 0, total=("合计", {1: f"{len(rows)}人"})
                                   if st == "clerk" else None, repeat=400 if st == "clerk" else 0)
            sheets = [("学生信息" if st == "tidy" else "Sheet1", cells, merges)]
            if st == "clerk" and fmt != "csv" and rng.random() < 0.5:
                sheets.insert(0, ("填表说明", [["填表说明：1.身份证件号请以文本格式填写；2.学籍状态填在读/休学/转出/毕业。"]], []))
            name = "学籍/全市学籍信息" if not split else f"学籍/{county}学籍花名册"
            self.emit(name, fmt, sheets, headers, f"registry, grouped member headers={grouped}, dates={dstyle}", st)

    # ---- 资助
    def aid(self):
        rng = self.rng
        pays: list[tuple] = []  # (student, semester, programme, amount)
        prog = {"幼儿园": [("学前教育幼儿资助", 375)], "小学": [("义务教育家庭经济困难学生生活补助", None)],
                "初中": [("义务教育家庭经济困难学生生活补助", None)], "高中": [("普通高中国家助学金", 1150),
                                                                            ("普通高中免学杂费", 400)],
                "中职": [("中等职业教育国家助学金", 1150), ("中等职业教育免学费", 1000)]}
        for s in self.students:
            key = bool(s["groups"])
            enrolled = s["status"] == "在读"
            r = rng.random()
            sems = []
            if key and enrolled:
                if r < 0.86:
                    sems = [CUR] + ([PREV] if rng.random() < 0.7 else []) + ([OLD] if rng.random() < 0.3 else [])
                elif r < 0.93:
                    sems = [PREV] + ([OLD] if rng.random() < 0.5 else [])
                    s["tags"].append("paid_prev_only")
            elif key:
                sems = [PREV] if r < 0.5 else ([CUR] if r < 0.55 else [])
            else:
                near = s["hh"]["pov"] or s["hh"]["dibao"]
                if r < (0.35 if near else 0.05):
                    sems = [CUR] + ([PREV] if rng.random() < 0.5 else [])
                elif r < (0.45 if near else 0.07):
                    sems = [PREV]
            s["paid_cur"] = CUR in sems
            for sem in sems:
                for pname, amt in prog[s["stage"]][: 1 if rng.random() < 0.3 else 2]:
                    if amt is None:
                        yearly = (1250 if s["stage"] == "小学" else 1500) if s["board"] else (
                            625 if s["stage"] == "小学" else 750)
                        amt = yearly / 2
                        pname += "（寄宿生）" if s["board"] else "（非寄宿生）"
                    if sem != CUR and "助学金" in pname:
                        amt = 1000
                    pays.append((s, sem, pname, amt))
        rng.shuffle(pays)
        st = self.st("aid")
        prof = STYLES[st]
        by_sem: dict[str, list] = {}
        for p in pays:
            by_sem.setdefault(p[1], []).append(p)
        if st == "tidy":
            parts = [("资助/2024-2025学年资助发放明细", pays, "col2")]
        elif st == "clerk":
            parts = [("资助/2025年春季学期资助发放名册", by_sem.get(CUR, []), "col1"),
                     ("资助/往期/2024年秋季学期资助资金发放表", by_sem.get(PREV, []), "title"),
                     ("资助/往期/2024年春季学期资助资金发放表", by_sem.get(OLD, []), "col1")]
        else:
            parts = [("资助/资助发放_义务教育及学前", [p for p in pays if p[0]["stage"] in ("幼儿园", "小学", "初中")],
                      "xn"), ("资助/资助发放_高中中职", [p for p in pays if p[0]["stage"] in ("高中", "中职")], "xn")]
        for fname, plist, semstyle in parts:
            if self.style == "mixed":
                st = rng.choice(["tidy", "clerk", "csv"])
                prof = STYLES[st]
            fmt = self.fmt(st)
            H = {"seq": "序号", "xn": "学年", "xq": "学期", "sem1": pick(rng, "学期", "发放学期", "资助学期"),
                 "county": "区县", "school": pick(rng, "学校名称", "学校"), "xjh": pick(rng, "学籍号", "全国学籍号"),
                 "name": pick(rng, "姓名", "学生姓名"), "id": pick(rng, "身份证件号", "身份证号", "证件号码"),
                 "prog": pick(rng, "资助项目名称", "资助项目", "项目名称"),
                 "amt": pick(rng, "资助金额（元）", "资助金额（元）", "资助金额", "发放金额（元）"),
                 "way": "发放方式", "date": "发放日期", "grade": "年级", "pname": pick(rng, "家长姓名", "监护人姓名"),
                 "pid": pick(rng, "家长身份证号", "监护人身份证号", "家长身份证件号")}
            fields = ["seq", "county", "school", "grade", "xjh", "name", "id", "prog", "amt", "way", "date"]
            if rng.random() < 0.5:  # payments to the parent's bank card: the parent's name and ID on the row
                fields[7:7] = ["pname", "pid"]
            if semstyle in ("col2", "xn"):
                fields[1:1] = ["xn", "xq"]
            elif semstyle == "col1":
                fields[1:1] = ["sem1"]
            headers = [H[f] for f in fields]
            rows = []
            total = 0.0
            for i, (s, sem, pname, amt) in enumerate(plist):
                y = int(sem[:4])
                spring = sem.endswith("spring")
                xn = f"{y - 1}-{y}" if spring else f"{y}-{y + 1}"
                ev: list = []
                idv = damage_id(rng, s, {"id": {k: v for k, v in prof["id"].items()
                                               if k not in ("twin", "parent", "blank", "sci")}}, True, ev, "aid") \
                    if s["reg_id"] else ""
                xjh = s["xjh"]
                if ev and ev[0][1] == "" and s["reg_id"] and rng.random() < 0.03:
                    xjh = ""
                    s["tags"].append("aid_xjh_blank")
                elif ev and ev[0][1] not in EASY:
                    s["tags"].append("aid_id_" + ev[0][1])
                amtv = {"tidy": amt, "clerk": f"{amt:.2f}", "csv": rng.choice([f"{amt:g}", f"{amt:.2f}"])}[st]
                v = {"seq": i + 1, "xn": xn + ("学年" if semstyle == "xn" else ""),
                     "xq": ("第二学期" if spring else "第一学期") if semstyle == "xn" else ("春季学期" if spring else "秋季学期"),
                     "sem1": f"{y}年{'春季' if spring else '秋季'}学期" if rng.random() < 0.7 else f"{y}{'春' if spring else '秋'}",
                     "county": s["hh"]["county"], "school": s["school"], "grade": s["grade"], "xjh": xjh,
                     "name": damage_name(rng, s, prof, False), "id": idv, "prog": pname, "amt": amtv,
                     "way": rng.choice(["银行卡", "社保卡", "现金"]),
                     "pname": parents_of(s)[0]["name"] if parents_of(s) else "",
                     "pid": parents_of(s)[0]["id"] if parents_of(s) else "",
                     "date": fmt_date(dt.date(y, 5 if spring else 11, rng.randint(1, 28)), "iso")}
                total += amt
                rows.append([v[f] for f in fields])
            title = None
            if semstyle == "title":
                title = "2024年秋季学期学生资助资金发放花名册"
            elif st == "clerk":
                title = f"{fname.split('/')[-1]}"
            cells, merges, _ = lay(headers, rows, rng, title=title, fill=st == "clerk",
                                   blanks=0.01 if st == "clerk" else 0,
                                   total=("合计", {fields.index("amt"): f"{total:.2f}"}) if st != "tidy" else None,
                                   repeat=500 if st == "clerk" else 0)
            self.emit(fname, fmt, [("发放明细", cells, merges)], headers,
                      f"aid, semester={semstyle}, parent columns={'pid' in fields}", st)

    # ---- 扶贫
    def poverty(self):
        rng = self.rng
        st = self.st("poverty")
        prof = STYLES[st]
        fmt = self.fmt(st)
        hhs = [h for h in self.hhs if h["pov"]]
        wide = st == "clerk" or (st == "csv" and rng.random() < 0.3)
        excel_num = st == "clerk" and fmt != "csv"
        enjoy_h = pick(rng, "享受政策情况", "是否享受政策", "享受政策状态")
        risk_h = pick(rng, "风险是否消除", "风险是否已消除")
        mt_h = pick(rng, "监测对象类别", "易返贫致贫户(监测对象)类型")
        relmap = {"户主": "户主", "配偶": "配偶", "子女": None, "孙子女": None, "父母": None}
        general = rng.random() < 0.4  # 户类型 of monitored non-poor households shown as 一般农户
        riskv = rng.choice([{"是": "是", "否": "否", "": ""}, {"是": "已消除", "否": "未消除", "": ""}])

        def hcols(h):
            return [("一般农户" if general and h["pov"] == "监测户" else h["pov"]), h["mtype"], riskv[h["cleared"]],
                    h["enjoy"] if h["pov"] == "脱贫户" else ""]
        vmerge = (st == "clerk" and rng.random() < 0.5) or (st == "csv" and rng.random() < 0.3)
        if vmerge:
            wide = False
        if not wide:
            has_birth = st == "tidy"
            headers = ["序号", "县（市、区）", "乡（镇）", "行政村", "户编号", "人编号", pick(rng, "姓名", "成员姓名"),
                       pick(rng, "证件号码", "身份证号码", "身份证号"), "与户主关系", "性别"] + \
                (["出生日期"] if has_birth else []) + ["户类型", mt_h, risk_h, enjoy_h, "在校生状况", "人口数"]
            rows, spans = [], []
            for h in hhs:
                spans.append((len(rows), len(h["members"])))
                for j, m in enumerate(h["members"]):
                    rel = relmap[m["rel"]] or (("之子" if m["male"] else "之女") if m["rel"] == "子女" else
                                               ("之孙子" if m["male"] else "之孙女") if m["rel"] == "孙子女" else
                                               ("之父" if m["male"] else "之母"))
                    idv = self.idcell(m, prof, has_birth, "poverty")
                    hard = self.ev[id(m)][-1][1] not in EASY
                    stu = "在校生" if m.get("stage") else "非在校生"
                    rows.append([len(rows) + 1, h["county"], h["town"], h["village"], h["no"], f"{h['no']}{j + 1:02d}",
                                 damage_name(rng, m, prof, hard), idv, rel, "男" if m["male"] else "女"]
                                + ([fmt_date(m["birth"], "iso")] if has_birth else [])
                                + hcols(h) + [stu, len(h["members"])])
            cells, merges, at = lay(headers, rows, rng, title="脱贫人口及防返贫监测对象信息" if st != "tidy" else None)
            if vmerge:  # household-level cells merged vertically over the household's rows (blank below the first)
                hcol = [headers.index(x) for x in ("户编号", "户类型", mt_h, risk_h, enjoy_h, "人口数")]
                for r0, n in spans:
                    for c in hcol:
                        for k in range(1, n):
                            cells[at + 1 + r0 + k][c] = ""
                        if n > 1 and fmt != "csv":
                            merges.append((at + 1 + r0, c, at + r0 + n, c, cells[at + 1 + r0][c]))
            self.emit("乡村振兴/脱贫人口和监测对象明细", fmt, [("人员明细", cells, merges)], headers,
                      f"poverty long, vertical merges={vmerge}, 一般农户={general}, risk={riskv['是']}", st)
            return
        n = max(len(h["members"]) for h in hhs) - 1
        base = ["户编号", "县", "乡镇", "村", "户类型", mt_h, risk_h, enjoy_h, "人口数"]
        headers = base + ["户主姓名", pick(rng, "户主身份证号", "户主身份证号码")]
        groups = [("户基本信息", len(base)), ("户主", 2)]
        for k in range(1, n + 1):
            headers += [f"成员{k}姓名", f"成员{k}身份证号", f"成员{k}与户主关系"]
            groups.append((f"家庭成员{k}", 3))
        rows = []
        for h in hhs:
            row = [h["no"], h["county"], h["town"], h["village"], *hcols(h), len(h["members"])]
            for j, m in enumerate(h["members"]):
                idv = self.idcell(m, prof, False, "poverty_wide")
                if excel_num and not isinstance(idv, XNum) and idv == m["id"] and not m["id"].endswith("X"):
                    n15 = int(m["id"][:15]) * 1000
                    idv = XNum(float(n15), str(n15))
                    self.ev[id(m)][-1] = ("poverty_wide", "num15")
                hard = self.ev[id(m)][-1][1] not in EASY
                nm = damage_name(rng, m, prof, hard)
                if j == 0:
                    row += [nm, idv]
                else:
                    row += [nm, idv, {"配偶": "配偶", "子女": "子女", "孙子女": "孙子女", "父母": "父母"}[m["rel"]]]
            row += [""] * (len(headers) - len(row))
            rows.append(row)
        cells, merges, _ = lay(headers, rows, rng, title="2025年脱贫户及监测户家庭成员花名册", fill=True, groups=groups,
                               blanks=0.01, total=("合计", {1: f"{len(rows)}户"}))
        self.emit("乡村振兴/脱贫户监测户花名册", fmt, [("花名册", cells, merges)], headers,
                  f"poverty wide, excel-number IDs={excel_num}, 一般农户={general}, risk={riskv['是']}", st)

    # ---- 民政 低保/特困 + 孤儿/事实无人抚养
    def civil(self):
        rng = self.rng
        st = self.st("civil")
        prof = STYLES[st]
        fmt = self.fmt(st)
        dstyle = rng.choice(["iso", "slash", "cn", "compact"] + (["cell"] if fmt != "csv" else []))
        cats: dict[str, list] = {"城市低保": [], "农村低保": [], "特困供养": []}
        id_h, name_h = pick(rng, "成员身份证号", "身份证号码", "公民身份号码"), pick(rng, "成员姓名", "姓名")
        for h in self.hhs:
            if h["dibao"]:
                head, amt = h["members"][0], rng.choice([320, 450, 560, 610])
                for m in h["members"]:
                    idv = self.idcell(m, prof, False, "dibao")
                    hard = self.ev[id(m)][-1][1] not in EASY
                    cats[h["dibao"]].append({"county": h["county"], "town": h["town"], "hname": head["name"],
                                             "hid": head["id"], "cat": h["dibao"], "status": h["db_status"],
                                             "n": len(h["members"]), "amt": amt,
                                             "name": damage_name(rng, m, prof, hard), "id": idv,
                                             "rel": "本人" if m is head else {"配偶": "配偶", "子女": "子女",
                                                                              "孙子女": "孙子女", "父母": "父母"}[m["rel"]],
                                             "start": fmt_date(h["db_start"], dstyle),
                                             "end": fmt_date(h["db_end"], dstyle)})
            for m in h["members"]:
                if m["tekun"]:
                    idv = self.idcell(m, prof, False, "tekun")
                    hard = self.ev[id(m)][-1][1] not in EASY
                    cats["特困供养"].append({"county": h["county"], "town": h["town"], "hname": m["name"], "hid": m["id"],
                                         "cat": "特困供养", "status": "正常", "n": 1, "amt": 780,
                                         "name": damage_name(rng, m, prof, hard), "id": idv, "rel": "本人",
                                         "start": fmt_date(rdate(rng, 2016, 2023), dstyle), "end": ""})
        fields = ["county", "town", "hname", "hid", "cat", "status", "n", "amt", "name", "id", "rel", "start", "end"]
        H = {"county": "区县", "town": "乡镇（街道）", "hname": "户主姓名", "hid": "户主身份证号", "cat": "保障类别",
             "status": "保障状态", "n": "保障人数", "amt": "月保障金额", "name": name_h, "id": id_h, "rel": "与户主关系",
             "start": pick(rng, "保障开始日期", "保障起始日期", "审批日期"), "end": pick(rng, "保障终止日期", "停保日期")}
        per_sheet = st == "clerk" or (st == "csv")
        if not per_sheet:
            headers = ["序号"] + [H[f] for f in fields]
            longcat = rng.random() < 0.5
            full = {"城市低保": "城市居民最低生活保障", "农村低保": "农村最低生活保障", "特困供养": "特困人员救助供养"}
            rows = [[i + 1] + [full[r[f]] if f == "cat" and longcat else r[f] for f in fields]
                    for i, r in enumerate(sum(cats.values(), []))]
            cells, merges, _ = lay(headers, rows, rng)
            self.emit("民政/低保特困保障对象", fmt, [("保障对象", cells, merges)], headers, f"civil long, dates={dstyle}, long category values={longcat}", st)
        else:
            f2 = [f for f in fields if f != "cat"]
            headers = ["序号"] + [H[f] for f in f2]
            sheets = []
            for cat, recs in cats.items():
                rows = [[i + 1] + [r[f] for f in f2] for i, r in enumerate(recs)]
                title = f"2025年3月份{cat}备案表" if cat != "特困供养" else "特困人员救助供养花名册"
                cells, merges, _ = lay(headers, rows, rng, title=title, fill=st == "clerk",
                                       total=("合计", {2: f"{len(rows)}人"}) if st == "clerk" else None)
                sheets.append((cat, cells, merges))
            if fmt == "csv":
                for sh in sheets:
                    self.emit(f"民政/{sh[0]}", "csv", [sh], headers, f"civil category in title+filename, dates={dstyle}",
                              st)
            else:
                self.emit("民政/城乡低保及特困人员名册", fmt, sheets, headers,
                          f"civil one sheet per category (no 保障类别 column), dates={dstyle}", st)
        # 孤儿 / 事实无人抚养儿童
        st = self.st("child") if self.style == "mixed" else st
        prof = STYLES[st]
        fmt = self.fmt(st)
        headers = ["序号", pick(rng, "儿童姓名", "姓名"), "性别", "出生日期",
                   pick(rng, "公民身份号码", "身份证号码", "身份证号"), "区县", "乡镇", "监护人姓名", "监护人身份证号", "与儿童关系"]
        recs: dict[str, list] = {"孤儿": [], "事实无人抚养儿童": []}
        for h in self.hhs:
            for m in h["members"]:
                for k, cat in (("orphan", "孤儿"), ("defacto", "事实无人抚养儿童")):
                    if m[k]:
                        g = h["members"][0]
                        idv = self.idcell(m, prof, True, "child_welfare")
                        hard = self.ev[id(m)][-1][1] not in EASY
                        recs[cat].append([len(recs[cat]) + 1, damage_name(rng, m, prof, hard),
                                          "男" if m["male"] else "女", fmt_date(m["birth"], "iso"), idv, h["county"],
                                          h["town"], g["name"], g["id"], "祖父" if g["male"] else "祖母"])
        if st == "tidy":
            hdr = [*headers, "类别"]
            rows = [r + [("社会散居孤儿" if c == "孤儿" else c)] for c, rs in recs.items() for r in rs]
            cells, merges, _ = lay(hdr, rows, rng)
            self.emit("民政/孤儿和事实无人抚养儿童", fmt, [("儿童信息", cells, merges)], hdr, "child welfare, 类别 column", st)
        elif fmt == "csv":
            c1, m1, _ = lay(headers, recs["孤儿"], rng, title="孤儿基本生活保障金发放花名册")
            self.emit("民政/孤儿", "csv", [("孤儿", c1, m1)], headers, "orphans: category in title + file name", st)
            c2, m2, _ = lay(headers, recs["事实无人抚养儿童"], rng)
            self.emit("民政/事实无人抚养儿童", "csv", [("事实无人抚养儿童", c2, m2)], headers,
                      "事实无人抚养: category in FILE NAME only", st)
        else:
            sheets = [("填表说明", [["本表分孤儿、事实无人抚养儿童两个工作表，请勿改动表头。"]], [])]
            for c, rs in recs.items():
                cells, merges, _ = lay(headers, rs, rng, title=f"{c}名册" if rng.random() < 0.5 else None)
                sheets.append((c, cells, merges))
            self.emit("民政/困境儿童名册", fmt, sheets, headers, "child welfare: category = sheet name (+title)", st)

    # ---- 残联
    def disability(self):
        rng = self.rng
        st = self.st("disability")
        prof = STYLES[st]
        fmt = self.fmt(st)
        no_id_col = st == "clerk"
        cat_names = "视力 听力 言语 肢体 智力 精神 多重".split()
        people = [m for h in self.hhs for m in h["members"] if m["disabled"]]
        extra_used = set(self.used)
        for _ in range(len(people)):  # adults with certificates who have nothing to do with any student
            c = rng.choice(COUNTIES)
            p = person(rng, extra_used, c[0], rdate(rng, 1940, 1990), rng.random() < 0.5)
            p.update(disabled=True, cert_cat=rng.randint(1, 7), cert_grade=rng.randint(1, 4), hh={"county": c[1]})
            people.append(p)
        rng.shuffle(people)
        headers = ["序号", pick(rng, "姓名", "残疾人姓名"), "性别"] + ([] if no_id_col else [pick(rng, "身份证号", "身份证号码")]) \
            + ["残疾人证号", "残疾类别", "残疾等级", "区县", "联系电话"]
        guard = rng.random() < 0.6
        if guard:
            headers += ["监护人姓名", pick(rng, "监护人身份证号", "监护人身份证号码")]
        rows = []
        for i, p in enumerate(people):
            ev = self.ev.setdefault(id(p), [])
            idv = damage_id(rng, p, prof, False, ev, "disability")
            hard = ev[-1][1] not in EASY
            raw = idv.text if isinstance(idv, XNum) else idv
            base = raw if (isinstance(raw, str) and len(raw.strip()) >= 17 and not isinstance(idv, XNum)) else p["id"]
            cat = p["cert_cat"]
            shown = {1: 2, 2: 1}.get(cat, cat) if rng.random() < 0.05 else cat
            cert = base.strip().strip("'") + f"{shown}{p['cert_grade']}"
            if rng.random() < 0.05:
                cert += rng.choice(["B1", "01", "(2)"])
            if no_id_col:
                if ev[-1][1] not in ("typo", "swap", "twin", "lowerx", "fullwidth", "space", ""):
                    ev[-1] = ("disability", "")
                    cert = p["id"] + f"{shown}{p['cert_grade']}"
            rows.append([i + 1, damage_name(rng, p, prof, hard), "男" if p["male"] else "女"]
                        + ([] if no_id_col else [idv]) + [cert, cat_names[cat - 1] + ("残疾" if st != "tidy" else ""),
                                                          "一二三四"[p["cert_grade"] - 1] + "级", p["hh"]["county"],
                                                          f"1{rng.randint(3 * 10**9, 9 * 10**9)}"])
            if guard:
                g = parents_of(p)[0] if p["birth"].year >= 2007 and "hh" in p and parents_of(p) else None
                rows[-1] += [g["name"], g["id"]] if g else ["", ""]
        cells, merges, _ = lay(headers, rows, rng, title="持证残疾人信息" if st == "clerk" else None,
                               fill=st == "clerk", blanks=0.005 if st == "clerk" else 0)
        sheets = [("残疾人", cells, merges)]
        if st == "clerk" and fmt != "csv":
            sheets.insert(0, ("说明", [["数据来源：残联系统导出，2025年3月"]], []))
        self.emit("残联/持证残疾人名单", fmt, sheets, headers,
                  f"disability, ID column={not no_id_col}, guardian columns={guard}", st)

    # ---- truth
    def run(self):
        for s in self.students:
            s["groups"] = truth_groups(s)
        self.registry()
        self.aid()
        self.poverty()
        self.civil()
        self.disability()
        tdir = self.out / "truth"
        tdir.mkdir(parents=True, exist_ok=True)
        gaps, allrows = [], []
        for s in self.students:
            ev = []
            for g in s["groups"]:
                if g == "残疾人子女":
                    for p in parents_of(s):
                        if p["disabled"]:
                            ev += [("parent:" + lab, t) for lab, t in self.ev.get(id(p), []) if lab == "disability"]
                elif g == "残疾学生":
                    ev += [e for e in self.ev.get(id(s), []) if e[0] == "disability"]
                else:
                    lab = {"脱贫家庭": "poverty", "防返贫监测": "poverty", "城乡低保": "dibao", "特困供养": "tekun",
                           "孤儿": "child_welfare", "事实无人抚养儿童": "child_welfare"}[g]
                    ev += [e for e in self.ev.get(id(s), []) if e[0].startswith(lab)]
            tags = {t for _l, t in ev}
            if "j_student" in s["tags"] and s["groups"]:
                tags = {("j_student" if t in EASY else t) for t in tags}
            if "残疾人子女" in s["groups"] and s["rel"] == "孙子女":
                s["tags"].append("guardian_cert")
            level = "easy" if tags & EASY else "medium" if tags & MEDIUM else "hard"
            if not ev:
                level = "none"
            hh = s["hh"]
            traps = []
            if hh["pov"] == "脱贫户" and hh["enjoy"] == "不享受政策":
                traps.append("不享受政策")
            if hh["pov"] == "监测户" and hh["cleared"] == "是":
                traps.append("风险已消除")
            elif hh["mon"] and hh["cleared"] == "是":
                traps.append("脱贫不稳定户风险已消除(仍是脱贫户)")
            if hh["dibao"] and hh["db_status"] == "停保":
                traps.append("停保")
            elif hh["dibao"] and hh["db_end"] and hh["db_end"] < SEM_START:
                traps.append("低保已到期")
            is_gap = bool(s["groups"]) and s["status"] == "在读" and not s["paid_cur"]
            row = {"学籍号": s["xjh"], "身份证件号": s["reg_id"], "姓名": s["name"], "困难类型": "、".join(s["groups"]),
                   "难度": level if s["groups"] else "", "证据": ";".join(f"{lab}={t or 'ok'}" for lab, t in ev),
                   "学籍状态": s["status"], "本学期已资助": int(s["paid_cur"]), "应列入": int(is_gap),
                   "标记": ",".join(s["tags"] + traps), "学段": s["stage"]}
            allrows.append(row)
            if is_gap:
                gaps.append(row)
        for name, rows, cols in (("gaps.csv", gaps, ["学籍号", "身份证件号", "姓名", "困难类型", "难度", "证据", "标记"]),
                                 ("students.csv", allrows, list(allrows[0]))):
            with open(tdir / name, "w", encoding="utf-8", newline="") as f:
                w = csv.DictWriter(f, cols, extrasaction="ignore")
                w.writeheader()
                w.writerows(rows)
        (tdir / "manifest.json").write_text(json.dumps(self.manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        return len(gaps)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--students", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--style", choices=["tidy", "clerk", "csv", "mixed"], default="mixed")
    a = ap.parse_args()
    n = Gen(a.out, a.students, a.seed, a.style).run()
    print(f"{a.out}: {a.students} students, style={a.style}, seed={a.seed}, {n} true gaps")


if __name__ == "__main__":
    main()
