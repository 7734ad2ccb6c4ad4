#!/usr/bin/env python3
"""Benchmark ``lingong-docs build``: wall time, peak memory (LibreOffice included), size, pages.

    .venv/bin/python bench/bench_build.py                 # 25,000-row application, operating package
    .venv/bin/python bench/bench_build.py --rows 5200 --kind employment

A complete synthetic application with ``--rows`` roster rows (and matching payment evidence) is
generated into a temporary folder with ``samples/generate.py --only demo``; then the library door
(``build_packages``) builds the package in a child process while this script samples the resident memory of the whole
process tree (the child and every LibreOffice it starts) every 20 ms. Targets for 25,000 rows:
≤ 45 s wall, ≤ 1 GB peak. Prints one line per stage and a summary; exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET_SECONDS, TARGET_BYTES = 45.0, 1_000_000_000


# The child: the library door with a progress callback that prints when each stage first reports.
CHILD = """
import sys, time
t0 = time.perf_counter()
from lingong_docs.package.build import build_packages
seen = {}
def progress(stage, done, total):
    if stage not in seen:
        seen[stage] = time.perf_counter() - t0
        print(f"stage {stage:<11} starts at {seen[stage]:6.1f} s", flush=True)
(result,) = build_packages(sys.argv[1], kinds=[sys.argv[2]], out=sys.argv[3], progress=progress)
print(f"done                        at {time.perf_counter() - t0:6.1f} s", flush=True)
"""


def tree_rss(proc: psutil.Process) -> int:
    """Return the resident memory of ``proc`` and all its descendants (bytes)."""
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(cmd: list[str], env: dict) -> tuple[float, int, subprocess.CompletedProcess]:
    started = time.perf_counter()
    child = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    proc = psutil.Process(child.pid)
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc))
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, err = child.communicate()
    done.set()
    t.join()
    return time.perf_counter() - started, peak, subprocess.CompletedProcess(cmd, child.returncode, out, err)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=25000, help="roster rows (default 25000)")
    ap.add_argument("--kind", default="operating", choices=("operating", "employment"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="lingong-bench-build-"))
    try:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "samples" / "generate.py"), "--only", "demo",
                        "--rows", str(args.rows), "--out", str(tmp)], check=True, stdout=subprocess.DEVNULL)
        app = tmp / "demo"
        print(f"input: {args.rows:,} roster rows, generated in {time.perf_counter() - t0:.1f} s")
        env = dict(os.environ, SOURCE_DATE_EPOCH="1772668800")
        out = tmp / "out.pdf"
        wall, peak, cp = run([sys.executable, "-c", CHILD, str(app), args.kind, str(out)], env)
        if cp.returncode != 0:
            print(cp.stdout, cp.stderr, sep="\n")
            print(f"build failed with exit code {cp.returncode}")
            return 2
        from pypdf import PdfReader

        for line in cp.stdout.splitlines():
            print("  " + line)
        pages = len(PdfReader(out).pages)
        size = out.stat().st_size
        ok_time, ok_mem = wall <= TARGET_SECONDS, peak <= TARGET_BYTES
        print(f"build ({args.kind}): {wall:.1f} s wall (target ≤ {TARGET_SECONDS:.0f} s) "
              f"{'OK' if ok_time else 'MISSED'}")
        print(f"peak memory, Python + LibreOffice: {peak / 1e6:.0f} MB (target ≤ {TARGET_BYTES / 1e6:.0f} MB) "
              f"{'OK' if ok_mem else 'MISSED'}")
        print(f"package: {pages:,} pages, {size / 1e6:.1f} MB ({size / max(args.rows, 1):.0f} bytes per roster row)")
        if args.keep:
            print(f"kept: {tmp}")
        return 0 if ok_time and ok_mem else 1
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
