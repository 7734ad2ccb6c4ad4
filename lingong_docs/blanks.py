"""``init``: a new application folder with the application file, blank workbooks and evidence folder.

``write_blank`` writes the official blank 附件4 / 附件5 workbooks, made for people who type into Excel or WPS.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from lingong_docs.core import findings as F
from lingong_docs.core import kinds
from lingong_docs.core.errors import ConfigError
from lingong_docs.core.kinds import EMPLOYMENT, OPERATING
from lingong_docs.core.model import APPLICATION_FILE, ApplicationInfo
from lingong_docs.core.policy import policy_for
from lingong_docs.core.tables import JOB_POSTS, ROSTER, Column, TableSpec, header_block, spec
from lingong_docs.identifiers import uscc as uscc_mod
from lingong_docs.util.atomic import atomic_path, atomic_write_bytes
from lingong_docs.util.resources import forms_dir
from lingong_docs.util.workbook import BODY_FONT, BORDER, HEAD_FILL, HEAD_FONT, TITLE_FONT, safe_text

EVIDENCE_NOTE = "说明.txt"
RECOGNITION_SECTIONS = ("选址建设情况", "场地设施人员制度服务", "线上平台搭建情况", "机构基本情况及成功案例")
RECOGNITION_KEYS = ("rec_site", "rec_facilities", "rec_online", "rec_cases")   # their template fields
TEMPLATE_ROWS = 50000     # rows covered by the drop-down lists and input checks
PREFORMATTED_ROWS = 30    # rows drawn with borders (the column styles cover the rest)
DATE_MIN, DATE_MAX = 36526, 73051   # Excel serials of 2000-01-01 and 2100-01-01: the input check's range


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False) if value else '""'


def year_notes(year: int | None = None, today: dt.date | None = None) -> list[F.Finding]:
    """Return what the operator should hear at once about ``year``: outside the policy, or too late.

    ``init`` writes today as the application date; after the deadline for ``year`` the bureau
    does not accept the application (第十一、十六条).
    """
    today = today or dt.date.today()
    year = today.year - 1 if year is None else year
    return policy_for(year).validity(year, today)


def application_text(info: ApplicationInfo) -> str:
    """Return the text of application.yaml holding ``info``, with every explanatory comment.

    The one writer of the file's layout: ``init`` and the web page's form both write through it,
    so a file edited in a form reads as one written by ``init``.
    """
    sections = info.recognition or {}
    template = (forms_dir() / "application.template.yaml").read_text(encoding="utf-8")
    return template.format(
        applicant=_yaml_str(info.applicant or ""), uscc=_yaml_str(info.uscc or ""),
        market=_yaml_str(info.market or ""), year=info.year,
        date=info.application_date.isoformat() if info.application_date else '""',
        counting_mode=info.counting_mode,
        policy_line=f"政策: {_yaml_str(info.policy)}" if info.policy else "# 政策: chaoyang-2024",
        legal_rep=_yaml_str(info.legal_rep), contact=_yaml_str(info.contact),
        contact_phone=_yaml_str(info.contact_phone), address=_yaml_str(info.address),
        kinds="\n".join(f"  - {kinds.label(k)}" for k in info.kinds),
        **{key: _yaml_str(sections.get(name, "")) for key, name in zip(RECOGNITION_KEYS, RECOGNITION_SECTIONS)},
        job_posts_file=_yaml_str(info.job_posts_file or spec(JOB_POSTS).default_file),
        roster_file=_yaml_str(info.roster_file or spec(ROSTER).default_file),
    )


def init_application(folder: str | Path, *, year: int | None = None, applicant: str = "",
                     uscc: str = "", market: str = "", force: bool = False,
                     today: dt.date | None = None) -> list[Path]:
    """Create the application folder; return the files written. Refuse to overwrite unless ``force``."""
    folder = Path(folder)
    if uscc:
        code = uscc_mod.compact(uscc)
        if uscc_mod.check(code):
            raise ConfigError.make("uscc-invalid")
        uscc = code
    today = today or dt.date.today()
    if year is None:
        year = today.year - 1
    if not 2000 <= year <= 2100:
        raise ConfigError.make("year-invalid", year=year)
    policy = policy_for(year)
    if not policy.covers(year) and not force:
        raise ConfigError.make("init-year-outside-policy", year=year, first=policy.first_year, last=policy.last_year)
    targets = {
        "app": folder / APPLICATION_FILE,
        JOB_POSTS: folder / spec(JOB_POSTS).default_file,
        ROSTER: folder / spec(ROSTER).default_file,
        "note": folder / "支付凭证" / EVIDENCE_NOTE,
    }
    existing = [p for p in targets.values() if p.exists()]
    if existing and not force:
        raise ConfigError.make("would-overwrite", files="、".join(p.name for p in existing))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "支付凭证").mkdir(exist_ok=True)
    info = ApplicationInfo(applicant=applicant, uscc=uscc, market=market, year=year, application_date=today,
                           kinds=[OPERATING, EMPLOYMENT])
    atomic_write_bytes(targets["app"], application_text(info).encode("utf-8"))
    for kind in (JOB_POSTS, ROSTER):
        write_blank(kind, targets[kind], applicant=applicant, uscc=uscc, year=year)
    shutil.copyfile(forms_dir() / "evidence-readme.txt", targets["note"])
    return list(targets.values())


def write_blank(kind: str, target: Path, *, applicant: str = "", uscc: str = "", year: int | None = None) -> Path:
    """Write the blank official workbook of ``kind`` to ``target`` atomically; return the path.

    The official headers are kept exactly; each header cell carries a comment with the column's
    rule and unit, and the data rows carry Excel input checks (dates, decimals, lengths, lists).
    """
    s = spec(kind)
    wb = Workbook()
    ws = wb.active
    ws.title = s.sheet
    _title_block(ws, s, applicant, uscc, year)
    header_row = 4
    _header_row(ws, s, header_row)
    first, last_row = header_row + 1, header_row + TEMPLATE_ROWS
    for i, col in enumerate(s.columns, start=1):
        _column_format(ws, col, i, first)
        for dv in _validations(col, year):
            dv.add(f"{get_column_letter(i)}{first}:{get_column_letter(i)}{last_row}")
            ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    _page_setup(ws)
    wb.properties.creator = "lingong-docs"
    wb.properties.title = s.title
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target


def _title_block(ws: Worksheet, s: TableSpec, applicant: str, uscc: str, year: int | None) -> None:
    """Rows 1-3: the attachment number, the title, and the applicant block (label, then value)."""
    labels = header_block()
    ncols = len(s.columns)
    ws["A1"] = f"{s.attachment}"
    ws["A1"].font = Font(name="黑体", size=12)
    ws["A2"] = f"{year}年度{s.title}" if year else s.title
    ws.merge_cells(f"A2:{get_column_letter(ncols)}2")
    ws["A2"].font = TITLE_FONT
    ws["A2"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[2].height = 30
    # Header block: label in one cell, value in the next so that nothing has to be parsed.
    half = max(2, ncols // 2)
    ws["A3"] = labels["applicant"] + "："
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=2)
    safe_text(ws.cell(3, 3), applicant)
    ws.merge_cells(start_row=3, start_column=3, end_row=3, end_column=half)
    ws.cell(3, half + 1, labels["uscc"] + "：")
    ws.merge_cells(start_row=3, start_column=half + 1, end_row=3, end_column=half + 2)
    safe_text(ws.cell(3, half + 3), uscc)
    ws.cell(3, half + 3).number_format = "@"
    if half + 3 < ncols:
        ws.merge_cells(start_row=3, start_column=half + 3, end_row=3, end_column=ncols)
    for c in (1, half + 1):
        ws.cell(3, c).font = HEAD_FONT
        ws.cell(3, c).alignment = Alignment(horizontal="right", vertical="center")
    for c in (3, half + 3):
        ws.cell(3, c).font = BODY_FONT


def _header_row(ws: Worksheet, s: TableSpec, header_row: int) -> None:
    """The official headers, exactly, each with a comment saying the rule and the unit."""
    for i, col in enumerate(s.columns, start=1):
        cell = ws.cell(header_row, i, col.header)
        cell.font = HEAD_FONT
        cell.fill = HEAD_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(i)].width = col.width + 2
        help_text = column_help(s, col)
        if help_text:
            cell.comment = Comment(help_text, "lingong-docs", width=300, height=110)
    ws.row_dimensions[header_row].height = 32


def column_help(s: TableSpec, col: Column) -> str:
    """Return the rule and unit of a column, as written in its schema (``meta.help``)."""
    return str(s.schema.get(col.header, {}).get("meta", {}).get("help", ""))


def _column_format(ws: Worksheet, col: Column, i: int, first: int) -> None:
    letter = get_column_letter(i)
    fmt = "@" if (col.text or col.type == "string") else (col.number_format or "General")
    # Column-level style: Excel and WPS apply it to every cell typed into the column, so the
    # ID column is text before anyone types an 18-digit number into it.
    dim = ws.column_dimensions[letter]
    dim.number_format = fmt
    dim.font = BODY_FONT
    for r in range(first, first + PREFORMATTED_ROWS):
        cell = ws.cell(r, i)
        cell.number_format = fmt
        cell.border = BORDER
        cell.font = BODY_FONT


def _check(kind: str, title: str, prompt: str, error: str, **rule: str) -> DataValidation:
    """Return an input check that warns (never blocks): a wrong value is still explained by validate."""
    return DataValidation(type=kind, allow_blank=True, showErrorMessage=True, errorStyle="warning",
                          errorTitle=title[:32], error=error[:255], showInputMessage=True,
                          promptTitle=title[:32], prompt=prompt[:255], **rule)


def _validations(col: Column, year: int | None) -> list[DataValidation]:
    """Return the Excel input checks of a column (dates, decimals, lengths, the payment list)."""
    if col.choices:
        options = policy_for(year).roster.choices(col.choices)
        return [DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                               showErrorMessage=False, showInputMessage=True,
                               promptTitle=col.header, prompt="请从下拉列表中选择")]
    if col.pii == "id":
        return [_check("textLength", "身份证号", "18位，本列为文本格式，请勿改为数字", "身份证号应为18位",
                       operator="equal", formula1="18")]
    if col.pii == "phone":
        return [_check("textLength", "联系方式", "11位手机号，或带区号的固定电话", "联系方式位数不对",
                       operator="between", formula1="7", formula2="20")]
    if col.type == "datetime":
        example = "2025-03-05 08:00" if "hh" in (col.number_format or "") else "2025-03-05"
        return [_check("date", col.header, f"请填写日期{'和时刻' if 'hh' in example else ''}，如 {example}",
                       f"不是日期，应如 {example}", operator="between", formula1=str(DATE_MIN), formula2=str(DATE_MAX))]
    if col.key == "hours":
        return [_check("decimal", "工作时长（小时）", "单位小时，可有小数，如 7.5", "工作时长应为大于0的小时数",
                       operator="between", formula1="0.01", formula2="24")]
    if col.key == "pay":
        return [_check("decimal", "实际结算报酬（元）", "单位元，最多两位小数，如 320.50", "报酬应为大于0的金额",
                       operator="greaterThan", formula1="0")]
    if col.type == "integer" and col.key != "seq":
        return [_check("whole", col.header, "正整数", "应为正整数", operator="greaterThan", formula1="0")]
    return []


def _page_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
