"""Fuzzing the normalisers: arbitrary text never crashes them, normalising twice changes nothing,
and a valid ID survives every normaliser unchanged."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from aidmatch.normalize import dates, ids, names, values
from tests.builders import make_id

# The first call of a normaliser loads its tables (OpenCC): no per-example deadline.
FUZZ = settings(deadline=None)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@FUZZ
@given(TEXT)
def test_dates_parse_never_fails(text: str) -> None:
    parsed = dates.parse(text)
    assert parsed is None or isinstance(parsed, dt.date)
    if parsed is not None:
        assert dates.parse(parsed.isoformat()) == parsed  # a parsed date reads back as itself


@FUZZ
@given(TEXT)
def test_values_never_fail(text: str) -> None:
    amount = values.parse_amount(text)
    assert amount is None or amount.is_finite()
    assert values.parse_yes_no(text) in ("是", "否", "")
    label = values.header_label(text)
    assert values.header_label(label) == label


@FUZZ
@given(TEXT)
def test_ids_never_fail_and_compact_is_idempotent(text: str) -> None:
    info = ids.classify(text)
    assert info.status in ids.STATUS_LABELS
    assert ids.compact(info.compact) == info.compact
    assert ids.classify(info.compact) == info
    assert ids.redact(ids.redact(text)) == ids.redact(text)


VALID = st.builds(lambda born, seq: make_id("611022", born.strftime("%Y%m%d"), f"{seq:03d}"),
                  st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2020, 12, 31)),
                  st.integers(0, 999))


@FUZZ
@given(VALID)
def test_a_valid_id_survives_unchanged(number: str) -> None:
    assert ids.compact(number) == number
    info = ids.classify(number)
    assert (info.status, info.value) == ("valid", number)
    assert ids.classify_many([number]).column("id").to_pylist() == [number]
    assert names.normalize(number) == names.normalize(names.normalize(number))
