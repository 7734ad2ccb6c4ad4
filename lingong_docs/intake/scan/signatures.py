"""Child side: every signature field of a package and what pyHanko says about it.

Statuses (``SignatureInfo.status``): ``none`` (empty field); ``valid`` (bytes intact and the
certificate chain reaches a configured trust root); ``intact`` (bytes intact, no trust root was
configured: who signed is not verified); ``untrusted`` (roots configured, chain does not reach
one); ``revoked`` (the chain reaches a root, but revocation data the file carries — CRLs, OCSP
responses in the DSS or the CMS — says a certificate was revoked before the time checked at); ``unsupported`` (an algorithm the verifier does not implement, e.g. SM2/SM3); ``broken``;
``modified`` (intact, but the file was changed afterwards in a way the difference analysis does
not accept). Document timestamps (PAdES-B-LTA) are checked as timestamps (``kind="timestamp"``)
and DSS revisions (PAdES-B-LT) are accepted when pyHanko's difference analysis judges them
harmless (level ``LTA_UPDATES``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

from lingong_docs.intake import sm2
from lingong_docs.intake.names import clean_name
from lingong_docs.intake.scan.history import read_history
from lingong_docs.intake.scan.result import Fatal, ScanResult, SignatureInfo
from lingong_docs.intake.scan.sm2_seals import check_sm2, integrity, raw_signature

# Modification levels after a signature that leave it standing (pyHanko's names).
ALLOWED_LEVELS = ("NONE", "LTA_UPDATES", "FORM_FILLING")
HARMLESS_REVISION = ("NONE", "LTA_UPDATES")
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

    trust = list(load_certs_from_pemder(trust_files)) if trust_files else []
    sm2_roots = [c for c in trust if sm2.is_sm2_certificate(c)]
    vc = _context_at(r, trust, sm2_roots, None)
    sigs: dict[str, SignatureInfo] = {}
    embedded = []
    for name, value, ref in enumerate_sig_fields(r):
        info = sigs[str(name)] = SignatureInfo(field=str(name))
        if value is None:
            continue
        sig = _embedded(r, ref, str(name), info)
        if sig is not None:
            embedded.append((sig, info))
    checked = []
    now = dt.datetime.now(dt.UTC)
    stamps: list[tuple[int, dt.datetime]] = []       # (revision, time) of the valid document timestamps
    order = sorted(embedded, key=lambda p: (p[0].sig_object_type != "/DocTimeStamp", p[0].signed_revision))
    for sig, info in order:
        moment = _stamp_time(stamps, sig.signed_revision)
        if isinstance(sig.pkcs7_content, bytes) and sm2.uses_sm2(sig.pkcs7_content):
            _who(check_sm2(sig, info, sm2_roots, moment), info)
            info.trust_checked = bool(trust)
        else:
            _check_one(sig, info, vc if moment is None else _context_at(r, trust, sm2_roots, moment), bool(trust))
        if info.trust_checked:
            info.checked_at = (moment or now).isoformat(timespec="seconds")
            info.checked_at_source = "now" if moment is None else "timestamp"
        if info.kind == "timestamp" and info.intact and info.valid and (info.trusted or not trust):
            when = dt.datetime.fromisoformat(info.timestamp) if info.timestamp else None
            if when is not None:
                stamps.append((sig.signed_revision, when))
        if info.intact and info.valid:
            checked.append((sig, info))
    _diff_analysis(sorted(checked, key=lambda p: p[0].signed_revision), vc)
    _statuses(r, list(sigs.values()), total)
    return list(sigs.values())


def _stamp_time(stamps: list[tuple[int, dt.datetime]], revision: int) -> dt.datetime | None:
    """The time of the earliest valid document timestamp added after ``revision`` (PAdES-B-LTA):
    the seal is shown to have existed then, so its certificates are checked at that time."""
    later = [when for rev, when in stamps if rev > revision]
    return min(later) if later else None


def _context_at(r: Any, trust: list[Any], sm2_roots: list[Any], moment: dt.datetime | None) -> Any:
    """A validation context at ``moment`` (None: now) with the validation data the file carries
    (/DSS: certificates, CRLs, OCSP responses — a revocation they prove counts, as for SM2 seals)."""
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko_certvalidator import ValidationContext

    kwargs: dict[str, Any] = {"trust_roots": [c for c in trust if c not in sm2_roots], "allow_fetching": False}
    if moment is not None:
        kwargs["moment"] = moment
    try:
        return DocumentSecurityStore.read_dss(r).as_validation_context(kwargs)
    except Exception:  # no or unreadable DSS: the certificates the seal carries
        return ValidationContext(**kwargs)


_SUBFILTERS = ("/adbe.pkcs7.detached", "/ETSI.CAdES.detached", "/ETSI.RFC3161", "/adbe.pkcs7.sha1")


def _embedded(r: Any, ref: Any, name: str, info: SignatureInfo) -> Any:
    """Return the seal in field ``name`` for checking, or None (``info`` then says why)."""
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature, extract_contents

    try:
        sig_object = ref.get_object()["/V"].get_object()
        subfilter = str(sig_object.get("/SubFilter", ""))
        if subfilter not in _SUBFILTERS:         # a vendor's own format (e.g. GB/T 38540): named, not judged
            info.intact, info.valid, info.error = False, False, "unsupported"
            info.unsupported = f"签章格式 {clean_name(subfilter.lstrip('/'))[:60] or '（未写明）'}"
            info.revision = r.xrefs.get_last_change(ref.get_object().raw_get("/V").reference)
            return None
        if sm2.uses_sm2(extract_contents(sig_object)):
            return raw_signature(r, ref, name)
        return EmbeddedPdfSignature(r, ref, name)
    except Exception as e:  # an unreadable signature is a broken one
        info.intact, info.valid, info.error = False, False, type(e).__name__
        return None


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
        info.trust_problem = "revoked" if getattr(st, "revoked", False) else None
        info.coverage = st.coverage.name if st.coverage is not None else None
        _who(st.signing_cert, info)
    except Exception as e:  # an unreadable signature is a broken one
        info.intact, info.valid, info.error = False, False, type(e).__name__
        if type(e).__name__ in _UNSUPPORTED_ERRORS:
            info.error = "unsupported"
    unknown = _unknown_algorithm(sig)
    if unknown:
        info.error, info.unsupported = "unsupported", unknown
    info.algorithm = info.algorithm or _algorithm(sig)


def _unknown_algorithm(sig: Any) -> str | None:
    """The digest or signature algorithm (named, with its OID) this verifier does not implement."""
    try:
        si = sig.signer_info
        digest = si["digest_algorithm"]["algorithm"]
        mechanism = si["signature_algorithm"]["algorithm"]
    except Exception:  # unknown structure: judged by the validation itself
        return None
    known = {a.replace("_", "-") for a in hashlib.algorithms_available}
    if str(digest.native).replace("_", "-") not in known or str(digest.native)[:1].isdigit():
        return sm2.algorithm_name(digest.dotted)
    if str(mechanism.native)[:1].isdigit():      # an OID asn1crypto cannot name
        return sm2.algorithm_name(mechanism.dotted)
    return None


def _algorithm(sig: Any) -> str | None:
    try:
        name = str(sig.signer_info["signature_algorithm"].signature_algo)
    except Exception:
        return None
    return {"rsassa_pkcs1v15": "RSA", "rsassa_pss": "RSA-PSS", "ecdsa": "ECDSA", "dsa": "DSA"}.get(name, name.upper())


# identifying subject attributes (by OID) and the Chinese enterprise-certificate extensions
_SUBJECT_IDS = {"2.5.4.5": "serial_number", "2.5.4.11": "organizational_unit_name",
                "2.5.4.97": "organization_identifier", "2.5.4.10": "organization_name", "2.5.4.3": "common_name"}
ENTERPRISE_EXTENSIONS = "1.2.156.10260.4.1."


def _who(cert: Any, info: SignatureInfo) -> None:
    """Record the signer's name and identifying attributes (subject, extensions) and the issuer's name."""
    if cert is None:
        return
    subject = cert.subject.native if cert.subject is not None else {}
    issuer = cert.issuer.native if cert.issuer is not None else {}
    info.signer = _first(subject, ("common_name", "organization_name"))
    info.issuer = _first(issuer, ("organization_name", "common_name"))
    identity: dict[str, list[str]] = {}
    try:
        for rdn in cert.subject.chosen:
            for atv in rdn:
                key = _SUBJECT_IDS.get(atv["type"].dotted)
                if key is not None:
                    identity.setdefault(key, []).append(str(atv["value"].native)[:200])
        for ext in cert["tbs_certificate"]["extensions"] or []:
            if ext["extn_id"].dotted.startswith(ENTERPRISE_EXTENSIONS):
                identity.setdefault("extension", []).append(_extension_text(ext["extn_value"].contents))
    except Exception:  # an odd name: what was read so far
        pass
    info.identity = identity


def _extension_text(raw: bytes) -> str:
    """The text an enterprise-certificate extension holds (a DER string, or plain bytes)."""
    from asn1crypto import core

    try:
        value = core.load(raw).native
    except Exception:  # not DER: the bytes as text
        value = raw
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value)[:200]


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
    harmful = sorted({rev for rev in unsigned_later if not _harmless_revision(r, rev)}
                     | {rev for rev in range(1, total) if metadata_edited(r, rev)})
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
            s.status = "valid" if s.trusted else "revoked" if s.trust_problem == "revoked" else "untrusted"
        else:
            s.status = "intact"


def strict_policy() -> Any:
    """pyHanko's difference policy without what it lets pass beside seals: metadata (/Info, XMP)
    and filling fields that are not signature fields. A revision after a seal may fill signature
    fields, add validation data (DSS, VRI) and document timestamps; anything else is a change."""
    from pyhanko.sign.diff_analysis import (
        DEFAULT_DIFF_POLICY,
        FormUpdatingRule,
        SigFieldCreationRule,
        SigFieldModificationRule,
        StandardDiffPolicy,
    )

    if "policy" not in _POLICY:     # metadata edits are judged by ``metadata_edited`` (stricter)
        _POLICY["policy"] = StandardDiffPolicy(
            global_rules=DEFAULT_DIFF_POLICY.global_rules,
            form_rule=FormUpdatingRule(field_rules=[SigFieldCreationRule(), SigFieldModificationRule()]))
    return _POLICY["policy"]


_POLICY: dict[str, Any] = {}


def _harmless_revision(r: Any, rev: int) -> bool:
    """True when revision ``rev`` only adds validation data (DSS, VRI) and touches nothing else."""
    try:
        old, new = r.get_historical_resolver(rev - 1), r.get_historical_resolver(rev)
        if old.trailer_view.raw_get("/Info") != new.trailer_view.raw_get("/Info"):
            return False
        result = strict_policy().apply(old, new)
        return result.modification_level.name in HARMLESS_REVISION and _writes_dss(r, new, rev)
    except Exception:  # a revision the analysis rejects is a modification
        return False


# What a writer stamps on every revision (seal clients and pyHanko do): anything else in /Info or
# the XMP metadata changed after the package was built is an edit, whoever's revision holds it.
STAMPED_INFO = ("/ModDate", "/Producer")
_XMP_STAMPS = re.compile(rb"<(xmp:ModifyDate|xmp:MetadataDate|pdf:Producer|xmpMM:InstanceID)>.*?</\1>|"
                         rb"(xmp:ModifyDate|xmp:MetadataDate|pdf:Producer|xmpMM:InstanceID)=\"[^\"]*\"", re.S)


def metadata_edited(r: Any, rev: int) -> bool:
    """True when revision ``rev`` changes the document information (/Info) or the XMP metadata
    beyond the modification date and producer a writer stamps."""
    try:
        old, new = r.get_historical_resolver(rev - 1), r.get_historical_resolver(rev)
        before, after = _xmp(old), _xmp(new)     # XMP a writer adds where there was none is its own stamp
        return _info(old) != _info(new) or (before is not None and before != after)
    except Exception:  # metadata that cannot be compared counts as edited
        return True


def _info(handler: Any) -> dict[str, str]:
    """The document information of revision ``handler`` (resolved in that revision, not the last)."""
    ref = handler.trailer_view.raw_get("/Info") if "/Info" in handler.trailer_view else None
    if ref is None:
        return {}
    info = handler.get_object(ref.reference) if hasattr(ref, "reference") else ref
    return {str(k): str(info.raw_get(k)) for k in info if k not in STAMPED_INFO}


def _xmp(handler: Any) -> bytes | None:
    ref = handler.root.raw_get("/Metadata") if "/Metadata" in handler.root else None
    if ref is None:
        return None
    stream = handler.get_object(ref.reference) if hasattr(ref, "reference") else ref
    data = stream.data if hasattr(stream, "data") else b""
    return _XMP_STAMPS.sub(b"", data[:2_000_000])


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
            if e.algorithm == "SM2":
                e.modification, e.docmdp_ok = integrity(sig, strict_policy())
            else:
                validate = validate_pdf_timestamp if e.kind == "timestamp" else validate_pdf_signature
                st = validate(sig, vc, diff_policy=strict_policy())
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
