"""Python source written for a template, as Jinja2 does: one Python function for a template,
where a tree of closures made a Python call or more for every element of every line.

A Source is the text of one generated function of the rendering r and the names it reads;
filemgr.templating.compiler writes the elements into it. Nothing read from a template enters
the text but through repr() of a string or an integer, or as a name in the constants table:
a template cannot write Python."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from time import monotonic

from . import context
from .context import Where

EMPTY: list[str] = []  # the NULL every element shares; never changed


@dataclass(frozen=True)
class Value:
    """The source of an element's result, evaluated where it is written (before any later
    statement): one string when single, otherwise a list of strings; text is its value when
    the template fixes it."""

    code: str
    single: bool = False
    text: str | None = None

    @property
    def strings(self) -> str:
        return f"[{self.code}]" if self.single else self.code

    @property
    def item(self) -> str:
        """The value as an item of a list display."""
        return self.code if self.single else f"*{self.code}"


NOTHING = Value("EMPTY")


def text(value: str) -> Value:
    return Value(repr(value), single=True, text=value)


def name_of(strings: list[str]) -> str:
    """A name: the first string, stripped; "" when there is none."""
    return strings[0].strip() if strings else ""


class Source:
    """The source of one generated function of the rendering r, and the names it reads."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.indent = 1
        self.names: dict[str, object] = {
            "EMPTY": EMPTY,
            "context": context,
            "monotonic": monotonic,
            "name_of": name_of,
        }
        self.places: dict[Where, str] = {}
        self.temps = 0
        self.size = 0  # characters of source written

    def constant(self, value: object) -> str:
        """The name the generated code reads value by."""
        name = f"k{len(self.names)}"
        self.names[name] = value
        return name

    def where(self, where: Where) -> str:
        """The name of an (element, line), for errors."""
        if where not in self.places:
            self.places[where] = self.constant(where)
        return self.places[where]

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.indent + line)
        self.size += len(line)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        self.emit(header)
        self.indent += 1
        yield
        self.indent -= 1

    def aside(self, generate: Callable[[], str]) -> tuple[list[str], str]:
        """The statements generate writes, kept to be written later, and what it returns."""
        lines, self.lines = self.lines, []
        result = generate()
        lines, self.lines = self.lines, lines
        return lines, result

    def local(self, value: Value) -> str:
        """value's list, evaluated now: safe to use after later statements."""
        if not value.single and value.code.isidentifier():
            return value.code
        name = self.temp()
        self.emit(f"{name} = {value.strings}")
        return name

    def charge(self, size: str, where: str) -> None:
        """Take size characters from the rendering's budget, before building them."""
        self.emit(f"r.budget -= {size}")
        with self.block("if r.budget < 0:"):
            self.emit(f"raise r.over_budget({where})")

    def name(self, value: Value) -> str:
        """The source of a name: value's first string, stripped."""
        if value.text is not None:
            return repr(value.text.strip())
        return f"{value.code}.strip()" if value.single else f"name_of({value.code})"

    def function(self, result: str) -> Callable:
        """The function of the rendering r that runs the statements and returns result."""
        self.emit(f"return {result}")
        code = compile("def generated(r):\n" + "\n".join(self.lines), "<template>", "exec")
        namespace = dict(self.names)
        exec(code, namespace)  # noqa: S102 (the source is ours: see the module's docstring)
        return namespace["generated"]


def display(values: list[Value]) -> str:
    return f"[{', '.join(value.item for value in values)}]"


def merged(values: list[Value]) -> list[Value]:
    """Adjacent strings the template fixes as one (only where they are joined anyway)."""
    out: list[Value] = []
    for value in values:
        if value.text == "":
            continue
        if out and value.text is not None and out[-1].text is not None:
            value = text(out[-1].text + value.text)
            out.pop()
        out.append(value)
    return out or [text("")]
