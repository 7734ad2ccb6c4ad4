"""What intake learns about one package (``Examination``); how it shows the text it read."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lingong_docs.core import findings as F
from lingong_docs.core.kinds import KINDS, SUBSIDIES
from lingong_docs.core.manifest import Manifest
from lingong_docs.core.policy import Policy
from lingong_docs.util.text import strip_controls

REPORT_OF = {kind: (KINDS[kind].report, f"{kind}_subsidy") for kind in SUBSIDIES}


@dataclass
class Examination:
    """Everything learnt about one package (no personal data outside ``rows``' keyed hashes)."""

    path: Path
    sha256: str
    size: int
    findings: list[F.Finding] = field(default_factory=list)
    manifest: Manifest | None = None
    kind: str | None = None
    year: int | None = None
    applicant: dict[str, str | None] = field(default_factory=dict)   # name, uscc, market
    figures: dict[str, Any] | None = None                            # recomputed (compute.to_dict())
    exact: dict[str, str] = field(default_factory=dict)              # recomputed money as Decimal text
    rows: list[dict[str, Any]] = field(default_factory=list)         # keyed roster rows (ledger)
    signatures: list[dict[str, Any]] = field(default_factory=list)   # per place, see receipt
    pages: int | None = None
    edition: str | None = None
    policy: Policy | None = None                                     # the policy the package is judged by
    cpu: float = 0.0                                                 # CPU seconds its children used so far

    def add(self, code: str, **params: Any) -> None:
        self.findings.append(F.make(code, **params))

    def amount(self) -> Decimal | None:
        """Return the recomputed amount this package asks for (by its subsidy kind)."""
        if self.kind not in REPORT_OF or not self.exact:
            return None
        return Decimal(self.exact[REPORT_OF[self.kind][1]])

    def title_of(self, material: str) -> str:
        """Return the Chinese title of ``material`` by the package's policy (as the build wrote it)."""
        from lingong_docs.core.policy import policy_for

        return (self.policy or policy_for(self.year)).title_of(material)

    def has(self, code: str) -> bool:
        return any(f.code == code for f in self.findings)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def short(value: object, limit: int = 200) -> str | None:
    """Return ``value`` as display text: NFKC, no control or format characters, at most ``limit``."""
    if value is None:
        return None
    return strip_controls(unicodedata.normalize("NFKC", str(value)), newlines=False)[:limit]


def compact(text: object) -> str:
    """Return ``text`` NFKC-normalised without any whitespace (how page text is compared)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


def join_labels(labels: list[str], limit: int = 20) -> str:
    shown = "、".join(labels[:limit])
    return shown + (f"等{len(labels)}处" if len(labels) > limit else "")
