"""The signature places of a package: present, signed, intact, trusted, by the applicant.

What is required comes from the policy's materials for the kind, not from the manifest (which
could simply list no places); the manifest's list must agree with the file's first revision;
nothing may have been added after it (document timestamps aside); every empty field counts as
unsigned. One finding per kind of problem, naming every place (一次性告知).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lingong_docs.core import findings as F
from lingong_docs.core import kinds
from lingong_docs.core import manifest as contract
from lingong_docs.core.manifest import SIGNATURE
from lingong_docs.core.policy import Policy, policy_for
from lingong_docs.identifiers.idcard import is_valid as idcard_valid
from lingong_docs.identifiers.uscc import compact as compact_uscc
from lingong_docs.identifiers.uscc import is_valid as uscc_valid
from lingong_docs.intake.examine.examination import Examination, join_labels, short
from lingong_docs.intake.names import clean_name
from lingong_docs.intake.scan.result import Annotation, ScanResult, SignatureInfo
from lingong_docs.util.pii import mask_name

# status → the group of places it reports, and that group's finding code
_GROUP_OF = {"none": "missing", "broken": "broken", "modified": "modified", "untrusted": "untrusted",
             "revoked": "revoked", "unsupported": "unsupported"}
_CODES = (("missing", "signature-missing"), ("absent", "signature-field-missing"),
          ("broken", "signature-broken"), ("modified", "signature-modified-after"),
          ("untrusted", "signature-untrusted"), ("revoked", "signature-revoked"),
          ("unsupported", "signature-algorithm-unsupported"),
          ("unexpected", "signature-unexpected"), ("mismatch", "signature-signer-mismatch"),
          ("mismatch_sign", "signature-signer-other-organisation"), ("name_only", "signature-signer-name-only"),
          ("unchecked", "signature-trust-unchecked"))


def place_of(name: str, materials: tuple[str, ...] | list[str]) -> tuple[str, str] | None:
    """Return (role, material) of a field named by the convention, or None."""
    parsed = contract.parse_field_name(name, tuple(materials))
    return None if parsed is None else (parsed.role, parsed.material)


class _Places:
    """Labels of the places of one package (Chinese, never the field name alone)."""

    def __init__(self, manifest: contract.Manifest | None, materials: list[str], policy: Policy) -> None:
        self.listed = {p.name: p for p in (manifest.signature_fields if manifest else ())}
        self.materials = materials
        self.policy = policy

    def label(self, name: str) -> str:
        """``封面盖章（第1页）``; ``…盖章（第2处）`` for a further place not in the manifest."""
        place = self.listed.get(name)
        parsed = contract.parse_field_name(name, tuple(self.materials or _with_places(self.policy)))
        nth = f"第{parsed.index}处" if parsed is not None and parsed.index > 1 else ""
        if place is not None:
            where = "，".join(w for w in (f"第{place.page}页" if place.page else "", nth) if w)
            return role_label(place.role, place.material, self.policy) + (f"（{where}）" if where else "")
        if parsed is not None:
            return role_label(parsed.role, parsed.material, self.policy) + (f"（{nth}）" if nth else "")
        return f"签章（{short(clean_name(name), 40) or '未命名'}）"


def role_label(role: str, material: str, policy: Policy) -> str:
    """Return the Chinese name of a place: ``封面盖章``, ``附件2 运营经费补贴申请报告签字``."""
    return contract.place_label(role, policy.title_of(material) if material in policy.material_catalogue
                                else clean_name(material))


def _with_places(policy: Policy, keys: Iterable[str] | None = None) -> list[str]:
    """Return the materials (of ``keys``, default all the policy declares) that carry a seal or signature."""
    keys = policy.material_catalogue if keys is None else keys
    return [k for k in keys if policy.material(k).roles()]


def check_signatures(ex: Examination, scan: ScanResult, manifest: contract.Manifest | None, policy: Policy | None,
                     allow_unsigned: bool) -> None:
    """Add the signature findings of the package and describe each place for the receipt."""
    signatures = [s for s in scan.signatures if s.kind != "timestamp"]
    stamps = [s for s in scan.signatures if s.kind == "timestamp" and s.status != "none"]
    policy = policy or policy_for(ex.year)
    if manifest is not None:
        materials = _with_places(policy, kinds.materials(manifest.kind, policy))
    else:
        materials = _with_places(policy)
    places = _Places(manifest, materials, policy)
    paper = manifest is not None and manifest.paper
    groups: dict[str, list[str]] = {code: [] for code, _ in _CODES}
    if manifest is not None and not paper:
        for role, material in contract.required_places([policy.material(m) for m in materials]):
            if not any(place_of(s.field, [material]) == (role, material) for s in signatures):
                groups["absent"].append(role_label(role, material, policy))
    first = set(scan.first_fields) if scan.first_fields is not None else {s.field for s in signatures}
    later = 0
    for sig in signatures:
        group = _GROUP_OF.get(sig.status)
        if group is not None and not (paper and group == "missing"):
            groups[group].append(places.label(sig.field) + (f"（{sig.unsupported}）" if group == "unsupported"
                                                             and sig.unsupported else ""))
        later = max(later, sig.later_revisions if sig.status == "modified" else 0)
        if sig.status != "none" and manifest is not None and not (
                sig.field in places.listed and sig.field in first and place_of(sig.field, materials) is not None):
            groups["unexpected"].append(places.label(sig.field))
    for stamp in stamps:                       # a document timestamp is checked as a timestamp
        group = _GROUP_OF.get(stamp.status)
        if group is not None:
            groups[group].append("文档时间戳")
    _signers(ex, signatures, places, groups)
    _report(ex, groups, later, allow_unsigned)
    stamp_fields = {s.field for s in stamps if s.status in ("valid", "intact")}
    _additions(ex, [a for a in scan.added if a.field not in stamp_fields], scan.moved)
    if scan.other_fields:           # filled in or after a sealed revision, they change a sealed page
        ex.add("form-field-present", count=len(scan.other_fields),
               fields=join_labels([_added_label(a) for a in scan.other_fields]))
    if manifest is not None and not paper:
        _listed_against_file(ex, places, first)
    ex.signatures = [_describe(s, places) for s in signatures] + [_describe(s, places) for s in stamps]


def _signers(ex: Examination, signatures: list[SignatureInfo], places: _Places, groups: dict[str, list[str]]) -> None:
    """Every seal's certificate must be the applicant's (its USCC, or failing any USCC its exact
    name); a 签字's certificate may be a person's, but must not name another organisation."""
    uscc = compact_uscc(ex.applicant.get("uscc")) or None
    name = ex.applicant.get("name")
    for sig in signatures:
        if sig.status not in ("valid", "intact", "untrusted", "revoked"):
            continue
        if sig.status == "intact":
            groups["unchecked"].append(places.label(sig.field))
        role = places.listed[sig.field].role if sig.field in places.listed else None
        match = identity_match(sig.identity, uscc, name)
        if role == SIGNATURE:
            if match == MISMATCH and _names_organisation(sig.identity):
                groups["mismatch_sign"].append(places.label(sig.field))
        elif match == MISMATCH:
            groups["mismatch"].append(places.label(sig.field))
        elif match == BY_NAME:
            groups["name_only"].append(places.label(sig.field))


BY_USCC, BY_NAME, MISMATCH = "uscc", "name", "mismatch"
_USCC_ATTRIBUTES = ("serial_number", "organizational_unit_name", "organization_identifier", "extension")
# ETSI EN 319 412-1 semantics identifiers: "NTRCN-" + the registration number
_SEMANTICS = re.compile(r"^(?:[A-Z]{3}CN-)?([0-9A-Z]{18})$")


def certificate_usccs(identity: dict[str, list[str]]) -> set[str]:
    """Every 统一社会信用代码 the certificate carries as a whole attribute or extension value."""
    found = set()
    for key in _USCC_ATTRIBUTES:
        for value in identity.get(key, []):
            m = _SEMANTICS.match(compact_uscc(value))
            if m and uscc_valid(m.group(1)) and not idcard_valid(m.group(1)):     # a person's ID is no USCC
                found.add(m.group(1))
    return found


def identity_match(identity: dict[str, list[str]], uscc: str | None, name: str | None) -> str:
    """``uscc`` when the certificate's USCCs are exactly the applicant's; ``name`` when it carries
    no USCC and its O or CN is exactly the applicant's name; else ``mismatch`` (a different USCC
    is a mismatch even beside the right name; a USCC inside a longer text counts for nothing)."""
    found = certificate_usccs(identity)
    if found:
        return BY_USCC if uscc and found == {uscc} else MISMATCH
    wanted = short(name) if name else None
    names = [short(v) for v in (*identity.get("organization_name", []), *identity.get("common_name", []))]
    return BY_NAME if wanted and wanted in names else MISMATCH


def _names_organisation(identity: dict[str, list[str]]) -> bool:
    """True when a certificate names an organisation (a USCC or an O attribute)."""
    return bool(certificate_usccs(identity) or identity.get("organization_name"))


def check_representative(ex: Examination, scan: ScanResult, manifest: contract.Manifest,
                         legal_rep: str | None) -> None:
    """A 签字 whose signer is not the 法定代表人 named in the application gets a warning (only where
    the form asks for the 法定代表人: 附件4/附件5 ask for the 经办人)."""
    if not legal_rep:
        return
    places = _Places(manifest, [], ex.policy or policy_for(ex.year))
    others = [places.label(s.field) for s in scan.signatures
              if s.status in ("valid", "intact", "untrusted", "revoked") and s.signer and s.field in places.listed
              and places.listed[s.field].role == SIGNATURE
              and contract.signer_title(places.listed[s.field].material) == "法定代表人"
              and short(s.signer) != short(legal_rep)]
    if others:
        ex.add("signature-signer-not-representative", count=len(others), fields=join_labels(others))


def _report(ex: Examination, groups: dict[str, list[str]], later: int, allow_unsigned: bool) -> None:
    for group, code in _CODES:
        names = groups[group]
        if not names:
            continue
        severity = F.WARNING if (group == "missing" and allow_unsigned) else None
        ex.findings.append(F.make(code, count=len(names), fields=join_labels(names), later=max(1, later),
                                  severity=severity))


def _additions(ex: Examination, added: list[Annotation], moved: list[Annotation]) -> None:
    if added:
        ex.add("signature-field-added", count=len(added), fields=join_labels([_added_label(a) for a in added]))
    if moved:
        ex.add("signature-field-moved", count=len(moved), fields=join_labels([_added_label(a) for a in moved]))


def _listed_against_file(ex: Examination, places: _Places, first: set[str]) -> None:
    """The manifest's signature_fields must name exactly the fields of the file as built."""
    only_listed = sorted(set(places.listed) - first)
    only_file = sorted(first - set(places.listed))
    parts = []
    if only_listed:
        parts.append(f"清单列出而文件中没有{len(only_listed)}处：" + join_labels([places.label(n) for n in only_listed]))
    if only_file:
        parts.append(f"文件中有而清单未列出{len(only_file)}处：" + join_labels([places.label(n) for n in only_file]))
    if parts:
        ex.add("signature-fields-mismatch", what="；".join(parts))


_SUBTYPE_ZH = {"Widget": "签章框或表单域", "FreeText": "文字批注", "Stamp": "图章批注", "Text": "注释",
               "Square": "方框批注", "Ink": "手写批注", "Link": "链接"}


def _added_label(a: Annotation) -> str:
    what = _SUBTYPE_ZH.get(a.subtype, "批注")
    where = f"第{a.page}页" if a.page else "未显示在页面上"
    name = f"“{short(clean_name(a.field), 40)}”" if a.field else ""
    return f"{where}{what}{name}"


def _describe(sig: SignatureInfo, places: _Places) -> dict[str, Any]:
    """One place as the receipt shows it (a person's name, as on a 签字, only masked)."""
    role = places.listed[sig.field].role if sig.field in places.listed else None
    signer = short(sig.signer, 80)
    if signer and role == SIGNATURE:
        signer = mask_name(signer)
    return {"field": sig.field, "place": "文档时间戳" if sig.kind == "timestamp" else places.label(sig.field),
            "kind": sig.kind, "status": sig.status, "signer": signer, "issuer": short(sig.issuer, 80),
            "algorithm": sig.algorithm, "unsupported": sig.unsupported,
            "signing_time": sig.signing_time, "timestamp": sig.timestamp,
            "checked_at": sig.checked_at, "checked_at_source": sig.checked_at_source}
