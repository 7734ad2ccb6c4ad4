"""The 受理回执 / 不予受理告知书: one per examination, as JSON and as a PDF notice (一次性告知).

JSON keys (stable)::

    package      file name of the received package (as received, cleaned for display)
    sha256       SHA-256 of the package file
    receipt_no   "SL" + date + "-" + sequence from the ledger, e.g. "SL20260305-0001" (each
                 examination its own number; "YS…" when nothing is registered: --no-ledger, --check-only)
    received     ISO date of receipt (--as-of);  received_at  ISO time the examination ended
    bureau       the receiving bureau;  clerk  the clerk (--clerk) or null
    verdict      "accepted" | "rejected";  verdict_zh  "受理" | "不予受理"
    kind         "operating" | "employment" | "recognition" | null;  kind_zh the Chinese label
    year         service year or null
    applicant    {"name", "uscc", "market"} (from the manifest; agency data only)
    figures      null, or the recomputed {year, demand_total, match_count, operating_passed,
                 operating_subsidy, employment_subsidy, total, amount, amount_wan, amount_upper}
                 — money as exact decimal text ("200000.00")
    signatures   [{"field", "place", "kind", "status", "signer", "issuer", "algorithm", "unsupported",
                 "signing_time", "timestamp", "checked_at", "checked_at_source"}]
                 status: none | valid | intact | untrusted | unsupported | broken | modified;
                 kind: signature | timestamp; algorithm: SM2 | RSA | ECDSA | … ; unsupported: the
                 algorithm or format that could not be verified (named, with its OID); checked_at:
                 the time certificates were checked at, checked_at_source "timestamp" (a document
                 timestamp's time, PAdES-B-LTA) or "now"; a person's name (a 签字) masked
    findings     [{"no", "code", "severity", "message", "hint"}] — the one numbered list

No worker data appears anywhere in a receipt: findings name rules, files and Excel rows only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lingong_docs.core import findings as F
from lingong_docs.core import kinds
from lingong_docs.core.errors import IntakeError
from lingong_docs.core.policy import Policy, policy_for_year
from lingong_docs.intake.examine.examination import Examination
from lingong_docs.intake.names import clean_name
from lingong_docs.util.atomic import atomic_path
from lingong_docs.util.money import cn_date, rmb_upper, wan, yuan

ACCEPTED, REJECTED = "accepted", "rejected"
VERDICT_ZH = {ACCEPTED: "受理", REJECTED: "不予受理"}
SIGNATURE_ZH = {"none": "未签章", "valid": "有效（证书可信）", "intact": "内容完好（证书未核验）",
                "untrusted": "证书不受信任", "revoked": "证书已吊销", "unsupported": "算法无法核验", "broken": "已失效",
                "modified": "签章后被修改"}
# A receipt number: "SL" (registered) or "YS" (not registered) + date + "-" + sequence; the
# "SL" + 12 hex digits of earlier releases is still recognised (their receipt files remain).
RECEIPT_NO = re.compile(r"^(?:(?:SL|YS)\d{8}-\d{4,6}|SL[0-9A-F]{12})$")
BUREAU_ENV = "LINGONG_BUREAU"


def bureau_name(name: str | None = None, policy: Policy | None = None) -> str:
    """Return the receiving bureau's name: ``name``, else $LINGONG_BUREAU, else the bureau that issued
    ``policy`` (the district bureau, which receives the applications; default the newest policy)."""
    issuer = (policy or policy_for_year(None)).issuer
    return (name or os.environ.get(BUREAU_ENV) or issuer).strip()[:60] or issuer


@dataclass
class Receipt:
    package: str
    sha256: str
    receipt_no: str
    received: dt.date
    verdict: str
    kind: str | None = None
    year: int | None = None
    applicant: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] | None = None
    signatures: list[dict[str, Any]] = field(default_factory=list)
    findings: list[F.Finding] = field(default_factory=list)       # errors first
    received_at: dt.datetime | None = None
    bureau: str = ""                      # make_receipt: bureau_name()
    clerk: str | None = None

    @property
    def accepted(self) -> bool:
        return self.verdict == ACCEPTED

    def to_dict(self) -> dict[str, Any]:
        return {
            "package": self.package, "sha256": self.sha256, "receipt_no": self.receipt_no,
            "received": self.received.isoformat(),
            "received_at": self.received_at.isoformat(timespec="seconds") if self.received_at else None,
            "bureau": self.bureau, "clerk": self.clerk,
            "verdict": self.verdict, "verdict_zh": VERDICT_ZH[self.verdict],
            "kind": self.kind, "kind_zh": kinds.label(self.kind) if self.kind in kinds.KINDS else None,
            "year": self.year, "applicant": dict(self.applicant), "figures": self.figures,
            "signatures": list(self.signatures),
            "findings": [{"no": i, "code": f.code, "severity": f.severity, "message": f.message,
                          "hint": f.hint} for i, f in enumerate(self.findings, start=1)],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def make_receipt(ex: Examination, received: dt.date, receipt_no: str, *, bureau: str | None = None,
                 clerk: str | None = None, received_at: dt.datetime | None = None) -> Receipt:
    """Return the receipt of an examination: rejected when any finding is an error."""
    order = {F.ERROR: 0, F.WARNING: 1, F.INFO: 2}
    findings = sorted(_unique(ex.findings), key=lambda f: order.get(f.severity, 9))
    verdict = REJECTED if any(f.severity == F.ERROR for f in findings) else ACCEPTED
    return Receipt(package=clean_name(ex.path.name), sha256=ex.sha256, receipt_no=receipt_no,
                   received=received, verdict=verdict, kind=ex.kind, year=ex.year,
                   applicant=dict(ex.applicant) if ex.applicant else {"name": None, "uscc": None, "market": None},
                   figures=_figures(ex), signatures=list(ex.signatures), findings=findings,
                   received_at=received_at or dt.datetime.now().replace(microsecond=0),
                   bureau=bureau_name(bureau, ex.policy), clerk=clean_name(clerk)[:40] if clerk else None)


def _figures(ex: Examination) -> dict[str, Any] | None:
    if ex.figures is None:
        return None
    amount = ex.amount()
    return {
        "year": ex.figures.get("year"), "demand_total": ex.figures.get("demand_total"),
        "match_count": ex.figures.get("match_count"), "operating_passed": ex.figures.get("operating_passed"),
        "operating_subsidy": ex.exact.get("operating_subsidy"),
        "employment_subsidy": ex.exact.get("employment_subsidy"), "total": ex.exact.get("total"),
        "amount": None if amount is None else str(amount),
        "amount_wan": None if amount is None else wan(amount),
        "amount_upper": None if amount is None else rmb_upper(amount),
    }


def _unique(findings: list[F.Finding]) -> list[F.Finding]:
    seen, out = set(), []
    for f in findings:
        k = (f.code, f.message)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out


# ---- files ------------------------------------------------------------------------------------

def receipt_paths(receipt_no: str, folder: str | Path) -> tuple[Path, Path]:
    folder = Path(folder)
    return folder / f"{receipt_no}.json", folder / f"{receipt_no}.pdf"


def receipt_taken(receipt_no: str, folder: str | Path | None) -> bool:
    """True when a receipt file of that number exists in ``folder``."""
    return folder is not None and any(p.exists() for p in receipt_paths(receipt_no, folder))


def write_receipt(receipt: Receipt, folder: str | Path) -> tuple[Path, Path]:
    """Write ``<receipt_no>.pdf`` then ``<receipt_no>.json`` into ``folder``; never replace a file.

    Each is written to a temporary file and linked into place only if no file of that name
    exists (``receipt-exists`` otherwise); on failure nothing of this receipt is left behind.
    """
    json_path, pdf_path = receipt_paths(receipt.receipt_no, folder)
    done: list[Path] = []
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        _write_new(pdf_path, lambda tmp: render_pdf(receipt, tmp), done)
        _write_new(json_path, lambda tmp: tmp.write_bytes((receipt.to_json() + "\n").encode("utf-8")), done)
    except OSError as e:
        for path in done:
            path.unlink(missing_ok=True)
        raise IntakeError.make("receipt-unwritable", folder=clean_name(Path(folder).name),
                               reason=e.strerror or "写入失败") from None
    except BaseException:
        for path in done:
            path.unlink(missing_ok=True)
        raise
    return json_path, pdf_path


def _write_new(target: Path, write: Any, done: list[Path]) -> None:
    with atomic_path(target.with_name(target.name + ".new")) as tmp:
        write(tmp)
    staged = target.with_name(target.name + ".new")
    try:
        os.link(staged, target)                  # fails if the target exists: never overwritten
    except FileExistsError:
        raise IntakeError.make("receipt-exists", name=target.name) from None
    finally:
        staged.unlink(missing_ok=True)
    done.append(target)


def escape(text: object) -> str:
    """Return ``text`` safe for a reportlab Paragraph (its mark-up characters escaped)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_pdf(receipt: Receipt, target: Path) -> None:
    """Draw the receipt with reportlab and an embedded CJK TrueType font (reproducible bytes)."""
    from lingong_docs.intake.receipt_pdf import draw

    draw(receipt, target)


def _received_row(receipt: Receipt) -> tuple[str, str]:
    """收件时间; a date of receipt entered later (补录) is printed as entered, the real time beside it."""
    at = receipt.received_at
    if at is None:
        return "收件时间", cn_date(receipt.received)
    if at.date() == receipt.received:
        return "收件时间", f"{cn_date(receipt.received)} {at:%H:%M}"
    return "收件日期", f"{cn_date(receipt.received)}（补录，录入时间 {cn_date(at.date())} {at:%H:%M}）"


def summary_rows(receipt: Receipt) -> list[tuple[str, str]]:
    """The table at the head of the notice (no amount on a 不予受理告知书: nothing was granted)."""
    a = receipt.applicant or {}
    rows = [
        ("回执编号", receipt.receipt_no),
        ("受理部门", receipt.bureau),
        ("申请单位", a.get("name") or "（未能读取）"),
        ("统一社会信用代码", a.get("uscc") or "（未能读取）"),
        ("零工市场（驿站）", a.get("market") or "（未能读取）"),
        ("申请事项", kinds.label(receipt.kind)),
        ("申请年度", f"{receipt.year}年度" if receipt.year else "（未能读取）"),
        _received_row(receipt),
        ("材料包文件", receipt.package),
        ("材料包 SHA-256", receipt.sha256),
    ]
    fig = receipt.figures or {}
    if receipt.accepted and fig:
        rows.append(("核验撮合个次", f"{fig.get('match_count')}个次"))
        if fig.get("amount") is not None:
            amount = Decimal(fig["amount"])
            rows.append(("核算申请金额", f"{yuan(amount)}元（{wan(amount)}万元，大写：人民币{rmb_upper(amount)}）"))
    rows.append(("核验结论", VERDICT_ZH[receipt.verdict]))
    if receipt.clerk:
        rows.append(("经办人", receipt.clerk))
    return rows
