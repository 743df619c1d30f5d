"""Rosters of people with categories: 扶贫 (脱贫户, 监测户), 民政 (低保, 特困供养, 孤儿,
事实无人抚养儿童) and any roster added later as an entry in ``rules/sources.yaml``.

Nothing here is specific to one department: what a roster's columns are called and which words
name its categories are rules data; which categories make a key group is ``rules/policy.yaml``.
A row's categories come from its category columns (户类型, 监测对象类别, 保障类别 …), plus the sheet
name when a workbook has one sheet per category; the title rows or the file name are used only
when the row itself says nothing.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import pyarrow as pa

from aidmatch.normalize import dates, values
from aidmatch.sources.base import FinishContext, SourceSystem, first_category, mapped
from aidmatch.sources.extract import Extract


def policy_status(text: str) -> str | None:
    """是否享受政策 answered 是/否 becomes 享受政策/不享受政策; other wording is kept.

    >>> policy_status("否"), policy_status("是"), policy_status("继续享受政策"), policy_status("")
    ('不享受政策', '享受政策', '继续享受政策', None)
    """
    answer = values.parse_yes_no(text)
    if answer == "是":
        return "享受政策"
    if answer == "否":
        return "不享受政策"
    cleaned = " ".join(text.split())
    return cleaned or None


def risk_eliminated(text: str, semester_start: dt.date) -> str:
    """是/否/'' for 风险是否消除 as of the semester: a date there (风险消除时间) counts when it is
    not after the semester's start.

    >>> start = dt.date(2025, 3, 1)
    >>> [risk_eliminated(t, start) for t in ("已消除", "否", "风险消除", "未消除", "2024-05-10",
    ...                                      "2025-09-30", "")]
    ['是', '否', '是', '否', '是', '否', '']
    """
    answer = values.parse_yes_no(text)
    if answer:
        return answer
    words = unicodedata.normalize("NFKC", text).strip()
    day = dates.parse(words)
    if day is not None:
        return "是" if day <= semester_start else "否"
    if any(negation in words for negation in ("未", "没", "不", "无")):
        return "否"
    if "消除" in words or "解除" in words:
        return "是"
    return ""


# Values that say nothing about a row's category (a blank written out).
_SAYS_NOTHING = frozenset({"", "无", "否", "/", "-", "—", "--", "空", "0", "不是", "暂无"})


def sheet_label(extract: Extract) -> str:
    """The sheet name, or for a CSV the part of its file name after the last _ or - (Excel and
    export tools name a saved sheet ``workbook_sheet.csv``)."""
    if extract.sheet.name:
        return extract.sheet.name
    stem = extract.sheet.file.stem
    for separator in ("_", "-", "—"):
        if separator in stem:
            return stem.rsplit(separator, 1)[1]
    return ""


class RosterSystem(SourceSystem):
    """A roster of people with categories (扶贫, 民政, or a roster added as a rules entry)."""

    def specific(self, extract: Extract, context: FinishContext,
                 columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
        v = extract.values
        n = len(extract)
        blank = [""] * n
        categories = dict(self.source.categories)
        sheet_cats = first_category(sheet_label(extract), categories)
        if not extract.sheet.name and sheet_cats:
            # The part of a CSV's name taken for a sheet name is a word of the whole name when
            # that names one category: de_facto_orphans.csv is not the 孤儿 of 'orphans'.
            whole = first_category(extract.sheet.file.stem, categories)
            sheet_cats = whole if len(whole) == 1 else sheet_cats
        sheet_cats = sheet_cats if len(sheet_cats) == 1 else []
        context_cats = first_category(extract.layout.title, categories)
        if len(context_cats) != 1:
            context_cats = first_category(extract.sheet.file.stem, categories)
        context_cats = context_cats if len(context_cats) == 1 else []
        field_values = [v.get(f, blank) for f in self.source.category_fields]
        filled = [(v.get(f, blank), category)
                  for f, category in self.source.category_when_filled.items() if f in v]
        cache: dict[tuple[str, ...], list[str]] = {}
        result: list[list[str]] = []
        for i in range(n):
            key = tuple(values_[i] for values_ in field_values) + tuple(
                "1" if cells[i].strip() else "" for cells, _ in filled)
            if key not in cache:
                found: list[str] = []
                for value in key[: len(field_values)]:
                    for category in first_category(value, categories):
                        if category not in found:
                            found.append(category)
                for (_, category), flag in zip(filled, key[len(field_values):], strict=True):
                    if flag and category not in found:
                        found.append(category)
                # The main category column saying something else (户类型 一般农户) is the row's
                # own word: the sheet or file name does not overrule it.
                primary = key[0].strip() if field_values else ""
                if found or primary in _SAYS_NOTHING:
                    for category in sheet_cats:
                        if category not in found:
                            found.append(category)
                    if not found:
                        found = list(context_cats)
                cache[key] = found
            result.append(cache[key])
        return {
            "categories": pa.array(result, pa.list_(pa.string())),
            "policy_status": mapped(v.get("policy_status", blank), policy_status, pa.string()),
            "risk_eliminated": mapped(v.get("risk_eliminated", blank),
                                      lambda t: risk_eliminated(t, context.semester.start),
                                      pa.string()),
            "end_date": mapped(v.get("end_date", blank), dates.parse, pa.date32()),
            "start_date": mapped(v.get("start_date", blank), dates.parse, pa.date32()),
        }


