"""The contract between the package stage (writes) and intake (reads).

A package embeds ``manifest.json``: what was built, from which data, with which figures, and
where every signature field stands. Signature fields are named ``seal_<material>`` or
``sign_<material>`` (``_2``, ``_3`` … for further places of the same material), so intake knows
where a package must be sealed even when the manifest is missing or was replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NAME = "manifest.json"
FORMAT = "lingong-docs/manifest@1"
VALIDATION_NAME = "validation.json"
EVIDENCE_PREFIX = "支付凭证/"

SEAL = "seal"
SIGNATURE = "signature"
ROLES = (SEAL, SIGNATURE)
ROLE_ZH = {SEAL: "盖章", SIGNATURE: "签字"}
_PREFIX = {SEAL: "seal", SIGNATURE: "sign"}
_FIELD_RE = re.compile(r"^(seal|sign)_([a-z_]+?)(?:_(\d+))?$")


def field_name(role: str, material: str, index: int = 1) -> str:
    """Return the signature field name of the ``index``-th ``role`` place of ``material``."""
    base = f"{_PREFIX[role]}_{material}"
    return base if index <= 1 else f"{base}_{index}"


@dataclass(frozen=True)
class FieldName:
    """A signature field name taken apart: role, material, index (1 for the first place)."""

    role: str
    material: str
    index: int


def parse_field_name(name: str, materials: tuple[str, ...] | list[str] = ()) -> FieldName | None:
    """Return the parts of a field name made by ``field_name``, or None for any other name.

    ``materials`` resolves names whose material itself ends in ``_<digits>``-free words (all do);
    when given, only those materials are accepted.
    """
    m = _FIELD_RE.match(str(name))
    if not m:
        return None
    role = SEAL if m.group(1) == "seal" else SIGNATURE
    material, index = m.group(2), int(m.group(3) or 1)
    if materials and material not in materials:
        return None
    return FieldName(role, material, index)


def place_label(role: str, material_title: str) -> str:
    """Return the Chinese name of a place, e.g. ``封面盖章``, ``附件2 运营经费补贴申请报告签字``."""
    return f"{material_title}{ROLE_ZH.get(role, role)}"


# Every form and table material carries at least one seal; every report also a signature.
SEALED_MATERIALS = ("cover", "checklist", "report_operating", "report_employment", "report_recognition",
                    "job_posts", "roster")
SIGNED_MATERIALS = ("report_operating", "report_employment", "report_recognition")


def required_places(materials: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """Return the (role, material) places a package holding ``materials`` must carry."""
    roles = ((SEAL, SEALED_MATERIALS), (SIGNATURE, SIGNED_MATERIALS))
    return [(role, m) for m in materials for role, kinds in roles if m in kinds]
