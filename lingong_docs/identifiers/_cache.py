"""A memo for identifier checks: rosters repeat the same people, so each text is checked once."""

from __future__ import annotations

import functools
from collections.abc import Callable


def cached_check(compact: Callable[[object], str], check_compact: Callable[[str], str | None]):
    """Return ``check(value)`` = ``check_compact(compact(value))``, memoised for str values."""

    @functools.lru_cache(maxsize=65536)
    def check_text(value: str) -> str | None:
        return check_compact(compact(value))

    def check(value: object) -> str | None:
        if isinstance(value, str):
            return check_text(value)
        return check_compact(compact(value))

    return check
