"""大写 and 小写 amounts: tables of known answers, rejections, and properties over random amounts."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aidmatch.money import AmountError, lowercase, to_amount, uppercase

UPPERCASE = [
    # the examples of the domain note
    ("1004.56", "壹仟零肆元伍角陆分"),
    ("425.03", "肆佰贰拾伍元零叁分"),
    ("532.00", "伍佰叁拾贰元整"),
    ("312.50", "叁佰壹拾贰元伍角整"),
    ("625", "陆佰贰拾伍元整"),
    # examples of the rules for filling in payment documents
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("15.80", "壹拾伍元捌角整"),
    # a zero in every position
    ("0", "零元整"),
    ("0.00", "零元整"),
    ("0.05", "伍分"),
    ("0.50", "伍角整"),
    ("0.55", "伍角伍分"),
    ("1", "壹元整"),
    ("10", "壹拾元整"),
    ("100", "壹佰元整"),
    ("101", "壹佰零壹元整"),
    ("110", "壹佰壹拾元整"),
    ("1001", "壹仟零壹元整"),
    ("1010", "壹仟零壹拾元整"),
    ("1100", "壹仟壹佰元整"),
    ("1000.5", "壹仟元零伍角整"),
    ("1000.05", "壹仟元零伍分"),
    ("1000.50", "壹仟元零伍角整"),
    ("1.05", "壹元零伍分"),
    ("1.5", "壹元伍角整"),
    ("20.01", "贰拾元零壹分"),
    ("1250", "壹仟贰佰伍拾元整"),
    ("2300", "贰仟叁佰元整"),
    # 万 and 亿
    ("10000", "壹万元整"),
    ("10001", "壹万零壹元整"),
    ("10010", "壹万零壹拾元整"),
    ("10100", "壹万零壹佰元整"),
    ("11000", "壹万壹仟元整"),
    ("101000", "壹拾万零壹仟元整"),
    ("107000.53", "壹拾万零柒仟元零伍角叁分"),
    ("1000000", "壹佰万元整"),
    ("1000100", "壹佰万零壹佰元整"),
    ("10000001", "壹仟万零壹元整"),
    ("18730000", "壹仟捌佰柒拾叁万元整"),
    ("112000000", "壹亿壹仟贰佰万元整"),
    ("100000000", "壹亿元整"),
    ("100000001", "壹亿零壹元整"),
    ("100010000", "壹亿零壹万元整"),
    ("101000000", "壹亿零壹佰万元整"),
    ("110000000", "壹亿壹仟万元整"),
    ("100000000.10", "壹亿元零壹角整"),
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize(("figure", "expected"), UPPERCASE)
def test_uppercase_table(figure: str, expected: str) -> None:
    assert uppercase(figure, prefix=False) == expected
    assert uppercase(figure) == "人民币" + expected


@pytest.mark.parametrize(("value", "expected"), [
    (625, "¥625.00"),
    (Decimal("312.5"), "¥312.50"),
    (312.5, "¥312.50"),
    ("1,234.5", "¥1234.50"),
    ("¥625", "¥625.00"),
    ("￥ 1 250.00元", "¥1250.00"),
    ("0", "¥0.00"),
    ("-625", "-¥625.00"),
    (Decimal("-0.00"), "¥0.00"),
    ("12.300", "¥12.30"),
])
def test_lowercase_table(value: object, expected: str) -> None:
    assert lowercase(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("-5", "负数"),
    (-0.01, "负数"),
    (Decimal("-1250"), "负数"),
    ("abc", "不是数字"),
    ("", "不是数字"),
    ("一百", "不是数字"),
    ("1.2.3", "不是数字"),
    ("1e3", "不是数字"),
    (None, "不是数字"),
    (True, "不是数字"),
    ([625], "不是数字"),
    (math.nan, "不是数字"),
    (math.inf, "不是数字"),
    (Decimal("NaN"), "不是数字"),
    ("12.345", "不足一分"),
    (0.001, "不足一分"),
    (0.1 + 0.2, "不足一分"),
    (Decimal("625.001"), "不足一分"),
    ("1000000000000", "一万亿"),
    (Decimal("1E+15"), "一万亿"),
])
def test_rejected_with_a_clear_message(value: object, message: str) -> None:
    with pytest.raises(AmountError) as info:
        uppercase(value)
    assert message in str(info.value)
    assert "处理办法" in str(info.value)
    assert info.value.exit_code == 3


def test_lowercase_rejects_what_is_not_an_amount() -> None:
    with pytest.raises(AmountError, match="不是数字"):
        lowercase("六百")
    with pytest.raises(AmountError, match="不足一分"):
        lowercase("6.255")


def parse_uppercase(text: str) -> int:
    """An independent reading of a 大写 amount back into 分 (positional, not by formatting)."""
    text = text.removeprefix("人民币").removesuffix("整")
    digits = {ch: n for n, ch in enumerate("零壹贰叁肆伍陆柒捌玖")}
    small = {"拾": 10, "佰": 100, "仟": 1000}
    total = section = number = 0
    cents = 0
    for ch in text:
        if ch in digits:
            number = digits[ch]
        elif ch in small:
            section += number * small[ch]
            number = 0
        elif ch == "万":
            total += (section + number) * 10_000
            section = number = 0
        elif ch == "亿":
            total = (total + section + number) * 100_000_000
            section = number = 0
        elif ch == "元":
            total += section + number
            section = number = 0
        elif ch == "角":
            cents += number * 10
            number = 0
        elif ch == "分":
            cents += number
            number = 0
        else:
            raise ValueError(ch)
    return total * 100 + cents


cents_strategy = st.one_of(
    st.integers(min_value=0, max_value=10**14 - 1),
    # amounts made mostly of zeros, where the 零 rules matter
    st.lists(st.sampled_from([0, 0, 0, 1, 5, 9]), min_size=1, max_size=14).map(
        lambda ds: int("".join(map(str, ds)))),
)


@given(cents_strategy)
def test_round_trip(cents: int) -> None:
    amount = Decimal(cents) / 100
    text = uppercase(amount)
    assert parse_uppercase(text) == cents
    assert lowercase(amount) == f"¥{cents // 100}.{cents % 100:02d}"


@given(cents_strategy)
def test_written_as_the_rules_say(cents: int) -> None:
    text = uppercase(Decimal(cents) / 100, prefix=False)
    if cents == 0:
        assert text == "零元整"
        return
    assert set(text) <= set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
    assert "零零" not in text
    assert not text.startswith("零")
    assert not text.startswith(("拾", "佰", "仟", "万", "亿"))
    for unit in ("元", "角", "分", "万", "亿", "整"):
        assert f"零{unit}" not in text
    assert text.endswith("整") == (cents % 10 == 0)
    assert ("元" in text) == (cents >= 100)
    assert text.endswith(("元整", "角整", "分")) and not text.endswith("分整")


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0,
                   max_value=Decimal("999999999999.99")))
def test_every_representation_gives_the_same_text(amount: Decimal) -> None:
    expected = uppercase(amount)
    assert uppercase(str(amount)) == expected
    assert uppercase(f"{amount:,}") == expected
    assert to_amount(amount) == amount


@given(st.text(max_size=12))
def test_arbitrary_text_is_an_amount_or_a_clear_error(text: str) -> None:
    try:
        value = to_amount(text)
    except AmountError as exc:
        assert text in str(exc)
    else:
        assert value == value.quantize(Decimal("0.01"))
