"""Check characters of ID numbers and credit codes: generated valid values pass, any change fails."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from lingong_docs.identifiers import idcard, phone, uscc

PROVINCE_PREFIXES = ["110105", "130102", "410105", "510107", "320102", "440305", "650102"]


@st.composite
def valid_ids(draw):
    region = draw(st.sampled_from(PROVINCE_PREFIXES))
    born = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2010, 12, 31)))
    seq = draw(st.integers(0, 999))
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + idcard.check_char(body)


@st.composite
def valid_codes(draw):
    body = "".join(draw(st.lists(st.sampled_from(uscc.ALPHABET), min_size=17, max_size=17)))
    return body + uscc.check_char(body)


@given(valid_ids())
def test_generated_ids_pass(value):
    assert idcard.check(value) is None
    assert idcard.check(value.lower()) is None
    assert idcard.check("".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in value)) is None


@settings(max_examples=300)
@given(valid_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_changed_character_fails(value, pos, ch):
    if value[pos] == ch or (pos < 17 and ch == "X"):
        return
    changed = value[:pos] + ch + value[pos + 1:]
    assert idcard.check(changed) is not None


@given(valid_codes())
def test_generated_credit_codes_pass(value):
    assert uscc.check(value) is None


@settings(max_examples=300)
@given(valid_codes(), st.integers(0, 17), st.sampled_from(uscc.ALPHABET))
def test_credit_code_single_change_fails(value, pos, ch):
    if value[pos] == ch:
        return
    assert uscc.check(value[:pos] + ch + value[pos + 1:]) == "uscc-check-char"


def test_known_vectors_and_errors():
    assert idcard.check("11010519491231002X") is None
    assert uscc.check("91350100M000100Y43") is None
    assert idcard.check("110105194912310021") == "id-check-char"
    assert idcard.check("110105491231002") == "id-15-digit"
    assert idcard.check("1101051949123100") == "id-length"
    # Leading 9: a permanent-residence ID only with a real province code in digits 2-3.
    foreign = "91115619900307123"  # 9, Beijing, country code 156, birth date, sequence
    foreign += idcard.check_char(foreign)
    assert idcard.check(foreign) is None and idcard.is_foreign_permanent(foreign)
    not_province = "99015619900307123"
    not_province += idcard.check_char(not_province)
    assert idcard.check(not_province) == "id-province" and not idcard.is_foreign_permanent(not_province)
    assert not idcard.is_foreign_permanent("11010519491231002X")
    assert idcard.check("00010519491231002X") == "id-province"
    assert idcard.check("11010519490231002X") == "id-birth-date"
    assert idcard.check(" 11010519491231002X ") is None  # surrounding space is normalised
    assert idcard.check("110105 19491231002X") == "id-length"
    assert idcard.check("11010519491231002X\u200b") == "id-length"
    # An unknown county code is not an error (docs/rules.md §6): 110199 is not a county.
    body = "11019919900101001"
    assert idcard.check(body + idcard.check_char(body)) is None


def test_phones():
    for ok in ("13800138000", "+86 138-0013-8000", "010-65001234", "(010)65001234", "0311-8765432"):
        assert phone.check(ok) is None, ok
    for bad in ("1380013800", "12800138000", "65001234", "abc"):
        assert phone.check(bad) == "phone-format", bad
