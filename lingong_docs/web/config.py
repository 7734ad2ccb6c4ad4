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

from lingong_docs.api import owner_pid, sweep_stale
from lingong_docs.core.errors import ConfigError

ROLES = ("operator", "bureau", "both")
USER_ROLES = {"operator": "operator", "bureau": "bureau", "经办人": "operator", "区局": "bureau"}
SESSION_IDLE_SECONDS = 2 * 3600        # a session unused this long is gone
SESSION_MAX_SECONDS = 12 * 3600        # … and none lives longer than a working day
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
    roles: dict[str, frozenset[str]] = field(default_factory=dict)   # user → {"operator", "bureau"}
    public_names: list[str] = field(default_factory=list)            # host[:port] the browser may use
    tls: bool = False
    shared: bool = False              # every user sees every application (an office's shared list)
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

    def roles_of(self, user: str) -> frozenset[str]:
        """Return what ``user`` may use: the roles served, narrowed by the token file's role column."""
        served = {r for r in ("operator", "bureau") if getattr(self, r)}
        if not self.tokens:                     # loopback, one local user: everything served
            return frozenset(served)
        return frozenset(served & self.roles.get(user, frozenset({"operator"})))

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def allowed_hosts(self) -> set[str]:
        """Return the ``Host`` header values this server answers (``host:port``, lower case).

        The bound address and port; for a loopback or wildcard address also ``localhost`` and the
        loopback addresses; and every ``--public-name``. Anything else is a misdirected request
        (DNS rebinding: a hostile name pointed at this machine).
        """
        names = {self.host.lower()}
        if is_loopback(self.host) or self.host in ("0.0.0.0", "::"):
            names |= {"localhost", "127.0.0.1", "::1"}
        names.discard("0.0.0.0")
        names.discard("::")
        allowed = {_with_port(n, self.port) for n in names}
        for name in self.public_names:
            allowed.add(name.lower() if _has_port(name) else _with_port(name.lower(), 443 if self.tls else 80))
            allowed.add(_with_port(name.lower(), self.port))
        return allowed

    def allowed_origins(self) -> set[str]:
        return {f"{self.scheme}://{h}" for h in self.allowed_hosts()}

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


def _has_port(name: str) -> bool:
    return name.rsplit("]", 1)[-1].count(":") == 1 if name.startswith("[") else name.count(":") == 1


def _with_port(name: str, port: int) -> str:
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"                 # an IPv6 address in a Host header is bracketed
    return f"{name}:{port}"


def normal_host(header: str, default_port: int) -> str:
    """Return a Host header as ``host:port`` in lower case (the scheme's port when none is given)."""
    header = header.strip().lower()
    return header if _has_port(header) else _with_port(header, default_port)


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
    """Return {token: user} from a token file (see ``load_users``)."""
    return load_users(path)[0]


def load_users(path: Path) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Return ({token: user}, {user: roles}) from a file of ``user token [roles]`` lines.

    ``roles`` is ``operator`` (经办人, the default), ``bureau`` (区局) or both joined by a comma;
    only a user given ``bureau`` sees the bureau's pages. ``#`` starts a comment. The file must be
    readable by its owner only (600).
    """
    def bad(reason: str) -> ConfigError:
        return ConfigError.make("serve-tokens-invalid", path=path.name, reason=reason)  # type: ignore[return-value]

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise bad("无法读取") from None
    if not owner_only(path):
        raise bad("其他用户可以读取该文件")
    tokens: dict[str, str] = {}
    roles: dict[str, frozenset[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        given = _roles(parts[2]) if len(parts) == 3 else frozenset({"operator"})
        if len(parts) not in (2, 3) or len(parts[1]) < MIN_TOKEN_CHARS or not given:
            raise bad(f"第{number}行格式不对、令牌过短或角色不是 operator/bureau")
        user, token = parts[:2]
        if user in tokens.values() or token in tokens:
            raise bad(f"第{number}行的用户名或令牌重复")
        tokens[token] = user
        roles[user] = given
    if not tokens:
        raise bad("没有任何令牌")
    return tokens, roles


def _roles(text: str) -> frozenset[str]:
    words = [w for w in text.replace("，", ",").split(",") if w]
    found = {USER_ROLES.get(w) for w in words}
    return frozenset() if None in found or not found else frozenset(r for r in found if r)


def owner_only(path: Path) -> bool:
    """Return True when no one but the owner may read or write ``path`` (mode 600 or stricter)."""
    try:
        return not path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    except OSError:
        return False


def check_private_file(path: Path, what: str) -> None:
    """Refuse a secret file (ledger key, TLS key, tokens) that others may read."""
    if not owner_only(path):
        raise ConfigError.make("serve-file-not-private", path=path.name, what=what)


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
