"""CLI command of the build stage: ``build`` (listed in ``cli.main.COMMANDS``)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from lingong_docs import api
from lingong_docs.cli.common import KIND, check_output, guarded, source_date
from lingong_docs.core.errors import BuildError, BuildRefused
from lingong_docs.core.findings import SEVERITY_ZH
from lingong_docs.core.manifest import AGENT_SIGNED
from lingong_docs.core.progress import stage_label

PASSWORD_ENV = "LINGONG_PDF_PASSWORD"
SHOWN_PROBLEMS = 30
VALUE_WIDTH = 40        # characters of a cell value shown in the problem list


class _Progress:
    """One status line on stderr, redrawn in place (only when stderr is a terminal)."""

    def __init__(self):
        self.started = time.monotonic()
        self.last = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        label = stage_label(stage)
        pct = f" {int(done * 100 / total)}%" if total > 1 else ""
        line = f"\r{label}{pct}  （{time.monotonic() - self.started:.0f} 秒）"
        if line != self.last:
            click.echo(line.ljust(40), nl=False, err=True)
            self.last = line

    def close(self) -> None:
        if self.last:
            click.echo("\r" + " " * 40 + "\r", nl=False, err=True)
            self.last = ""


def _password(encrypt: bool) -> str | None:
    if not encrypt:
        return None
    password = os.environ.get(PASSWORD_ENV)
    if password is None and sys.stdin.isatty():
        password = click.prompt("请设置材料包打开密码", hide_input=True, confirmation_prompt="请再输入一次",
                                err=True, default="", show_default=False)
    if not password:
        raise BuildError.make("password-empty")
    return password


def one_line(text, width: int | None = VALUE_WIDTH) -> str:
    """Return ``text`` on one line (line breaks and runs of spaces become one space), cut to
    ``width`` characters with "…" at the end (no cut when ``width`` is None)."""
    flat = " ".join(str(text or "").split())
    if width is not None and len(flat) > width:
        return flat[:width - 1] + "…"
    return flat


def _problem_line(f) -> str:
    where = " ".join(x for x in (f.file or "", f.cell or (f"第{f.row}行" if f.row else "")) if x)
    value = one_line(f.value)
    message = f.message
    if f.value and len(str(f.value)) > VALUE_WIDTH:
        message = message.replace(str(f.value), value)      # a message quoting the whole value
    value = f"  {value}" if value else ""
    return f"  {SEVERITY_ZH.get(f.severity, f.severity)} [{f.code}] {where}{value}  {one_line(message, None)}"


def _print_refusal(problems) -> None:
    click.echo(click.style("未生成材料包：请先解决以下问题", fg="red", bold=True), err=True)
    for f in problems[:SHOWN_PROBLEMS]:
        click.echo(_problem_line(f), err=True)
    if len(problems) > SHOWN_PROBLEMS:
        click.echo(f"  ……另有 {len(problems) - SHOWN_PROBLEMS} 个问题，运行 lingong-docs validate 查看全部。", err=True)


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="输出位置：文件夹（默认为申请文件夹旁边的 out 文件夹）；只生成一项时也可以是 .pdf 文件名。")
@click.option("--kind", type=KIND,
              help="只生成一项：operating 或 运营经费补贴、employment 或 就业服务补贴、recognition 或 零工市场认定；"
                   "默认生成申请文件中“申请事项”的每一项。")
@click.option("--draft", is_flag=True,
              help="校验未通过也生成，每页加“草稿 — 未通过校验”水印（文件名以 _草稿 结尾，不能用于申报）。")
@click.option("--paper", is_flag=True,
              help="纸质版：不设电子签章域，多页表格右侧留骑缝章位置，材料清单注明总页数；打印后手工盖章、签字。")
@click.option("--encrypt", is_flag=True,
              help=f"用 AES-256 加密材料包；密码在提示时输入，或取自环境变量 {PASSWORD_ENV}（不能写在命令行上）。")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="按此日期检查申请期限（默认为申请文件中的申请日期），如 2026-04-30。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 供人阅读；json 输出材料包列表（拒绝生成时输出问题清单）。")
@guarded
def build(folder: Path, out, kind, draft: bool, paper: bool, encrypt: bool, as_of, fmt: str) -> None:
    """生成可签章的申请材料包（PDF）：校验、计算、生成文书、组装。

    \b
    每项补贴一个 PDF，依次为：封面、材料清单、申请报告（附件2/附件3/附件1）、
    附件4（仅运营经费补贴）、附件5、支付凭证；每页有“第X页 共Y页”，书签按材料分列，
    盖章、签字处留有电子签章域；原始表格、申请文件、校验报告和清单（manifest.json）作为附件嵌入。
    加 --paper 生成纸质版：没有电子签章域，打印后在“（盖章）”“（签字）”处手工盖章签字。
    \b
    示例：
      lingong-docs build 2025申请 -o out
      lingong-docs build 2025申请 --kind operating -o 运营经费补贴.pdf
      lingong-docs build 2025申请 --paper
      LINGONG_PDF_PASSWORD=******** lingong-docs build 2025申请 --encrypt
    \b
    退出码：0 已生成；1 校验或计算发现错误，未生成；2 输入无法读取或用法错误。
    """
    target = Path(out) if out is not None else api.build_output(folder)
    check_output(target if target.suffix.lower() == ".pdf" else target / "x.pdf")   # a folder, even if it exists
    password = _password(encrypt)
    progress = _Progress() if sys.stderr.isatty() and fmt == "text" else None
    try:
        with api.interrupts_remembered():     # Ctrl-C and SIGTERM: the same clean-up, exit 130
            results = api.build(folder, out, kinds=[kind] if kind else None, draft=draft, paper=paper,
                                password=password, as_of=as_of.date() if as_of else None, progress=progress,
                                source_date=source_date())
    except BuildRefused as e:
        if progress:
            progress.close()
        if fmt == "json":
            click.echo(json.dumps({"built": False, "problems": [f.to_dict() for f in e.problems]},
                                  ensure_ascii=False, indent=2))
            sys.exit(e.exit_code)
        _print_refusal(e.problems)
        raise
    finally:
        if progress:
            progress.close()
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
        return
    _print_results(results, password)
    _print_next_step(folder, results, draft, paper)


def _print_results(results: list, password: str | None) -> None:
    for r in results:
        size = r.path.stat().st_size
        note = "（草稿，不能用于申报）" if r.draft else ("（纸质版）" if r.paper else "")
        click.echo(click.style(f"已生成：{r.path}", fg="green", bold=True) + f"  {r.pages} 页，{size / 1e6:.1f} MB{note}")
        for m in r.materials:
            pages = f"第{m['first_page']}页" if m["first_page"] == m["last_page"] else \
                f"第{m['first_page']}—{m['last_page']}页"
            click.echo(f"  {m['title']}：{pages}")
        fields = r.manifest.get("signature_fields", [])
        if fields:
            click.echo(f"  签章域 {len(fields)} 个：" + "、".join(f["name"] for f in fields))
    if password:
        click.echo("材料包已用 AES-256 加密；请把密码另行告知区人社局。")
    if any(r.warnings for r in results):
        click.echo(f"注意：校验有 {results[0].warnings} 个警告，运行 lingong-docs validate 查看。")


def _print_next_step(folder: Path, results: list, draft: bool, paper: bool) -> None:
    notes = [f for r in results for f in r.notes]
    if notes:
        click.echo("排版问题（正式生成时会拒绝）：")
        for f in notes:
            click.echo(f"  [{f.code}] {one_line(f.message, None)}")
    if draft:
        problems = results[0].problems if results else []
        if problems and all(f.code == "subsidy-not-reached" for f in problems):
            click.echo(click.style("这是草稿，不能盖章提交：", fg="yellow", bold=True)
                       + "数据已通过校验，但计算金额为0元（未达到补贴标准）。")
            for f in problems:
                click.echo(f"  {one_line(f.message, None)}")
            click.echo(f"运行 lingong-docs compute {folder} --explain 查看计算过程。")
            return
        click.echo(click.style("这是草稿，不能盖章提交。", fg="yellow", bold=True)
                   + (f"要生成正式材料包：运行 lingong-docs validate {folder} 查看并改正全部错误" if problems
                      else "要生成正式材料包：")
                   + ("和上面的排版问题" if notes else "")
                   + ("，再" if problems else "") + "不加 --draft 重新运行 lingong-docs build。")
    elif paper:
        seam = any(m["key"] in AGENT_SIGNED and m["last_page"] > m["first_page"] for r in results for m in r.materials)
        click.echo(f"下一步：打印全部页面，在“（盖章）”处加盖公章，{_signers(results)}"
                   + ("，按材料清单下的说明装订并加盖骑缝章" if seam else "") + "后报送。")
    else:
        click.echo(f"下一步：在各盖章处加盖电子印章，{_signers(results)}后提交；受理前可运行 lingong-docs intake 自查。")


def _signers(results: list) -> str:
    """Return who signs where, as the forms of ``results`` ask: 法定代表人 on the reports, 经办人 on
    the tables."""
    tables = [m["title"].split()[0] for m in results[0].materials if m["key"] in AGENT_SIGNED] if results else []
    return "在申请报告上由法定代表人签字" + (f"、在{'和'.join(tables)}上由经办人签字" if tables else "")

