"""RenderError built from the render catalogue (schemas/messages-render.yaml)."""

from __future__ import annotations

from ..errors import RenderError
from ..findings import catalogue


def render_error(code: str, **params) -> RenderError:
    """Return the RenderError ``code`` with its Chinese message and hint filled from ``params``."""
    entry = catalogue().get(code, {})
    message = entry.get("message", code)
    try:
        message = message.format(**params)
    except (KeyError, IndexError, ValueError):
        pass
    hint = entry.get("hint", "")
    return RenderError(code, message, hint=hint)
