"""Command line: the only layer that writes to the terminal."""

from lingong_docs.cli.main import main, run

__all__ = ["main", "run"]
