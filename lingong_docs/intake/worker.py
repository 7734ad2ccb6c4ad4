"""Child process entry: limit itself, read one JSON request on stdin, write ``result.json``.

Started by ``sandbox.run_job`` as ``python -I -c ...``; never run by users. Jobs:
``scan`` (open a received PDF, extract its attachments, check signatures) and ``truth``
(re-read, re-validate and recompute the application rebuilt from the attachments) and ``forms``
(render the one-page forms again from the package's data and compare them with its pages).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from lingong_docs.intake.sandbox import RESULT_FILE, apply_limits


def main() -> None:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    apply_limits(request.get("limits") or {})
    workdir = Path(request["workdir"])
    try:
        if request["job"] == "scan":
            from lingong_docs.intake.scan.structure import scan_package
            result = scan_package(request)
        elif request["job"] == "truth":
            from lingong_docs.intake.truth import recheck
            result = recheck(request)
        elif request["job"] == "forms":
            from lingong_docs.intake.rerender import rerender
            result = rerender(request)
        else:
            result = {"fatal": {"code": "internal", "params": {}}}
    except MemoryError:
        result = {"fatal": {"code": "memory", "params": {}}}
    tmp = workdir / (RESULT_FILE + ".part")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, default=str)
    os.replace(tmp, workdir / RESULT_FILE)


if __name__ == "__main__":  # pragma: no cover
    main()
