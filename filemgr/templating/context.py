"""The state of one rendering: the host, the defaults, the loop items, the limits."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import TemplateError
from .sources import ConfigSource

MAX_ITERATIONS = 1_000_000
MAX_OUTPUT = 16 * 1024 * 1024

Where = tuple[str, int]  # (element, line) of the element doing the work, for error messages


class Render:
    """What the compiled elements read and update while one template is rendered."""

    __slots__ = (
        "source",
        "host",
        "host_type",
        "def_entity",
        "def_type",
        "def_values",
        "items",
        "variables",
        "iterations",
    )

    def __init__(self, source: ConfigSource, host: str, host_type: str):
        self.source = source
        self.host, self.host_type = host, host_type
        self.def_entity, self.def_type = host, host_type
        self.def_values: Mapping[str, list[str]] | None = None
        self.items: list[tuple[str, ...]] = []
        self.variables: dict[str, list[str]] = {}
        self.iterations = 0

    def entity(self, entity_type: str, name: str, where: Where) -> Mapping[str, list[str]]:
        values = self.source.entity_values(entity_type, name)
        if values is None:
            raise error(f"no entity {name!r} of type {entity_type!r}", where)
        return values

    def defaults(self, where: Where) -> Mapping[str, list[str]]:
        """The values of the default entity; an empty default entity has none."""
        if self.def_values is None:
            self.def_values = (
                self.entity(self.def_type, self.def_entity, where) if self.def_entity else {}
            )
        return self.def_values

    def count_iterations(self, n: int, where: Where) -> None:
        self.iterations += n
        if self.iterations > MAX_ITERATIONS:
            raise error(f"more than {MAX_ITERATIONS} iterations", where)


def error(message: str, where: Where) -> TemplateError:
    return TemplateError(message, element=where[0], line=where[1])
