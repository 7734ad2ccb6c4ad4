"""The compiled column checks agree with real Cerberus on the same schemas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from lingong_docs.core.tables import JOB_POSTS, ROSTER, spec
from lingong_docs.validate.schema import cerberus_codes, compiled, make_cerberus_validator

VALUES = st.one_of(
    st.none(), st.text(max_size=30), st.text(alphabet="0123456789X", min_size=15, max_size=19),
    st.integers(-5, 10_000), st.decimals(min_value=-10, max_value=10_000, places=3, allow_nan=False),
    st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    st.sampled_from(["11010519491231002X", "13800138000", "010-65001234", "微信", "", Decimal("0")]),
)


def _documents(kind):
    headers = [c.header for c in spec(kind).columns]
    return st.fixed_dictionaries({h: VALUES for h in headers})


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([JOB_POSTS, ROSTER]).flatmap(lambda k: st.tuples(st.just(k), _documents(k))))
def test_compiled_checks_match_cerberus(case):
    kind, document = case
    reference = cerberus_codes(kind, document)
    for _key, header, check in compiled(kind):
        result = check(document.get(header))
        if result is None:
            assert header not in reference, (header, reference.get(header))
        else:
            assert result[0] in reference.get(header, set()), (header, result, reference.get(header))


def test_schemas_are_valid_cerberus():
    for kind in (JOB_POSTS, ROSTER):
        validator = make_cerberus_validator(kind)
        assert set(validator.schema) == {c.header for c in spec(kind).columns}
