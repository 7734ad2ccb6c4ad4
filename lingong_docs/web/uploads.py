"""Uploads: a form streamed straight into a private folder, with a size limit.

Each request gets its own folder (mode 0700) under ``<workspace>/uploads``; files are stored under
neutral names (``f1``, ``f2`` …); the folder is ``u-<pid>-<random>`` and the name the browser sent is kept only as cleaned text. The
folder is removed when the request is done (``Upload.close``) and swept when the server starts.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from lingong_docs.api import strip_controls
from lingong_docs.web.config import private_folder

MAX_FIELDS = 50
MAX_FILES = 60


class UploadTooLarge(Exception):
    """The request body passed the configured limit."""


class BadUpload(Exception):
    """The request is not a well-formed multipart form."""


@dataclass
class UploadedFile:
    field: str
    name: str        # the file name the browser sent, cleaned; never used as a path
    path: Path
    size: int = 0

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()


@dataclass
class Upload:
    folder: Path
    fields: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def get(self, name: str) -> list[UploadedFile]:
        return [f for f in self.files if f.field == name and f.size > 0]


class _Collector:
    """python-multipart callbacks that write file parts to disk as they arrive."""

    def __init__(self, upload: Upload) -> None:
        self.upload = upload
        self.headers: dict[str, bytes] = {}
        self.header_name = b""
        self.header_value = b""
        self.name = ""
        self.text = bytearray()
        self.current: UploadedFile | None = None
        self.handle: IO[bytes] | None = None

    def on_part_begin(self) -> None:
        self.headers, self.text, self.current = {}, bytearray(), None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_name.decode("latin-1").lower()] = self.header_value
        self.header_name, self.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get("content-disposition", b""))
        self.name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            if len(self.upload.fields) >= MAX_FIELDS:
                raise BadUpload("too many fields")
            return
        if len(self.upload.files) >= MAX_FILES:
            raise BadUpload("too many files")
        raw = options[b"filename"].decode("utf-8", "replace")
        clean = strip_controls(raw.replace("\\", "/").rsplit("/", 1)[-1], newlines=False)[:120]
        path = self.upload.folder / f"f{len(self.upload.files) + 1}"
        self.current = UploadedFile(self.name, clean, path)
        self.upload.files.append(self.current)
        self.handle = open(path, "xb")  # closed in on_part_end  # noqa: SIM115

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.handle is not None and self.current is not None:
            self.handle.write(data[start:end])
            self.current.size += end - start
        else:
            self.text += data[start:end]
            if len(self.text) > 100_000:
                raise BadUpload("field too long")

    def on_part_end(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        elif self.name:
            self.upload.fields[self.name] = self.text.decode("utf-8", "replace")

    def callbacks(self) -> dict:
        return {name: getattr(self, name) for name in (
            "on_part_begin", "on_part_data", "on_part_end", "on_header_field", "on_header_value",
            "on_header_end", "on_headers_finished")}


async def receive(request: Request, root: Path, limit: int) -> Upload:
    """Return the form of ``request`` with its files stored in a new private folder under ``root``.

    Raises ``UploadTooLarge`` past ``limit`` bytes (the rest of the body is read and dropped, so
    the browser gets the answer page) and ``BadUpload`` for a malformed form.
    """
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadUpload("no boundary")
    upload = Upload(private_folder(root))
    collector = _Collector(upload)
    parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > 4 * limit:   # stop reading a body far past the limit
                break
            if received <= limit:
                parser.write(chunk)
        if received > limit:            # the rest was read and dropped, so the browser sees the page
            raise UploadTooLarge()
        parser.finalize()
    except UploadTooLarge:
        upload.close()
        raise
    except Exception as e:
        upload.close()
        raise BadUpload(type(e).__name__) from None
    finally:
        if collector.handle is not None:
            collector.handle.close()
    return upload

