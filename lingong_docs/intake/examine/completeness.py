"""Are all materials there, as listed: embedded files and their digests, pages, bookmarks, checklist."""

from __future__ import annotations

from lingong_docs.core import findings as F
from lingong_docs.core import kinds
from lingong_docs.core import manifest as contract
from lingong_docs.core.manifest import Manifest, MaterialEntry
from lingong_docs.core.policy import Policy
from lingong_docs.intake.examine.examination import Examination, compact, short
from lingong_docs.intake.names import clean_name
from lingong_docs.intake.scan.result import OutlineItem, ScanResult

# What follows from a missing checklist page (every later page shifts): folded under checklist-missing.
FOLDED = ("outline-mismatch", "page-count-mismatch", "checklist-mismatch", "printed-figures-mismatch",
          "amount-mismatch", "printed-rows-mismatch", "form-page-differs")


def check_completeness(ex: Examination, scan: ScanResult, manifest: Manifest, policy: Policy) -> None:
    _files(ex, scan, manifest)
    pages = scan.pages or 0
    if manifest.pages != pages:
        ex.add("page-count-mismatch", what=f"材料清单记载共{manifest.pages}页，文件实际有{pages}页。")
    _ranges(ex, manifest, pages)
    outline: dict[str, OutlineItem] = {}
    for item in scan.outline:
        if item.depth == 0:
            outline.setdefault(compact(item.title), item)
    _materials(ex, manifest, outline, policy)
    _checklist(ex, scan, manifest)
    if _checklist_gone(scan, manifest, outline):
        ex.add("checklist-missing", count=0)        # counted when the consequences are folded


def fold_under_missing_checklist(ex: Examination) -> None:
    """With the checklist page gone every later page shifts: lead with one plain 材料清单缺失 and
    fold what follows from it (page, bookmark, checklist and printed-figure findings) under it."""
    if not ex.has("checklist-missing"):
        return
    folded = sum(1 for f in ex.findings if f.code in FOLDED)
    ex.findings[:] = [f for f in ex.findings if f.code not in FOLDED and f.code != "checklist-missing"]
    ex.findings.insert(0, F.make("checklist-missing", count=folded))


def _files(ex: Examination, scan: ScanResult, manifest: Manifest) -> None:
    labels = _labels(manifest)
    listed = set()
    for entry in manifest.files:
        listed.add(entry.attachment)
        att = scan.attachment(entry.attachment)
        if att is None:
            ex.add("attachment-missing", name=labels[entry.attachment])
        elif att.sha256 is not None and (att.sha256 != entry.sha256 or (entry.size is not None
                                                                        and entry.size != att.size)):
            ex.add("hash-mismatch", name=labels[entry.attachment])
    for att in scan.attachments:
        if att.name not in listed and att.name != contract.NAME:
            ex.add("attachment-unlisted", name=f"第{att.index + 1}个内嵌文件")


def _labels(manifest: Manifest) -> dict[str, str]:
    """Return {attachment name: how a notice names it}. Evidence files are numbered, not named:
    their names may carry a worker's name ("0007 张三微信转账.png")."""
    labels, k = {}, 0
    for entry in manifest.files:
        if entry.role == "evidence" or entry.attachment.startswith(contract.EVIDENCE_PREFIX):
            k += 1
            labels[entry.attachment] = f"支付凭证第{k}个文件"
        else:
            labels[entry.attachment] = clean_name(entry.attachment)
    return labels


def _ranges(ex: Examination, manifest: Manifest, pages: int) -> None:
    previous_last = 0
    for mat in sorted(manifest.materials, key=lambda m: m.first_page):
        title = short(mat.title, 60)
        if not 1 <= mat.first_page <= mat.last_page <= pages:
            ex.add("page-count-mismatch",
                   what=f"材料“{title}”记载为第{mat.first_page}—{mat.last_page}页，文件只有{pages}页。")
        elif mat.first_page <= previous_last:
            ex.add("page-count-mismatch", what=f"材料“{title}”的页码与前一份材料重叠。")
        previous_last = max(previous_last, mat.last_page)


def _materials(ex: Examination, manifest: Manifest, outline: dict[str, OutlineItem], policy: Policy) -> None:
    subsidy = kinds.label(manifest.kind)
    for key in kinds.materials(manifest.kind, policy):
        mat = manifest.material(key)
        label = policy.title_of(key)
        if mat is None and policy.material(key).optional:
            continue                                   # bound only when the folder holds files
        if mat is None:
            ex.add("material-missing", subsidy=subsidy, title=label, where="材料清单数据中没有")
            continue
        item = outline.get(compact(mat.title))
        if item is None:
            ex.add("material-missing", subsidy=subsidy, title=label, where="文件中没有该材料的书签")
        elif item.page != mat.first_page:
            ex.add("outline-mismatch", title=short(mat.title, 60), outline=item.page or "?", first=mat.first_page)


def _checklist_gone(scan: ScanResult, manifest: Manifest, outline: dict[str, OutlineItem]) -> bool:
    """True when the checklist page itself was removed (its bookmark points nowhere, or its pages
    no longer show its title)."""
    checklist = manifest.material("checklist")
    if checklist is None:
        return False
    item = outline.get(compact(checklist.title))
    if item is None or item.page is None:
        return True
    page_text = compact(scan.text_of(checklist.first_page, checklist.last_page))
    return bool(scan.texts) and compact(checklist.title) not in page_text


def _checklist(ex: Examination, scan: ScanResult, manifest: Manifest) -> None:
    """The printed checklist must show each material with the page range the manifest records."""
    checklist = manifest.material("checklist")
    if checklist is None:
        return
    lines: list[str] = []
    for p in range(checklist.first_page, checklist.last_page + 1):
        lines.extend(compact(line) for line in scan.texts.get(p, "").splitlines())
    titles = [compact(m.title) for m in manifest.materials]
    for mat in manifest.materials:
        if mat.key == "checklist" and not any(compact(mat.title) in c for c in lines):
            continue          # the checklist need not list itself
        if not _listed_with_pages(lines, mat, titles):
            ex.add("checklist-mismatch", title=short(mat.title, 60), first=mat.first_page, last=mat.last_page)


def _listed_with_pages(lines: list[str], mat: MaterialEntry, titles: list[str]) -> bool:
    title = compact(mat.title)
    for i, line in enumerate(lines):
        text = line
        pos = line.find(title)
        if pos < 0:                          # a title wrapped onto the next line
            text = line + (lines[i + 1] if i + 1 < len(lines) else "")
            pos = text.find(title)
            if pos < 0 or pos >= len(line):
                continue
        rest = text[pos + len(title):]
        for other in titles:                 # stop at the next material's title
            if other and other != title and other in rest:
                rest = rest[: rest.find(other)]
        if str(mat.first_page) in _numbers(rest) and str(mat.last_page) in _numbers(rest):
            return True
    return False


def _numbers(text: str) -> list[str]:
    """Return the runs of digits in ``text``."""
    out, run = [], ""
    for ch in text + " ":
        if ch.isdigit():
            run += ch
        elif run:
            out.append(run)
            run = ""
    return out
