"""The server's workspace: one folder per application, its outputs, receipts, the audit log.

```
<workspace>/apps/<id>/application/   the application folder (as ``lingong-docs init`` makes it)
<workspace>/apps/<id>/out/           built packages
<workspace>/apps/<id>/meta.json      what the list page shows (applicant, market, year)
<workspace>/apps/<id>/fixes/<run>/   自动修正 runs: the corrected copy and result.json (web/fixes.py)
<workspace>/apps/<id>/backup/<stamp>/ workbooks replaced by 用修正后的表格继续
<workspace>/receipts/                受理回执 (PDF + JSON, named by receipt number)
<workspace>/uploads/                 one private folder per request, removed when it is done
<workspace>/audit.log                who did what (JSON lines, no personal data)
```
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from lingong_docs.blanks import init_application
from lingong_docs.core.model import APPLICATION_FILE
from lingong_docs.core.tables import JOB_POSTS, ROSTER, spec
from lingong_docs.util.atomic import atomic_write_bytes

APP_ID = re.compile(r"[0-9a-f]{12}")
FIX_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")    # a 自动修正 run: <date>-<time>-<random>
EVIDENCE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg")
# application.yaml keys the create form may set after ``init`` wrote the file (comments kept)
EXTRA_FIELDS = {"counting_mode": "计次方式", "date": "申请日期", "legal_rep": "法定代表人",
                "contact": "联系人", "contact_phone": "联系电话", "address": "地址"}
KIND_LABELS = ("运营经费补贴", "就业服务补贴", "零工市场认定")


@dataclass
class AppRef:
    id: str
    folder: Path
    applicant: str
    market: str
    year: int
    uscc: str = ""

    @property
    def out(self) -> Path:
        return self.folder.parent / "out"


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

    def create(self, *, applicant: str, uscc: str, market: str, year: int,
               extra: dict[str, str], kinds: list[str]) -> AppRef:
        """Create an application with ``init`` and write the extra fields into application.yaml."""
        app_id = secrets.token_hex(6)
        folder = self.apps / app_id / "application"
        try:
            init_application(folder, year=year, applicant=applicant, uscc=uscc, market=market)
            set_fields(folder / APPLICATION_FILE, extra, kinds)
        except Exception:
            shutil.rmtree(self.apps / app_id, ignore_errors=True)
            raise
        ref = AppRef(app_id, folder, applicant, market, year, uscc)
        meta = {"applicant": applicant, "market": market, "year": year, "uscc": uscc,
                "created": dt.datetime.now().isoformat(timespec="seconds")}
        atomic_write_bytes(self.apps / app_id / "meta.json", json.dumps(meta, ensure_ascii=False).encode())
        return ref

    def get(self, app_id: str) -> AppRef | None:
        if not APP_ID.fullmatch(app_id):
            return None
        meta_path = self.apps / app_id / "meta.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return AppRef(app_id, self.apps / app_id / "application", str(meta.get("applicant", "")),
                      str(meta.get("market", "")), int(meta.get("year", 0)), str(meta.get("uscc", "")))

    def list(self) -> list[AppRef]:
        refs = [self.get(p.name) for p in sorted(self.apps.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)]
        return [r for r in refs if r is not None]

    # ---- audit -------------------------------------------------------------------------------

    def audit(self, user: str, action: str, target: str = "", result: str = "") -> None:
        """Append one line: when, who, what, on which object (ids and hashes only), outcome."""
        line = json.dumps({"time": dt.datetime.now().isoformat(timespec="seconds"), "user": user,
                           "action": action, "target": target, "result": result}, ensure_ascii=False)
        with self._audit_lock, open(self.audit_path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def set_fields(path: Path, values: dict[str, str], kinds: list[str]) -> None:
    """Write top-level scalar fields and the 申请事项 list into an application file, keeping comments."""
    text = path.read_text(encoding="utf-8")
    for name, key in EXTRA_FIELDS.items():
        value = values.get(name, "").strip()
        if value:
            text = re.sub(rf"^{key}: .*$", f"{key}: {json.dumps(value, ensure_ascii=False)}", text, count=1,
                          flags=re.MULTILINE)
    if kinds:
        block = "申请事项:\n" + "".join(f"  - {k}\n" for k in kinds if k in KIND_LABELS)
        text = re.sub(r"^申请事项:\n(?:  - .*\n)+", block, text, count=1, flags=re.MULTILINE)
    atomic_write_bytes(path, text.encode("utf-8"))


def table_file(folder: Path, kind: str) -> Path:
    """Return where the workbook of ``kind`` lives in an application folder made by ``init``."""
    return folder / spec(kind).default_file


TABLE_KINDS = (JOB_POSTS, ROSTER)
