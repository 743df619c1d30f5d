"""The Excel VLOOKUP baseline: what a careful clerk gets by looking up the ID column.

It feeds the same engine with what VLOOKUP sees: the ID cell's text exactly as typed (no
trimming, no full-width folding, no check digit), rows whose ID is shorter than 15 characters
dropped (a common clerk's script), and no other evidence (no 学籍号, names, birth dates or
schools). Used only to measure how much the real linkage adds
(:mod:`aidmatch.bench.linkers`).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def _as_vlookup_sees(table: pa.Table, keep_student_no: bool) -> pa.Table:
    raw = pc.cast(table.column("id_raw"), pa.string()).fill_null("")
    usable = pc.greater_equal(pc.utf8_length(raw), 15)
    ids = pc.if_else(usable, raw, pa.scalar(None, pa.string()))
    replacements: dict[str, pa.Array | pa.ChunkedArray] = {
        "id": ids,
        "id_status": pc.if_else(usable, pa.scalar("valid"), pa.scalar("blank")),
        "id_prefix": pa.nulls(table.num_rows, pa.string()),
        "name_key": pa.array([""] * table.num_rows, pa.string()),
    }
    if "birth_date" in table.column_names:
        replacements["birth_date"] = pa.nulls(table.num_rows, pa.date32())
    if "school" in table.column_names:
        replacements["school"] = pa.nulls(table.num_rows, pa.string())
    if "student_no" in table.column_names and not keep_student_no:
        replacements["student_no"] = pa.nulls(table.num_rows, pa.string())
    for name, values in replacements.items():
        table = table.set_column(table.column_names.index(name), name, values)
    return table


def vlookup_records(records: pa.Table) -> pa.Table:
    """Records as a VLOOKUP on the ID column sees them (registry 学籍号 kept only to tell
    students apart, never used to match)."""
    is_registry = pc.equal(records.column("source"), "registry")
    registry = _as_vlookup_sees(records.filter(is_registry), keep_student_no=True)
    others = _as_vlookup_sees(records.filter(pc.invert(is_registry)), keep_student_no=False)
    return pa.concat_tables([registry, others]).sort_by("record_id")


def vlookup_family(family: pa.Table) -> pa.Table:
    return _as_vlookup_sees(family, keep_student_no=False)


def as_vlookup_sees(records: pa.Table, family: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The loaded records and registry family rows as the VLOOKUP baseline feeds them to the
    engine (``prepare`` of :func:`aidmatch.pipeline.reconcile`)."""
    return vlookup_records(records), vlookup_family(family)
