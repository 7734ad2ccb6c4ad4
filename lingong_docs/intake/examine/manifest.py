"""Read the embedded manifest (the build↔intake contract, ``core.manifest``) of a package."""

from __future__ import annotations

import json
from pathlib import Path

from lingong_docs.core import kinds
from lingong_docs.core import manifest as contract
from lingong_docs.core.errors import LingongError
from lingong_docs.core.policy import Policy, policy_for
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


def package_policy(ex: Examination, manifest: contract.Manifest) -> Policy:
    """Return the policy the package was built with (the id its manifest records), chosen as every
    stage chooses (``core.policy.policy_for``); say so when it is not the one the year would pick,
    and fall back to that one when the id is not a shipped policy (a path is never opened)."""
    by_year = policy_for(ex.year)
    named = manifest.policy.get("id")
    try:
        policy = policy_for(ex.year, named if isinstance(named, str) else None)
    except LingongError:
        ex.add("policy-unknown-in-package", named=short(named, 40), year=ex.year or "（未记载）", used=by_year.id)
        policy = by_year
    else:
        if policy.id != by_year.id:
            ex.add("policy-not-for-year", named=policy.id, year=ex.year or "（未记载）", by_year=by_year.id)
    ex.policy = policy
    return policy
