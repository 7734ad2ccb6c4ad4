"""Shared pieces of the CLI modules: exit codes, error guard, logging set-up."""

from __future__ import annotations

import functools
import logging
import os
import sys
import traceback

import click

from lingong_docs.core.errors import LingongError
from lingong_docs.util.pii import ScrubFilter, scrub

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
