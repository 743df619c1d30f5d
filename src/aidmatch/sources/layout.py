"""Finding the header of a sheet and deciding which source it is.

Exports put title rows, a 填报单位 row or a row of merged group labels (基本信息, 家庭成员1 …) above
the real header. This module tries every row near the top as the header, maps its cells to fields
with the synonyms in ``rules/sources.yaml`` (composing group labels with the sub-headers below
them: 家庭成员1 + 身份证号 → 成员1 身份证号), and scores each source definition against it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from aidmatch.config import SourceDef, SourceRules
from aidmatch.normalize.values import header_label

HEADER_SEARCH_ROWS = 30
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_HEAD = "户主"


@dataclass(frozen=True)
class Column:
    index: int
    header: str  # the header as shown (group label and sub-header joined)
    field: str | None
    group: str | None  # None for row-level fields; "户主", "成员1", "成员2", …


@dataclass(frozen=True)
class Layout:
    kind: str
    header_row: int  # 0-based index of the (lowest) header row
    columns: tuple[Column, ...]
    title: str  # the text above the header (title and 填报单位 rows)
    score: int
    evidence: str  # why this source was chosen, for the summary
    grouped: bool = False  # group labels (家庭成员1 …) or split header words right above the header

    def field_columns(self, group: str | None = None) -> dict[str, Column]:
        """First column per field within ``group`` (None: row-level fields)."""
        found: dict[str, Column] = {}
        for column in self.columns:
            if column.field and column.group == group and column.field not in found:
                found[column.field] = column
        return found

    @property
    def groups(self) -> list[str]:
        seen: list[str] = []
        for column in self.columns:
            if column.group and column.group not in seen:
                seen.append(column.group)
        return seen

    @property
    def duplicate_fields(self) -> list[tuple[str, list[Column]]]:
        """Fields mapped from two or more columns of the same group (ambiguous input)."""
        by_key: dict[tuple[str | None, str], list[Column]] = {}
        for column in self.columns:
            if column.field and column.field != "serial":
                by_key.setdefault((column.group, column.field), []).append(column)
        return [(f, cols) for (_, f), cols in by_key.items() if len(cols) > 1]


def _member_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text and all(ch in _NUMERALS for ch in text):
        if text == "十":
            return 10
        if text.startswith("十"):
            return 10 + _NUMERALS[text[1]]
        return _NUMERALS[text[0]] if len(text) == 1 else None
    return None


class HeaderMapper:
    """Maps header cells to (group, field) with the rules' synonyms."""

    def __init__(self, rules: SourceRules) -> None:
        self.rules = rules
        words = sorted({header_label(w) for w in rules.member_words}, key=len, reverse=True)
        self._member_re = re.compile(
            "^(?:" + "|".join(map(re.escape, words)) + r")[(\[]?(\d+|[一二三四五六七八九十]+)[)\]]?(.*)$"
        )
        # 成员姓名1 / 家庭成员身份证号2: the number after the field
        self._member_suffix_re = re.compile(
            "^(?:" + "|".join(map(re.escape, words)) + r")(.+?)[(\[]?(\d+)[)\]]?$"
        )
        # 姓名2 / 身份证号码3 on their own: a numbered person column
        self._numbered_re = re.compile(r"^(.+?)[(\[]?([1-9][0-9]?)[)\]]?$")
        self._group_label_re = re.compile(
            "^(?:" + "|".join(map(re.escape, words)) + r")[(\[]?(\d+|[一二三四五六七八九十]+)[)\]]?"
            r"(?:信息|情况)?$"
        )

    def field_of(self, label: str) -> str | None:
        """The field a normalised header names: a listed synonym, else the first pattern."""
        field = self.rules.synonyms.get(label)
        if field is not None or not label:
            return field
        for pattern, name in self.rules.patterns:
            if pattern.search(label):
                return name
        return None

    def group_label(self, raw: str) -> str | None:
        """The group a label-row cell names (户主 / 成员N), or None."""
        label = header_label(raw)
        if not label:
            return None
        if label.startswith(_HEAD) and len(label) <= 4:  # 户主, 户主信息, 户主情况
            return _HEAD
        for word in self.rules.named_groups:
            if label in (word, f"{word}信息", f"{word}情况"):
                return word
        match = self._group_label_re.match(label)
        if match:
            number = _member_number(match.group(1))
            return f"成员{number}" if number else None
        return None

    def map_cell(self, raw: str, group_above: str | None) -> tuple[str | None, str | None]:
        """(group, field) for one header cell, given the group label above it (if any)."""
        label = header_label(raw)
        if not label:
            return None, None
        match = self._member_re.match(label)
        if match:
            number = _member_number(match.group(1))
            rest = match.group(2).lstrip("的")
            field = self._group_field(rest)
            if number and field:
                return f"成员{number}", field
        for pattern in (self._member_suffix_re, self._numbered_re):
            match = pattern.match(label)
            if match and not match.group(1).startswith("户主"):
                field = self._group_field(match.group(1).lstrip("的"))
                if field and self.rules.synonyms.get(label) is None:
                    return f"成员{int(match.group(2))}", field
        for word in sorted(self.rules.named_groups, key=len, reverse=True):
            if label.startswith(word) and len(label) > len(word):
                field = self._group_field(label[len(word):].lstrip("的"))
                if field:
                    return word, field
        direct = self.field_of(label)
        if group_above is not None:
            field = self._group_field(label)
            if field:
                return group_above, field
        if direct in ("head_name", "head_id_number"):
            return None, direct
        if label.startswith(_HEAD):
            field = self._group_field(label[len(_HEAD):])
            if field in ("relation", "birth_date", "sex", "cert_no"):
                return _HEAD, field
        return None, direct

    def _group_field(self, label: str) -> str | None:
        if not label:
            return None
        field = self.field_of(label)
        if field in ("head_name",):
            return "name"
        if field in ("head_id_number", "guardian_id_number"):
            return "id_number"
        if field == "guardian_name":
            return "name"
        if field in self.rules.group_fields:
            return field
        return None


# A numbered group label: any words around a number, 共同生活家庭成员1, 第2位家庭成员, 家属（3）.
_NUMBERED_LABEL = re.compile(
    r"^(\D*?)[(\[]?(\d{1,2}|[一二三四五六七八九十]{1,3})[)\]]?(\D*)$")


def numbered_groups(mapper: HeaderMapper, cells: Sequence[str]) -> dict[int, str]:
    """Member groups recognised by their structure, not their wording: cells of a label row that
    are the same words around two or more different numbers (成员1 … 成员N, 共同生活家庭成员1 …,
    第1位家庭成员 …, 家属1 …), the words naming no field (成员1姓名 is a column, not a group).
    Returns column index → 成员N."""
    by_words: dict[tuple[str, str], dict[int, int]] = {}
    for index, cell in enumerate(cells):
        # Not header_label: it drops a bracketed ending, and 成员（2） is the number itself.
        text = "".join(unicodedata.normalize("NFKC", cell).split())
        match = _NUMBERED_LABEL.match(text) if text else None
        if not match:
            continue
        number = _member_number(match.group(2))
        before, after = match.group(1), match.group(3)
        if not number or not (before or after) or any(
                mapper.field_of(words) for words in (before, after, before + after) if words):
            continue
        by_words.setdefault((before, after), {})[index] = number
    found: dict[int, str] = {}
    for numbered in by_words.values():
        if len(set(numbered.values())) >= 2:
            found.update({index: f"成员{number}" for index, number in numbered.items()})
    return found


def _group_row(mapper: HeaderMapper, row: Sequence[str], width: int) -> list[str | None] | None:
    """Forward-filled group labels of a label row, or None when the row has no group labels."""
    labels: list[str | None] = []
    current: str | None = None
    found = False
    structural = numbered_groups(mapper, row)
    for index in range(width):
        cell = row[index] if index < len(row) else ""
        if cell.strip():
            current = mapper.group_label(cell) or structural.get(index)
            found = found or current is not None
        labels.append(current)
    return labels if found else None


def _text_of(rows: Sequence[Sequence[str]]) -> str:
    return " ".join(cell.strip() for row in rows for cell in row if cell and cell.strip())


def _keyword_hits(source: SourceDef, text: str) -> int:
    """How many of the source's keywords occur in ``text``, ignoring case (English and pinyin
    file names: Orphans.csv, DIBAO.xlsx)."""
    folded = text.casefold()
    return sum(1 for word in source.keywords if word.casefold() in folded)


def _required_ok(source: SourceDef, fields: set[str]) -> bool:
    return all(any(option in fields for option in options) for options in source.required)


def split_header_words(mapper: HeaderMapper, top: Sequence[str], bottom: Sequence[str],
                       width: int) -> list[str] | None:
    """The header words of two rows that split each name without merging cells (身份证件 over 号,
    学籍 over 状态, complete names over a blank), or None when the rows are not one header.

    Every column filled in both rows must join (top + bottom) into a listed column name of
    ``rules/sources.yaml`` whose top part alone is none, and at least one bottom part alone must
    be none either (号, 类型: a word's tail, not a header): a row of group labels (户主信息 /
    成员信息 over 姓名) or a title above a header never joins that way. (A tail may be a name of
    its own: 学籍 over 状态 is 学籍状态, not the 状态 of a 低保 roster.)"""
    synonyms = mapper.rules.synonyms
    words: list[str] = []
    tails = False
    for col in range(width):
        upper = top[col].strip() if col < len(top) else ""
        lower = bottom[col].strip() if col < len(bottom) else ""
        if upper and lower:
            if header_label(upper + lower) not in synonyms or header_label(upper) in synonyms:
                return None
            words.append(upper + lower)
            tails = tails or header_label(lower) not in synonyms
        else:
            words.append(upper or lower)
    return words if tails else None


def _header_columns(head: Sequence[Sequence[str]], index: int, mapper: HeaderMapper
                    ) -> tuple[list[Column], bool]:
    """The columns of row ``index`` read as a header, and whether the row above belongs to it
    (group labels, or the first half of header words split over two rows)."""
    row = head[index]
    width = max(len(row), len(head[index - 1]) if index else 0)
    group_above = _group_row(mapper, head[index - 1], width) if index else None
    split = (split_header_words(mapper, head[index - 1], row, width)
             if index and group_above is None else None)
    if split is not None:
        joined: list[Column] = []
        for col, word in enumerate(split):
            group, field = mapper.map_cell(word, None)
            joined.append(Column(col, word.replace("\n", ""), field, group if field else None))
        return joined, True
    labels_above = _forward_filled(head[index - 1], width) if group_above else []
    columns: list[Column] = []
    for col, cell in enumerate(row):
        group = group_above[col] if group_above else None
        mapped_group, field = mapper.map_cell(cell, group)
        shown = cell.strip().replace("\n", "")
        if group and mapped_group == group:
            shown = f"{labels_above[col] or group}/{shown}"
        columns.append(Column(col, shown, field, mapped_group if field else None))
    return columns, group_above is not None


def _forward_filled(row: Sequence[str], width: int) -> list[str]:
    filled: list[str] = []
    current = ""
    for index in range(width):
        cell = row[index].strip() if index < len(row) else ""
        current = cell or current
        filled.append(current)
    return filled


def detect_layouts(
    head: Sequence[Sequence[str]],
    sheet_name: str,
    file_name: str,
    rules: SourceRules,
    mapper: HeaderMapper,
    only_kind: str | None = None,
) -> list[Layout]:
    """The readings of a sheet as each source, best first, all at the same header row.

    The header row is the one where the most cells name a known field; on a tie the highest row
    wins (a header repeated further down the data is never the header). Then every source whose
    required fields are there is scored: columns only it has, and its keywords in the sheet name,
    the title rows above the header, or the file name.
    """
    rows: list[tuple[int, int, list[Column], bool]] = []
    for index in range(min(len(head), HEADER_SEARCH_ROWS)):
        if sum(1 for cell in head[index] if cell.strip()) < 2:
            continue
        columns, grouped = _header_columns(head, index, mapper)
        mapped = sum(1 for c in columns if c.field)
        if len({c.field for c in columns if c.field}) >= 2:
            rows.append((mapped, index, columns, grouped))
    rows.sort(key=lambda r: (-r[0], r[1]))
    for _, index, columns, grouped in rows:
        candidates = _score_sources(head, index, columns, grouped, sheet_name, file_name, rules,
                                    only_kind)
        if candidates:
            return candidates
    return []


def _score_sources(head: Sequence[Sequence[str]], index: int, columns: list[Column], grouped: bool,
                   sheet_name: str, file_name: str, rules: SourceRules, only_kind: str | None
                   ) -> list[Layout]:
    fields = {c.field for c in columns if c.field}
    group_fields = {c.field for c in columns if c.field and c.group}
    title = _text_of(head[: index - 1] if grouped else head[:index])
    context_strong = f"{sheet_name} {title}"
    candidates: list[Layout] = []
    for kind, source in rules.sources.items():
        if only_kind is not None and kind != only_kind:
            continue
        present = set(fields)
        if source.groups == "persons":
            present |= {"name", "id_number"} & group_fields
        if not _required_ok(source, present):
            continue
        signature = sum(1 for f in source.signature if f in fields)
        strong = _keyword_hits(source, context_strong)
        weak = _keyword_hits(source, file_name)
        # A roster's category column (人员类别, 保障类别) is shared by the 民政 rosters, so it is no
        # signature; but with the roster's keyword in a name it outweighs a lone generic column of
        # another source (人编号 in 低收入人口动态监测信息.xls).
        if (strong or weak) and any(f in fields for f in source.category_fields
                                    if f not in source.signature):
            signature += 1
        if only_kind is None and signature == 0 and strong == 0 and weak == 0:
            continue
        score = 4 * signature + 3 * min(strong, 2) + 2 * min(weak, 2)
        evidence = "、".join(
            part for part in (
                f"特征列 {signature} 个" if signature else "",
                "工作表名/标题含关键词" if strong else "",
                "文件名含关键词" if weak else "",
            ) if part
        )
        candidates.append(Layout(kind, index, tuple(columns), title, score,
                                 evidence or "由 --source 指定", grouped))
    candidates.sort(key=lambda c: -c.score)
    return candidates


@dataclass(frozen=True)
class NearMiss:
    """A sheet that points at one source (its own columns or keywords) but lacks required fields."""

    kind: str
    header_row: int  # 0-based
    missing: tuple[tuple[str, ...], ...]  # each: one of these fields is needed
    evidence: str


def near_miss(
    head: Sequence[Sequence[str]],
    sheet_name: str,
    file_name: str,
    rules: SourceRules,
    mapper: HeaderMapper,
    only_kind: str | None = None,
) -> NearMiss | None:
    """When :func:`detect_layouts` found nothing: the source this sheet most looks like and the
    required fields its header lacks, so the message can name the missing column. A sheet needs
    a header row with at least two known fields, some of the source's required fields, and the
    source's signature column or keyword."""
    best: tuple[int, NearMiss] | None = None
    for index in range(min(len(head), HEADER_SEARCH_ROWS)):
        columns, grouped = _header_columns(head, index, mapper)
        fields = {c.field for c in columns if c.field}
        if len(fields) < 2:
            continue
        title = _text_of(head[: index - 1] if grouped else head[:index])
        for kind, source in rules.sources.items():
            if only_kind is not None and kind != only_kind:
                continue
            missing = tuple(tuple(options) for options in source.required
                            if not any(option in fields for option in options))
            signature = sum(1 for f in source.signature if f in fields)
            keywords = _keyword_hits(source, f"{sheet_name} {title} {file_name}")
            # Only a sheet that has part of what the source needs (a 姓名 but no ID column) is
            # taken for it; a 汇总 sheet of counts in the same workbook has none of it.
            if not missing or len(missing) == len(source.required) or (
                    signature == 0 and keywords == 0 and only_kind is None):
                continue
            score = 4 * signature + 3 * min(keywords, 2) + len(fields)
            evidence = "、".join(part for part in (
                f"有 {signature} 个该名单特有的列" if signature else "",
                "文件名/工作表名/标题含关键词" if keywords else "",
                "由 --source 指定" if only_kind else "") if part)
            if best is None or score > best[0]:
                best = (score, NearMiss(kind, index, missing, evidence))
    return best[1] if best else None


def looks_like_people(head: Sequence[Sequence[str]]) -> bool:
    """Whether an unrecognised sheet seems to hold people (an ID-like value), so skipping it would
    lose records; instruction sheets and empty sheets do not."""
    for row in head:
        for cell in row:
            digits = sum(ch.isdigit() for ch in cell)
            if digits >= 15 and len(cell.strip()) <= 24:
                return True
    return False
