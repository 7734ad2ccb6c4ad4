"""Custom Cerberus ``check_with`` functions, by the name the schemas use.

Each takes a normalised value and returns ``None`` or ``(code, params)``. The same functions back
the fast column checks and the Cerberus validator (``schema.make_cerberus_validator``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeGuard

from lingong_docs.identifiers import idcard, phone, uscc
from lingong_docs.util.pii import mask_id


def finite(value: object) -> TypeGuard[int | Decimal]:
    """True for an int or a finite Decimal (the reader never yields NaN, but rules must not crash)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, Decimal) and value.is_finite())


def round_cents(value: Decimal) -> Decimal:
    """Return ``value`` to two decimals; a value too large to hold them is returned as it is."""
    return value.quantize(Decimal("0.01")) if value.is_finite() and value.adjusted() < 15 else value


def shown_number(value) -> str:
    """Return a number as a message shows it: two decimals at most, any magnitude (1e300 too).

    ``Decimal.quantize`` raises for a value with more digits than the context holds, so very
    large values are shown in scientific form instead of rounded.
    """
    if not finite(value):
        return str(value)
    d = Decimal(value)
    if d.adjusted() >= 15:
        return f"{d:.3E}"
    return f"{round_cents(d).normalize():f}"


def check_idcard(value):
    code = idcard.check(value)
    if code is None:
        return None
    params: dict[str, object] = {"length": len(idcard.compact(value))}
    if code == "id-15-digit":
        params["id18"] = mask_id(idcard.to_18(value))   # in full only in the copy `fix` writes
    return code, params


def check_phone(value):
    code = phone.check(value)
    return None if code is None else (code, {})


def check_uscc(value):
    code = uscc.check(value)
    return None if code is None else (code, {})


def check_positive_hours(value):
    if isinstance(value, Decimal) and not value.is_finite():
        return "number-unreadable", {}
    if finite(value) and value <= 0:
        return "hours-not-positive", {}
    return None


def check_money(value):
    if isinstance(value, Decimal) and not value.is_finite():
        return "number-unreadable", {}
    if not finite(value):
        return None
    if value <= 0:
        return "pay-not-positive", {}
    exponent = value.as_tuple().exponent if isinstance(value, Decimal) else 0
    if isinstance(exponent, int) and exponent < -2 and value != round_cents(Decimal(value)):
        return "pay-decimals", {}
    return None


CHECKS = {
    "idcard": check_idcard,
    "phone": check_phone,
    "uscc": check_uscc,
    "positive_hours": check_positive_hours,
    "money": check_money,
}
# The codes each check can return (declared with the check; the catalogue test reads them).
CHECK_CODES = {
    "idcard": idcard.CODES,
    "phone": phone.CODES,
    "uscc": uscc.CODES,
    "positive_hours": ("number-unreadable", "hours-not-positive"),
    "money": ("number-unreadable", "pay-not-positive", "pay-decimals"),
}
