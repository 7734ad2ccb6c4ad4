"""Render stage: ``lingong-docs doctor`` and the font report."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from lingong_docs.render import font_report


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "lingong_docs", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_font_report_maps_every_gongwen_font():
    report = font_report()
    assert report["ok"] is True
    assert report["libreoffice"]["version"].startswith("LibreOffice")
    subs = {s["font"]: s["family"] for s in report["substitutions"]}
    assert subs["方正小标宋简体"] == "Noto Serif CJK SC"
    assert subs["仿宋_GB2312"] == "Noto Serif CJK SC"
    assert subs["黑体"] == subs["SimHei"] == "Noto Sans CJK SC"
    assert subs["楷体_GB2312"] == subs["KaiTi"] == "AR PL UKai CN"
    assert subs["宋体"] == "Noto Serif CJK SC"
    title = next(s for s in report["substitutions"] if s["font"] == "方正小标宋简体")
    assert title["style"] == "Bold"          # 小标宋 is a heavy face
    assert "Noto Serif CJK SC" in report["cjk_fonts"]


def test_doctor_text():
    done = run("doctor")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "LibreOffice 7" in out and "/soffice" in out
    assert "仿宋_GB2312 → Noto Serif CJK SC" in out and "方正小标宋简体 → Noto Serif CJK SC Bold" in out
    assert "defusedxml）：已启用" in out and "docxtpl" in out and "Python：3." in out


def test_doctor_json():
    done = run("doctor", "--format", "json")
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert data["ok"] is True and data["openpyxl_defusedxml"] is True
    assert data["packages"]["openpyxl"] and data["libreoffice"]["path"]


def test_doctor_without_libreoffice_exits_2_with_chinese_advice(tmp_path):
    done = run("doctor", env={"LINGONG_SOFFICE": str(tmp_path / "none")})
    assert done.returncode == 2
    assert "LibreOffice：未找到" in done.stdout
    assert "sudo apt-get install libreoffice-writer-nogui libreoffice-calc-nogui" in done.stderr


def test_doctor_help_is_chinese():
    done = run("doctor", "--help")
    assert done.returncode == 0 and "检查运行环境" in done.stdout and "输出格式" in done.stdout
