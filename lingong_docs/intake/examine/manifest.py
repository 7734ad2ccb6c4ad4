"""Read the embedded manifest (the build↔intake contract, ``core.manifest``) of a package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lingong_docs.core import kinds
from lingong_docs.core import manifest as contract
from lingong_docs.core.policy import load_policy
from lingong_docs.intake.examine.examination import Examination, short
from lingong_docs.intake.scan.result import ScanResult


def read_manifest(ex: Examination, scan: ScanResult, workdir: Path) -> contract.Manifest | None:
    """Return the package's typed manifest, or None (and a finding saying why)."""
    entry = scan.attachment(contract.NAME)
    if entry is None:
        ex.add("manifest-missing")
        return None
    if entry.stored is None:
        return None                            # not extracted: a scan problem already says why
    try:
        data = json.loads((workdir / "files" / entry.stored).read_bytes().decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        ex.add("manifest-invalid", reason="不是有效的 JSON 文本")
        return None
    try:
        manifest = contract.parse_manifest(data, kinds.KINDS)
    except contract.ManifestError as e:
        ex.add("manifest-invalid", reason=e.reason)
        return None
    ex.manifest = manifest
    ex.kind = manifest.kind
    ex.applicant = {k: short(v) for k, v in manifest.applicant.items()}
    ex.year = manifest.year
    ex.edition = manifest.edition
    if manifest.draft:
        ex.add("package-draft")
    if manifest.paper:
        ex.add("package-paper-edition")
    return manifest


def policy_for(ex: Examination, manifest: contract.Manifest) -> Any:
    """Return the policy the package names (by id), else the policy for its year."""
    pid = manifest.policy.get("id")
    try:
        return load_policy(name=str(pid)) if pid else load_policy(year=ex.year)
    except Exception:  # noqa: BLE001 - an unknown policy id: judge by the policy for the year
        return load_policy(year=ex.year)
