"""The 材料清单: one row per material with its real page range, rendered after everything else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lingong_docs import render
from lingong_docs.core.manifest import PRINTED_RECORDS, printed_text
from lingong_docs.core.policy import CHECKLIST, FOLDER, Policy
from lingong_docs.package.assemble import Part, has_seam, material_ranges, page_counts

PAGE_NOTE = "本材料共{total}页（含封面）。"
# Where the 骑缝章 goes (package.overlay.seam_box): on the open edge of the stack, bound on the left.
SEAM_NOTE = ("请核对页码，左侧装订（横向表格页表头朝装订边）后，在右侧切口处跨页加盖骑缝章："
             "各页印有“骑缝章”虚线框（距纸边10毫米）。")


def with_checklist(app: Any, kind: str, figures: dict | None, before: list[Part], after: list[Part], kdir: Path,
                   policy: Policy, *, paper: bool = False, seal_over: tuple[str, ...] = ()) -> list[Part]:
    """Render the 材料清单 with the real page ranges of every material; return all parts in order
    (``before`` it, the checklist, ``after`` it: where the policy's ``materials:`` places it).

    The other parts are rendered first and counted; the checklist is rendered assuming it takes
    one page, and again with corrected ranges in the rare case it does not. The paper edition
    notes the package's page count under the list (for the bureau's check) and, when a table
    runs over several pages, how the stack is bound and where the 骑缝章 goes.
    """
    declared = next(m for m in map(policy.material, policy.materials(kind)) if m.source == CHECKLIST)
    counts = page_counts([p.pdf for p in before + after])
    note = PAGE_NOTE + (SEAM_NOTE if has_seam(before + after, counts) else "") if paper else ""
    assumed = 1
    for attempt in range(3):
        sizes = [(p.key, p.title, n) for p, n in zip(before, counts)]
        sizes += [(declared.key, declared.title, assumed)]
        sizes += [(p.key, p.title, n) for p, n in zip(after, counts[len(before):])]
        ranges = material_ranges(sizes)
        total = sum(n for _k, _t, n in sizes)
        context = render.form_context(app.info, kind=kind, figures=figures,
                                      materials=checklist_rows(app, ranges, before + after, policy),
                                      page_note=note.format(total=total))
        checklist_dir = kdir / f"checklist-{attempt}"
        checklist_dir.mkdir()
        pdf = Path(render.render_forms([declared], context, checklist_dir)[declared.key])
        actual = page_counts([pdf])[0]
        if actual == assumed:
            break
        assumed = actual
    roles = () if paper else declared.roles()
    checklist = Part(key=declared.key, title=declared.title, pdf=pdf, marks=roles,
                     required=tuple(r for r in declared.required_roles() if r in roles), seal_over=seal_over)
    return [*before, checklist, *after]


def checklist_rows(app: Any, ranges: list[dict], parts: list[Part], policy: Policy) -> list[dict]:
    """Return the checklist's rows: number, title, pages (``3`` or ``3—5``) and a note; every file
    of a supporting folder (source ``folder``) gets a row of its own."""
    notes = {}
    for name in ("job_posts", "roster"):
        table = getattr(app, name)
        if table is not None:
            notes[name] = printed_text(PRINTED_RECORDS, f"{len(table.records):,}", name)
    for part in parts:
        if part.children:
            notes[part.key] = f"共{len(part.children)}个文件"
    files = {part.key: part.children for part in parts if policy.material(part.key).source == FOLDER}
    rows = []
    for no, r in enumerate(ranges, start=1):
        rows.append(_row(no, r["key"], r["title"], r["first_page"], r["last_page"], notes.get(r["key"], "")))
        for i, child in enumerate(files.get(r["key"], ()), start=1):   # each supporting file on its own row
            rows.append(_row("", r["key"], f"（{i}）{child.title}", r["first_page"] + child.first,
                             r["first_page"] + child.last, ""))
    return rows


def _row(no: int | str, key: str, title: str, first: int, last: int, note: str) -> dict:
    return {"no": no, "key": key, "title": title, "first_page": first, "last_page": last,
            "pages": f"{first}" if first == last else f"{first}—{last}", "note": note}
