"""Roster rows and evidence for the figures tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers.pdf import blank_pdf
from lingong_docs.identifiers.idcard import check_char

YEAR = 2025
OTHER_USCC = "91350100M000100Y43"
TODAY = dt.date(2026, 3, 10)


def idcard(i: int) -> str:
    """A valid 18-digit ID: Chaoyang county code, born 1980–1989, sequence from ``i``."""
    body = f"110105{1980 + i // 3000 % 10}0{1 + i // 1000 % 3}1{5 + i // 250 % 4}{i % 1000:03d}"
    assert len(body) == 17
    return body + check_char(body)


def roster_row(i: int, **kw) -> dict:
    start = kw.pop("start", dt.datetime(YEAR, 1 + i % 12, 1 + i // 12 % 28, 9))
    hours = kw.pop("hours", 8)
    return {"seq": i + 1, "name": "张" + "一二三四五六七八九十"[i % 10] + "明", "id_number": idcard(i),
            "phone": f"139{i:08d}", "place": "朝阳区望京物流园 分拣员", "start": start,
            "end": kw.pop("end", start + dt.timedelta(hours=9)), "hours": hours,
            "pay": kw.pop("pay", 40 * hours), "method": "银行转账", **kw}


def add_evidence(folder: Path, n: int) -> None:
    """A one-page payment record for rows 1..``n`` in the folder's 支付凭证."""
    (folder / "支付凭证" / f"0001-{n:04d} 银行代发回单.pdf").write_bytes(blank_pdf(size=(200, 200)))
