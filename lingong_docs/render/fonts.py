"""Which fonts the PDFs will really use: LibreOffice, installed CJK fonts, 公文 font substitutions."""

from __future__ import annotations

import os
import shutil
import subprocess

from lingong_docs.render.soffice import find_soffice, fonts_conf, soffice_version

# Font names the templates and tables use (GB/T 9704 customs), and the common aliases offices
# type. Each is resolved with fc-match under forms/fonts.conf, as LibreOffice resolves it.
TEMPLATE_FONTS = ("方正小标宋简体", "仿宋_GB2312", "黑体", "宋体", "楷体_GB2312")
ALIASES = ("仿宋", "FangSong", "楷体", "KaiTi", "SimHei", "SimSun")
CJK_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC", "AR PL UMing CN", "AR PL UKai CN")


def _fc(args: list[str]) -> str:
    exe = shutil.which(args[0])
    if exe is None:
        return ""
    env = dict(os.environ, FONTCONFIG_FILE=str(fonts_conf()))
    try:
        done = subprocess.run([exe, *args[1:]], env=env, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.decode("utf-8", "replace")


def substitution(name: str) -> dict:
    """Return how ``name`` resolves: {font, family, style, file, substituted}."""
    out = _fc(["fc-match", "-f", "%{family[0]}\t%{style[0]}\t%{file}", f"{name}:lang=zh-cn"]).strip()
    family, style, path = (out.split("\t") + ["", "", ""])[:3]
    return {"font": name, "family": family, "style": style, "file": path,
            "substituted": bool(family) and family != name}


def cjk_fonts() -> list[str]:
    """Return the installed font families that cover Simplified Chinese, sorted."""
    out = _fc(["fc-list", ":lang=zh-cn", "family"])
    families = set()
    for line in out.splitlines():
        for fam in line.split(","):
            if fam.strip():
                families.add(fam.strip())
                break           # first name of each face is enough
    return sorted(families)


def font_report() -> dict:
    """Return {libreoffice: {version, path}, fonts_conf, fontconfig, cjk_fonts, substitutions, ok}.

    ``substitutions`` lists every template font and common alias with the installed family that
    will be printed in its place; ``ok`` is False when LibreOffice or every CJK font is missing,
    or when a template font falls back to a face without Chinese glyphs.
    """
    exe = find_soffice()
    fonts = cjk_fonts()
    subs = [substitution(name) for name in TEMPLATE_FONTS + ALIASES]
    fontconfig = shutil.which("fc-match") is not None
    cjk_ok = bool(fonts) and all(s["family"] in fonts for s in subs if s["font"] in TEMPLATE_FONTS)
    return {
        "libreoffice": {"version": soffice_version() if exe else "", "path": str(exe) if exe else ""},
        "fonts_conf": str(fonts_conf()),
        "fontconfig": fontconfig,
        "cjk_fonts": fonts,
        "preferred_fonts_present": [f for f in CJK_FAMILIES if f in fonts],
        "substitutions": subs,
        "ok": exe is not None and fontconfig and cjk_ok,
    }
