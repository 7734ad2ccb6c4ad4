"""The public API: each result's ``to_dict()`` is exactly what the CLI prints with ``--format json``."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.apps import fill, make_app, table_path, tiny_pdf
from helpers.figures import roster_row

import lingong_docs as lg
from lingong_docs.core import errors as lg_errors
from lingong_docs.package.build import BuildRefused

DEMO = Path(__file__).resolve().parent.parent / "samples" / "demo"
SECTIONS = ("选址建设情况", "场地设施人员制度服务", "线上平台搭建情况", "机构基本情况及成功案例")


def cli_json(*args: str) -> tuple[int, object]:
    done = subprocess.run([sys.executable, "-m", "lingong_docs", *args, "--format", "json"],
                          capture_output=True, text=True, timeout=600)
    return done.returncode, json.loads(done.stdout)


def without(data: dict, *keys: str) -> dict:
    return {k: v for k, v in data.items() if k not in keys}


def test_the_api_is_importable_as_one_name():
    assert all(callable(getattr(lg, name)) for name in ("validate", "compute", "build", "intake"))
    assert lg.__all__[:4] == ["validate", "compute", "build", "intake"]


def test_validate_matches_the_cli_json():
    code, printed = cli_json("validate", str(DEMO))
    report = lg.validate(DEMO)
    assert code == 0 and report.valid
    ours = report.to_dict()
    assert without(ours, "stats") == without(printed, "stats")
    assert without(ours["stats"], "seconds") == without(printed["stats"], "seconds")


def test_compute_matches_the_cli_json_for_one_and_several_folders(tmp_path):
    code, printed = cli_json("compute", str(DEMO))
    assert code == 0 and lg.compute(DEMO).to_dict() == printed
    other = tmp_path / "other"
    make_app(other)
    code, printed = cli_json("compute", str(DEMO), str(other))
    assert [f.to_dict() for f in lg.compute([DEMO, other])] == printed


@pytest.fixture(scope="module")
def recognition_app(tmp_path_factory) -> Path:
    """A small valid application for recognition only (cover, checklist and 附件1: quick to build)."""
    folder = make_app(tmp_path_factory.mktemp("api") / "app")
    fill(table_path(folder, "roster"), "roster", [roster_row(i) for i in range(12)])
    fill(table_path(folder, "job_posts"), "job_posts",
         [{"seq": 1, "title": "分拣员", "category": "物流仓储", "published": dt.datetime(2025, 1, 5), "demand": 20}])
    (folder / "支付凭证" / "0001-0012 代发回单.pdf").write_bytes(tiny_pdf())
    text = (folder / "application.yaml").read_text(encoding="utf-8")
    text = text.replace("  - 运营经费补贴\n  - 就业服务补贴\n", "  - 零工市场认定\n")
    for section in SECTIONS:
        text = text.replace(f'  {section}: ""', f"  {section}: {section}的说明。")
    (folder / "application.yaml").write_text(text, encoding="utf-8")
    return folder


def test_build_matches_the_cli_json(recognition_app, tmp_path):
    code, printed = cli_json("build", str(recognition_app), "-o", str(tmp_path / "cli"))
    assert code == 0 and len(printed) == 1
    built = lg.build(recognition_app, tmp_path / "api")
    assert [without(r.to_dict(), "path") for r in built] == [without(p, "path") for p in printed]
    assert printed[0]["kind"] == "recognition" and printed[0]["signature_fields"]


def test_intake_matches_the_cli_json(recognition_app, tmp_path):
    package = lg.build(recognition_app, tmp_path / "out")[0].path
    options = ("--no-ledger", "--allow-unsigned", "--as-of", "2026-03-05", "--clerk", "王明")
    code, printed = cli_json("intake", str(package), *options)
    results = lg.intake([package], as_of=dt.date(2026, 3, 5), allow_unsigned=True, clerk="王明")
    assert code == 0 and len(printed) == 1 and results[0].accepted
    moment = ("receipt_no", "received_at")        # each examination gets its own number and time
    assert without(results[0].to_dict(), *moment) == without(printed[0], *moment)
    assert printed[0]["clerk"] == "王明" and printed[0]["kind"] == "recognition"


def test_a_refused_build_lists_its_problems_in_json_and_raises_in_python(tmp_path):
    folder = make_app(tmp_path / "empty")          # no rows: the subsidies are not reached
    code, printed = cli_json("build", str(folder), "-o", str(tmp_path / "out"))
    assert code == 1 and printed["built"] is False
    with pytest.raises(BuildRefused) as refused:
        lg.build(folder, tmp_path / "out")
    assert [f.to_dict() for f in refused.value.problems] == printed["problems"]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.pdf"))


def test_the_api_names_stay_functions_after_their_modules_are_imported():
    """``lingong_docs.validate`` etc. are also module names: importing them must not rebind the API."""
    import lingong_docs.corrections
    import lingong_docs.validate.run  # noqa: F401
    from lingong_docs.intake import service  # noqa: F401

    assert all(callable(getattr(lg, name)) for name in ("validate", "compute", "build", "intake", "fix"))


def test_fix_matches_the_cli_json(tmp_path):
    folder = make_app(tmp_path / "app")
    fill(table_path(folder, "roster"), "roster", [dict(roster_row(0), phone="１３９ ０００ ０００ ０１")])
    code, printed = cli_json("fix", str(folder), "-o", str(tmp_path / "cli"))
    assert code == 0
    ours = lg.fix(folder, tmp_path / "api").to_dict()
    assert without(ours, "target") == without(printed, "target") and ours["changes"]


def test_build_into_a_file_raises_the_chinese_error_not_an_os_error(recognition_app, tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("keep", encoding="utf-8")
    with pytest.raises(lg_errors.LingongError) as refused:
        lg.build(recognition_app, taken)
    assert refused.value.code == "output-not-writable" and taken.read_text(encoding="utf-8") == "keep"


def test_the_api_takes_what_the_cli_takes(recognition_app, tmp_path):
    (built,) = lg.build(recognition_app, tmp_path, kinds=["零工市场认定"])    # the Chinese label, as --kind
    results = lg.intake(str(built.path), as_of=dt.date(2026, 3, 5), allow_unsigned=True)   # one path
    assert len(results) == 1 and results[0].kind == "recognition"
    with pytest.raises(lg_errors.ConfigError) as e:
        lg.build(recognition_app, tmp_path, kinds=["认定"])
    assert e.value.code == "kind-unknown"


def test_the_rule_catalogue_matches_the_cli_json():
    code, printed = cli_json("rules")
    assert code == 0 and lg.rules().to_dict() == printed and "id-check-char" in printed


def test_explain_gives_each_figure_its_reasoning_as_text():
    fig = lg.compute(DEMO)
    reasoning = lg.explain(fig)
    assert [s.name for s in reasoning.steps] == [e["name"] for e in fig.explanation]
    assert set(reasoning.readings) >= set(fig.match_count_readings)
    step = reasoning.to_dict()["steps"][0]
    assert all(isinstance(v, str) for v in step["inputs"].values()) and step["arithmetic"]
    assert reasoning.cap_rule


def test_init_returns_the_files_and_the_notes(tmp_path):
    result = lg.init(tmp_path / "new", year=2025, today=dt.date(2026, 5, 1))   # after the 2025 deadline
    data = result.to_dict()
    assert "application.yaml" in data["files"] and all((tmp_path / "new" / f).is_file() for f in data["files"])
    assert [n["code"] for n in data["notes"]] == ["deadline-passed"]


def test_receipt_files_are_found_by_number_only(tmp_path):
    (tmp_path / "YS20260310-0001.json").write_text("{}", encoding="utf-8")
    assert lg.api.receipt_file(tmp_path, "YS20260310-0001", "json") == tmp_path / "YS20260310-0001.json"
    assert lg.api.receipt_file(tmp_path, "YS20260310-0001", "pdf") is None          # no such file
    assert lg.api.receipt_file(tmp_path, "../YS20260310-0001", "json") is None      # not a receipt number
    assert lg.api.receipt_file(tmp_path, "YS20260310-0001", "txt") is None


def test_an_annotated_copy_never_replaces_a_validated_workbook(tmp_path):
    folder = make_app(tmp_path / "app")
    app = lg.read(folder)
    report = lg.validate(app)
    roster = table_path(folder, "roster")
    before = roster.read_bytes()
    with pytest.raises(lg.LingongError) as refused:
        lg.annotate(app, report, roster, workbook=roster)
    assert refused.value.code == "output-not-writable" and roster.read_bytes() == before
    [written] = lg.annotate(app, report, tmp_path / "标注.xlsx", workbook=roster)
    assert written == tmp_path / "标注.xlsx" and written.stat().st_size > 0
