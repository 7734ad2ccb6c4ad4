"""``init``: a new application folder with the application file, blank workbooks and evidence folder."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from lingong_docs.core.errors import ConfigError
from lingong_docs.core.model import APPLICATION_FILE
from lingong_docs.core.tables import JOB_POSTS, ROSTER, spec
from lingong_docs.identifiers import uscc as uscc_mod
from lingong_docs.util.atomic import atomic_write_bytes
from lingong_docs.util.resources import forms_dir
from lingong_docs.util.workbook import write_blank

EVIDENCE_NOTE = "说明.txt"


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False) if value else '""'


def init_application(folder: str | Path, *, year: int | None = None, applicant: str = "",
                     uscc: str = "", market: str = "", force: bool = False,
                     today: dt.date | None = None) -> list[Path]:
    """Create the application folder; return the files written. Refuse to overwrite unless ``force``."""
    folder = Path(folder)
    if uscc:
        code = uscc_mod.compact(uscc)
        if uscc_mod.check(code):
            raise ConfigError("uscc-invalid", "统一社会信用代码无效（位数、字符或校验位不对）。",
                              hint="请对照营业执照上的18位代码重新输入。")
        uscc = code
    today = today or dt.date.today()
    if year is None:
        year = today.year - 1
    if not 2000 <= year <= 2100:
        raise ConfigError("year-invalid", f"申请年度 {year} 无效。")
    targets = {
        "app": folder / APPLICATION_FILE,
        JOB_POSTS: folder / spec(JOB_POSTS).default_file,
        ROSTER: folder / spec(ROSTER).default_file,
        "note": folder / "支付凭证" / EVIDENCE_NOTE,
    }
    existing = [p for p in targets.values() if p.exists()]
    if existing and not force:
        raise ConfigError("would-overwrite", "以下文件已存在，未做任何改动：" + "、".join(p.name for p in existing),
                          hint="如确需重新生成（会覆盖已填写的内容），请加 --force。")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "支付凭证").mkdir(exist_ok=True)
    template = (forms_dir() / "application.template.yaml").read_text(encoding="utf-8")
    suggested = dt.date(year + 1, 3, 1) if today < dt.date(year + 1, 1, 1) else today
    text = template.format(
        applicant=_yaml_str(applicant), uscc=_yaml_str(uscc), market=_yaml_str(market),
        year=year, date=suggested.isoformat(),
        job_posts_file=_yaml_str(spec(JOB_POSTS).default_file),
        roster_file=_yaml_str(spec(ROSTER).default_file),
    )
    atomic_write_bytes(targets["app"], text.encode("utf-8"))
    for kind in (JOB_POSTS, ROSTER):
        write_blank(kind, targets[kind], applicant=applicant, uscc=uscc, year=year)
    shutil.copyfile(forms_dir() / "evidence-readme.txt", targets["note"])
    return list(targets.values())
