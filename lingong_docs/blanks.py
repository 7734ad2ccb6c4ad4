"""``init``: a new application folder with the application file, blank workbooks and evidence folder."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from lingong_docs.core import findings as F
from lingong_docs.core.errors import ConfigError
from lingong_docs.core.model import APPLICATION_FILE
from lingong_docs.core.policy import policy_for
from lingong_docs.core.tables import JOB_POSTS, ROSTER, spec
from lingong_docs.identifiers import uscc as uscc_mod
from lingong_docs.util.atomic import atomic_write_bytes
from lingong_docs.util.resources import forms_dir
from lingong_docs.util.workbook import write_blank

EVIDENCE_NOTE = "说明.txt"


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
    template = (forms_dir() / "application.template.yaml").read_text(encoding="utf-8")
    text = template.format(
        applicant=_yaml_str(applicant), uscc=_yaml_str(uscc), market=_yaml_str(market),
        year=year, date=today.isoformat(),
        job_posts_file=_yaml_str(spec(JOB_POSTS).default_file),
        roster_file=_yaml_str(spec(ROSTER).default_file),
    )
    atomic_write_bytes(targets["app"], text.encode("utf-8"))
    for kind in (JOB_POSTS, ROSTER):
        write_blank(kind, targets[kind], applicant=applicant, uscc=uscc, year=year)
    shutil.copyfile(forms_dir() / "evidence-readme.txt", targets["note"])
    return list(targets.values())
