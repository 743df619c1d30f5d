"""居民身份证号 (GB 11643-1999) as it arrives in hand-kept spreadsheets.

An 18-character number is a 6-digit region code, an 8-digit birth date, a 3-digit sequence (odd
for men) and an ISO 7064 MOD 11-2 check character (``X`` for 10). Old 15-digit numbers omit the
century and the check character. Exports damage them in known ways; every value is put in one of
these classes (:data:`STATUS_LABELS` gives the Chinese names):

``valid``           a valid 18-digit number (15-digit numbers are upgraded; a 残疾人证号 is cut to
                    its first 18 characters)
``bad_checksum``    18 characters whose check character does not fit (a typo or a swap)
``precision_lost``  the number went through an Excel number cell: ``6.11022E+17`` or
                    ``611022199001011000``; only the leading digits are real, the rest is never
                    guessed
``bad_date``        18 characters whose birth-date part is not a date
``wrong_length``    digits, but not 15 or 18 of them
``bad_format``      other characters
``blank``           nothing
``other_person``    (set by the loaders, not here) the row's own guardian or 户主 ID typed in the
                    person's ID cell: valid, but someone else's

Scalar functions follow python-stdnum's interface (``compact``, ``validate``, ``is_valid``,
``format``) and reuse ``stdnum.cn.ric`` for the check character:

>>> compact(" '６１０１０２ 19900101 123x ")
'61010219900101123X'
>>> classify("6.11022E+17").status, classify("6.11022E+17").known_prefix
('precision_lost', '611022')
>>> classify("610102900101123").value        # 15 digits upgraded
'610102199001011231'
>>> classify("61010219900101123X").status
'bad_checksum'
>>> classify("61010219900101123142").value   # a disability certificate number
'610102199001011231'
>>> mask("610102199001011231")
'6101**********1231'

:func:`classify_many` does the same for a whole column at once (Arrow and NumPy, no Python loop
per value); the tests check that both agree on arbitrary input.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from aidmatch.normalize.text import UNICODE_SPACES, ascii_upper

STATUS_LABELS: dict[str, str] = {
    "valid": "有效",
    "bad_checksum": "校验位错误",
    "precision_lost": "精度丢失（曾存为数字）",
    "bad_date": "出生日期无效",
    "wrong_length": "位数错误",
    "bad_format": "含非法字符",
    "blank": "空白",
    "other_person": "是同一行监护人或户主的证件号",
}

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
# Whitespace of every kind, quotes and the apostrophe Excel users type to force text.
# Literal zero-width characters keep the pattern valid for both Python's re and Arrow's RE2.
_STRIP_PATTERN = r"[\s\x00-\x1f\x7f" + UNICODE_SPACES + r"'\"`‘’“”]+"
_STRIP_RE = re.compile(_STRIP_PATTERN)
_SCIENTIFIC_PATTERN = r"^([0-9])(?:\.([0-9]+))?E\+?([0-9]{1,2})$"
_SCIENTIFIC_RE = re.compile(_SCIENTIFIC_PATTERN)
_EARLIEST_BIRTH_YEAR = 1900


@dataclass(frozen=True)
class IdInfo:
    """What one ID cell says."""

    status: str
    value: str  # the valid 18-character number, or "" when not valid
    compact: str  # the cleaned text, whatever its status
    known_prefix: str  # the leading characters that can be trusted
    birth_date: dt.date | None
    sex: str  # 男 / 女 / ""

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"


def compact(number: object) -> str:
    """Clean an ID cell: NFKC (full-width → ASCII), no whitespace or quotes, upper-case X."""
    if number is None:
        return ""
    text = str(number)
    if text.isascii() and text.isalnum():  # already clean: NFKC and stripping change nothing
        return text.upper()
    # Strip, normalise, strip again: NFKC can turn a character into spaces, and removing a
    # space can bring a combining mark next to a letter.
    text = _STRIP_RE.sub("", unicodedata.normalize("NFKC", text))
    text = _STRIP_RE.sub("", unicodedata.normalize("NFKC", text))
    return ascii_upper(text)


def validate(number: object) -> str:
    """Return the valid 18-character number or raise a python-stdnum ``ValidationError``.

    >>> validate("110105491231002")
    '11010519491231002X'
    >>> validate("110105194912310021")
    Traceback (most recent call last):
    ...
    stdnum.exceptions.InvalidChecksum: The number's checksum or check digit is invalid.
    """
    info = classify(number)
    if info.is_valid:
        return info.value
    if info.status == "bad_checksum":
        raise InvalidChecksum()
    if info.status in ("wrong_length", "blank"):
        raise InvalidLength()
    if info.status == "bad_date":
        raise InvalidComponent()
    raise InvalidFormat()


def is_valid(number: object) -> bool:
    return classify(number).is_valid


def format(number: object) -> str:
    """The compact 18-character form (IDs are written without separators)."""
    return validate(number)


def mask(number: object) -> str:
    """Hide the middle of an ID for anything that leaves the county or goes to a log.

    >>> mask("11010519491231002X")
    '1101**********002X'
    >>> mask("6.11022E+17")
    '6.**********'
    >>> mask("")
    ''
    """
    text = compact(number)
    if not text:
        return ""
    if len(text) == 18:
        return text[:4] + "*" * 10 + text[-4:]
    keep = 4 if len(text) >= 12 else min(2, len(text) // 2)
    return text[:keep] + "*" * 10


def mask_student_no(number: object) -> str:
    """Hide the ID inside a 学籍号 (G/J/L + an ID or ID-like code), keeping the letter.

    >>> mask_student_no("G11010519491231002X")
    'G1101**********002X'
    >>> mask_student_no("L2025000123")
    'L20**********'
    >>> mask_student_no("")
    ''
    """
    text = compact(number)
    if text[:1].isalpha() and len(text) > 1:
        return text[0] + mask(text[1:])
    return mask(text)


# Anything in free text that could be a person's number, in every form :func:`compact` reads as
# one — and in the forms people write by hand besides: 14 or more digits (an ID, an old 15-digit
# ID, a 残疾人证号), optionally after a 学籍号 letter and ending in X, the digits ASCII or any
# character NFKC folds into one (full-width ６, superscript ², circled ①, mathematical 𝟔), the
# groups joined by up to two spaces, tabs, line breaks, quotes or zero-width characters, or by a
# dash or underscore; or an ID Excel turned into a number with enough digits left to identify
# someone (6.11022199001011E+17). Digits joined by separators are only masked when some 15 or 18
# of them in a row carry a birth date where an ID does (a list of counts "1200 300 290 10 96" is
# not an ID); a run without separators always is. tests/test_printing.py checks the classes
# against NFKC, Python's and Arrow's (whose newer tables fold the outlined digits U+1CCF0…).
ID_DIGITS = ("0-9\u00b2\u00b3\u00b9\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u24ea"
             "\uff10-\uff19\U0001ccf0-\U0001ccf9\U0001d7ce-\U0001d7ff\U0001fbf0-\U0001fbf9")
ID_X = ("Xx\u02e3\u2093\u2169\u2179\u24cd\u24e7\uff38\uff58\U0001cced\U0001f147"
        + "".join(chr(c) for c in range(0x1D417, 0x1D6A2, 26)))
_LETTERS = "GJLgjl\uff27\uff2a\uff2c\uff47\uff4a\uff4c"
_JOIN = "[\\s\\x00-\\x1f\\x7f" + UNICODE_SPACES + "'\"`‘’“”]"
_DASH = "[-_\u2010-\u2015\u2212\ufe63\uff0d\uff3f]"
_GAP = f"(?:{_JOIN}{{1,2}}|{_JOIN}?{_DASH}{_JOIN}?)"
_D = f"[{ID_DIGITS}]"
_ID_IN_TEXT_RE = re.compile(
    f"(?<!{_D})(?:[{_LETTERS}]{_GAP}?)?{_D}(?:{_GAP}?{_D}){{13,}}(?:{_GAP}?[{ID_X}]{_D}{{0,2}})?"
    f"(?!{_D})"
    f"|{_D}[.．]{_D}{{9,}}[EeＥｅ][+＋]?{_D}{{1,2}}"
)
_KEEP_RE = re.compile(f"[{_LETTERS}{ID_DIGITS}{ID_X}.．EeＥｅ+＋]")
_HEX = frozenset("0123456789abcdefABCDEF")


_DATE_RE = re.compile(r"(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])")


def _has_birth_date(digits: str) -> bool:
    """Is there an 18-digit (YYYYMMDD at 6) or 15-digit (YYMMDD at 6) ID shape in ``digits``?"""
    for i in range(len(digits) - 14):
        if len(digits) - i >= 17 and _DATE_RE.fullmatch(digits, i + 6, i + 14):
            return True
        if _DATE_RE.fullmatch("19" + digits[i + 6:i + 12]):
            return True
    return False


def _masked(match: re.Match[str]) -> str:
    found = match.group(0)
    kept = "".join(_KEEP_RE.findall(found))
    if kept != found and not _has_birth_date(
            unicodedata.normalize("NFKC", "".join(re.findall(_D, found)))):
        return found  # separated numbers that are no ID
    text, start, end = match.string, match.start(), match.end()
    if all(c in _HEX for c in found):  # part of a hex digest (a file's SHA-256), not a number
        while start > 0 and text[start - 1] in _HEX:
            start -= 1
        while end < len(text) and text[end] in _HEX:
            end += 1
        token = text[start:end]
        if len(token) >= 32 and not token.isdigit():
            return found
    return mask_student_no(kept)


def redact(text: str) -> str:
    """Mask every ID-like number in a message or log line (the last line of defence: code that
    puts an ID in a message on purpose masks it itself).

    >>> redact("第 3 行的 11010519491231002X 与 G11010519491231002X 不一致，金额 375")
    '第 3 行的 1101**********002X 与 G1101**********002X 不一致，金额 375'
    >>> redact("6.11022199001011E+17 在 2025-03-01")
    '6.11********** 在 2025-03-01'
    >>> redact("王芳 611023 20110210 2535.xlsx、６１１０２３２０１１０２１０２５３５、611023-20110210-253x")
    '王芳 6110**********2535.xlsx、6110**********2535、6110**********253X'
    """
    return _ID_IN_TEXT_RE.sub(_masked, text)


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for 17 digits (python-stdnum computes it)."""
    return str(ric.calc_check_digit(first17 + "0"))


def _birth_date(digits8: str) -> dt.date | None:
    try:
        day = dt.date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        return None
    if day.year < _EARLIEST_BIRTH_YEAR or day > dt.date.today():
        return None
    return day


def _sex(value18: str) -> str:
    return "男" if int(value18[16]) % 2 == 1 else "女"


def classify(number: object) -> IdInfo:
    """Classify one ID cell; see the module docstring for the classes."""
    text = compact(number)
    if not text:
        return IdInfo("blank", "", "", "", None, "")
    scientific = _SCIENTIFIC_RE.match(text)
    if scientific:
        return _precision_lost_from_scientific(text, scientific)
    if re.fullmatch(r"[0-9]{15}", text):
        upgraded17 = text[:6] + "19" + text[6:15]
        born = _birth_date(upgraded17[6:14])
        if born is None:
            return IdInfo("bad_date", "", text, text[:6], None, "")
        value = upgraded17 + check_character(upgraded17)
        return IdInfo("valid", value, text, value, born, _sex(value))
    if len(text) > 18 and re.fullmatch(r"[0-9]{17}[0-9X]", text[:18]):
        head = classify(text[:18])
        if head.is_valid:
            return IdInfo("valid", head.value, text, head.known_prefix, head.birth_date, head.sex)
    if re.fullmatch(r"[0-9]{17}[0-9X]", text):
        born = _birth_date(text[6:14])
        if text[17] == check_character(text[:17]):
            if born is None:
                return IdInfo("bad_date", "", text, text[:6], None, "")
            return IdInfo("valid", text, text, text, born, _sex(text))
        if text.endswith("000"):
            return IdInfo("precision_lost", "", text, text[:15], _birth_date(text[6:14]), "")
        if born is None:
            return IdInfo("bad_date", "", text, text[:6], None, "")
        return IdInfo("bad_checksum", "", text, "", born, "")
    if re.fullmatch(r"[0-9]+", text):
        return IdInfo("wrong_length", "", text, "", None, "")
    return IdInfo("bad_format", "", text, "", None, "")


def _precision_lost_from_scientific(text: str, match: re.Match[str]) -> IdInfo:
    lead, fraction, exponent = match.group(1), match.group(2) or "", int(match.group(3))
    digits = lead + fraction
    if exponent + 1 != 18 or len(digits) > 18:
        return IdInfo("wrong_length" if exponent + 1 != 18 else "bad_format", "", text, "", None, "")
    prefix = digits[:15]
    born = _birth_date(prefix[6:14]) if len(prefix) >= 14 else None
    return IdInfo("precision_lost", "", text, prefix, born, "")


# ---------------------------------------------------------------------------------------------
# Bulk classification: the same rules over a whole column, vectorised.


def _fixed_width_bytes(array: pa.StringArray, width: int) -> np.ndarray:
    """View a string array whose values all have ``width`` bytes as an (n, width) uint8 matrix."""
    if len(array) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    array = pc.cast(array, pa.string())  # a fresh, unsliced copy keeps offsets simple
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    start = int(offsets[0])
    return data[start : start + width * len(array)].reshape(len(array), width)


def _check_chars(digits17: np.ndarray) -> np.ndarray:
    total = (digits17.astype(np.int64) * _WEIGHTS).sum(axis=1) % 11
    return np.asarray(_CHECK_CHARS[total], dtype=np.uint8)


def _valid_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    today = dt.date.today()
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days_in_month = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[
        np.clip(month, 0, 12)
    ] + ((month == 2) & leap)
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= days_in_month)
    ok &= year >= _EARLIEST_BIRTH_YEAR
    as_int = year * 10000 + month * 100 + day
    ok &= as_int <= today.year * 10000 + today.month * 100 + today.day
    return np.asarray(ok, dtype=bool)


def _date_parts(matrix: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    digits = matrix[:, start : start + 8].astype(np.int64) - 48
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month = digits[:, 4] * 10 + digits[:, 5]
    day = digits[:, 6] * 10 + digits[:, 7]
    return year, month, day


def _dates_array(year: np.ndarray, month: np.ndarray, day: np.ndarray, ok: np.ndarray) -> pa.Array:
    months = (np.where(ok, year, 1970) - 1970) * 12 + np.where(ok, month, 1) - 1
    days = months.astype("datetime64[M]").astype("datetime64[D]") + (np.where(ok, day, 1) - 1)
    return pa.array(days, pa.date32(), mask=~ok)


def classify_many(values: Sequence[object] | pa.Array | pa.ChunkedArray) -> pa.Table:
    """Classify a whole column of ID cells.

    Returns a table with one row per input value and the columns ``id_status``, ``id`` (the valid
    number or null), ``id_compact``, ``id_prefix`` (trusted leading characters or null),
    ``birth_date`` and ``sex`` — the bulk form of :func:`classify`.

    >>> t = classify_many(["11010519491231002X", "110105491231002", "6.11022E+17", None])
    >>> t.column("id_status").to_pylist()
    ['valid', 'valid', 'precision_lost', 'blank']
    >>> t.column("id").to_pylist()[:2]
    ['11010519491231002X', '11010519491231002X']
    """
    if isinstance(values, pa.ChunkedArray):
        raw = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
    elif isinstance(values, pa.Array):
        raw = values
    else:
        raw = pa.array([None if v is None else str(v) for v in values], pa.string())
    # Each distinct cell once (a parent's ID recurs for every child, a person on several rosters).
    encoded = pc.dictionary_encode(pc.cast(raw, pa.string()).fill_null(""))
    distinct = _classify_distinct(encoded.dictionary)
    return pa.table([pc.take(column, encoded.indices) for column in distinct.columns],
                    names=distinct.column_names)


def _classify_distinct(raw: pa.Array) -> pa.Table:
    text = pc.replace_substring_regex(pc.utf8_normalize(raw, "NFKC"), _STRIP_PATTERN, "")
    text = pc.replace_substring_regex(pc.utf8_normalize(text, "NFKC"), _STRIP_PATTERN, "")
    text = pc.ascii_upper(text)
    n = len(text)

    status = np.full(n, "bad_format", dtype=object)
    ids = np.full(n, None, dtype=object)
    prefixes = np.full(n, None, dtype=object)
    sexes = np.full(n, None, dtype=object)
    birth_year = np.zeros(n, dtype=np.int64)
    birth_month = np.zeros(n, dtype=np.int64)
    birth_day = np.zeros(n, dtype=np.int64)
    has_birth = np.zeros(n, dtype=bool)

    length = pc.utf8_length(text).to_numpy(zero_copy_only=False)
    is_digits = pc.match_substring_regex(text, r"^[0-9]+$").to_numpy(zero_copy_only=False)
    status[length == 0] = "blank"
    status[is_digits & (length > 0)] = "wrong_length"

    # 18 characters, or longer with a certificate tail: judge the first 18.
    shape18 = pc.match_substring_regex(text, r"^[0-9]{17}[0-9X]").to_numpy(zero_copy_only=False)
    idx18 = np.flatnonzero(shape18)
    if len(idx18):
        head = pc.utf8_slice_codeunits(pc.take(text, pa.array(idx18)), 0, 18)
        matrix = _fixed_width_bytes(head, 18)
        check_ok = _check_chars(matrix[:, :17] - 48) == matrix[:, 17]
        year, month, day = _date_parts(matrix, 6)
        date_ok = _valid_dates(year, month, day)
        exact_len = length[idx18] == 18
        head_values = np.array(head.to_pylist(), dtype=object)
        valid = check_ok & date_ok
        ends000 = (matrix[:, 15] == 48) & (matrix[:, 16] == 48) & (matrix[:, 17] == 48)
        # Longer values only count when their first 18 characters are a valid number.
        sel_valid = idx18[valid]
        status[sel_valid] = "valid"
        ids[sel_valid] = head_values[valid]
        prefixes[sel_valid] = head_values[valid]
        sexes[sel_valid] = np.where(matrix[valid, 16] % 2 == 1, "男", "女")
        birth_year[sel_valid], birth_month[sel_valid], birth_day[sel_valid] = (
            year[valid], month[valid], day[valid])
        has_birth[sel_valid] = True
        lost = exact_len & ~check_ok & ends000
        sel = idx18[lost]
        status[sel] = "precision_lost"
        prefixes[sel] = np.array([v[:15] for v in head_values[lost]], dtype=object)
        lost_dated = lost & date_ok
        birth_year[idx18[lost_dated]] = year[lost_dated]
        birth_month[idx18[lost_dated]] = month[lost_dated]
        birth_day[idx18[lost_dated]] = day[lost_dated]
        has_birth[idx18[lost_dated]] = True
        bad_date = exact_len & ~date_ok & ~lost
        status[idx18[bad_date]] = "bad_date"
        prefixes[idx18[bad_date]] = np.array([v[:6] for v in head_values[bad_date]], dtype=object)
        bad_check = exact_len & date_ok & ~check_ok & ~lost
        status[idx18[bad_check]] = "bad_checksum"
        birth_year[idx18[bad_check]] = year[bad_check]
        birth_month[idx18[bad_check]] = month[bad_check]
        birth_day[idx18[bad_check]] = day[bad_check]
        has_birth[idx18[bad_check]] = True
        longer_invalid = ~exact_len & ~valid
        still_digits = is_digits[idx18[longer_invalid]]
        status[idx18[longer_invalid]] = np.where(still_digits, "wrong_length", "bad_format")

    # Old 15-digit numbers: insert the century and compute the check character.
    idx15 = np.flatnonzero(is_digits & (length == 15))
    if len(idx15):
        values15 = pc.take(text, pa.array(idx15))
        upgraded = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(values15, 0, 6), pc.utf8_slice_codeunits(values15, 6, 15), "19"
        )
        matrix = _fixed_width_bytes(upgraded, 17)
        year, month, day = _date_parts(matrix, 6)
        date_ok = _valid_dates(year, month, day)
        checks = _check_chars(matrix - 48)
        full = np.char.add(
            np.array(upgraded.to_pylist(), dtype=str),
            np.frombuffer(checks.tobytes(), dtype="S1").astype(str),
        ).astype(object)
        sel = idx15[date_ok]
        status[sel] = "valid"
        ids[sel] = full[date_ok]
        prefixes[sel] = full[date_ok]
        sexes[sel] = np.where(matrix[date_ok, 16] % 2 == 1, "男", "女")
        birth_year[sel], birth_month[sel], birth_day[sel] = year[date_ok], month[date_ok], day[date_ok]
        has_birth[sel] = True
        status[idx15[~date_ok]] = "bad_date"
        prefixes[idx15[~date_ok]] = np.array(
            [v[:6] for v in np.array(values15.to_pylist(), dtype=object)[~date_ok]], dtype=object
        )

    # Scientific notation from an Excel number cell.
    scientific = pc.match_substring_regex(text, _SCIENTIFIC_PATTERN).to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(scientific):  # rare values; the scalar rule is the definition
        info = classify(text[i].as_py())
        status[i] = info.status
        prefixes[i] = info.known_prefix or None
        if info.birth_date is not None:
            birth_year[i], birth_month[i], birth_day[i] = (
                info.birth_date.year, info.birth_date.month, info.birth_date.day)
            has_birth[i] = True

    return pa.table(
        {
            "id_status": pa.array(status.tolist(), pa.string()),
            "id": pa.array(ids.tolist(), pa.string()),
            "id_compact": text,
            "id_prefix": pa.array(prefixes.tolist(), pa.string()),
            "birth_date": _dates_array(birth_year, birth_month, birth_day, has_birth),
            "sex": pa.array(sexes.tolist(), pa.string()),
        }
    )
