"""Child side: copy every embedded file of a package into the private work folder, within limits."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from lingong_docs.core import manifest as contract
from lingong_docs.intake.names import clean_name, indexed_name
from lingong_docs.intake.scan.result import AttachmentInfo, ScanResult
from lingong_docs.util.text import strip_controls


def unsafe_name(name: str) -> bool:
    """True for a name that could act as a path (separators, drive, dots) or hides characters."""
    parts = re.split(r"[\\/]", name)
    return strip_controls(name, newlines=False) != name or name.startswith(("/", "\\")) or ":" in name \
        or any(p in ("..", ".") for p in parts) or "\\" in name or len(parts) > 2


def extract_attachments(reader: Any, workdir: Path, limits: dict[str, Any], out: ScanResult) -> dict[str, Any] | None:
    """Copy every embedded file into ``workdir/files`` under an indexed clean name.

    Returns the parsed manifest (or None); its raw bytes were written like every other file.
    """
    files = workdir / "files"
    files.mkdir(mode=0o700, exist_ok=True)
    total = 0
    manifest = None
    for index, att in enumerate(reader.attachment_list):
        if index >= limits["max_attachments"]:
            out.problem("pdf-too-large", attachments=index)
            break
        entry = AttachmentInfo(index=index, name=str(att.name), safe=clean_name(str(att.name)))
        out.attachments.append(entry)
        if unsafe_name(entry.name):
            out.problem("attachment-name-unsafe", name=entry.safe)
        data = _content(att, entry, limits, out)
        if data is None:
            continue
        total += len(data)
        if total > limits["max_attachments_total"]:
            out.problem("pdf-bomb", name="total")
            break
        _store(files, entry, data)
        if entry.name == contract.NAME and manifest is None and len(data) <= limits["max_manifest"]:
            manifest = _json(data)
        del data
    return manifest


def _content(att: Any, entry: AttachmentInfo, limits: dict[str, Any], out: ScanResult) -> bytes | None:
    """Return the decompressed bytes of one attachment, or None (and a problem) when refused."""
    from pypdf.errors import LimitReachedError

    label = f"第{entry.index + 1}个内嵌文件"      # names of evidence files may name a worker
    limit = limits["max_attachment"]
    try:
        declared = att.size
    except Exception:
        declared = None
    entry.declared = int(declared) if isinstance(declared, int) else None
    if entry.declared is not None and entry.declared > limit:
        out.problem("attachment-too-large", name=label, size=entry.declared, limit=limit)
        return None
    try:
        data = att.content
    except (LimitReachedError, MemoryError):
        out.problem("pdf-bomb", name=label)
        return None
    except Exception as e:
        out.problem("attachment-unreadable", name=label, reason=type(e).__name__)
        return None
    data = data if isinstance(data, bytes) else bytes(data or b"")
    if len(data) > limit:
        out.problem("attachment-too-large", name=label, size=len(data), limit=limit)
        return None
    return data


def _store(files: Path, entry: AttachmentInfo, data: bytes) -> None:
    stored = indexed_name(entry.index, entry.name)
    fd = os.open(files / stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    entry.stored, entry.size, entry.sha256 = stored, len(data), hashlib.sha256(data).hexdigest()


def _json(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
