#!/usr/bin/env python3
"""Benchmark the render stage: 附件5 with 25,000 rows → PDF, and the five forms → PDF.

    .venv/bin/python bench/bench_render.py              # 25,000 rows
    .venv/bin/python bench/bench_render.py --rows 5000

The roster comes from ``samples/generate.py --only roster`` (synthetic people, read back with
the project's reader); without that script it is built here from synthetic records. Targets:
附件5 with 25,000 rows ≤ 30 s, the five forms ≤ 10 s (one LibreOffice run each). Prints wall
time and CPU time of each step (LibreOffice included), pages, and exit 1 when a target is missed.
The machine may be shared: CPU seconds are the steadier figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader

from lingong_docs.core.model import (
    ApplicationInfo,
    Record,
    Table,
)
from lingong_docs.render import FORM_NAMES, form_context, render_forms, render_table_xlsx
from lingong_docs.render.soffice import convert_to_pdf

TARGET_TABLE, TARGET_FORMS = 30.0, 10.0


def cpu() -> float:
    """CPU seconds of this process and its finished children (LibreOffice included)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def roster(rows: int, work: Path) -> tuple[Table, str]:
    """Return a roster table with ``rows`` records and where it came from."""
    generator = ROOT / "samples" / "generate.py"
    if generator.is_file():
        path = work / f"roster-{rows}.xlsx"
        subprocess.run([sys.executable, str(generator), "--only", "roster", "--rows", str(rows),
                        "--roster-out", str(path)], check=True, capture_output=True)
        from lingong_docs.reader.folder import read_table

        return read_table(path, "roster"), f"samples/generate.py --only roster --rows {rows}"
    start = dt.datetime(2025, 1, 1, 8)
    records = []
    for i in range(rows):
        s = start + dt.timedelta(hours=7 * i % 8700)
        records.append(Record(row=5 + i, values={
            "seq": i + 1, "name": "张三", "id_number": "11010519491231002X", "phone": "13800138000",
            "place": "朝阳区望京街道某物流仓库 分拣员", "start": s, "end": s + dt.timedelta(hours=8),
            "hours": Decimal(8), "pay": Decimal("240.00"), "method": "银行转账", "remark": None}))
    return Table(kind="roster", path=work / "roster.xlsx", sheet="附件5", header_row=4, columns={},
                 records=records), "synthetic records built in bench_render.py"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="render stage benchmark")
    ap.add_argument("--rows", type=int, default=25_000)
    args = ap.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        work = Path(tmp)
        table, source = roster(args.rows, work)
        print(f"roster: {len(table.records):,} rows ({source})")

        t0, c0 = time.perf_counter(), cpu()
        xlsx = render_table_xlsx(table, work / "附件5.xlsx", applicant="北京示例人力资源有限公司",
                                 uscc="91110105MA01ABCD39", year=2025, page_numbers=False)
        t1, c1 = time.perf_counter(), cpu()
        (pdf,) = convert_to_pdf([xlsx], work / "pdf")
        t2, c2 = time.perf_counter(), cpu()
        pages = len(PdfReader(pdf).pages)
        total = t2 - t0
        print(f"附件5 xlsx        {t1 - t0:6.1f} s wall {c1 - c0:6.1f} s cpu")
        print(f"附件5 xlsx → PDF  {t2 - t1:6.1f} s wall {c2 - c1:6.1f} s cpu   {pages:,} pages, "
              f"{os.path.getsize(pdf) / 1e6:.1f} MB")
        verdict = "ok" if total <= TARGET_TABLE else "MISSED"
        print(f"附件5 total       {total:6.1f} s wall (target ≤ {TARGET_TABLE:.0f} s) {verdict}")
        failed |= total > TARGET_TABLE

        info = ApplicationInfo(applicant="北京示例人力资源有限公司", uscc="91110105MA01ABCD39",
                               market="朝阳区示例零工驿站", year=2025, application_date=dt.date(2026, 3, 5),
                               contact="李四", contact_phone="010-85551234",
                               recognition={"选址建设情况": "驿站位于朝阳区。", "场地设施人员制度服务": "场地。",
                                            "线上平台搭建情况": "平台。", "机构基本情况及成功案例": "案例。"})
        ctx = form_context(info, kind="operating", materials=[
            {"no": i, "title": f"材料{i}", "pages": str(i), "note": ""} for i in range(1, 21)],
            figures={"demand_total": 5230, "match_count": args.rows, "operating_subsidy": Decimal(200000),
                     "employment_subsidy": Decimal(500000)})
        t0, c0 = time.perf_counter(), cpu()
        pdfs = render_forms(list(FORM_NAMES), ctx, work / "forms")
        t1, c1 = time.perf_counter(), cpu()
        pages = sum(len(PdfReader(p).pages) for p in pdfs.values())
        verdict = "ok" if t1 - t0 <= TARGET_FORMS else "MISSED"
        print(f"five forms → PDF  {t1 - t0:6.1f} s wall {c1 - c0:6.1f} s cpu   {pages} pages "
              f"(target ≤ {TARGET_FORMS:.0f} s) {verdict}")
        failed |= t1 - t0 > TARGET_FORMS
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
