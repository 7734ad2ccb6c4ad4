"""lingong-docs: 朝阳区零工市场补贴申报材料工具 (validate, compute, build, intake)."""

__version__ = "0.1.0"
