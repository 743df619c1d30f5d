"""学籍系统: the student registry, the base every other roster is compared with.

Each row is a student enrolment: 学籍号, ID, 学籍状态 (在读/休学/转出/毕业), 就读方式 (走读/住校),
年级, 班级, 学校. The registry's family-member columns (成员1姓名, 成员1关系, 成员1身份证件号 …, or
监护人姓名/监护人身份证号) become family records: they tie a student to a parent on a roster.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pyarrow as pa
import pyarrow.compute as pc

from aidmatch.config import Programmes
from aidmatch.normalize import ids, names
from aidmatch.sources.base import (
    FAMILY_SCHEMA,
    FinishContext,
    SourceSystem,
    clean_texts,
)
from aidmatch.sources.extract import Extract

_PLAIN_GRADES = ("一年级", "二年级", "三年级", "1年级", "2年级", "3年级")
# A county or district name at the start of a school name (丹凤县龙驹寨小学) or inside a title or
# file name (商南县2025年学籍数据): two or three characters and 县 or 区.
_COUNTY_AT_START = re.compile(r"^([\u4e00-\u9fff]{2,3}?[县区])")
_COUNTY_ANYWHERE = re.compile(r"([\u4e00-\u9fff]{2,3}?[县区])")


def county_from_text(text: str, anywhere: bool) -> str | None:
    """A county named in a school name (at its start) or a title/file name (anywhere).

    >>> county_from_text("丹凤县龙驹寨镇中心小学", anywhere=False)
    '丹凤县'
    >>> county_from_text("商南县2025年学籍数据", anywhere=True)
    '商南县'
    >>> county_from_text("商洛市第一中学", anywhere=False) is None
    True
    """
    match = (_COUNTY_ANYWHERE.search if anywhere else _COUNTY_AT_START.match)(text or "")
    return match.group(1) if match else None


def _contains_any(text: str, words: tuple[str, ...]) -> bool:
    return bool(text) and any(word in text for word in words)


def stage_of(stage_text: str, grade: str, school: str, rules: Programmes) -> str | None:
    """The 学段 of a student from the registry's 学段, 年级 and school name.

    The 学段 column wins; then the grade, except that a plain 一年级 in a vocational or senior
    school is that school's stage.
    """
    order = rules.stage_match_order
    stages = rules.stages
    stage_text = unicodedata.normalize("NFKC", stage_text or "").replace(" ", "")
    grade = unicodedata.normalize("NFKC", grade or "").replace(" ", "")
    school = unicodedata.normalize("NFKC", school or "").replace(" ", "")
    for name in order:
        stage = stages[name]
        if stage_text and (name in stage_text or _contains_any(stage_text, stage.school_words)
                           or _contains_any(stage_text, stage.grades)):
            return name
    grade_stage = next((n for n in order if _contains_any(grade, stages[n].grades)), None)
    school_stage = next((n for n in order if _contains_any(school, stages[n].school_words)), None)
    if grade_stage and school_stage and grade_stage != school_stage and grade in _PLAIN_GRADES:
        return school_stage
    return grade_stage or school_stage


def boarding_of(text: str, rules: Programmes) -> bool | None:
    """True for 住校, False for 走读, None when the cell says neither."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return None
    if _contains_any(value, rules.day_words):
        return False
    if _contains_any(value, rules.boarding_words):
        return True
    return None


class RegistrySystem(SourceSystem):
    kind = "registry"

    def specific(self, extract: Extract, context: FinishContext,
                 columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
        v = extract.values
        n = len(extract)
        blank = [""] * n
        programmes = context.rules.programmes
        cached_stage = functools.lru_cache(maxsize=None)(
            lambda s, g, sc: stage_of(s, g, sc, programmes))
        stage = [
            cached_stage(s, g, sc)
            for s, g, sc in zip(v.get("stage", blank), v.get("grade", blank),
                                v.get("school", blank), strict=True)
        ]
        cached_boarding = functools.lru_cache(maxsize=None)(lambda b: boarding_of(b, programmes))
        context_county = (county_from_text(extract.layout.title, anywhere=True)
                          or county_from_text(extract.sheet.name, anywhere=True)
                          or county_from_text(extract.sheet.file.stem, anywhere=True))
        counties = columns["county"].to_pylist()
        schools = columns["school"].to_pylist()
        county = [
            stated or county_from_text(school or "", anywhere=False) or context_county
            for stated, school in zip(counties, schools, strict=True)
        ]
        return {
            "county": pa.array(county, pa.string()),
            "status": _statuses(v.get("status"), n),
            "stage": pa.array(stage, pa.string()),
            "boarding": pa.array([cached_boarding(b) for b in v.get("boarding", blank)],
                                 pa.bool_()),
        }

    def family(self, extract: Extract) -> pa.Table:
        found = extract.family
        if found is None or not found.num_rows:
            return FAMILY_SCHEMA.empty_table()
        name_raw = found.column("name_raw").combine_chunks()
        id_raw = found.column("id_raw").combine_chunks()
        norm_names, keys = names.normalize_many(name_raw)
        classified = ids.classify_many(id_raw)
        return pa.table(
            {
                "record_index": found.column("record_index").combine_chunks(),
                "slot": found.column("slot").combine_chunks(),
                "name_raw": name_raw,
                "name": norm_names,
                "name_key": keys,
                "relation": clean_texts(found.column("relation").combine_chunks()),
                "guardian_flag": clean_texts(found.column("guardian_flag").combine_chunks()),
                "id_raw": id_raw,
                "id_status": classified.column("id_status").combine_chunks(),
                "id": classified.column("id").combine_chunks(),
                "id_prefix": classified.column("id_prefix").combine_chunks(),
                "id_compact": classified.column("id_compact").combine_chunks(),
                "birth_date": classified.column("birth_date").combine_chunks(),
            },
            schema=FAMILY_SCHEMA,
        )


def _statuses(cells: list[str] | None, n: int) -> pa.Array:
    """学籍状态 as written. A blank cell in a column that has statuses is "" (not written, so not
    confirmed 在读); without the column, or with a column left wholly blank, it is null (the
    export is a list of enrolled students)."""
    if cells is None:
        return pa.nulls(n, pa.string())
    statuses = clean_texts(cells)
    if statuses.null_count == len(statuses):
        return statuses
    return pc.fill_null(statuses, "")

