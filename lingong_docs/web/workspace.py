"""The server's workspace: one folder per application, its versions, outputs, receipts, the audit log.

```
<workspace>/apps/<id>/application/   the application folder (as ``lingong-docs init`` makes it)
<workspace>/apps/<id>/out/           built packages; ``build.json`` says from which inputs and when
<workspace>/apps/<id>/meta.json      what the list page shows (applicant, market, year, owner, created)
<workspace>/apps/<id>/history/<v>/   earlier versions of replaced or removed files (time, user, action)
<workspace>/apps/<id>/staging-*/     an upload being checked (removed when done)
<workspace>/apps/<id>/fixes/<run>/   自动修正 runs: the corrected copy and result.json (web/fixes.py)
<workspace>/receipts/                受理回执 (PDF + JSON, named by receipt number)
<workspace>/uploads/                 one private folder per request, removed when it is done
<workspace>/audit.log                who did what (JSON lines, no personal data)
```

Every change to an application's files goes through ``Versions.replace``: the new files are
checked in a staging copy first (``stage``), the files they replace are kept as a version, and
only then are they moved in. So a bad upload never replaces a good file, and any change can be
undone from the history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lingong_docs import api
from lingong_docs.api import atomic_write_bytes
from lingong_docs.core.model import APPLICATION_FILE, ApplicationInfo
from lingong_docs.core.tables import JOB_POSTS, ROSTER, spec

APP_ID = re.compile(r"[0-9a-f]{12}")
FIX_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")    # a 自动修正 run or a version: <date>-<time>-<random>
EVIDENCE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg")
EVIDENCE = "支付凭证"
KEEP_VERSIONS = 12          # versions kept per application (each may hold a roster with personal data)
BUILD_RECORD = "build.json"
TABLE_KINDS = (JOB_POSTS, ROSTER)


@dataclass
class AppRef:
    id: str
    folder: Path
    applicant: str
    market: str
    year: int
    uscc: str = ""
    owner: str = ""
    created: str = ""
    archived: bool = False

    @property
    def root(self) -> Path:
        return self.folder.parent

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def history(self) -> Path:
        return self.root / "history"


def new_stamp() -> str:
    return f"{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


class Workspace:
    """The files the server keeps; every path it hands out is built here, never from a request."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.apps = root / "apps"
        self.receipts = root / "receipts"
        self.audit_path = root / "audit.log"
        self._audit_lock = threading.Lock()
        for d in (self.apps, self.receipts):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)

    # ---- applications ------------------------------------------------------------------------

    def create(self, info: ApplicationInfo, owner: str) -> AppRef:
        """Create an application as ``init`` does, with ``info`` written into its application file."""
        app_id = secrets.token_hex(6)
        folder = self.apps / app_id / "application"
        try:
            api.init(folder, year=info.year or dt.date.today().year - 1, applicant=info.applicant or "",
                     uscc=info.uscc or "", market=info.market or "")
            api.write_application(folder / APPLICATION_FILE, info)
        except Exception:
            shutil.rmtree(self.apps / app_id, ignore_errors=True)
            raise
        meta = {"owner": owner, "created": dt.datetime.now().isoformat(timespec="seconds")}
        self._write_meta(app_id, meta)
        ref = self.get(app_id)
        assert ref is not None
        self.describe(ref, info)
        return ref

    def _write_meta(self, app_id: str, meta: dict[str, Any]) -> None:
        atomic_write_bytes(self.apps / app_id / "meta.json", json.dumps(meta, ensure_ascii=False).encode())

    def _meta(self, app_id: str) -> dict[str, Any]:
        try:
            data = json.loads((self.apps / app_id / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def describe(self, ref: AppRef, info: ApplicationInfo) -> None:
        """Keep what the list shows in step with the application file (after it was edited)."""
        meta = self._meta(ref.id)
        meta.update({"applicant": info.applicant or "", "market": info.market or "", "year": info.year or 0,
                     "uscc": info.uscc or ""})
        self._write_meta(ref.id, meta)

    def set_archived(self, ref: AppRef, archived: bool) -> None:
        meta = self._meta(ref.id)
        meta["archived"] = archived
        self._write_meta(ref.id, meta)

    def delete(self, ref: AppRef) -> None:
        """Remove the application with every version, output and fix run (personal data included)."""
        trash = self.apps / f".deleting-{ref.id}"
        os.replace(ref.root, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def get(self, app_id: str) -> AppRef | None:
        if not APP_ID.fullmatch(app_id) or not (self.apps / app_id / "meta.json").is_file():
            return None
        meta = self._meta(app_id)
        try:
            year = int(meta.get("year", 0))
        except (TypeError, ValueError):
            year = 0
        return AppRef(app_id, self.apps / app_id / "application", str(meta.get("applicant", "")),
                      str(meta.get("market", "")), year, str(meta.get("uscc", "")), str(meta.get("owner", "")),
                      str(meta.get("created", "")), bool(meta.get("archived", False)))

    def list(self, user: str, everyone: bool) -> list[AppRef]:
        """Return the applications ``user`` may see (all of them when ``everyone``), newest first."""
        folders = [p for p in self.apps.iterdir() if APP_ID.fullmatch(p.name)]
        refs = [self.get(p.name) for p in sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True)]
        return [r for r in refs if r is not None and (everyone or r.owner == user)]

    # ---- audit -------------------------------------------------------------------------------

    def audit(self, user: str, action: str, target: str = "", result: str = "") -> None:
        """Append one line: when, who, what, on which object (ids and hashes only), outcome."""
        line = json.dumps({"time": dt.datetime.now().isoformat(timespec="seconds"), "user": user,
                           "action": action, "target": target, "result": result}, ensure_ascii=False)
        with self._audit_lock, open(self.audit_path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


# ---- inputs, staging and versions -------------------------------------------------------------

def table_file(folder: Path, kind: str) -> Path:
    """Return where the workbook of ``kind`` lives in an application folder made by ``init``."""
    return folder / spec(kind).default_file


def input_files(folder: Path) -> list[Path]:
    """Return the files of an application folder that a build reads (lock files and notes left out)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".", "~$"))
                  and p.suffix.lower() in (".yaml", ".yml", ".xlsx", *EVIDENCE_SUFFIXES))


def input_hash(folder: Path) -> str:
    """Return one SHA-256 over the names and contents of the application's inputs."""
    digest = hashlib.sha256()
    for path in input_files(folder):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def stage(ref: AppRef) -> Path:
    """Return a private copy of the application folder in which an upload is tried first."""
    staging = ref.root / f"staging-{secrets.token_hex(4)}"
    shutil.copytree(ref.folder, staging / "application")
    os.chmod(staging, 0o700)
    return staging / "application"


class Versions:
    """The short history of an application's files: what a change replaced, when, by whom."""

    def __init__(self, ref: AppRef) -> None:
        self.ref = ref

    def replace(self, staged: Path, names: list[str], user: str, action: str) -> str | None:
        """Move ``names`` (relative paths) from the checked copy ``staged`` into the application.

        A name missing from ``staged`` is removed from the application. The files replaced or
        removed are kept first as a new version; return its id (None: nothing changed).
        """
        changed = [n for n in names if _differs(self.ref.folder / n, staged / n)]
        if not changed:
            return None
        version = self.keep(changed, user, action)
        for name in changed:
            source, target = staged / name, self.ref.folder / name
            if source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
            else:
                target.unlink(missing_ok=True)
        return version

    def keep(self, names: list[str], user: str, action: str) -> str:
        """Save the current state of ``names`` (a file, or that it did not exist) as a version."""
        version = new_stamp()
        folder = self.ref.history / version
        (folder / "files").mkdir(parents=True, mode=0o700)
        kept, absent = [], []
        for name in names:
            current = self.ref.folder / name
            if current.is_file():
                (folder / "files" / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(current, folder / "files" / name)
                kept.append(name)
            else:
                absent.append(name)
        # ``order``: versions made within the same second (an upload, then a restore) sort by it, not by
        # their random id suffix; strictly after the newest so far even if the clock stood still
        newest = max((v.get("order", 0) for v in self.list()), default=0)
        entry = {"time": dt.datetime.now().isoformat(timespec="seconds"), "user": user, "action": action,
                 "files": kept, "absent": absent, "order": max(time.time_ns(), newest + 1)}
        atomic_write_bytes(folder / "entry.json", json.dumps(entry, ensure_ascii=False).encode())
        self._prune()
        return version

    def _prune(self) -> None:
        for old in self.list()[KEEP_VERSIONS:]:
            shutil.rmtree(self.ref.history / old["id"], ignore_errors=True)

    def list(self) -> list[dict[str, Any]]:
        """Return the versions, newest first: id, time, user, action, files, absent."""
        if not self.ref.history.is_dir():
            return []
        out = []
        for folder in self.ref.history.iterdir():
            if not FIX_ID.fullmatch(folder.name):
                continue
            try:
                entry = json.loads((folder / "entry.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            out.append({"id": folder.name, **entry})
        # the id's second-resolution stamp first (versions kept before ``order`` existed), then ``order``
        return sorted(out, key=lambda v: (v["id"][:15], v.get("order", 0), v["id"]), reverse=True)

    def restore(self, version: str, user: str) -> str | None:
        """Put the files of ``version`` back (the current ones become a version themselves)."""
        entry = next((v for v in self.list() if v["id"] == version), None)
        if entry is None:
            raise KeyError(version)
        names = [n for n in entry["files"] + entry["absent"] if _safe_name(n)]
        staged = stage(self.ref)
        try:
            for name in names:
                (staged / name).unlink(missing_ok=True)
                if name in entry["files"]:
                    shutil.copy2(self.ref.history / version / "files" / name, staged / name)
            return self.replace(staged, names, user, f"restore {version}")
        finally:
            shutil.rmtree(staged.parent, ignore_errors=True)


def _safe_name(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def _differs(a: Path, b: Path) -> bool:
    if a.is_file() != b.is_file():
        return True
    return a.is_file() and (a.stat().st_size != b.stat().st_size or a.read_bytes() != b.read_bytes())


# ---- builds -----------------------------------------------------------------------------------

def record_build(ref: AppRef, inputs: str, files: list[str], draft: bool) -> None:
    """Note which inputs the packages in ``out/`` were built from, and when."""
    data = {"inputs": inputs, "time": dt.datetime.now().isoformat(timespec="seconds"), "files": files,
            "draft": draft}
    atomic_write_bytes(ref.out / BUILD_RECORD, json.dumps(data, ensure_ascii=False).encode())


def last_build(ref: AppRef) -> dict[str, Any] | None:
    try:
        data = json.loads((ref.out / BUILD_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
