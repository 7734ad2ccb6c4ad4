"""The bureau's desk: the one thread that owns the ledger and examines received packages.

Every clerk's upload is queued here. The thread takes whatever is waiting, examines it in one
``api.intake`` call (packages examined two at a time, checked against the ledger and recorded one
by one, in order), and answers each request. So the server is the ledger's only writer, and two
uploads of the same package at the same moment are two entries of one call: the first is
accepted, the second is a duplicate of it.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lingong_docs import api

if TYPE_CHECKING:
    from lingong_docs.api import Ledger

GATHER_SECONDS = 0.3


@dataclass
class _Batch:
    paths: list[Path]
    precheck: bool
    as_of: dt.date | None
    clerk: str | None = None
    future: Future = field(default_factory=Future)

    @property
    def options(self) -> tuple:
        return (self.precheck, self.as_of, self.clerk)


@dataclass
class _Call:
    fn: Callable[[Ledger | None], Any]
    future: Future = field(default_factory=Future)


class Desk:
    """Owns the ledger (opened in its own thread: SQLite connections stay in one thread)."""

    def __init__(self, ledger_path: Path | str | None, key: bytes | None, receipts: Path,
                 trust: list[Path]) -> None:
        self.ledger_path, self._key = ledger_path, key
        self.receipts, self.trust = receipts, trust
        self._queue: queue.Queue = queue.Queue()
        self._ready = threading.Event()
        self._error: Exception | None = None
        self._thread = threading.Thread(target=self._loop, name="ledger-desk", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    @property
    def has_ledger(self) -> bool:
        return self._key is not None and self.ledger_path is not None

    def examine(self, paths: list[Path], *, precheck: bool, as_of: dt.date | None,
                clerk: str | None = None) -> Future:
        """Queue packages; the future gives their receipts, in order.

        A pre-check (预审) is the CLI's ``intake --no-ledger --allow-unsigned``: nothing is
        recorded, the receipt number is a "YS" one, no 公示 row follows from it.
        """
        batch = _Batch(list(paths), precheck, as_of, clerk)
        self._queue.put(batch)
        return batch.future

    def call(self, fn: Callable[[Ledger | None], Any]) -> Future:
        """Run ``fn(ledger)`` on the desk's thread (reads of the ledger)."""
        item = _Call(fn)
        self._queue.put(item)
        return item.future

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        ledger = None
        try:
            if self.has_ledger:
                ledger = api.open_ledger(self.ledger_path, key=self._key)
        except Exception as e:  # reported to the starting thread
            self._error = e
        self._ready.set()
        if self._error is not None:
            return
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                if isinstance(first, _Batch):   # clerks who pressed "核验" at the same moment share one call
                    time.sleep(GATHER_SECONDS)
                items = [first] + self._drain()
                self._serve(items, ledger)
                if any(i is None for i in items):
                    return
        finally:
            if ledger is not None:
                ledger.close()

    def _drain(self) -> list:
        items = []
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                return items

    def _serve(self, items: list, ledger: Ledger | None) -> None:
        for call in [i for i in items if isinstance(i, _Call)]:
            _settle(call.future, call.fn, ledger)
        batches = [i for i in items if isinstance(i, _Batch)]
        for options in dict.fromkeys(b.options for b in batches):
            group = [b for b in batches if b.options == options]
            self._examine(group, ledger)

    def _examine(self, group: list[_Batch], ledger: Ledger | None) -> None:
        paths = [p for b in group for p in b.paths]
        precheck, as_of, clerk = group[0].options
        try:
            receipts = api.intake(paths, ledger=None if precheck else ledger, as_of=as_of, allow_unsigned=precheck,
                                 trust=self.trust, receipt_dir=self.receipts, clerk=clerk)
        except Exception as e:  # alone, the request gets the error; together, each is retried alone
            if len(group) == 1:
                group[0].future.set_exception(e)
            else:
                for b in group:
                    self._examine([b], ledger)
            return
        start = 0
        for b in group:
            b.future.set_result(receipts[start:start + len(b.paths)])
            start += len(b.paths)


def _settle(future: Future, fn: Callable[[Ledger | None], Any], ledger: Ledger | None) -> None:
    try:
        future.set_result(fn(ledger))
    except Exception as e:  # handed to the waiting request
        future.set_exception(e)
