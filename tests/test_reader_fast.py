"""The reader's fast path (``reader.fast``: fastexcel columns) gives what the whole-sheet path gives.

Every case of the validate corpus is validated again with every sheet sent to the fast path
(``fast.MODE``) — the whole JSON must still equal the golden the whole-sheet path made. Cases
the fast path hands back (mixed types in a column, merges in the data, a 1904 workbook …) pass
through the whole-sheet path and are compared too; ``test_the_fast_path_takes_most_cases``
checks that most of them really go through the columns.
"""

from __future__ import annotations

import pytest
from helpers import validate_corpus as corpus
from test_validate_corpus import HEAVY, check

from lingong_docs.reader import fast, xlsx

SMALL = corpus.small_cases()


@pytest.fixture
def always_fast(monkeypatch):
    """Send every sheet to the fast path and count the tables it read."""
    monkeypatch.setattr(fast, "MODE", "always")
    taken: list[str] = []
    real = xlsx._read_records_fast

    def counted(table, *args, **kwargs):
        taken.append(table.path.name)
        return real(table, *args, **kwargs)
    monkeypatch.setattr(xlsx, "_read_records_fast", counted)
    return taken


@pytest.mark.parametrize("case", [pytest.param(c, marks=[pytest.mark.slow] if c.name in HEAVY else [], id=c.name)
                                  for c in SMALL])
def test_the_fast_path_matches_the_golden(case, tmp_path, always_fast):
    check(case, corpus.observe(case, tmp_path / case.name))


def test_the_fast_path_takes_most_cases(tmp_path, always_fast):
    light = [c for c in SMALL if c.name not in HEAVY]
    for case in light:
        before = len(always_fast)
        corpus.observe(case, tmp_path / case.name)
        always_fast.append(f"{case.name}:{len(always_fast) - before}")
    used = [entry for entry in always_fast if ":" in entry and not entry.endswith(":0")]
    assert len(used) >= len(light) // 2, always_fast
