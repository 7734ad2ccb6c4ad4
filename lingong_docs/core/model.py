"""The data every stage passes along: an application as read, its tables and records.

Nothing here reads or writes files; the reader builds these, the later stages only read them.
A value that could not be read exactly is ``BAD`` (a read finding says why), never a guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lingong_docs.core import findings as F
from lingong_docs.core.evidence import supporting_files, text_named
from lingong_docs.core.tables import JOB_POSTS, ROSTER, TableSpec, spec
from lingong_docs.util.pii import mask, scrub

APPLICATION_FILE = "application.yaml"


class _Bad:
    """Marks a cell whose content could not be read exactly (a read finding says why)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<无法读取>"

    def __bool__(self) -> bool:
        return False


BAD = _Bad()


class Columns(Mapping[str, list[Any]]):
    """A table's values column by column, ``{key: [value per record]}``, as the reader read them.

    ``series`` holds some columns in typed form too (``reader.fast``: polars Series of the frame's
    types, null where a value is not of the type): validate's frame takes them as they are. A
    column in ``exact`` is its typed column value for value, so its Python list is made only the
    first time it is read (a clean large roster is validated without one)."""

    def __init__(self) -> None:
        self._ready: dict[str, list[Any]] = {}
        self._later: dict[str, Callable[[], list[Any]]] = {}
        self._order: list[str] = []
        self.series: dict[str, Any] = {}
        self.exact: set[str] = set()

    def put(self, key: str, values: list[Any] | Callable[[], list[Any]], series: Any = None) -> None:
        """Add column ``key``: its list, or (with its typed ``series``, exactly the same values) a
        function making the list."""
        self._order.append(key)
        if series is not None:
            self.series[key] = series
        if callable(values):
            assert series is not None
            self._later[key] = values
            self.exact.add(key)
        else:
            self._ready[key] = values

    def __getitem__(self, key: str) -> list[Any]:
        if key in self._later:
            self._ready[key] = self._later.pop(key)()
        return self._ready[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, key: object) -> bool:
        return key in self._ready or key in self._later


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
    # The reader of a large sheet gives its records as (rows, columns): the Record objects are made
    # the first time ``records`` is read, and a stage that reads only columns never makes them.
    # (Declared before ``records``: the generated __init__ sets these first, then ``records``.)
    _records: list[Record] = field(default_factory=list, init=False, compare=False, repr=False)
    _pending: tuple[list[int], Mapping[str, list[Any]]] | None = field(default=None, init=False, compare=False,
                                                                        repr=False)
    records: list[Record]
    applicant: str | None = None
    applicant_cell: tuple[int, str] | None = None   # (row, letter)
    uscc: str | None = None
    uscc_cell: tuple[int, str] | None = None
    date1904: bool = False
    findings: list[F.Finding] = field(default_factory=list)
    # The reader's values column by column ({key: [value per record]}, the same objects as the
    # records'): validate's columnar frame starts from them. None for a table built in memory or
    # copied (``dataclasses.replace``); whoever changes ``records`` after reading sets it to None.
    read_columns: Mapping[str, list[Any]] | None = field(default=None, init=False, compare=False)
    _names: tuple[int, frozenset[str]] = field(default=(0, frozenset()), init=False, compare=False)

    def set_columns(self, rows: list[int], columns: Mapping[str, list[Any]]) -> None:
        """Set the records from the reader's columns (sheet row numbers, values per field)."""
        self._records, self._pending = [], (rows, columns)
        self.read_columns = columns

    def records_at(self, positions: list[int]) -> list[Record]:
        """Return the records at ``positions`` (0-based, in the order given), making only those."""
        if self._pending is None:
            return [self._records[i] for i in positions]
        rows, columns = self._pending
        return [Record(rows[i], {k: v[i] for k, v in columns.items()}) for i in positions]

    @property
    def row_count(self) -> int:
        """The number of records, without making them."""
        return len(self._pending[0]) if self._pending is not None else len(self._records)

    @property
    def record_rows(self) -> list[int]:
        """The sheet row number of every record, in order, without making the records."""
        return list(self._pending[0]) if self._pending is not None else [r.row for r in self._records]

    @property
    def spec(self) -> TableSpec:
        return spec(self.kind)

    def __repr__(self) -> str:
        return f"Table({self.kind}, {self.path.name}, rows={self.row_count})"

    def locate(self, key: str) -> tuple[str | None, str]:
        """Return (column letter, header text) of field ``key``."""
        return self.columns.get(key), self.spec.column(key).header

    def personal_names(self) -> frozenset[str]:
        """Return the people's names in this table: masked wherever they appear in free text."""
        # Cached by the number of records: the reader makes findings while the records are read.
        if self._names[0] != self.row_count:
            keys = [c.key for c in self.spec.columns if c.pii == "name"]
            if self._pending is not None:
                values: Any = (v for k in keys for v in self._pending[1].get(k, ()))
            else:
                values = (r.values.get(k) for r in self._records for k in keys)
            self._names = (self.row_count, frozenset(v for v in values if isinstance(v, str) and len(v) >= 2))
        return self._names[1]

    def finding(self, code: str, row: int | None = None, key: str | None = None, value: object = None,
                **params: Any) -> F.Finding:
        """Return finding ``code`` located at ``row``/``key`` of this table, value masked."""
        letter, header = (self.locate(key) if key else (None, None))
        names = self.personal_names()
        # A message quotes cell contents too (工作时长 13912345678 小时): they pass the same masking.
        shown = {k: scrub(str(v), names) if isinstance(v, (str, int, float, Decimal)) and not isinstance(v, bool)
                 else v for k, v in params.items()}
        return F.make(code, file=self.path.name, sheet=self.sheet, row=row, column=letter,
                      header=header, value=mask_value(self.spec, key, value, names), **shown)


def _get_records(table: Table) -> list[Record]:
    if table._pending is not None:
        rows, columns = table._pending
        keys = list(columns)
        table._records = [Record(r, dict(zip(keys, vals))) for r, vals in zip(rows, zip(*columns.values()))] \
            if keys else [Record(r, {}) for r in rows]
        table._pending = None
    return table._records


def _set_records(table: Table, records: list[Record]) -> None:
    table._records, table._pending = records, None
    table.read_columns = None       # the reader's columns no longer say what the records hold


# ``records`` is a dataclass field (``Table(..., records=[...])``, compared, copied by
# ``dataclasses.replace``) read and written through this property.
Table.records = property(_get_records, _set_records)  # type: ignore[assignment]


def mask_value(table_spec: TableSpec, key: str | None, value: object,
               names: frozenset[str] = frozenset()) -> str:
    """Return the value of column ``key`` as it may be shown (``util.pii.mask`` decides)."""
    if value is BAD:
        return ""
    return mask(value, table_spec.column(key).pii if key is not None else None, names)


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
    _supporting: dict[str, list[Path]] = field(default_factory=dict, repr=False, compare=False)
    _bundled: dict[str | None, list[Path]] = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"Application({self.folder})"

    def supporting(self, folder: str) -> list[Path]:
        """Return the PDF and image files of the supporting ``folder`` (认定材料, 其他材料: the policy's
        ``folder`` materials), by name; discovered once, then the same list for validate and build."""
        if folder not in self._supporting:
            self._supporting[folder] = supporting_files(self.folder, folder) if self.folder is not None else []
        return self._supporting[folder]

    def bundled(self, folder: str | None = None) -> list[Path]:
        """Return the files bundled into a package: the evidence (``folder`` None) or the files of a
        supporting folder, without those whose names are not text (validate reports them)."""
        if folder not in self._bundled:
            self._bundled[folder] = text_named(self.evidence if folder is None else self.supporting(folder))
        return self._bundled[folder]

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
