"""Child side: every signature field of a package and what pyHanko says about it.

Statuses (``SignatureInfo.status``): ``none`` (empty field); ``valid`` (bytes intact and the
certificate chain reaches a configured trust root); ``intact`` (bytes intact, no trust root was
configured: who signed is not verified); ``untrusted`` (roots configured, chain does not reach
one); ``unsupported`` (an algorithm the verifier does not implement, e.g. SM2/SM3); ``broken``;
``modified`` (intact, but the file was changed afterwards in a way the difference analysis does
not accept). Document timestamps (PAdES-B-LTA) are checked as timestamps (``kind="timestamp"``)
and DSS revisions (PAdES-B-LT) are accepted when pyHanko's difference analysis judges them
harmless (level ``LTA_UPDATES``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from lingong_docs.intake.scan.history import read_history
from lingong_docs.intake.scan.result import Fatal, ScanResult, SignatureInfo

# Modification levels after a signature that leave it standing (pyHanko's names).
ALLOWED_LEVELS = ("NONE", "LTA_UPDATES", "FORM_FILLING")
HARMLESS_REVISION = ("NONE", "LTA_UPDATES")
_SUBJECT_IDS = ("serial_number", "organization_identifier", "organizational_unit_name", "common_name",
                "organization_name")
_UNSUPPORTED_ERRORS = ("NotImplementedError", "UnsupportedAlgorithm", "DisallowedAlgorithmError",
                       "WeakHashAlgorithmError", "AlgorithmNotSupported")


def read_signatures(path: Path, password: str | None, trust_files: list[str], out: ScanResult,
                    limits: dict[str, Any]) -> None:
    """Fill ``out.signatures``, ``out.revisions`` and the history (``first_fields``, ``added``, ``moved``)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    with open(path, "rb") as f:
        try:
            r = PdfFileReader(f, strict=False)
            if r.encrypted:
                r.decrypt(password or "")
            total = r.total_revisions
        except Exception as e:
            raise Fatal("pdf-unreadable", reason="signatures:" + type(e).__name__) from None
        out.revisions = total
        try:
            read_history(r, total, out, limits)
        except Fatal:
            raise
        except Exception as e:  # a history that cannot be compared is not trusted
            raise Fatal("pdf-unreadable", reason="signatures:history:" + type(e).__name__) from None
        out.signatures = _check_all(r, total, trust_files)


def _check_all(r: Any, total: int, trust_files: list[str]) -> list[SignatureInfo]:
    from pyhanko.keys import load_certs_from_pemder
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko_certvalidator import ValidationContext

    trust = list(load_certs_from_pemder(trust_files)) if trust_files else []
    vc = ValidationContext(trust_roots=trust, allow_fetching=False)
    sigs: dict[str, SignatureInfo] = {}
    filled: set[str] = set()
    for name, value, _ref in enumerate_sig_fields(r):
        sigs[str(name)] = SignatureInfo(field=str(name))
        if value is not None:
            filled.add(str(name))
    try:
        embedded = list(r.embedded_signatures)
    except Exception as e:
        embedded = []
        for name in filled:
            sigs[name].intact, sigs[name].valid, sigs[name].error = False, False, type(e).__name__
    checked = []
    for sig in embedded:
        info = sigs.setdefault(sig.field_name, SignatureInfo(field=sig.field_name))
        _check_one(sig, info, vc, bool(trust))
        if info.intact and info.valid:
            checked.append((sig, info))
    for name in filled:
        if sigs[name].intact is None:
            sigs[name].intact, sigs[name].valid, sigs[name].error = False, False, "unparsed"
    _diff_analysis(checked, vc)
    _statuses(r, list(sigs.values()), total)
    return list(sigs.values())


def _check_one(sig: Any, info: SignatureInfo, vc: Any, trust_checked: bool) -> None:
    """Integrity, signature and trust first; the (slow) difference analysis comes after."""
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp

    info.revision = sig.signed_revision
    info.trust_checked = trust_checked
    st: Any
    try:
        if sig.sig_object_type == "/DocTimeStamp":
            info.kind = "timestamp"
            st = validate_pdf_timestamp(sig, vc, skip_diff=True)
            info.timestamp = _iso(getattr(st, "timestamp", None))
        else:
            st = validate_pdf_signature(sig, vc, skip_diff=True)
            info.signing_time = _iso(getattr(st, "signer_reported_dt", None))
            ts = getattr(st, "timestamp_validity", None)
            info.timestamp = _iso(getattr(ts, "timestamp", None)) if ts is not None and ts.valid else None
        info.intact, info.valid, info.trusted = bool(st.intact), bool(st.valid), bool(st.trusted)
        info.coverage = st.coverage.name if st.coverage is not None else None
        _who(st.signing_cert, info)
    except Exception as e:  # an unreadable signature is a broken one
        info.intact, info.valid, info.error = False, False, type(e).__name__
        if type(e).__name__ in _UNSUPPORTED_ERRORS or not _algorithms_known(sig):
            info.error = "unsupported"
    if info.error is None and not _algorithms_known(sig):
        info.error = "unsupported"


def _algorithms_known(sig: Any) -> bool:
    """False when the digest or signature algorithm is one this verifier does not implement."""
    try:
        si = sig.signer_info
        digest = si["digest_algorithm"]["algorithm"].native
        mechanism = si["signature_algorithm"]["algorithm"].native
    except Exception:  # unknown structure: judged by the validation itself
        return True
    known_digest = str(digest).replace("_", "-") in {a.replace("_", "-") for a in hashlib.algorithms_available}
    return known_digest and not str(mechanism)[:1].isdigit()      # an OID asn1crypto cannot name


def _who(cert: Any, info: SignatureInfo) -> None:
    """Record the signer's name and identifiers (subject) and the issuer's name."""
    if cert is None:
        return
    subject = cert.subject.native if cert.subject is not None else {}
    issuer = cert.issuer.native if cert.issuer is not None else {}
    info.signer = _first(subject, ("common_name", "organization_name"))
    info.issuer = _first(issuer, ("organization_name", "common_name"))
    ids: list[str] = []
    for key in _SUBJECT_IDS:
        value = subject.get(key)
        ids.extend(str(v) for v in (value if isinstance(value, list) else [value]) if v)
    info.signer_ids = ids


def _first(name: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = name.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if value:
            return str(value)[:200]
    return None


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else None


def _statuses(r: Any, sigs: list[SignatureInfo], total: int) -> None:
    """Set each signed field's status from what was checked (see the module text)."""
    signed = {s.revision for s in sigs if s.revision is not None}
    unsigned_later = [rev for rev in range(1, total) if rev not in signed]
    harmful = [rev for rev in unsigned_later if not _harmless_revision(r, rev)]
    for s in sigs:
        if s.intact is None:
            continue
        if s.error == "unsupported":
            s.status = "unsupported"
            continue
        if not (s.intact and s.valid):
            s.status = "broken"
            continue
        later = [rev for rev in harmful if rev > (s.revision or 0)]
        s.later_revisions = len(later)
        allowed = s.modification in ALLOWED_LEVELS and s.docmdp_ok is not False
        if not (s.coverage == "ENTIRE_FILE" or (not later and allowed)):
            s.status = "modified"
        elif s.trust_checked:
            s.status = "valid" if s.trusted else "untrusted"
        else:
            s.status = "intact"


def _harmless_revision(r: Any, rev: int) -> bool:
    """True when revision ``rev`` only adds validation data (DSS) or nothing, by pyHanko's analysis."""
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY

    try:
        old, new = r.get_historical_resolver(rev - 1), r.get_historical_resolver(rev)
        result = DEFAULT_DIFF_POLICY.apply(old, new)
        return result.modification_level.name in HARMLESS_REVISION and _writes_dss(r, new, rev)
    except Exception:  # a revision the analysis rejects is a modification
        return False


def _writes_dss(r: Any, new: Any, rev: int) -> bool:
    """True when the revision writes the document security store (/DSS), what PAdES-B-LT adds.
    pyHanko also lets a metadata edit pass as harmless; an editor's revision is not accepted."""
    dss = new.root.raw_get("/DSS") if "/DSS" in new.root else None
    reference = getattr(dss, "reference", None)
    return reference is not None and reference in r.xrefs.explicit_refs_in_revision(rev)


def _diff_analysis(checked: list[tuple[Any, SignatureInfo]], vc: Any) -> None:
    """Say how far the file was modified after each signature that does not cover all of it.

    pyHanko's difference analysis takes seconds on a thousand-page package, and a signature's
    analysis covers every revision after it, so the earliest signature is analysed first: if the
    later revisions only fill signature fields, every later signature is fine too. Otherwise the
    last signature still affected is found by bisection (few analyses even with many seals).
    """
    for _, e in checked:
        if e.coverage == "ENTIRE_FILE":
            e.modification, e.docmdp_ok = "NONE", True
    pending = sorted(((sig, e) for sig, e in checked if e.coverage != "ENTIRE_FILE"),
                     key=lambda p: p[0].signed_revision)
    if not pending:
        return
    if _analyse(pending[0], vc):
        _mark(pending[1:], "FORM_FILLING", True)
        return
    lo, hi = 0, len(pending) - 1          # pending[lo] is affected; find the last affected one
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _analyse(pending[mid], vc):
            hi = mid - 1
        else:
            lo = mid
    _mark(pending[: lo + 1], "OTHER", False)
    _mark(pending[lo + 1:], "FORM_FILLING", True)


def _analyse(pair: tuple[Any, SignatureInfo], vc: Any) -> bool:
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp

    sig, e = pair
    if e.modification is None:
        try:
            validate = validate_pdf_timestamp if e.kind == "timestamp" else validate_pdf_signature
            st = validate(sig, vc)
            level = st.modification_level
            e.modification = level.name if level is not None else "OTHER"
            e.docmdp_ok = getattr(st, "docmdp_ok", True)
        except Exception:  # an analysis that fails counts as a modification
            e.modification, e.docmdp_ok = "OTHER", False
    return e.modification in ALLOWED_LEVELS and e.docmdp_ok is not False


def _mark(pairs: list[tuple[Any, SignatureInfo]], level: str, ok: bool) -> None:
    for _, e in pairs:
        if e.modification is None:
            e.modification, e.docmdp_ok = level, ok
