"""Character classes shared by the scalar (Python ``re``) and bulk (Arrow RE2) normalisers.

RE2's ``\\s`` and ``\\d`` are ASCII only while Python's are Unicode, so every class here is
spelled out with literal characters: both engines then mean the same thing.
"""

from __future__ import annotations

import re

# Whitespace beyond ASCII, as Python's str.split() knows it, plus zero-width characters.
UNICODE_SPACES = "\x85\xa0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
SPACE_CLASS = r"[\s\x00-\x1f\x7f" + UNICODE_SPACES + "]"
# Han characters: CJK radicals, 々 〇 〡-〩, extension A, the main block, compatibility
# ideographs, extensions B and beyond.
HAN_CLASS = ("[\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff"
             "\uf900-\ufaff\U00020000-\U0003134f]")
# Ideographic description characters (⿰木昆 describes one rare character in three code points).
IDC_CLASS = "[\u2ff0-\u2fff]"

HAN_RE = re.compile(HAN_CLASS)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def ascii_lower(text: str) -> str:
    """Lower-case ASCII letters only (Arrow's ``ascii_lower``); other scripts stay as they are."""
    return text.translate(_ASCII_LOWER)


def ascii_upper(text: str) -> str:
    """Upper-case ASCII letters only (Arrow's ``ascii_upper``): x → X, e → E, ß stays ß."""
    return text.translate(_ASCII_UPPER)
