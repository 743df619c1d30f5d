"""Small typed values inside roster cells: amounts, yes/no answers, header labels.

>>> parse_amount("¥1,250.00"), parse_amount("625元"), parse_amount("312.5"), parse_amount("")
(Decimal('1250.00'), Decimal('625'), Decimal('312.5'), None)
>>> parse_yes_no("是"), parse_yes_no("已消除"), parse_yes_no("未消除"), parse_yes_no("N"), parse_yes_no("")
('是', '是', '否', '否', '')
>>> parse_yes_no("未知")
''
>>> header_label(" 资助金额\\n（元）* ")
'资助金额'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

_AMOUNT_NOISE = re.compile(r"[¥￥,，\s元圆]|人民币")
_YES = ("是", "已消除", "消除", "y", "yes", "true", "1", "√", "有")
_NO = ("否", "未消除", "没有消除", "n", "no", "false", "0", "×", "无", "未")
_UNKNOWN = ("未知", "不详", "不清楚", "无法确定", "不确定", "待定", "待核实")
# A trailing unit or remark in brackets, and marks for required columns.
_LABEL_NOTE = re.compile(r"[(\[][^()\[\]]*[)\]]$")


@functools.lru_cache(maxsize=65536)
def parse_amount(text: str | None) -> Decimal | None:
    """An amount in 元, or ``None`` when the cell holds no number."""
    if not text:
        return None
    cleaned = _AMOUNT_NOISE.sub("", unicodedata.normalize("NFKC", text))
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


@functools.lru_cache(maxsize=4096)
def parse_yes_no(text: str | None) -> str:
    """``是``, ``否`` or ``""`` (unknown) for a yes/no cell."""
    if not text:
        return ""
    value = unicodedata.normalize("NFKC", text).strip().lower()
    if not value:
        return ""
    if value.startswith(_UNKNOWN):
        return ""
    # Negative words first: 未消除 contains 消除.
    if value.startswith(_NO) or value in _NO:
        return "否"
    if value.startswith(_YES) or value in _YES:
        return "是"
    return ""


@functools.lru_cache(maxsize=16384)
def header_label(text: str) -> str:
    """Normalise a header cell for comparison with the synonyms in ``rules/sources.yaml``."""
    # Twice: NFKC can turn a character into a space and a combining mark, and removing the space
    # brings the mark next to a letter it then composes with (normalising must be idempotent).
    value = re.sub(r"[\s*]+", "", unicodedata.normalize("NFKC", text))
    value = re.sub(r"[\s*]+", "", unicodedata.normalize("NFKC", value))
    value = value.replace("【", "[").replace("】", "]")
    previous = None
    while previous != value:
        previous = value
        value = _LABEL_NOTE.sub("", value) if _LABEL_NOTE.sub("", value) else value
    return value.strip(":：")
