"""Payment evidence (支付凭证) against the roster rows (docs/rules.md). Folder only.

Evidence file names are shown masked: operators name files after the person paid.
"""

from __future__ import annotations

import bisect
import unicodedata

from lingong_docs.core import findings as F
from lingong_docs.core.evidence import covered_rows, referenced_files
from lingong_docs.core.policy import FOLDER
from lingong_docs.util.pdfsafety import check_file
from lingong_docs.util.pii import mask_file_name
from lingong_docs.validate.columnar.frame import cached_frame
from lingong_docs.validate.registry import rule

MAX_EVIDENCE_BYTES = 50_000_000


def is_utf8(name: str) -> bool:
    """True when a file name is valid text (a name copied from another system may not be)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def readable(path) -> bool:
    """True when an evidence file opens as what its extension says (PDF pages, or an image)."""
    try:
        if path.stat().st_size == 0 or path.stat().st_size > MAX_EVIDENCE_BYTES:
            return False
        if path.suffix.lower() == ".pdf":
            from pypdf import PdfReader

            with open(path, "rb") as f:
                if not f.read(1024).lstrip().startswith(b"%PDF"):
                    return False
            reader = PdfReader(path, strict=False)
            return len(reader.pages) > 0 and reader.pages[0].mediabox is not None
        from PIL import Image

        with Image.open(path) as img:
            img.verify()
        return True
    except Exception:  # any failure to open means the bureau could not read it either
        return False


def _covered(seqs: list[int], ranges: dict[str, list[tuple[int, int]] | None], used: dict[str, bool]) -> set[int]:
    """Return the 序号 some file covers; mark the files that cover any row as used.

    Interval coverage in O((rows + ranges) log rows): a difference array over the sorted 序号.
    """
    ordered = sorted(set(seqs))
    diff = [0] * (len(ordered) + 1)
    for name, rs in ranges.items():
        for lo, hi in rs or ():
            a, b = bisect.bisect_left(ordered, lo), bisect.bisect_right(ordered, hi)
            if a < b:
                used[name] = True
                diff[a] += 1
                diff[b] -= 1
    covered_seq, running = set(), 0
    for i, seq in enumerate(ordered):
        running += diff[i]
        if running > 0:
            covered_seq.add(seq)
    return covered_seq


def _active(path) -> bool:
    """True when the PDF would run something, or is too deep to check in full (intake refuses both)."""
    safety = check_file(path)
    return bool(safety.active) or safety.truncated


@rule("application", folder_only=True, codes=("evidence-active-content", "evidence-file-missing",
      "evidence-file-unreadable", "evidence-file-unsupported", "evidence-file-unused", "evidence-folder-missing",
      "evidence-missing", "evidence-name-encoding", "evidence-row-uncovered"))
def payment_evidence(ctx):
    app = ctx.app
    table = app.roster
    folder = app.info.evidence_folder
    people = table.personal_names() if table is not None else frozenset()

    def shown(name: str) -> str:
        return mask_file_name(name, people)

    for p in app.evidence_other:
        yield F.make("evidence-file-unsupported", file=shown(p.name))
    for p in app.evidence + app.evidence_other:
        if not is_utf8(p.name):
            yield F.make("evidence-name-encoding", file=shown(p.name))
    if table is None:
        return
    if app.evidence_dir is not None and not app.evidence_dir.is_dir():
        yield F.make("evidence-folder-missing", file=table.path.name, folder=folder)
        return
    if not app.evidence:
        yield F.make("evidence-missing", file=table.path.name, folder=folder)
        return
    for p in app.evidence:
        if not readable(p):
            yield F.make("evidence-file-unreadable", file=shown(p.name))
        elif p.suffix.lower() == ".pdf" and _active(p):     # the check intake makes
            yield F.make("evidence-active-content", file=shown(p.name))
    files = {unicodedata.normalize("NFKC", p.name): p for p in app.evidence}
    ranges = {name: covered_rows(name) for name in files}
    names = list(files)
    used = {name: False for name in files}
    frame = cached_frame(ctx.cache, table)
    raw_seqs = frame.raw["seq"] if "seq" in frame.raw else [None] * len(frame.rows)
    seqs = [seq if isinstance(seq, int) else position for position, seq in enumerate(raw_seqs, start=1)]
    covered_seq = _covered(seqs, ranges, used)
    remarks = frame.raw.get("remark") or [None] * len(frame.rows)
    # Only a row with a 备注 (which may name files) or whose 序号 no file covers can have a finding.
    looked_at = sorted({pos for pos, remark in enumerate(remarks) if remark}
                       | {pos for pos, seq in enumerate(seqs) if seq not in covered_seq})
    for pos in looked_at:
        row, seq = frame.rows[pos], seqs[pos]
        covered = seq in covered_seq
        named, missing = referenced_files(remarks[pos], names)
        for ref in named:
            covered = True
            used[ref] = True
        for ref in missing:
            yield table.finding("evidence-file-missing", row, "remark", None, evidence=shown(ref[:60]))
        if not covered:
            yield table.finding("evidence-row-uncovered", row, "seq", seq, seq=seq)
    for name, was_used in used.items():
        if not was_used:
            yield F.make("evidence-file-unused", file=shown(name))


@rule("application", folder_only=True, codes=("supporting-file-unreadable", "supporting-name-encoding"))
def supporting_evidence(ctx):
    """The files of the supporting folders (认定材料/, 其他材料/: the policy's ``folder`` materials)
    are bundled and named in the package too: each must open and have a readable name (else build stops)."""
    app = ctx.app
    if app.folder is None:
        return
    people = app.roster.personal_names() if app.roster is not None else frozenset()
    for folder in [str(m.folder) for m in ctx.policy.material_catalogue.values() if m.source == FOLDER]:
        for p in app.supporting(folder):
            if not is_utf8(p.name):
                yield F.make("supporting-name-encoding", folder=folder, file=mask_file_name(p.name, people))
            elif not readable(p):
                yield F.make("supporting-file-unreadable", folder=folder, file=mask_file_name(p.name, people))
