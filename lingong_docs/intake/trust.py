"""The bureau's trust roots: the certificates a seal's chain must reach to be ``valid``.

Configured once: every ``*.pem``, ``*.crt``, ``*.cer`` and ``*.der`` file in the folder named by
$LINGONG_TRUST_DIR, else in ``$XDG_CONFIG_HOME/lingong-docs/trust`` (``~/.config/…``), plus any file
or folder given with ``--trust``. Without any root, intact seals are reported ``intact`` with the
warning ``signature-trust-unchecked``: the bytes are unchanged, but who signed is not verified.
"""

from __future__ import annotations

import os
from pathlib import Path

from lingong_docs.core.errors import IntakeError
from lingong_docs.util.pii import mask_file_name

TRUST_ENV = "LINGONG_TRUST_DIR"
SUFFIXES = (".pem", ".crt", ".cer", ".der")
MAX_ROOTS = 200


def default_trust_dir() -> Path:
    """Return $LINGONG_TRUST_DIR, else $XDG_CONFIG_HOME/lingong-docs/trust."""
    if os.environ.get(TRUST_ENV):
        return Path(os.environ[TRUST_ENV])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "lingong-docs" / "trust"


def trust_roots(given: list[str] | tuple[str, ...] | None = None) -> list[str]:
    """Return the certificate files to trust: ``given`` (files or folders) and the configured folder."""
    roots: list[str] = []
    named: set[str] = set()         # files given one by one: each must hold a certificate
    configured = default_trust_dir()
    if os.environ.get(TRUST_ENV) and not configured.is_dir():
        raise IntakeError.make("trust-dir-missing", env=TRUST_ENV)
    for source in [*(given or ()), *([str(configured)] if configured.is_dir() else [])]:
        path = Path(source)
        if path.is_dir():
            roots.extend(str(p) for p in sorted(path.iterdir()) if p.suffix.lower() in SUFFIXES and p.is_file())
        elif path.is_file():
            roots.append(str(path))
            named.add(str(path))
        else:
            raise IntakeError.make("trust-file-missing")
    unique = list(dict.fromkeys(roots))
    if len(unique) > MAX_ROOTS:
        raise IntakeError.make("trust-too-many", max=MAX_ROOTS)
    for root in unique:     # a bad root is the bureau's setting: say so, not "the package cannot be read"
        count = _certificates(root)
        if count < 0 or (count == 0 and root in named):
            raise IntakeError.make("trust-file-invalid", name=mask_file_name(Path(root).name))
    return unique


def _certificates(path: str) -> int:
    """Return how many certificates ``path`` holds (a key file in a trust folder holds none), or
    -1 when it cannot be parsed (which would fail every package's signature check)."""
    from pyhanko.keys import load_certs_from_pemder

    try:
        return len(list(load_certs_from_pemder([path])))
    except Exception:  # any parse failure: not a certificate file
        return -1
