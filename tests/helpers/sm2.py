"""A throwaway SM2 PKI and SM2 sealing for the tests, through the operators' tool (tools/seal_sm2.py)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.apps import USCC
from lingong_docs.intake import sm2

_TOOL = Path(__file__).resolve().parents[2] / "tools" / "seal_sm2.py"
_spec = importlib.util.spec_from_file_location("seal_sm2", _TOOL)
assert _spec is not None and _spec.loader is not None
tool: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)

APPLICANT = "北京示例人力资源有限公司"


@dataclass
class Sm2Identity:
    """An SM2 key, its certificate and the chain above it (without the root)."""

    private: int
    cert: Any
    chain: list[Any]

    def seal(self, data: bytes, fields: list[str] | None = None, **options: Any) -> bytes:
        return tool.seal_all(data, private=self.private, cert=self.cert, chain=self.chain, fields=fields, **options)


def pem(cert: Any) -> bytes:
    from asn1crypto import pem as armor

    return armor.armor("CERTIFICATE", cert.dump())


def make_root(folder: Path, name: str = "SM2 Test Root CA") -> tuple[Sm2Identity, Path]:
    """Return a self-signed SM2 root (as an identity that can issue) and its PEM file."""
    private = sm2.new_private_key()
    cert = tool.make_certificate({"common_name": name, "organization_name": "测试电子认证服务机构"},
                                 sm2.public_point(private), issuer_key=private, ca=True, days=3650)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.pem"
    path.write_bytes(pem(cert))
    return Sm2Identity(private, cert, []), path


def issue(ca: Sm2Identity, subject: dict[str, str] | None = None, *, uscc: str | None = USCC,
          organization: str | None = APPLICANT, **options: Any) -> Sm2Identity:
    """Return a seal identity issued by ``ca`` (the USCC in serialNumber and OU by default, as the
    city's enterprise certificates carry it)."""
    names: dict[str, str] = {"common_name": (organization or "测试") + "电子印章"}
    if organization:
        names["organization_name"] = organization
    if uscc:
        names["serial_number"] = uscc
        names["organizational_unit_name"] = uscc
    names.update(subject or {})
    private = sm2.new_private_key()
    cert = tool.make_certificate(names, sm2.public_point(private), issuer=ca.cert, issuer_key=ca.private, **options)
    return Sm2Identity(private, cert, [ca.cert])


def expired(ca: Sm2Identity) -> Sm2Identity:
    """A seal certificate that expired a month before today."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return issue(ca, not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=30))
