"""Child side: render the one-page forms again from a package's own data and compare the pages.

The applicant controls every byte of a package before it is sealed — its manifest included — so
what its pages show is only trusted when the bureau can produce it itself: here the forms (cover,
材料清单, the report of 附件1—3) are rendered again with the shipped templates, fonts and the
build stage's own functions, from the embedded application file and the figures the ``truth``
child recomputed (never the manifest's), dated as the package records it. Each page gets the
page-number stamp the package stage draws (``package.overlay``) and is then compared with the
package's page at the place the manifest records (the completeness check holds that place to the
bookmarks and the printed 材料清单): the text layer exactly (white space aside), and the picture
at a modest resolution with a tolerance for glyphs a pixel or two away (``intake.raster``).
Annotations are not drawn on either side: the seal pictures are judged by the signature check.

Runs as the ``forms`` job in the limited child (``worker``): LibreOffice is its child and shares
its CPU limit and its accounting, so the re-render is paid from the package's one budget.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

STRIPPED_PAGE_KEYS = ("/Metadata", "/PieceInfo", "/Thumb", "/LastModified")   # as package.assemble
# The resolution pages are compared at (dots per inch): a stroke of a 3号 character is 1—2 pixels.
DPI = 100


@dataclass(frozen=True)
class FormPage:
    """One page of a form as compared: where it stands in the package and what differs.

    ``text``: the text layers are the same; ``area``: square millimetres of the page whose ink
    differs beyond the tolerance (0.0: the same picture); ``pages``: the pages the form took when
    rendered again, when the package gives it another number of pages (then nothing is compared).
    """

    material: str
    page: int
    text: bool = True
    area: float = 0.0
    pages: int | None = None


@dataclass(frozen=True)
class FormsResult:
    """What the ``forms`` child answers (crosses the process boundary as JSON).

    ``failed``: why the forms could not be rendered again or compared (Chinese), else None.
    """

    failed: str | None = None
    pages: tuple[FormPage, ...] = ()
    seconds: float = 0.0            # wall clock of the re-render and comparison (for the bench)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FormsResult:
        return cls(failed=data.get("failed"), pages=tuple(FormPage(**p) for p in data.get("pages") or ()),
                   seconds=float(data.get("seconds") or 0.0))


@dataclass
class _Counted:
    """A table as the checklist's note needs it: only its number of records."""

    records: range = field(default_factory=lambda: range(0))


@dataclass
class _Counts:
    job_posts: _Counted | None
    roster: _Counted | None


def rerender(request: dict[str, Any]) -> dict[str, Any]:
    """Return the ``FormsResult`` (as JSON data) of the package in ``request``."""
    logging.disable(logging.CRITICAL)
    from lingong_docs.core.errors import LingongError
    from lingong_docs.core.findings import catalogue

    try:
        return _rerender(request).to_dict()
    except LingongError as e:
        return FormsResult(failed=str(catalogue().get(e.code, {}).get("title") or e.code)).to_dict()
    except (OSError, RuntimeError, ValueError) as e:
        return FormsResult(failed=f"页面无法生成或读取（{type(e).__name__}）").to_dict()


def _rerender(request: dict[str, Any]) -> FormsResult:
    import time

    from lingong_docs import render
    from lingong_docs.core.policy import CHECKLIST, FORM, policy_for
    from lingong_docs.reader.application import read_application_file

    started = time.monotonic()
    info, _ = read_application_file(Path(request["application"]))
    kind = str(request["kind"])
    policy = policy_for(info.year, request.get("policy") or None)
    materials = [m for m in request["materials"] if m["key"] in policy.materials(kind)
                 and policy.material(m["key"]).source in (FORM, CHECKLIST)]
    if not materials:
        return FormsResult(failed="材料包中没有可重新生成的表单")
    # the electronic edition's forms (the paper edition and drafts are refused before this)
    context = render.form_context(info, kind=kind, figures=_figures(request.get("figures")),
                                  materials=_checklist_rows(request, policy))
    workdir = Path(request["workdir"]) / "forms"
    workdir.mkdir(mode=0o700, exist_ok=True)
    pdfs = render.render_forms([policy.material(m["key"]) for m in materials], context, workdir / "rendered")
    from lingong_docs.intake.raster import compare_pages

    expected, where = _expected(materials, pdfs, request, workdir)
    pages = compare_pages(expected, where, Path(request["pdf"]), request.get("password"), workdir, DPI)
    return FormsResult(pages=tuple(pages), seconds=round(time.monotonic() - started, 2))


def _figures(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the figures the forms print (``package.parts.form_figures``) from the recomputation."""
    if not data:
        return None
    return {"demand_total": int(data["demand_total"]), "match_count": int(data["match_count"]),
            "operating_subsidy": Decimal(str(data["operating_subsidy"])),
            "employment_subsidy": Decimal(str(data["employment_subsidy"]))}


def _parts(request: dict[str, Any]) -> list[Any]:
    """Return the package's materials as the checklist sees them (``package.assemble.Part``):
    key, title and the files listed under it (the manifest's items, 0-based within the part)."""
    from lingong_docs.package.assemble import Child, Part

    parts = []
    for m in request["materials"]:
        children = tuple(Child(title=str(i.get("title", "")), first=int(i["first_page"]) - int(m["first_page"]),
                               last=int(i["last_page"]) - int(m["first_page"]))
                         for i in m.get("items") or () if isinstance(i, dict) and "first_page" in i)
        parts.append(Part(key=m["key"], title=m["title"], pdf=Path(), children=children))
    return parts


def _checklist_rows(request: dict[str, Any], policy: Any) -> list[dict[str, Any]]:
    """Return the 材料清单 rows the build printed (``package.checklist.checklist_rows``): the page
    ranges recorded for each material, the record counts as recomputed."""
    from lingong_docs.core.policy import CHECKLIST
    from lingong_docs.package.checklist import checklist_rows

    records = request.get("records") or {}
    counts = _Counts(**{name: _Counted(range(int(records[name]))) if name in records else None
                        for name in ("job_posts", "roster")})
    ranges = [{"key": m["key"], "title": m["title"], "first_page": int(m["first_page"]),
               "last_page": int(m["last_page"])} for m in request["materials"]]
    parts = [p for p in _parts(request) if policy.material(p.key).source != CHECKLIST]
    return checklist_rows(counts, ranges, parts, policy)


@dataclass(frozen=True)
class Expected:
    """A page of a form rendered again: its material, its page in the package and its index in
    the stamped PDF (``index``), or — when the form took another number of pages — that number."""

    material: str
    page: int
    index: int | None = None
    rendered_pages: int | None = None


def _expected(materials: list[dict[str, Any]], pdfs: dict[str, Path], request: dict[str, Any],
              workdir: Path) -> tuple[Path, list[Expected]]:
    """Return the rendered form pages stamped as the package stage stamps them (``package.overlay``:
    the page number of the package) in one PDF, and where each belongs in the package."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    from lingong_docs.package.overlay import Stamper, make_overlay

    total = int(request["pages"])
    writer = PdfWriter()
    stamper = Stamper(writer)
    out: list[Expected] = []
    for m in materials:
        first, last = int(m["first_page"]), int(m["last_page"])
        reader = PdfReader(pdfs[m["key"]])
        if len(reader.pages) != last - first + 1:
            out.append(Expected(m["key"], first, rendered_pages=len(reader.pages)))
            continue
        for k, source in enumerate(reader.pages):
            page = writer.add_page(source)
            for key in STRIPPED_PAGE_KEYS:
                page.pop(NameObject(key), None)
            box = page.mediabox
            overlay = make_overlay([(float(box.width), float(box.height))], draft=False,
                                   first=first + k, total=total)
            stamper.stamp(page, overlay.pages[0])
            out.append(Expected(m["key"], first + k, index=len(writer.pages) - 1))
    path = workdir / "expected.pdf"
    with open(path, "wb") as f:
        writer.write(f)
    return path, out
