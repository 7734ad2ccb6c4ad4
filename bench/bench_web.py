#!/usr/bin/env python3
"""Benchmark ``lingong-docs serve`` over HTTP, as browsers would use it.

    .venv/bin/python bench/bench_web.py                  # 25,000-row application, 10 clerks
    .venv/bin/python bench/bench_web.py --rows 5200 --clerks 4

What it does (a real server in a subprocess on 127.0.0.1, a fresh workspace and ledger):

1. upload → findings: creates an application and uploads the ``samples/demo`` workbooks and
   payment evidence (5,200 rows); the time from the start of the upload to the findings page
   received (three times, median);
2. the same for a generated application of ``--rows`` roster rows;
3. build → downloadable: posts "build" for that application, polls the progress as the page does,
   and downloads the operating-subsidy package;
4. ``--clerks`` clerks upload that package at the same moment (pre-check of an unsigned package,
   through the ledger): every answer must come back, exactly one package accepted and every other
   one rejected as ``duplicate-package``; the median and worst time per clerk.

Targets: demo upload → findings ≤ 5 s; build → downloadable ≤ 60 s; worst clerk ≤ 90 s.
Exit 1 when a target is missed or a verdict is wrong.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "samples" / "demo"
RECEIVED = "2026-03-10"
TARGET_FINDINGS, TARGET_BUILD, TARGET_CLERK = 5.0, 60.0, 90.0
OPERATING = "2025年度_运营经费补贴_申请材料.pdf"


class Client:
    """One browser tab: a session cookie, its CSRF token, multipart posts from the server's origin."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.url + path, timeout=600) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def csrf(self, path: str) -> str:
        return re.search(rb'name="csrf" value="([0-9a-f]+)"', self.get(path)[1]).group(1).decode()

    def post(self, path: str, fields: dict, files: list | None = None) -> tuple[int, bytes, str]:
        boundary = "----bench" + secrets.token_hex(8)
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]
        for name, filename, data in files or []:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        req = urllib.request.Request(self.url + path, data=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Origin": self.url})
        try:
            with self.opener.open(req, timeout=600) as r:
                return r.status, r.read(), r.url
        except urllib.error.HTTPError as e:
            return e.code, e.read(), path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(work: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    (work / "key").write_text(secrets.token_hex(32), encoding="utf-8")
    exe = Path(sys.executable).parent / "lingong-docs"
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--workspace", str(work / "ws"),
                             "--ledger", str(work / "ledger.sqlite"), "--key-file", str(work / "key")],
                            stdout=subprocess.DEVNULL, stderr=open(work / "serve.log", "wb"))  # noqa: SIM115
    for _ in range(300):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.1)
    raise SystemExit("serve did not start")


def create(client: Client, name: str) -> str:
    status, body, url = client.post("/apps", {
        "csrf": client.csrf("/apps"), "applicant": name, "uscc": "91110105MA01ABCD39", "market": "望京零工驿站",
        "year": "2025", "date": "2026-03-05", "counting_mode": "按次", "kind_运营经费补贴": "1", "kind_就业服务补贴": "1"})
    assert status == 200, status
    return re.search(r"/apps/[0-9a-f]{12}", url).group(0)


def upload_files(folder: Path) -> list:
    files = [("job_posts", "附件4.xlsx", (folder / "附件4_发布岗位任务明细表.xlsx").read_bytes()),
             ("roster", "附件5.xlsx", (folder / "附件5_撮合服务成功人员花名册.xlsx").read_bytes())]
    for p in sorted((folder / "支付凭证").iterdir()):
        if p.suffix.lower() in (".pdf", ".png", ".jpg", ".jpeg"):
            files.append(("evidence", p.name, p.read_bytes()))
    return files


def upload_to_findings(client: Client, app: str, folder: Path) -> tuple[float, bool]:
    files = upload_files(folder)
    t = time.perf_counter()
    status, body, url = client.post(app + "/upload", {"csrf": client.csrf(app)}, files)
    elapsed = time.perf_counter() - t
    return elapsed, status == 200 and url.endswith("/findings") and b'id="verdict"' in body


def build_to_download(client: Client, app: str) -> tuple[float, int]:
    t = time.perf_counter()
    status, _body, url = client.post(app + "/build", {"csrf": client.csrf(app)})
    job = url.rsplit("/", 1)[-1]
    while True:
        state = json.loads(client.get(f"{app}/build/{job}/status")[1])
        if state["state"] != "running":
            break
        time.sleep(0.5)
    if state["state"] != "done":
        raise SystemExit(f"build {state['state']}: {state['error']}")
    status, data = client.get(f"{app}/out/{urllib.request.quote(OPERATING)}")
    return time.perf_counter() - t, len(data) if status == 200 and data.startswith(b"%PDF") else 0


def clerks_at_once(url: str, package: bytes, n: int) -> list[tuple[float, dict | None]]:
    clients = [Client(url) for _ in range(n)]
    tokens = [c.csrf("/bureau") for c in clients]
    results: list = [None] * n
    barrier = threading.Barrier(n)

    def clerk(i: int) -> None:
        barrier.wait()
        t = time.perf_counter()
        status, body, _ = clients[i].post("/bureau/intake", {
            "csrf": tokens[i], "as_of": RECEIVED, "allow_unsigned": "1", "format": "json"},
            [("packages", f"收件{i:02d}.pdf", package)])
        results[i] = (time.perf_counter() - t, json.loads(body)[0] if status == 200 else None)

    threads = [threading.Thread(target=clerk, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=25_000)
    ap.add_argument("--clerks", type=int, default=10)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    proc = None
    ok = True
    try:
        subprocess.run([sys.executable, str(ROOT / "samples" / "generate.py"), "--only", "demo", "--rows",
                        str(args.rows), "--out", str(work / "gen")], check=True, stdout=subprocess.DEVNULL)
        proc, url = start_server(work)
        client = Client(url)
        times = []
        for i in range(3):
            elapsed, right = upload_to_findings(client, create(client, f"北京示例人力资源有限公司{i}"), DEMO)
            ok &= right
            times.append(elapsed)
        median = statistics.median(times)
        ok &= median <= TARGET_FINDINGS
        print(f"upload → findings, samples/demo (5,200 rows)  {median:6.1f} s median of 3   target ≤ {TARGET_FINDINGS:.0f} s",
              flush=True)
        big = create(client, "北京示例人力资源有限公司")
        elapsed, right = upload_to_findings(client, big, work / "gen" / "demo")
        ok &= right
        print(f"upload → findings, {args.rows:,} rows              {elapsed:6.1f} s", flush=True)
        elapsed, size = build_to_download(client, big)
        ok &= size > 0 and elapsed <= TARGET_BUILD
        print(f"build → downloadable, {args.rows:,} rows (2 packages) {elapsed:6.1f} s   target ≤ {TARGET_BUILD:.0f} s   "
              f"operating package {size / 1e6:.1f} MB", flush=True)
        package = client.get(f"{big}/out/{urllib.request.quote(OPERATING)}")[1]
        results = clerks_at_once(url, package, args.clerks)
        answered = [r for _t, r in results if r is not None]
        accepted = [r for r in answered if r["verdict"] == "accepted"]
        duplicates = [r for r in answered if "duplicate-package" in {f["code"] for f in r["findings"]}]
        right = len(answered) == args.clerks and len(accepted) == 1 and len(duplicates) == args.clerks - 1
        seconds = sorted(t for t, _r in results)
        ok &= right and seconds[-1] <= TARGET_CLERK
        print(f"{args.clerks} clerks upload one {args.rows:,}-row package at once: median {statistics.median(seconds):.1f} s, "
              f"worst {seconds[-1]:.1f} s   target ≤ {TARGET_CLERK:.0f} s", flush=True)
        print(f"  answers {len(answered)}/{args.clerks}; accepted {len(accepted)}; duplicate-package {len(duplicates)}"
              f"  ({'right' if right else 'WRONG'})")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
