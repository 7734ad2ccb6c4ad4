"""What a form page shows is what the bureau generates itself from the package's data.

The one-page forms (cover, 材料清单, the reports 附件1—3) are rendered again in the limited child
(the ``forms`` job, ``intake.rerender``) from the embedded application file and the figures the
``truth`` child recomputed, and compared page by page with the package (text layer and picture,
``intake.raster``). A page that differs, a form that takes another number of pages, and a
re-render that could not be made (no LibreOffice, the package's CPU budget spent) are findings —
never a silent pass. Drafts and the paper edition are refused as such (``package-draft``,
``package-paper-edition``) and are not rendered again.
"""

from __future__ import annotations

from pathlib import Path

from lingong_docs.core.kinds import RECOGNITION
from lingong_docs.core.manifest import Manifest
from lingong_docs.intake.examine.examination import Examination, join_labels
from lingong_docs.intake.rerender import FormPage, FormsResult
from lingong_docs.intake.sandbox import Limits, run_job
from lingong_docs.intake.scan.result import ScanResult
from lingong_docs.intake.truth import TruthResult

# Square millimetres of a page that may differ from the re-render (one 2 mm cell of
# ``intake.raster``: measured 0 on the same machine, on pages moved by 1—2 pixels or scaled by
# 0.3 %; a digit drawn over another at 16 pt gives 12 mm² and more, docs/security.md §3).
MAX_AREA = 6.0
# Why the forms could not be rendered again that the notice already gives (the package is refused).
ALREADY_TOLD = ("hash-mismatch", "attachment-missing", "recompute-failed")
SIGNED_COPY = "signed.pdf"        # the sealed bytes the scan cut off (``scan.reading.signed_copy``)


def check_forms(ex: Examination, scan: ScanResult, manifest: Manifest, workdir: Path, password: str | None,
                result: TruthResult | None, limits: Limits) -> float:
    """Render the forms again in the child and add the findings; return the child's CPU seconds."""
    if manifest.draft or manifest.paper or not limits.max_form_pages:
        return 0.0                     # drafts and the paper edition are refused as such; 0: off (benches)
    forms = [m for m in manifest.materials if _is_form(ex, m.key)]
    what = "、".join(ex.title_of(m.key) for m in forms) or "表单"
    application = _application(scan, manifest)
    pages = sum(max(0, m.last_page - m.first_page + 1) for m in forms)
    reason = ("材料包中没有完好的申请文件" if application is None
              else "未能重新计算" if ex.kind != RECOGNITION and (result is None or ex.figures is None)
              else f"表单共{pages}页，超过{limits.max_form_pages}页的上限" if pages > limits.max_form_pages else None)
    if reason or application is None:
        if not any(ex.has(code) for code in ALREADY_TOLD):
            ex.add("form-rerender-failed", what=what, reason=reason)
        return 0.0
    pdf = workdir / SIGNED_COPY if (workdir / SIGNED_COPY).is_file() else ex.path.resolve()
    request = {"job": "forms", "application": str(workdir / "files" / application), "kind": ex.kind,
               "policy": ex.policy.id if ex.policy else None, "figures": _figures(ex),
               "records": dict(result.records) if result is not None else {}, "pages": manifest.pages,
               "pdf": str(pdf), "password": password,
               "materials": [m.to_dict() for m in manifest.materials]}
    outcome = run_job(request, workdir, limits)
    answer = FormsResult.from_dict(outcome.result) if outcome.result and "fatal" not in outcome.result else None
    if answer is None or answer.failed:
        failure = {"timeout": f"计算时间超过本材料包剩余的{limits.cpu_seconds:g}秒",
                   "wall": f"等待超过{limits.wall_seconds:g}秒"}.get(outcome.failure or "", "生成过程被中止")
        ex.add("form-rerender-failed", what=what, reason=answer.failed if answer is not None else failure)
        return outcome.cpu
    _differences(ex, manifest, answer.pages)
    return outcome.cpu


def _is_form(ex: Examination, key: str) -> bool:
    from lingong_docs.core.policy import CHECKLIST, FORM

    return ex.policy is not None and ex.policy.material(key).source in (FORM, CHECKLIST)


def _application(scan: ScanResult, manifest: Manifest) -> str | None:
    """Return the stored name of the embedded application file, when it is the one the manifest lists."""
    for entry in manifest.files:
        if entry.role == "application":
            att = scan.attachment(entry.attachment)
            if att is not None and att.stored is not None and att.sha256 == entry.sha256:
                return att.stored
    return None


def _figures(ex: Examination) -> dict[str, object] | None:
    """The figures the forms print, as the bureau recomputed them (never the manifest's)."""
    if ex.kind == RECOGNITION or ex.figures is None:
        return None
    return {"demand_total": ex.figures.get("demand_total"), "match_count": ex.figures.get("match_count"),
            "operating_subsidy": ex.exact.get("operating_subsidy"), "employment_subsidy": ex.exact.get("employment_subsidy")}


def _differences(ex: Examination, manifest: Manifest, pages: tuple[FormPage, ...]) -> None:
    """One ``form-page-differs`` per material, naming its pages and what differs on each."""
    by_material: dict[str, list[str]] = {}
    for p in pages:
        mat = manifest.material(p.material)
        if p.pages is not None and mat is not None:
            shown = f"的页数（重新生成为{p.pages}页，材料包中为{mat.last_page - mat.first_page + 1}页）"
        elif not p.text or p.area > MAX_AREA:
            what = "文字和图像" if not p.text and p.area > MAX_AREA else "文字" if not p.text else "图像"
            shown = f"第{p.page}页的{what}" + (f"（约{p.area:g}平方毫米不同）" if p.area > MAX_AREA else "")
        else:
            continue
        by_material.setdefault(p.material, []).append(shown)
    for key, labels in by_material.items():
        ex.add("form-page-differs", material=ex.title_of(key), what=join_labels(labels, 5))
