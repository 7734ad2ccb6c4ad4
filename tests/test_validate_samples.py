"""The samples: broken/ produces exactly its listed findings, demo/ produces none."""

from __future__ import annotations

from pathlib import Path

import yaml

from lingong_docs.reader.folder import read_application
from lingong_docs.validate.run import validate

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_broken_sample_produces_exactly_its_listed_findings():
    expected = yaml.safe_load((SAMPLES / "broken" / "expected.yaml").read_text(encoding="utf-8"))
    want = {(e["file"], e["row"], e["column"], e["code"]) for e in expected}
    report = validate(read_application(SAMPLES / "broken"))
    got = {(f.file, f.row, f.column, f.code) for f in report.findings}
    assert got - want == set(), "unexpected findings"
    assert want - got == set(), "missing findings"


def test_demo_sample_is_clean():
    report = validate(read_application(SAMPLES / "demo"))
    assert report.valid
    assert report.findings == []
    assert report.stats["rows"] == {"job_posts": 230, "roster": 5200}
