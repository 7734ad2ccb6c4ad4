"""Child side: re-read, re-validate and recompute an application rebuilt from a package.

The workbooks inside a received package are as untrusted as the PDF around them, so this also
runs in the limited child (``worker``). It answers with figures, the validation problems grouped
by rule (rows only, never values) and, when a ledger key is given, keyed hashes of the counted
roster rows for the cross-applicant checks. The key never leaves this process in any other form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lingong_docs.core.identity import canonical_id, record_key, record_text


@dataclass(frozen=True)
class DataProblem:
    """The findings of one rule in one file of the embedded application: rows only, never values."""

    code: str
    severity: str
    file: str
    title: str
    message: str
    rows: tuple[int, ...]
    count: int


@dataclass(frozen=True)
class Blocking:
    """A finding of the recomputation that stops the application (a missed deadline …)."""

    code: str
    severity: str
    message: str


@dataclass(frozen=True)
class KeyedRow:
    """A counted roster row as the ledger sees it: keyed hashes of the person and the task."""

    row: int
    person: str
    key: str
    start: str
    end: str


@dataclass(frozen=True)
class TruthResult:
    """What the ``truth`` child answers (crosses the process boundary as JSON: ``to_dict``/``from_dict``).

    ``failed``: why the recomputation did not run (Chinese), else None and the rest is filled.
    """

    failed: str | None = None
    figures: dict[str, Any] | None = None          # compute's Figures.to_dict()
    exact: dict[str, str] = field(default_factory=dict)   # money as Decimal text
    kinds: tuple[str, ...] = ()
    records: dict[str, int] = field(default_factory=dict)     # data rows of each table
    legal_rep: str | None = None
    printed_rows: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)   # (page, row)
    problems: tuple[DataProblem, ...] = ()
    blocking: tuple[Blocking, ...] = ()
    rows: tuple[KeyedRow, ...] = ()
    policy_sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TruthResult:
        return cls(
            failed=data.get("failed"), figures=data.get("figures"), exact=dict(data.get("exact") or {}),
            kinds=tuple(data.get("kinds") or ()), records=dict(data.get("records") or {}),
            legal_rep=data.get("legal_rep"),
            printed_rows={str(k): tuple((int(p), int(r)) for p, r in v)
                          for k, v in (data.get("printed_rows") or {}).items()},
            problems=tuple(DataProblem(**{**p, "rows": tuple(p["rows"])}) for p in data.get("problems") or ()),
            blocking=tuple(Blocking(**b) for b in data.get("blocking") or ()),
            rows=tuple(KeyedRow(**r) for r in data.get("rows") or ()),
            policy_sha256=data.get("policy_sha256"))


def person_key(key: bytes, id_number: object) -> str:
    """Return HMAC-SHA256(key, ID) in hex: the only form in which a person is ever stored."""
    return hmac.new(key, b"person\x00" + canonical_id(id_number).encode("utf-8"), hashlib.sha256).hexdigest()


def row_key(key: bytes, id_number: object, start: str, end: str, place: object) -> str:
    """Return the keyed hash of one roster row (same person, start, end and place)."""
    raw = "row\x00" + record_text(record_key(id_number, start, end, place))
    return hmac.new(key, raw.encode("utf-8"), hashlib.sha256).hexdigest()


def _iso(value: object) -> str | None:
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time()).isoformat()
    return None


def assemble(folder: Path, stored: Path, files: list[dict[str, str]]) -> None:
    """Lay the extracted files out as an application folder (names cleaned, never raw paths)."""
    from lingong_docs.core.model import APPLICATION_FILE
    from lingong_docs.core.tables import JOB_POSTS, ROSTER, spec
    from lingong_docs.intake.names import clean_name
    from lingong_docs.reader.application import read_application_file

    folder.mkdir(mode=0o700)
    app_file = next(f for f in files if f["role"] == "application")
    _place(stored / app_file["stored"], folder / APPLICATION_FILE)
    info, _ = read_application_file(folder / APPLICATION_FILE)
    names = {JOB_POSTS: clean_name(info.job_posts_file), ROSTER: clean_name(info.roster_file)}
    evidence = folder / (clean_name(info.evidence_folder) or "支付凭证")
    evidence.mkdir(mode=0o700, exist_ok=True)
    taken = set()
    for f in files:
        role = f["role"]
        if role in (JOB_POSTS, ROSTER):
            name = names[role] if names[role].lower().endswith(".xlsx") else spec(role).default_file
            target = folder / name
        elif role == "evidence":
            name = clean_name(f["name"].replace("\\", "/").rsplit("/", 1)[-1]) or f["stored"]
            while name in taken:
                name = "_" + name
            taken.add(name)
            target = evidence / name
        else:
            continue
        if not target.exists():
            _place(stored / f["stored"], target)


def _place(source: Path, target: Path) -> None:
    import os
    import shutil

    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def recheck(request: dict[str, Any]) -> dict[str, Any]:
    """Return the ``TruthResult`` (as JSON data) of the application folder in ``request``."""
    logging.disable(logging.CRITICAL)
    from lingong_docs.core.errors import LingongError
    from lingong_docs.pipeline import prepare

    folder = Path(request["app"])
    as_of = dt.date.fromisoformat(request["as_of"])
    key = bytes.fromhex(request["key"]) if request.get("key") else None
    try:
        assemble(folder, Path(request["workdir"]) / "files", request["files"])
        # the policy the parent chose from the manifest (a shipped policy's id, never a path)
        prepared = prepare(folder, policy=request.get("policy") or None, as_of=as_of, today=as_of)
        app, report, figures = prepared.app, prepared.report, prepared.figures
    except LingongError as e:
        from lingong_docs.core.findings import catalogue

        return TruthResult(failed=str(catalogue().get(e.code, {}).get("title") or e.code)).to_dict()
    blocking = tuple(Blocking(f.code, f.severity, f.message) for f in figures.blocking if f.code != "input-has-errors")
    # the number of data rows of each table, as the build prints it on the checklist ("共1,000条")
    records = {name: len(table.records) for name, table in (("job_posts", app.job_posts), ("roster", app.roster))
               if table is not None}
    return TruthResult(
        figures=figures.to_dict(), kinds=tuple(figures.kinds), records=records, legal_rep=app.info.legal_rep or None,
        printed_rows=_printed_rows(app, request.get("printed") or {}), problems=_problems(app, report),
        blocking=blocking, rows=_keyed_rows(app, report, key), policy_sha256=figures.policy.sha256,
        exact={"operating_subsidy": str(figures.operating_subsidy), "employment_subsidy": str(figures.employment_subsidy),
               "total": str(figures.total)}).to_dict()


def _printed_rows(app: Any, printed: dict[str, Any]) -> dict[str, tuple[tuple[int, int], ...]]:
    """(page, Excel row) of each printed table row that differs from the embedded workbook."""
    from lingong_docs.intake.rows import compare

    out = {}
    for name, seen in printed.items():
        table = getattr(app, name, None) if name in ("job_posts", "roster") else None
        if table is not None:
            pages = {int(p): runs for p, runs in (seen.get("pages") or {}).items()}
            out[name] = tuple(compare(table, name, pages, bool(seen.get("complete"))))
    return out


def _problems(app: Any, report: Any) -> tuple[DataProblem, ...]:
    """The validation findings grouped by rule and file: rows only, never values.

    Evidence file names may name a worker ("0007 张三微信转账.png"): such findings are shown as
    "支付凭证" with the rule's title only. Messages are shown only for the application file.
    """
    from lingong_docs.core import findings as F
    from lingong_docs.core.model import APPLICATION_FILE

    groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for f in report.findings:
        if f.severity in (F.ERROR, F.WARNING):
            groups[(f.code, f.severity, f.file or "")].append(f)
    catalogue = F.catalogue()
    tables = {t.path.name for t in app.tables}
    problems = []
    for (code, severity, file), items in groups.items():
        rows = sorted({f.row for f in items if f.row is not None})
        known = file in tables or file in ("", APPLICATION_FILE)
        problems.append(DataProblem(
            code=code, severity=severity, file=file if known else "支付凭证",
            title=str(catalogue.get(code, {}).get("title", code)),
            message=items[0].message.rstrip("。") if (not rows and file in ("", APPLICATION_FILE)) else "",
            rows=tuple(rows), count=len(items)))
    return tuple(problems)


def _keyed_rows(app: Any, report: Any, key: bytes | None) -> tuple[KeyedRow, ...]:
    """Keyed hashes of the counted roster rows (the ledger's only view of people)."""
    if key is None or app.roster is None:
        return ()
    bad = report.error_rows(app.roster.path.name)
    rows, seen = [], set()
    for rec in app.roster.records:
        v = rec.values
        start, end, ident = _iso(v.get("start")), _iso(v.get("end")), v.get("id_number")
        if rec.row in bad or not (start and end and isinstance(ident, str) and ident):
            continue
        rk = row_key(key, ident, start, end, v.get("place"))
        if rk not in seen:
            seen.add(rk)
            rows.append(KeyedRow(row=rec.row, person=person_key(key, ident), key=rk, start=start, end=end))
    return tuple(rows)
