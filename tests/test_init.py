"""``init``: the application file and the official blank workbooks."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
import yaml
from helpers.apps import APPLICANT, USCC, table_path
from openpyxl import load_workbook

from lingong_docs.core.tables import JOB_POSTS, ROSTER, spec
from lingong_docs.reader.folder import read_application

CLI = [sys.executable, "-m", "lingong_docs"]


def run(*args):
    return subprocess.run(CLI + list(args), capture_output=True, text=True)


def test_init_writes_prefilled_files(tmp_path):
    folder = tmp_path / "app"
    proc = run("init", str(folder), "--year", "2025", "--name", APPLICANT, "--uscc", USCC)
    assert proc.returncode == 0, proc.stderr
    data = yaml.safe_load((folder / "application.yaml").read_text(encoding="utf-8"))
    assert data["申请单位全称"] == APPLICANT and data["统一社会信用代码"] == USCC and data["申请年度"] == 2025
    assert data["计次方式"] == "按次"
    text = (folder / "application.yaml").read_text(encoding="utf-8")
    keys = {line.split(":", 1)[0].strip() for line in text.splitlines() if ":" in line and not line.lstrip().startswith("#")}
    assert {"申请单位全称", "统一社会信用代码", "零工市场名称", "计次方式", "法定代表人", "申请日期",
            "认定申请", "申请事项", "支付凭证"} <= keys
    assert (folder / "支付凭证" / "说明.txt").read_text(encoding="utf-8").count("0001-0250") == 1
    app = read_application(folder)
    assert app.roster.applicant == APPLICANT and app.job_posts.uscc == USCC
    assert app.roster.records == [] and app.job_posts.records == []


@pytest.mark.parametrize("kind", [JOB_POSTS, ROSTER])
def test_blank_workbook_is_made_for_excel_users(tmp_path, kind):
    folder = tmp_path / "app"
    assert run("init", str(folder), "--year", "2025").returncode == 0
    wb = load_workbook(table_path(folder, kind))
    ws = wb.active
    headers = [ws.cell(4, i + 1).value for i in range(len(spec(kind).columns))]
    assert headers == [c.header for c in spec(kind).columns]
    assert "2025年度" in ws["A2"].value and spec(kind).title in ws["A2"].value
    assert ws["A3"].value.startswith("申请单位全称（盖章）")
    assert ws.freeze_panes == "A5"
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$4:$4"
    if kind == ROSTER:
        assert ws["C5"].number_format == "@" and ws["D5"].number_format == "@"   # ID and phone as text
        assert ws["F5"].number_format.startswith("yyyy-mm-dd")
        lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
        assert lists and "银行转账" in lists[0].formula1 and "J5" in str(lists[0].sqref)


def test_invalid_credit_code_refused_exit_2(tmp_path):
    proc = run("init", str(tmp_path / "app"), "--uscc", "91110105MA01ABCD3X")
    assert proc.returncode == 2
    assert "统一社会信用代码" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "app" / "application.yaml").exists()


def test_refuses_to_overwrite_unless_forced(tmp_path):
    folder = tmp_path / "app"
    assert run("init", str(folder)).returncode == 0
    (folder / "application.yaml").write_text("申请单位全称: 已填写\n", encoding="utf-8")
    proc = run("init", str(folder))
    assert proc.returncode == 2 and "--force" in proc.stderr
    assert "已填写" in (folder / "application.yaml").read_text(encoding="utf-8")
    assert run("init", str(folder), "--force").returncode == 0
    assert "已填写" not in (folder / "application.yaml").read_text(encoding="utf-8")


def test_wheel_installs_and_init_runs_outside_the_repository(tmp_path, repo_root):
    wheel_dir = tmp_path / "wheel"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "-w", str(wheel_dir), str(repo_root)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    [wheel] = wheel_dir.glob("lingong_docs-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    # Dependencies come from the test environment's site-packages (a plain path entry: its .pth
    # files, among them the editable install of this checkout, are not processed).
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
                              "--target", str(site), str(wheel)], capture_output=True, text=True, cwd=tmp_path)
    assert install.returncode == 0, install.stderr[-2000:]
    # pip --target writes no scripts: write the console script the wheel declares.
    [entry] = [line for dist in site.glob("lingong_docs-*.dist-info")
               for line in (dist / "entry_points.txt").read_text().splitlines() if "lingong-docs" in line]
    module, func = entry.split("=", 1)[1].strip().split(":")
    (env_dir / "bin" / "lingong-docs").write_text(
        f"#!{py}\nimport sys\nfrom {module} import {func}\nsys.exit({func}())\n")
    (env_dir / "bin" / "lingong-docs").chmod(0o755)
    # The wheel carries forms/ and schemas/ as package data: prove it runs from the installed copy.
    probe = subprocess.run([str(py), "-c", "import lingong_docs, lingong_docs.util.resources as r;"
                            "print(lingong_docs.__file__); print(r.forms_dir()); print(r.schemas_dir())"],
                           capture_output=True, text=True, cwd=tmp_path)
    lines = probe.stdout.split()
    assert probe.returncode == 0 and all(str(env_dir) in line for line in lines), probe.stdout + probe.stderr
    out = tmp_path / "made"
    proc = subprocess.run([str(env_dir / "bin" / "lingong-docs"), "init", str(out), "--year", "2025",
                           "--name", APPLICANT, "--uscc", USCC], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (out / spec(ROSTER).default_file).is_file()


def test_every_subpackage_is_declared_in_setup_cfg(repo_root):
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(repo_root / "setup.cfg", encoding="utf-8")
    declared = {p.strip() for p in cfg["options"]["packages"].split() if p.strip()}
    found = {".".join(p.parent.relative_to(repo_root).parts)
             for p in (repo_root / "lingong_docs").rglob("__init__.py")}
    assert found <= declared, f"missing from setup.cfg packages: {sorted(found - declared)}"


def test_init_writes_today_and_warns_after_the_deadline(tmp_path):
    import datetime as dt

    from lingong_docs.blanks import init_application, year_notes

    init_application(tmp_path / "app", year=2025, today=dt.date(2026, 5, 6))
    data = yaml.safe_load((tmp_path / "app" / "application.yaml").read_text(encoding="utf-8"))
    assert str(data["申请日期"]) == "2026-05-06"
    assert [f.code for f in year_notes(2025, dt.date(2026, 5, 6))] == ["deadline-passed"]
    assert year_notes(2025, dt.date(2026, 3, 1)) == []


def test_init_refuses_a_year_outside_the_policy_unless_forced(tmp_path):
    proc = run("init", str(tmp_path / "app"), "--year", "2019")
    assert proc.returncode == 2 and "2019" in proc.stderr and "--force" in proc.stderr
    assert not (tmp_path / "app").exists()
    proc = run("init", str(tmp_path / "app"), "--year", "2019", "--force")
    assert proc.returncode == 0 and "不在办法的服务年度" in proc.stderr


def test_blank_headers_carry_the_rule_and_unit_and_input_checks(tmp_path):
    folder = tmp_path / "app"
    assert run("init", str(folder), "--year", "2025").returncode == 0
    ws = load_workbook(table_path(folder, ROSTER)).active
    comments = {ws.cell(4, i + 1).value: ws.cell(4, i + 1).comment for i in range(len(spec(ROSTER).columns))}
    assert all(c is not None for c in comments.values())
    assert "小时" in comments["工作时长"].text and "元" in comments["实际结算报酬"].text
    assert "2025-03-05 08:00" in comments["任务开始时间"].text
    checks = {(str(dv.sqref).split(":")[0], dv.type) for dv in ws.data_validations.dataValidation}
    assert {("C5", "textLength"), ("D5", "textLength"), ("F5", "date"), ("G5", "date"), ("H5", "decimal"),
            ("I5", "decimal"), ("J5", "list")} <= checks
    posts = load_workbook(table_path(folder, JOB_POSTS)).active
    assert {(str(dv.sqref).split(":")[0], dv.type) for dv in posts.data_validations.dataValidation} >= {
        ("D5", "date"), ("E5", "whole")}
