"""Turning the data rows under a recognised header into person records.

Each data row becomes one record, or one per person for wide household rows (户主 + 成员N).
Rows that are not people are rejected with a reason: blank rows, repeated header rows, 合计/小计
rows, sign-off lines, rows with neither a name nor an ID number. Cells merged down a column
(a household's 户编号 spanning its members) are filled down first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aidmatch.config import SourceDef, SourceRules
from aidmatch.normalize.values import header_label
from aidmatch.sources.layout import Column, Layout
from aidmatch.sources.reading import Sheet

# Row-level fields copied onto every person of a wide household row.
_PERSON_FIELDS = ("name", "id_number", "relation", "birth_date", "sex", "cert_no")
# What a long household roster writes once per household: on the 户主's row only when the sheet
# had merged cells that were saved as CSV.
_HOUSEHOLD_FIELDS = ("household_id", "household_type", "monitor_type", "risk_eliminated",
                     "policy_status", "poverty_year", "category", "security_status", "start_date",
                     "end_date", "members_count", "head_name", "head_id_number", "county", "town",
                     "village")


@dataclass(frozen=True)
class Reject:
    file_id: int
    file: str
    sheet: str
    row: int
    reason: str
    column: str = ""
    detail: str = ""


@dataclass
class Extract:
    """The person records of one sheet, column-wise, with their provenance."""

    kind: str
    source: SourceDef
    sheet: Sheet
    layout: Layout
    file_id: int
    values: dict[str, list[str]] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)
    slots: list[str] = field(default_factory=list)
    household_keys: list[str] = field(default_factory=list)
    family: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    data_rows: int = 0
    header_rows: int = 0

    def __len__(self) -> int:
        return len(self.rows)


def _fill_merged_down(sheet: Sheet, first_data_index: int) -> None:
    """Copy a merged range's value into every cell it covers below the header."""
    for (top, left), (bottom, right) in sheet.merged:
        if bottom < first_data_index or (top == bottom and left == right):
            continue
        if top < first_data_index:
            continue
        source_row = sheet.rows[top]
        value = source_row[left] if left < len(source_row) else ""
        for r in range(top, min(bottom, len(sheet.rows) - 1) + 1):
            row = sheet.rows[r]
            if not isinstance(row, list):
                continue
            for c in range(left, right + 1):
                if c < len(row) and (r, c) != (top, left):
                    row[c] = value


def _starts_with_any(cells: Iterable[str], words: tuple[str, ...]) -> bool:
    for cell in cells:
        text = cell.strip().replace(" ", "").replace("\u3000", "")
        if text:
            return text.startswith(words)
    return False


class RowExtractor:
    """Extracts records from one sheet with a given layout."""

    def __init__(self, rules: SourceRules, source: SourceDef, sheet: Sheet, layout: Layout,
                 file_id: int) -> None:
        self.rules = rules
        self.source = source
        self.sheet = sheet
        self.layout = layout
        self.file_id = file_id
        self.row_fields = layout.field_columns(None)
        self.row_indexes = [(f, c.index) for f, c in self.row_fields.items()]
        self.household_fields = [f for f in _HOUSEHOLD_FIELDS if f in self.row_fields]
        self.group_fields = {g: layout.field_columns(g) for g in layout.groups}
        self.header_labels = {
            c.index: header_label(c.header.split("/")[-1]) for c in layout.columns if c.field
        }
        wide_groups = [g for g in layout.groups if g == "户主" or g.startswith("成员")]
        self.wide = source.groups == "persons" and (
            bool(wide_groups) or ("name" not in self.row_fields and "head_name" in self.row_fields)
        )

    def _cell(self, cells: list[str], column: Column | None) -> str:
        if column is None or column.index >= len(cells):
            return ""
        return cells[column.index]

    def _is_repeated_header(self, cells: list[str]) -> bool:
        hits = 0
        for index, label in self.header_labels.items():
            if index < len(cells) and cells[index] and header_label(cells[index]) == label:
                hits += 1
        return hits >= max(2, len(self.header_labels) // 2)

    def _repeated_headers(self, rows: Sequence[list[str]],
                          columns: Sequence[Sequence[str]]) -> set[int]:
        """Positions in ``rows`` of repeated header rows (:meth:`_is_repeated_header`), checked
        column-wise: a cell can only normalise to a header label if it holds every character of
        the label (header_label only deletes characters after NFKC), so only rows with enough such
        cells get the exact per-row check."""
        needed = max(2, len(self.header_labels) // 2)
        if len(self.header_labels) < needed or not rows:
            return set()
        maybe = np.zeros(len(rows), dtype=np.int32)
        for index, label in self.header_labels.items():
            if index >= len(columns):
                continue  # no row reaches this column: no cell can match
            column = pa.array(columns[index], pa.string())
            text = pc.utf8_normalize(column, "NFKC")
            text = pc.replace_substring(pc.replace_substring(text, "【", "["), "】", "]")
            hit = pc.not_equal(column, "")
            for char in set(label):
                hit = pc.and_(hit, pc.match_substring(text, char))
            maybe += hit.to_numpy(zero_copy_only=False)
        candidates: list[int] = np.flatnonzero(maybe >= needed).tolist()
        return {i for i in candidates if self._is_repeated_header(rows[i])}

    def run(self) -> Extract:
        layout, sheet = self.layout, self.sheet
        first_data = layout.header_row + 1
        if sheet.merged:
            _fill_merged_down(sheet, first_data)
        out = Extract(self.source.kind, self.source, sheet, layout, self.file_id)
        out.header_rows = first_data
        out.values = {f: [] for f in {*self.row_fields, *_PERSON_FIELDS, "head_name",
                                      "head_id_number"}}
        total_words = self.rules.total_row_words
        footer_words = self.rules.footer_row_words
        identity = [c.index for f, c in self.row_fields.items()
                    if f in ("name", "id_number", "cert_no", "student_no")]
        rows = list(sheet.iter_text_rows(first_data))
        # Column-wise view of the rows (short rows padded with ""), transposed in C.
        columns = list(zip_longest(*(cells for _, cells in rows), fillvalue=""))
        repeated = self._repeated_headers([cells for _, cells in rows], columns)
        kept: list[tuple[int, list[str]]] = []
        positions: list[int] = []
        wide_persons: list[list[tuple[str, dict[str, str]]]] = []
        for position, (row_number, cells) in enumerate(rows):
            out.data_rows += 1
            if not "".join(cells).strip():  # every cell blank
                out.rejects.append(self._reject(row_number, "空行"))
                continue
            if position in repeated:
                out.rejects.append(self._reject(row_number, "重复的表头行"))
                continue
            if _starts_with_any(cells[:4], total_words):
                out.rejects.append(self._reject(row_number, "合计/小计行"))
                continue
            if _starts_with_any(cells[:3], footer_words):
                out.rejects.append(self._reject(row_number, "表尾签字或说明行"))
                continue
            if self.wide:
                persons = self._persons(cells)
                has_person = bool(persons)
            else:
                width = len(cells)
                has_person = any(cells[i].strip() for i in identity if i < width)
            if not has_person:
                name_col = self.row_fields.get("name") or self.row_fields.get("head_name")
                out.rejects.append(self._reject(
                    row_number, "没有姓名也没有证件号，无法确定是谁",
                    column=name_col.header if name_col else ""))
                continue
            kept.append((row_number, cells))
            positions.append(position)
            if self.wide:
                wide_persons.append(persons)
        if self.wide:
            self._collect_wide(kept, wide_persons, out)
        else:
            self._collect_rows(kept, columns, np.array(positions, dtype=np.int64), out)
        return out

    def _collect_rows(self, kept: list[tuple[int, list[str]]], columns: Sequence[Sequence[str]],
                      positions: np.ndarray, out: Extract) -> None:
        """One record per kept row (at ``positions`` of ``columns``), column by column."""
        n = len(kept)
        for f, i in self.row_indexes:
            out.values[f] = (np.array(columns[i], dtype=object)[positions].tolist()
                             if i < len(columns) else [""] * n)
        for f in out.values:
            if f not in self.row_fields:
                out.values[f] = [""] * n
        out.rows = [row_number for row_number, _ in kept]
        out.slots = [""] * n
        if self.source.groups == "persons" and "relation" in self.row_fields:
            self._fill_from_heads(out.values)
        household = out.values.get("household_id")
        out.household_keys = [h.strip() for h in household] if household else [""] * n
        if self.source.groups == "family":
            for index, (_, cells) in enumerate(kept):
                self._family(cells, index, out)

    def _collect_wide(self, kept: list[tuple[int, list[str]]],
                      persons_of: list[list[tuple[str, dict[str, str]]]], out: Extract) -> None:
        """One record per person of each kept wide household row (户主 + 成员N)."""
        shared = [(f, i) for f, i in self.row_indexes if f not in _PERSON_FIELDS and f not in (
            "head_name", "head_id_number")]
        value_columns = list(out.values.items())
        name = self.sheet.name
        for (row_number, cells), persons in zip(kept, persons_of, strict=True):
            width = len(cells)
            shared_values = {f: cells[i] if i < width else "" for f, i in shared}
            household = shared_values.get("household_id", "").strip()
            for slot, person in persons:
                index = len(out.rows)
                out.rows.append(row_number)
                out.slots.append(slot)
                cells_of = shared_values | person
                for f, column in value_columns:
                    column.append(cells_of.get(f, ""))
                out.household_keys.append(household or f"{self.file_id}:{name}:{row_number}")
                if self.source.groups == "family":
                    self._family(cells, index, out)

    def _fill_from_heads(self, values: dict[str, list[str]]) -> None:
        """Fill a member row's blank household cells from the 户主 row above it (merged cells
        saved as CSV keep their value on the first row only)."""
        fields = self.household_fields
        relations = values["relation"]
        households = values.get("household_id")
        head_row: dict[str, str] = {}
        for k, relation in enumerate(relations):
            if relation.strip().lstrip("之") in ("户主", "本人"):
                head_row = {f: values[f][k] for f in fields}
                continue
            own_household = households[k].strip() if households is not None else ""
            if head_row and own_household in ("", head_row.get("household_id", "").strip()):
                for f in fields:
                    if not values[f][k].strip() and head_row.get(f, "").strip():
                        values[f][k] = head_row[f]

    def _reject(self, row: int, reason: str, column: str = "") -> Reject:
        return Reject(self.file_id, self.sheet.file_label, self.sheet.name, row, reason, column)

    def _persons(self, cells: list[str]) -> list[tuple[str, dict[str, str]]]:
        """The people of a wide household row: the 户主 and each 成员N with a name or an ID."""
        persons: list[tuple[str, dict[str, str]]] = []
        head = {f: self._cell(cells, c) for f, c in self.group_fields.get("户主", {}).items()}
        if not head.get("name"):
            head["name"] = self._cell(cells, self.row_fields.get("head_name"))
        if not head.get("id_number"):
            head["id_number"] = self._cell(cells, self.row_fields.get("head_id_number"))
        head.setdefault("relation", "户主")
        for f in ("name", "id_number", "relation", "birth_date", "sex", "cert_no"):
            if f not in head and f in self.row_fields and f not in ("name", "id_number"):
                head[f] = self._cell(cells, self.row_fields[f])
        if head["name"].strip() or head["id_number"].strip():
            persons.append(("户主", head))
        for group, columns in self.group_fields.items():
            if not group.startswith("成员"):
                continue
            member = {f: self._cell(cells, c) for f, c in columns.items()}
            if member.get("name", "").strip() or member.get("id_number", "").strip():
                persons.append((group, member))
        return persons

    def _family(self, cells: list[str], index: int, out: Extract) -> None:
        """The registry's family members of the student on this row (成员N, 父亲, 监护人 …)."""
        implied = self.rules.named_groups
        for group, columns in self.group_fields.items():
            name = self._cell(cells, columns.get("name"))
            id_raw = self._cell(cells, columns.get("id_number"))
            if name.strip() or id_raw.strip():
                relation = self._cell(cells, columns.get("relation")) or implied.get(group, "")
                out.family.append((index, group, name, relation, id_raw))
        guardian_name = self._cell(cells, self.row_fields.get("guardian_name"))
        guardian_id = self._cell(cells, self.row_fields.get("guardian_id_number"))
        if (guardian_name.strip() or guardian_id.strip()) and "监护人" not in self.group_fields:
            out.family.append((index, "监护人", guardian_name, "监护人", guardian_id))
