"""What ``serve`` was started with: address, workspace, role, access tokens, limits."""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from lingong_docs.core.errors import ConfigError
from lingong_docs.util.workdir import owner_pid, sweep_stale

ROLES = ("operator", "bureau", "both")
PRIVATE_PREFIX = "u-"   # every private upload folder is ``u-<pid>-<random>``; the start-up sweep removes only these
MIN_TOKEN_CHARS = 24
UPLOADS = "uploads"


@dataclass
class ServeConfig:
    """Settings of one server; ``tokens`` maps token → user (empty: loopback, single user)."""

    workspace: Path
    host: str = "127.0.0.1"
    port: int = 8000
    role: str = "both"
    tokens: dict[str, str] = field(default_factory=dict)
    max_upload_bytes: int = 200 * 1024 * 1024
    ledger: Path | str | None = None          # a file or a postgresql:// URL
    ledger_key: bytes | None = None
    trust: list[Path] = field(default_factory=list)
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @property
    def operator(self) -> bool:
        return self.role in ("operator", "both")

    @property
    def bureau(self) -> bool:
        return self.role in ("bureau", "both")

    def user_of(self, token: str) -> str | None:
        """Return the user whose token is ``token`` (compared in constant time), else None."""
        found = None
        for known, user in self.tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                found = user
        return found

    @property
    def uploads(self) -> Path:
        return self.workspace / UPLOADS


def is_loopback(host: str) -> bool:
    """Return True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, allow_remote: bool, tokens: dict[str, str]) -> None:
    """Refuse a non-loopback address unless it was asked for explicitly and tokens are set."""
    if not is_loopback(host) and not (allow_remote and tokens):
        raise ConfigError.make("serve-remote-refused", host=host)


def load_tokens(path: Path) -> dict[str, str]:
    """Return {token: user} from a file of ``user token`` lines (``#`` starts a comment)."""
    def bad(reason: str) -> ConfigError:
        return ConfigError.make("serve-tokens-invalid", path=path.name, reason=reason)  # type: ignore[return-value]

    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except (OSError, UnicodeDecodeError):
        raise bad("无法读取") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise bad("其他用户可以读取该文件")
    tokens: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        if len(parts) != 2 or len(parts[1]) < MIN_TOKEN_CHARS:
            raise bad(f"第{number}行格式不对或令牌过短")
        user, token = parts
        if user in tokens.values() or token in tokens:
            raise bad(f"第{number}行的用户名或令牌重复")
        tokens[token] = user
    if not tokens:
        raise bad("没有任何令牌")
    return tokens


def prepare_workspace(workspace: Path) -> None:
    """Create the workspace (new folders private to this user) and sweep the upload folders a crash left.

    Only entries this server makes (``uploads/u-*``) are removed: a workspace pointed at a folder
    that already holds other files loses none of them, and its permissions are left as they are.
    Folders ``u-<pid>-…`` go through the one sweeper of private folders (``util.workdir``): those of
    a server still running on the same workspace are kept, those of a gone one removed. Anything else
    named ``u-*`` (an older release's folders, a stray file) is removed at once: ``uploads/`` is the
    server's own, so no age is waited for.
    """
    try:
        workspace.mkdir(mode=0o700, parents=True, exist_ok=True)
        uploads = workspace / UPLOADS
        uploads.mkdir(mode=0o700, exist_ok=True)
        os.chmod(uploads, 0o700)
        sweep_stale(PRIVATE_PREFIX, base=uploads)
        for stale in uploads.glob(f"{PRIVATE_PREFIX}*"):
            if owner_pid(stale.name, PRIVATE_PREFIX) is not None:
                continue
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale)
            else:
                stale.unlink()
    except OSError as e:
        raise ConfigError.make("serve-workspace-invalid", path=str(workspace),
                               reason=type(e).__name__) from None


def private_folder(root: Path) -> Path:
    """Return a fresh 0700 folder ``<root>/u-<pid>-<random>`` for one request (removed by the caller)."""
    return Path(tempfile.mkdtemp(prefix=f"{PRIVATE_PREFIX}{os.getpid()}-", dir=root))
