"""Benchmark: `lingong-docs validate` on 30,000 and 100,000-row rosters vs frictionless-py.

Prints wall time and peak memory of the whole command (a fresh process, as a user runs it) and
the ratio to frictionless validating the same file with a schema of only types, required fields,
patterns and enums. Targets: 30k ≤ 2.5 s and ≤ 250 MB, ≥ 4× faster than frictionless;
100k ≤ 8 s and ≤ 400 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
PY = sys.executable

FRICTIONLESS = r'''
import sys, time
from frictionless import Resource, Schema, fields, Dialect, formats, Checklist
import frictionless
path = sys.argv[1]
schema = Schema(fields=[
    fields.IntegerField(name="序号"),
    fields.StringField(name="姓名", constraints={"required": True}),
    fields.StringField(name="身份证号", constraints={"required": True, "pattern": "[0-9]{17}[0-9X]"}),
    fields.StringField(name="联系方式", constraints={"required": True, "pattern": "1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}"}),
    fields.StringField(name="工作地点岗位", constraints={"required": True}),
    fields.DatetimeField(name="任务开始时间", constraints={"required": True}),
    fields.DatetimeField(name="任务完成时间", constraints={"required": True}),
    fields.NumberField(name="工作时长", constraints={"required": True, "minimum": 0}),
    fields.NumberField(name="实际结算报酬", constraints={"required": True, "minimum": 0}),
    fields.StringField(name="支付方式", constraints={"required": True, "enum": ["银行转账", "微信", "支付宝", "其他"]}),
    fields.StringField(name="备注"),
])
t = time.perf_counter()
res = Resource(path=path, schema=schema, dialect=Dialect(header_rows=[4]),
               control=formats.ExcelControl(sheet=1, preserve_formatting=False))
report = frictionless.validate(res, limit_errors=100000)
assert report.stats["tasks"] == 1 and report.tasks[0].stats["rows"] > 0, report.flatten(["type", "note"])[:3]
print("RESULT", time.perf_counter() - t, report.valid, report.stats["errors"])  # errors: empty 备注 cells count as missing-cell
'''


def roster(rows: int) -> Path:
    path = DATA / f"roster-{rows}.xlsx"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run([PY, str(ROOT / "samples" / "generate.py"), "--only", "roster", "--rows", str(rows),
                        "--roster-out", str(path)], check=True, stdout=subprocess.DEVNULL)
    return path


def run_validate(path: Path) -> tuple[float, float, dict]:
    code = ("import resource,sys,time; t=time.perf_counter();"
            "from lingong_docs.cli import main;"
            "sys.argv=['lingong-docs','validate',sys.argv[1],'--format','json','--year','2025'];"
            "import atexit;"
            "atexit.register(lambda: sys.stderr.write('\\nPEAK %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss));"
            "main()")
    started = time.perf_counter()
    proc = subprocess.run([PY, "-c", code, str(path)], capture_output=True, text=True)
    wall = time.perf_counter() - started
    peak = int(proc.stderr.rsplit("PEAK", 1)[1].split()[0]) / 1024
    data = json.loads(proc.stdout)
    return wall, peak, data


def main() -> None:
    print("validate benchmark (wall time of a fresh `lingong-docs validate --format json` process)")
    results = {}
    for rows in (30_000, 100_000):
        path = roster(rows)
        best = min((run_validate(path) for _ in range(3)), key=lambda r: r[0])
        wall, peak, data = best
        results[rows] = wall
        target = "≤ 2.5 s, ≤ 250 MB" if rows == 30_000 else "≤ 8 s, ≤ 400 MB"
        print(f"  {rows:>7,} rows: {wall:5.2f} s wall, peak {peak:5.0f} MB  (target {target}); "
              f"errors={data['errors']} warnings={data['warnings']} in-process={data['stats']['seconds']} s")
    path = roster(30_000)
    # frictionless refuses absolute paths outside its "trusted" mode: run it next to the file.
    proc = subprocess.run([PY, "-c", FRICTIONLESS, path.name], capture_output=True, text=True, cwd=path.parent)
    if proc.returncode != 0:
        print("  frictionless failed:", proc.stderr[-500:])
        return
    result = [line.split() for line in proc.stdout.splitlines() if line.startswith("RESULT")][-1]
    fl = float(result[1])
    print(f"  frictionless-py, same 30,000-row file (types/required/patterns/enums): {fl:5.2f} s "
          f"→ lingong-docs is {fl / results[30_000]:.1f}× faster (target ≥ 4×)")


if __name__ == "__main__":
    main()
