"""Attachment names from a received PDF are cleaned before they touch the file system."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lingong_docs.intake.names import clean_name, indexed_name, is_clean


@pytest.mark.parametrize("raw, clean", [
    ("../../evil.sh", "evil.sh"),
    ("C:\\evil.dll", "evil.dll"),
    ("C:evil.dll", "evil.dll"),
    ("/etc/passwd", "passwd"),
    ("roster.xlsx\u202egpj.exe", "roster.xlsxgpj.exe"),
    ("a\x00b\x07c.pdf", "abc.pdf"),
    ("..", ""),
    ("支付凭证/0001-0250 建设银行代发回单.pdf", "0001-0250 建设银行代发回单.pdf"),
    ("0012,0015-0018 支付宝.pdf", "0012,0015-0018 支付宝.pdf"),
    ("附件5_撮合服务成功人员花名册.xlsx", "附件5_撮合服务成功人员花名册.xlsx"),
    ("ＡＢＣ１２３.png", "ABC123.png"),
    ("x<>|?*.pdf", "x_____.pdf"),
])
def test_clean_name(raw, clean):
    assert clean_name(raw) == clean


def test_indexed_names_are_unique_and_never_empty():
    assert indexed_name(3, "../..") == "0003_attachment"
    assert indexed_name(0, "a.pdf") != indexed_name(1, "a.pdf")
    assert is_clean("附件4.xlsx") and not is_clean("../附件4.xlsx")


@given(st.text(max_size=300))
def test_no_name_can_leave_its_folder(raw):
    name = clean_name(raw)
    assert "/" not in name and "\\" not in name and ":" not in name
    assert name not in (".", "..") and not name.startswith(".")
    assert ".." not in name
    assert all(unicodedata.category(ch) not in ("Cc", "Cf") for ch in name)
    assert len(name) <= 120
