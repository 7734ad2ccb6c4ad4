"""Workbook mechanics shared by every stage that writes .xlsx: the house styles and formula-safe text."""

from __future__ import annotations

from openpyxl.styles import Border, Font, PatternFill, Side

from lingong_docs.util.text import strip_controls

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
TITLE_FONT = Font(name="宋体", size=16, bold=True)
HEAD_FONT = Font(name="宋体", size=11, bold=True)
BODY_FONT = Font(name="宋体", size=11)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
SAFE_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")


def safe_text(cell, value) -> None:
    """Put a string in ``cell`` so that it can never become a formula or an error value (the
    characters of the one sanitiser, ``util.text``, removed: XML cannot carry most of them)."""
    if isinstance(value, str):
        value = strip_controls(value)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(SAFE_PREFIXES):
            cell.quotePrefix = True
    else:
        cell.value = value
