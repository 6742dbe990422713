"""The compiler of the language: check every element's argument shape against an element
table, then generate Python source for the elements that have a generator
(filemgr.templating.codegen) and build closures for the others. The elements
(filemgr.templating.elements) call back into it for their children; filemgr.templating.template
gives it their table."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from lxml import etree

from .codegen import NOTHING, Source, Value, display, merged, name_of, text
from .context import Render, error
from .nodes import Child, Node, check_count, child_nodes

ValueFn = Callable[[Render], list[str]]
TestFn = Callable[[Render], bool | None]  # None is the guide's "invalid"

MAX_DEPTH = 100
# Python allows 20 nested blocks in one function: an element deeper than this gets its own.
MAX_BLOCKS = 12
# compile() holds a whole function's syntax tree at once, about 100 bytes a character of
# source: once a function's source is this long, the rest of an element's children go into
# functions of their own, MAX_DISPLAY children each, so a large template compiles in a few MB.
MAX_SOURCE = 100_000
# The values of one list display at most: the children of a large element become lines.
MAX_DISPLAY = 100
# Python's parser allows 200 nested brackets in a statement, and an element's expression adds
# up to four around its arguments': a value this many elements deep is held in a variable.
HOLD_EVERY = 10


@dataclass(frozen=True)
class Element:
    """One element of the language: how to compile it and the argument shape it accepts.

    generate writes its source (None: this form is built); build makes a closure. args is how
    many ordinary children (text or elements) it takes; parts are the syntactic elements it
    accepts (tag -> (min, max) count). An element with neither is itself a part and appears
    only inside the elements named in within."""

    build: Callable[[Node, Compiler], Callable] | None = None
    generate: Callable[[Node, Generator], Value | None] | None = None
    args: tuple[int, int | None] = (0, 0)
    parts: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    attrs: frozenset[str] = frozenset()
    condition: bool = False
    within: tuple[str, ...] = ()
    text_only: bool = False


@dataclass(frozen=True)
class Loop:
    """An enclosing iterateOverLists: its number of iterator lists, and the generated function
    and variable holding its row (an <item> elsewhere reads the rendering's items)."""

    width: int
    source: Generator
    row: str


class Compiler:
    """Compiles elements recursively; builders call back into it for their children."""

    def __init__(self, elements: Mapping[str, Element]) -> None:
        self.elements = elements
        self.depth = 0
        self.loops: list[Loop] = []
        # Every text the template writes: only these are quoted in render errors.
        self.spelled: set[str] = set()

    def node(self, el: etree._Element, parent: str | None = None) -> tuple[Node, Element]:
        tag = el.tag if isinstance(el.tag, str) else "?"
        spec = self.elements.get(tag)
        where = (tag, el.sourceline or 0)
        if spec is None:
            raise error("unknown element", where)
        if spec.build is None and spec.generate is None and parent not in spec.within:
            raise error(f"belongs inside <{'>, <'.join(spec.within)}>", where)
        for attr in el.attrib:
            if attr not in spec.attrs:
                raise error(f"unknown attribute {attr!r}", where)
        if spec.text_only:
            if len(el):
                raise error("holds text only", where)
            children: list[Child] = [el.text or ""]
        else:
            children = child_nodes(el, where)
        for child in children:
            if isinstance(child, str):
                self.spelled.update((child, child.strip()))
        node = Node(tag, where[1], dict(el.attrib), children, [], {})
        for child in children:
            if isinstance(child, str) or child.tag not in spec.parts:
                node.args.append(child)
            else:
                node.parts.setdefault(child.tag, []).append(child)
        check_count(len(node.args), spec.args, "argument", where)
        for part, bounds in spec.parts.items():
            check_count(len(node.parts.get(part, ())), bounds, f"<{part}>", where)
        return node, spec

    @contextmanager
    def entered(self, el: etree._Element) -> Iterator[tuple[Node, Element]]:
        """el checked, while its children are compiled one level deeper."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise error(f"elements nested more than {MAX_DEPTH} deep", (el.tag, el.sourceline))
        yield self.node(el)
        self.depth -= 1

    def value(self, child: Child) -> ValueFn:
        source = Generator(self)
        return source.function(source.value(child).strings)

    def test(self, child: Child) -> TestFn:
        source = Generator(self)
        return source.function(source.test(child))

    def content(self, children: list[Child]) -> ValueFn:
        """The concatenation of the children's lists."""
        source = Generator(self)
        return source.function(source.content(children).strings)

    def part(self, node: Node, tag: str) -> Node | None:
        """node's part element tag, checked against its own shape; None when absent."""
        part = node.part(tag)
        return None if part is None else self.node(part, node.tag)[0]

    def part_content(self, node: Node, tag: str) -> ValueFn | None:
        """The content of node's part element tag, or None when node has no such part."""
        part = self.part(node, tag)
        return None if part is None else self.content(part.args)

    def name(self, content: ValueFn) -> Callable[[Render], str]:
        """A name: the first string of content, stripped; "" when content is NULL."""
        return lambda r: name_of(content(r))


class Generator(Source):
    """Writes elements into a generated function: the elements with a generator as source,
    the others as closures it calls."""

    def __init__(self, cc: Compiler):
        super().__init__()
        self.cc = cc

    def value(self, child: Child) -> Value:
        if isinstance(child, str):
            return text(child)
        with self.cc.entered(child) as (node, spec):
            if spec.condition:
                self.condition(node, spec)  # its own errors first
                raise error("is a condition: use it inside <if>, <or> or <and>", node.where)
            value = self.element(node, spec)
            return self.held(value) if self.cc.depth % HOLD_EVERY == 0 else value

    def element(self, node: Node, spec: Element) -> Value:
        if spec.generate is not None:
            if self.indent >= MAX_BLOCKS:
                inner = Generator(self.cc)
                return self.call(inner.function(inner.element(node, spec).strings))
            value = spec.generate(node, self)
            if value is not None:
                return value
        return self.call(spec.build(node, self.cc))

    def call(self, fn: Callable) -> Value:
        return Value(f"{self.constant(fn)}(r)")

    def test(self, child: Child) -> str:
        """The source of a truth value: a condition's (None is "invalid"), or whether a value
        is not NULL."""
        if isinstance(child, str):
            return "True"
        with self.cc.entered(child) as (node, spec):
            if not spec.condition:
                value = self.element(node, spec)
                return f"({value.code} != '')" if value.single else f"any({value.code})"
            return self.condition(node, spec)

    def condition(self, node: Node, spec: Element) -> str:
        return f"{self.constant(spec.build(node, self.cc))}(r)"

    def gather(self, children: list[Child]) -> tuple[str | None, list[Value]]:
        """The children's values in order: a list variable holding the first ones when a
        child needs statements (what comes before it is evaluated first), then the rest."""
        target: str | None = None
        values: list[Value] = []
        for piece in self.pieces(children):
            mark = len(self.lines)
            value = self.chunk(piece) if isinstance(piece, list) else self.value(piece)
            if values and len(self.lines) > mark:
                target = self.extend(target, values, mark)
                values = []
            if value is not NOTHING:  # adds nothing: a setvalue, an empty content
                values.append(value)
            if len(values) == MAX_DISPLAY:
                target = self.extend(target, values, len(self.lines))
                values = []
        return target, values

    def pieces(self, children: list[Child]) -> Iterator[Child | list[Child]]:
        """The children one by one, then, once this function's source is long, the rest in
        chunks."""
        for i, child in enumerate(children):
            if self.size > MAX_SOURCE:
                for start in range(i, len(children), MAX_DISPLAY):
                    yield children[start : start + MAX_DISPLAY]
                return
            yield child

    def chunk(self, children: list[Child]) -> Value:
        """The concatenation of the children's lists, in a function of its own."""
        inner = Generator(self.cc)
        return self.call(inner.function(inner.content(children).strings))

    def extend(self, target: str | None, values: list[Value], at: int) -> str:
        """target (a new list variable when None) extended by values, in a line put at at."""
        if target is None:
            target = self.temp()
            line = f"{target} = {display(values)}"
        else:
            line = f"{target} += {display(values)}"
        self.lines.insert(at, "    " * self.indent + line)
        self.size += len(line)
        return target

    def content(self, children: list[Child]) -> Value:
        """The concatenation of the children's lists."""
        target, values = self.gather(children)
        if target is None:
            if len(values) == 1:
                return values[0]
            return Value(display(values)) if values else NOTHING
        if values:
            self.emit(f"{target} += {display(values)}")
        return Value(target)

    def joined(self, children: list[Child], where: str, end: str = "") -> Value:
        """The children's strings and end as one string, its size charged before it is built."""
        target, values = self.gather(children)
        values = merged([*values, text(end)])
        if target is not None:
            self.emit(f"{target} += {display(values)}")
            self.charge(f"sum(map(len, {target}))", where)
            return Value(f"''.join({target})", single=True)
        # Each value held in a variable, to be measured and then joined.
        values = [self.held(value) for value in values]
        fixed = sum(len(value.text) for value in values if value.text is not None)
        sizes = [size(value) for value in values if value.text is None]
        terms = [str(fixed)] if fixed or not sizes else []
        self.charge(" + ".join(terms + sizes), where)
        if len(values) == 1 and values[0].single:
            return values[0]
        return Value(f"''.join({display(values)})", single=True)

    def held(self, value: Value) -> Value:
        if value.text is not None or value.code.isidentifier():
            return value
        name = self.temp()
        self.emit(f"{name} = {value.code}")
        return Value(name, value.single)


def size(value: Value) -> str:
    """The source of value's length in characters (a list of one string is the common case)."""
    if value.single:
        return f"len({value.code})"
    return f"(len({value.code}[0]) if len({value.code}) == 1 else sum(map(len, {value.code})))"
