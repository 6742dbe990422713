"""The state of one rendering: the host, the defaults, the loop items, the limits."""

from __future__ import annotations

import time
from collections.abc import Mapping

from .errors import TemplateError
from .sources import ConfigSource

# The limits are for one rendering as a whole: nested loops share the iterations, every
# regular expression shares the search time, and every element that builds a string
# reserves its size first, so memory is refused before it is taken.
MAX_ITERATIONS = 1_000_000
MAX_OUTPUT = 16 * 1024 * 1024  # characters of output, and of any one string built
MAX_BUILT = 4 * MAX_OUTPUT  # characters of all the strings built
MAX_SECONDS = 10.0
REGEX_SECONDS = 1.0  # all regular-expression searches together
# Characters of one regular expression, even one computed from values: the regex module's first
# search with a pattern builds tables in time cubic in a literal's length, not stopped by the
# timeout (4,096 repeated letters took 36 s; 512 take 0.1 s).
MAX_PATTERN = 512
MAX_DIGITS = 1000  # of a number: results stay far below Python's int-to-string limit

QUOTE_LENGTH = 60
# Said instead of a value computed while rendering: it may hold a secret's value.
NOT_SHOWN = "(a computed value, not shown)"

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
        "budget",
        "deadline",
        "regex_seconds",
        "spelled",
    )

    def __init__(
        self, source: ConfigSource, host: str, host_type: str, spelled: frozenset[str] = frozenset()
    ):
        self.source = source
        self.host, self.host_type = host, host_type
        self.def_entity, self.def_type = host, host_type
        self.def_values: Mapping[str, list[str]] | None = None
        self.items: list[tuple[str, ...]] = []
        self.variables: dict[str, list[str]] = {}
        self.iterations = 0
        self.budget = MAX_BUILT  # characters left to build
        self.deadline = 0.0  # set by the first loop or search: the work before is bounded
        self.regex_seconds = REGEX_SECONDS
        self.spelled = spelled

    def entity(self, entity_type: str, name: str, where: Where) -> Mapping[str, list[str]]:
        values = self.source.entity_values(entity_type, name)
        if values is None:
            raise error(f"no entity {self.quote(name)} of type {self.quote(entity_type)}", where)
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

    def check_time(self, where: Where) -> None:
        """Called when the clock may have passed the deadline, or has not started."""
        now = time.monotonic()
        if not self.deadline:
            self.deadline = now + MAX_SECONDS
        elif now > self.deadline:
            raise error(f"rendering took longer than {MAX_SECONDS:g} s", where)

    def check_output(self, size: int, where: Where) -> None:
        if size > MAX_OUTPUT:
            raise error(f"output larger than {MAX_OUTPUT} characters", where)

    def reserve(self, size: int, where: Where) -> None:
        """Called before building a string of size characters (hot paths take from budget
        themselves and call over_budget)."""
        self.check_output(size, where)
        self.budget -= size
        if self.budget < 0:
            raise self.over_budget(where)

    def over_budget(self, where: Where) -> TemplateError:
        return error(f"more than {MAX_BUILT} characters of text built", where)

    def spells(self, text: str) -> bool:
        """Whether the template itself writes text (or it is the host's name or type)."""
        return text in self.spelled or text == self.host or text == self.host_type

    def quote(self, text: str) -> str:
        """text for an error message, if the template writes it; otherwise NOT_SHOWN, since a
        value read from the configuration may be a secret's and errors reach reports."""
        return quoted(text) if self.spells(text) else NOT_SHOWN


def quoted(text: str) -> str:
    if len(text) > QUOTE_LENGTH:
        return repr(text[:QUOTE_LENGTH]) + "..."
    return repr(text)


def error(message: str, where: Where) -> TemplateError:
    return TemplateError(message, element=where[0], line=where[1])
