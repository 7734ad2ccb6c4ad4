"""The application file (application.yaml) and the application folder as a whole."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from lingong_docs.core import findings as F
from lingong_docs.core.errors import ReadError
from lingong_docs.core.kinds import KINDS, parse_kind
from lingong_docs.core.model import ApplicationInfo
from lingong_docs.identifiers import uscc as uscc_mod
from lingong_docs.reader.normalize import clean_text

LABELS = tuple(k.label for k in KINDS.values())
RECOGNITION_SECTIONS = ("选址建设情况", "场地设施人员制度服务", "线上平台搭建情况", "机构基本情况及成功案例")
MAX_APPLICATION_BYTES = 1_000_000


class _TextDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text: an impossible date (2026-02-30) becomes a finding on
    its field instead of an exception for the whole file."""


_TextDatesLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _text(value) -> str:
    if value is None:
        return ""
    text, _ = clean_text(str(value))
    return text


def read_application_file(path: Path) -> tuple[ApplicationInfo, list[F.Finding]]:
    """Return the typed application info and the findings about the file itself."""
    name = path.name
    found: list[F.Finding] = []
    if path.stat().st_size > MAX_APPLICATION_BYTES:
        raise ReadError("application-too-large", f"{name}：文件过大，不像申请文件。", path=str(path))
    try:
        with open(path, encoding="utf-8-sig") as f:
            data = yaml.load(f, Loader=_TextDatesLoader)  # noqa: S506 - a SafeLoader subclass
    except UnicodeDecodeError:
        raise ReadError("application-encoding", f"{name}：不是 UTF-8 编码的文本文件。",
                        hint="请用记事本等编辑器以 UTF-8 编码保存。", path=str(path)) from None
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        where = f"第{line + 1}行附近" if line is not None else ""
        raise ReadError("application-syntax", f"{name}：格式错误{where}，无法读取。",
                        hint="请检查冒号后是否有空格、缩进是否对齐；文字中含冒号时请加英文引号。",
                        path=str(path)) from None
    if not isinstance(data, dict):
        raise ReadError("application-syntax", f"{name}：内容不是“项目: 值”的格式。", path=str(path))
    info = ApplicationInfo()

    def missing(field_name):
        found.append(F.make("application-field-missing", file=name, field=field_name))

    def invalid(field_name, reason):
        found.append(F.make("application-field-invalid", file=name, field=field_name, reason=reason))

    info.applicant = _text(data.get("申请单位全称")) or None
    if not info.applicant:
        missing("申请单位全称")
    code = uscc_mod.compact(data.get("统一社会信用代码"))
    if not code:
        missing("统一社会信用代码")
    else:
        problem = uscc_mod.check(code)
        if problem:
            found.append(F.make(problem, file=name, header="统一社会信用代码", value=code))
        info.uscc = code
    info.market = _text(data.get("零工市场名称")) or None
    if not info.market:
        missing("零工市场名称")
    year = data.get("申请年度")
    try:
        info.year = int(str(year).strip().rstrip("年"))
        if not 2000 <= info.year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        info.year = None
        (missing if year in (None, "") else lambda f: invalid(f, "应为四位年份，如 2025"))("申请年度")
    mode = _text(data.get("计次方式")) or "按次"
    if mode not in ("按次", "按时长"):
        invalid("计次方式", "只能填“按次”或“按时长”")
    else:
        info.counting_mode = mode
    when = data.get("申请日期")
    if when in (None, ""):
        missing("申请日期")
    elif isinstance(when, dt.datetime):
        info.application_date = when.date()
    elif isinstance(when, dt.date):
        info.application_date = when
    else:
        from lingong_docs.reader.normalize import to_datetime
        value, _ = to_datetime(str(when))
        if value:
            info.application_date = value.date()
        else:
            invalid("申请日期", "应为日期，如 2026-03-05")
    info.policy = _text(data.get("政策")) or None
    info.legal_rep = _text(data.get("法定代表人"))
    info.contact = _text(data.get("联系人"))
    info.contact_phone = _text(data.get("联系电话"))
    info.address = _text(data.get("地址"))
    kinds = data.get("申请事项") or []
    if isinstance(kinds, str):
        kinds = [kinds]
    for k in kinds:
        label = _text(k)
        kind = parse_kind(label) if label in LABELS else None
        if kind is not None:
            if kind not in info.kinds:
                info.kinds.append(kind)
        else:
            invalid("申请事项", f"“{label}”不是 运营经费补贴、就业服务补贴、零工市场认定 之一")
    if not info.kinds:
        missing("申请事项")
    sections = data.get("认定申请") or {}
    if isinstance(sections, dict):
        info.recognition = {s: _text(sections.get(s)) for s in RECOGNITION_SECTIONS}
    if "recognition" in info.kinds:
        for s in RECOGNITION_SECTIONS:
            if not info.recognition.get(s):
                missing(f"认定申请/{s}")
    files = data.get("文件") or {}
    if isinstance(files, dict):
        info.job_posts_file = _text(files.get("附件4")) or info.job_posts_file
        info.roster_file = _text(files.get("附件5")) or info.roster_file
        info.evidence_folder = _text(files.get("支付凭证")) or info.evidence_folder
    for attr, label in (("job_posts_file", "文件/附件4"), ("roster_file", "文件/附件5"),
                        ("evidence_folder", "文件/支付凭证")):
        value = getattr(info, attr)
        if Path(value).is_absolute() or ".." in Path(value).parts:
            invalid(label, "只能是本文件夹内的文件名")
            setattr(info, attr, Path(value).name)
    return info, found
