"""The one error a template can raise, wherever it goes wrong."""

from __future__ import annotations


class TemplateError(Exception):
    """A template that cannot be compiled or rendered: names the file, line and element."""

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        element: str | None = None,
        filename: str | None = None,
    ):
        super().__init__(message)
        self.message, self.line, self.element, self.filename = message, line, element, filename

    def __str__(self) -> str:
        where = f"{self.filename or '<template>'}:{self.line or 0}"
        if self.element:
            return f"{where}: <{self.element}>: {self.message}"
        return f"{where}: {self.message}"


class UnknownHost(LookupError):
    """The host a template is rendered for is not in the configuration."""
