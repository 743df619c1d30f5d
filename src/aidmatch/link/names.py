"""Name agreement between two records, scored in bulk.

Levels, from the strongest: ``same`` (equal after normalisation: spaces, traditional characters
and middle dots already folded), ``homophone`` (same toneless pinyin: 欣怡/心怡), ``wildcard`` (equal
but for placeholders typed for a rare character: 张天? / 张天煊), ``similar``
(character or pinyin similarity at least the rules' threshold), ``different``.
A record without a name is ``unknown``: it neither supports nor contradicts a link.

>>> score_pairs(["王芳", "王子涵", "张伟", "欣怡", "", "张天?"],
...             ["王芳", "王子轩", "李娜", "心怡", "王芳", "张天煊"])[1]
['same', 'similar', 'different', 'homophone', 'unknown', 'wildcard']
>>> score_pairs(["张天?"], ["张天"])   # a placeholder is a character: lengths differ
([0.818], ['similar'])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz, process

from aidmatch.normalize import names as name_rules
from aidmatch.normalize.names import WILDCARD

HOMOPHONE_SCORE = 0.95
WILDCARD_SCORE = 0.9
UNKNOWN_SCORE = 0.5
SIMILAR_THRESHOLD = 0.5


def _wildcard_equal(left: str, right: str) -> bool:
    """Equal length and equal characters wherever neither side has a placeholder."""
    if (WILDCARD not in left and WILDCARD not in right) or len(left) != len(right):
        return False
    return all(x == y or WILDCARD in (x, y) for x, y in zip(left, right, strict=True))


def score_pairs(left: Sequence[str], right: Sequence[str],
                similar_threshold: float = SIMILAR_THRESHOLD) -> tuple[list[float], list[str]]:
    """Scores in [0, 1] and agreement levels for aligned name keys."""
    n = len(left)
    if n == 0:
        return [], []
    a = np.array(left, dtype=object)
    b = np.array(right, dtype=object)
    scores = np.zeros(n)
    levels = np.full(n, "different", dtype=object)
    has_wildcard = np.array([WILDCARD in x or WILDCARD in y for x, y in zip(a, b, strict=True)],
                            dtype=bool)
    same = (a == b) & ~has_wildcard
    empty = (a == "") | (b == "")
    scores[same] = 1.0
    levels[same] = "same"
    todo = np.flatnonzero(~same & ~empty)
    if len(todo):
        chars = process.cpdist(list(a[todo]), list(b[todo]), scorer=fuzz.ratio, workers=-1) / 100
        pinyin_a = name_rules.pinyin_keys(list(a[todo]), " ")
        pinyin_b = name_rules.pinyin_keys(list(b[todo]), " ")
        homophone = np.array([pa == pb and pa != "" for pa, pb in zip(pinyin_a, pinyin_b,
                                                                       strict=True)])
        sounds = process.cpdist(pinyin_a, pinyin_b, scorer=fuzz.ratio, workers=-1) / 100
        best = np.maximum(chars, sounds * 0.9)
        best = np.where(homophone, HOMOPHONE_SCORE, best)
        wildcard = np.array([_wildcard_equal(x, y) for x, y in zip(a[todo], b[todo], strict=True)])
        best = np.where(wildcard & ~homophone, WILDCARD_SCORE, best)
        scores[todo] = best
        levels[todo] = np.where(
            homophone, "homophone",
            np.where(wildcard, "wildcard",
                     np.where(best >= similar_threshold, "similar", "different")))
    unknown = empty & ~same
    scores[unknown] = UNKNOWN_SCORE
    levels[unknown] = "unknown"
    return [round(float(s), 3) for s in scores], [str(x) for x in levels]
