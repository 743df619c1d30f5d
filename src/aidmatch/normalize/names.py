"""Personal names as exports write them.

``normalize`` gives the form to show and store: NFKC (full-width letters → ASCII), spaces inside
a Chinese name removed (王 芳 → 王芳), every middle-dot variant unified to U+00B7 (阿依古丽•买买提 →
阿依古丽·买买提) and traditional characters simplified with OpenCC (陳 → 陈). ``key`` is what exact
comparison uses: the normalised name without dots, spaces or placeholder characters.

>>> normalize(" 王 芳 ")
'王芳'
>>> normalize("徐晓（学生）")
'徐晓'
>>> normalize("陳小龍")
'陈小龙'
>>> normalize("阿依古丽•买买提") == normalize("阿依古丽．买买提") == "阿依古丽·买买提"
True
>>> key("阿依古丽·买买提") == key("阿依古丽买买提")
True
>>> pinyin("欣怡") == pinyin("心怡")
True
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import cast

import opencc
import pyarrow as pa
import pyarrow.compute as pc
from pypinyin import Style, lazy_pinyin

from aidmatch.normalize.text import HAN_CLASS, HAN_RE, IDC_CLASS, SPACE_CLASS, ascii_lower

MIDDLE_DOT = "\u00b7"
# U+2022 •, U+30FB ・, U+FF65 ･, U+2027 ‧, U+FF0E ．(NFKC → .), U+2219 ∙, U+22C5 ⋅, U+00B7 ·, "."
_DOT_VARIANTS = "\u2022\u30fb\uff65\u2027\uff0e\u2219\u22c5\u00b7\u0387\u16eb\u2e31."
_DOT_PATTERN = "[" + re.escape(_DOT_VARIANTS) + "]+"
_SPACE_PATTERN = SPACE_CLASS + "+"
# What `key` drops: dots, spaces, digits and brackets. The placeholders typed for a character a
# system cannot store (王?芳, 王*芳, 王□芳) become one WILDCARD each: such a name is never equal to
# another, it can only be compared (see link/names.py).
WILDCARD = "?"
_KEY_DROP_PATTERN = "[" + re.escape(_DOT_VARIANTS) + SPACE_CLASS[1:-1] + r"\-0-9()（）\[\]]+"
_KEY_DROP_RE = re.compile(_KEY_DROP_PATTERN)
_PLACEHOLDER_PATTERN = r"[?？*＊□■_]"
_PLACEHOLDER_RE = re.compile(_PLACEHOLDER_PATTERN)
_DOT_RE = re.compile(_DOT_PATTERN)
_SPACE_RE = re.compile(_SPACE_PATTERN)
_IDC_RE = re.compile(IDC_CLASS + "+")
# A remark in brackets after a name (徐晓（学生）, 张三(已故)) is not part of it.
_ANNOTATION_PATTERN = r"[(（\[【][^()（）\[\]【】]*[)）\]】]"
_ANNOTATION_RE = re.compile(_ANNOTATION_PATTERN)
_TRIM = MIDDLE_DOT + " "


@functools.cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _fold(text: str) -> str:
    """NFKC, dots unified, spaces dropped inside Chinese names (kept single elsewhere)."""
    text = unicodedata.normalize("NFKC", text)
    text = _ANNOTATION_RE.sub("", text)
    text = _IDC_RE.sub(WILDCARD, text)  # a described character is a character we cannot show
    text = _DOT_RE.sub(MIDDLE_DOT, text)
    text = _SPACE_RE.sub("", text) if HAN_RE.search(text) else _SPACE_RE.sub(" ", text)
    return text.strip(_TRIM)


def normalize(raw: object) -> str:
    """The display form of a name; see the module docstring."""
    if raw is None:
        return ""
    text = _fold(str(raw))
    return _convert_all([text])[0] if text else ""


def key(name: str) -> str:
    """The comparison key of a normalised name.

    >>> key("阿依古丽·买买提"), key("王*芳"), key("Li Na")
    ('阿依古丽买买提', '王?芳', 'lina')
    """
    return ascii_lower(_PLACEHOLDER_RE.sub(WILDCARD, _KEY_DROP_RE.sub("", name)))


def pinyin(name: str) -> str:
    """Toneless pinyin of a name's key, syllables joined by spaces (catches homophones); the same
    character-by-character reading :func:`pinyin_keys` gives the linkage."""
    return pinyin_keys([key(name)], " ")[0]


def normalize_many(raw: Sequence[object] | pa.Array) -> tuple[pa.Array, pa.Array]:
    """Bulk :func:`normalize` and :func:`key`: returns (names, keys) as Arrow string arrays.

    >>> names, keys = normalize_many(["陳 小龍", None, "阿依古丽•买买提"])
    >>> names.to_pylist(), keys.to_pylist()
    (['陈小龙', '', '阿依古丽·买买提'], ['陈小龙', '', '阿依古丽买买提'])
    """
    array = raw if isinstance(raw, pa.Array) else pa.array(
        [None if v is None else str(v) for v in raw], pa.string()
    )
    # Each distinct cell once: rosters repeat the same people, families the same parents.
    encoded = pc.dictionary_encode(pc.cast(array, pa.string()).fill_null(""))
    text = pc.utf8_normalize(encoded.dictionary, "NFKC")
    text = pc.replace_substring_regex(text, _ANNOTATION_PATTERN, "")
    text = pc.replace_substring_regex(text, IDC_CLASS + "+", WILDCARD)
    text = pc.replace_substring_regex(text, _DOT_PATTERN, MIDDLE_DOT)
    has_han = pc.match_substring_regex(text, HAN_CLASS)
    text = pc.if_else(
        has_han,
        pc.replace_substring_regex(text, _SPACE_PATTERN, ""),
        pc.replace_substring_regex(text, _SPACE_PATTERN, " "),
    )
    text = pc.utf8_trim(text, _TRIM)
    names = pa.array(_convert_all(text.to_pylist()), pa.string())
    keys = pc.ascii_lower(pc.replace_substring_regex(
        pc.replace_substring_regex(names, _KEY_DROP_PATTERN, ""), _PLACEHOLDER_PATTERN, WILDCARD))
    return pc.take(names, encoded.indices), pc.take(keys, encoded.indices)


def _convert_all(unique: list[str]) -> list[str]:
    """Traditional → simplified, character by character, over all distinct characters in one
    OpenCC call. Never a whole name at once: OpenCC's phrase tables would read 沈靜 as the word
    沉静 ("calm") and turn the surname 沈 into 沉.

    >>> _convert_all(["沈靜", "陳小龍", ""])
    ['沈静', '陈小龙', '']
    """
    chars = sorted(set("".join(unique)) - {"\n"})
    if not chars:
        return list(unique)
    converted = str(_converter().convert("\n".join(chars))).split("\n")
    if len(converted) != len(chars):
        converted = [str(_converter().convert(c)) for c in chars]
    table = {ord(c): m for c, m in zip(chars, converted, strict=True) if c != m}
    return [name.translate(table) for name in unique] if table else list(unique)


@functools.lru_cache(maxsize=65536)
def _char_pinyin(char: str) -> str:
    return "".join(lazy_pinyin(char, style=Style.NORMAL, errors="default"))


def pinyin_keys(keys: Sequence[str], separator: str = "") -> list[str]:
    """Toneless pinyin of many name keys, character by character (a blocking key, a comparison).

    Each character is read in its most common reading, the same on both sides of a comparison,
    so a homophone typed for the right character gets the same key; placeholders stay ``?``.

    >>> pinyin_keys(["王欣怡", "王心怡", "张天?", ""])
    ['wangxinyi', 'wangxinyi', 'zhangtian?', '']
    >>> pinyin_keys(["王欣怡"], " ")
    ['wang xin yi']
    """
    distinct = list(dict.fromkeys(keys))
    if separator:
        unique = {k: separator.join(_char_pinyin(c) for c in k) for k in distinct}
        return [unique[k] for k in keys]
    # Without a separator a name's pinyin is its characters' readings run together: one
    # str.translate per name over a table of every character met.
    table = {ord(c): _char_pinyin(c) for c in set("".join(distinct))}
    readings = dict(zip(distinct, (k.translate(table) for k in distinct), strict=True))
    return [readings[k] for k in keys]


# Surnames whose reading as a surname is not the character's common one (单 shàn, not dān):
# a roster sorts 单丽 among the S.
_SURNAME_READINGS = {
    "单": "shan4", "曾": "zeng1", "解": "xie4", "仇": "qiu2", "朴": "piao2", "区": "ou1",
    "查": "zha1", "盖": "ge3", "乐": "yue4", "尉": "yu4", "缪": "miao4", "繁": "po2", "覃": "qin2",
    "翟": "zhai2", "种": "chong2", "员": "yun4", "万": "wan4", "长": "chang2", "沈": "shen3",
    "便": "pian2", "秘": "bi4", "折": "she2", "召": "shao4", "蕃": "pi2", "那": "na1",
}


# pypinyin takes a list from its ``errors`` callback (one item each); its stubs say str.
_one_per_character = cast(Callable[[str], str], list)


def roster_key(name: str) -> tuple[tuple[str, int], ...]:
    """How a Chinese roster sorts a name: character by character, by the syllable's letters,
    then its tone (1–4, neutral 5), then the character itself; the first character read as a
    surname. Other characters (·, Latin letters) sort by themselves, lowercase.

    >>> sorted(["张伟", "李娜", "王芳", "安然", "单丽", "曾凡"], key=roster_key)
    ['安然', '李娜', '单丽', '王芳', '曾凡', '张伟']
    >>> roster_key("李娜") < roster_key("黎明")  # lǐ after lí
    False
    """
    readings = lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True,
                           errors=_one_per_character)
    if len(readings) != len(name):  # a phrase read as one item: fall back to one per character
        readings = [lazy_pinyin(c, style=Style.TONE3, neutral_tone_with_five=True,
                                errors=_one_per_character)[0] for c in name]
    if name and name[0] in _SURNAME_READINGS:
        readings[0] = _SURNAME_READINGS[name[0]]
    key = []
    for char, reading in zip(name, readings, strict=True):
        if reading[-1:].isdigit() and reading != char:
            key.append((reading[:-1], int(reading[-1])))
        else:
            key.append((reading.lower(), 0))
        key.append((char, 9))
    return tuple(key)
