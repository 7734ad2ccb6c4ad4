"""Exceptions: one base class, one subclass per stage.

Every message is Chinese, meant for the operator, and never carries a personal value (ID, phone,
name). Raise these ``from`` the third-party error they wrap, or ``from None`` when the wrapped
message could hold personal data.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, cast

from lingong_docs.util.resources import load_yaml, schemas_dir

if TYPE_CHECKING:
    from lingong_docs.core.findings import Finding


class LingongError(Exception):
    """Cannot go on. ``code`` is stable English kebab-case; ``message`` is Chinese."""

    exit_code = 2

    def __init__(self, code: str, message: str, *, hint: str = "", path: str | None = None):
        self.code = code
        self.message = message
        self.hint = hint
        self.path = path
        super().__init__(f"[{code}] {message}")

    @classmethod
    def make(cls, code: str, **params: object) -> LingongError:
        """Return this error with the message and hint of ``code`` in the catalogue, filled in.

        The one way errors are built: ``BuildError.make("output-busy")``. An unknown code or a
        missing parameter leaves the text as written rather than failing a second time.
        """
        entry = catalogue().get(code, {})
        message, hint = str(entry.get("message", code)), str(entry.get("hint", ""))
        try:
            message, hint = message.format(**params), hint.format(**params)
        except (KeyError, IndexError, ValueError):
            pass
        return cls(code, message, hint=hint)

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        if self.hint:
            text += f"\n提示：{self.hint}"
        return text


class SetupError(LingongError):
    """The machine lacks something the toolkit needs (LibreOffice, CJK fonts)."""


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


class BuildRefused(BuildError):
    """Validation or computation found problems; no package was written (exit code 1)."""

    exit_code = 1

    def __init__(self, problems: list[Finding]):
        err = BuildError.make("build-refused", count=len(problems))
        super().__init__(err.code, err.message, hint=err.hint)
        self.problems = problems


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """Return {code: {severity, title, message, hint}} from the message catalogues.

    The catalogue is ``schemas/messages/*.yaml``, one file per topic (reading, roster rules,
    job posts, evidence, application, figures, documents, intake, program). A code defined twice
    is a packaging error.
    """
    merged: dict[str, dict[str, str]] = {}
    for path in sorted((schemas_dir() / "messages").glob("*.yaml")):
        entries = cast(dict[str, dict[str, str]], load_yaml(f"messages/{path.name}") or {})
        for code, entry in entries.items():
            if code in merged:
                # the catalogue cannot describe its own failure: these two messages stay in code
                raise ConfigError("catalogue-duplicate", f"规则代码 {code} 在规则目录中重复定义（{path.name}）。")
            merged[code] = entry
    return merged
