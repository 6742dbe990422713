"""The compiler of the language: check every element's argument shape against an element
table and build a tree of closures. The elements (filemgr.templating.elements) call back
into it for their children; filemgr.templating.template gives it their table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from lxml import etree

from .context import Render, Where, error

ValueFn = Callable[[Render], list[str]]
TestFn = Callable[[Render], bool | None]  # None is the guide's "invalid"
Child = etree._Element | str  # an element, or text that is not only whitespace

MAX_DEPTH = 100
EMPTY: list[str] = []


@dataclass(frozen=True)
class Element:
    """One element of the language: how to build it and the argument shape it accepts.

    args is how many ordinary children (text or elements) it takes; parts are the syntactic
    elements it accepts (tag -> (min, max) count). An element with build=None is itself a part
    and appears only inside the elements named in within."""

    build: Callable[[Node, Compiler], Callable] | None
    args: tuple[int, int | None] = (0, 0)
    parts: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    attrs: frozenset[str] = frozenset()
    condition: bool = False
    within: tuple[str, ...] = ()
    text_only: bool = False


@dataclass
class Node:
    """A checked element: its children in order, split into arguments and parts."""

    tag: str
    line: int
    attrs: dict[str, str]
    children: list[Child]
    args: list[Child]
    parts: dict[str, list[etree._Element]]

    @property
    def where(self) -> Where:
        return (self.tag, self.line)

    def part(self, tag: str) -> etree._Element | None:
        found = self.parts.get(tag)
        return found[0] if found else None


class Compiler:
    """Compiles elements recursively; builders call back into it for their children."""

    def __init__(self, elements: Mapping[str, Element]) -> None:
        self.elements = elements
        self.depth = 0
        self.loops: list[int] = []  # iteratorList count of each enclosing iterateOverLists
        # Every text the template writes: only these are quoted in render errors.
        self.spelled: set[str] = set()

    def node(self, el: etree._Element, parent: str | None = None) -> tuple[Node, Element]:
        tag = el.tag if isinstance(el.tag, str) else "?"
        spec = self.elements.get(tag)
        where = (tag, el.sourceline or 0)
        if spec is None:
            raise error("unknown element", where)
        if spec.build is None and parent not in spec.within:
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

    def compile(self, el: etree._Element) -> tuple[Element, Callable]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise error(f"elements nested more than {MAX_DEPTH} deep", (el.tag, el.sourceline))
        node, spec = self.node(el)
        built = spec.build(node, self)
        self.depth -= 1
        return spec, built

    def value(self, child: Child) -> ValueFn:
        if isinstance(child, str):
            constant = [child]
            return lambda r: constant
        spec, built = self.compile(child)
        if spec.condition:
            raise error(
                "is a condition: use it inside <if>, <or> or <and>", (child.tag, child.sourceline)
            )
        return built

    def test(self, child: Child) -> TestFn:
        if not isinstance(child, str):
            spec, built = self.compile(child)
            if spec.condition:
                return built
        else:
            built = self.value(child)
        return lambda r: not is_null(built(r))

    def content(self, children: list[Child]) -> ValueFn:
        """The concatenation of the children's lists."""
        fns = [self.value(c) for c in children]
        if not fns:
            return lambda r: EMPTY
        if len(fns) == 1:
            return fns[0]
        # The common short ones unrolled: a line is mostly text, a value, text.
        if len(fns) == 2:
            a, b = fns
            return lambda r: [*a(r), *b(r)]
        if len(fns) == 3:
            a, b, c = fns
            return lambda r: [*a(r), *b(r), *c(r)]

        def concatenation(r: Render) -> list[str]:
            out: list[str] = []
            for fn in fns:
                out += fn(r)
            return out

        return concatenation

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

        def name(r: Render) -> str:
            strings = content(r)
            return strings[0].strip() if strings else ""

        return name


def child_nodes(el: etree._Element, where: Where) -> list[Child]:
    """An element's children in order; whitespace-only text and comments are dropped."""
    children: list[Child] = []
    if el.text and not el.text.isspace():
        children.append(el.text)
    for child in el:
        if isinstance(child, etree._Entity):
            raise error(f"entity reference &{child.name}; is not allowed", where)
        if isinstance(child, etree._ProcessingInstruction):
            raise error("processing instructions are not allowed", where)
        if not isinstance(child, etree._Comment):
            children.append(child)
        if child.tail and not child.tail.isspace():
            children.append(child.tail)
    return children


def check_count(count: int, bounds: tuple[int, int | None], what: str, where: Where) -> None:
    low, high = bounds
    if low <= count and (high is None or count <= high):
        return
    if low == high:
        limit, wanted = low, "exactly" if low else "no"
    elif count < low:
        limit, wanted = low, "at least"
    else:
        limit, wanted = high, "at most"
    plural = "s" if what == "argument" and limit != 1 else ""
    number = f" {limit}" if limit else ""
    raise error(f"takes {wanted}{number} {what}{plural}, got {count}", where)


def is_null(strings: list[str]) -> bool:
    """NULL is no strings at all, or only empty strings."""
    return not any(strings)
