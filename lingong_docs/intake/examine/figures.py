"""Recompute the package's figures from its embedded workbooks (the ``truth`` child job) and compare.

The manifest's figures must equal the recomputation; the applicant named in the manifest must be
the one in the embedded application; the policy file used is named when it differs; without
figures (a recognition package, or data that cannot be recomputed) the service year and the
deadline are still checked, so the notice lists everything at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lingong_docs.core import findings as F
from lingong_docs.core import kinds
from lingong_docs.core.manifest import FIGURE_LABELS, Manifest
from lingong_docs.core.policy import policy_for
from lingong_docs.intake.examine.examination import Examination, short
from lingong_docs.intake.names import clean_name
from lingong_docs.intake.sandbox import Limits, run_job
from lingong_docs.intake.scan.result import ScanResult
from lingong_docs.intake.truth import TruthResult
from lingong_docs.util.money import yuan

# Manifest figures compared with the recomputation (label for the notice).
COMPARED_FIGURES = tuple((key, FIGURE_LABELS[key]) for key in (
    "year", "uscc", "applicant", "market", "counting_mode", "demand_total", "match_count", "operating_passed",
    "operating_subsidy", "employment_subsidy", "total"))
MONEY_KEYS = {"operating_subsidy", "employment_subsidy", "total"}
CENT = Decimal("0.01")
TABLE_ROLES = ("application", "job_posts", "roster")
# The embedded workbooks together, unzipped: a 25,000-row roster is about 20 MB; above this the
# recomputation would not end within the limits of the truth child, so it is not started.
MAX_WORKBOOKS_UNZIPPED = 150_000_000


def check_truth(ex: Examination, scan: ScanResult, manifest: Manifest, workdir: Path, as_of: dt.date,
                key: bytes | None, limits: Limits) -> TruthResult | None:
    """Recompute in the child; add the findings; return the child's answer (None when it failed)."""
    files = _files(ex, scan, manifest)
    if files is not None and _unzipped(workdir, files) > MAX_WORKBOOKS_UNZIPPED:
        ex.add("recompute-failed", reason=f"内嵌表格解压后超过{MAX_WORKBOOKS_UNZIPPED // 1_000_000} MB 的受理上限")
        files = None
    if files is None:
        validity_without_figures(ex, as_of)
        return None
    policy = ex.policy or policy_for(ex.year)
    request = {"job": "truth", "app": str(workdir / "app"), "files": files, "as_of": as_of.isoformat(),
               "policy": policy.id,
               "key": key.hex() if key else None, "printed": printed_tables(scan, manifest)}
    outcome = run_job(request, workdir, limits)
    ex.cpu += outcome.cpu
    data, result = outcome.result, None
    if data is None:
        reason: str | None = {"timeout": f"计算时间超过本材料包剩余的{limits.cpu_seconds:g}秒",
                              "wall": f"等待超过{limits.wall_seconds:g}秒"}.get(outcome.failure or "",
                                                                              "表格异常，读取被中止")
    elif data.get("fatal"):                    # the child itself failed (out of memory)
        reason = str(data["fatal"].get("code"))
    else:
        result = TruthResult.from_dict(data)
        reason = result.failed if result.figures is None or result.failed else None
    if result is None or reason:
        ex.add("recompute-failed", reason=reason or "表格异常，读取被中止")
        validity_without_figures(ex, as_of)
        return None
    assert result.figures is not None
    ex.figures, ex.exact, ex.rows = result.figures, result.exact, [asdict(r) for r in result.rows]
    _problems(ex, result)
    _policy_changed(ex, manifest.policy, ex.figures.get("policy") or {}, result.policy_sha256)
    _compare_figures(ex, manifest, result)
    return result


def _files(ex: Examination, scan: ScanResult, manifest: Manifest) -> list[dict[str, str]] | None:
    """Return the extracted files to lay out as an application folder, or None (and why)."""
    files = []
    for entry in manifest.files:
        att = scan.attachment(entry.attachment)
        if att is None or att.stored is None or att.sha256 != entry.sha256:
            if entry.role in TABLE_ROLES:
                ex.add("recompute-failed", reason=f"{clean_name(entry.attachment)}缺失或被改动")
                return None
            continue
        files.append({"stored": att.stored, "role": entry.role, "name": entry.name})
    if not any(f["role"] == "application" for f in files):
        ex.add("recompute-failed", reason="材料包中没有申请文件 application.yaml")
        return None
    return files


def printed_tables(scan: ScanResult, manifest: Manifest) -> dict[str, dict[str, Any]]:
    """The text runs of the printed 附件4/附件5 pages the scan read: {table: {pages: {n: runs}, complete}}."""
    out = {}
    for name in ("job_posts", "roster"):
        mat = manifest.material(name)
        if mat is None:
            continue
        pages = {str(p): r for p, r in scan.runs.items() if mat.first_page <= p <= mat.last_page}
        out[name] = {"pages": pages, "complete": len(pages) == mat.last_page - mat.first_page + 1,
                     "total": mat.last_page - mat.first_page + 1}
    return out


def _unzipped(workdir: Path, files: list[dict[str, str]]) -> int:
    """Return the unzipped size of the embedded workbooks (from their zip directories, nothing inflated)."""
    import zipfile

    total = 0
    for f in files:
        if f["role"] in ("job_posts", "roster"):
            try:
                with zipfile.ZipFile(workdir / "files" / f["stored"]) as z:
                    total += sum(i.file_size for i in z.infolist())
            except (OSError, zipfile.BadZipFile):
                continue                          # not a workbook: the reader in the child says so
    return total


def _problems(ex: Examination, result: TruthResult) -> None:
    for problem in result.problems:
        where = (_rows_text(list(problem.rows), problem.count) if problem.rows
                 else problem.message or f"共{problem.count}处")
        code = "data-error" if problem.severity == F.ERROR else "data-warning"
        f = F.make(code, file=clean_name(problem.file) or "申请文件", title=problem.title, where=where)
        # keep the rule's own code, so the notice names the rule that was broken
        ex.findings.append(F.Finding(code=problem.code, severity=problem.severity, message=f.message,
                                     hint=f.hint, file=clean_name(problem.file) or None))
    for b in result.blocking:
        ex.findings.append(F.Finding(code=b.code, severity=b.severity, message=b.message))


def _policy_changed(ex: Examination, claimed: dict[str, Any], used: dict[str, Any], used_sha: str | None) -> None:
    """Warn when the package was built with another policy file than the one intake uses; say
    so plainly when only the file's content (SHA-256) differs and not its id or version."""
    claimed_sha = str(claimed.get("sha256") or "").lower()
    if not claimed_sha or claimed_sha == used_sha:
        return
    name = f"{short(claimed.get('id'), 40)} {short(claimed.get('version'), 20)}"
    used_name = f"{short(used.get('id'), 40)} {short(used.get('version'), 20)}"
    if name == used_name:
        what = (f"政策文件内容已变更（版本号相同）：材料包按政策文件 {name}（内容摘要 {short(claimed_sha, 12)}…）"
                f"生成，受理按同一版本号、内容摘要为 {str(used_sha)[:12]}… 的政策文件核算")
    else:
        what = f"材料包按政策文件 {name} 生成，受理按 {used_name} 核算"
    ex.add("policy-changed", what=what)


def validity_without_figures(ex: Examination, as_of: dt.date) -> None:
    """Check the service year and the deadline by the package's policy (else the year's)."""
    if not ex.year:
        return
    policy = ex.policy or policy_for(ex.year)
    ex.findings.extend(policy.validity(ex.year, as_of))


def _rows_text(rows: list[int], count: int) -> str:
    return f"第{F.rows_text(rows)}行" + (f"，共{count}处" if count > 1 else "")


def _norm(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key in MONEY_KEYS:
        try:
            return Decimal(str(value)).quantize(CENT)
        except (InvalidOperation, ValueError):
            return str(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and key != "uscc":
        return int(value) if float(value).is_integer() else value
    return short(value)


def _show(value: Any) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{yuan(value)}元"
    return str(value)


def _compare_figures(ex: Examination, manifest: Manifest, result: TruthResult) -> None:
    claimed, computed = manifest.figures or {}, dict(result.figures or {})
    for k in MONEY_KEYS:
        computed[k] = result.exact[k]
    for key, label in COMPARED_FIGURES:
        a, b = _norm(key, claimed.get(key)), _norm(key, computed.get(key))
        if a != b:
            ex.add("figures-mismatch", field=label, claimed=_show(a), computed=_show(b))
    for key, label in (("name", "申请单位全称"), ("uscc", "统一社会信用代码"), ("market", "零工市场名称")):
        other = computed.get("applicant" if key == "name" else key)
        if short(manifest.applicant.get(key)) != short(other):
            ex.add("applicant-mismatch-package", field=label)
    applied = list(result.kinds)
    if ex.kind not in applied:
        ex.add("figures-mismatch", field="申请事项", claimed=kinds.label(ex.kind),
               computed="、".join(kinds.label(k) for k in applied) or "（空）")
    amount = ex.amount()
    if amount is not None and amount <= 0:
        ex.add("subsidy-zero", subsidy=kinds.label(ex.kind))
