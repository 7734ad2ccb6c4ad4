"""Examine one received package: the two child jobs (``scan``, ``truth``) and the checks in order.

``examine(path, ...)`` runs the scanning child, reads the manifest (``examine.manifest``),
checks the signatures (``examine.signatures``), the materials (``examine.completeness``), and
recomputes the figures (``examine.figures``) and what the pages print (``examine.printed``), and
renders the one-page forms again to compare them with the pages (``examine.forms``: a third child).
Everything read from the package stays in a private temporary folder (0700), removed afterwards
— also when the process is interrupted (``util.workdir``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from lingong_docs.core import findings as F
from lingong_docs.core.errors import IntakeError
from lingong_docs.core.policy import CHECKLIST, FORM, TABLE, shipped_policies
from lingong_docs.intake.examine.completeness import check_completeness, fold_under_missing_checklist
from lingong_docs.intake.examine.examination import Examination, file_sha256
from lingong_docs.intake.examine.figures import check_truth, printed_tables, validity_without_figures
from lingong_docs.intake.examine.forms import check_forms
from lingong_docs.intake.examine.manifest import package_policy, read_manifest
from lingong_docs.intake.examine.printed import check_printed, check_printed_rows
from lingong_docs.intake.examine.signatures import check_representative, check_signatures
from lingong_docs.intake.names import clean_name
from lingong_docs.intake.sandbox import Limits, remaining, run_job
from lingong_docs.intake.scan.result import ScanResult
from lingong_docs.intake.workdirs import private_workdir


def examine(path: str | Path, *, as_of: dt.date, password: str | None = None, trust: list[str] | None = None,
            allow_unsigned: bool = False, key: bytes | None = None, limits: Limits | None = None) -> Examination:
    """Return the examination of the package at ``path``; raise IntakeError only if it cannot be opened.

    ``limits`` hold for the whole package: the recompute child gets the CPU seconds the scan left."""
    path = Path(path)
    limits = limits or Limits()
    ex = _open(path)
    with private_workdir() as workdir:
        scan, ex.cpu = _scan(ex, workdir, password, trust or [], limits)
        if scan is None:
            return ex
        manifest = read_manifest(ex, scan, workdir)
        policy = package_policy(ex, manifest) if manifest is not None else None
        check_signatures(ex, scan, manifest, policy, allow_unsigned)
        if manifest is None or policy is None:
            return ex
        check_completeness(ex, scan, manifest, policy)
        result = None
        if ex.kind == "recognition":
            # 零工市场认定 embeds no tables: nothing to recompute; materials, signatures, hashes
            # (above), the deadline and its forms (below) are what can be checked.
            validity_without_figures(ex, as_of)
        else:
            result = check_truth(ex, scan, manifest, workdir, as_of, key, remaining(limits, ex.cpu))
            if result is not None:
                check_printed(ex, scan, manifest, result)
                check_printed_rows(ex, manifest, result, printed_tables(scan, manifest))
                check_representative(ex, scan, manifest, result.legal_rep)
        ex.cpu += check_forms(ex, scan, manifest, workdir, password, result, remaining(limits, ex.cpu))
        fold_under_missing_checklist(ex)
        return ex


def check_package_path(path: Path, what: str = "材料包") -> None:
    """Raise ``package-is-folder`` / ``package-not-found`` unless ``path`` is a file."""
    if path.is_dir():
        raise IntakeError.make("package-is-folder", name=clean_name(path.name), what=what)
    if not path.is_file():
        raise IntakeError.make("package-not-found", name=clean_name(path.name), what=what)


def _open(path: Path) -> Examination:
    try:
        check_package_path(path)
        return Examination(path=path, sha256=file_sha256(path), size=path.stat().st_size)
    except OSError:
        raise IntakeError.make("package-unreadable", name=clean_name(path.name)) from None


def _scan(ex: Examination, workdir: Path, password: str | None, trust: list[str],
          limits: Limits) -> tuple[ScanResult | None, float]:
    """Return the scanning child's answer (None when there is none: the findings say why) and its CPU seconds."""
    request = {"job": "scan", "pdf": str(ex.path.resolve()), "password": password, "seed": ex.sha256,
               "trust": [str(Path(t).resolve()) for t in trust], "read": _read_materials()}
    outcome = run_job(request, workdir, limits)
    if outcome.result is None:
        _limit_finding(ex, outcome.failure, limits)
        return None, outcome.cpu
    return _scanned(ex, ScanResult.from_dict(outcome.result)), outcome.cpu


def _limit_finding(ex: Examination, failure: str | None, limits: Limits) -> None:
    """Say which limit stopped a child that gave no answer."""
    if failure == "timeout":
        ex.add("pdf-timeout", what=f"计算时间{limits.cpu_seconds:g}秒")
    elif failure == "wall":
        ex.add("pdf-timeout", what=f"等待{limits.wall_seconds:g}秒")
    else:
        # A child that died without an answer ran out of memory or was killed by a limit.
        ex.add("pdf-resources", memory=limits.memory >> 20)


def _scanned(ex: Examination, scan: ScanResult) -> ScanResult | None:
    for p in scan.problems:
        ex.add(p.code, **_display_params(p.params))
    if scan.active:
        ex.add("active-content", what="、".join(scan.active[:8]) + (f"等{len(scan.active)}处" if len(scan.active) > 8 else ""))
    if scan.remote:
        ex.add("remote-link", count=len(scan.remote), what="、".join(scan.remote[:5]))
    if scan.fatal is not None:
        code = scan.fatal.code if scan.fatal.code in F.catalogue() else "pdf-unreadable"
        params = _display_params(scan.fatal.params)
        if code == "pdf-too-large":
            params["what"] = _too_large_text(scan.fatal.params)
        ex.add(code, **params)
        return None
    ex.pages = scan.pages
    return scan


def _read_materials() -> dict[str, list[str]]:
    """The materials whose page text the scan reads (the manifest is not read yet): the forms and
    the printed tables every shipped policy declares."""
    read: dict[str, list[str]] = {"text": [], "tables": []}
    for policy in shipped_policies():
        for key, mat in policy.material_catalogue.items():
            group = "tables" if mat.source == TABLE else "text" if mat.source in (FORM, CHECKLIST) else None
            if group and key not in read[group]:
                read[group].append(key)
    return read


_WHERE_ZH = {"outline": "书签目录", "structure": "内部结构", "fields": "表单域树：同一表单域被反复引用"}
_REASON_ZH = {"xref-offset": "交叉引用表的位置不对", "memory": "内存超限"}


def _display_params(params: dict[str, Any]) -> dict[str, Any]:
    out = dict(params)
    reason = str(params.get("reason") or "")
    if reason.startswith("signatures:"):
        out["reason"] = "签章数据无法读取"
    elif reason:
        out["reason"] = _REASON_ZH.get(reason, f"格式错误：{reason}")
    else:
        out["reason"] = "格式错误"
    out["where"] = _WHERE_ZH.get(str(params.get("where")), "内部结构")
    if "attachments" in params:
        out["what"] = f"内嵌文件超过{params['attachments']}个"
    return out


def _too_large_text(params: dict[str, Any]) -> str:
    if "pages" in params:
        return f"{params['pages']}页，上限{params['limit']}页"
    if "size" in params:
        return f"{params['size']:,}字节，上限{params['limit']:,}字节"
    if "annotations" in params:
        return f"页面批注{params['annotations']:,}个，上限{params['limit']:,}个"
    return "超过上限"
