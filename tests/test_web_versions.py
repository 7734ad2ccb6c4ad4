"""Versions of an application's files: newest first even when several are made within one second."""

from __future__ import annotations

from pathlib import Path

from lingong_docs.web.workspace import KEEP_VERSIONS, AppRef, Versions


def _ref(tmp_path: Path) -> AppRef:
    folder = tmp_path / "app" / "files"
    folder.mkdir(parents=True)
    return AppRef(id="abc", folder=folder, applicant="某公司", market="某驿站", year=2025)


def test_versions_made_in_the_same_second_list_newest_first(tmp_path):
    ref = _ref(tmp_path)
    (ref.folder / "a.xlsx").write_bytes(b"one")
    versions = Versions(ref)
    made = []
    for n, action in enumerate(("upload", "restore x", "upload", "fix")):
        made.append(versions.keep(["a.xlsx"], "本机", action))
        (ref.folder / "a.xlsx").write_bytes(f"state {n}".encode())
    listed = versions.list()
    assert [v["id"] for v in listed] == made[::-1]
    assert [v["action"] for v in listed] == ["fix", "upload", "restore x", "upload"]


def test_pruning_keeps_the_newest(tmp_path):
    ref = _ref(tmp_path)
    (ref.folder / "a.xlsx").write_bytes(b"x")
    versions = Versions(ref)
    made = [versions.keep(["a.xlsx"], "本机", f"upload {n}") for n in range(KEEP_VERSIONS + 3)]
    assert [v["id"] for v in versions.list()] == made[::-1][:KEEP_VERSIONS]
