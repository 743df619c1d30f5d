"""What every source system shares: the canonical record, and the steps common to all rosters.

A source module (one per system: registry, aid, poverty, civil_assistance, child_welfare,
disability) is a :class:`SourceSystem`. Recognition is data (``rules/sources.yaml``); the module
says how its extracted cells become canonical columns (``finish``). Rosters the code has no module
for (a sixth roster added as a rules entry) use :class:`RosterSystem` unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from aidmatch.config import Rules, SourceDef
from aidmatch.normalize import dates, ids, names, values
from aidmatch.semester import Semester
from aidmatch.sources.extract import Extract

RECORD_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("file_id", pa.int32()),
        ("file", pa.string()),
        ("sheet", pa.string()),
        ("row", pa.int32()),
        ("slot", pa.string()),
        ("household_key", pa.string()),
        ("relation", pa.string()),
        ("name_raw", pa.string()),
        ("name", pa.string()),
        ("name_key", pa.string()),
        ("id_raw", pa.string()),
        ("id_status", pa.string()),
        ("id", pa.string()),
        ("id_compact", pa.string()),
        ("id_prefix", pa.string()),
        ("birth_date", pa.date32()),
        ("sex", pa.string()),
        ("student_no", pa.string()),
        ("county", pa.string()),
        ("town", pa.string()),
        ("school", pa.string()),
        ("school_code", pa.string()),
        ("grade", pa.string()),
        ("class_name", pa.string()),
        ("status", pa.string()),
        ("boarding", pa.bool_()),
        ("stage", pa.string()),
        ("semester", pa.string()),
        ("programme", pa.string()),
        ("amount", pa.decimal128(14, 2)),
        ("pay_method", pa.string()),
        ("categories", pa.list_(pa.string())),
        ("household_type", pa.string()),
        ("monitor_type", pa.string()),
        ("risk_eliminated", pa.string()),
        ("policy_status", pa.string()),
        ("security_status", pa.string()),
        ("end_date", pa.date32()),
        ("start_date", pa.date32()),  # 保障开始日期 / 纳入日期: from when the roster counts the row
        ("members_count", pa.int32()),  # 保障人数 / 家庭人口数: how many people the household has
        ("cert_no", pa.string()),
        ("disability_category", pa.string()),
        ("disability_grade", pa.string()),
    ]
)

FAMILY_SCHEMA = pa.schema(
    [
        ("record_index", pa.int64()),
        ("slot", pa.string()),
        ("name_raw", pa.string()),
        ("name", pa.string()),
        ("name_key", pa.string()),
        ("relation", pa.string()),
        ("guardian_flag", pa.string()),  # the 是否监护人 cell as written ("" when no such column)
        ("id_raw", pa.string()),
        ("id_status", pa.string()),
        ("id", pa.string()),
        ("id_prefix", pa.string()),
        ("id_compact", pa.string()),
        ("birth_date", pa.date32()),
    ]
)


@dataclass(frozen=True)
class FinishContext:
    rules: Rules
    semester: Semester


def clean_text(value: str) -> str:
    """NFKC and trimmed; inner line breaks become spaces."""
    return " ".join(unicodedata.normalize("NFKC", value).split())


def distinct_map(raw: Sequence[object] | pa.Array, convert: Callable[[pa.Array], pa.Array]
                 ) -> pa.Array:
    """``convert`` applied to each distinct value of a column only, then spread back: export
    columns repeat a few values (a county, a grade, a school) over many rows."""
    array = raw if isinstance(raw, pa.Array) else pa.array(raw, pa.string())
    encoded = pc.dictionary_encode(array)
    return pc.take(convert(encoded.dictionary), encoded.indices)


def _clean_distinct(array: pa.Array) -> pa.Array:
    text = pc.utf8_normalize(array, "NFKC")
    text = pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r"\s+", " "))
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _clean_column(raw: Sequence[str] | pa.Array) -> pa.Array:
    return distinct_map(raw, _clean_distinct)


def clean_texts(raw: Sequence[str] | pa.Array) -> pa.Array:
    """Bulk :func:`clean_text`; blank cells become null."""
    return distinct_map(raw, lambda distinct: pa.array(
        [clean_text(v) or None if v is not None else None for v in distinct.to_pylist()],
        pa.string()))


def mapped(raw: Sequence[str] | pa.Array, parse: Callable[[str], object],
           type_: pa.DataType) -> pa.Array:
    """``parse`` applied to each distinct cell once."""
    return distinct_map(raw, lambda distinct: pa.array(
        [parse(v) for v in distinct.to_pylist()], type_))


def normalise_student_no(raw: Sequence[str]) -> pa.Array:
    """学籍号: NFKC, no spaces or quotes, upper case (``g611…`` → ``G611…``)."""
    array = pa.array(raw, pa.string())
    text = pc.utf8_upper(pc.replace_substring_regex(
        pc.utf8_normalize(array, "NFKC"), r"[\s'\"`‘’]+", ""))
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


_NEGATIONS = "非未不无"


def first_category(value: str, categories: dict[str, tuple[str, ...]]) -> list[str]:
    """Every category whose words occur in ``value``.

    Specific categories listed first win over the general ones they contain (农村低保 is not also
    低保), and a word after a negation does not count (非脱贫户 is not 脱贫户).

    >>> cats = {"农村低保": ("农村低保",), "低保": ("低保",), "特困供养": ("特困",)}
    >>> first_category("农村低保", cats), first_category("低保户", cats), first_category("非低保", cats)
    (['农村低保'], ['低保'], [])
    >>> first_category("Orphans", {"孤儿": ("orphan",)})   # English names, any case
    ['孤儿']
    """
    text = unicodedata.normalize("NFKC", value).replace(" ", "").casefold()
    if not text:
        return []
    found: list[str] = []
    covered: list[str] = []
    for category, words in categories.items():
        for word in map(str.casefold, words):
            at = text.find(word)
            if at < 0 or (at > 0 and text[at - 1] in _NEGATIONS):
                continue
            if any(word in longer for longer in covered):
                continue
            found.append(category)
            covered.extend(w for w in words if w in text)
            break
    return found


def _others_ids_set_aside(classified: pa.Table, extract: Extract) -> pa.Table:
    """A person's ID cell holding the ID written in the same row for their guardian or their
    户主 (when they are not the 户主) is someone else's: status ``other_person``, not used."""
    n = len(extract)
    others: dict[int, set[str]] = {}  # row index → IDs of others written in that row
    relations = extract.values.get("relation", [""] * n)
    for field_name in ("guardian_id_number", "head_id_number"):
        cells = extract.values.get(field_name)
        if not cells or not any(cells):
            continue
        their = ids.classify_many(cells).column("id").to_pylist()
        for i, theirs in enumerate(their):
            if theirs and (field_name == "guardian_id_number"
                           or relations[i].strip().lstrip("之") not in ("户主", "本人")):
                others.setdefault(i, set()).add(theirs)
    if not others:
        return classified
    own = classified.column("id").to_pylist()
    wrong = [False] * n
    for i, theirs_in_row in others.items():
        wrong[i] = bool(own[i]) and own[i] in theirs_in_row
    if not any(wrong):
        return classified
    mask = pa.array(wrong)
    replaced = {
        "id_status": pc.if_else(mask, pa.scalar("other_person"), classified.column("id_status")),
        "id": pc.if_else(mask, pa.scalar(None, pa.string()), classified.column("id")),
        "id_prefix": pc.if_else(mask, pa.scalar(None, pa.string()), classified.column("id_prefix")),
        "birth_date": pc.if_else(mask, pa.scalar(None, pa.date32()),
                                 classified.column("birth_date")),
        "sex": pc.if_else(mask, pa.scalar(None, pa.string()), classified.column("sex")),
    }
    for name, column in replaced.items():
        classified = classified.set_column(classified.column_names.index(name), name, column)
    return classified


def _households_by_sequence(extract: Extract) -> list[str]:
    """A long roster without 户编号: each 户主 row starts a household that runs until the next
    (the order rosters are printed in). Without 户主 rows nothing is inferred."""
    relations = extract.values.get("relation", [])
    if not any(r.strip() == "户主" for r in relations):
        return [""] * len(extract)
    keys: list[str] = []
    current = ""
    for row, relation in zip(extract.rows, relations, strict=True):
        if relation.strip() == "户主":
            current = f"序:{extract.file_id}:{extract.sheet.name}:{row}"
        keys.append(current)
    return keys


class SourceSystem:
    """The default behaviour; subclasses add what their system's columns mean."""

    kind = ""

    def __init__(self, source: SourceDef) -> None:
        self.source = source

    def build(self, extract: Extract, context: FinishContext) -> tuple[pa.Table, pa.Table]:
        """Canonical records (RECORD_SCHEMA) and registry family members (FAMILY_SCHEMA)."""
        n = len(extract)
        v = extract.values
        blank = [""] * n
        columns: dict[str, pa.Array] = {
            "source": pa.array([extract.kind] * n, pa.string()),
            "file_id": pa.array([extract.file_id] * n, pa.int32()),
            "file": pa.array([extract.sheet.file_label] * n, pa.string()),
            "sheet": pa.array([extract.sheet.name] * n, pa.string()),
            "row": pa.array(extract.rows, pa.int32()),
            "slot": pa.array(extract.slots, pa.string()),
        }
        name_raw = [a or b for a, b in zip(v.get("name", blank), v.get("head_name", blank),
                                          strict=True)]
        if not any(name_raw):
            name_raw = v.get("name", blank)
        norm_names, name_keys = names.normalize_many(name_raw)
        columns["name_raw"] = pa.array(name_raw, pa.string())
        columns["name"] = norm_names
        columns["name_key"] = name_keys
        id_raw = self.identity_cells(extract)
        classified = _others_ids_set_aside(ids.classify_many(id_raw), extract)
        columns["id_raw"] = pa.array(id_raw, pa.string())
        for name in ("id_status", "id", "id_compact", "id_prefix", "sex"):
            columns[name] = classified.column(name).combine_chunks()
        stated_birth = mapped(v.get("birth_date", blank), dates.parse, pa.date32())
        columns["birth_date"] = pc.coalesce(classified.column("birth_date").combine_chunks(),
                                            stated_birth)
        stated_sex = _clean_column(v.get("sex", blank))
        columns["sex"] = pc.coalesce(columns["sex"], stated_sex)
        columns["student_no"] = normalise_student_no(v.get("student_no", blank))
        columns["household_key"] = self.household_keys(extract)
        columns["relation"] = _clean_column(v.get("relation", blank))
        for name in ("county", "town", "school", "school_code", "grade", "class_name", "programme",
                     "pay_method", "household_type", "monitor_type", "policy_status",
                     "security_status", "disability_category", "disability_grade"):
            columns[name] = _clean_column(v.get(name, blank))
        columns["members_count"] = mapped(v.get("members_count", blank), parse_count, pa.int32())
        columns.update(self.specific(extract, context, columns))
        table = pa.table(
            {f.name: columns.get(f.name, pa.nulls(n, f.type)) for f in RECORD_SCHEMA},
            schema=RECORD_SCHEMA,
        )
        return table, self.family(extract)

    def identity_cells(self, extract: Extract) -> list[str]:
        """The raw ID cell of each record."""
        v = extract.values
        blank = [""] * len(extract)
        return [a or b for a, b in zip(v.get("id_number", blank), v.get("head_id_number", blank),
                                      strict=True)]

    def household_keys(self, extract: Extract) -> pa.Array:
        cleaned = {k: clean_text(k) for k in set(extract.household_keys)}
        keys = [cleaned[k] for k in extract.household_keys]
        if not any(keys) and any(extract.values.get("head_id_number", [])):
            heads = ids.classify_many(extract.values["head_id_number"])
            keys = [
                f"户主:{i or c}" if (i or c) else ""
                for i, c in zip(heads.column("id").to_pylist(),
                                heads.column("id_compact").to_pylist(), strict=True)
            ]
        elif any(keys):
            keys = [f"户:{extract.file_id}:{k}" if k and ":" not in k else k for k in keys]
        elif self.source.groups == "persons":
            keys = _households_by_sequence(extract)
        return pa.array([k or None for k in keys], pa.string())

    def specific(self, extract: Extract, context: FinishContext,
                 columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
        """Columns only this system has; the default has none."""
        return {}

    def family(self, extract: Extract) -> pa.Table:
        return FAMILY_SCHEMA.empty_table()


def parse_count(text: str) -> int | None:
    """A head count as clerks write it: 3, 3.0 (an Excel number), ３, 3人, 共3人.

    >>> [parse_count(t) for t in ("3", "3.0", "３人", "共 4 人", "", "三", "0")]
    [3, 3, 3, 4, None, None, None]
    """
    match = _COUNT.search(unicodedata.normalize("NFKC", text or ""))
    count = int(match.group(1)) if match else 0
    return count if 0 < count < 100 else None


_COUNT = re.compile(r"(\d+)(?:\.0+)?(?!\d)")


def parse_amounts(raw: Sequence[str]) -> pa.Array:
    def to_cents(text: str) -> Decimal | None:
        amount = values.parse_amount(text)
        return amount.quantize(Decimal("0.01")) if amount is not None else None

    return mapped(raw, to_cents, pa.decimal128(14, 2))


__all__ = [
    "FAMILY_SCHEMA",
    "RECORD_SCHEMA",
    "FinishContext",
    "SourceSystem",
    "clean_text",
    "clean_texts",
    "distinct_map",
    "first_category",
    "mapped",
    "normalise_student_no",
    "parse_amounts",
    "parse_count",
]
