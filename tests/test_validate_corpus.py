"""The full JSON of `lingong-docs validate` on a corpus stays what the goldens say (issue 24).

Every case of ``tests/helpers/validate_corpus.py`` (the samples, the messy and held-out workbooks of
the test suite, a seeded 30,000-row roster) is rebuilt, validated, and its whole JSON — every
finding's code, severity, file, sheet, row, column, header, value, message and hint, in order, the
counts and stats, the exit code — compared with the golden under ``tests/data/validate_corpus/``.
Normalised before the comparison, and only that: ``stats.seconds`` (a timing) is dropped and the
case's absolute folder is written ``<CASE>``. Goldens are written only by
``python -m tests.helpers.validate_corpus --regenerate``, never by the tests.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from helpers import validate_corpus as corpus

SMALL = corpus.small_cases()
HEAVY = {"typed-values", "sample-demo", "roster-seeded-3k"}   # over a second each: `make test-fast` leaves them out
FULL_ID = re.compile(r"(?<![0-9A-Z])[0-9]{17}[0-9X](?![0-9A-Z])")


def first_difference(got: dict, want: dict) -> str:
    """Say where two validate results part, for a readable failure."""
    if got["exit_code"] != want["exit_code"]:
        return f"exit code {got['exit_code']} != golden {want['exit_code']}"
    a, b = got["output"].get("issues", []), want["output"].get("issues", [])
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"finding #{i} differs:\n  new:    {x}\n  golden: {y}"
    if len(a) != len(b):
        extra = a[len(b):] or b[len(a):]
        return f"{len(a)} findings, golden has {len(b)}; first unmatched: {extra[0]}"
    keys = sorted(k for k in set(got["output"]) | set(want["output"]) if got["output"].get(k) != want["output"].get(k))
    return f"fields differ: {keys}: new {[got['output'].get(k) for k in keys]}, golden {[want['output'].get(k) for k in keys]}"


def check(case: corpus.Case, result: dict) -> None:
    golden = corpus.read_golden(case)
    assert result == golden, f"{case.name}: {first_difference(result, golden)}"
    out = result["output"]
    found = {i["code"] for i in out.get("issues", [])} | ({out["error"]["code"]} if "error" in out else set())
    assert case.must <= found, f"{case.name}: expected codes missing: {sorted(case.must - found)}"
    text = json.dumps(out, ensure_ascii=False)
    assert not FULL_ID.search(text), f"{case.name}: a full ID number is printed"


@pytest.mark.parametrize("case", [pytest.param(c, marks=[pytest.mark.slow] if c.name in HEAVY else [], id=c.name)
                                  for c in SMALL])
def test_validate_json_matches_the_golden(case, tmp_path):
    check(case, corpus.observe(case, tmp_path / case.name))


def test_the_corpus_is_not_empty_by_accident():
    """Most cases find something; the clean ones are the few meant clean."""
    results = {c.name: corpus.read_golden(c) for c in SMALL}
    clean = {name for name, r in results.items() if not r["output"].get("issues") and "error" not in r["output"]}
    assert clean <= {"far-formatting", "header-down-90", "both-labels-one-cell", "other-applicant", "sample-demo"}
    assert results["sample-demo"]["output"]["stats"]["rows"]["roster"] > 5000
    assert sum(len(r["output"].get("issues", [])) for r in results.values()) > 300


def _digest(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", ["typed-values", "footer-lines", "merged-cells"])
def test_the_corpus_inputs_are_rebuilt_byte_for_byte(name, tmp_path):
    [case] = [c for c in SMALL if c.name == name]
    corpus.build(case, tmp_path / "a")
    corpus.build(case, tmp_path / "b")
    first, second = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert first == second and any(k.endswith(".xlsx") for k in first)


@pytest.mark.slow
def test_a_30000_row_roster_with_errors_spread_around(tmp_path):
    [case] = [c for c in corpus.all_cases() if c.slow]
    result = corpus.observe(case, tmp_path / case.name)
    check(case, result)
    stats = result["output"]["stats"]
    assert stats["rows"]["roster"] > 30_000
    assert all(stats["by_code"].get(code, 0) >= 1 for code in corpus.SEEDED.values())   # each seeded mistake found
