"""A throwaway PostgreSQL server for the tests and `make bench` (Debian's `postgresql` package).

    with Throwaway() as server:                  # initdb + pg_ctl start in a private temp folder
        url = server.create_database("t1")       # postgresql://lingong@127.0.0.1:PORT/t1

The server listens on 127.0.0.1 at a free port and on a unix socket inside its own folder; it
trusts local connections (nothing else can reach it) and is removed when stopped. ``initdb``
refuses to run as root, so under root the server runs as the system user ``postgres`` (created
by the Debian package), and the folder is handed to that user. Not part of the product.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "lingong"


class ServerError(RuntimeError):
    """The throwaway server could not be started (the message says why)."""


def postgres_bin() -> Path:
    """Return the newest /usr/lib/postgresql/*/bin holding initdb and pg_ctl."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if not found:
        raise ServerError("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin "
                          "(install the Debian package `postgresql`: make system)")
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Throwaway:
    """One private PostgreSQL server: ``start()``, ``stop()``, ``create_database(name)``."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="lingong-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self.as_user = "postgres" if os.geteuid() == 0 else None
        if self.as_user:
            shutil.chown(self.root, self.as_user, self.as_user)
            os.chmod(self.root, 0o700)

    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if check and proc.returncode != 0:
            raise ServerError(f"{' '.join(args[:2])} failed ({proc.returncode}): {proc.stderr.strip()[-800:]}")
        return proc

    def start(self) -> Throwaway:
        """Create the cluster (first time) and start the server; raise ServerError when it cannot."""
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8", "--no-sync")
        last = ""
        for _ in range(5):
            self.port = self.port or free_port()
            options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
                       " -c max_connections=100 -c shared_buffers=128MB")
            proc = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                             "-o", options, "start", check=False)
            if proc.returncode == 0:
                return self
            log = (self.root / "server.log").read_text(errors="replace") if (self.root / "server.log").exists() else ""
            last = (proc.stderr + log).strip()[-800:]
            self.port = 0                            # the port may have been taken meanwhile: try another
        raise ServerError(f"pg_ctl start failed: {last}")

    def stop(self, mode: str = "fast") -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> None:
        """Run one statement as the superuser (autocommit: CREATE DATABASE, roles, GRANTs)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def create_database(self, name: str) -> str:
        """Create database ``name`` (dropping an earlier one); return its URL."""
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __enter__(self) -> Throwaway:
        try:
            return self.start()
        except BaseException:
            self.remove()
            raise

    def __exit__(self, *exc: object) -> None:
        self.remove()


def wait_until_down(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.05)
