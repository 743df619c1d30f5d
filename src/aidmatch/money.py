"""Amounts of money as Chinese financial documents write them.

小写 is the figure with the currency sign first and always two decimals; 大写 is the amount in the
financial numerals 零壹贰叁肆伍陆柒捌玖, the units 拾佰仟万亿 and 元角分, preceded by 人民币 and closed
by 整 when it ends with 元 or 角 (never after 分). Inside the figure a zero or a run of zeros is
written as one 零, also where the run reaches across 元 (1680.32 is 壹仟陆佰捌拾元零叁角贰分);
zeros before the first digit and after the last are not written. A leading 1 in the tens is 壹拾,
never a bare 拾.

>>> uppercase("625")
'人民币陆佰贰拾伍元整'
>>> uppercase("1004.56")
'人民币壹仟零肆元伍角陆分'
>>> uppercase("425.03")
'人民币肆佰贰拾伍元零叁分'
>>> uppercase("532.00")
'人民币伍佰叁拾贰元整'
>>> uppercase("312.50")
'人民币叁佰壹拾贰元伍角整'
>>> uppercase("100010000")
'人民币壹亿零壹万元整'
>>> uppercase("0.05", prefix=False)
'伍分'
>>> lowercase(625)
'¥625.00'
>>> uppercase("-5")
Traceback (most recent call last):
    ...
aidmatch.money.AmountError: 金额「-5」是负数，大写金额只能写正数或零
  处理办法：冲减（负数）应在发放名单中与原发放相抵后再打印。

Amounts are accepted as :class:`~decimal.Decimal`, int, float or text (``"1,234.50"``,
``"¥625"``); anything else, and anything that is not a whole number of 分, is rejected with an
:class:`AmountError` that says what is wrong.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from aidmatch.errors import InputError

DIGITS = "零壹贰叁肆伍陆柒捌玖"
# Units inside a group of four digits, and the unit of each group (个, 万, 亿).
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿")
# 大写 has no unit above 亿 in ordinary use; 万亿 would be ambiguous on a form, so stop below it.
LIMIT = Decimal(10) ** 12
CENT = Decimal("0.01")
_SEPARATORS = re.compile(r"[,，\s]")
_CURRENCY = ("¥", "￥", "RMB", "人民币")


class AmountError(InputError):
    """A value that cannot be written as an amount of money."""


def to_amount(value: object) -> Decimal:
    """The value as a Decimal of whole 分 (two decimal places), below 1 万亿 in size.

    >>> to_amount("1,234.5")
    Decimal('1234.50')
    >>> to_amount(312.5)
    Decimal('312.50')
    >>> to_amount("¥ 625")
    Decimal('625.00')
    >>> to_amount("12.345")
    Traceback (most recent call last):
        ...
    aidmatch.money.AmountError: 金额「12.345」有不足一分的小数，金额只能精确到分
      处理办法：检查这个金额是否输入有误（如多打了一位）。
    """
    if isinstance(value, bool) or value is None:
        raise AmountError(f"金额「{value}」不是数字", hint="金额应是如 625 或 312.50 的数字。")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise AmountError(f"金额「{value}」不是数字", hint="金额应是如 625 或 312.50 的数字。")
        # repr() is the shortest text that reads back as the same float: 312.5, not 312.4999…
        number = Decimal(repr(value))
    elif isinstance(value, str):
        number = _parse_text(value)
    else:
        raise AmountError(f"金额「{value}」不是数字", hint="金额应是如 625 或 312.50 的数字。")
    if not number.is_finite():
        raise AmountError(f"金额「{value}」不是数字", hint="金额应是如 625 或 312.50 的数字。")
    if abs(number) >= LIMIT:
        raise _too_large(value)
    cents = number.quantize(CENT)
    if cents != number:
        raise AmountError(f"金额「{value}」有不足一分的小数，金额只能精确到分",
                          hint="检查这个金额是否输入有误（如多打了一位）。")
    return cents + 0  # normalises -0.00 to 0.00


def _parse_text(text: str) -> Decimal:
    cleaned = _SEPARATORS.sub("", text)
    for sign in _CURRENCY:
        cleaned = cleaned.removeprefix(sign)
    cleaned = cleaned.removesuffix("元")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise AmountError(f"金额「{text}」不是数字", hint="金额应是如 625 或 312.50 的数字。")
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise AmountError(f"金额「{text}」不是数字", hint="金额应是如 625 或 312.50 的数字。") from None


def lowercase(value: object, *, sign: str = "¥") -> str:
    """小写: the currency sign, then the figure with two decimals (a minus sign before the sign).
    ``sign="￥"`` gives the full-width sign, for fonts limited to the GB 2312 character set.

    >>> lowercase("1004.5")
    '¥1004.50'
    >>> lowercase(Decimal("-625"))
    '-¥625.00'
    >>> lowercase(625, sign="￥")
    '￥625.00'
    """
    amount = to_amount(value)
    return f"-{sign}{-amount}" if amount < 0 else f"{sign}{amount}"


def uppercase(value: object, *, prefix: bool = True) -> str:
    """大写, with 人民币 in front unless ``prefix`` is false. Zero is 零元整; negative amounts and
    amounts of 1 万亿 or more are rejected."""
    amount = to_amount(value)
    if amount < 0:
        raise AmountError(f"金额「{value}」是负数，大写金额只能写正数或零",
                          hint="冲减（负数）应在发放名单中与原发放相抵后再打印。")
    text = _uppercase_digits(int(amount * 100))
    return f"人民币{text}" if prefix else text


def _too_large(value: object) -> AmountError:
    return AmountError(f"金额「{value}」达到一万亿元或以上，无法按票据格式书写",
                       hint="检查这个金额是否输入有误（如多打了几位）。")


def _uppercase_digits(cents: int) -> str:
    if cents == 0:
        return "零元整"
    yuan, fraction = divmod(cents, 100)
    jiao, fen = divmod(fraction, 10)
    parts: list[str] = []
    pending_zero = False  # a zero seen since the last written digit, waiting for the next digit

    def digit(value: int, unit: str) -> None:
        nonlocal pending_zero
        if value == 0:
            pending_zero = pending_zero or bool(parts)
            return
        if pending_zero:
            parts.append("零")
            pending_zero = False
        parts.append(DIGITS[value] + unit)

    figures = str(yuan) if yuan else ""
    for position, char in zip(range(len(figures) - 1, -1, -1), figures, strict=True):
        digit(int(char), SMALL_UNITS[position % 4])
        group, rest = divmod(position, 4)
        if rest == 0 and group and any(c != "0" for c in figures[-position - 4:len(figures) - position]):
            parts.append(GROUP_UNITS[group])
    if yuan:
        parts.append("元")
    digit(jiao, "角")
    digit(fen, "分")
    if fen == 0:
        parts.append("整")
    return "".join(parts)
