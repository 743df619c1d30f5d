"""The SQL vocabulary: every condition, label mapping and join rule that more than one step
uses, once, as a small function returning a SQL fragment.

A step that needs "a name usable as a key" or "a code shown as its Chinese label" says so by
name instead of restating the text (style: one predicate, one place). Values that come from the
rules (thresholds, word lists) never appear here or in any step's text: they are parameters.

>>> usable_name("r.name_key")
"(r.name_key <> '' AND NOT contains(r.name_key, '?'))"
>>> labels_case("k", {"a": "甲", "b": "O'Brien"})
"CASE k WHEN 'a' THEN '甲' WHEN 'b' THEN 'O''Brien' ELSE k END"
>>> labels_case("k", {"a": "甲"}, keep_others=False)
"CASE k WHEN 'a' THEN '甲' END"
>>> boarding_label("s.boarding")
"CASE s.boarding WHEN true THEN '住校' WHEN false THEN '走读' ELSE '' END"
"""

from __future__ import annotations

from collections.abc import Mapping

# The name agreement levels (link/features.py, link/names.py) that do not contradict a pairing:
# the same name, a homophone, a placeholder for a rare character, a similar name, or no name.
NAME_LEVELS_AGREE: tuple[str, ...] = ("same", "homophone", "wildcard", "similar", "unknown")

# An 18-character ID's shape (17 digits and a digit or X), checksum or not.
ID18_PATTERN = "[0-9]{17}[0-9X]"


def quoted(text: str) -> str:
    """A SQL string literal: ``text`` in single quotes, any quote in it doubled."""
    return "'" + text.replace("'", "''") + "'"


def quoted_list(values: tuple[str, ...] | list[str]) -> str:
    """``'a', 'b'``: the values as a list of literals (for ``IN (...)``)."""
    return ", ".join(quoted(v) for v in values)


def labels_case(column: str, labels: Mapping[str, str], keep_others: bool = True) -> str:
    """SQL: ``column``'s code shown as its label; a code without one shows as it is (NULL
    unless ``keep_others``). Labels are escaped: a quote in one cannot break the statement."""
    whens = " ".join(f"WHEN {quoted(code)} THEN {quoted(label)}" for code, label in labels.items())
    return f"CASE {column} {whens}" + (f" ELSE {column} END" if keep_others else " END")


def usable_name(column: str = "name_key") -> str:
    """A normalised name usable as a key: not empty, no placeholder (?) for a rare character."""
    return f"({column} <> '' AND NOT contains({column}, '?'))"


def usable_name_or_null(column: str) -> str:
    """The name when :func:`usable_name`, else NULL."""
    return f"CASE WHEN {usable_name(column)} THEN {column} END"


def is_id18(column: str) -> str:
    """The text has an 18-character ID's shape (checksum not checked)."""
    return f"regexp_full_match({column}, '{ID18_PATTERN}')"


def person_key(alias: str = "") -> str:
    """A registry row's person: its valid ID, else its 学籍号, else the row itself."""
    a = f"{alias}." if alias else ""
    return f"coalesce({a}id, 'XJH:' || {a}student_no, 'REC:' || {a}record_id)"


def listed_person(alias: str = "") -> str:
    """One person on a roster however many rows name them: the ID, else the name, else the row
    (a wide row's 户主 repeated as 成员1 本人 is one person)."""
    a = f"{alias}." if alias else ""
    return f"coalesce({a}id, nullif({a}name_key, ''), CAST({a}record_id AS VARCHAR))"


def relation_word(column: str) -> str:
    """A relation written as a whole word, without a leading 之 (之子 → 子); blank → ''."""
    return f"ltrim(coalesce({column}, ''), '之')"


# A child's relation word that says the child's sex (之子, 孙女, 外孙 …), compared whole after a
# leading 之; 妻子 and the other adults' words say nothing here.
RELATION_MALE = "(儿|长|次|三|四|养|继|孙|外孙|侄|长孙|次孙)?子|儿子|孙|外孙|外甥"
RELATION_FEMALE = "(长|次|三|四|养|继|孙|外孙|侄|长孙|次孙|外甥)?女|女儿"


def relation_sex(column: str) -> str:
    """The sex (男/女) a roster row's relation word says; NULL when it says none.

    >>> relation_sex("r.relation").count("regexp_full_match")
    2
    """
    word = relation_word(column)
    return (f"CASE WHEN regexp_full_match({word}, {quoted(RELATION_MALE)}) THEN '男' "
            f"WHEN regexp_full_match({word}, {quoted(RELATION_FEMALE)}) THEN '女' END")


def digits_apart(left: str, right: str) -> str:
    """How many positions two ID strings differ in; unequal lengths count as far apart.

    Written with list functions rather than DuckDB's ``hamming``, which raises on unequal
    lengths even inside a CASE the optimiser has rewritten into a join. Characters by
    ``substring`` and the list's size by ``array_length``: both mean the same on Spark
    (:mod:`aidmatch.spark.dialect`), where ``s[i]`` and ``len(list)`` do not.
    """
    return (f"(CASE WHEN length({left}) = length({right}) THEN "
            f"array_length(list_filter(range(1, length({left}) + 1), "
            f"lambda i: substring({left}, i, 1) <> substring({right}, i, 1))) ELSE 99 END)")


def source_text(alias: str) -> str:
    """Where a record came from, as the outputs show it: 文件「工作表」第N行（位置）."""
    r = alias
    return (f"{r}.file || CASE WHEN {r}.sheet <> '' THEN '「' || {r}.sheet || '」' ELSE '' END"
            f" || '第' || {r}.row || '行'"
            f" || CASE WHEN {r}.slot <> '' THEN '（' || {r}.slot || '）' ELSE '' END")


def with_detail(text: str, detail: str) -> str:
    """``text（detail）``, or ``text`` alone when the detail is NULL."""
    return f"{text} || CASE WHEN {detail} IS NOT NULL THEN '（' || {detail} || '）' ELSE '' END"


def boarding_label(column: str) -> str:
    """就读方式 as the outputs show it: 住校, 走读, or blank when the registry does not say."""
    return f"CASE {column} WHEN true THEN '住校' WHEN false THEN '走读' ELSE '' END"


def yuan(amount: str) -> str:
    """A DECIMAL amount as people write it: 312.5, 375."""
    return f"rtrim(rtrim(CAST(CAST({amount} AS DECIMAL(14, 2)) AS VARCHAR), '0'), '.')"


def expected_programme_match(programme: str = "p", student: str = "s",
                             groups: str = "sg.groups") -> str:
    """The join of a student, their key groups (``groups``: a list expression) and a programme of
    ``expected_programmes``: the student's 学段; 就读方式 where the programme depends on it; one
    of the programme's key groups if it names any.

    An unknown 就读方式 counts as 走读: the rate every student of the stage gets. 住校 (the
    higher rate) needs the registry to say so; what a student is *paid* is never judged by this
    reading — an unknown 就读方式 contradicts no payment (:func:`contradicts_boarding`).
    """
    p = programme
    return (f"{p}.stage = {student}.stage"
            f" AND ({p}.boarding IS NULL OR {p}.boarding = coalesce({student}.boarding, false))"
            f" AND (array_length({p}.groups) = 0 OR list_has_any({p}.groups, {groups}))")


def expected_programmes_per_student(groups_from: str, where: str = "") -> str:
    """A SELECT of ``student_id``, ``programmes`` (labels, 「金额按当地标准」 where set locally) and
    ``amount``: what ``expected_programmes`` gives each student of ``groups_from`` (a table or
    CTE with ``student_id`` and ``groups``), optionally narrowed by ``where``."""
    return f"""
        SELECT s.student_id,
               string_agg(p.label || CASE WHEN p.amount IS NULL THEN '（金额按当地标准）' ELSE '' END,
                          '；' ORDER BY p.sort_order) AS programmes,
               sum(p.amount) AS amount
        FROM students s JOIN {groups_from} sg USING (student_id)
        JOIN expected_programmes p ON {expected_programme_match()}
        {where}
        GROUP BY s.student_id"""


def contradicts_boarding(programme: str = "e", student: str = "s") -> str:
    """A paid programme is for the other 就读方式 than the registry's: only when both are known
    (a blank 就读方式 is no evidence against the school that paid)."""
    return (f"({programme}.boarding IS NOT NULL AND {student}.boarding IS NOT NULL"
            f" AND {programme}.boarding <> {student}.boarding)")


__all__ = [
    "ID18_PATTERN", "NAME_LEVELS_AGREE", "boarding_label", "contradicts_boarding", "digits_apart",
    "expected_programme_match", "expected_programmes_per_student", "is_id18", "labels_case",
    "listed_person", "person_key", "quoted",
    "quoted_list", "relation_sex", "relation_word", "source_text", "usable_name", "usable_name_or_null",
    "with_detail", "yuan",
]
