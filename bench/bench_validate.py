"""Benchmark: `lingong-docs validate` against the bare read of the same roster and against frictionless-py (issue 24).

For 30,000, 100,000 and 1,000,000-row rosters (samples/generate.py, cached in bench/data/), in the same
run, fresh processes taken in turn (read, validate, frictionless, read, …) and the median of 3 of each:

- read: a process that opens the workbook with python-calamine and reads every row of the sheet
  (``CalamineWorkbook.from_path(p).get_sheet_by_index(0).to_python()``) — what reading costs;
- validate: ``lingong-docs validate ROSTER --format json --year 2025`` (the installed command), its wall
  time and peak memory (ru_maxrss of that process);
- frictionless: frictionless-py validating the same file with a schema of only types, required fields,
  patterns and enums (a whole process too). Above 30,000 rows it runs once; it is skipped where its time,
  scaled from the largest size measured, would pass 10 minutes, and given up after 10 min in any case.

Then start-up: ``lingong-docs validate`` on a one-row roster (median of 7) and the 10 heaviest imports of
``python -X importtime -c "from lingong_docs.cli import main"``.

Targets (issue 24): 30k validate ≤ 2× read, ≥ 4× faster than frictionless, ≤ 250 MB; 100k ≤ 2.5× read;
1M within 2 GB; one row ≤ 0.5 s.

    python bench/bench_validate.py                    # everything
    python bench/bench_validate.py --rows 30000       # while developing: one size, no frictionless
    python bench/bench_validate.py --rows 30000,100000 --frictionless
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
PY = sys.executable
CLI = str(Path(PY).parent / "lingong-docs")
SIZES = (30_000, 100_000, 1_000_000)
RUNS = 3
FRICTIONLESS_LIMIT = 600.0      # seconds: frictionless at 1M rows is skipped past this
LAST_CPU = [0.0]                # CPU seconds of the last timed() process
TARGETS = {30_000: (2.0, 4.0, 250), 100_000: (2.5, None, None), 1_000_000: (None, None, 2048)}

READ = ("import sys\nfrom python_calamine import CalamineWorkbook\n"
        "rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()\n"
        "assert len(rows) > 4\n")

FRICTIONLESS = r'''
import sys, time
from frictionless import Resource, Schema, fields, Dialect, formats
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
res = Resource(path=path, schema=schema, dialect=Dialect(header_rows=[4]),
               control=formats.ExcelControl(sheet=1, preserve_formatting=False))
report = frictionless.validate(res, limit_errors=100000)
assert report.stats["tasks"] == 1 and report.tasks[0].stats["rows"] > 0, report.flatten(["type", "note"])[:3]
print("RESULT", report.valid, report.stats["errors"])  # errors: empty 备注 cells count as missing-cell
'''


def roster(rows: int) -> Path:
    path = DATA / f"roster-{rows}.xlsx"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"  (generating {path.relative_to(ROOT)} with samples/generate.py …)", flush=True)
        subprocess.run([PY, str(ROOT / "samples" / "generate.py"), "--only", "roster", "--rows", str(rows),
                        "--roster-out", str(path)], check=True, stdout=subprocess.DEVNULL)
    return path


def timed(cmd: list[str], *, cwd: Path | None = None, timeout: float | None = None) -> tuple[float, float, int, str]:
    """Run ``cmd`` as a fresh process: (wall s, peak MB of that process, exit code, stdout); wall = inf on timeout.

    The process's CPU seconds (user + system) go to ``LAST_CPU[0]`` (the shared machine's load moves
    wall times; CPU time much less)."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, cwd=cwd)
        deadline = None if timeout is None else started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if deadline else 0)
            if pid:
                break
            if time.perf_counter() > deadline:   # type: ignore[operator]
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                return float("inf"), 0.0, -9, ""
            time.sleep(0.05)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        LAST_CPU[0] = usage.ru_utime + usage.ru_stime
        out.seek(0)
        return wall, usage.ru_maxrss / 1024, proc.returncode, out.read().decode("utf-8", "replace")


def read_cmd(path: Path) -> list[str]:
    return [PY, "-c", READ, str(path)]


def validate_cmd(path: Path) -> list[str]:
    return [CLI, "validate", str(path), "--format", "json", "--year", "2025"]


def measure(rows: int, with_frictionless: bool | str) -> dict:
    """Read, validate and frictionless in turn, RUNS times (frictionless once at 1M); medians."""
    path = roster(rows)
    reads, walls, peaks, fls, cpu_read, cpu_val = [], [], [], [], [], []
    fl_runs = 1 if rows >= 100_000 else RUNS
    data = None
    for i in range(RUNS):
        reads.append(timed(read_cmd(path))[0])
        cpu_read.append(LAST_CPU[0])
        wall, peak, code, out = timed(validate_cmd(path))
        cpu_val.append(LAST_CPU[0])
        if code not in (0, 1):      # refused (the reader's limits, docs/security.md) or failed: say which
            error = json.loads(out).get("error", {}) if out.startswith("{") else {}
            return {"rows": rows, "refused": f"exit {code} {error.get('code', '')}: {error.get('message', '')}"}
        walls.append(wall)
        peaks.append(peak)
        data = json.loads(out)
        if with_frictionless is True and i < fl_runs:
            # frictionless refuses absolute paths outside its "trusted" mode: run it next to the file.
            limit = FRICTIONLESS_LIMIT if rows >= 1_000_000 else None
            fl_wall, _, fl_code, fl_out = timed([PY, "-c", FRICTIONLESS, path.name], cwd=path.parent, timeout=limit)
            fls.append(fl_wall if fl_code == 0 and "RESULT" in fl_out else float("nan"))
    assert data is not None
    return {"rows": rows, "read": statistics.median(reads), "validate": statistics.median(walls),
            "peak": max(peaks), "frictionless": statistics.median(fls) if fls else None,
            "findings": len(data["issues"]), "cpu_read": statistics.median(cpu_read),
            "cpu_validate": statistics.median(cpu_val),
            "frictionless_skipped": with_frictionless if isinstance(with_frictionless, str) else None}


def frictionless_plan(rows: int, done: list[dict]) -> bool | str:
    """True to run frictionless at ``rows``; a reason (str) to skip it when its time, scaled linearly from the
    largest size measured, would pass 10 minutes."""
    measured = [r for r in done if r.get("frictionless") and r["frictionless"] == r["frictionless"]]
    if not measured:
        return True
    last = max(measured, key=lambda r: r["rows"])
    expected = last["frictionless"] * rows / last["rows"]
    if expected <= FRICTIONLESS_LIMIT:
        return True
    return (f"{last['frictionless']:.0f} s at {last['rows']:,} rows scales to about {expected / 60:.0f} min "
            f"(> {FRICTIONLESS_LIMIT / 60:.0f} min)")


def print_table(results: list[dict]) -> None:
    print(f"{'rows':>10} | {'read s':>7} | {'validate s':>10} | {'÷ read':>6} (target) | "
          f"{'frictionless s':>14} | {'÷ validate':>10} (target) | {'peak MB':>7} (target)")
    for r in results:
        if "refused" in r:
            print(f"{r['rows']:>10,} | validate did not run to the end — {r['refused']}")
            continue
        ratio_t, fl_t, peak_t = TARGETS.get(r["rows"], (None, None, None))
        ratio = r["validate"] / r["read"]
        fl = r["frictionless"]
        if r.get("frictionless_skipped"):
            fl_text, fl_ratio = "skipped", "—"
        elif fl is None:
            fl_text, fl_ratio = "not run", "—"
        elif fl != fl or fl == float("inf"):
            fl_text, fl_ratio = "> 10 min, skipped" if fl == float("inf") else "failed", "—"
        else:
            fl_text, fl_ratio = f"{fl:.2f}", f"{fl / r['validate']:.1f}×"
        ratio_target = f"≤ {ratio_t:.1f}×" if ratio_t else "—"
        fl_target = f"≥ {fl_t:.0f}×" if fl_t else "—"
        peak_target = f"≤ {peak_t}" if peak_t else "—"
        print(f"{r['rows']:>10,} | {r['read']:>7.2f} | {r['validate']:>10.2f} | {ratio:>5.1f}× ({ratio_target:>6}) | "
              f"{fl_text:>14} | {fl_ratio:>10} ({fl_target:>4}) | {r['peak']:>7.0f} ({peak_target:>6})")
    for r in (r for r in results if "refused" not in r):
        print(f"  CPU seconds (user + system), {r['rows']:,} rows: read {r['cpu_read']:.2f}, validate "
              f"{r['cpu_validate']:.2f} → {r['cpu_validate'] / r['cpu_read']:.1f}× the read")
        if r.get("frictionless_skipped"):
            print(f"  frictionless at {r['rows']:,} rows skipped: {r['frictionless_skipped']}")
    print("  (medians of 3 fresh processes each, taken in turn; frictionless 3 times at 30,000 rows, once above; "
          "peak = ru_maxrss of the validate process; findings: "
          + ", ".join(f"{r['rows']:,}: {r['findings']}" for r in results if "findings" in r) + ")")


def startup() -> None:
    path = roster(1)
    walls = []
    for _ in range(7):
        wall, _, code, _ = timed(validate_cmd(path))
        assert code in (0, 1), code
        walls.append(wall)
    print(f"start-up: `lingong-docs validate` on a one-row roster: median {statistics.median(walls):.2f} s "
          f"(min {min(walls):.2f}, max {max(walls):.2f}; target ≤ 0.5 s)")
    proc = subprocess.run([PY, "-X", "importtime", "-c", "from lingong_docs.cli import main"],
                          capture_output=True, text=True, check=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and parts[1].strip().isdigit():
            rows.append((int(parts[0].split(":")[1]), int(parts[1]), parts[2].strip()))
    print("  10 heaviest imports of `python -X importtime -c \"from lingong_docs.cli import main\"` "
          "(self µs, cumulative µs, module):")
    for self_us, cum, name in sorted(rows, reverse=True)[:10]:
        print(f"    {self_us:>8} {cum:>8}  {name}")
    total = max((cum for _, cum, name in rows if name == "lingong_docs.cli"), default=0)
    print(f"  `import lingong_docs.cli` in all: {total / 1e6:.2f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", help="comma-separated sizes (default 30000,100000,1000000, with frictionless)")
    ap.add_argument("--frictionless", action="store_true", help="with --rows: run frictionless too")
    ap.add_argument("--no-startup", action="store_true")
    ns = ap.parse_args(argv)
    sizes = tuple(int(x) for x in ns.rows.split(",")) if ns.rows else SIZES
    with_fl = ns.frictionless or not ns.rows
    # An installed tool runs from compiled bytecode; where PYTHONDONTWRITEBYTECODE is set (CI images,
    # containers) a source checkout would recompile ~60 modules in every process (~0.1 s) instead.
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "lingong_docs")], check=True, stdout=subprocess.DEVNULL)
    print("validate benchmark: fresh processes, same run, median of 3 "
          f"({os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start)")
    results: list[dict] = []
    for rows in sizes:
        results.append(measure(rows, frictionless_plan(rows, results) if with_fl else False))
        print(f"  {rows:,} rows done", flush=True)
    print_table(results)
    if not ns.no_startup:
        startup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
