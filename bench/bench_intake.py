#!/usr/bin/env python3
"""Benchmark ``lingong-docs intake``: one 25,000-row package, then 40 of them through the ledger.

    .venv/bin/python bench/bench_intake.py                      # 25,000 rows, 40 packages
    .venv/bin/python bench/bench_intake.py --rows 5200 --packages 10

What it does:

1. generates a complete synthetic application with ``--rows`` roster rows
   (``samples/generate.py --only demo``) and builds its operating-subsidy package once with the
   real build stage (``build_packages``);
2. times the intake of that package alone (unsigned, examined as a pre-check), and again after
   every seal/signature field has been signed with a throwaway certificate (full signature
   validation with pyHanko);
3. makes ``--packages`` packages of different agencies from the built one instead of building
   each (a build of 25,000 rows takes ~35 s): for package k the credit code, the agency name and
   every ID number in 附件5 are changed (the ID's sequence digits shifted and its check character
   recomputed, so every agency claims different people), the embedded application.yaml, the
   workbooks and the manifest are re-embedded with an incremental update, hashes fixed;
4. receives all of them, one ``intake`` call, into a fresh ledger file (HMAC key), so that each
   package is checked against every earlier one (cross-agency overlaps, duplicate rows, the
   agency cap, duplicate packages) and recorded. The variants' printed 附件5 pages still show the
   original IDs (nothing is re-rendered), so this run turns the row-by-row comparison of the
   printed tables and of the forms rendered again off (``max_table_pages=0``, ``max_form_pages=0``):
   they would rightly reject every variant. The two
   single-package runs include it.

Targets: one package ≤ 15 s; 40 packages ≤ 180 s. Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))      # intake_tools: the benchmark's own re-issue and signing tools

from lingong_docs.identifiers.uscc import check_char

TARGET_ONE, TARGET_MANY = 15.0, 180.0
RECEIVED = dt.date(2026, 3, 10)
BASE_USCC = "91110105MA01ABCD39"
BASE_NAME = "北京示例人力资源有限公司"
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CELL = re.compile(rb'(<c r="C\d+"[^>]*><is><t>)(\d{17}[\dX])(</t>)')


def id_check(body: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, _W)) % 11]


def other_id(ident: str, k: int) -> str:
    body = ident[:14] + f"{(int(ident[14:17]) + 37 * k) % 1000:03d}"
    return body + id_check(body)


def agency_uscc(k: int) -> str:
    first17 = f"911101050000{k:05d}"
    return first17 + check_char(first17)


def _xml_escape(text: str) -> bytes:
    return "".join(c if ord(c) < 128 else f"&#{ord(c)};" for c in text).encode()


def edit_workbook(data: bytes, uscc: str, name: str, k: int | None) -> bytes:
    """Return the workbook with the header block re-branded (and IDs shifted when ``k``)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                part = part.replace(BASE_USCC.encode(), uscc.encode())
                part = part.replace(_xml_escape(BASE_NAME), _xml_escape(name))
                if k is not None:
                    part = _ID_CELL.sub(lambda m: m.group(1) + other_id(m.group(2).decode(), k).encode() + m.group(3),
                                        part)
            dst.writestr(info, part)
    return out.getvalue()


def variant(data: bytes, k: int) -> bytes:
    """Return the package re-issued for agency ``k`` (attachments replaced, hashes fixed)."""
    from intake_tools import rewrite
    from pypdf import PdfReader

    uscc, name = agency_uscc(k), f"{BASE_NAME}第{k}分公司"
    atts = {a.name: a.content for a in PdfReader(io.BytesIO(data)).attachment_list}
    roles = {f["role"]: f["attachment"] for f in json.loads(atts["manifest.json"])["files"]}
    new = {roles["application"]: atts[roles["application"]].decode().replace(BASE_USCC, uscc)
           .replace(BASE_NAME, name).encode()}
    for role in ("job_posts", "roster"):
        if role in roles:
            new[roles[role]] = edit_workbook(atts[roles[role]], uscc, name, k if role == "roster" else None)

    def edit(manifest: dict) -> None:
        manifest["applicant"].update(name=name, uscc=uscc)
        manifest["figures"].update(applicant=name, uscc=uscc)

    return rewrite(data, replace=new, manifest=edit)


def sign_all(data: bytes, folder: Path) -> bytes:
    from intake_tools import make_signer, sign

    return sign(data, make_signer(folder / "cert", BASE_USCC, BASE_NAME))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=25_000)
    ap.add_argument("--packages", type=int, default=40)
    ap.add_argument("--keep", type=Path, help="keep the work folder here")
    args = ap.parse_args()

    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    from lingong_docs.intake.sandbox import Limits
    from lingong_docs.intake.service import Ledger, intake
    from lingong_docs.package.build import build_packages

    work = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    ok = True
    try:
        t = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "samples" / "generate.py"), "--only", "demo", "--rows",
                        str(args.rows), "--out", str(work)], check=True, stdout=subprocess.DEVNULL)
        print(f"application generated ({args.rows:,} rows)        {time.perf_counter() - t:7.1f} s", flush=True)
        t = time.perf_counter()
        [built] = build_packages(work / "demo", kinds=["operating"], out=work / "out", today=dt.date(2026, 3, 1))
        data = built.path.read_bytes()
        print(f"package built ({built.pages:,} pages, {len(data) / 1e6:.1f} MB)      "
              f"{time.perf_counter() - t:7.1f} s", flush=True)

        one = work / "one.pdf"
        one.write_bytes(data)
        t = time.perf_counter()
        [r] = intake([one], as_of=RECEIVED, allow_unsigned=True)
        elapsed = time.perf_counter() - t
        ok &= elapsed <= TARGET_ONE
        print(f"intake of one package (unsigned pre-check)   {elapsed:7.1f} s   target ≤ {TARGET_ONE:.0f} s   "
              f"verdict={r.verdict} match_count={r.figures['match_count']:,}", flush=True)

        signed = work / "signed.pdf"
        t = time.perf_counter()
        signed.write_bytes(sign_all(data, work))
        sign_time = time.perf_counter() - t
        t = time.perf_counter()
        [r] = intake([signed], as_of=RECEIVED)
        elapsed = time.perf_counter() - t
        ok &= elapsed <= TARGET_ONE
        print(f"intake of one signed package ({len(r.signatures)} seals)       {elapsed:7.1f} s   "
              f"target ≤ {TARGET_ONE:.0f} s   verdict={r.verdict} (signing took {sign_time:.1f} s)", flush=True)

        t = time.perf_counter()
        paths = []
        for k in range(1, args.packages + 1):
            p = work / f"agency-{k:02d}.pdf"
            p.write_bytes(variant(data, k))
            paths.append(p)
        print(f"{args.packages} agency variants re-embedded              {time.perf_counter() - t:7.1f} s", flush=True)

        ledger_path = work / "ledger.sqlite"
        t = time.perf_counter()
        with Ledger(ledger_path, b"bench-ledger-key-0123456789abcdef") as ledger:
            receipts = intake(paths, ledger=ledger, as_of=RECEIVED, allow_unsigned=True,
                              limits=Limits(max_table_pages=0, max_form_pages=0))
            stored = ledger.db.execute("SELECT count(*) FROM rows").fetchone()[0]
        elapsed = time.perf_counter() - t
        ok &= elapsed <= TARGET_MANY
        accepted = sum(r.accepted for r in receipts)
        codes = sorted({f.code for r in receipts for f in r.findings if f.severity == "error"})
        print(f"intake of {args.packages} packages through the ledger     {elapsed:7.1f} s   "
              f"target ≤ {TARGET_MANY:.0f} s   ({elapsed / args.packages:.1f} s each)", flush=True)
        print(f"  accepted {accepted}/{args.packages}; ledger rows {stored:,}; ledger file "
              f"{ledger_path.stat().st_size / 1e6:.1f} MB; rejection codes: {', '.join(codes) or 'none'}")
    finally:
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
