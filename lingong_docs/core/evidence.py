"""Payment evidence (支付凭证) naming convention (docs/rules.md §7).

A file says which roster rows it covers by the 序号 at the start of its name:
``0001-0250 建设银行代发回单.pdf``, ``0007 微信转账.png``, ``0012,0015-0018 支付宝.pdf``.
A row's 备注 may also name a file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

# The 序号 list must be followed by something that is not a digit and not a date word (年月日号),
# so that "0001-0250建设银行.pdf" works and "2025年12月回单.pdf" is not read as 序号 2025.
_PREFIX_RE = re.compile(r"^\s*((?:\d+\s*(?:[-~～—–至]\s*\d+)?\s*[,，、]\s*)*\d+\s*(?:[-~～—–至]\s*\d+)?)(?![\d年月日号,，、\-~～—–至])")
_PART_RE = re.compile(r"(\d+)\s*(?:[-~～—–至]\s*(\d+))?")
_FILE_REF_RE = re.compile(r"([^\s,，;；:：、（）()「」“”\"']+\.(?:pdf|jpe?g|png))", re.IGNORECASE)
MAX_SPAN = 1_000_000
# The file types of the folders of supporting files bundled into a package besides the evidence
# (认定材料, 第八条; 其他材料, 第十二条（四）、第十三条（三）: the policy's ``folder`` materials).
SUPPORTED_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png")


def covered_rows(file_name: str) -> list[tuple[int, int]] | None:
    """Return the inclusive 序号 ranges named at the start of ``file_name``, or None if none."""
    name = unicodedata.normalize("NFKC", file_name)
    m = _PREFIX_RE.match(name)
    if not m:
        return None
    ranges = []
    for part in re.split(r"[,，、]", m.group(1)):
        pm = _PART_RE.fullmatch(part.strip())
        if not pm:
            return None
        lo = int(pm.group(1))
        hi = int(pm.group(2)) if pm.group(2) else lo
        if hi < lo or hi - lo > MAX_SPAN:
            return None
        ranges.append((lo, hi))
    return ranges or None


def describe(ranges: list[tuple[int, int]] | None) -> str:
    """Return ``序号 1–250、7`` for headings; empty when nothing is covered."""
    if not ranges:
        return ""
    return "序号 " + "、".join(str(a) if a == b else f"{a}–{b}" for a, b in ranges)


def referenced_files(remark: str | None, existing: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """Return (existing files named in a 备注, other file names it mentions that do not exist).

    Existing names are matched as they are (spaces, brackets and case included), so
    ``凭证：0005 微信转账.png`` finds ``0005 微信转账.png``; anything else that looks like a file
    name (``xxx.png``) and is not part of a found name is reported as missing.
    """
    if not remark:
        return [], []
    text = unicodedata.normalize("NFKC", remark).casefold()
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    for name in sorted(existing, key=len, reverse=True):
        key = unicodedata.normalize("NFKC", name).casefold()
        at = text.find(key)
        if at >= 0 and not any(a <= at < b for a, b in spans):
            found.append(name)
            spans.append((at, at + len(key)))
    missing = [m.group(1) for m in _FILE_REF_RE.finditer(unicodedata.normalize("NFKC", remark))
               if not any(a <= m.start(1) < b or a < m.end(1) <= b for a, b in spans)]
    return found, missing


def supporting_files(application_folder: Path, folder: str) -> list[Path]:
    """Return the PDF and image files in ``folder`` of the application folder, by name (none when
    the folder is absent)."""
    base = Path(application_folder) / folder
    if not base.is_dir() or base.is_symlink():
        return []
    return sorted((p for p in base.iterdir() if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
                   and p.suffix.lower() in SUPPORTED_SUFFIXES), key=lambda p: p.name)


def text_named(paths: Sequence[Path]) -> list[Path]:
    """Return the files of ``paths`` whose names are text (UTF-8): a name copied from another system
    may not be, and cannot be printed or embedded — validate reports it; a draft leaves it out."""
    out = []
    for p in paths:
        try:
            p.name.encode("utf-8")
        except UnicodeEncodeError:
            continue
        out.append(p)
    return out
