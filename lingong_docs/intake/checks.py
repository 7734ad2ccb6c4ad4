"""Examine one received package: safe reading, completeness, integrity, signatures, truth.

``examine(path, ...)`` runs the two child jobs (``scan`` and ``truth``) and turns what they
report, together with the embedded manifest, into findings. Everything read from the package
stays in a private temporary folder (mkdtemp, 0700) that is removed afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lingong_docs.core import findings as F
from lingong_docs.core import kinds
from lingong_docs.core import manifest as contract
from lingong_docs.core.errors import IntakeError
from lingong_docs.core.manifest import SEALED_MATERIALS
from lingong_docs.core.policy import load_policy
from lingong_docs.intake.names import clean_name
from lingong_docs.intake.sandbox import Limits, run_job
from lingong_docs.util.money import rmb_upper, wan, yuan

MATERIAL_ZH = {"cover": "封面", "checklist": "材料清单", "report_operating": "运营经费补贴申请报告（附件2）",
               "report_employment": "就业服务补贴申请报告（附件3）",
               "report_recognition": "零工市场认定申请报告（附件1）", "job_posts": "发布岗位任务明细表（附件4）",
               "roster": "撮合服务成功人员花名册（附件5）", "evidence": "支付凭证"}
REPORT_OF = {"operating": ("report_operating", "operating_subsidy", "运营经费"),
             "employment": ("report_employment", "employment_subsidy", "就业服务")}
# Manifest figures compared with the recomputation (label for the notice).
COMPARED_FIGURES = (("year", "申请年度"), ("uscc", "统一社会信用代码"), ("applicant", "申请单位"),
                    ("market", "零工市场名称"), ("counting_mode", "计次方式"),
                    ("demand_total", "岗位需求人数合计"), ("match_count", "撮合个次"),
                    ("operating_passed", "是否符合运营经费补贴标准"),
                    ("operating_subsidy", "运营经费补贴"), ("employment_subsidy", "就业服务补贴"),
                    ("total", "补贴合计"))
_MONEY_KEYS = {"operating_subsidy", "employment_subsidy", "total"}
CENT = Decimal("0.01")


@dataclass
class Examination:
    """Everything learnt about one package (no personal data outside ``rows``' keyed hashes)."""

    path: Path
    sha256: str
    size: int
    findings: list = field(default_factory=list)
    manifest: dict | None = None
    kind: str | None = None
    year: int | None = None
    applicant: dict = field(default_factory=dict)        # name, uscc, market
    figures: dict | None = None                          # recomputed (compute.to_dict())
    exact: dict = field(default_factory=dict)            # recomputed money as Decimal text
    rows: list = field(default_factory=list)             # keyed roster rows (ledger)
    signatures: list = field(default_factory=list)       # [{field, status}]
    pages: int | None = None

    def add(self, code: str, **params) -> None:
        self.findings.append(F.make(code, **params))

    def amount(self) -> Decimal | None:
        """Return the recomputed amount this package asks for (by its subsidy kind)."""
        if self.kind not in REPORT_OF or not self.exact:
            return None
        return Decimal(self.exact[REPORT_OF[self.kind][1]])


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def examine(path: str | Path, *, as_of: dt.date, password: str | None = None, trust: list | None = None,
            allow_unsigned: bool = False, key: bytes | None = None, limits: Limits | None = None,
            truth_limits: Limits | None = None) -> Examination:
    """Return the examination of the package at ``path``; raise IntakeError only if it cannot be opened."""
    path = Path(path)
    limits = limits or Limits()
    truth_limits = truth_limits or Limits(memory=2 << 30, cpu_seconds=120, wall_seconds=90)
    try:
        if not path.is_file():
            raise IntakeError("package-not-found", f"找不到材料包文件：{clean_name(path.name)}")
        size = path.stat().st_size
        sha = file_sha256(path)
    except OSError:
        raise IntakeError("package-unreadable", f"无法读取文件：{clean_name(path.name)}",
                          hint="请检查文件是否存在、是否有读取权限。") from None
    ex = Examination(path=path, sha256=sha, size=size)
    workdir = Path(tempfile.mkdtemp(prefix="lingong-intake-"))   # 0700
    try:
        scan = _scan(ex, workdir, password, trust or [], limits)
        if scan is None:
            return ex
        manifest = _manifest(ex, scan, workdir)
        policy = _policy_for(ex, manifest) if manifest is not None else None
        _signature_checks(ex, scan, manifest, policy, allow_unsigned)
        if manifest is None:
            return ex
        _completeness(ex, scan, manifest, policy)
        if ex.kind == "recognition":
            # 零工市场认定 embeds no tables: nothing to recompute; materials, signatures, hashes
            # (above) and the deadline are what can be checked.
            _validity_without_figures(ex, as_of)
        else:
            _truth(ex, scan, manifest, workdir, as_of, key, truth_limits)
        return ex
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ---- step 1: the child reads the PDF ---------------------------------------------------------

def _scan(ex: Examination, workdir: Path, password, trust, limits: Limits) -> dict | None:
    request = {"job": "scan", "pdf": str(ex.path.resolve()), "password": password,
               "trust": [str(Path(t).resolve()) for t in trust]}
    outcome = run_job(request, workdir, limits)
    if outcome.result is None:
        if outcome.failure == "timeout":
            ex.add("pdf-timeout", seconds=int(limits.wall_seconds))
        else:
            # A child that died without an answer ran out of memory or was killed by a limit.
            ex.add("pdf-bomb")
        return None
    scan = outcome.result
    for p in scan.get("problems", []):
        ex.add(p["code"], **_display_params(p.get("params", {})))
    if scan.get("active"):
        ex.add("active-content", what="、".join(scan["active"][:8]))
    fatal = scan.get("fatal")
    if fatal:
        code = fatal["code"] if fatal["code"] in F.catalogue() else "pdf-unreadable"
        params = _display_params(fatal.get("params", {}))
        if code == "pdf-too-large":
            params["what"] = _too_large_text(fatal.get("params", {}))
        ex.add(code, **params)
        return None
    ex.pages = scan.get("pages")
    return scan


_WHERE_ZH = {"outline": "书签目录", "structure": "内部结构"}
_REASON_ZH = {"xref-offset": "交叉引用表的位置不对", "memory": "内存超限"}


def _display_params(params: dict) -> dict:
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


def _too_large_text(params: dict) -> str:
    if "pages" in params:
        return f"{params['pages']}页，上限{params['limit']}页"
    if "size" in params:
        return f"{params['size']:,}字节，上限{params['limit']:,}字节"
    if "annotations" in params:
        return f"页面批注{params['annotations']:,}个，上限{params['limit']:,}个"
    return "超过上限"


# ---- step 2: the manifest --------------------------------------------------------------------

def _manifest(ex: Examination, scan: dict, workdir: Path) -> dict | None:
    entries = [a for a in scan.get("attachments", []) if a["name"] == contract.NAME]
    if not entries or not entries[0].get("stored"):
        if not entries:
            ex.add("manifest-missing")
        return None
    try:
        raw = (workdir / "files" / entries[0]["stored"]).read_bytes()
        manifest = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        ex.add("manifest-invalid", reason="不是有效的 JSON 文本")
        return None
    problem = _manifest_problem(manifest)
    if problem:
        ex.add("manifest-invalid", reason=problem)
        return None
    ex.manifest = manifest
    ex.kind = manifest["kind"]
    applicant = manifest.get("applicant") or {}
    ex.applicant = {k: _short(applicant.get(k)) for k in ("name", "uscc", "market")}
    try:
        ex.year = int(manifest.get("year") or (manifest.get("figures") or {}).get("year"))
    except (TypeError, ValueError):
        ex.year = None
    if manifest.get("draft"):
        ex.add("package-draft")
    return manifest


def _short(value, limit: int = 200) -> str | None:
    if value is None:
        return None
    text = "".join(ch for ch in unicodedata.normalize("NFKC", str(value))
                   if unicodedata.category(ch) not in ("Cc", "Cf"))
    return text[:limit]


def _manifest_problem(m) -> str | None:
    if not isinstance(m, dict):
        return "内容不是对象"
    if m.get("format") != contract.FORMAT:
        return f"格式标记不是 {contract.FORMAT}"
    if m.get("kind") not in kinds.KINDS:
        return "补贴类型（kind）无效"
    if not isinstance(m.get("applicant"), dict):
        return "缺少申请单位（applicant）"
    # a recognition package prints no figures and embeds no tables: its figures may be null
    if not isinstance(m.get("figures"), dict) and not (m["kind"] == "recognition" and m.get("figures") is None):
        return "缺少计算结果（figures）"
    if not isinstance(m.get("pages"), int) or isinstance(m.get("pages"), bool):
        return "页数（pages）无效"
    for key, fields in (("files", ("name", "role", "sha256", "attachment")),
                        ("materials", ("key", "title", "first_page", "last_page")),
                        ("signature_fields", ("name", "material", "page", "role"))):
        items = m.get(key)
        if not isinstance(items, list):
            return f"缺少 {key}"
        for item in items:
            if not isinstance(item, dict) or any(f not in item for f in fields):
                return f"{key} 中有不完整的条目"
    for mat in m["materials"]:
        if not all(isinstance(mat.get(k), int) for k in ("first_page", "last_page")):
            return "materials 中的页码不是整数"
    return None


def _policy_for(ex: Examination, manifest: dict):
    pid = (manifest.get("policy") or {}).get("id")
    try:
        return load_policy(name=str(pid)) if pid else load_policy(year=ex.year)
    except Exception:  # noqa: BLE001 - an unknown policy id: judge by the policy for the year
        return load_policy(year=ex.year)


# ---- step 3: signatures ----------------------------------------------------------------------

# Where a package must be sealed is known without the manifest: from the materials the policy
# requires for the kind and the build's naming convention (``seal_<material>``, ``sign_<material>``,
# ``_2``, ``_3`` … for further places of one material). Every form and table material carries at
# least one seal, every report also a signature.
_MAX_LISTED = 20


def place_of(name: str, materials) -> tuple[str, str] | None:
    """Return (role, material) of a field named by the convention, or None."""
    parsed = contract.parse_field_name(name, tuple(materials))
    return None if parsed is None else (parsed.role, parsed.material)


def _signature_checks(ex: Examination, scan: dict, manifest: dict | None, policy, allow_unsigned: bool) -> None:
    """Group the signature problems: one finding per kind of problem, naming every field.

    What is required comes from the policy's materials for the kind, not from the manifest (which
    could simply list no places); the manifest's list must agree with the file's first revision;
    nothing may have been added after it; every empty field in the file counts as unsigned.
    """
    sigs = scan.get("signatures", [])
    found = {str(s["field"]): s for s in sigs}
    ex.signatures = [{"field": s["field"], "status": s["status"]} for s in sigs]
    listed = {str(p["name"]): p for p in (manifest.get("signature_fields", []) if manifest else [])}
    first = set(scan["first_fields"]) if scan.get("first_fields") is not None else set(found)
    if manifest is not None and policy is not None:
        materials = [m for m in kinds.materials(ex.kind, policy) if m in SEALED_MATERIALS]
    else:
        materials = list(SEALED_MATERIALS) if manifest is None else []

    def label(name: str) -> str:
        return _place_label(name, listed.get(name), materials)

    groups: dict[str, list[str]] = {k: [] for k in ("missing", "absent", "broken", "modified", "untrusted",
                                                     "unexpected")}
    if manifest is not None:
        for role, material in contract.required_places(materials):
            if not any(place_of(name, [material]) == (role, material) for name in found):
                groups["absent"].append(_role_label(role, material, contract.field_name(role, material)))
    later = 0
    for name, sig in found.items():
        status = sig["status"]
        if status == "none":
            groups["missing"].append(label(name))
        elif status == "broken":
            groups["broken"].append(label(name))
        elif status == "modified":
            groups["modified"].append(label(name))
            later = max(later, int(sig.get("later_revisions") or 0))
        elif status == "valid" and sig.get("trust_checked") and sig.get("trusted") is False:
            groups["untrusted"].append(label(name))
        if status != "none" and manifest is not None and not (
                name in listed and name in first and place_of(name, materials) is not None):
            groups["unexpected"].append(label(name))
    for group, code in (("missing", "signature-missing"), ("absent", "signature-field-missing"),
                        ("broken", "signature-broken"), ("modified", "signature-modified-after"),
                        ("untrusted", "signature-untrusted"), ("unexpected", "signature-unexpected")):
        names = groups[group]
        if not names:
            continue
        severity = F.WARNING if (group == "missing" and allow_unsigned) else None
        ex.findings.append(F.make(code, count=len(names), fields=_join(names), later=max(1, later),
                                  severity=severity))
    added = scan.get("added") or []
    if added:
        ex.add("signature-field-added", count=len(added), fields=_join([_added_label(a) for a in added]))
    moved = scan.get("moved") or []
    if moved:
        ex.add("signature-field-moved", count=len(moved), fields=_join([_added_label(a) for a in moved]))
    if manifest is not None:
        _listed_against_file(ex, listed, first, materials)


def _listed_against_file(ex: Examination, listed: dict, first: set, materials: list[str]) -> None:
    """The manifest's signature_fields must name exactly the fields of the file as built."""
    only_listed = sorted(set(listed) - first)
    only_file = sorted(first - set(listed))
    parts = []
    if only_listed:
        parts.append(f"清单列出而文件中没有{len(only_listed)}处："
                     + _join([_place_label(n, listed[n], materials) for n in only_listed]))
    if only_file:
        parts.append(f"文件中有而清单未列出{len(only_file)}处："
                     + _join([_place_label(n, None, materials) for n in only_file]))
    if parts:
        ex.add("signature-fields-mismatch", what="；".join(parts))


def _join(labels: list[str]) -> str:
    shown = "、".join(labels[:_MAX_LISTED])
    return shown + (f"等{len(labels)}处" if len(labels) > _MAX_LISTED else "")


def _role_label(role: str, material: str, name: str) -> str:
    title = MATERIAL_ZH.get(material, clean_name(material))
    return f"{title}{'签字' if role == 'signature' else '盖章'}（{clean_name(name)}）"


def _place_label(name: str, place: dict | None, materials=SEALED_MATERIALS) -> str:
    """Return ``封面盖章（seal_cover）`` for a field."""
    if place:
        return _role_label(str(place.get("role")), str(place.get("material")), name)
    known = place_of(name, materials or SEALED_MATERIALS)
    if known:
        return _role_label(*known, name)
    return f"签章（{_short(clean_name(name), 40) or '未命名'}）"


_SUBTYPE_ZH = {"Widget": "签章框或表单域", "FreeText": "文字批注", "Stamp": "图章批注", "Text": "注释",
               "Square": "方框批注", "Ink": "手写批注", "Link": "链接"}


def _added_label(a: dict) -> str:
    what = _SUBTYPE_ZH.get(str(a.get("subtype")), "批注")
    where = f"第{a['page']}页" if a.get("page") else "未显示在页面上"
    name = f"“{_short(clean_name(a['field']), 40)}”" if a.get("field") else ""
    return f"{where}{what}{name}"


# ---- step 4: completeness --------------------------------------------------------------------

def _compact(text) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


def _labels(manifest: dict) -> dict[str, str]:
    """Return {attachment name: how a notice names it}. Evidence files are numbered, not named:
    their names may carry a worker's name ("0007 张三微信转账.png")."""
    labels, k = {}, 0
    for entry in manifest["files"]:
        name = str(entry["attachment"])
        if entry.get("role") == "evidence" or name.startswith("支付凭证/"):
            k += 1
            labels[name] = f"支付凭证第{k}个文件"
        else:
            labels[name] = clean_name(name)
    return labels


def _completeness(ex: Examination, scan: dict, manifest: dict, policy) -> None:
    attachments = {a["name"]: a for a in scan.get("attachments", [])}
    labels = _labels(manifest)
    listed = set()
    for entry in manifest["files"]:
        name = str(entry["attachment"])
        listed.add(name)
        att = attachments.get(name)
        if att is None:
            ex.add("attachment-missing", name=labels[name])
            continue
        if att.get("sha256") is None:
            continue                       # not extracted: a scan problem already says why
        size = entry.get("size")
        if att["sha256"] != str(entry["sha256"]).lower() or (isinstance(size, int) and size != att["size"]):
            ex.add("hash-mismatch", name=labels[name])
    for name, att in attachments.items():
        if name not in listed and name != contract.NAME:
            ex.add("attachment-unlisted", name=f"第{att['index'] + 1}个内嵌文件")

    pages = scan.get("pages") or 0
    if manifest["pages"] != pages:
        ex.add("page-count-mismatch", what=f"材料清单记载共{manifest['pages']}页，文件实际有{pages}页。")
    materials = {m["key"]: m for m in manifest["materials"]}
    outline = {}
    for item in scan.get("outline", []):
        if item.get("depth") == 0:
            outline.setdefault(_compact(item["title"]), item)
    required = list(kinds.materials(ex.kind, policy))
    subsidy = kinds.label(ex.kind)
    previous_last = 0
    for mat in sorted(manifest["materials"], key=lambda m: m["first_page"]):
        title = _short(mat["title"], 60)
        if not 1 <= mat["first_page"] <= mat["last_page"] <= pages:
            ex.add("page-count-mismatch",
                   what=f"材料“{title}”记载为第{mat['first_page']}—{mat['last_page']}页，文件只有{pages}页。")
        elif mat["first_page"] <= previous_last:
            ex.add("page-count-mismatch", what=f"材料“{title}”的页码与前一份材料重叠。")
        previous_last = max(previous_last, mat["last_page"])
    for key in required:
        mat = materials.get(key)
        label = MATERIAL_ZH.get(key, key)
        if mat is None:
            ex.add("material-missing", subsidy=subsidy, title=label, where="材料清单数据中没有")
            continue
        item = outline.get(_compact(mat["title"]))
        if item is None:
            ex.add("material-missing", subsidy=subsidy, title=label, where="文件中没有该材料的书签")
        elif item.get("page") != mat["first_page"]:
            ex.add("outline-mismatch", title=_short(mat["title"], 60), outline=item.get("page") or "?",
                   first=mat["first_page"])
    _checklist(ex, scan, manifest)


def _checklist(ex: Examination, scan: dict, manifest: dict) -> None:
    """The printed checklist must show each material with the page range the manifest records."""
    checklist = next((m for m in manifest["materials"] if m["key"] == "checklist"), None)
    if checklist is None:
        return
    texts = scan.get("texts", {})
    lines = []
    for p in range(checklist["first_page"], checklist["last_page"] + 1):
        lines.extend(unicodedata.normalize("NFKC", texts.get(str(p), "")).splitlines())
    compact_lines = [_compact(line) for line in lines]
    titles = [_compact(m["title"]) for m in manifest["materials"]]
    for mat in manifest["materials"]:
        if mat["key"] == "checklist" and not any(_compact(mat["title"]) in c for c in compact_lines):
            continue          # the checklist need not list itself
        if not _listed_with_pages(compact_lines, _compact(mat["title"]), mat["first_page"],
                                  mat["last_page"], titles):
            ex.add("checklist-mismatch", title=_short(mat["title"], 60), first=mat["first_page"],
                   last=mat["last_page"])


def _listed_with_pages(lines: list[str], title: str, first: int, last: int, titles: list[str]) -> bool:
    for i, line in enumerate(lines):
        joined = line + (lines[i + 1] if i + 1 < len(lines) else "")
        pos = line.find(title)
        text = line
        if pos < 0:
            pos = joined.find(title)        # a title wrapped onto the next line
            text = joined
            if pos < 0 or pos >= len(line):
                continue
        rest = text[pos + len(title):]
        for other in titles:                # stop at the next material's title
            if other and other != title and other in rest:
                rest = rest[: rest.find(other)]
        numbers = re.findall(r"\d+", rest)
        if str(first) in numbers and str(last) in numbers:
            return True
    return False


# ---- step 5: truth -------------------------------------------------------------------------

def _truth(ex: Examination, scan: dict, manifest: dict, workdir: Path, as_of: dt.date,
           key: bytes | None, limits: Limits) -> None:
    by_name = {a["name"]: a for a in scan.get("attachments", [])}
    files = []
    for entry in manifest["files"]:
        att = by_name.get(str(entry["attachment"]))
        if att is None or not att.get("stored") or att.get("sha256") != str(entry["sha256"]).lower():
            if entry["role"] in ("application", "job_posts", "roster"):
                ex.add("recompute-failed", reason=f"{clean_name(entry['attachment'])}缺失或被改动")
                _validity_without_figures(ex, as_of)
                return
            continue
        files.append({"stored": att["stored"], "role": str(entry["role"]), "name": str(entry["name"])})
    if not any(f["role"] == "application" for f in files):
        ex.add("recompute-failed", reason="材料包中没有申请文件 application.yaml")
        _validity_without_figures(ex, as_of)
        return
    request = {"job": "truth", "app": str(workdir / "app"), "files": files, "as_of": as_of.isoformat(),
               "key": key.hex() if key else None}
    outcome = run_job(request, workdir, limits)
    result = outcome.result
    if result is None or result.get("fatal"):
        reason = ("超时" if outcome.failure == "timeout" else "表格异常，读取被中止") if result is None \
            else (result["fatal"].get("params", {}).get("reason") or result["fatal"]["code"])
        ex.add("recompute-failed", reason=reason)
        _validity_without_figures(ex, as_of)
        return
    ex.figures = result["figures"]
    ex.exact = result["exact"]
    ex.rows = result.get("rows", [])
    for problem in result.get("problems", []):
        where = (_rows_text(problem["rows"], problem["count"]) if problem["rows"]
                 else problem["message"] or f"共{problem['count']}处")
        code = "data-error" if problem["severity"] == F.ERROR else "data-warning"
        f = F.make(code, file=clean_name(problem["file"]) or "申请文件", title=problem["title"], where=where)
        # keep the rule's own code, so the notice names the rule that was broken
        ex.findings.append(F.Finding(code=problem["code"], severity=problem["severity"], message=f.message,
                                     hint=f.hint, file=clean_name(problem["file"]) or None))
    for b in result.get("blocking", []):
        ex.findings.append(F.Finding(code=b["code"], severity=b["severity"], message=b["message"]))
    _policy_changed(ex, manifest.get("policy") or {}, ex.figures.get("policy") or {}, result.get("policy_sha256"))
    _compare_figures(ex, manifest, result)
    _report_amount(ex, scan, manifest)
    _printed_figures(ex, scan, manifest, result)


def _policy_changed(ex: Examination, claimed: dict, used: dict, used_sha: str | None) -> None:
    """Warn when the package was built with another policy file than the one intake uses; say
    so plainly when only the file's content (SHA-256) differs and not its id or version."""
    claimed_sha = str(claimed.get("sha256") or "").lower()
    if not claimed_sha or claimed_sha == used_sha:
        return
    name = f"{_short(claimed.get('id'), 40)} {_short(claimed.get('version'), 20)}"
    used_name = f"{_short(used.get('id'), 40)} {_short(used.get('version'), 20)}"
    if name == used_name:
        what = (f"政策文件内容已变更（版本号相同）：材料包按政策文件 {name}（内容摘要 {_short(claimed_sha, 12)}…）"
                f"生成，受理按同一版本号、内容摘要为 {str(used_sha)[:12]}… 的政策文件核算")
    else:
        what = f"材料包按政策文件 {name} 生成，受理按 {used_name} 核算"
    ex.add("policy-changed", what=what)


def _validity_without_figures(ex: Examination, as_of: dt.date) -> None:
    """Without recomputed figures (a recognition package, or data that cannot be recomputed),
    still check the service year and the deadline by the policy for the year the manifest names,
    so the notice lists everything at once."""
    if not ex.year:
        return
    from lingong_docs.util.money import cn_date

    policy = load_policy(year=ex.year)
    years = dict(year=ex.year, first=policy.first_year, last=policy.last_year)
    if not policy.covers(ex.year):
        ex.add("year-outside-policy", **years)
    deadline = policy.deadline(ex.year)
    if as_of > deadline:
        ex.add("deadline-passed", **years, deadline=cn_date(deadline), as_of=cn_date(as_of))


def _rows_text(rows: list[int], count: int) -> str:
    from lingong_docs.compute import rows_text

    return f"第{rows_text(rows)}行" + (f"，共{count}处" if count > 1 else "")


def _norm(key: str, value):
    if value is None:
        return None
    if key in _MONEY_KEYS:
        try:
            return Decimal(str(value)).quantize(CENT)
        except (InvalidOperation, ValueError):
            return str(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and key != "uscc":
        return int(value) if float(value).is_integer() else value
    return _short(value)


def _show(key: str, value) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{yuan(value)}元"
    return str(value)


def _compare_figures(ex: Examination, manifest: dict, result: dict) -> None:
    claimed, computed = manifest.get("figures") or {}, dict(result["figures"])
    for k in _MONEY_KEYS:
        computed[k] = result["exact"][k]
    for key, label in COMPARED_FIGURES:
        a, b = _norm(key, claimed.get(key)), _norm(key, computed.get(key))
        if a != b:
            ex.add("figures-mismatch", field=label, claimed=_show(key, a), computed=_show(key, b))
    applicant = manifest.get("applicant") or {}
    for key, label in (("name", "申请单位全称"), ("uscc", "统一社会信用代码"), ("market", "零工市场名称")):
        other = computed.get("applicant" if key == "name" else key)
        if _short(applicant.get(key)) != _short(other):
            ex.add("applicant-mismatch-package", field=label)
    applied = result.get("kinds") or []
    if ex.kind not in applied:
        ex.add("figures-mismatch", field="申请事项", claimed=kinds.label(ex.kind),
               computed="、".join(kinds.label(k) for k in applied) or "（空）")
    amount = ex.amount()
    if amount is not None and amount <= 0:
        ex.add("subsidy-zero", subsidy=kinds.label(ex.kind))


_WAN_RE = re.compile(r"申请(运营经费|就业服务)补贴([0-9]+(?:\.[0-9]+)?)万元")
_UPPER_RE = re.compile(r"大写[:：]?(?:人民币)?([零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整]+)")


def _report_amount(ex: Examination, scan: dict, manifest: dict) -> None:
    """The 附件2/附件3 report must print the recomputed amount, in figures and in capitals."""
    if ex.kind not in REPORT_OF:
        return
    key, money_key, label = REPORT_OF[ex.kind]
    mat = next((m for m in manifest["materials"] if m["key"] == key), None)
    if mat is None:
        return                                  # material-missing already says so
    texts = scan.get("texts", {})
    text = _compact("".join(texts.get(str(p), "") for p in range(mat["first_page"], mat["last_page"] + 1)))
    amount = Decimal(ex.exact[money_key])
    expected_wan = amount / Decimal(10000)
    wans = [Decimal(m.group(2)) for m in _WAN_RE.finditer(text) if m.group(1) == label]
    uppers = [m.group(1) for m in _UPPER_RE.finditer(text)]
    ok = bool(wans) and all(w == expected_wan for w in wans) and rmb_upper(amount) in uppers
    if not ok:
        ex.add("amount-mismatch", report=MATERIAL_ZH[key], amount=wan(amount), upper=rmb_upper(amount))


# The figures the pages print, found in the compact text (no whitespace, no thousands separators).
_PRINTED_MATCHES = re.compile(r"撮合服务(\d{1,12})个次")
_PRINTED_DEMAND = re.compile(r"需求人数(\d{1,12})人")
_CHECKLIST_NOTES = {"roster": (re.compile(r"共(\d{1,12})人次"), "人次", "附件5记录条数"),
                    "job_posts": (re.compile(r"共(\d{1,12})条岗位"), "条岗位", "附件4岗位条数")}
_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3})")


def _page_text(scan: dict, mat: dict) -> str:
    texts = scan.get("texts", {})
    text = _compact("".join(texts.get(str(p), "") for p in range(mat["first_page"], mat["last_page"] + 1)))
    return _THOUSANDS.sub("", text)


def _printed_figures(ex: Examination, scan: dict, manifest: dict, result: dict) -> None:
    """The printed pages must show what the embedded data gives: the report's 撮合个次 (and, for
    运营经费, 需求人数), and the checklist's row counts of 附件4/附件5. A roster swapped for a
    bigger one (hashes and manifest updated) is caught here: the pages still print the old numbers."""
    if ex.kind not in REPORT_OF:
        return
    materials = {m["key"]: m for m in manifest["materials"]}
    report_key = REPORT_OF[ex.kind][0]
    report = materials.get(report_key)
    if report is not None:                       # else material-missing already says so
        text = _page_text(scan, report)
        checks = [(_PRINTED_MATCHES, "match_count", "撮合个次", "个次")]
        if ex.kind == "operating":
            checks.append((_PRINTED_DEMAND, "demand_total", "岗位需求人数", "人"))
        for pattern, key, label, unit in checks:
            _compare_printed(ex, MATERIAL_ZH[report_key], label, unit, pattern.findall(text), ex.figures.get(key))
    checklist = materials.get("checklist")
    records = result.get("records") or {}
    if checklist is not None:
        text = _page_text(scan, checklist)
        for key, (pattern, unit, label) in _CHECKLIST_NOTES.items():
            if key in materials and key in records:
                # the build prints these notes; where the checklist shows one it must agree (a
                # checklist without them is not faulted here: its titles and pages are checked)
                _compare_printed(ex, MATERIAL_ZH["checklist"], label, unit, pattern.findall(text), records[key],
                                 required=False)


def _compare_printed(ex: Examination, where: str, label: str, unit: str, printed: list[str], computed, *,
                     required: bool = True) -> None:
    if not isinstance(computed, int) or isinstance(computed, bool):
        return
    values = sorted({int(v) for v in printed})
    if values == [computed] or (not values and not required):
        return
    shown = "、".join(f"{v:,}{unit}" for v in values[:5]) if values else "（页面上未找到）"
    ex.add("printed-figures-mismatch", material=where, field=label, printed=shown, computed=f"{computed:,}{unit}")
