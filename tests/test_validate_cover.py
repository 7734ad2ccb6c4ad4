"""Validate: application values too long for the one-page cover are caught before the build,
with the layout model the build is held to (``core.layout.cover_room``)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import lingong_docs as lg
from lingong_docs.core.layout import COVER_FIELDS, cover_room

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = ("北京市朝阳区望京街道阜通东大街望京SOHO塔3座12层1201至1208室示例驿站服务中心办公区东侧" * 2)


def _with_address(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / f"app{n}"
    shutil.copytree(ROOT / "samples" / "demo", folder)
    app = folder / "application.yaml"
    text = re.sub(r'(?m)^地址: .*$', f'地址: "{ADDRESS[:n]}"', app.read_text(encoding="utf-8"))
    app.write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("n, caught", [(60, False), (64, True)])
def test_an_address_too_long_for_the_cover_is_a_validate_error(tmp_path, n, caught):
    """A 64-character address passed validate and then stopped the build with form-overflow;
    60 characters fit (both measured on the LibreOffice-rendered cover)."""
    report = lg.validate(_with_address(tmp_path, n))
    found = [f for f in report.findings if f.code == "cover-too-long"]
    assert bool(found) == caught
    if caught:
        assert found[0].severity == "error" and "地址" in found[0].message and "64" in found[0].message


def test_the_demo_cover_has_room():
    values = {k: "" for k in COVER_FIELDS}
    assert cover_room(values) == 3
    assert lg.validate(ROOT / "samples" / "demo").valid
