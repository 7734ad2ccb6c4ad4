"""BuildError built from the build catalogue (schemas/messages-build.yaml)."""

from __future__ import annotations

from ..errors import BuildError
from ..findings import catalogue


def build_error(code: str, **params) -> BuildError:
    """Return the BuildError ``code`` with its Chinese message and hint filled from ``params``."""
    entry = catalogue().get(code, {})
    message = entry.get("message", code)
    hint = entry.get("hint", "")
    try:
        message = message.format(**params)
        hint = hint.format(**params)
    except (KeyError, IndexError, ValueError):
        pass
    return BuildError(code, message, hint=hint)
