"""Render stage: the LibreOffice wrapper — failures detected, private profiles, parallel runs."""

from __future__ import annotations

import datetime as dt
import stat
import subprocess
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from lingong_docs.core.errors import RenderError
from lingong_docs.core.model import ApplicationInfo, Record, Table
from lingong_docs.render import convert_to_pdf, form_context, render_forms, render_table_pdf
from lingong_docs.render.soffice import find_soffice, fonts_conf


def test_corrupt_document_is_reported_even_though_libreoffice_exits_0(tmp_path):
    good = tmp_path / "好的文件.docx"
    from docx import Document

    Document().save(good)
    bad = tmp_path / "损坏的文件.docx"
    bad.write_bytes(b"PK\x03\x04 this is not a word document" * 20)
    with pytest.raises(RenderError) as err:
        convert_to_pdf([good, bad], tmp_path / "out")
    assert err.value.code == "conversion-failed"
    assert "损坏的文件.docx" in err.value.message and "好的文件" not in err.value.message


def test_missing_input(tmp_path):
    with pytest.raises(RenderError) as err:
        convert_to_pdf([tmp_path / "无此文件.docx"], tmp_path)
    assert err.value.code == "input-missing" and "无此文件.docx" in err.value.message


def test_missing_libreoffice_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("LINGONG_SOFFICE", str(tmp_path / "no-soffice-here"))
    assert find_soffice() is None
    doc = tmp_path / "a.docx"
    doc.write_bytes(b"x")
    with pytest.raises(RenderError) as err:
        convert_to_pdf([doc], tmp_path)
    assert err.value.code == "libreoffice-missing"
    assert "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui" in err.value.hint
    assert "make setup" in err.value.hint


def test_fonts_conf_is_shipped():
    text = fonts_conf().read_text(encoding="utf-8")
    assert "<include" in text and "/etc/fonts/fonts.conf" in text
    for name in ("方正小标宋简体", "仿宋_GB2312", "楷体_GB2312", "黑体", "宋体"):
        assert f">{name}<" in text


def test_two_conversions_at_the_same_time(tmp_path):
    """A form batch (Writer) and a table (Calc) at once: separate profiles, both succeed."""
    info = ApplicationInfo(applicant="北京示例人力资源有限公司", uscc="91110105MA01ABCD39",
                           market="朝阳区示例零工驿站", year=2025, application_date=dt.date(2026, 3, 5))
    ctx = form_context(info, kind="employment", figures={
        "demand_total": 6000, "match_count": 5000, "operating_subsidy": Decimal(200000),
        "employment_subsidy": Decimal(100000)})
    start = dt.datetime(2025, 5, 1, 9)
    records = [Record(row=5 + i, values={"seq": i + 1, "name": "张三", "id_number": "11010519491231002X",
                                         "phone": "13800138000", "place": "望京", "start": start,
                                         "end": start + dt.timedelta(hours=4), "hours": Decimal(4),
                                         "pay": Decimal(120), "method": "微信", "remark": None})
               for i in range(30)]
    roster = Table(kind="roster", path=Path("r.xlsx"), sheet="附件5", header_row=4, columns={}, records=records)
    results, errors = {}, []

    def forms():
        try:
            results["forms"] = render_forms(["cover", "report_employment"], ctx, tmp_path / "forms")
        except Exception as e:  # reported below
            errors.append(e)

    def table():
        try:
            results["table"] = render_table_pdf(roster, tmp_path / "table" / "附件5.pdf",
                                                applicant=info.applicant, uscc=info.uscc, year=2025)
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=forms), threading.Thread(target=table)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert set(results["forms"]) == {"cover", "report_employment"}
    for pdf in [*results["forms"].values(), results["table"]]:
        assert pdf.read_bytes().startswith(b"%PDF-") and len(PdfReader(pdf).pages) >= 1
        assert stat.S_IMODE(pdf.stat().st_mode) & 0o077 == 0
    report = "".join(p.extract_text() for p in PdfReader(results["forms"]["report_employment"]).pages)
    assert "壹拾万元整" in report
    # the table's intermediate workbook (full IDs) is not left beside the PDF
    assert sorted(p.name for p in (tmp_path / "table").iterdir()) == ["附件5.pdf"]
    # the filled .docx files stay beside the form PDFs for inspection
    assert (tmp_path / "forms" / "cover.docx").is_file()


def test_timeout_kills_libreoffice_and_says_so(tmp_path):
    from docx import Document

    doc = tmp_path / "慢.docx"
    Document().save(doc)
    with pytest.raises(RenderError) as err:
        convert_to_pdf([doc], tmp_path / "out", timeout=0.05)
    assert err.value.code == "conversion-timeout" and "慢.docx" in err.value.message
    assert not (tmp_path / "out" / "慢.pdf").exists()


def test_folders_left_by_killed_runs_are_swept(tmp_path, monkeypatch):
    """A folder names its owner process: it is removed once that process is gone, whatever its age."""
    import os
    import tempfile
    import time

    from lingong_docs.render.soffice import private_workdir
    from lingong_docs.util.workdir import sweep_stale

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = tmp_path / f"lingong-lo-{gone.pid}-x1"                # just made, by a process now gone
    (dead / "out").mkdir(parents=True)
    (dead / "out" / "doc000.pdf").write_bytes(b"%PDF- personal data")
    alive = tmp_path / f"lingong-lo-{os.getppid()}-x2"          # old, but its owner runs
    alive.mkdir()
    legacy_young = tmp_path / "lingong-lo-starting"            # an older release's name: by age only
    legacy_young.mkdir()
    legacy_old = tmp_path / "lingong-lo-old"
    legacy_old.mkdir()
    other = tmp_path / f"someone-else-{gone.pid}-x"
    other.mkdir()
    old = time.time() - 7200
    for folder in (alive, legacy_old, other):
        os.utime(folder, (old, old))
    removed = sweep_stale(["lingong-lo-", "lingong-build-"])
    assert sorted(removed) == sorted([dead, legacy_old])
    assert alive.exists() and legacy_young.exists() and other.exists()
    with private_workdir() as work:
        assert work.parent == tmp_path and work.name.startswith(f"lingong-lo-{os.getpid()}-")
        assert stat.S_IMODE(work.stat().st_mode) == 0o700
        sweep_stale("lingong-lo-")                               # a folder of a running process survives
        assert work.exists()
    assert not work.exists()
