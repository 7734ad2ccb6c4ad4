"""Safe file names for attachments taken out of a received package.

An embedded file's name is chosen by whoever made the PDF: ``../../x``, ``C:\\x``, a name hiding
its real extension behind a right-to-left override (``roster.xlsx\\u202egpj.exe``). Names are
never used as paths: they are folded, stripped, reduced to a base name and whitelisted here.
"""

from __future__ import annotations

import re
import unicodedata

from lingong_docs.util.text import strip_controls

MAX_NAME = 120
# Letters and digits of any script, spaces and a few punctuation marks seen in real file names
# ("0001-0250 建设银行代发回单.pdf", "附件5_撮合服务成功人员花名册.xlsx").
_ALLOWED_PUNCT = set(" -_.,()[]（）【】、，+#&~")


def clean_name(raw: object) -> str:
    """Return ``raw`` as a harmless base name (no folders, controls, bidi marks); may be ''."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    # the one sanitiser (util.text), then what has no business in a file name: other format
    # characters, private-use and unassigned code points
    text = "".join(ch for ch in strip_controls(text, newlines=False)
                   if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    text = re.split(r"[\\/]", text)[-1]          # both separators, whatever the platform
    text = text.split(":")[-1]                   # drive letters, NTFS streams
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat[0] in "LN" or ch in _ALLOWED_PUNCT:
            out.append(ch)
        elif cat.startswith("Z"):
            out.append(" ")
        else:
            out.append("_")
    name = re.sub(r"\s+", " ", "".join(out)).strip(" .")
    while ".." in name:
        name = name.replace("..", ".")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:10] if dot else ""
        name = (stem if dot else name)[: MAX_NAME - len(ext) - 1] + (("." + ext) if ext else "")
    return name


def indexed_name(index: int, raw: object) -> str:
    """Return ``03_<clean name>``: unique per attachment even when two names clean to the same."""
    return f"{index:04d}_{clean_name(raw) or 'attachment'}"


def is_clean(raw: object) -> bool:
    """Return True when ``raw`` survives cleaning unchanged (it can be written under its own name)."""
    return bool(raw) and clean_name(raw) == raw
