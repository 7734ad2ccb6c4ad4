"""Money and dates as the forms print them: exact Decimal yuan, 人民币大写, Chinese dates."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def to_money(value) -> Decimal:
    """Return ``value`` as Decimal yuan with two places (half-up); floats are refused."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(value) -> str:
    """Return ``200,000.00``."""
    return f"{to_money(value):,.2f}"


def wan(value) -> str:
    """Return the amount in 万元 without needless decimals: 200000 → ``20``, 150000 → ``15``."""
    w = to_money(value) / Decimal(10000)
    text = f"{w:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _four(n: int) -> str:
    """Return 0..9999 in capital numerals, with 零 where a place is skipped inside the group."""
    out, zero = "", False
    for i in range(3, -1, -1):
        d = n // 10**i % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + _SMALL_UNITS[i]
    return out


def rmb_upper(value) -> str:
    """Return the amount in 人民币大写: 200000 → ``贰拾万元整``, 1005.30 → ``壹仟零伍元叁角``."""
    amount = to_money(value)
    if amount < 0:
        return "负" + rmb_upper(-amount)
    integer = int(amount)
    cents = int((amount - integer) * 100)
    jiao, fen = divmod(cents, 10)
    if integer == 0:
        text = "" if cents else "零元"
    else:
        groups = []
        n = integer
        while n:
            groups.append(n % 10000)
            n //= 10000
        if len(groups) > len(_BIG_UNITS):
            raise ValueError("amount too large")
        text = ""
        need_zero = False
        for idx in range(len(groups) - 1, -1, -1):
            g = groups[idx]
            if g == 0:
                need_zero = bool(text)
                continue
            if text and (need_zero or g < 1000):
                text += "零"
            text += _four(g) + _BIG_UNITS[idx]
            need_zero = False
        text += "元"
    if cents == 0:
        return text + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif integer:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    else:
        text += "整"
    return text


def cn_date(day: dt.date) -> str:
    """Return ``2026年3月5日`` (GB/T 9704: Arabic numerals, no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"
