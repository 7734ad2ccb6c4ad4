"""The stages a long run reports through ``progress(stage, done, total)``, and their Chinese names.

One vocabulary for every front end: the command line's status line and the web page's build
progress both say ``stage_label(stage)``.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]      # (stage, done, total)

STAGE_ZH = {"reading": "读取表格", "validating": "校验数据", "computing": "计算补贴", "rendering": "生成文书",
            "converting": "转换为 PDF", "bundling": "组装材料包", "writing": "写入文件"}


def stage_label(stage: str) -> str:
    """Return the Chinese name of ``stage`` (the stage itself when unknown)."""
    return STAGE_ZH.get(stage, stage)
