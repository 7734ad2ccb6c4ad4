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


# ---- the ID check as a column operation (validate's id_ok column) -------------------------------

def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@st.composite
def id_like(draw):
    """A text shaped like an ID: any two province digits (or 9 + two), any 8 birth digits (29 Feb,
    month 13, day 00 …), the right or a random check character, then perhaps mangled."""
    province = draw(st.one_of(st.integers(0, 99).map("{:02d}".format),
                              st.sampled_from(sorted(idcard.PROVINCES)).map(str),
                              st.sampled_from(sorted(idcard.PROVINCES)).map(lambda p: f"9{p}")))
    county = draw(st.text("0123456789", min_size=4, max_size=4))
    if draw(st.booleans()):
        born = draw(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2100, 12, 31))).strftime("%Y%m%d")
    else:
        born = draw(st.sampled_from(["1900", "2000", "1904", "2100", "1899", "0000", "2024"])) + draw(
            st.sampled_from(["0229", "0230", "0431", "1301", "0001", "0100", "1231", "0228"]))
    body = (province + county)[:6] + born + draw(st.text("0123456789", min_size=3, max_size=3))
    body = body[:17]
    last = idcard.check_char(body) if draw(st.booleans()) else draw(st.sampled_from("0123456789Xx"))
    value = body + last
    change = draw(st.sampled_from(["none", "lower", "full-width", "spaces", "15", "digit", "drop", "extra", "junk"]))
    if change == "lower":
        value = value.lower()
    elif change == "full-width":
        value = _full_width(value)
    elif change == "spaces":
        value = draw(st.sampled_from([" ", "\t", "\u3000", ""])) + value + draw(st.sampled_from([" ", "\n", ""]))
    elif change == "15":
        value = value[:6] + value[8:17]
    elif change == "digit":
        pos = draw(st.integers(0, 17))
        value = value[:pos] + draw(st.sampled_from("0123456789X")) + value[pos + 1:]
    elif change == "drop":
        pos = draw(st.integers(0, 17))
        value = value[:pos] + value[pos + 1:]
    elif change == "extra":
        value = value + draw(st.sampled_from("0X\n"))
    elif change == "junk":
        value = draw(st.text(max_size=20))
    return value


@settings(max_examples=300)
@given(st.lists(st.one_of(id_like(), valid_ids(), st.none()), max_size=40))
def test_the_column_check_gives_the_verdict_of_check(values):
    import polars as pl

    series = pl.Series("id_number", values, dtype=pl.String)
    expected = [v is not None and idcard.check(v) is None for v in values]
    assert idcard.valid_mask(series).to_list() == expected
    # The column operation alone never passes what ``check`` refuses.
    fast = idcard.canonical_valid(series).to_list()
    assert not [v for v, ok, want in zip(values, fast, expected) if ok and not want]
    # Birth date and sex of the valid ones, as birth_date and is_male read them.
    valid = sorted({v for v, ok in zip(values, expected) if ok})
    born = idcard.births(pl.Series(valid, dtype=pl.String)).sort("id_number")
    assert born.rows() == [(v, idcard.birth_date(v), idcard.is_male(v)) for v in valid]


@given(st.lists(valid_ids(), min_size=1, max_size=30))
def test_valid_canonical_ids_are_decided_by_the_column_operation(values):
    import polars as pl

    assert idcard.canonical_valid(pl.Series("id", values)).all()


def test_the_column_check_on_leap_days_and_edge_forms():
    import polars as pl

    def with_check(body: str) -> str:
        return body + idcard.check_char(body)

    cases = [with_check("11010520000229002"),      # 29 Feb 2000: a leap year
             with_check("11010519000229002"),      # 29 Feb 1900: not one
             with_check("11010519040229002"), with_check("11010518991231002"), with_check("11010519490431002"),
             with_check("91105019491231002"),      # 9 + a province: a permanent-residence ID
             with_check("90005019491231002"),      # 9 + no province
             with_check("11010519491231002").lower(), _full_width(with_check("11010519491231002")),
             " 11010519491231002X ", "110105491231002", "11010519491231002X\n", None]
    got = idcard.valid_mask(pl.Series("id", cases, dtype=pl.String)).to_list()
    assert got == [c is not None and idcard.check(c) is None for c in cases]
    assert got[0] and not got[1] and got[5] and not got[6] and got[7] and got[8] and got[9]
