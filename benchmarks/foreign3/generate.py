# ruff: noqa: E501, SIM905, RUF005, RUF012
"""Third independent ("foreign3") generator of synthetic 54321 exports: one city of 贵州省 毕节市.

Written from /work/shared/domain.md and the README only (never aidmatch's src/, rules/, tests/ or its
own synthetic generator), to expose rules that hold only in the team's generator.

    python benchmarks/foreign3/generate.py --out DIR --students N --seed S [--semester 2025-spring] [--damage F]

Writes DIR/exports/ (学籍, 资助, 乡村振兴, 民政, 残联 files, mixed xlsx/xls/csv) and DIR/truth/:
gaps.csv, candidates.csv, students.csv, manifest.json. Every person is invented; IDs carry valid
check digits (python-stdnum) over real region codes of 毕节 (the 5224xx codes before the 2011
re-coding, 5205xx after; 黔西 520522 then 520581), plus other provinces for migrant families.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
from collections import Counter
from pathlib import Path

import xlsxwriter
import xlwt
from stdnum.cn import ric

# ------------------------------------------------------------------------------------ the city
# name, code today, code of IDs issued before the 2011 change (毕节地区 5224 → 毕节市 5205), weight, towns
COUNTIES = [
    ("七星关区", "520502", "522401", 20, ["碧阳街道", "洪山街道", "市西街道", "海子街镇", "朱昌镇", "撒拉溪镇", "杨家湾镇", "长春堡镇"]),
    ("大方县", "520521", "522422", 11, ["顺德街道", "红旗街道", "羊场镇", "黄泥塘镇", "六龙镇", "达溪镇"]),
    ("黔西市", "520581", "522423", 11, ["莲城街道", "水西街道", "金碧镇", "雨朵镇", "素朴镇", "林泉镇"]),
    ("金沙县", "520523", "522424", 8, ["鼓场街道", "西洛街道", "沙土镇", "禹谟镇", "安底镇", "岩孔街道"]),
    ("织金县", "520524", "522425", 12, ["双堰街道", "金凤街道", "珠藏镇", "猫场镇", "龙场镇", "八步街道"]),
    ("纳雍县", "520525", "522426", 10, ["雍熙街道", "居仁街道", "百兴镇", "张家湾镇", "阳长镇", "猪场苗族彝族乡"]),
    ("威宁彝族回族苗族自治县", "520526", "522427", 17, ["海边街道", "六桥街道", "草海镇", "金钟镇", "炉山镇", "石门乡"]),
    ("赫章县", "520527", "522428", 8, ["城关镇", "白果街道", "妈姑镇", "野马川镇", "可乐彝族苗族乡", "六曲河镇"]),
    # a 管理区 without its own region code: people carry 七星关区's codes; the national poverty
    # system files them under 七星关区, the school registry under 金海湖新区
    ("金海湖新区", "520502", "522401", 3, ["竹园彝族苗族乡", "响水白族彝族仡佬族乡", "岔河镇", "双山镇"]),
]
QIANXI_MID = "520522"  # 黔西县 2011-2021, before it became 黔西市 (520581)
SHORT = {"七星关区": "七星关", "大方县": "大方", "黔西市": "黔西", "金沙县": "金沙", "织金县": "织金", "纳雍县": "纳雍",
         "威宁彝族回族苗族自治县": "威宁", "赫章县": "赫章", "金海湖新区": "金海湖"}
POV_RATE = {"七星关区": .13, "大方县": .22, "黔西市": .18, "金沙县": .14, "织金县": .24, "纳雍县": .26,
            "威宁彝族回族苗族自治县": .30, "赫章县": .28, "金海湖新区": .20}
# migrant families and married-in spouses: 云南 镇雄 威信 宣威 会泽, 四川 叙永 古蔺, 重庆 綦江, 湖南 双峰
OTHER_PROV = ["530627", "530629", "530381", "530326", "510524", "510525", "500110", "431321"]
VILLAGES = "新民 红星 团结 坪上 大寨 岩脚 石板 马场 营盘 花园 光明 向阳 松林 中寨 河坝 箐口 新华 联合 田坝 龙场 双河 大坪 白岩 青山".split()

SURNAMES = ("王" * 9 + "李" * 8 + "张" * 8 + "刘" * 6 + "陈" * 6 + "杨" * 7 + "赵" * 3 + "黄" * 3 + "周" * 3 + "吴" * 4
            + "徐" * 2 + "孙" * 2 + "胡" * 2 + "朱" * 2 + "高" * 2 + "罗" * 4 + "龙" * 3 + "熊" * 2 + "陆" * 2 + "安" * 2
            + "禄苏蔡史邓谢韩唐冯田彭曾肖余潘袁蒋雷文付卢何郭马林宋邹祝穆聂管顾")
ADULT_M = "建国 国强 明 勇 军 华 文 平 兴 富 贵 发 顺 学 云 忠 友 德 成 江 洪 林 刚 超 伟 波 海 涛 斌 杰 永华 文军 光明 正华 开学 应龙 大兵 小平 家富 德明 志刚 红军 胜利 世平".split()
ADULT_F = "芳 英 梅 兰 秀 琴 燕 霞 丽 敏 艳 红 花 娟 萍 玉 会 桂 春 秀英 桂兰 玉梅 小芳 丽娟 春花 金凤 红梅 正芬 开芬 应翠 光美 德芬 琼 莉 静 娜 丹 倩".split()
ELDER_M = "德才 富贵 发明 昌荣 正清 绍先 开文 应祥 光荣 启明 世华 朝中 仕林 明亮".split()
ELDER_F = "秀英 桂英 玉兰 正英 开芬 光秀 德珍 仕芬 明芬 朝英 世珍 应秀 兰英".split()
KID_M = "浩宇轩子梓俊杰泽睿博文豪鑫磊然晨阳明哲航天佑家乐锦程志远宏伟辰逸凯瑞鹏铭诚"
KID_F = "欣怡涵雨萱诗梦琪紫桐思佳悦语嫣静婷瑶慧丽芳雪可馨若汐雅晴颖妍蕊"
COMMON_GIVEN = {"张": (["伟", "勇"], ["敏", "丽"]), "王": (["伟", "磊"], ["芳"]), "李": (["强"], ["娜", "静"]),
                "刘": (["洋", "波"], ["洋"])}
# characters outside GBK (a GBK CSV writes '?'; some clerks type a homophone instead)
RARE = [("䶮", "岩"), ("𬌗", "合"), ("𬣙", "须"), ("𫖮", "乙"), ("𬇕", "万"), ("𬀪", "俊"), ("𫟅", "丽")]
YI_CLAN = "吉克 阿苏 沙马 海来 依火 马海 阿约 俄底".split()
YI_GIVEN = "木呷 拉则 尔古 阿支 曲布 伍各 阿果 日洛 克惹 阿呷 尔日 石只".split()
DOTS = ["•", "・", "‧", "．", ".", "", " "]
HOMO = dict(zip("欣怡静婷浩宇佳晨涛明俊子琪瑶慧丽芳杰军艳玲飞文东涵梦思泽鑫磊勇华",
                "心宜婧亭皓雨家辰滔铭骏梓棋遥惠莉方洁君燕铃菲雯冬含孟丝择欣垒永桦", strict=True))
TRAD = dict(zip("陈张刘杨黄赵吴郑谢韩冯邓罗龙陆苏伟丽军杰涛红凤兰轩鹏飞诗瑶晓东国辉华艳强静刚梦顺贵发兴云学书",
                "陳張劉楊黃趙吳鄭謝韓馮鄧羅龍陸蘇偉麗軍傑濤紅鳳蘭軒鵬飛詩瑤曉東國輝華豔強靜剛夢順貴發興雲學書", strict=True))

CAT_NAMES = ["视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"]
GRADE_NAMES = ["一级", "二级", "三级", "四级"]


class Sem:
    """A semester given as 2025-spring / 2024-autumn."""

    def __init__(self, text: str) -> None:
        y, part = text.split("-")
        self.year, self.spring = int(y), part == "spring"
        self.text = text
        self.start = dt.date(self.year, 3, 1) if self.spring else dt.date(self.year, 9, 1)
        self.school_year = self.year - 1 if self.spring else self.year  # September the school year began
        self.xn = f"{self.school_year}-{self.school_year + 1}"
        self.cn = f"{self.year}年{'春季' if self.spring else '秋季'}学期"
        self.xq = "春季学期" if self.spring else "秋季学期"
        self.xq_no = "第二学期" if self.spring else "第一学期"

    def prev(self) -> Sem:
        return Sem(f"{self.year - 1}-autumn" if self.spring else f"{self.year}-spring")


class XNum:
    """An ID that Excel turned into a number: xlsx/xls get the number cell, CSV the text Excel showed."""

    def __init__(self, pid: str, text_style: str) -> None:
        self.value = float(int(pid[:15]) * 1000)
        self.text = f"{self.value:.5E}".replace("E+", "E+") if text_style == "sci" else str(int(pid[:15]) * 1000)
        if text_style == "sci":  # Excel's General format: 5.20502E+17
            m, e = f"{self.value:.5E}".split("E")
            self.text = f"{m.rstrip('0').rstrip('.')}E+{int(e)}"


# ------------------------------------------------------------------------------------ people
class P:
    def __init__(self, k: int, name: str, male: bool, birth: dt.date, pid: str, county: int, town: str, village: str) -> None:
        self.k, self.name, self.male, self.birth, self.id = k, name, male, birth, pid
        self.county, self.town, self.village = county, town, village
        self.hh: H | None = None
        self.rel = ""
        self.father: P | None = None
        self.mother: P | None = None
        self.step: list[P] = []
        self.dis: tuple[int, int] | None = None
        self.tekun = self.orphan = self.defacto = False
        self.oop = pid[:2] not in ("52",)
        self.old_id = ""
        self.rare = ""
        self.dotted = "·" in name
        self.student: Student | None = None

    @property
    def region(self) -> str:
        return self.id[:6]


class H:
    def __init__(self, no: str, county: int, town: str, village: str) -> None:
        self.no, self.county, self.town, self.village = no, county, town, village
        self.members: list[P] = []
        self.pov = ""  # 脱贫户 / 一般农户 (monitored or listed) / "" not in the poverty system
        self.mon = ""  # 脱贫不稳定户 / 边缘易致贫户 / 突发严重困难户
        self.risk = ""  # 是 / 否 (风险是否已消除)
        self.enjoy = ""  # 继续享受政策 / 不享受政策
        self.dibao = ""  # 农村低保 / 城市低保
        self.db_status = "正常"
        self.db_start: dt.date | None = None
        self.db_end: dt.date | None = None
        self.oop = False  # registered in another province: its records are not in this city's data
        self.oop_group = ""

    def add(self, p: P, rel: str) -> P:
        p.hh, p.rel = self, rel
        self.members.append(p)
        return p


class Student:
    def __init__(self, p: P) -> None:
        self.p = p
        self.xjh = "G" + p.id
        self.reg_id = p.id
        self.rows: list[dict] = []  # registry rows (two for a transfer inside the city)
        self.status = "在读"
        self.members: list[tuple[P, str, str]] = []  # (person, relation word, 是否监护人)
        self.shown_guardians: list[P] = []  # persons the written registry shows as guardian
        self.reg_member_ids: dict[int, str] = {}  # person k -> the ID cell written (damage tag)
        self.tags: list[str] = []
        self.groups: list[str] = []
        self.neutral = ""
        self.paid_cur = False
        self.stage = ""


def check18(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


# ------------------------------------------------------------------------------------ writing
def write_book(path: Path, fmt: str, sheets: list[dict], enc: str = "utf-8") -> None:
    """sheets: [{"name", "rows", "merges": [(r1, c1, r2, c2, text)]}]; CSV takes the first sheet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        for row in sheets[0]["rows"]:
            w.writerow([c.text if isinstance(c, XNum) else f"{c:%Y-%m-%d}" if isinstance(c, dt.date) else
                        ("" if c is None else c) for c in row])
        data = buf.getvalue()
        if enc == "gbk":
            raw = data.encode("gbk", errors="replace")
        elif enc == "utf-8-sig":
            raw = data.encode("utf-8-sig")
        else:
            raw = data.encode("utf-8")
        path.write_bytes(raw)
        return
    if fmt == "xlsx":
        wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                             "strings_to_urls": False})
        dfmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        bold = wb.add_format({"bold": True, "align": "center"})
        for sh in sheets:
            ws = wb.add_worksheet(sh["name"])
            for r, row in enumerate(sh["rows"]):
                for c, v in enumerate(row):
                    if v is None or v == "":
                        continue
                    if isinstance(v, XNum):
                        ws.write_number(r, c, v.value)
                    elif isinstance(v, dt.date):
                        ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), dfmt)
                    elif isinstance(v, int | float):
                        ws.write_number(r, c, v)
                    else:
                        ws.write_string(r, c, str(v))
            for r1, c1, r2, c2, text in sh.get("merges", []):
                ws.merge_range(r1, c1, r2, c2, text, bold)
        wb.close()
        return
    wb = xlwt.Workbook(encoding="utf-8")
    dst = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for sh in sheets:
        ws = wb.add_sheet(sh["name"])
        covered = {(r, c) for r1, c1, r2, c2, _t in sh.get("merges", []) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        for r1, c1, r2, c2, text in sh.get("merges", []):
            ws.write_merge(r1, r2, c1, c2, text)
        for r, row in enumerate(sh["rows"]):
            for c, v in enumerate(row):
                if (r, c) in covered or v is None or v == "":
                    continue
                if isinstance(v, XNum):
                    ws.write(r, c, v.value)
                elif isinstance(v, dt.date):
                    ws.write(r, c, dt.datetime(v.year, v.month, v.day), dst)
                else:
                    ws.write(r, c, v)
    wb.save(str(path))


def fmt_date(d: dt.date | None, style: str):
    if d is None:
        return ""
    return {"iso": f"{d:%Y-%m-%d}", "compact": f"{d:%Y%m%d}", "slash": f"{d.year}/{d.month}/{d.day}",
            "cn": f"{d.year}年{d.month}月{d.day}日", "dot": f"{d:%Y.%m.%d}", "cell": d}[style]


def fullwidth(v: str) -> str:
    return v.translate(str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ"))


# ------------------------------------------------------------------------------------ the generator
class Gen:
    def __init__(self, out: Path, n: int, seed: int, semester: str, damage: float) -> None:
        self.out, self.exp = out, out / "exports"
        self.n, self.seed, self.f = n, seed, damage
        self.rng = random.Random(seed)
        self.sem, self.prev = Sem(semester), Sem(semester).prev()
        sy = self.sem.school_year
        self.stu_lo, self.stu_hi = dt.date(sy - 18, 9, 1), dt.date(sy - 3, 8, 31)
        self.people: list[P] = []
        self.hhs: list[H] = []
        self.students: list[Student] = []
        self.used: set[str] = set()
        self.hh_seq = 0
        self.ev: dict[int, list[dict]] = {}  # person k -> every record of them written to a roster
        self.roster_hh: dict[tuple[str, str], dict] = {}  # (source, 户) -> listed members, complete?
        self.manifest: list[dict] = []
        self.schools: dict[str, str] = {}
        self.cert_holders: list[P] = []
        self.wide_files: list[str] = []

    # ---- people -----------------------------------------------------------------------------
    def region_for(self, county: int, birth: dt.date) -> str:
        _n, now, old, _w, _t = COUNTIES[county]
        if birth < dt.date(2011, 11, 1) and self.rng.random() > 0.06:
            return old
        if now == "520581" and birth < dt.date(2021, 3, 1):
            return QIANXI_MID
        return now

    def new_id(self, region: str, birth: dt.date, male: bool) -> str:
        while True:
            seq = self.rng.randint(0, 499) * 2 + (1 if male else 0)
            pid = check18(f"{region}{birth:%Y%m%d}{seq:03d}")
            if pid not in self.used:
                self.used.add(pid)
                return pid

    def rdate(self, lo: dt.date, hi: dt.date) -> dt.date:
        return dt.date.fromordinal(self.rng.randint(lo.toordinal(), max(lo.toordinal(), hi.toordinal())))

    def ydate(self, y0: int, y1: int) -> dt.date:
        return self.rdate(dt.date(y0, 1, 1), dt.date(y1, 12, 31))

    def person(self, county: int, town: str, village: str, male: bool, birth: dt.date, name: str,
               region: str | None = None) -> P:
        pid = self.new_id(region or self.region_for(county, birth), birth, male)
        p = P(len(self.people), name, male, birth, pid, county, town, village)
        self.people.append(p)
        return p

    def adult_name(self, male: bool, surname: str | None = None, elder: bool = False) -> str:
        s = surname or self.rng.choice(SURNAMES)
        pool = (ELDER_M if male else ELDER_F) if elder else (ADULT_M if male else ADULT_F)
        return s + self.rng.choice(pool)

    def kid_name(self, male: bool, surname: str, dotted_clan: str = "") -> tuple[str, str]:
        rng = self.rng
        if dotted_clan:
            return f"{dotted_clan}·{rng.choice(YI_GIVEN)}", ""
        if surname in COMMON_GIVEN and rng.random() < 0.10:
            pool = COMMON_GIVEN[surname][0 if male else 1]
            return surname + rng.choice(pool), "common_name"
        chars = KID_M if male else KID_F
        given = "".join(rng.choice(chars) for _ in range(2 if rng.random() < 0.78 else 1))
        if rng.random() < 0.004 * max(1.0, self.f):
            rare, _alt = rng.choice(RARE)
            given = given[:-1] + rare
            return surname + given, "rare_char"
        return surname + given, ""

    def household(self, county: int, town: str, village: str) -> H:
        self.hh_seq += 1
        code = COUNTIES[county][1]
        h = H(f"{code}{COUNTIES[county][4].index(town) + 1:03d}{VILLAGES.index(village) + 1:03d}{self.hh_seq:06d}",
              county, town, village)
        self.hhs.append(h)
        return h

    def couple(self, county: int, town: str, village: str, y0: int = 1974, y1: int = 1996, dotted: str = "",
               oop_region: str = "") -> tuple[P, P]:
        rng = self.rng
        fb = self.ydate(y0, y1)
        if dotted:
            fname, mname = f"{dotted}·{rng.choice(YI_GIVEN)}", f"{rng.choice(YI_CLAN)}·{rng.choice(YI_GIVEN)}"
        else:
            fname, mname = self.adult_name(True), self.adult_name(False)
        fa = self.person(county, town, village, True, fb, fname, oop_region or None)
        mreg = oop_region or (rng.choice(OTHER_PROV) if rng.random() < 0.07 else None)  # married in from 云南/四川…
        mo = self.person(county, town, village, False, self.rdate(fb - dt.timedelta(days=365 * 2), fb + dt.timedelta(days=365 * 5)),
                         mname, mreg)
        if mreg and not oop_region:
            mo.tags_married_in = True  # type: ignore[attr-defined]
        return fa, mo

    def kids(self, fa: P | None, mo: P, n: int, county: int, town: str, village: str, surname: str | None = None,
             dotted: str = "", oop_region: str = "") -> list[P]:
        rng = self.rng
        out = []
        lo = max(mo.birth + dt.timedelta(days=365 * 19), self.stu_lo - dt.timedelta(days=365 * 3))
        hi = min(mo.birth + dt.timedelta(days=365 * 42), self.stu_hi + dt.timedelta(days=365 * 2))
        if hi < lo:
            hi = lo + dt.timedelta(days=365 * 3)
        sname = surname or (fa.name[0] if fa is not None and not fa.dotted else mo.name[0])
        for _ in range(n):
            male = rng.random() < 0.53
            b = self.rdate(lo, hi)
            name, tag = self.kid_name(male, sname, dotted)
            k = self.person(county, town, village, male, b, name, oop_region or None)
            k.father, k.mother = fa, mo
            if tag == "common_name":
                k.common = True  # type: ignore[attr-defined]
            if tag == "rare_char":
                k.rare = next(c for c in k.name if any(c == r for r, _ in RARE))
            out.append(k)
        return out

    @staticmethod
    def kidrel(k: P, head_gen: str) -> str:
        """Relation of a child to the head: head is the parent (子/女) or the grandparent (孙子/孙女)."""
        if head_gen == "parent":
            return "子" if k.male else "女"
        if head_gen == "step":
            return "继子" if k.male else "继女"
        if head_gen == "maternal":
            return "外孙子" if k.male else "外孙女"
        return "孙子" if k.male else "孙女"

    def grandparents(self, child_parent: P, county: int, town: str, village: str, both: float = 0.75) -> list[P]:
        rng = self.rng
        b = child_parent.birth - dt.timedelta(days=365 * rng.randint(21, 32))
        sur = child_parent.name[0] if child_parent.male and not child_parent.dotted else None
        gp = []
        gf = self.person(county, town, village, True, b, self.adult_name(True, sur, elder=True))
        gp.append(gf)
        if rng.random() < both:
            gm = self.person(county, town, village, False, b + dt.timedelta(days=rng.randint(-1500, 1500)),
                             self.adult_name(False, elder=True))
            gp.append(gm)
        if rng.random() < 0.3 and gp:  # a widowed grandparent: only one of them
            gp = [rng.choice(gp)]
        child_parent.father = gp[0] if gp[0].male else None
        return gp

    # ---- families ---------------------------------------------------------------------------
    def family(self) -> None:
        rng = self.rng
        c = rng.choices(range(len(COUNTIES)), [x[3] for x in COUNTIES])[0]
        town, village = rng.choice(COUNTIES[c][4]), rng.choice(VILLAGES)
        dotted = rng.choice(YI_CLAN) if c in (6, 7) and rng.random() < 0.025 * max(1.0, self.f) else ""
        r = rng.random()
        nk = rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
        kinds = [("nuclear", .47), ("long", .06), ("leftbehind", .15), ("divorced", .07), ("step", .07),
                 ("orphan", .012), ("defacto", .018), ("oop", .03), ("single", .04), ("gp_apart", .08)]
        acc = 0.0
        kind = "nuclear"
        for k, w in kinds:
            acc += w
            if r < acc:
                kind = k
                break
        fam: list[tuple[P, list[tuple[P, str, str]], str]] = []  # (kid, registry members, family tag)

        def par(fa: P | None, mo: P | None, g_fa: str = "是", g_mo: str = "是") -> list[tuple[P, str, str]]:
            out = []
            if fa is not None:
                out.append((fa, "父亲", g_fa))
            if mo is not None:
                out.append((mo, "母亲", g_mo))
            return out

        if kind in ("nuclear", "gp_apart"):
            fa, mo = self.couple(c, town, village, dotted=dotted)
            ks = self.kids(fa, mo, nk, c, town, village, dotted=dotted)
            h = self.household(c, town, village)
            with_gp = kind == "nuclear" and rng.random() < 0.35
            gps = self.grandparents(fa, c, town, village) if with_gp or kind == "gp_apart" else []
            if with_gp and rng.random() < 0.4:  # grandfather heads a three-generation household
                head = gps[0]
                h.add(head, "户主")
                for g in gps[1:]:
                    h.add(g, "配偶")
                h.add(fa, "子")
                h.add(mo, "儿媳")
                for k in ks:
                    h.add(k, self.kidrel(k, "grand"))
            else:
                if rng.random() < 0.12:
                    h.add(mo, "户主")
                    h.add(fa, "配偶")
                else:
                    h.add(fa, "户主")
                    h.add(mo, "配偶")
                for k in ks:
                    h.add(k, self.kidrel(k, "parent"))
                if with_gp:
                    for g in gps:
                        h.add(g, "父" if g.male else "母")
            if kind == "gp_apart":  # grandparents in their own 户 in the same village
                gh = self.household(c, town, village)
                for i, g in enumerate(gps):
                    gh.add(g, "户主" if i == 0 else "配偶")
            for k in ks:
                mem = par(fa, mo)
                tag = "nuclear" if kind == "nuclear" else "gp_own_hh"
                if gps and rng.random() < 0.25:  # a grandparent listed too, not the guardian
                    g = rng.choice(gps)
                    mem.insert(rng.choice([0, 1, 2]), (g, rng.choice(["祖父", "爷爷"]) if g.male else rng.choice(["祖母", "奶奶"]), "否"))
                    tag += "+gp_listed_not_guardian"
                fam.append((k, mem, tag))
        elif kind == "long":
            gps = []
            h = self.household(c, town, village)
            gf = self.person(c, town, village, True, self.ydate(1945, 1960), self.adult_name(True, elder=True))
            gm = self.person(c, town, village, False, gf.birth + dt.timedelta(days=rng.randint(-900, 1500)),
                             self.adult_name(False, elder=True))
            h.add(gf, "户主")
            h.add(gm, "配偶")
            for _s in range(rng.choice((2, 2, 3))):
                son = self.person(c, town, village, True, self.rdate(gf.birth + dt.timedelta(days=365 * 21),
                                                                      gf.birth + dt.timedelta(days=365 * 36)),
                                  gf.name[0] + rng.choice(ADULT_M))
                son.father, son.mother = gf, gm
                wife = self.person(c, town, village, False, son.birth + dt.timedelta(days=rng.randint(-700, 1800)),
                                   self.adult_name(False))
                h.add(son, "子")
                h.add(wife, "儿媳")
                for k in self.kids(son, wife, rng.choice((1, 2, 2, 3)), c, town, village):
                    h.add(k, self.kidrel(k, "grand"))
                    fam.append((k, par(son, wife), "long_hh"))
            if rng.random() < 0.4:
                d = self.person(c, town, village, False, self.ydate(1990, 2004), gf.name[0] + rng.choice(ADULT_F))
                d.father, d.mother = gf, gm
                h.add(d, "女")
        elif kind == "leftbehind":
            fa, mo = self.couple(c, town, village, dotted=dotted)
            ks = self.kids(fa, mo, nk, c, town, village, dotted=dotted)
            maternal = rng.random() < 0.25
            gps = self.grandparents(mo if maternal else fa, c, town, village)
            if maternal:
                mo.father = None
            in_gp = rng.random() < 0.55
            gh = self.household(c, town, village)
            for i, g in enumerate(gps):
                gh.add(g, "户主" if i == 0 else "配偶")
            ph = self.household(c, town, village)
            ph.add(fa, "户主")
            ph.add(mo, "配偶")
            for k in ks:
                if in_gp:
                    gh.add(k, self.kidrel(k, "maternal" if maternal else "grand"))
                else:
                    ph.add(k, self.kidrel(k, "parent"))
            g = rng.choice(gps)
            gword = (rng.choice(["外祖父", "外公"]) if g.male else rng.choice(["外祖母", "外婆"])) if maternal else \
                (rng.choice(["祖父", "爷爷"]) if g.male else rng.choice(["祖母", "奶奶"]))
            for k in ks:
                p1 = rng.choice([fa, mo])
                mem = [(g, gword, "是"), (p1, "父亲" if p1 is fa else "母亲", "否" if rng.random() < 0.7 else "是")]
                fam.append((k, mem, "leftbehind_in_gp_hh" if in_gp else "leftbehind_own_hh"))
        elif kind == "divorced":
            fa, mo = self.couple(c, town, village)
            ks = self.kids(fa, mo, min(nk, 2), c, town, village)
            fh, mh = self.household(c, town, village), self.household(c, town, rng.choice(VILLAGES))
            if rng.random() < 0.4:
                gps = self.grandparents(fa, c, town, village)
                fh.add(gps[0], "户主")
                for g in gps[1:]:
                    fh.add(g, "配偶")
                fh.add(fa, "子")
                head_gen = "grand"
            else:
                fh.add(fa, "户主")
                head_gen = "parent"
            mh.add(mo, "户主")
            mo.village = mh.village
            with_father = rng.random() < 0.6
            for k in ks:
                if with_father:
                    fh.add(k, self.kidrel(k, head_gen))
                else:
                    mh.add(k, self.kidrel(k, "parent"))
            for k in ks:
                mem = par(fa, mo, "是" if with_father else rng.choice(["是", "否"]),
                          "否" if with_father and rng.random() < 0.6 else "是")
                if rng.random() < 0.5:
                    mem.reverse()
                fam.append((k, mem, "divorced_with_father" if with_father else "divorced_with_mother"))
        elif kind == "step":
            fa, mo = self.couple(c, town, village)
            first = self.kids(fa, mo, rng.choice((1, 1, 2)), c, town, village)
            mother_remarried = rng.random() < 0.75
            if mother_remarried:
                s = self.person(c, town, village, True, self.ydate(1972, 1994), self.adult_name(True))
                sh = self.household(c, town, village)
                sh.add(s, "户主")
                sh.add(mo, "配偶")
                for k in first:
                    k.step.append(s)
                    sh.add(k, self.kidrel(k, "step"))
                half = self.kids(s, mo, rng.choice((0, 1, 1, 2)), c, town, village)
                for k in half:
                    sh.add(k, self.kidrel(k, "parent"))
                    fam.append((k, par(s, mo), "step_half_sibling"))
                fh = self.household(c, town, rng.choice(VILLAGES))
                fh.add(fa, "户主")
                if rng.random() < 0.5:  # the father remarried too, with children of his own
                    w = self.person(c, town, fh.village, False, self.ydate(1978, 1996), self.adult_name(False))
                    fh.add(w, "配偶")
                    for k in self.kids(fa, w, rng.choice((1, 2)), c, town, fh.village):
                        fh.add(k, self.kidrel(k, "parent"))
                        fam.append((k, par(fa, w), "nuclear"))
                for k in first:
                    if rng.random() < 0.5:
                        mem = [(mo, "母亲", "是"), (s, "继父", "是")]
                    else:
                        mem = [(mo, "母亲", "是"), (fa, "父亲", "否")]
                    fam.append((k, mem, "step_with_mother"))
            else:  # father remarried, the children live with father and stepmother
                w = self.person(c, town, village, False, self.ydate(1978, 1996), self.adult_name(False))
                fh = self.household(c, town, village)
                fh.add(fa, "户主")
                fh.add(w, "配偶")
                for k in first:
                    k.step.append(w)
                    fh.add(k, self.kidrel(k, "parent"))
                for k in self.kids(fa, w, rng.choice((0, 1)), c, town, village):
                    fh.add(k, self.kidrel(k, "parent"))
                    fam.append((k, par(fa, w), "step_half_sibling"))
                mh = self.household(c, town, rng.choice(VILLAGES))
                mh.add(mo, "户主")
                for k in first:
                    mem = [(fa, "父亲", "是"), (w, "继母", "是")] if rng.random() < 0.5 else [(fa, "父亲", "是"), (mo, "母亲", "否")]
                    fam.append((k, mem, "step_with_father"))
        elif kind in ("orphan", "defacto"):
            gh = self.household(c, town, village)
            gb = self.ydate(1950, 1968)
            g = self.person(c, town, village, rng.random() < 0.45, gb, "")
            g.name = self.adult_name(g.male, elder=True)
            gh.add(g, "户主")
            sur = g.name[0]
            mo = self.person(c, town, village, False, self.ydate(1980, 1995), self.adult_name(False))  # not in any 户
            ks = self.kids(None, mo, rng.choice((1, 1, 2)), c, town, village, surname=sur)
            for k in ks:
                gh.add(k, self.kidrel(k, "grand"))
                k.mother = None if kind == "orphan" else mo
                if kind == "orphan":
                    k.orphan = True
                    k.tekun = rng.random() < 0.5
                else:
                    k.defacto = True
                word = (rng.choice(["祖父", "爷爷"]) if g.male else rng.choice(["祖母", "奶奶"]))
                mem = [(g, word, "是")]
                if kind == "defacto" and rng.random() < 0.5:
                    mem.append((mo, "母亲", "否"))
                fam.append((k, mem, kind))
        elif kind == "oop":  # a migrant family: 户口 (and any 脱贫/低保 record) in another province
            reg = rng.choice(OTHER_PROV)
            fa, mo = self.couple(c, town, village, oop_region=reg)
            ks = self.kids(fa, mo, min(nk, 2), c, town, village, oop_region=reg)
            h = self.household(c, town, village)
            h.oop = True
            h.add(fa, "户主")
            h.add(mo, "配偶")
            for k in ks:
                h.add(k, self.kidrel(k, "parent"))
                fam.append((k, par(fa, mo), "out_of_province_hukou"))
            x = rng.random()
            h.oop_group = "脱贫家庭" if x < 0.22 else "城乡低保" if x < 0.30 else ""
        else:  # single parent (the other one died)
            fa, mo = self.couple(c, town, village)
            ks = self.kids(fa, mo, min(nk, 3), c, town, village)
            h = self.household(c, town, village)
            keep = mo if rng.random() < 0.7 else fa
            h.add(keep, "户主")
            for k in ks:
                h.add(k, self.kidrel(k, "parent"))
                if keep is mo:
                    k.father = None
                else:
                    k.mother = None
                fam.append((k, [(keep, "母亲" if keep is mo else "父亲", "是")], "single_parent"))
        for k, mem, tag in fam:
            self.enrol(k, mem, tag)

    def noise_household(self) -> None:
        """Households without students: elderly people, young couples, single adults."""
        rng = self.rng
        c = rng.choices(range(len(COUNTIES)), [x[3] for x in COUNTIES])[0]
        town, village = rng.choice(COUNTIES[c][4]), rng.choice(VILLAGES)
        h = self.household(c, town, village)
        r = rng.random()
        if r < 0.6:
            g = self.person(c, town, village, rng.random() < 0.5, self.ydate(1936, 1966), "")
            g.name = self.adult_name(g.male, elder=True)
            h.add(g, "户主")
            if rng.random() < 0.5:
                s = self.person(c, town, village, not g.male, g.birth + dt.timedelta(days=rng.randint(-1500, 1500)), "")
                s.name = self.adult_name(s.male, elder=True)
                h.add(s, "配偶")
        else:
            fa, mo = self.couple(c, town, village, 1994, 2004)
            h.add(fa, "户主")
            h.add(mo, "配偶")
            for k in self.kids(fa, mo, rng.choice((0, 1)), c, town, village):
                if k.birth > self.stu_hi:
                    h.add(k, self.kidrel(k, "parent"))

    def enrol(self, k: P, mem: list[tuple[P, str, str]], tag: str) -> None:
        rng = self.rng
        if not (self.stu_lo <= k.birth <= self.stu_hi):
            return
        sy = self.sem.school_year
        age = sy - k.birth.year - (1 if (k.birth.month, k.birth.day) >= (9, 1) else 0)
        stage = "学前" if age <= 5 else "小学" if age <= 11 else "初中" if age <= 14 else "高中"
        if stage == "高中" and rng.random() < 0.38:
            stage = "中职"
        if rng.random() > {"学前": .85, "小学": .97, "初中": .96, "高中": .75, "中职": .75}[stage]:
            return
        s = Student(k)
        k.student = s
        s.stage = stage
        s.members = mem
        s.tags.append(tag)
        if getattr(k, "common", False):
            s.tags.append("common_name")
        if k.rare:
            s.tags.append("rare_char")
        if k.dotted:
            s.tags.append("minority_dot_name")
        if any(getattr(p, "tags_married_in", False) for p, _r, _g in mem):
            s.tags.append("parent_other_province_id")
        s.age = age  # type: ignore[attr-defined]
        self.students.append(s)

    def build(self) -> None:
        while len(self.students) < self.n:
            self.family()
            if self.rng.random() < 0.55:
                self.noise_household()
        self.students = self.students[: self.n]
        for h in self.hhs:  # nobody in one 户 shares a name with another member (families avoid it)
            seen: set[str] = set()
            for m in h.members:
                while m.name in seen and not m.dotted:
                    pool = KID_M if m.male else KID_F
                    m.name = m.name[0] + "".join(self.rng.choice(pool) for _ in range(2))
                    if m.rare and m.rare not in m.name:
                        m.rare = ""
                seen.add(m.name)
        keep = {s.p.k for s in self.students}
        for p in self.people:
            if p.student is not None and p.k not in keep:
                p.student = None

    # ---- schools, statuses, identities ------------------------------------------------------------
    def school_of(self, county: int, town: str, stage: str) -> tuple[str, str]:
        rng = self.rng
        name = COUNTIES[county][0]
        sh = SHORT[name]
        if stage == "学前":
            sch = f"{sh}县{town}中心幼儿园" if not name.endswith("区") else f"{name}{town}中心幼儿园"
            sch = f"{sh}{town}中心幼儿园"
        elif stage == "小学":
            sch = f"{sh}{town}{rng.choice(['中心小学', '中心小学', '第二小学'])}"
        elif stage == "初中":
            sch = f"{sh}{town}中学" if not town.endswith("街道") else f"{sh}{rng.choice(['第一', '第三', '第五'])}中学"
        elif stage == "高中":
            sch = f"{sh}{rng.choice(['第一中学', '第二中学', '民族中学'])}"
        else:
            sch = f"{sh}中等职业学校"
        if sch not in self.schools:
            self.schools[sch] = f"2152{len(self.schools) + 100001:06d}"
        return sch, self.schools[sch]

    def grade_of(self, s: Student) -> str:
        a = s.age  # type: ignore[attr-defined]
        if s.stage == "学前":
            return ["小班", "中班", "大班"][a - 3]
        if s.stage == "小学":
            return ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"][a - 6]
        if s.stage == "初中":
            return ["七年级", "八年级", "九年级"][a - 12]
        if s.stage == "高中":
            return ["高一", "高二", "高三"][a - 15]
        return ["一年级", "二年级", "三年级"][a - 15]

    def assign(self) -> None:
        """School rows, 学籍状态, transfers, J/L 学籍号, ID changes; household statuses; certificates."""
        rng, f = self.rng, self.f
        for s in self.students:
            p = s.p
            hc = p.county
            sch, code = self.school_of(hc, p.town, s.stage)
            board = rng.random() < {"学前": 0, "小学": .15, "初中": .5, "高中": .85, "中职": .8}[s.stage]
            row = {"county": hc, "school": sch, "code": code, "grade": self.grade_of(s), "cls": f"{rng.randint(1, 8)}班",
                   "status": "在读", "board": board, "note": ""}
            x = rng.random()
            if x < 0.012:
                row["status"] = "休学"
            elif x < 0.02:
                row["status"] = "转出"
                row["note"] = f"{self.sem.year}年{rng.choice([3, 4, 5])}月转出至{rng.choice(['云南省', '四川省', '浙江省', '广东省'])}"
                s.tags.append("transfer_out")
            s.rows.append(row)
            s.status = row["status"]
            if s.status == "在读" and x > 0.985 and s.stage not in ("学前",):  # moved to another county of the city
                oc = rng.choice([i for i in range(len(COUNTIES)) if i != hc])
                otown = rng.choice(COUNTIES[oc][4])
                osch, ocode = self.school_of(oc, otown, s.stage)
                old = dict(row, county=oc, school=osch, code=ocode, status="转出",
                           note=f"{self.sem.year}年{rng.choice([3, 4])}月转出至{COUNTIES[hc][0]}")
                row["note"] = f"{self.sem.year}年{rng.choice([3, 4])}月由{COUNTIES[oc][0]}转入"
                s.rows.insert(0, old)
                s.tags.append("transfer_within_city")
            elif s.status == "在读" and 0.97 < x <= 0.985:
                row["note"] = f"{self.sem.year}年3月由{rng.choice(['云南省', '四川省', '浙江省'])}转入"
                s.tags.append("transfer_in_from_outside")
            y = rng.random()
            if y < 0.012 * f:  # no ID yet: J + an ID-like code
                s.reg_id = ""
                s.xjh = "J" + p.id[:14] + f"{rng.randint(0, 9999):04d}"
                s.tags.append("j_xjh_no_id")
            elif y < 0.018 * f:
                s.xjh = "L" + COUNTIES[hc][1] + f"{rng.randint(0, 10 ** 12 - 1):012d}"
                if rng.random() < 0.5:
                    s.reg_id = ""
                s.tags.append("l_xjh")
            elif y < 0.024 * f:  # the ID was corrected after the 学籍号 was issued
                old = self.new_id(p.region, p.birth + dt.timedelta(days=rng.choice((-31, 31, 366))), p.male)
                s.xjh = "G" + old
                p.old_id = old
                s.tags.append("xjh_old_id")
        # households: poverty, monitoring, 低保
        for h in self.hhs:
            if h.oop:
                continue
            cname, town = COUNTIES[h.county][0], h.town
            rate = POV_RATE[cname] * (0.4 if town.endswith("街道") else 1.0)
            if h.members and h.members[0].birth.year < 1968 and len(h.members) <= 2:
                rate *= 1.4
            x = rng.random()
            if x < rate:
                h.pov = "脱贫户"
                h.enjoy = "不享受政策" if rng.random() < 0.05 else "继续享受政策"
                if rng.random() < 0.10:
                    h.mon, h.risk = "脱贫不稳定户", "是" if rng.random() < 0.4 else "否"
            elif x < rate + 0.05:
                h.pov, h.mon = "一般农户", rng.choice(["边缘易致贫户", "边缘易致贫户", "突发严重困难户"])
                h.risk = "是" if rng.random() < 0.35 else "否"
            elif x < rate + 0.065:
                h.pov = "一般农户"  # in the export with no monitoring category (e.g. exited, or a 整户 record kept)
            if rng.random() < (0.25 if h.pov == "脱贫户" else 0.08):
                h.dibao = "城市低保" if town.endswith("街道") and rng.random() < 0.6 else "农村低保"
                h.db_start = self.ydate(2016, self.sem.year - 1)
                y = rng.random()
                if y < 0.12:
                    h.db_status, h.db_end = "停保", self.rdate(dt.date(self.sem.year - 1, 3, 1), self.sem.start - dt.timedelta(days=20))
                elif y < 0.18:  # still 正常 in the roster, but the end date is before the semester
                    h.db_end = self.sem.start - dt.timedelta(days=rng.choice([1, 28, 59]))
                elif y < 0.30:  # ends during or after the semester: still a key group
                    h.db_end = self.sem.start + dt.timedelta(days=rng.choice([45, 120, 300]))
        # split families: the second household of a family often shares the first one's fortune
        # (handled implicitly by village-level rates; kept independent here)
        for p in self.people:
            if p.hh is None:
                continue
            age = self.sem.start.year - p.birth.year
            rate = 0.012 if age < 18 else 0.035 if age < 60 else 0.07
            if rng.random() < rate * (1.5 if f > 1 else 1):
                p.dis = (rng.randint(1, 7), rng.randint(1, 4))
            if age >= 60 and p.hh is not None and len(p.hh.members) <= 2 and rng.random() < 0.04:
                p.tekun = True
        # unrelated certificate holders of the city (most certificate holders have no child in school)
        for _ in range(len(self.students) // 6):
            c = self.rng.choices(range(len(COUNTIES)), [x[3] for x in COUNTIES])[0]
            town, village = rng.choice(COUNTIES[c][4]), rng.choice(VILLAGES)
            q = self.person(c, town, village, rng.random() < 0.55, self.ydate(1940, 2000), "")
            q.name = self.adult_name(q.male, elder=q.birth.year < 1965)
            q.dis = (rng.randint(1, 7), rng.randint(1, 4))
        self.cert_holders = [p for p in self.people if p.dis]

    # ---- damage -----------------------------------------------------------------------------------
    def id_cell(self, p: P, rates: dict[str, float], *, child_parent: P | None = None, allow_excel: bool = True):
        """The ID cell for p in one record and its damage tag."""
        rng, f = self.rng, self.f
        pid = p.id
        if pid.endswith("X") and rng.random() < 0.3 * min(f, 3):
            return pid.lower(), "lowerx"
        x = rng.random()
        acc = 0.0
        tag = ""
        for t, rate in rates.items():
            acc += rate * f
            if x < acc:
                tag = t
                break
        if tag in ("sci", "num000") and (pid.endswith("X") or not allow_excel):
            tag = "space"
        if tag == "parentid" and child_parent is None:
            tag = "blank"
        if tag == "old15" and p.birth.year >= 1990:
            tag = ""
        if tag == "space":
            i = rng.randint(1, 17)
            return rng.choice([pid[:i] + " " + pid[i:], " " + pid, pid + " ", pid + "\t", pid[:6] + " " + pid[6:14] + " " + pid[14:]]), tag
        if tag == "fullwidth":
            return fullwidth(pid), tag
        if tag == "apos":
            return "'" + pid, tag
        if tag == "typo":
            i = rng.randint(0, 16)
            return pid[:i] + str((int(pid[i]) + rng.randint(1, 9)) % 10) + pid[i + 1:], tag
        if tag == "swap":
            opts = [j for j in range(0, 16) if pid[j] != pid[j + 1]]
            i = rng.choice(opts)
            return pid[:i] + pid[i + 1] + pid[i] + pid[i + 2:], tag
        if tag == "sci":
            return XNum(pid, "sci"), tag
        if tag == "num000":
            return XNum(pid, "digits"), tag
        if tag == "blank":
            return "", tag
        if tag == "parentid":
            assert child_parent is not None
            return child_parent.id, tag
        if tag == "old15":
            return pid[:6] + pid[8:17], tag
        return pid, ""

    def name_cell(self, p: P, rates: dict[str, float], dot: str = "·", gbk: bool = False) -> tuple[str, str]:
        rng, f = self.rng, self.f
        n = p.name
        tag = ""
        if p.dotted:
            n = n.replace("·", dot)
            if dot != "·":
                tag = "dot_variant"
        if p.rare and not gbk and rng.random() < 0.3:  # the clerk's system lacked the character
            alt = dict(RARE)[p.rare]
            n = n.replace(p.rare, alt)
            tag = "rare_replaced"
        x = rng.random()
        acc = 0.0
        for t, rate in rates.items():
            acc += rate * f
            if x < acc:
                if t == "space" and len(n) >= 2:
                    n, tag = n[0] + rng.choice([" ", "  ", "\u3000"]) + n[1:], "name_space"
                elif t == "trad" and any(ch in TRAD for ch in n):
                    n, tag = "".join(TRAD.get(ch, ch) for ch in n), "name_trad"
                elif t == "homo" and any(ch in HOMO for ch in n[1:]):
                    i = next(i for i in range(len(n) - 1, 0, -1) if n[i] in HOMO)
                    n, tag = n[:i] + HOMO[n[i]] + n[i + 1:], "name_homophone"
                break
        if gbk and p.rare:
            tag = tag or "rare_gbk_question_mark"
        return n, tag

    def record(self, p: P, src: str, file: str, id_tag: str, name_tag: str, **extra) -> None:
        self.ev.setdefault(p.k, []).append({"src": src, "file": file, "id": id_tag, "name": name_tag, **extra})

    def emit(self, rel: str, fmt: str, sheets: list[dict], kind: str, note: str, enc: str = "") -> str:
        path = self.exp / rel
        path = path.with_name(path.name + "." + fmt)
        write_book(path, fmt, sheets, enc or "utf-8")
        self.manifest.append({"file": str(path.relative_to(self.exp)), "kind": kind, "format": fmt,
                              "encoding": enc if fmt == "csv" else "",
                              "sheets": [{"name": s["name"], "rows": len(s["rows"]), "header_row": s.get("header_at")}
                                         for s in (sheets if fmt != "csv" else sheets[:1])],
                              "note": note})
        return str(path.relative_to(self.exp))

    @staticmethod
    def sheet(name: str, headers: list[str], rows: list[list], *, title: str = "", fill: str = "",
              groups: list[tuple[str, int]] | None = None, total: list | None = None, blank_every: int = 0,
              repeat_header: int = 0) -> dict:
        cells: list[list] = []
        merges = []
        w = len(headers)
        if title:
            cells.append([title] + [""] * (w - 1))
            merges.append((0, 0, 0, w - 1, title))
        if fill:
            cells.append([fill] + [""] * (w - 1))
        if groups:
            row: list = []
            c0 = 0
            for label, span in groups:
                row += [label] + [""] * (span - 1)
                if span > 1:
                    merges.append((len(cells), c0, len(cells), c0 + span - 1, label))
                c0 += span
            cells.append(row + [""] * (w - len(row)))
        at = len(cells)
        cells.append(list(headers))
        for i, r in enumerate(rows):
            if repeat_header and i and i % repeat_header == 0:
                cells.append(list(headers))
            if blank_every and i and i % blank_every == 0:
                cells.append([""] * w)
            cells.append(r)
        if total:
            cells.append(total + [""] * (w - len(total)))
        return {"name": name, "rows": cells, "merges": merges, "header_at": at}

    # ---- 学籍 ----------------------------------------------------------------------------------------
    MEM_RATES = {"blank": .04, "old15": .05, "typo": .008, "swap": .004, "space": .01, "apos": .005}

    def registry(self) -> None:
        rng = self.rng
        by_c: dict[int, list[tuple[Student, dict]]] = {i: [] for i in range(len(COUNTIES))}
        for s in self.students:
            for row in s.rows:
                by_c[row["county"]].append((s, row))
        styles = ["plain_xlsx", "title_2nd_sheet_xlsx", "xls_title", "csv_bom", "csv_gbk_title", "grouped_xlsx",
                  "guardian_cols_xlsx", "csv_utf8", "xls_three_members"]
        rng.shuffle(styles)
        for ci, (cname, *_r) in enumerate(COUNTIES):
            st = styles[ci % len(styles)]
            part = by_c[ci]
            rng.shuffle(part)
            part.sort(key=lambda sr: (sr[1]["school"], sr[1]["grade"], sr[1]["cls"]))
            slots = 3 if st == "xls_three_members" else 2
            grouped = st == "grouped_xlsx"
            gcols = st == "guardian_cols_xlsx"
            base = ["序号", "学校标识码", "学校名称", "区县", "年级", "班级", "学籍号", "姓名", "性别", "出生日期", "民族",
                    "身份证件类型", rng.choice(["身份证件号", "身份证件号", "身份证号"]), "学籍状态", "就读方式", "家庭住址", "备注"]
            headers = list(base)
            groups = [("学生基本信息", len(base))] if grouped else None
            for j in range(1, slots + 1):
                if grouped:
                    sub = ["姓名", "关系", "身份证件号", "是否监护人"]
                    groups.append((f"家庭成员{j}", 4))  # type: ignore[union-attr]
                elif gcols:
                    sub = [f"成员{j}姓名", f"成员{j}关系", f"成员{j}身份证件号"]
                else:
                    sub = [f"成员{j}姓名", f"成员{j}关系", f"成员{j}身份证件号", f"成员{j}是否监护人"]
                headers += sub
            if gcols:
                headers += ["监护人姓名", "监护人身份证件号"]
            dstyle = rng.choice(["iso", "compact", "slash"] if st.startswith("csv") else ["iso", "cell", "compact"])
            gbk = st == "csv_gbk_title"
            rows = []
            for i, (s, row) in enumerate(part):
                p = s.p
                idv = s.reg_id
                if idv and rng.random() < 0.016 * self.f:  # typed into the registry by hand
                    idv = rng.choice(["'" + idv, " " + idv, idv + " ", idv.lower()])
                name = p.name
                r = [i + 1, row["code"], row["school"], cname, row["grade"], row["cls"], s.xjh, name,
                     "男" if p.male else "女", fmt_date(p.birth, dstyle),
                     "彝族" if p.dotted else rng.choice(["汉族"] * 6 + ["苗族", "彝族", "回族", "布依族"]),
                     "居民身份证" if s.reg_id else rng.choice(["", "其他"]), idv, row["status"],
                     "住校" if row["board"] else "走读", f"贵州省毕节市{COUNTIES[p.county][0]}{p.town}{p.village}村",
                     row["note"]]
                shown_g: list[P] = []
                mems = s.members[:slots]
                if rng.random() < 0.06 and not any(q.dis for q, _w, _g in mems):
                    mems = []  # family columns left empty
                    if "no_members_listed" not in s.tags:
                        s.tags.append("no_members_listed")
                for q, word, g in mems:
                    qid, tag = ("", "blank") if (q.oop and rng.random() < 0.1) else self.id_cell(q, self.MEM_RATES, allow_excel=False)
                    if tag == "old15":
                        s.tags.append("parent_old15_id")
                    s.reg_member_ids[q.k] = tag
                    qname = q.name
                    if grouped:
                        r += [qname, word, qid, g]
                    elif gcols:
                        r += [qname, word, qid]
                    else:
                        r += [qname, word, qid, g]
                    if g == "是":
                        shown_g.append(q)
                pad = (4 if not gcols else 3) * (slots - len(mems))
                r += [""] * pad
                if gcols:
                    gq = next(((q, w) for q, w, g in mems if g == "是"), None)
                    if gq is not None:
                        r += [gq[0].name, "" if s.reg_member_ids.get(gq[0].k) == "blank" else gq[0].id]
                        shown_g = [gq[0]]
                    else:
                        r += ["", ""]
                        shown_g = []
                # a student on two rows (转出 in one county, 在读 in another): what either row shows counts
                for q in shown_g:
                    if q not in s.shown_guardians:
                        s.shown_guardians.append(q)
                if not hasattr(s, "listed"):
                    s.listed, s.listed_words = [], []  # type: ignore[attr-defined]
                for q, w, _g in mems:
                    if q not in s.listed:  # type: ignore[attr-defined]
                        s.listed.append(q)  # type: ignore[attr-defined]
                        s.listed_words.append((q, w))  # type: ignore[attr-defined]
                rows.append(r)
            title = f"{cname}{self.sem.cn}中小学生学籍信息表" if st in ("title_2nd_sheet_xlsx", "xls_title", "csv_gbk_title", "grouped_xlsx") else ""
            fill = f"填报单位：{cname}教育局（盖章）    导出日期：{self.sem.year}年{3 if self.sem.spring else 9}月10日" if st in ("title_2nd_sheet_xlsx", "xls_title") else ""
            total = ["合计", f"{len(rows)}人"] if st in ("title_2nd_sheet_xlsx", "xls_title", "csv_gbk_title") else None
            sh = self.sheet("学籍信息" if st != "plain_xlsx" else "Sheet1", headers, rows, title=title, fill=fill,
                            groups=groups, total=total, repeat_header=500 if st == "xls_title" else 0)
            sheets = [sh]
            if st == "title_2nd_sheet_xlsx":
                sheets.insert(0, {"name": "填表说明", "rows": [["填表说明"], ["1. 身份证件号请以文本格式填写。"], ["2. 学籍状态：在读/休学/转出/毕业。"]]})
            fmt = "xls" if st.startswith("xls") else "csv" if st.startswith("csv") else "xlsx"
            enc = {"csv_bom": "utf-8-sig", "csv_gbk_title": "gbk", "csv_utf8": "utf-8"}.get(st, "")
            if gbk:
                for s, _row in part:
                    if s.p.rare and "rare_gbk_registry" not in s.tags:
                        s.tags.append("rare_gbk_registry")
            self.emit(f"学籍/{cname}学籍信息", fmt, sheets, "registry",
                      f"style={st}, member slots={slots}, grouped labels={grouped}, guardian columns={gcols}, dates={dstyle}", enc)

    # ---- groups (real world, computed before payments) --------------------------------------------
    @staticmethod
    def hh_groups(h: H | None, start: dt.date) -> list[str]:
        if h is None:
            return []
        if h.oop:
            return [h.oop_group] if h.oop_group else []
        g = []
        if h.pov == "脱贫户" and h.enjoy != "不享受政策":
            g.append("脱贫家庭")
        if h.mon and h.risk == "否":
            g.append("防返贫监测")
        if h.dibao and h.db_status == "正常" and (h.db_end is None or h.db_end >= start):
            g.append("城乡低保")
        return g

    def parent_like(self, s: Student) -> list[tuple[P, str]]:
        """People whose certificate makes s a 残疾人子女: the parents, and registered guardians."""
        out = []
        p = s.p
        for q in (p.father, p.mother):
            if q is not None:
                out.append((q, "parent"))
        for q in s.shown_guardians:
            if q not in (p.father, p.mother):
                out.append((q, "guardian"))
        return out

    def compute_groups(self) -> None:
        start = self.sem.start
        for s in self.students:
            p = s.p
            g = list(self.hh_groups(p.hh, start))
            if p.tekun:
                g.append("特困供养")
            if p.orphan:
                g.append("孤儿")
            if p.defacto:
                g.append("事实无人抚养儿童")
            if p.dis:
                g.append("残疾学生")
            if any(q.dis for q, _w in self.parent_like(s)):
                g.append("残疾人子女")
            s.groups = g
            # a step-parent with a certificate who is not the registered guardian: the notes do not say
            if "残疾人子女" not in g and any(q.dis for q in p.step if q not in s.shown_guardians):
                s.neutral = "继父母持证但未登记为监护人（domain.md 未规定）"
            # traps (not key, or key only through another rule), for diagnosing false positives
            h = p.hh
            if h is not None and not h.oop:
                if h.pov == "一般农户" and not h.mon:
                    s.tags.append("trap_一般农户_无监测类别")
                if h.pov == "一般农户" and h.mon and h.risk == "是":
                    s.tags.append("trap_监测风险已消除")
                if h.mon == "脱贫不稳定户" and h.risk == "是":
                    s.tags.append("脱贫不稳定户_风险已消除_仍是脱贫户")
                if h.pov == "脱贫户" and h.enjoy == "不享受政策":
                    s.tags.append("trap_不享受政策")
                if h.dibao and h.db_status == "停保":
                    s.tags.append("trap_低保停保")
                elif h.dibao and h.db_end and h.db_end < start:
                    s.tags.append("trap_低保到期")
                elif h.dibao and h.db_end:
                    s.tags.append("低保学期内到期_仍在保")
            listed = getattr(s, "listed", [])
            for q, w, gflag in s.members:
                if q not in listed:
                    continue
                if q.dis and q not in (p.father, p.mother):
                    if q in s.shown_guardians:
                        s.tags.append("guardian_grandparent_cert" if ("祖" in w or "爷" in w or "奶" in w or "外" in w) else "guardian_other_cert")
                    else:
                        s.tags.append("trap_nonguardian_relative_cert")
                elif q.dis and gflag == "否":
                    s.tags.append("parent_not_guardian_cert")
            if p.hh is not None and any(m.dis and m not in (p.father, p.mother) and m not in s.shown_guardians
                                        for m in p.hh.members if m is not p and m.birth.year < 1975):
                s.tags.append("trap_cert_grandparent_same_hh")
            if "残疾人子女" in g and any(q.dis for q in (p.father, p.mother) if q is not None) and \
                    not any(q.dis for q in s.listed if q in (p.father, p.mother)):  # type: ignore[attr-defined]
                s.tags.append("cert_parent_not_in_registry")

    # ---- 资助 ----------------------------------------------------------------------------------------
    PAY_RATES = {"space": .008, "apos": .01, "typo": .003, "swap": .002, "blank": .004, "sci": .004}

    def programmes(self, s: Student, row: dict, sem: Sem) -> list[tuple[str, float]]:
        new = (sem.year, sem.spring) >= (2025, True)
        key = bool(s.groups)
        if s.stage == "学前":
            return [("学前教育幼儿资助", 500.0)]
        if s.stage in ("小学", "初中"):
            yearly = (1250 if s.stage == "小学" else 1500) if row["board"] else (625 if s.stage == "小学" else 750)
            return [(f"义务教育家庭经济困难{'寄宿生' if row['board'] else '非寄宿生'}生活补助", yearly / 2)]
        if s.stage == "高中":
            tier = self.rng.choice([1500, 1150, 1150, 750]) if new else 1000
            out = [("普通高中国家助学金", float(tier))]
            if key:
                out.append(("普通高中免学杂费", 800.0))
            return out
        return [("中等职业教育国家助学金", 1150.0 if new else 1000.0), ("中等职业教育免学费", 1200.0)]

    def aid(self) -> None:
        rng = self.rng
        cur, prev = self.sem, self.prev
        pays: list[tuple[Student, dict, Sem, str, float]] = []
        for s in self.students:
            key = bool(s.groups)
            cand_like = self.family_member_qualifies(s)
            row = s.rows[-1]
            if s.status == "在读":
                if key:
                    pc = 0.90 if "transfer_in_from_outside" not in s.tags else 0.5
                elif cand_like:
                    pc = 0.45
                else:
                    pc = 0.07
                paid = rng.random() < pc
                pv = rng.random() < (0.85 if key else 0.4 if cand_like else 0.05)
                if paid:
                    payrow = row
                    if "transfer_within_city" in s.tags and rng.random() < 0.6:
                        payrow = s.rows[0]  # paid by the school it left in March
                        s.tags.append("paid_by_previous_school")
                    for prog, amt in self.programmes(s, payrow, cur):
                        pays.append((s, payrow, cur, prog, amt))
                    s.paid_cur = True
                elif key and pv:
                    s.tags.append("paid_prev_only")
                if pv:
                    prow = s.rows[0]
                    for prog, amt in self.programmes(s, prow, prev):
                        pays.append((s, prow, prev, prog, amt))
            else:
                if key and rng.random() < 0.6:
                    for prog, amt in self.programmes(s, row, prev):
                        pays.append((s, row, prev, prog, amt))
                if key and "transfer_out" in s.tags and rng.random() < 0.3:
                    for prog, amt in self.programmes(s, row, cur):
                        pays.append((s, row, cur, prog, amt))
                    s.paid_cur = True  # paid, but no longer enrolled: a finding, never a gap
        rng.shuffle(pays)
        by_c: dict[int, list] = {i: [] for i in range(len(COUNTIES))}
        for x in pays:
            by_c[x[1]["county"]].append(x)
        order = list(range(len(COUNTIES)))
        rng.shuffle(order)
        ledger = set(order[: len(order) // 2])  # counties that keep one ledger with both semesters
        gbk_ledger = order[0]
        for ci, (cname, *_r) in enumerate(COUNTIES):
            plist = by_c[ci]
            if ci in ledger:
                self.aid_file(f"资助/{cname}{cur.xn if cur.spring else prev.xn}学年学生资助发放台账", plist,
                              "csv" if ci == gbk_ledger else "xlsx", "gbk" if ci == gbk_ledger else "",
                              sem_cols="xn_xq", title=f"{cname}学生资助资金发放台账", second_sheet=ci != gbk_ledger,
                              cname=cname)
                continue
            curp = [x for x in plist if x[2] is cur]
            prevp = [x for x in plist if x[2] is prev]
            comp = [x for x in curp if x[0].stage in ("小学", "初中")]
            other = [x for x in curp if x[0].stage not in ("小学", "初中")]
            cut = int(len(comp) * 0.7)
            b1, b2 = comp[:cut], comp[cut:]
            overlap = [x for x in b1 if rng.random() < 0.03]  # batch 2 repeats a few rows of batch 1
            self.aid_file(f"资助/{cname}/{cname}{cur.cn}义务教育学生生活补助发放名单（第1批）", b1, "xlsx", "",
                          sem_cols="", title=f"{cname}{cur.cn}义务教育家庭经济困难学生生活补助发放名单（第1批）", cname=cname)
            self.aid_file(f"资助/{cname}/{cname}{cur.cn}义务教育学生生活补助发放名单（第2批）", b2 + overlap, "xls", "",
                          sem_cols="", title=f"{cname}{cur.cn}义务教育家庭经济困难学生生活补助发放名单（第2批）", cname=cname)
            self.aid_file(f"资助/{cname}/{cname}{cur.cn}学前及高中阶段资助发放表", other, "csv", "utf-8-sig",
                          sem_cols="one", title="", cname=cname)
            self.aid_file(f"资助/{cname}/{cname}{prev.cn}资助发放汇总", prevp, rng.choice(["xlsx", "xls"]), "",
                          sem_cols="", title=f"{cname}{prev.cn}学生资助资金发放汇总表", cname=cname)

    def aid_file(self, rel: str, plist: list, fmt: str, enc: str, *, sem_cols: str, title: str, cname: str,
                 second_sheet: bool = False) -> None:
        rng = self.rng
        parent_cols = rng.random() < 0.4
        no_xjh = rng.random() < 0.15
        headers = ["序号"]
        if sem_cols == "xn_xq":
            headers += ["学年", "学期"]
        elif sem_cols == "one":
            headers += ["资助学期"]
        headers += ["区县", "学校名称", "年级", "班级"] + ([] if no_xjh else ["学籍号"]) + \
            [rng.choice(["姓名", "学生姓名"]), rng.choice(["身份证件号", "身份证号", "身份证号码"])]
        if parent_cols:
            headers += ["家长姓名", "家长身份证号"]
        headers += ["资助项目名称", "资助金额（元）", "发放方式", "发放日期"]
        rows = []
        total = 0.0
        xq_style = rng.choice(["xq", "xq_no"])
        for i, (s, row, sem, prog, amt) in enumerate(plist):
            p = s.p
            if s.reg_id:
                idv, tag = self.id_cell(p, self.PAY_RATES)
            else:
                idv, tag = "", "j_no_id"
            nm, ntag = self.name_cell(p, {"homo": .005, "space": .008, "trad": .003}, gbk=enc == "gbk")
            xjh = s.xjh
            if not no_xjh and rng.random() < 0.02 * self.f:
                xjh, tag = "", (tag + "+xjh_blank").strip("+")
            if tag or ntag or no_xjh:
                s.pay_damage = getattr(s, "pay_damage", []) + [f"{tag or 'ok'}/{ntag or 'ok'}{'/no_xjh_col' if no_xjh else ''}"]  # type: ignore[attr-defined]
            r = [i + 1]
            if sem_cols == "xn_xq":
                r += [sem.xn, sem.xq if xq_style == "xq" else sem.xq_no]
            elif sem_cols == "one":
                r += [sem.cn]
            r += [COUNTIES[row["county"]][0], row["school"], row["grade"], row["cls"]] + ([] if no_xjh else [xjh]) + [nm, idv]
            if parent_cols:
                q = next((m for m, _w, g in s.members if g == "是"), None)
                r += [q.name, q.id] if q is not None else ["", ""]
            pay_day = dt.date(sem.year, rng.choice([4, 5]) if sem.spring else rng.choice([10, 11]), rng.randint(1, 28))
            r += [prog, f"{amt:.2f}" if fmt == "csv" else amt, rng.choice(["银行卡", "一卡通", "社保卡"]), fmt_date(pay_day, "iso")]
            total += amt
            rows.append(r)
        tot = ["合计"] + [""] * (headers.index("资助金额（元）") - 1) + [round(total, 2)]
        sh = self.sheet("发放明细" if not second_sheet else "台账", headers, rows, title=title,
                        fill=f"填报单位：{cname}学生资助管理中心（盖章）" if title else "", total=tot)
        sheets = [sh]
        if second_sheet:
            sheets.insert(0, {"name": "封面", "rows": [[title], ["编制单位：学生资助管理中心"]]})
        self.emit(rel, fmt, sheets, "aid", f"semester columns={sem_cols or 'title+file name'}, parent columns={parent_cols}, 学籍号 column={not no_xjh}", enc)

    # ---- 乡村振兴 ----------------------------------------------------------------------------------
    POV_RATES = {"space": .003, "typo": .002, "blank": .002}
    POV_REL = {"户主": "户主", "配偶": "配偶", "子": "之子", "女": "之女", "孙子": "之孙子", "孙女": "之孙女",
               "外孙子": "之外孙子", "外孙女": "之外孙女", "父": "之父", "母": "之母", "儿媳": "之儿媳", "继子": "之子",
               "继女": "之女"}

    def poverty(self) -> None:
        rng = self.rng
        title = "脱贫人口（含防返贫监测对象）明细表"
        headers = ["序号", "市（州）", "县（市、区）", "乡（镇）", "行政村", "户编号", "人编号", "姓名", "性别", "证件号码",
                   "与户主关系", "民族", "户类型", "监测对象类别", "风险是否已消除", "享受政策情况", "家庭人口数", "在校生状况"]
        rows = []
        hhs = [h for h in self.hhs if h.pov and h.members]
        rng.shuffle(hhs)
        hhs.sort(key=lambda h: (h.county if h.county != 8 else 0, h.town))
        fname = "乡村振兴/毕节市脱贫人口（含防返贫监测对象）明细表.xlsx"
        head_only_n = 0
        for h in hhs:
            head_only = rng.random() < 0.3
            head_only_n += head_only
            cname = COUNTIES[h.county][0] if h.county != 8 else "七星关区"
            for j, m in enumerate(h.members):
                child_parent = m.father or m.mother if m.student else None
                idv, tag = self.id_cell(m, self.POV_RATES, child_parent=child_parent, allow_excel=False)
                nm, ntag = self.name_cell(m, {"homo": .003, "space": .002}, dot=rng.choice(["·", "·", "•"]))
                rel = self.POV_REL.get(m.rel, "其他")
                if m.rel in ("继子", "继女") and rng.random() < 0.5:
                    rel = "其他"
                hcells = [h.pov, h.mon, h.risk, h.enjoy if h.pov == "脱贫户" else "", len(h.members)]
                if head_only and j > 0:
                    hcells = ["", "", "", "", ""]
                stu = ({"学前": "学前教育", "小学": "义务教育", "初中": "义务教育", "高中": "普通高中", "中职": "中职"}[m.student.stage]
                       if m.student else ("非在校生" if m.birth.year < 2000 else ""))
                rows.append([len(rows) + 1, "毕节市", cname, h.town, h.village + "村", h.no, f"{h.no}{j + 1:02d}", nm,
                             "男" if m.male else "女", idv, rel, "彝族" if m.dotted else "汉族", *hcells[:4],
                             hcells[4], stu])
                self.record(m, "poverty", fname, tag, ntag, hh=h.no, birth_col=False)
            self.roster_hh[("poverty", h.no)] = {"listed": list(h.members), "complete": True, "file": fname}
        sh = self.sheet(title, headers, rows, title=title, fill=f"导出单位：毕节市乡村振兴局    导出时间：{self.sem.year}-{3 if self.sem.spring else 9:02d}-04")
        self.emit(fname[:-5], "xlsx", [sh], "poverty",
                  f"one sheet, long, {len(hhs)} households (脱贫户 and 一般农户 with or without 监测对象类别); household cells on the 户主 row only for {head_only_n} households; 金海湖新区 households filed under 七星关区")

    # ---- 民政 ----------------------------------------------------------------------------------------
    CIV_RATES = {"space": .02, "fullwidth": .006, "apos": .015, "typo": .008, "swap": .005, "sci": .008, "num000": .004,
                 "blank": .01, "parentid": .004, "old15": .02}
    CIV_REL = {"户主": "本人", "配偶": "配偶", "子": "子女", "女": "子女", "孙子": "孙子女", "孙女": "孙子女", "外孙子": "孙子女",
               "外孙女": "孙子女", "父": "父母", "母": "父母", "儿媳": "儿媳", "继子": "继子女", "继女": "继子女"}

    def civil(self) -> None:
        rng = self.rng
        order = list(range(len(COUNTIES)))
        rng.shuffle(order)
        long_c, wide_c = sorted(order[:4]), sorted(order[4:])
        dibao = [h for h in self.hhs if h.dibao and h.members]
        rng.shuffle(dibao)
        # long: a city workbook for three counties (data on the 2nd sheet) and one county's GBK CSV
        gbk_c = long_c[-1]
        for part, rel, fmt, enc in ((long_c[:-1], "民政/毕节市城乡低保保障对象花名册", "xlsx", ""),
                                    ([gbk_c], f"民政/{COUNTIES[gbk_c][0]}{self.sem.year}年{3 if self.sem.spring else 9}月份农村低保备案表", "csv", "gbk")):
            fname = f"{rel}.{fmt}"
            dstyle = rng.choice(["iso", "slash", "cn", "compact"] + (["cell"] if fmt != "csv" else []))
            headers = ["序号", "区县", "乡镇（街道）", "村（居）", "户主姓名", "户主身份证号", rng.choice(["成员姓名", "姓名"]),
                       "与户主关系", rng.choice(["成员身份证号", "身份证号码", "公民身份号码"]), "保障类别", "保障状态", "保障人数",
                       "月保障金额（元）", "保障起始日期", "保障终止日期"]
            rows = []
            for h in (x for x in dibao if x.county in part):
                head = h.members[0]
                amt = rng.choice([320, 410, 560, 690, 830])
                hid, _t = self.id_cell(head, {"space": .005}, allow_excel=False)
                for m in h.members:
                    cp = (m.father or m.mother) if m.student else None
                    idv, tag = (hid, _t) if m is head and rng.random() < 0.8 else self.id_cell(m, self.CIV_RATES, child_parent=cp)
                    nm, ntag = self.name_cell(m, {"homo": .01, "trad": .006, "space": .015}, dot=rng.choice(DOTS), gbk=enc == "gbk")
                    rows.append([len(rows) + 1, COUNTIES[h.county][0], h.town, h.village + "村", head.name, hid, nm,
                                 self.CIV_REL.get(m.rel, "其他"), idv, h.dibao, h.db_status, len(h.members), amt,
                                 fmt_date(h.db_start, dstyle), fmt_date(h.db_end, dstyle)])
                    self.record(m, "dibao", fname, tag, ntag, hh=h.no, birth_col=False)
                self.roster_hh[("dibao", h.no)] = {"listed": list(h.members), "complete": True, "file": fname}
            title = f"{COUNTIES[gbk_c][0]}{self.sem.year}年{3 if self.sem.spring else 9}月份农村低保备案表" if enc == "gbk" else ""
            sh = self.sheet("低保对象", headers, rows, title=title, total=["合计", f"{len(rows)}人"] if enc == "gbk" else None)
            sheets = [sh] if fmt == "csv" else [{"name": "说明", "rows": [["本表为城乡低保保障对象花名册，一人一行。"]]}, sh]
            self.emit(rel, fmt, sheets, "civil_dibao_long", f"long (one row per member), dates={dstyle}", enc)
        # wide: one file per county, K member slots, labels 成员N / 家庭成员N / 共同生活家庭成员N
        num_county = rng.choice(wide_c)
        copy_county = rng.choice([c for c in wide_c if c != num_county])
        for ci in wide_c:
            cname = COUNTIES[ci][0]
            k = rng.choice([3, 4, 4, 5])
            label = rng.choice(["成员", "家庭成员", "共同生活家庭成员"])
            head_in_members = rng.random() < 0.35  # the 户主 repeated as 成员1 (本人)
            counts = rng.choice([["保障人数"], ["家庭人口数"], ["保障人数", "家庭人口数"]])
            kid_order = rng.random() < 0.5  # clerk lists children before grandparents
            date_col = rng.random() < 0.5  # 保障终止日期 column; without it an ended 低保 shows as 停保
            fmt = "csv" if ci == copy_county and rng.random() < 0.5 else rng.choice(["xls", "xlsx"])
            if ci == num_county:
                fmt = rng.choice(["xls", "xlsx"])
            enc = "utf-8-sig" if fmt == "csv" else ""
            excel_all = ci == num_county
            rel = f"民政/{cname}/{self.sem.year}年{3 if self.sem.spring else 9}月份城乡低保备案表"
            fname = f"{rel}.{fmt}"
            base = ["序号", "乡镇（街道）", "村（居）", "保障类别", "保障状态", *counts, "月保障金额（元）"] + \
                (["保障终止日期"] if date_col else []) + ["户主姓名", "户主身份证号"]
            headers = list(base)
            groups = [("基本信息", len(base))]
            for j in range(1, k + 1):
                headers += ["姓名", "与户主关系", "身份证号"]
                groups.append((f"{label}{j}", 3))
            rows = []
            for h in (x for x in dibao if x.county == ci):
                head = h.members[0]
                others = h.members[1:]
                if not kid_order:
                    others = sorted(others, key=lambda m: (m.rel not in ("配偶",), m.rel not in ("父", "母"), m.birth))
                else:
                    others = sorted(others, key=lambda m: (m.rel not in ("配偶",), m.birth.year < 1975, m.birth))
                seq = ([head] if head_in_members else []) + others
                listed = seq[:k]
                hid, htag = self.id_cell(head, self.CIV_RATES, allow_excel=True)
                if excel_all and not head.id.endswith("X"):
                    hid, htag = XNum(head.id, "sci"), "sci"
                hn, hntag = self.name_cell(head, {"homo": .01, "space": .015})
                amt = rng.choice([320, 410, 560, 690, 830])
                status = h.db_status
                if not date_col and h.db_end is not None and h.db_end < self.sem.start:
                    status = "停保"
                r = [len(rows) + 1, h.town, h.village + "村", h.dibao, status] + [len(h.members)] * len(counts) + [amt] + \
                    ([fmt_date(h.db_end, "iso")] if date_col else []) + [hn, hid]
                self.record(head, "dibao", fname, htag, hntag, hh=h.no, birth_col=False)
                for m in listed:
                    if m is head:
                        r += [hn, "本人", hid]
                        continue
                    cp = (m.father or m.mother) if m.student else None
                    idv, tag = self.id_cell(m, self.CIV_RATES, child_parent=cp, allow_excel=True)
                    if excel_all and not m.id.endswith("X") and tag not in ("blank", "parentid"):
                        idv, tag = XNum(m.id, "sci"), "sci"
                    nm, ntag = self.name_cell(m, {"homo": .01, "trad": .006, "space": .015})
                    r += [nm, self.CIV_REL.get(m.rel, "其他"), idv]
                    self.record(m, "dibao", fname, tag, ntag, hh=h.no, birth_col=False)
                r += [""] * (len(headers) - len(r))
                rows.append(r)
                shown = [head] + [m for m in listed if m is not head]
                self.roster_hh[("dibao", h.no)] = {"listed": shown, "complete": len(shown) >= len(h.members), "file": fname}
                for m in h.members:
                    if m not in shown and m.student is not None:
                        m.student.tags.append("wide_roster_truncated")
                        self.record(m, "dibao_not_listed", fname, "not_listed", "", hh=h.no)
            title = f"{cname}{self.sem.year}年{3 if self.sem.spring else 9}月份城乡低保备案表"
            fill = f"填报单位：{cname}民政局（盖章）                填报日期：{self.sem.year}年{3 if self.sem.spring else 9}月5日"
            sh = self.sheet("低保备案", headers, rows, title=title, fill=fill, groups=groups,
                            total=["合计", "", "", "", "", f"{sum(len(x.members) for x in dibao if x.county == ci)}人"])
            self.wide_files.append(fname)
            self.emit(rel, fmt, [sh], "civil_dibao_wide",
                      f"wide, {k} slots labelled {label}N over 姓名/与户主关系/身份证号, 户主 repeated as member={head_in_members}, counts={counts}, end-date column={date_col}, every ID an Excel number={excel_all}", enc)
            if ci == copy_county:  # handed over twice
                write_book(self.exp / (rel + " - 副本." + fmt), fmt, [sh], enc or "utf-8")
                self.manifest.append({"file": rel + " - 副本." + fmt, "kind": "civil_dibao_wide", "format": fmt,
                                      "encoding": enc, "sheets": [{"name": "低保备案", "rows": len(sh["rows"])}],
                                      "note": "a second copy of the same file (- 副本)"})
        # 特困: one GBK CSV with a title row
        fname = "民政/特困人员救助供养名册.csv"
        rows = []
        tk = [p for p in self.people if p.tekun]
        rng.shuffle(tk)
        for p in tk:
            idv, tag = self.id_cell(p, self.CIV_RATES, allow_excel=True)
            nm, ntag = self.name_cell(p, {"homo": .01, "space": .015}, gbk=True)
            rows.append([len(rows) + 1, COUNTIES[p.county][0], p.town, nm, "男" if p.male else "女", idv,
                         "集中供养" if p.birth.year < 1950 and rng.random() < 0.4 else "分散供养",
                         "正常", fmt_date(self.ydate(2016, self.sem.year - 1), "iso")])
            self.record(p, "tekun", fname, tag, ntag, birth_col=False)
        headers = ["序号", "区县", "乡镇（街道）", "姓名", "性别", "公民身份号码", "供养方式", "保障状态", "审批日期"]
        sh = self.sheet("特困", headers, rows, title="毕节市特困人员救助供养名册", total=["合计", "", "", f"{len(rows)}人"])
        self.emit(fname[:-4], "csv", [sh], "civil_tekun", "GBK CSV, title row, trailing 合计", "gbk")
        # 孤儿 / 事实无人抚养儿童: one workbook, the category in the sheet name only
        fname = "民政/困境儿童保障名册.xls"
        headers = ["序号", "区县", "乡镇", rng.choice(["儿童姓名", "姓名"]), "性别", "出生日期", rng.choice(["身份证号码", "公民身份号码"]),
                   "监护人姓名", "监护人身份证号码", "与儿童关系", "月保障金额（元）"]
        sheets = [{"name": "填表说明", "rows": [["本表分孤儿、事实无人抚养儿童两个工作表。"], ["出生日期格式：YYYY-MM-DD"]]}]
        for cat, attr, amt in (("孤儿", "orphan", 1300), ("事实无人抚养儿童", "defacto", 1300)):
            rows = []
            kids = [p for p in self.people if getattr(p, attr)]
            for p in kids:
                idv, tag = self.id_cell(p, self.CIV_RATES, allow_excel=False)
                nm, ntag = self.name_cell(p, {"homo": .01, "trad": .006, "space": .015})
                g = p.hh.members[0] if p.hh is not None else None
                rows.append([len(rows) + 1, COUNTIES[p.county][0], p.town, nm, "男" if p.male else "女", fmt_date(p.birth, "iso"),
                             idv, g.name if g else "", g.id if g else "", ("祖父" if g.male else "祖母") if g else "", amt])
                self.record(p, cat, fname, tag, ntag, birth_col=True)
            sheets.append(self.sheet(cat, headers, rows, title=f"{cat}基本生活保障名册" if rng.random() < 0.5 else ""))
        self.emit(fname[:-4], "xls", sheets, "civil_children", "one sheet per category, category = sheet name")

    # ---- 残联 ----------------------------------------------------------------------------------------
    DIS_RATES = {"space": .015, "apos": .01, "typo": .006, "swap": .004, "sci": .006, "blank": .01, "old15": .015}

    def disability(self) -> None:
        rng = self.rng
        order = list(range(len(COUNTIES)))
        rng.shuffle(order)
        with_id = set(order[:6])
        # a migrant family's certificates sit in its home province's 残联 data, not in this city's list
        holders = [p for p in self.cert_holders if p.hh is None or not p.hh.oop]
        rng.shuffle(holders)
        for part, rel, fmt, enc, has_id in (([p for p in holders if p.county in with_id], "残联/毕节市持证残疾人名单", "xlsx", "", True),
                                            ([p for p in holders if p.county not in with_id], "残联/持证残疾人名单（部分区县）", "csv", "utf-8", False)):
            fname = f"{rel}.{fmt}"
            headers = ["序号", "区县", "乡镇（街道）", rng.choice(["姓名", "残疾人姓名"]), "性别"] + (["身份证号"] if has_id else []) + \
                ["残疾人证号", "残疾类别", "残疾等级", "发证日期"]
            rows = []
            for p in part:
                cat, grade = p.dis  # type: ignore[misc]
                mother_id = has_id and p.student is not None and p.mother is not None and rng.random() < 0.15 * min(self.f, 3)
                if mother_id:
                    assert p.mother is not None
                    idv, tag = p.mother.id, "mother_id_in_child_row"
                    base = p.mother.id if rng.random() < 0.25 else p.id
                    if base != p.id:
                        tag += "+cert_from_mother_id"
                    p.student.tags.append("dis_child_row_with_mother_id")  # type: ignore[union-attr]
                    for sib in self.students:  # brothers and sisters, wherever their 户 is
                        if sib.p is not p and sib.p.mother is p.mother:
                            sib.tags.append("trap_sibling_of_cert_row_with_mother_id")
                elif has_id:
                    idv, tag = self.id_cell(p, self.DIS_RATES, allow_excel=True)
                    base = p.id
                else:
                    idv, tag = "", ""
                    base = p.id
                shown = {1: 2, 2: 1}.get(cat, cat) if rng.random() < 0.04 else cat
                cert = base + f"{shown}{grade}"
                ctag = ""
                if not has_id:
                    cv, ctag = self.id_cell(p, {"space": .01, "typo": .006, "swap": .004, "apos": .01}, allow_excel=False)
                    cert = (cv if isinstance(cv, str) and cv else base) + f"{shown}{grade}"
                    tag = "cert_only" + (f"+{ctag}" if ctag else "")
                if rng.random() < 0.04:
                    cert += rng.choice(["B1", "01", "(2)"])
                nm, ntag = self.name_cell(p, {"homo": .008, "trad": .004, "space": .01}, dot=rng.choice(DOTS))
                rows.append([len(rows) + 1, COUNTIES[p.county][0], p.town, nm, "男" if p.male else "女"] + ([idv] if has_id else [])
                            + [cert, CAT_NAMES[cat - 1], GRADE_NAMES[grade - 1], fmt_date(self.ydate(2010, self.sem.year - 1), "iso")])
                self.record(p, "disability", fname, tag, ntag, birth_col=False, has_id=has_id, cert_from_mother="cert_from_mother_id" in tag)
            title = "毕节市持证残疾人基本信息" if has_id else ""
            sh = self.sheet("持证残疾人", headers, rows, title=title, fill="数据来源：全国残疾人人口基础库" if has_id else "")
            sheets = [{"name": "说明", "rows": [["数据来源：残联系统导出"]]}, sh] if fmt == "xlsx" else [sh]
            self.emit(rel, fmt, sheets, "disability", f"ID column={has_id}; 残疾人证号 = ID + category + grade (some swapped 1/2, some with extra characters)", enc)

    # ---- truth -------------------------------------------------------------------------------------
    def family_member_qualifies(self, s: Student) -> list[tuple[P, H]]:
        """Registry family members living in another 户 that qualifies for a household group."""
        out = []
        for q, _w, _g in s.members:
            h = q.hh
            if h is None or h is s.p.hh or h.oop:
                continue
            if self.hh_groups(h, self.sem.start):
                out.append((q, h))
        return out

    def linkable(self, rec: dict) -> bool:
        return rec["id"] not in ("blank", "parentid") and not rec["id"].startswith("mother_id")

    def name_unique(self, p: P) -> bool:
        key = (p.county, p.name)
        return self._names[key] == 1

    def evidence(self, s: Student) -> tuple[bool, list[str]]:
        """Can a careful person with every file find that s belongs to each of its groups?"""
        p = s.p
        paths: list[str] = []
        weak_only = True
        recs = self.ev.get(p.k, [])
        reg_ok = {q.k for q, _w, _g in s.members if s.reg_member_ids.get(q.k, "blank") != "blank" and q in getattr(s, "listed", [])}
        for g in s.groups:
            found = ""
            if g in ("脱贫家庭", "防返贫监测", "城乡低保"):
                if p.hh is not None and p.hh.oop:
                    paths.append(f"{g}:外省户籍，记录不在本市数据中")
                    continue
                src = "dibao" if g == "城乡低保" else "poverty"
                info = self.roster_hh.get((src, p.hh.no)) if p.hh is not None else None
                own = [r for r in recs if r["src"] == src]
                if info is None:
                    found = ""
                elif own and any(self.linkable(r) for r in own):
                    found = "本人在册"
                elif own:
                    mates = [m for m in info["listed"] if m.k in reg_ok and any(self.linkable(r) for r in self.ev.get(m.k, []) if r["src"] == src)]
                    if mates:
                        found = "本人在册(证件号空/错)，同户有学籍登记的家庭成员"
                    elif not own[0]["name"] and self.name_unique(p):
                        found = "weak:仅姓名（县内唯一）"
                else:  # not listed: a wide row with fewer slots than members
                    mates = [m for m in info["listed"] if m.k in reg_ok and any(self.linkable(r) for r in self.ev.get(m.k, []) if r["src"] == src)]
                    if mates and not info["complete"]:
                        found = "本人未列出（名单不全），学籍登记的家庭成员在该户"
            elif g in ("特困供养", "孤儿", "事实无人抚养儿童"):
                src = {"特困供养": "tekun", "孤儿": "孤儿", "事实无人抚养儿童": "事实无人抚养儿童"}[g]
                own = [r for r in recs if r["src"] == src]
                if any(self.linkable(r) for r in own):
                    found = "本人在册"
                elif any(r["birth_col"] for r in own):
                    found = "姓名+出生日期"
                elif own and not own[0]["name"] and self.name_unique(p):
                    found = "weak:仅姓名（县内唯一）"
            elif g == "残疾学生":
                own = [r for r in recs if r["src"] == "disability"]
                for r in own:
                    if r["id"].startswith("cert_only") or self.linkable(r):
                        found = "本人持证"
                    elif r["id"].startswith("mother_id"):
                        if not r["cert_from_mother"]:
                            found = "残疾人证号为本人证件号（证件号列是母亲的）"
                        elif p.mother is not None and p.mother.k in reg_ok:
                            found = "姓名+母亲证件号"
                        elif not r["name"] and self.name_unique(p):
                            found = "weak:仅姓名（县内唯一）"
            elif g == "残疾人子女":
                for q, how in self.parent_like(s):
                    if not q.dis:
                        continue
                    qrecs = [r for r in self.ev.get(q.k, []) if r["src"] == "disability"]
                    usable = [r for r in qrecs if r["id"].startswith("cert_only") or self.linkable(r)]
                    if q.k in reg_ok and usable:
                        found = f"{'父母' if how == 'parent' else '登记监护人'}持证（证的记录：{usable[0]['id'] or '无损'}）"
                        break
                    # the parent and the child together in one roster household
                    for src in ("poverty", "dibao"):
                        if q.hh is not None and q.hh is p.hh and (src, q.hh.no) in self.roster_hh and how == "parent":
                            info = self.roster_hh[(src, q.hh.no)]
                            if p in info["listed"] and q in info["listed"] and usable and \
                                    any(self.linkable(r) for r in recs if r["src"] == src) and \
                                    any(self.linkable(r) for r in self.ev.get(q.k, []) if r["src"] == src):
                                found = "父母与本人同在一户名单，父母持证"
                                break
                    if found:
                        break
                    if q in getattr(s, "listed", []) and usable and self._cert_names[(q.county, q.name)] == 1:
                        found = "weak:家长仅姓名（学籍未填证件号，县内持证人中唯一）"
                        break
            if found:
                paths.append(f"{g}:{found}")
                if not found.startswith("weak:"):
                    weak_only = False
            else:
                paths.append(f"{g}:无可用证据")
        discoverable = any(not x.split(":", 1)[1].startswith(("无可用证据", "外省")) for x in paths)
        if discoverable and weak_only:
            s.tags.append("weak_evidence_only")
        return discoverable, paths

    def truth(self) -> dict:
        tdir = self.out / "truth"
        tdir.mkdir(parents=True, exist_ok=True)
        self._names = Counter((s.p.county, s.p.name) for s in self.students)
        self._cert_names = Counter((p.county, p.name) for p in self.cert_holders)
        gaps, cands, allrows = [], [], []
        for s in self.students:
            p = s.p
            enrolled = s.status == "在读"
            is_gap = bool(s.groups) and enrolled and not s.paid_cur
            fam = self.family_member_qualifies(s)
            kind = "gap" if is_gap else ""
            note = ""
            disc = False
            if is_gap:
                disc, paths = self.evidence(s)
                note = "；".join(paths)
            elif enrolled and not s.paid_cur and not s.groups and fam:
                listed = [(q, h) for q, h in fam if q in getattr(s, "listed", [])]
                src_complete = []
                for q, h in listed:
                    for src in ("poverty", "dibao"):
                        info = self.roster_hh.get((src, h.no))
                        if info and q in info["listed"]:
                            src_complete.append(info["complete"])
                if src_complete and all(src_complete):
                    kind = "candidate"
                    note = "家庭成员在册，本人未在册：" + "、".join(f"{w}{q.name}（{'/'.join(self.hh_groups(q.hh, self.sem.start))}）"
                                                     for q, w, _g in s.members if any(q is x for x, _h in listed))
                elif src_complete:
                    kind = "neutral"
                    s.neutral = "家庭成员所在户名单不全（宽表栏位少于保障人数），本人不是该户成员"
            if s.neutral and kind == "gap":
                pass
            row = {"学籍号": s.xjh, "身份证件号": s.reg_id, "姓名": p.name, "困难类型": "、".join(s.groups),
                   "可发现": "是" if disc else "否", "说明": note}
            if kind == "gap":
                gaps.append(row)
            elif kind == "candidate":
                cands.append(dict(row, 可发现="是"))
            hh = p.hh
            allrows.append({"学籍号": s.xjh, "身份证件号": s.reg_id, "姓名": p.name, "性别": "男" if p.male else "女",
                            "区县": COUNTIES[s.rows[-1]["county"]][0], "学校名称": s.rows[-1]["school"], "学段": s.stage,
                            "学籍状态": s.status, "困难类型": "、".join(s.groups), "本学期已资助": "是" if s.paid_cur else "否",
                            "判定": {"gap": "漏助", "candidate": "待核实（家庭成员在册）", "neutral": "不计（口径未定）"}.get(kind, "") or
                            ("不计（口径未定）" if s.neutral else ""),
                            "可发现": ("是" if disc else "否") if kind == "gap" else "",
                            "户": hh.no if hh else "", "户类型": hh.pov if hh else "", "监测对象类别": hh.mon if hh else "",
                            "风险是否已消除": hh.risk if hh else "", "低保": f"{hh.dibao}/{hh.db_status}/{hh.db_end or ''}" if hh and hh.dibao else "",
                            "学籍家庭成员": ";".join(f"{w}{q.name}:{'监护人' if q in s.shown_guardians else '-'}{':持证' if q.dis else ''}"
                                                   for q, w in getattr(s, "listed_words", [])),
                            "场景": ",".join(dict.fromkeys(s.tags)), "资助行损坏": ";".join(getattr(s, "pay_damage", [])),
                            "证据记录": ";".join(f"{r['src']}:{r['id'] or 'ok'}/{r['name'] or 'ok'}@{r['file']}" for r in self.ev.get(p.k, [])),
                            "说明": note or s.neutral})
        cols = ["学籍号", "身份证件号", "姓名", "困难类型", "可发现", "说明"]
        for name, rows, cc in (("gaps.csv", gaps, cols), ("candidates.csv", cands, cols), ("students.csv", allrows, list(allrows[0]))):
            with open(tdir / name, "w", encoding="utf-8-sig", newline="") as fh:
                w = csv.DictWriter(fh, cc, extrasaction="ignore")
                w.writeheader()
                w.writerows(rows)
        scen = Counter(t for s in self.students for t in dict.fromkeys(s.tags))
        gap_keys = {g["学籍号"] for g in gaps}
        gap_scen = Counter(t for s in self.students if s.xjh in gap_keys for t in dict.fromkeys(s.tags))
        summary = {"students": len(self.students), "registry_rows": sum(len(s.rows) for s in self.students),
                   "enrolled": sum(s.status == "在读" for s in self.students),
                   "key_students": sum(bool(s.groups) for s in self.students),
                   "gaps": len(gaps), "gaps_discoverable": sum(g["可发现"] == "是" for g in gaps),
                   "candidates": len(cands), "neutral": sum(1 for r in allrows if r["判定"].startswith("不计")),
                   "households": len(self.hhs), "people": len(self.people),
                   "groups": dict(Counter(g for s in self.students for g in s.groups)),
                   "gap_groups": dict(Counter(g for r in gaps for g in r["困难类型"].split("、"))),
                   "scenario_counts": dict(sorted(scen.items())), "scenario_counts_among_gaps": dict(sorted(gap_scen.items()))}
        (tdir / "manifest.json").write_text(json.dumps({"generator": "benchmarks/foreign3/generate.py", "seed": self.seed,
                                                        "students": self.n, "semester": self.sem.text, "damage": self.f,
                                                        "city": "贵州省毕节市", "summary": summary, "files": self.manifest},
                                                       ensure_ascii=False, indent=1), encoding="utf-8")
        return summary

    def run(self) -> dict:
        self.build()
        self.assign()
        self.registry()
        self.compute_groups()
        self.aid()
        self.poverty()
        self.civil()
        self.disability()
        return self.truth()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--students", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--semester", default="2025-spring")
    ap.add_argument("--damage", type=float, default=1.0, help="scale every damage rate (2 = twice as many)")
    a = ap.parse_args()
    summ = Gen(a.out, a.students, a.seed, a.semester, a.damage).run()
    print(json.dumps({k: summ[k] for k in ("students", "key_students", "gaps", "gaps_discoverable", "candidates", "neutral")},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
