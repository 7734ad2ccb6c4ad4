"""CLI commands of the render stage (listed in ``cli.main.COMMANDS``): ``doctor``."""

from __future__ import annotations

import json
import sys

import click

from lingong_docs import api
from lingong_docs.cli.common import EXIT_OK, EXIT_USAGE, guarded


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 供人阅读，json 供其他程序读取。")
@guarded
def doctor(fmt: str) -> None:
    """检查运行环境：LibreOffice、中文字体及公文字体替换、Python 与依赖包版本、XML 防护。

    \b
    公文字体（方正小标宋简体、仿宋_GB2312、黑体、楷体_GB2312）不是免费字体，
    生成 PDF 时按 forms/fonts.conf 换成已安装的免费中文字体，这里逐一列出。
    \b
    退出码：0 一切正常；2 缺少 LibreOffice 或中文字体（或 XML 防护未启用）。
    """
    report = api.doctor().to_dict()
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        sys.exit(EXIT_OK if report["ok"] else EXIT_USAGE)
    lo = report["libreoffice"]
    click.echo("LibreOffice：" + (f"{lo['version']}（{lo['path']}）" if lo["path"] else "未找到"))
    click.echo(f"字体配置：{report['fonts_conf']}")
    fonts = report["cjk_fonts"]
    click.echo(f"中文字体：{len(fonts)} 种" + (f"（{', '.join(report['preferred_fonts_present'])} 等）"
                                              if fonts else ""))
    click.echo("公文字体替换：")
    for s in report["substitutions"]:
        target = f"{s['family']} {s['style']}".strip() or "（无）"
        same = "" if s["substituted"] else "（已安装原字体）"
        click.echo(f"  {s['font']} → {target}{same}")
    click.echo(f"Python：{report['python']['version']}（{report['python']['executable']}）")
    click.echo("依赖包：" + "，".join(f"{k} {v}" for k, v in report["packages"].items() if v))
    click.echo("openpyxl XML 防护（defusedxml）：" + ("已启用" if report["openpyxl_defusedxml"] else "未启用"))
    problems = []
    if not lo["path"]:
        problems.append("未安装 LibreOffice，无法生成 PDF。安装：sudo apt-get install "
                        "libreoffice-writer-nogui libreoffice-calc-nogui（或在项目目录运行 make setup）。")
    if not report["fontconfig"]:
        problems.append("未找到 fontconfig（fc-match），无法确认字体替换。安装：sudo apt-get install fontconfig。")
    if not fonts:
        problems.append("没有找到中文字体，PDF 会缺字。安装：sudo apt-get install fonts-noto-cjk "
                        "fonts-arphic-uming fonts-arphic-ukai（或运行 make setup）。")
    elif report["fontconfig"] and not report["ok"] and lo["path"] and report["openpyxl_defusedxml"]:
        problems.append("有公文字体被替换成了不含中文的字体，PDF 可能缺字。请安装 fonts-noto-cjk（或运行 make setup）。")
    if not report["openpyxl_defusedxml"]:
        problems.append("openpyxl 未启用 defusedxml：请安装 defusedxml，并取消环境变量 OPENPYXL_DEFUSEDXML。")
    if problems:
        for p in problems:
            click.echo("问题：" + p, err=True)
        sys.exit(EXIT_USAGE)
    click.echo("环境正常，可以生成申报材料。")
    sys.exit(EXIT_OK)

