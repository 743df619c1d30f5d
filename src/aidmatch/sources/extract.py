"""Turning the data rows under a recognised header into person records.

Each data row becomes one record, or one per person for wide household rows (户主 + 成员N).
Rows that are not people are rejected with a reason: blank rows, repeated header rows, 合计/小计
rows, sign-off lines, rows with neither a name nor an ID number. Cells merged down a column
(a household's 户编号 spanning its members) are filled down first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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

    def run(self) -> Extract:
        layout, sheet = self.layout, self.sheet
        first_data = layout.header_row + 1
        if sheet.merged:
            _fill_merged_down(sheet, first_data)
        out = Extract(self.source.kind, self.source, sheet, layout, self.file_id)
        out.header_rows = first_data
        shared = [f for f in self.row_fields if f not in _PERSON_FIELDS and f not in (
            "head_name", "head_id_number")]
        out.values = {f: [] for f in {*self.row_fields, *_PERSON_FIELDS, "head_name",
                                      "head_id_number"}}
        total_words = self.rules.total_row_words
        footer_words = self.rules.footer_row_words
        fill_down = (not self.wide and self.source.groups == "persons"
                     and "relation" in self.row_fields)
        head_row: dict[str, str] = {}
        for row_number, cells in sheet.iter_text_rows(first_data):
            out.data_rows += 1
            if not any(c.strip() for c in cells):
                out.rejects.append(self._reject(row_number, "空行"))
                continue
            if self._is_repeated_header(cells):
                out.rejects.append(self._reject(row_number, "重复的表头行"))
                continue
            if _starts_with_any(cells[:4], total_words):
                out.rejects.append(self._reject(row_number, "合计/小计行"))
                continue
            if _starts_with_any(cells[:3], footer_words):
                out.rejects.append(self._reject(row_number, "表尾签字或说明行"))
                continue
            persons = self._persons(cells)
            if not persons:
                name_col = self.row_fields.get("name") or self.row_fields.get("head_name")
                out.rejects.append(self._reject(
                    row_number, "没有姓名也没有证件号，无法确定是谁",
                    column=name_col.header if name_col else ""))
                continue
            shared_values = {f: self._cell(cells, self.row_fields[f]) for f in shared}
            if fill_down:
                head_row = self._fill_from_head(persons[0][1], shared_values, head_row)
            household = shared_values.get("household_id", "").strip()
            for slot, person in persons:
                index = len(out.rows)
                out.rows.append(row_number)
                out.slots.append(slot)
                for f in out.values:
                    if f in person:
                        out.values[f].append(person[f])
                    else:
                        out.values[f].append(shared_values.get(f, ""))
                if self.wide:
                    out.household_keys.append(household or f"{self.file_id}:{sheet.name}:{row_number}")
                else:
                    out.household_keys.append(household)
                if self.source.groups == "family":
                    self._family(cells, index, out)
        return out

    def _fill_from_head(self, person: dict[str, str], shared: dict[str, str],
                        head_row: dict[str, str]) -> dict[str, str]:
        """Fill a member row's blank household cells from the 户主 row above it (merged cells
        saved as CSV keep their value on the first row only). Returns the 户主 row in force."""
        fields = [f for f in _HOUSEHOLD_FIELDS if f in self.row_fields]
        if person.get("relation", "").strip().lstrip("之") in ("户主", "本人"):
            return {f: person.get(f, "") for f in fields}
        own_household = person.get("household_id", "").strip()
        if head_row and own_household in ("", head_row.get("household_id", "").strip()):
            for f in fields:
                if not person.get(f, "").strip() and head_row.get(f, "").strip():
                    person[f] = head_row[f]
                    if f in shared:
                        shared[f] = head_row[f]
        return head_row

    def _reject(self, row: int, reason: str, column: str = "") -> Reject:
        return Reject(self.file_id, self.sheet.file_label, self.sheet.name, row, reason, column)

    def _persons(self, cells: list[str]) -> list[tuple[str, dict[str, str]]]:
        if not self.wide:
            person = {f: self._cell(cells, c) for f, c in self.row_fields.items()}
            if not (person.get("name", "").strip() or person.get("id_number", "").strip()
                    or person.get("cert_no", "").strip() or person.get("student_no", "").strip()):
                return []
            return [("", person)]
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
