"""CLI commands of the intake stage (listed in ``cli.main.COMMANDS``): intake, publicity."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from lingong_docs import api
from lingong_docs.cli.common import EXIT_FINDINGS, EXIT_OK, check_output, guarded
from lingong_docs.core import kinds
from lingong_docs.core.findings import SEVERITY_ZH

# Existence is checked by the command itself, so the message is Chinese (Click's own is English).
_PACKAGE = click.Path(path_type=Path)


def _check_sources(paths: tuple[Path, ...], what: str = "材料包") -> None:
    for path in paths:
        api.check_package(path, what)


def _terminate_as_interrupt() -> None:
    """SIGTERM ends intake like Ctrl-C: children killed, work folders removed, nothing half-recorded."""
    import signal

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _password(var: str | None) -> str | None:
    if not var:
        return None
    value = os.environ.get(var)
    if value is None:
        raise click.UsageError(f"环境变量 {var} 未设置（--password-env 应写保存打开密码的环境变量名，不是密码本身）。")
    return value


def _date(value):
    return None if value is None else value.date()


def _receipt_text(r) -> list[str]:
    from lingong_docs.api import yuan

    a = r.applicant or {}
    lines = [f"【{'受理' if r.accepted else '不予受理'}】{r.package}    回执号 {r.receipt_no}"]
    kind = kinds.label(r.kind)
    lines.append(f"  申请单位：{a.get('name') or '（未能读取）'}（统一社会信用代码 {a.get('uscc') or '未能读取'}）")
    line = f"  申请事项：{kind}" + (f"    年度：{r.year}" if r.year else "")
    if r.figures and r.figures.get("amount") is not None:
        from decimal import Decimal
        line += f"    核算金额：{yuan(Decimal(r.figures['amount']))} 元    撮合个次：{r.figures['match_count']:,}"
    lines.append(line)
    lines.append(f"  SHA-256：{r.sha256}")
    if r.findings:
        lines.append("  一次性告知：" if not r.accepted else "  提示：")
        for i, f in enumerate(r.findings, start=1):
            lines.append(f"  {i}. [{SEVERITY_ZH.get(f.severity, f.severity)}] {f.message}（{f.code}）")
    return lines


@click.command("intake")
@click.argument("packages", nargs=-1, required=True, type=_PACKAGE)
@click.option("--ledger", "ledger_path", metavar="文件或URL",
              help="受理台账：SQLite 文件，或多台电脑共用的 postgresql://用户名@服务器:端口/数据库名；"
                   "默认取环境变量 LINGONG_LEDGER，否则为 ~/.local/share/lingong-docs/intake-ledger.sqlite。")
@click.option("--no-ledger", is_flag=True, help="不使用受理台账（仅核对本次给出的材料包之间的重复，适合预审）。")
@click.option("--key-file", type=click.Path(path_type=Path),
              help="台账密钥文件；不给时读环境变量 LINGONG_LEDGER_KEY。")
@click.option("--check-only", is_flag=True, help="与台账比对，但不把本次材料包登记进台账。")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="收件日期（按此核对申请截止日期），如 2026-04-30；默认今天。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 供人阅读；json 输出回执列表。")
@click.option("--receipt", "receipt_dir", type=click.Path(file_okay=False, path_type=Path),
              help="把每个材料包的受理回执（PDF 和 JSON）写入此文件夹。")
@click.option("--password-env", metavar="VAR", help="保存材料包打开密码的环境变量名（加密材料包用）。")
@click.option("--allow-unsigned", is_flag=True,
              help="未盖电子签章只作警告，不作为不予受理的理由（用于报送前的预审）。")
@click.option("--trust", "trust", multiple=True, type=click.Path(path_type=Path),
              help="受信任的根证书（PEM/DER 文件，或存放根证书的文件夹），可多次给出；另读取环境变量 "
                   "LINGONG_TRUST_DIR 指定的文件夹（默认 ~/.config/lingong-docs/trust）。"
                   "配置后，证书不能追溯到这些根证书的签章不予受理；未配置时签章只核验内容是否完好。")
@click.option("--clerk", help="经办人姓名（印在回执上）。")
@click.option("--bureau", help="受理部门名称（印在回执上）；默认取环境变量 LINGONG_BUREAU，否则为政策文件所写的发布部门（朝阳区人力资源和社会保障局）。")
@guarded
def intake_command(packages, ledger_path, no_ledger, key_file, check_only, as_of, fmt, receipt_dir,
                   password_env, allow_unsigned, trust, clerk, bureau) -> None:
    """受理核验：逐个检查报送的 PDF 材料包，出具受理回执（一次性告知全部问题）。

    \b
    检查：安全读取（受限子进程）、材料齐全、清单页码、截止日期、内嵌文件摘要、
    电子签章（按申请事项应有的盖章位置、未签章/失效/签章后被修改/新增签章框或批注）、
    用内嵌表格重新校验并重算金额、页面印出的个次和人数与重算结果一致、
    用内嵌数据重新生成封面、材料清单和申请报告并与页面逐页比对（需要 LibreOffice）、
    与受理台账比对（同一人员同一时段被不同机构申报、机构年度50万元上限、
    已受理的同一材料包重复报送；曾不予受理的材料包可重新受理）。
    退出码：0 全部受理；1 有不予受理；2 文件无法读取、台账数据库无法连接或连接中断、用法错误。

    \b
    示例：
      export LINGONG_LEDGER_KEY=...        # 台账密钥，由受理部门保管
      lingong-docs intake 收件/*.pdf --receipt 回执/
      lingong-docs intake 材料包.pdf --no-ledger --allow-unsigned   # 报送前预审
    """
    _check_sources(packages)
    if receipt_dir is not None:
        check_output(receipt_dir)            # a read-only or full folder is said before any work
    _terminate_as_interrupt()
    password = _password(password_env)
    as_of = _date(as_of)
    ledger = None
    if not no_ledger:
        ledger = api.open_ledger(ledger_path, key_file=key_file)   # a wrong key is refused here, before any work
    try:
        receipts = api.intake(list(packages), ledger=ledger, as_of=as_of, password=password,
                          trust=trust, allow_unsigned=allow_unsigned,
                          record=not check_only, receipt_dir=receipt_dir, clerk=clerk, bureau=bureau)
    finally:
        if ledger is not None:
            ledger.close()
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in receipts], ensure_ascii=False, indent=2))
    else:
        for r in receipts:
            click.echo("\n".join(_receipt_text(r)))
            click.echo("")
        accepted = sum(1 for r in receipts if r.accepted)
        click.echo(f"共{len(receipts)}个材料包：受理{accepted}个，不予受理{len(receipts) - accepted}个。")
        if receipt_dir is not None:
            click.echo(f"受理回执已写入：{receipt_dir}")
        if ledger is not None and not check_only:
            click.echo(f"已登记到受理台账：{ledger.where}")
    sys.exit(EXIT_OK if all(r.accepted for r in receipts) else EXIT_FINDINGS)


@click.command("publicity")
@click.argument("sources", nargs=-1, required=True)
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="公示名单文件：.xlsx 或 .pdf。")
@click.option("--year", type=int, help="只列该申请年度的补贴。")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="公示日期（核验材料包时也作收件日期）；默认今天。")
@click.option("--password-env", metavar="VAR", help="保存材料包打开密码的环境变量名。")
@click.option("--allow-unsigned", is_flag=True, help="直接给出材料包时，未盖电子签章的也列入（仅供预览）。")
@guarded
def publicity_command(sources, output, year, as_of, password_env, allow_unsigned) -> None:
    """生成公示名单：机构名称、统一社会信用代码、零工市场、补贴类型、撮合个次、补贴金额。

    \b
    来源可以是受理台账（SQLite 文件或 postgresql:// 地址，列出已受理的申请），也可以是 PDF 材料包
    （当场核验，列出可受理的）。
    名单不含任何零工人员信息。
    示例：
      lingong-docs publicity ~/.local/share/lingong-docs/intake-ledger.sqlite --year 2025 -o 公示名单.xlsx
      lingong-docs publicity 收件/*.pdf -o 公示名单.pdf
    """
    _check_sources(tuple(Path(s) for s in sources if "://" not in s), "台账或材料包")   # a URL names a database
    check_output(output)
    notice = api.publicity(list(sources), output, year=year, as_of=_date(as_of),
                           password=_password(password_env), allow_unsigned=allow_unsigned)
    click.echo(f"已生成公示名单（{notice.rows}项）：{notice.path}")
    sys.exit(EXIT_OK)

