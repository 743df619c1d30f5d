"""Turning the data rows under a recognised header into person records.

Each data row becomes one record, or one per person for wide household rows (户主 + 成员N).
Rows that are not people are rejected with a reason: blank rows, repeated header rows, 合计/小计
rows, sign-off lines, rows with neither a name nor an ID number. Cells merged down a column
(a household's 户编号 spanning its members) are filled down first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice, zip_longest

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aidmatch.config import SourceDef, SourceRules
from aidmatch.normalize.values import header_label
from aidmatch.sources.layout import Column, HeaderMapper, Layout, detect_layouts, looks_like_people
from aidmatch.sources.reading import Sheet, cell_text

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
    # The registry's family members: record_index, slot, name_raw, relation, id_raw.
    family: pa.Table | None = None
    rejects: list[Reject] = field(default_factory=list)
    data_rows: int = 0
    header_rows: int = 0
    # Another table's header further down (its own column order): this extract stops above it,
    # and the rows below are read with this layout.
    next_layout: Layout | None = None
    # The Excel row of a header of people no layout of this source fits: the sheet cannot be read.
    foreign_header: int | None = None
    # A CSV row with filled cells beyond the header's last column: (Excel row, extra cells).
    overflow: tuple[int, int] | None = None
    titles: frozenset[str] = frozenset()  # text of the title rows above the header

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


class RowExtractor:
    """Extracts records from one sheet with a given layout.

    The work is column-wise: the rows under the header are transposed once into Arrow string
    columns, and each check (blank, repeated header, 合计 row, sign-off line, nobody named) is a
    mask over whole columns; Python touches only the rows that are rejected.
    """

    def __init__(self, rules: SourceRules, source: SourceDef, sheet: Sheet, layout: Layout,
                 file_id: int, mapper: HeaderMapper | None = None, file_name: str = "",
                 titles: frozenset[str] | None = None) -> None:
        self.rules = rules
        self.source = source
        self.sheet = sheet
        self.layout = layout
        self.file_id = file_id
        self.mapper = mapper  # None: no search for another table's header further down
        self.file_name = file_name
        # Text of the title and group-label rows above the header; for a table lower in a sheet,
        # the first table's titles and its own label row (never the rows of the table above).
        self.titles = titles if titles is not None else frozenset(
            cell.strip() for row in sheet.head(layout.header_row) for cell in row if cell.strip())
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

    def _is_repeated_header(self, cells: Sequence[str]) -> bool:
        hits = 0
        for index, label in self.header_labels.items():
            if index < len(cells) and cells[index] and header_label(cells[index]) == label:
                hits += 1
        return hits >= max(2, len(self.header_labels) // 2)

    def _repeated_headers(self, columns: _Columns) -> np.ndarray:
        """Mask of repeated header rows (:meth:`_is_repeated_header`), found column-wise.

        A cell can only normalise to a header label if it holds every character of the label
        (header_label only deletes characters after NFKC), and a label with a character outside
        ASCII only in a cell that has one too (NFKC keeps ASCII ASCII). Columns are checked
        cheapest first, each only on the rows that can still reach enough hits; the few rows
        that do get the exact per-row check."""
        n = columns.length
        found = np.zeros(n, dtype=bool)
        needed = max(2, len(self.header_labels) // 2)
        labelled = [(i, label) for i, label in self.header_labels.items() if i < columns.width]
        if len(self.header_labels) < needed or not n or len(labelled) < needed:
            return found
        ascii_cells = {i: pc.string_is_ascii(columns.text(i)).to_numpy(zero_copy_only=False)
                       for i, label in labelled if not label.isascii()}

        def cost(item: tuple[int, str]) -> int:
            index = item[0]
            return int(n - ascii_cells[index].sum()) if index in ascii_cells else n

        maybe = np.zeros(n, dtype=np.int32)
        alive = np.arange(n)
        remaining = len(labelled)
        for index, label in sorted(labelled, key=cost):
            remaining -= 1
            rows = alive[~ascii_cells[index][alive]] if index in ascii_cells else alive
            if len(rows):
                column = columns.text(index)
                if len(rows) < n:
                    column = column.take(pa.array(rows))
                text = pc.utf8_normalize(column, "NFKC")
                text = pc.replace_substring(pc.replace_substring(text, "【", "["), "】", "]")
                hit = pc.not_equal(column, "")
                for char in set(label):
                    hit = pc.and_(hit, pc.match_substring(text, char))
                maybe[rows[hit.to_numpy(zero_copy_only=False)]] += 1
            alive = alive[maybe[alive] + remaining >= needed]
            if not len(alive):
                return found
        for i, cells in zip(alive.tolist(), columns.rows(alive), strict=True):
            found[i] = self._is_repeated_header(cells)
        return found

    def _blank_rows(self, columns: _Columns) -> np.ndarray:
        """Mask of rows whose every cell is blank. The columns the layout uses decide for nearly
        every row; only rows blank in all of them are looked at whole."""
        used = sorted({c.index for c in self.layout.columns if c.field} | set(range(4)))
        blank = ~columns.any_filled(used)
        positions = np.flatnonzero(blank)
        for position, cells in zip(positions.tolist(), columns.rows(positions), strict=True):
            blank[position] = not "".join(cells).strip()
        return blank

    def _starting_with(self, columns: _Columns, first: int, words: tuple[str, ...]) -> np.ndarray:
        """Mask of rows whose first non-blank cell among the first ``first`` cells (spaces
        removed) starts with one of ``words``: a 合计 row, a sign-off line."""
        if not words or not columns.length:
            return np.zeros(columns.length, dtype=bool)
        leading: pa.Array | None = None
        for index in range(min(first, columns.width)):
            text = pc.utf8_trim_whitespace(columns.text(index))
            text = pc.replace_substring(pc.replace_substring(text, " ", ""), "\u3000", "")
            text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
            leading = text if leading is None else pc.coalesce(leading, text)
        if leading is None:
            return np.zeros(columns.length, dtype=bool)
        hit = np.zeros(columns.length, dtype=bool)
        for word in words:
            hit |= pc.starts_with(leading, word).fill_null(False).to_numpy(zero_copy_only=False)
        return hit

    def _later_header(self, columns: _Columns) -> tuple[tuple[int, Layout] | None, np.ndarray,
                                                        int | None]:
        """Another header further down, found column-wise: rows where enough cells of the columns
        this layout reads are header words (a synonym or this header's own text). Each is read as
        a header of this source (with the row above as its group labels unless that row holds
        people): the same columns in the same places is a repeated header (worded differently:
        the exact repeats are masked already); another order is another table, returned as
        (position, its layout) so the rows below it are read with their own columns; a header
        naming people that does not fit this source is returned as a position (the sheet cannot
        be read safely). Returns (table below, repeated-header mask, foreign header)."""
        n = columns.length
        repeats = np.zeros(n, dtype=bool)
        mapped = [c for c in self.layout.columns if c.field]
        if self.mapper is None or not n or len(mapped) < 2:
            return None, repeats, None
        needed = max(2, len({c.field for c in mapped}) // 2)
        words = set(self.rules.synonyms) | {c.header.split("/")[-1].strip() for c in mapped}
        value_set = pa.array(sorted(words), pa.string())
        hits = np.zeros(n, dtype=np.int32)
        for index in sorted({c.index for c in mapped if c.index < columns.width}):
            hits += pc.is_in(columns.text(index), value_set=value_set).to_numpy(
                zero_copy_only=False)
        own = {c.index: c.field for c in mapped}
        first_data = self.layout.header_row + 1
        candidates = np.flatnonzero(hits >= needed)
        for position, cells in zip(candidates.tolist(), columns.rows(candidates), strict=True):
            # A header holds labels, not values: a row with an ID (a person named 姓名, whose
            # relation is 户主) or mostly unmapped cells is data.
            if self._is_repeated_header(cells) or looks_like_people([cells]):
                continue
            filled = [cell for cell in cells if cell.strip()]
            named = [self.mapper.map_cell(cell, None)[1] for cell in filled]
            if 2 * sum(1 for f in named if f) < len(filled):
                continue
            above = (columns.row(position - 1) if position else
                     self.sheet.text_row(self.layout.header_row))
            head = [[] if looks_like_people([above]) else above, cells]
            found = [layout for layout in detect_layouts(
                head, self.sheet.name, self.file_name, self.rules, self.mapper,
                only_kind=self.layout.kind) if layout.header_row == 1]
            if not found:
                if set(named) & _IDENTITY_FIELDS and sum(1 for f in named if f) >= 3:
                    return None, repeats, position
                continue
            theirs = {c.index: c.field for c in found[0].columns if c.field}
            if _same_places(own, theirs):
                repeats[position] = True
                continue
            return (position, replace(found[0], header_row=first_data + position)), repeats, None
        return None, repeats, None

    def _title_rows(self, columns: _Columns) -> np.ndarray:
        """Mask of rows holding nothing but text from the rows above the header: the group-label
        row of a two-row header (学生信息 / 家庭成员1 …) or a title repeated inside the data, as
        exports repeat them on every printed page. Column-wise: one column of identity first (a
        data row's name is never in a title), then the few rows left cell by cell."""
        found = np.zeros(columns.length, dtype=bool)
        above = self.titles
        if not above or not columns.length:
            return found
        value_set = pa.array(sorted(above), pa.string())
        pivot = next((c.index for f, c in self.row_fields.items()
                      if f in ("name", "head_name", "id_number", "student_no")),
                     self.layout.columns[0].index)
        first = columns.text(pivot)
        alive = np.flatnonzero(pc.or_(pc.equal(first, ""), pc.is_in(first, value_set=value_set))
                               .to_numpy(zero_copy_only=False))
        for position, row in zip(alive.tolist(), columns.rows(alive), strict=True):
            cells = [cell.strip() for cell in row]
            found[position] = any(cells) and all(not cell or cell in above for cell in cells)
        return found

    def _overflow(self, columns: _Columns) -> tuple[int, int] | None:
        """In a CSV, the first row with filled cells beyond the header's last column, and how
        many: a comma inside a value that was not quoted (金额 1,250) shifts every cell after
        it. (A sheet's cells cannot shift; a CSV from Excel pads every row to the same width.)"""
        if not self.sheet.all_text:
            return None
        width = len(self.sheet.rows[self.layout.header_row])
        extra = [columns.filled(index) for index in range(width, columns.width)]
        if not extra:
            return None
        counts = np.sum(extra, axis=0)
        rows = np.flatnonzero(counts)
        if not len(rows):
            return None
        return int(rows[0]) + columns.first_row_number, int(counts[rows[0]])

    def run(self) -> Extract:
        layout, sheet = self.layout, self.sheet
        first_data = layout.header_row + 1
        if sheet.merged:
            _fill_merged_down(sheet, first_data)
        out = Extract(self.source.kind, self.source, sheet, layout, self.file_id)
        out.header_rows = first_data
        out.titles = self.titles
        columns = _Columns(sheet, first_data)
        below, repeats, foreign = self._later_header(columns)
        if foreign is not None:
            out.foreign_header = foreign + columns.first_row_number
            return out
        if below is not None:
            # This table ends above the other's header (and its group-label row).
            position, out.next_layout = below
            end = position - (1 if out.next_layout.grouped else 0)
            columns = _Columns(sheet, first_data, first_data + end)
            repeats = repeats[:end]
        out.overflow = self._overflow(columns)
        n = columns.length
        out.data_rows = n
        # Each row gets the first reason that applies, in this order.
        reasons: list[tuple[np.ndarray, str]] = [
            (self._blank_rows(columns), "空行"),
            (self._repeated_headers(columns) | repeats, "重复的表头行"),
            (self._title_rows(columns), "重复的标题或分组行"),
            (self._starting_with(columns, 4, self.rules.total_row_words), "合计/小计行"),
            (self._starting_with(columns, 3, self.rules.footer_row_words), "表尾签字或说明行"),
        ]
        rejected = np.zeros(n, dtype=bool)
        for mask, _ in reasons:
            rejected |= mask
        if self.wide:
            slots = self._wide_slots(columns)
            has_person = np.zeros(n, dtype=bool)
            for _, _, present in slots:
                has_person |= present
        else:
            identity = [c.index for f, c in self.row_fields.items()
                        if f in ("name", "id_number", "cert_no", "student_no")]
            has_person = columns.any_filled(identity)
        nobody = ~rejected & ~has_person
        reasons.append((nobody, "没有姓名也没有证件号，无法确定是谁"))
        name_column = self.row_fields.get("name") or self.row_fields.get("head_name")
        claimed = np.zeros(n, dtype=bool)
        rejects: list[tuple[int, Reject]] = []
        for mask, reason in reasons:
            mine = mask & ~claimed
            claimed |= mine
            column = name_column.header if name_column and mask is nobody else ""
            rejects.extend((int(p), self._reject(first_data + 1 + int(p), reason, column))
                           for p in np.flatnonzero(mine))
        out.rejects = [reject for _, reject in sorted(rejects, key=lambda item: item[0])]
        kept = np.flatnonzero(~claimed)
        if self.wide:
            self._collect_wide(columns, slots, kept, out)
        else:
            self._collect_rows(columns, kept, out)
        return out

    def _collect_rows(self, columns: _Columns, kept: np.ndarray, out: Extract) -> None:
        """One record per kept row, column by column."""
        n = len(kept)
        take = pa.array(kept, pa.int64())
        fields = {*self.row_fields, *_PERSON_FIELDS, "head_name", "head_id_number"}
        out.values = {f: [""] * n for f in fields}
        for f, i in self.row_indexes:
            out.values[f] = columns.text(i).take(take).to_pylist() if i < columns.width else [""] * n
        out.rows = (kept + columns.first_row_number).tolist()
        out.slots = [""] * n
        if self.source.groups == "persons" and "relation" in self.row_fields:
            self._fill_from_heads(out.values)
        household = out.values.get("household_id")
        out.household_keys = [h.strip() for h in household] if household else [""] * n
        if self.source.groups == "family":
            out.family = self._family(columns, take)

    def _wide_slots(self, columns: _Columns) -> list[tuple[str, dict[str, pa.Array], np.ndarray]]:
        """The people of wide household rows (户主 + 成员N), slot by slot: each slot's cells per
        person field and the mask of rows where the slot holds a name or an ID."""
        def cell(column: Column | None) -> pa.Array:
            return columns.text(column.index) if column is not None else columns.blank

        slots: list[tuple[str, dict[str, pa.Array], np.ndarray]] = []
        head_columns = self.group_fields.get("户主", {})
        head = {f: cell(c) for f, c in head_columns.items()}
        from_row = {"name": self.row_fields.get("head_name"),
                    "id_number": self.row_fields.get("head_id_number")}
        for f, column in from_row.items():
            if f in head:
                head[f] = pc.if_else(pc.equal(head[f], ""), cell(column), head[f])
            else:
                head[f] = cell(column)
        if "relation" not in head:
            head["relation"] = pa.array(["户主"] * columns.length, pa.string())
        for f in ("birth_date", "sex", "cert_no"):
            if f not in head and f in self.row_fields:
                head[f] = cell(self.row_fields[f])
        slots.append(("户主", head, _filled(head["name"]) | _filled(head["id_number"])))
        for group, group_columns in self.group_fields.items():
            if not group.startswith("成员"):
                continue
            member = {f: cell(c) for f, c in group_columns.items()}
            present = np.zeros(columns.length, dtype=bool)
            for f in ("name", "id_number"):
                if f in member:
                    present |= _filled(member[f])
            slots.append((group, member, present))
        return slots

    def _collect_wide(self, columns: _Columns,
                      slots: list[tuple[str, dict[str, pa.Array], np.ndarray]],
                      kept: np.ndarray, out: Extract) -> None:
        """One record per person of each kept wide household row, row by row and in slot order."""
        shared = {f: columns.text(i) if i < columns.width else columns.blank
                  for f, i in self.row_indexes
                  if f not in _PERSON_FIELDS and f not in ("head_name", "head_id_number")}
        keep = np.zeros(columns.length, dtype=bool)
        keep[kept] = True
        positions: list[np.ndarray] = []
        slot_names: list[str] = []
        for slot, _, present in slots:
            chosen = np.flatnonzero(present & keep)
            positions.append(chosen)
            slot_names.extend([slot] * len(chosen))
        everyone = np.concatenate(positions) if positions else np.zeros(0, dtype=np.int64)
        order = np.argsort(everyone, kind="stable")  # row by row, slots in order within a row
        take_rows = pa.array(everyone[order], pa.int64())
        fields = {*self.row_fields, *_PERSON_FIELDS, "head_name", "head_id_number"}
        order_list = order.tolist()
        for f in fields:
            parts = [person.get(f) if f in person else shared.get(f) for _, person, _ in slots]
            pieces = [(part if part is not None else columns.blank).take(pa.array(chosen))
                      for part, chosen in zip(parts, positions, strict=True)]
            stacked = pa.concat_arrays(pieces) if pieces else pa.array([], pa.string())
            out.values[f] = stacked.take(pa.array(order, pa.int64())).to_pylist()
        out.rows = (everyone[order] + columns.first_row_number).tolist()
        out.slots = [slot_names[i] for i in order_list]
        household = (pc.utf8_trim_whitespace(shared["household_id"]).take(take_rows).to_pylist()
                     if "household_id" in shared else [""] * len(order_list))
        name = self.sheet.name
        out.household_keys = [h or f"{self.file_id}:{name}:{row}"
                              for h, row in zip(household, out.rows, strict=True)]

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

    def _family(self, columns: _Columns, kept: pa.Array) -> pa.Table:
        """The registry's family members of the students on the kept rows (成员N, 父亲, 监护人 …),
        student by student and in column order within a student."""
        implied = self.rules.named_groups

        def cell(column: Column | None) -> pa.Array:
            array = columns.text(column.index) if column is not None else columns.blank
            return array.take(kept)

        n = len(kept)
        slots: list[str] = []
        present: list[np.ndarray] = []
        cells: dict[str, list[pa.Array]] = {"name_raw": [], "relation": [], "guardian_flag": [],
                                            "id_raw": []}

        def add(slot: str, name: pa.Array, relation: pa.Array, id_raw: pa.Array,
                guardian_flag: pa.Array) -> None:
            mask = _filled(name) | _filled(id_raw)
            slots.append(slot)
            present.append(mask)
            chosen = pa.array(mask)
            for key, array in (("name_raw", name), ("relation", relation),
                               ("guardian_flag", guardian_flag), ("id_raw", id_raw)):
                cells[key].append(array.filter(chosen))

        for group, group_columns in self.group_fields.items():
            relation = cell(group_columns.get("relation"))
            add(group, cell(group_columns.get("name")),
                pc.if_else(pc.equal(relation, ""), implied.get(group, ""), relation),
                cell(group_columns.get("id_number")), cell(group_columns.get("guardian_flag")))
        if "监护人" not in self.group_fields:
            add("监护人", cell(self.row_fields.get("guardian_name")),
                pa.array(["监护人"] * n, pa.string()), cell(self.row_fields.get("guardian_id_number")),
                columns.blank.take(kept))
        index = np.concatenate([np.flatnonzero(mask) for mask in present])
        order = pa.array(np.argsort(index, kind="stable"), pa.int64())
        slot = pa.array([s for s, mask in zip(slots, present, strict=True)
                         for _ in range(int(mask.sum()))], pa.string())
        columns_out = {key: pa.concat_arrays(arrays).take(order) for key, arrays in cells.items()}
        return pa.table({"record_index": pa.array(index, pa.int64()).take(order),
                         "slot": slot.take(order), **columns_out})


# Fields that name a person: a header with one of them heads a list of people.
_IDENTITY_FIELDS = frozenset({"name", "id_number", "head_name", "head_id_number", "student_no",
                              "cert_no"})


def _same_places(own: Mapping[int, str | None], theirs: Mapping[int, str | None]) -> bool:
    """Whether two headers put their common fields in the same columns (one may name a column
    the other does not)."""
    where = {f: i for i, f in own.items()}
    return all(own.get(i, f) == f and where.get(f, i) == i for i, f in theirs.items())


def _filled(array: pa.Array) -> np.ndarray:
    """Rows whose cell holds more than whitespace."""
    filled: np.ndarray = pc.not_equal(pc.utf8_trim_whitespace(array), "").to_numpy(
        zero_copy_only=False)
    return filled


class _Columns:
    """The rows under a sheet's header as text columns (short rows padded with ""), converted to
    Arrow on first use; cells that are not text (Excel numbers, dates) become text as Excel shows
    them (:func:`cell_text`)."""

    def __init__(self, sheet: Sheet, start: int, end: int | None = None) -> None:
        self.sheet = sheet
        self.start = start
        stop = len(sheet.rows) if end is None else min(end, len(sheet.rows))
        self.length = max(stop - start, 0)
        self.first_row_number = start + 1  # the Excel row number of the first row
        self.blank = pa.array([""] * self.length, pa.string())
        self._text: dict[int, pa.Array] = {}
        if sheet.columns is not None:  # a CSV read column-wise: no rows to transpose
            self.raw: list[tuple[object, ...]] = []
            self.width = len(sheet.columns)
            for index, column in enumerate(sheet.columns):
                self._text[index] = column.slice(start, self.length)
        else:
            self.raw = list(zip_longest(*islice(sheet.rows, start, stop), fillvalue=""))
            self.width = len(self.raw)
        self._filled: dict[int, np.ndarray] = {}

    def text(self, index: int) -> pa.Array:
        if index >= self.width:
            return self.blank
        if index not in self._text:
            raw = self.raw[index]
            try:
                array = pa.array(raw, pa.string())
            except (pa.ArrowTypeError, pa.ArrowInvalid):
                array = pa.array([v if type(v) is str else cell_text(v) for v in raw], pa.string())
            if array.null_count:
                array = array.fill_null("")
            self._text[index] = array
        return self._text[index]

    def filled(self, index: int) -> np.ndarray:
        if index not in self._filled:
            self._filled[index] = _filled(self.text(index))
        return self._filled[index]

    def any_filled(self, indexes: Iterable[int]) -> np.ndarray:
        found = np.zeros(self.length, dtype=bool)
        for index in indexes:
            if index < self.width:
                found |= self.filled(index)
        return found

    def row(self, position: int) -> list[str]:
        return self.sheet.text_row(self.start + position)

    def rows(self, positions: np.ndarray) -> list[list[str]]:
        """The rows at ``positions`` (in order) as text cells, all at once: for a CSV read
        column-wise one ``take`` per column instead of a lookup per cell."""
        if self.sheet.columns is None or not len(positions):
            return [self.row(int(position)) for position in positions]
        taken = pa.array(np.asarray(positions, dtype=np.int64) + self.start, pa.int64())
        cells = [column.take(taken).to_pylist() for column in self.sheet.columns]
        return [list(row) for row in zip(*cells, strict=True)]
