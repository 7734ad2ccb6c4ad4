"""Reading stage: the application folder (application.yaml, 附件4, 附件5, 支付凭证/) into data.

``read_application(dir)`` and ``read_table(path)`` are the doors; they raise ``ReadError`` for a
file that cannot be read safely and return read findings for cells that cannot be read exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lingong_docs.core import findings as F
from lingong_docs.core.errors import LingongError, ReadError
from lingong_docs.core.kinds import label as kind_label
from lingong_docs.core.model import APPLICATION_FILE, Application, ApplicationInfo
from lingong_docs.core.policy import policy_for
from lingong_docs.core.tables import JOB_POSTS, ROSTER, spec
from lingong_docs.reader.application import read_application_file
from lingong_docs.reader.guard import OTHER_FORMATS
from lingong_docs.reader.xlsx import read_table
from lingong_docs.util.pii import mask_file_name

EVIDENCE_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")


def read_application(folder: str | Path) -> Application:
    """Return the application in ``folder``; tables that are absent are ``None`` (a finding says so)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReadError.make("folder-not-found", folder=folder.name)
    app_file = folder / APPLICATION_FILE
    findings: list[F.Finding] = []
    if app_file.is_file():
        info, findings = read_application_file(app_file)
        has_file = True
    else:
        info, has_file = ApplicationInfo(), False
        findings.append(F.make("application-missing", file=APPLICATION_FILE))
    app = Application(folder=folder, info=info, findings=findings, has_application_file=has_file)
    needs = {"operating": (JOB_POSTS, ROSTER), "employment": (ROSTER,), "recognition": ()}
    wanted = {k for kind in (info.kinds or ["operating", "employment"]) for k in needs.get(kind, ())}
    footer = _footer_words(info)
    for kind, name in ((JOB_POSTS, info.job_posts_file), (ROSTER, info.roster_file)):
        path = folder / name
        if not path.is_file():
            alt = _guess_file(folder, kind)
            path = alt or path
        if path.is_file():
            setattr(app, kind, read_table(path, kind, footer))
        elif (other := _other_format(folder, name, kind)) is not None:
            findings.append(F.make("table-other-format", file=mask_file_name(other.name),
                                   expected=mask_file_name(name), format=OTHER_FORMATS[other.suffix.lower()]))
        elif kind in wanted:
            subsidy = "、".join(kind_label(k) for k in (info.kinds or ["operating"]) if kind in needs[k])
            findings.append(F.make("table-missing", file=name, table=spec(kind).attachment,
                                   subsidy=subsidy or "补贴"))
    findings.extend(_lock_files(folder, app.roster.personal_names() if app.roster is not None else frozenset()))
    ev_dir = app.evidence_dir
    if ev_dir is not None and ev_dir.is_dir():
        for p in sorted(_walk(ev_dir), key=lambda p: p.relative_to(ev_dir).as_posix()):
            if p.suffix.lower() in EVIDENCE_EXTENSIONS:
                app.evidence.append(p)
            elif p.suffix.lower() not in (".txt", ".md"):
                app.evidence_other.append(p)
    return app


def read_single(path: str | Path, kind: str | None = None) -> Application:
    """Return an application holding one lone workbook (no application file, no evidence)."""
    path = Path(path)
    table = read_table(path, kind)
    app = Application(folder=None, info=ApplicationInfo(), has_application_file=False)
    setattr(app, table.kind, table)
    return app


def _walk(folder: Path, depth: int = 3) -> Iterator[Path]:
    """Yield the files below ``folder`` (operators sort evidence into month folders), no hidden ones."""
    for p in folder.iterdir():
        if p.name.startswith((".", "~$")) or p.is_symlink():
            continue
        if p.is_file():
            yield p
        elif p.is_dir() and depth > 0:
            yield from _walk(p, depth - 1)


def _lock_files(folder: Path, names: frozenset[str]) -> list[F.Finding]:
    """Return an info per workbook that Excel/WPS (``~$x.xlsx``) or LibreOffice (``.~lock.x#``) holds open.

    The file read is what was last saved; changes not yet saved in the open window are not seen.
    """
    out = []
    for p in sorted(folder.iterdir(), key=lambda p: p.name):
        if p.name.startswith("~$"):
            workbook = p.name[2:]
        elif p.name.startswith(".~lock.") and p.name.endswith("#"):
            workbook = p.name[len(".~lock."):-1]
        else:
            continue
        out.append(F.make("workbook-open-elsewhere", file=mask_file_name(workbook, names),
                          lock=mask_file_name(p.name, names)))
    return out


def _footer_words(info: ApplicationInfo) -> tuple[str, ...] | None:
    """Return the footer words of the application's policy (None: the reader's default)."""
    try:
        policy = policy_for(info.year, info.policy)
    except LingongError:
        return None   # an unknown policy name is reported by validate and compute
    return policy.plausibility.footer_words


def _other_format(folder: Path, name: str, kind: str) -> Path | None:
    """Return the table saved in another format (.xls, .csv, .ods, .et): same name, or 附件N in it."""
    stem, tag = Path(name).stem, spec(kind).attachment
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in OTHER_FORMATS
                   and not p.name.startswith(("~$", ".")) and (p.stem == stem or tag in p.name))
    return found[0] if found else None


def _guess_file(folder: Path, kind: str) -> Path | None:
    """Find the table when the operator renamed the file but kept 附件4/附件5 in its name."""
    tag = spec(kind).attachment
    candidates = sorted(p for p in folder.glob("*.xlsx") if tag in p.name and not p.name.startswith("~$"))
    return candidates[0] if len(candidates) == 1 else None


__all__ = ["read_application", "read_single", "read_table", "APPLICATION_FILE"]
