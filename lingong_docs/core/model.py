"""The data every stage passes along: an application as read, its tables and records.

Nothing here reads or writes files; the reader builds these, the later stages only read them.
A value that could not be read exactly is ``BAD`` (a read finding says why), never a guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lingong_docs.core import findings as F
from lingong_docs.core.tables import JOB_POSTS, ROSTER, TableSpec, spec
from lingong_docs.util.pii import mask_id, mask_name, mask_phone, scrub

APPLICATION_FILE = "application.yaml"


class _Bad:
    """Marks a cell whose content could not be read exactly (a read finding says why)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<无法读取>"

    def __bool__(self) -> bool:
        return False


BAD = _Bad()


@dataclass(slots=True, repr=False)
class Record:
    """One data row: ``values`` keyed by internal field name, and its Excel row number."""

    row: int
    values: dict[str, Any]

    def __repr__(self) -> str:  # never show personal values
        return f"Record(row={self.row})"

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


@dataclass(repr=False)
class Table:
    kind: str
    path: Path
    sheet: str
    header_row: int
    columns: dict[str, str]        # key -> column letter
    records: list[Record]
    applicant: str | None = None
    applicant_cell: tuple[int, str] | None = None   # (row, letter)
    uscc: str | None = None
    uscc_cell: tuple[int, str] | None = None
    date1904: bool = False
    findings: list[F.Finding] = field(default_factory=list)

    @property
    def spec(self) -> TableSpec:
        return spec(self.kind)

    def __repr__(self) -> str:
        return f"Table({self.kind}, {self.path.name}, rows={len(self.records)})"

    def locate(self, key: str) -> tuple[str | None, str]:
        """Return (column letter, header text) of field ``key``."""
        return self.columns.get(key), self.spec.column(key).header

    def finding(self, code: str, row: int | None = None, key: str | None = None, value: object = None,
                **params: Any) -> F.Finding:
        """Return finding ``code`` located at ``row``/``key`` of this table, value masked."""
        letter, header = (self.locate(key) if key else (None, None))
        return F.make(code, file=self.path.name, sheet=self.sheet, row=row, column=letter,
                      header=header, value=mask_value(self.spec, key, value), **params)


def mask_value(table_spec: TableSpec, key: str | None, value: object) -> str:
    """Return the value as it may be shown: personal data masked, long text cut."""
    if value is None or value is BAD:
        return ""
    if key is not None:
        pii = table_spec.column(key).pii
        if pii == "id":
            return mask_id(str(value))
        if pii == "phone":
            return mask_phone(str(value))
        if pii == "name":
            return mask_name(str(value))
    if isinstance(value, Decimal) and value.is_finite():
        value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        return str(value)[:30]
    text = value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else str(value)
    text = scrub(text)
    return text if len(text) <= 60 else text[:57] + "…"


@dataclass
class ApplicationInfo:
    """What the operator wrote in application.yaml, typed; ``None`` where missing or invalid."""

    applicant: str | None = None
    uscc: str | None = None
    market: str | None = None
    year: int | None = None
    counting_mode: str = "按次"
    application_date: dt.date | None = None
    legal_rep: str = ""
    contact: str = ""
    contact_phone: str = ""
    address: str = ""
    kinds: list[str] = field(default_factory=list)       # operating / employment / recognition
    recognition: dict[str, str] = field(default_factory=dict)
    job_posts_file: str = spec(JOB_POSTS).default_file
    roster_file: str = spec(ROSTER).default_file
    evidence_folder: str = "支付凭证"
    policy: str | None = None      # a policy id (schemas/policy/*.yaml); None: chosen by year


@dataclass(repr=False)
class Application:
    """An application folder as read: the info, the two tables, the evidence files."""

    folder: Path | None
    info: ApplicationInfo
    job_posts: Table | None = None
    roster: Table | None = None
    evidence: list[Path] = field(default_factory=list)        # sorted by name
    evidence_other: list[Path] = field(default_factory=list)  # files of an unsupported type
    findings: list[F.Finding] = field(default_factory=list)   # read findings outside the tables
    has_application_file: bool = True

    def __repr__(self) -> str:
        return f"Application({self.folder})"

    @property
    def tables(self) -> list[Table]:
        return [t for t in (self.job_posts, self.roster) if t is not None]

    def all_read_findings(self) -> list[F.Finding]:
        out = list(self.findings)
        for t in self.tables:
            out.extend(t.findings)
        return out

    @property
    def evidence_dir(self) -> Path | None:
        return None if self.folder is None else self.folder / self.info.evidence_folder
