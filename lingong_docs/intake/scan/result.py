"""What the scanning child reports about one package: typed, and plain JSON on the wire.

The child (``worker``) builds a ``ScanResult`` and writes ``to_dict()``; the parent reads it back
with ``ScanResult.from_dict``. Every field has a fixed type; nothing is looked up by string key.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from dataclasses import field as _field
from typing import Any


@dataclass
class Problem:
    """A finding the child could only name: catalogue code and its raw parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class OutlineItem:
    title: str
    page: int | None
    depth: int


@dataclass
class AttachmentInfo:
    """One embedded file; ``stored`` is its file name in the work folder once extracted."""

    index: int
    name: str
    safe: str
    stored: str | None = None
    size: int | None = None
    sha256: str | None = None
    declared: int | None = None


@dataclass
class Annotation:
    """An annotation or signature field that appeared (or moved) after the first revision."""

    page: int | None
    subtype: str
    field: str | None


@dataclass
class SignatureInfo:
    """One signature field: empty (``status == "none"``) or signed, and what was checked.

    ``status``: none | valid (chain to a configured root) | intact (bytes unchanged, signer not
    verified) | untrusted | broken | modified | unsupported (algorithm the verifier lacks).
    ``kind``: "signature" or "timestamp" (a document timestamp, PAdES-B-LTA).
    """

    field: str
    status: str = "none"
    kind: str = "signature"
    revision: int | None = None
    intact: bool | None = None
    valid: bool | None = None
    trusted: bool | None = None
    trust_checked: bool = False
    coverage: str | None = None
    later_revisions: int = 0
    modification: str | None = None
    docmdp_ok: bool | None = None
    error: str | None = None
    signer: str | None = None
    signer_ids: list[str] = _field(default_factory=list)
    issuer: str | None = None
    signing_time: str | None = None
    timestamp: str | None = None


@dataclass
class ScanResult:
    """Everything the child learnt about the package (see ``scan.structure.scan_package``)."""

    fatal: Problem | None = None
    problems: list[Problem] = field(default_factory=list)
    pages: int | None = None
    outline: list[OutlineItem] = field(default_factory=list)
    attachments: list[AttachmentInfo] = field(default_factory=list)
    active: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)
    signatures: list[SignatureInfo] = field(default_factory=list)
    revisions: int | None = None
    texts: dict[int, str] = field(default_factory=dict)
    runs: dict[int, list[list[Any]]] = field(default_factory=dict)    # table pages: [x, y, size, text]
    encrypted: bool = False
    first_fields: list[str] | None = None
    added: list[Annotation] = field(default_factory=list)
    moved: list[Annotation] = field(default_factory=list)

    def problem(self, code: str, **params: Any) -> None:
        self.problems.append(Problem(code, params))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["texts"] = {str(k): v for k, v in self.texts.items()}
        out["runs"] = {str(k): v for k, v in self.runs.items()}
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanResult:
        fatal = data.get("fatal")
        return cls(
            fatal=Problem(**fatal) if fatal else None,
            problems=[Problem(**p) for p in data.get("problems", [])],
            pages=data.get("pages"),
            outline=[OutlineItem(**o) for o in data.get("outline", [])],
            attachments=[AttachmentInfo(**a) for a in data.get("attachments", [])],
            active=list(data.get("active", [])),
            remote=list(data.get("remote", [])),
            signatures=[_signature(s) for s in data.get("signatures", [])],
            revisions=data.get("revisions"),
            texts={int(k): v for k, v in (data.get("texts") or {}).items()},
            runs={int(k): v for k, v in (data.get("runs") or {}).items()},
            encrypted=bool(data.get("encrypted")),
            first_fields=data.get("first_fields"),
            added=[Annotation(**a) for a in data.get("added", [])],
            moved=[Annotation(**a) for a in data.get("moved", [])],
        )

    def attachment(self, name: str) -> AttachmentInfo | None:
        return next((a for a in self.attachments if a.name == name), None)

    def text_of(self, first: int, last: int) -> str:
        return "".join(self.texts.get(p, "") for p in range(first, last + 1))


_SIGNATURE_FIELDS = {f.name for f in fields(SignatureInfo)}


def _signature(data: dict[str, Any]) -> SignatureInfo:
    return SignatureInfo(**{k: v for k, v in data.items() if k in _SIGNATURE_FIELDS})


class Fatal(Exception):
    """The package cannot be examined further; ``code`` and ``params`` say why."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
