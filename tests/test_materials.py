"""One list of materials: the policy's ``materials:`` and ``material_catalogue`` drive the build's
parts, the checklist, the manifest's required places, intake's completeness and every title."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from helpers.apps import fill, make_app, table_path
from helpers.figures import YEAR, add_evidence, roster_row
from helpers.intake import rewrite
from pypdf import PdfReader

from lingong_docs.core import policy as policy_mod
from lingong_docs.core.kinds import KINDS, materials
from lingong_docs.core.manifest import parse_manifest, required_places
from lingong_docs.core.policy import policy_for
from lingong_docs.intake.examine.completeness import check_completeness
from lingong_docs.intake.examine.examination import Examination
from lingong_docs.intake.examine.manifest import package_policy, read_manifest
from lingong_docs.intake.examine.run import _read_materials
from lingong_docs.intake.sandbox import Limits
from lingong_docs.intake.scan.result import ScanResult
from lingong_docs.intake.scan.structure import scan_package
from lingong_docs.package.build import build_packages

STATEMENT = "承诺书（测试用新材料）"


def test_every_material_a_kind_holds_is_declared_once_with_its_title_and_places():
    policy = policy_for(YEAR)
    for kind in KINDS:
        keys = materials(kind, policy)
        assert keys[:2] == ("cover", "checklist") and KINDS[kind].report in keys
        assert all(key in policy.material_catalogue for key in keys)
    assert policy.title_of("report_operating") == "附件2 运营经费补贴申请报告"
    roster = policy.material("roster")
    assert (roster.roles(), roster.required_roles()) == (("seal", "signature"), ("seal",))
    assert policy.material("other").optional and policy.material("other").folder == "其他材料"


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A policy installed beside the shipped one, whose employment package holds one more form
    (a 承诺书 filled from the cover's template, sealed, after the report)."""
    text = policy_for(YEAR).path.read_text(encoding="utf-8")
    text = text.replace("id: chaoyang-2024", "id: scratch-materials").replace(
        "employment: [cover, checklist, report_employment,", "employment: [cover, checklist, report_employment, statement,")
    text = text.replace("material_catalogue:\n", f"material_catalogue:\n  statement:\n    title: {STATEMENT}\n"
                        "    source: form\n    template: 封面.docx\n    seal: required\n", 1)
    path = tmp_path / "policy" / "scratch-materials.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    shipped = policy_mod.policy_files()
    monkeypatch.setattr(policy_mod, "policy_files", lambda: [*shipped, path])
    return policy_mod.load_policy_file(path)


def _application(folder: Path) -> Path:
    app = make_app(folder, year=YEAR)
    fill(table_path(app, "roster"), "roster", [roster_row(i) for i in range(12)])
    fill(table_path(app, "job_posts"), "job_posts",
         [{"seq": 1, "title": "分拣员", "category": "物流仓储", "published": dt.datetime(YEAR, 1, 5), "demand": 50}])
    add_evidence(app, 12)
    app_file = app / "application.yaml"
    text = app_file.read_text(encoding="utf-8").replace("  - 运营经费补贴\n", "  - 就业服务补贴\n")
    app_file.write_text(text + "\n政策: scratch-materials\n", encoding="utf-8")
    return app


def _examine(pdf: Path, workdir: Path) -> Examination:
    """Scan the package (in this process) and check its materials as intake does."""
    (workdir / "files").mkdir(parents=True)
    scan = ScanResult.from_dict(scan_package({"pdf": str(pdf), "workdir": str(workdir), "password": None,
                                              "trust": [], "limits": Limits().to_dict(), "read": _read_materials()}))
    ex = Examination(path=pdf, sha256="0" * 64, size=pdf.stat().st_size)
    manifest = read_manifest(ex, scan, workdir)
    assert manifest is not None
    check_completeness(ex, scan, manifest, package_policy(ex, manifest))
    return ex


def test_a_material_added_in_a_policy_is_built_listed_and_required_by_intake(scratch, tmp_path):
    app = _application(tmp_path / "app")
    (result,) = build_packages(app, out=tmp_path / "out", draft=True, today=dt.date(YEAR + 1, 3, 1))
    keys = [m["key"] for m in result.materials]
    assert keys == ["cover", "checklist", "report_employment", "statement", "roster", "evidence"]
    reader = PdfReader(result.path)
    assert [o.title for o in reader.outline if not isinstance(o, list)][3] == STATEMENT
    statement = next(m for m in result.materials if m["key"] == "statement")
    checklist = "".join(reader.pages[1].extract_text().split())
    assert STATEMENT in checklist and f"{statement['first_page']}" in checklist
    assert "seal_statement" in [f["name"] for f in result.manifest["signature_fields"]]
    assert ("seal", "statement") in required_places([scratch.material(k) for k in scratch.materials("employment")])
    # the manifest is written from the typed object intake reads it into
    assert parse_manifest(result.manifest, KINDS).to_dict() == result.manifest
    assert json.loads(reader.attachments["manifest.json"][0]) == result.manifest

    ex = _examine(result.path, tmp_path / "w1")
    assert not ex.has("material-missing") and ex.policy is not None and ex.policy.id == "scratch-materials"

    # the same package without the new material in its manifest: intake requires it by the policy
    without = tmp_path / "without.pdf"
    without.write_bytes(rewrite(result.path.read_bytes(), manifest=lambda m: m.update(
        materials=[x for x in m["materials"] if x["key"] != "statement"])))
    ex = _examine(without, tmp_path / "w2")
    assert [f for f in ex.findings if f.code == "material-missing" and STATEMENT in f.message]

