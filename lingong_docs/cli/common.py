"""Shared pieces of the CLI modules: exit codes, error guard, logging set-up."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import gc
import json
import logging
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

import click

from lingong_docs.api import ScrubFilter, mask_file_name, scrub
from lingong_docs.core.errors import ConfigError, LingongError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


THIRD_PARTY_LOGGERS = ("pypdf", "pyhanko", "pyhanko_certvalidator", "fontTools", "PIL", "openpyxl",
                       "docxtpl", "reportlab", "frictionless", "py.warnings")


def _setup_logging(verbose: bool) -> None:
    """Send every log record through one masking handler; keep libraries quiet unless -v.

    Without a handler of ours, a library warning (pypdf's "EOF marker not found") would reach
    stderr through Python's last-resort handler, unmasked and in English.
    """
    # A file name that is not valid UTF-8 (copied from another system) must not stop the output:
    # what cannot be encoded is written as "?".
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    # Library warnings (openpyxl's quote cell values) go through the same masking handler, and
    # are shown only with -v.
    logging.captureWarnings(True)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ScrubFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("lingong_docs").setLevel(logging.DEBUG if verbose else logging.WARNING)
    for name in THIRD_PARTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.CRITICAL + 1)


# click's own messages, in Chinese. click looks each one up through ``gettext`` (bound as ``_``
# and ``ngettext`` in its modules); ``use_chinese_click`` rebinds those lookups to this table.
CLICK_ZH = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示此帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不需要值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "Did you mean {possibility}?": "是否想用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否想用其中之一：{possibilities}？）",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数字（{number_type}）。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} does not match the format {format}.": "{value!r} 不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "{value!r} 不符合格式 {formats} 中的任何一种。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，应为文件。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，应为文件夹。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "default: {default}": "默认：{default}",
    "Aborted!": "已中止。",
    "unknown error": "未知错误",
}


def _zh(message: str) -> str:
    return CLICK_ZH.get(message, message)


def _zh_plural(singular: str, plural: str, n: int) -> str:
    return _zh(singular if n == 1 else plural)


def use_chinese_click() -> None:
    """Make click's usage errors and help headings Chinese (its gettext lookups, rebound)."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.types

    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types):
        if hasattr(module, "_"):
            module._ = _zh  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _zh_plural  # type: ignore[attr-defined]
    # A usage error echoes what was typed (a path whose file name holds an ID number): masked.
    for cls in (click.ClickException, click.UsageError, click.BadParameter, click.MissingParameter,
                click.NoSuchOption, click.BadOptionUsage, click.BadArgumentUsage, click.FileError):
        original = cls.__dict__.get("format_message")
        if original is not None and not getattr(original, "masked", False):
            cls.format_message = _masked(original)  # type: ignore[method-assign]


def _masked(format_message):
    @functools.wraps(format_message)
    def wrapper(self) -> str:
        return scrub(format_message(self))

    wrapper.masked = True  # type: ignore[attr-defined]
    return wrapper


class KindType(click.ParamType):
    """A subsidy kind on the command line: the English word or the Chinese label (运营经费补贴 …)."""

    name = "kind"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from lingong_docs.core.kinds import KINDS, parse_kind

        kind = parse_kind(str(value))
        if kind is None:
            choices = "、".join(f"{k}（{v.label}）" for k, v in KINDS.items())
            self.fail(f"“{value}”不是补贴事项，应为 {choices} 之一。", param, ctx)
        return kind

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[operating|employment|recognition]"


KIND = KindType()


MIN_FREE_BYTES = 20_000_000


def check_output(target: Path) -> None:
    """Raise ConfigError (exit 2) when ``target`` cannot be written: before any work is done.

    ``target`` is a file or folder to be written; its folder (or the nearest one that exists)
    must be a writable folder with some free space. A read-only or full disk would otherwise
    show only after the work, as an internal error.
    """
    folder = target if target.is_dir() else target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    shown = mask_file_name(str(folder))
    if not folder.is_dir():
        raise ConfigError.make("output-not-writable", folder=shown, reason="这不是一个文件夹")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        reason = "磁盘已满" if e.errno == errno.ENOSPC else "没有写入权限，或磁盘为只读"
        raise ConfigError.make("output-not-writable", folder=shown, reason=reason) from None
    if shutil.disk_usage(folder).free < MIN_FREE_BYTES:
        raise ConfigError.make("output-not-writable", folder=shown, reason="磁盘剩余空间不足")


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector for the heavy part of a short command.

    Reading and validating a large roster makes hundreds of thousands of objects that form no
    cycles; the collector's passes over them cost about 4 % of a 30,000-row ``validate``. It is
    turned back on afterwards (a command run inside a longer process — the tests — gets it back).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_QUICK_EXIT = [False]


def allow_quick_exit() -> None:
    """Say that the running command has written everything and left nothing to clean up: the
    program (``cli.main.run``) may then end without Python's teardown of every object and module
    (about 40 ms after validating 30,000 rows; mypy ends the same way)."""
    _QUICK_EXIT[0] = True


def quick_exit_allowed() -> bool:
    return _QUICK_EXIT[0]


SOURCE_DATE_ENV = "SOURCE_DATE_EPOCH"


def source_date() -> dt.datetime | None:
    """Return the moment $SOURCE_DATE_EPOCH names (seconds since 1970, UTC), for byte-identical builds.

    Read here, at the edge, and passed down: the library never reads it from the environment.
    """
    epoch = os.environ.get(SOURCE_DATE_ENV, "").strip()
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC) if epoch.isdigit() else None


JSON_PRINTED = "lingong-json-printed"
"""``ctx.meta`` key a command sets once it printed its JSON result (an error after it goes to stderr only)."""


def error_json(e: LingongError) -> str:
    """Return the JSON a ``--format json`` command prints when it cannot go on."""
    return json.dumps({"valid": False, "exit_code": e.exit_code,
                       "error": {"code": e.code, "message": scrub(e.message), "hint": scrub(e.hint)}},
                      ensure_ascii=False, indent=2)


def guarded(fn):
    """Turn library errors into Chinese messages and exit 2; never print a raw traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except LingongError as e:
            if kwargs.get("fmt") == "json" and not click.get_current_context().meta.get(JSON_PRINTED):
                click.echo(error_json(e))    # a program reading stdout gets JSON whatever happened
            click.echo(f"错误：{scrub(str(e))}", err=True)
            sys.exit(e.exit_code)
        except BrokenPipeError:  # output piped into `head` and closed: not an error of ours
            try:
                sys.stdout = open(os.devnull, "w")  # replaces stdout until exit  # noqa: SIM115
            finally:
                os._exit(0)
        except KeyboardInterrupt:
            click.echo("已中断，未改动原有输出。", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except Exception as e:  # last line of defence: no traceback with personal data
            click.echo(f"内部错误（{type(e).__name__}）：程序遇到意外情况，已停止，未改动原有输出。", err=True)
            if os.environ.get("LINGONG_DEBUG"):
                click.echo(scrub("".join(traceback.format_exception(e))), err=True)
            else:
                click.echo("如需报告问题，请设置环境变量 LINGONG_DEBUG=1 重新运行（输出已脱敏）。", err=True)
            sys.exit(3)

    return wrapper
