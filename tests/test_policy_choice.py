"""One policy choice (``core.policy.policy_for``) for validate, compute, the pipeline and intake."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

import pytest
from helpers.apps import fill, make_app, table_path
from helpers.figures import TODAY, YEAR, add_evidence, roster_row

from lingong_docs import pipeline
from lingong_docs.blanks import year_notes
from lingong_docs.compute import compute_application
from lingong_docs.core import policy as policy_mod
from lingong_docs.core.errors import ConfigError, LingongError
from lingong_docs.core.manifest import Manifest
from lingong_docs.core.policy import load_policy_file, policy_for
from lingong_docs.intake.examine.examination import Examination
from lingong_docs.intake.examine.manifest import package_policy
from lingong_docs.reader import read_application
from lingong_docs.validate.run import validate


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """An application of 20 rows (workers aged 36–45) that passes validation."""
    app = make_app(tmp_path_factory.mktemp("choice") / "app", year=YEAR)
    fill(table_path(app, "roster"), "roster", [roster_row(i) for i in range(20)])
    fill(table_path(app, "job_posts"), "job_posts",
         [{"seq": 1, "title": "分拣员", "category": "物流仓储", "published": dt.datetime(YEAR, 1, 5), "demand": 50}])
    add_evidence(app, 20)
    return app


def strict_copy(tmp_path: Path, policy_id: str = "strict-copy", first: int = 2024, last: int = 2026) -> Path:
    """A copy of the shipped policy with min_age 60 (every worker of ``folder`` would be too young)."""
    text = policy_for(YEAR).path.read_text(encoding="utf-8")
    path = tmp_path / f"{policy_id}.yaml"
    path.write_text(text.replace("id: chaoyang-2024", f"id: {policy_id}").replace("min_age: 16", "min_age: 60")
                    .replace("first: 2024", f"first: {first}").replace("last: 2026", f"last: {last}"),
                    encoding="utf-8")
    return path


def naming(folder: Path, tmp_path: Path, value: str) -> Path:
    copy = shutil.copytree(folder, tmp_path / "named")
    app_file = copy / "application.yaml"
    app_file.write_text(app_file.read_text(encoding="utf-8") + f"\n政策: {value}\n", encoding="utf-8")
    return copy


@pytest.mark.parametrize("how", ["absolute", "relative"])
def test_a_policy_file_named_by_the_application_is_refused_alike_by_validate_and_compute(folder, tmp_path, how):
    strict = strict_copy(tmp_path)
    named = naming(folder, tmp_path, str(strict) if how == "absolute" else f"../{strict.name}")
    app = read_application(named)
    refusals = []
    for stage in (lambda: validate(app), lambda: compute_application(app, validate(read_application(folder)),
                                                                     today=TODAY),
                  lambda: pipeline.prepare(named, today=TODAY)):
        with pytest.raises(ConfigError) as e:
            stage()
        refusals.append((e.value.code, e.value.message))
    assert len(set(refusals)) == 1
    code, message = refusals[0]
    assert code == "policy-path-in-application" and "只能写政策编号" in message


def test_an_installed_policy_named_by_id_applies_to_validate_and_compute_alike(folder, tmp_path):
    named = naming(folder, tmp_path, "chaoyang-2024")
    prepared = pipeline.prepare(named, today=TODAY)
    assert prepared.report.stats["policy"] == prepared.figures.policy.id == "chaoyang-2024"
    unknown = naming(folder, tmp_path / "x", "chaoyang-2099")
    with pytest.raises(LingongError) as e:
        validate(read_application(unknown))
    assert e.value.code == "policy-unknown"


def test_the_operators_policy_file_reaches_validate_as_well_as_compute(folder, tmp_path):
    """compute --policy FILE: before, validate kept the year's policy while compute used the file."""
    strict = strict_copy(tmp_path)
    prepared = pipeline.prepare(folder, policy=str(strict), today=TODAY)
    assert prepared.report.stats["policy"] == prepared.figures.policy.id == "strict-copy"
    assert prepared.report.by_code().get("age-under-16") == 20
    assert "age-under-16" not in pipeline.prepare(folder, today=TODAY).report.by_code()


def test_every_stage_checks_the_deadline_with_one_function(folder):
    late = dt.date(YEAR + 1, 5, 1)
    policy = policy_for(YEAR)
    expected = [(f.code, f.message) for f in policy.validity(YEAR, late)]
    assert [c for c, _ in expected] == ["deadline-passed"]
    app = read_application(folder)
    figures = compute_application(app, validate(app), as_of=late, today=TODAY)
    assert [(f.code, f.message) for f in figures.blocking if f.code == "deadline-passed"] == expected
    assert [(f.code, f.message) for f in year_notes(YEAR, today=late)] == expected
    outside = [f.code for f in policy.validity(2023, dt.date(2024, 3, 1))]
    assert outside == ["year-outside-policy"]


def manifest(policy_id: object, year: int = YEAR) -> Manifest:
    return Manifest(kind="operating", applicant={}, year=year, pages=1, figures={},
                    policy={"id": policy_id}, draft=False, edition=None, files=(), materials=(),
                    signature_fields=(), printed=None)


@pytest.fixture
def two_policies(tmp_path, monkeypatch):
    """The shipped policy and a later one (2027–2029) installed beside it."""
    later = strict_copy(tmp_path, "later-2027", first=2027, last=2029)
    later.write_text(later.read_text(encoding="utf-8").replace(
        "employment: [cover, checklist, report_employment, roster", "employment: [cover, checklist, report_employment, "
        "job_posts, roster"), encoding="utf-8")
    shipped = policy_mod.policy_files()
    monkeypatch.setattr(policy_mod, "policy_files", lambda: [*shipped, later])
    return load_policy_file(later)


def test_intake_uses_the_policy_the_manifest_records_and_says_when_the_year_picks_another(two_policies, tmp_path):
    ex = Examination(path=tmp_path / "p.pdf", sha256="0" * 64, size=1, year=YEAR)
    assert package_policy(ex, manifest("later-2027")).id == "later-2027" == ex.policy.id
    assert [f.code for f in ex.findings] == ["policy-not-for-year"]
    assert "chaoyang-2024" in ex.findings[0].message and "later-2027" in ex.findings[0].message
    ex = Examination(path=tmp_path / "p.pdf", sha256="0" * 64, size=1, year=YEAR)
    assert package_policy(ex, manifest("chaoyang-2024")).id == "chaoyang-2024"
    assert ex.findings == []


@pytest.mark.parametrize("named", ["no-such-policy", "../../evil.yaml", "/etc/passwd"])
def test_intake_never_opens_a_policy_file_a_package_names(tmp_path, named):
    ex = Examination(path=tmp_path / "p.pdf", sha256="0" * 64, size=1, year=YEAR)
    assert package_policy(ex, manifest(named)).id == policy_for(YEAR).id
    assert [f.code for f in ex.findings] == ["policy-unknown-in-package"]


def test_the_build_prints_the_tables_of_the_applications_policy(two_policies):
    from lingong_docs.package.parts import tables_of

    assert tables_of("employment", policy_for(YEAR)) == ("roster",)
    assert tables_of("employment", two_policies) == ("job_posts", "roster")


def test_the_intake_child_refuses_a_policy_path_in_the_embedded_application(folder, tmp_path):
    """The truth child validates first: a path in the package's application file is refused
    there too, before any policy file is looked for, and the notice says why in Chinese."""
    from lingong_docs.intake.truth import TruthResult, recheck

    strict = strict_copy(tmp_path)
    (tmp_path / "files").mkdir()
    text = (folder / "application.yaml").read_text(encoding="utf-8") + f"\n政策: {strict}\n"
    (tmp_path / "files" / "a").write_text(text, encoding="utf-8")
    request = {"app": str(tmp_path / "app"), "workdir": str(tmp_path), "as_of": "2026-03-10", "key": None,
               "policy": "chaoyang-2024", "files": [{"stored": "a", "role": "application", "name": "application.yaml"}]}
    try:
        result = TruthResult.from_dict(recheck(request))
    finally:
        logging.disable(logging.NOTSET)          # recheck silences logging, as the child does
    assert result.figures is None and result.failed == "政策只能写编号"
