"""``python -m lingong_docs``: the command line."""

from lingong_docs.cli import run

run()
