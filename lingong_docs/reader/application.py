"""The application file (application.yaml): typed, or a clear refusal naming the field.

The file is written by hand, so it is read strictly: no YAML anchors or aliases (a kilobyte of
nested aliases expands to gigabytes), no key written twice (the last one would silently win), and
every field of the type it must have (a list where a text belongs is refused, not stringified).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from lingong_docs.core import findings as F
from lingong_docs.core.errors import ReadError
from lingong_docs.core.kinds import KINDS, parse_kind
from lingong_docs.core.model import ApplicationInfo
from lingong_docs.identifiers import uscc as uscc_mod
from lingong_docs.reader.normalize import clean_text, to_datetime

LABELS = tuple(k.label for k in KINDS.values())
RECOGNITION_SECTIONS = ("选址建设情况", "场地设施人员制度服务", "线上平台搭建情况", "机构基本情况及成功案例")
MAX_APPLICATION_BYTES = 1_000_000
TEXT_FIELDS = ("申请单位全称", "统一社会信用代码", "零工市场名称", "申请年度", "计次方式", "申请日期", "政策",
               "法定代表人", "联系人", "联系电话", "地址")
MAPPING_FIELDS = ("认定申请", "文件")
SCALAR = (str, int, float, dt.date)


class _Refused(Exception):
    """The file uses a YAML feature an application file must not use."""

    def __init__(self, code: str, line: int, field: str = ""):
        super().__init__(code)
        self.code, self.line, self.field = code, line, field


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without anchors, aliases, duplicate keys or implicit dates.

    Dates stay text: an impossible date (2026-02-30) becomes a finding on its field instead of an
    exception for the whole file.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused("application-alias", event.start_mark.line)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[object] = set()
        for key_node, _value in node.value:
            key = key_node.value
            if key in seen:
                raise _Refused("application-duplicate-key", key_node.start_mark.line, str(key)[:40])
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _text(value: object) -> str:
    if value is None:
        return ""
    text, _ = clean_text(str(value))
    return text


def _load(path: Path) -> dict[str, Any]:
    """Return the mapping in ``path``; raise ReadError (exit 2) for anything else."""
    name = path.name
    if path.stat().st_size > MAX_APPLICATION_BYTES:
        raise ReadError.make("application-too-large", file=name)
    try:
        with open(path, encoding="utf-8-sig") as f:
            data = yaml.load(f, Loader=_StrictLoader)  # a SafeLoader subclass
    except UnicodeDecodeError:
        raise ReadError.make("application-encoding", file=name) from None
    except _Refused as e:
        raise ReadError.make(e.code, file=name, line=e.line + 1, field=e.field) from None
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        where = f"第{line + 1}行附近" if line is not None else ""
        raise ReadError.make("application-syntax", file=name, where=where) from None
    if not isinstance(data, dict):
        raise ReadError.make("application-not-mapping", file=name)
    _check_types(data, name)
    return data


def _check_types(data: dict[str, Any], name: str) -> None:
    """Refuse a field of the wrong type (a list or a mapping where a text belongs, and so on)."""
    def refuse(field_name: str, expected: str) -> None:
        raise ReadError.make("application-field-type", file=name, field=field_name, expected=expected)

    for key in TEXT_FIELDS:
        if data.get(key) is not None and not isinstance(data[key], SCALAR):
            refuse(key, "一项文字")
    for key in MAPPING_FIELDS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            refuse(key, "“项目: 值”的列表")
        for sub, item in value.items():
            if item is not None and not isinstance(item, SCALAR):
                refuse(f"{key}/{sub}", "一项文字")
    kinds = data.get("申请事项")
    if kinds is not None and not isinstance(kinds, (str, list)):
        refuse("申请事项", "“- 事项”的列表")
    for item in kinds if isinstance(kinds, list) else []:
        if not isinstance(item, str):
            refuse("申请事项", "“- 事项”的列表，每项一段文字")


class _Fields:
    """Collects the findings about single fields of one application file."""

    def __init__(self, name: str):
        self.name = name
        self.found: list[F.Finding] = []

    def missing(self, field_name: str) -> None:
        self.found.append(F.make("application-field-missing", file=self.name, field=field_name))

    def invalid(self, field_name: str, reason: str) -> None:
        self.found.append(F.make("application-field-invalid", file=self.name, field=field_name, reason=reason))


def read_application_file(path: Path) -> tuple[ApplicationInfo, list[F.Finding]]:
    """Return the typed application info and the findings about the file itself."""
    data = _load(path)
    info = ApplicationInfo()
    fields = _Fields(path.name)
    for step in _STEPS:
        step(data, info, fields)
    return info, fields.found


def _identity(data: dict[str, Any], info: ApplicationInfo, fields: _Fields) -> None:
    info.applicant = _text(data.get("申请单位全称")) or None
    if not info.applicant:
        fields.missing("申请单位全称")
    code = uscc_mod.compact(data.get("统一社会信用代码"))
    if not code:
        fields.missing("统一社会信用代码")
    else:
        problem = uscc_mod.check(code)
        if problem:
            fields.found.append(F.make(problem, file=fields.name, header="统一社会信用代码", value=code))
        info.uscc = code
    info.market = _text(data.get("零工市场名称")) or None
    if not info.market:
        fields.missing("零工市场名称")
    info.policy = _text(data.get("政策")) or None
    info.legal_rep = _text(data.get("法定代表人"))
    info.contact = _text(data.get("联系人"))
    info.contact_phone = _text(data.get("联系电话"))
    info.address = _text(data.get("地址"))


def _year_and_mode(data: dict[str, Any], info: ApplicationInfo, fields: _Fields) -> None:
    year = data.get("申请年度")
    try:
        info.year = int(str(year).strip().rstrip("年"))
        if not 2000 <= info.year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        info.year = None
        if year in (None, ""):
            fields.missing("申请年度")
        else:
            fields.invalid("申请年度", "应为四位年份，如 2025")
    mode = _text(data.get("计次方式")) or "按次"
    if mode not in ("按次", "按时长"):
        fields.invalid("计次方式", "只能填“按次”或“按时长”")
    else:
        info.counting_mode = mode


def _application_date(data: dict[str, Any], info: ApplicationInfo, fields: _Fields) -> None:
    when = data.get("申请日期")
    if when in (None, ""):
        fields.missing("申请日期")
    elif isinstance(when, dt.datetime):
        info.application_date = when.date()
    elif isinstance(when, dt.date):
        info.application_date = when
    else:
        value, _ = to_datetime(str(when))
        if isinstance(value, dt.datetime):
            info.application_date = value.date()
        else:
            fields.invalid("申请日期", "应为日期，如 2026-03-05")


def _kinds(data: dict[str, Any], info: ApplicationInfo, fields: _Fields) -> None:
    kinds = data.get("申请事项") or []
    for k in [kinds] if isinstance(kinds, str) else kinds:
        label = _text(k)
        kind = parse_kind(label) if label in LABELS else None
        if kind is None:
            fields.invalid("申请事项", f"“{label[:20]}”不是 运营经费补贴、就业服务补贴、零工市场认定 之一")
        elif kind not in info.kinds:
            info.kinds.append(kind)
    if not info.kinds:
        fields.missing("申请事项")
    sections = data.get("认定申请") or {}
    info.recognition = {s: _text(sections.get(s)) for s in RECOGNITION_SECTIONS}
    if "recognition" in info.kinds:
        for s in RECOGNITION_SECTIONS:
            if not info.recognition.get(s):
                fields.missing(f"认定申请/{s}")


def _files(data: dict[str, Any], info: ApplicationInfo, fields: _Fields) -> None:
    files = data.get("文件") or {}
    info.job_posts_file = _text(files.get("附件4")) or info.job_posts_file
    info.roster_file = _text(files.get("附件5")) or info.roster_file
    info.evidence_folder = _text(files.get("支付凭证")) or info.evidence_folder
    for attr, label in (("job_posts_file", "文件/附件4"), ("roster_file", "文件/附件5"),
                        ("evidence_folder", "文件/支付凭证")):
        value = getattr(info, attr)
        if Path(value).is_absolute() or ".." in Path(value).parts:
            fields.invalid(label, "只能是本文件夹内的文件名")
            setattr(info, attr, Path(value).name)


_STEPS: tuple[Callable[[dict[str, Any], ApplicationInfo, _Fields], None], ...] = (
    _identity, _year_and_mode, _application_date, _kinds, _files)
