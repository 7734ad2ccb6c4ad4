"""The CJK TrueType font the toolkit draws PDFs with (page numbers, headings, watermark, receipts,
the 公示 list); its absence is a setup error every stage that draws reports alike.

reportlab embeds only TrueType outlines (not the CFF outlines of Noto CJK), so the free AR PL
UMing/UKai fonts are used; they are subset and embedded in every package.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from lingong_docs.core.errors import SetupError

FONT_NAME = "LingongCJK"

# (file, index inside the .ttc) — index 0 of the AR PL collections is the simplified-Chinese face.
_CANDIDATES = (
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
    ("/usr/share/fonts/truetype/arphic-uming/uming.ttc", 0),
)
_FC_FAMILIES = ("AR PL UMing CN", "AR PL UKai CN")


@functools.cache
def cjk_font() -> str:
    """Register the CJK font with reportlab once; return its reportlab name."""
    for path, index in _candidates():
        try:
            pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=index))
        except Exception:  # try the next candidate
            continue
        return FONT_NAME
    raise SetupError.make("font-missing")


def _candidates() -> Iterator[tuple[str, int]]:
    yield from ((p, i) for p, i in _CANDIDATES if Path(p).is_file())
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return
    for family in _FC_FAMILIES:
        try:
            out = subprocess.run([fc_match, "-f", "%{file}\t%{index}", family], capture_output=True,
                                 text=True, timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        path, _, index = out.partition("\t")
        if path.lower().endswith((".ttf", ".ttc")) and Path(path).is_file():
            yield path, int(index or 0)
