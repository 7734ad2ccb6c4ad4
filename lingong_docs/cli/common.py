"""Shared pieces of the CLI modules: exit codes, error guard, logging set-up."""

from __future__ import annotations

import errno
import functools
import logging
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

import click

from lingong_docs.core.errors import ConfigError, LingongError
from lingong_docs.util.pii import ScrubFilter, mask_file_name, scrub

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


THIRD_PARTY_LOGGERS = ("pypdf", "pyhanko", "pyhanko_certvalidator", "fontTools", "PIL", "openpyxl",
                       "docxtpl", "reportlab", "frictionless")


def _setup_logging(verbose: bool) -> None:
    """Send every log record through one masking handler; keep libraries quiet unless -v.

    Without a handler of ours, a library warning (pypdf's "EOF marker not found") would reach
    stderr through Python's last-resort handler, unmasked and in English.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ScrubFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("lingong_docs").setLevel(logging.DEBUG if verbose else logging.WARNING)
    for name in THIRD_PARTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.CRITICAL + 1)


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


def write_failed(e: OSError, target: Path) -> ConfigError:
    """Return the Chinese error for an output that could not be written after all."""
    reason = "磁盘已满" if e.errno == errno.ENOSPC else "无法写入（权限或磁盘问题）"
    return ConfigError.make("output-not-writable", folder=mask_file_name(str(target.parent)), reason=reason)


def guarded(fn):
    """Turn library errors into Chinese messages and exit 2; never print a raw traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except LingongError as e:
            click.echo(f"错误：{scrub(str(e))}", err=True)
            sys.exit(e.exit_code)
        except BrokenPipeError:  # output piped into `head` and closed: not an error of ours
            try:
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - replaces stdout until exit
            finally:
                os._exit(0)
        except KeyboardInterrupt:
            click.echo("已中断，未改动原有输出。", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except Exception as e:  # noqa: BLE001 - last line of defence: no traceback with personal data
            click.echo(f"内部错误（{type(e).__name__}）：程序遇到意外情况，已停止，未改动原有输出。", err=True)
            if os.environ.get("LINGONG_DEBUG"):
                click.echo(scrub("".join(traceback.format_exception(e))), err=True)
            else:
                click.echo("如需报告问题，请设置环境变量 LINGONG_DEBUG=1 重新运行（输出已脱敏）。", err=True)
            sys.exit(3)

    return wrapper
