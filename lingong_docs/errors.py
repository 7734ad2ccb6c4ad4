"""Exceptions: one base class, one subclass per stage.

Every message is Chinese, meant for the operator, and never carries a personal value (ID, phone,
name). Raise these ``from`` the third-party error they wrap, or ``from None`` when the wrapped
message could hold personal data.
"""

from __future__ import annotations


class LingongError(Exception):
    """Cannot go on. ``code`` is stable English kebab-case; ``message`` is Chinese."""

    exit_code = 2

    def __init__(self, code: str, message: str, *, hint: str = "", path: str | None = None):
        self.code = code
        self.message = message
        self.hint = hint
        self.path = path
        super().__init__(f"[{code}] {message}")

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        if self.hint:
            text += f"\n提示：{self.hint}"
        return text


class ReadError(LingongError):
    """An input file (workbook, application file) cannot be read safely."""


class ConfigError(LingongError):
    """Bad option, bad application file value, unknown policy."""


class PolicyError(LingongError):
    """The policy data is missing or inconsistent."""


class RenderError(LingongError):
    """A template cannot be filled or a document cannot be converted."""


class BuildError(LingongError):
    """The package cannot be assembled."""


class IntakeError(LingongError):
    """A received package cannot be examined."""
