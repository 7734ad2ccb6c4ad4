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

from .. import findings as F
from ..errors import IntakeError
from ..money import rmb_upper, wan, yuan
from ..policy import load_policy
from .names import clean_name
from .sandbox import Limits, run_job

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "lingong-docs/manifest@1"
KINDS = ("operating", "employment", "recognition")
KIND_ZH = {"operating": "运营经费补贴", "employment": "就业服务补贴", "recognition": "零工市场认定"}
MATERIAL_ZH = {"cover": "封面", "checklist": "材料清单", "report_operating": "运营经费补贴申请报告（附件2）",
               "report_employment": "就业服务补贴申请报告（附件3）",
               "report_recognition": "零工市场认定申请报告（附件1）", "job_posts": "发布岗位任务明细表（附件4）",
               "roster": "撮合服务成功人员花名册（附件5）", "evidence": "支付凭证"}
REPORT_OF = {"operating": ("report_operating", "operating_subsidy", "运营经费"),
             "employment": ("report_employment", "employment_subsidy", "就业服务")}
# Signature roles the applicant must sign; any other role (a bureau field, say) may stay empty.
REQUIRED_SIGNATURE_ROLES = ("seal", "signature")
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
        _signature_checks(ex, scan, manifest, allow_unsigned)
        if manifest is None:
            return ex
        policy = _policy_for(ex, manifest)
        _completeness(ex, scan, manifest, policy)
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
    return "超过上限"


# ---- step 2: the manifest --------------------------------------------------------------------

def _manifest(ex: Examination, scan: dict, workdir: Path) -> dict | None:
    entries = [a for a in scan.get("attachments", []) if a["name"] == MANIFEST_NAME]
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
    if m.get("format") != MANIFEST_FORMAT:
        return f"格式标记不是 {MANIFEST_FORMAT}"
    if m.get("kind") not in KINDS:
        return "补贴类型（kind）无效"
    if not isinstance(m.get("applicant"), dict):
        return "缺少申请单位（applicant）"
    if not isinstance(m.get("figures"), dict):
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

def _signature_checks(ex: Examination, scan: dict, manifest: dict | None, allow_unsigned: bool) -> None:
    """Group the signature problems: one finding per kind of problem, naming every field."""
    found = {s["field"]: s for s in scan.get("signatures", [])}
    ex.signatures = [{"field": s["field"], "status": s["status"]} for s in scan.get("signatures", [])]
    listed = {str(p["name"]): p for p in (manifest.get("signature_fields", []) if manifest else [])}
    groups: dict[str, list[str]] = {"missing": [], "absent": [], "broken": [], "modified": [], "untrusted": []}
    later = 0
    for name, place in listed.items():
        label = _place_label(name, place)
        sig = found.get(name)
        if sig is None:
            groups["absent"].append(label)
        elif sig["status"] == "none":
            if place.get("role") in REQUIRED_SIGNATURE_ROLES:
                groups["missing"].append(label)
    for name, sig in found.items():
        label = _place_label(name, listed.get(name))
        if sig["status"] == "broken":
            groups["broken"].append(label)
        elif sig["status"] == "modified":
            groups["modified"].append(label)
            later = max(later, int(sig.get("later_revisions") or 0))
        elif sig["status"] == "valid" and sig.get("trust_checked") and sig.get("trusted") is False:
            groups["untrusted"].append(label)
    for group, code in (("missing", "signature-missing"), ("absent", "signature-field-missing"),
                        ("broken", "signature-broken"), ("modified", "signature-modified-after"),
                        ("untrusted", "signature-untrusted")):
        names = groups[group]
        if not names:
            continue
        severity = F.WARNING if (group == "missing" and allow_unsigned) else None
        ex.findings.append(F.make(code, count=len(names), fields="、".join(names), later=max(1, later),
                                  severity=severity))


def _place_label(name: str, place: dict | None) -> str:
    """Return ``封面盖章（seal_cover）`` for a field."""
    if not place:
        return f"签章（{clean_name(name)}）"
    material = MATERIAL_ZH.get(str(place.get("material")), clean_name(place.get("material")))
    return f"{material}{'签字' if place.get('role') == 'signature' else '盖章'}（{clean_name(name)}）"


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
        if name not in listed and name != MANIFEST_NAME:
            ex.add("attachment-unlisted", name=f"第{att['index'] + 1}个内嵌文件")

    pages = scan.get("pages") or 0
    if manifest["pages"] != pages:
        ex.add("page-count-mismatch", what=f"材料清单记载共{manifest['pages']}页，文件实际有{pages}页。")
    materials = {m["key"]: m for m in manifest["materials"]}
    outline = {}
    for item in scan.get("outline", []):
        if item.get("depth") == 0:
            outline.setdefault(_compact(item["title"]), item)
    required = list((policy.data.get("materials") or {}).get(ex.kind, []))
    subsidy = KIND_ZH.get(ex.kind, ex.kind)
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
                _deadline_without_figures(ex, as_of)
                return
            continue
        files.append({"stored": att["stored"], "role": str(entry["role"]), "name": str(entry["name"])})
    if not any(f["role"] == "application" for f in files):
        ex.add("recompute-failed", reason="材料包中没有申请文件 application.yaml")
        _deadline_without_figures(ex, as_of)
        return
    request = {"job": "truth", "app": str(workdir / "app"), "files": files, "as_of": as_of.isoformat(),
               "key": key.hex() if key else None}
    outcome = run_job(request, workdir, limits)
    result = outcome.result
    if result is None or result.get("fatal"):
        reason = ("超时" if outcome.failure == "timeout" else "表格异常，读取被中止") if result is None \
            else (result["fatal"].get("params", {}).get("reason") or result["fatal"]["code"])
        ex.add("recompute-failed", reason=reason)
        _deadline_without_figures(ex, as_of)
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
    claimed_policy = manifest.get("policy") or {}
    if claimed_policy.get("sha256") and claimed_policy.get("sha256") != result.get("policy_sha256"):
        used = ex.figures.get("policy", {})
        ex.add("policy-changed", claimed=f"{_short(claimed_policy.get('id'), 40)} {_short(claimed_policy.get('version'), 20)}",
               used=f"{used.get('id')} {used.get('version')}")
    _compare_figures(ex, manifest, result)
    _report_amount(ex, scan, manifest)


def _deadline_without_figures(ex: Examination, as_of: dt.date) -> None:
    """When the data cannot be recomputed, still tell the applicant about a missed deadline
    (the policy's rule for the year the manifest names), so the notice lists everything at once."""
    if not ex.year:
        return
    from ..money import cn_date

    policy = load_policy(year=ex.year)
    deadline = policy.deadline(ex.year)
    if as_of > deadline:
        ex.add("deadline-passed", year=ex.year, first=policy.first_year, last=policy.last_year,
               deadline=cn_date(deadline), as_of=cn_date(as_of))


def _rows_text(rows: list[int], count: int) -> str:
    from ..compute import rows_text

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
    kinds = result.get("kinds") or []
    if ex.kind not in kinds:
        ex.add("figures-mismatch", field="申请事项", claimed=KIND_ZH.get(ex.kind, "?"),
               computed="、".join(KIND_ZH.get(k, k) for k in kinds) or "（空）")
    amount = ex.amount()
    if amount is not None and amount <= 0:
        ex.add("subsidy-zero", subsidy=KIND_ZH[ex.kind])


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
