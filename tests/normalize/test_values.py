"""aidmatch.normalize.values: amounts, yes/no answers and header labels inside roster cells."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aidmatch.normalize.values import header_label, parse_amount, parse_yes_no


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("312.5", Decimal("312.5")),
        ("625", Decimal("625")),
        ("625元", Decimal("625")),
        ("625 元", Decimal("625")),
        ("625圆", Decimal("625")),
        ("人民币625元", Decimal("625")),
        ("人民币 625.00 元", Decimal("625.00")),
        ("¥1,250.00", Decimal("1250.00")),
        ("￥1,250.00", Decimal("1250.00")),
        ("￥ 312.50", Decimal("312.50")),
        ("1,250.00元", Decimal("1250.00")),
        ("1，250", Decimal("1250")),  # full-width comma
        ("１２５０", Decimal("1250")),  # full-width digits
        ("１，２５０", Decimal("1250")),
        ("1 250.50", Decimal("1250.50")),
        ("0", Decimal("0")),
        (".5", Decimal("0.5")),
        ("-625", Decimal("-625")),  # a refund stays negative; deciding about it is not parsing
        ("", None),
        (None, None),
        ("   ", None),
        ("元", None),
        ("abc", None),
        ("12.5.3", None),
        ("NaN", None),
        ("Infinity", None),
        ("-Infinity", None),
        ("sNaN", None),
    ],
)
def test_parse_amount(raw: str | None, expected: Decimal | None) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", "是"),
        (" 是 ", "是"),
        ("是（已核实）", "是"),
        ("已消除", "是"),
        ("消除", "是"),
        ("有", "是"),
        ("√", "是"),
        ("Y", "是"),
        ("yes", "是"),
        ("Yes ", "是"),
        ("TRUE", "是"),
        ("1", "是"),
        ("否", "否"),
        ("未消除", "否"),  # contains 消除, but is a no
        ("没有消除", "否"),
        ("未享受", "否"),
        ("未", "否"),
        ("无", "否"),
        ("×", "否"),
        ("N", "否"),
        ("No", "否"),
        ("false", "否"),
        ("0", "否"),
        ("", ""),
        ("   ", ""),
        (None, ""),
        ("不详", ""),
        ("待核实", ""),
    ],
)
def test_parse_yes_no(raw: str | None, expected: str) -> None:
    assert parse_yes_no(raw) == expected


@pytest.mark.parametrize("raw", ["未知", "无法确定"])
def test_parse_yes_no_unknown_words(raw: str) -> None:
    assert parse_yes_no(raw) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("姓名", "姓名"),
        ("姓 名", "姓名"),
        ("  学 籍 号  ", "学籍号"),
        ("*姓名", "姓名"),
        ("姓名*", "姓名"),
        ("身份证号:", "身份证号"),
        ("身份证号：", "身份证号"),
        ("ＩＤ", "ID"),
        (" 资助金额\n（元）* ", "资助金额"),
        ("资助金额（元）", "资助金额"),
        ("资助金额（单位：元）", "资助金额"),
        ("*资助金额(元)", "资助金额"),
        ("金额(元)(合计)", "金额"),
        ("身份证号码\n(18位)", "身份证号码"),
        ("出生日期(yyyy-mm-dd)", "出生日期"),
        ("姓名[必填]", "姓名"),
        ("姓名【必填】", "姓名"),
        ("姓名 (必填)", "姓名"),
        # brackets inside a label stay; a label that is only a bracket stays
        ("学校(单位)名称", "学校(单位)名称"),
        ("易返贫致贫户(监测对象)类型", "易返贫致贫户(监测对象)类型"),
        ("(备注)", "(备注)"),
        # a trailing bracket is a note even when it is part of the name: rules normalise alike
        ("区(县)", "区"),
        ("县(市、区)", "县"),
        ("", ""),
    ],
)
def test_header_label(raw: str, expected: str) -> None:
    assert header_label(raw) == expected
