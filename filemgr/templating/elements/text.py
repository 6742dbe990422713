"""Elements that compute with strings: literal, select, arithmetic, substitute, line, tests."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable

from ..compiler import EMPTY, Compiler, Node, TestFn, ValueFn
from ..context import Render, Where, error
from .common import first, number_fn, regex_fn, search

TOKEN_RE = re.compile(r"\\([0-9])")


def build_literal(node: Node, cc: Compiler) -> ValueFn:
    text = [node.children[0]]
    return lambda r: text


def joined(parts: list[str], r: Render, where: Where, end: str = "") -> str:
    """The parts and end as one string, taken from the rendering's budget before it is built."""
    r.budget -= sum(map(len, parts)) + len(end)
    if r.budget < 0:
        raise r.over_budget(where)
    return "".join(parts) + end


def build_cat(node: Node, cc: Compiler) -> ValueFn:
    where = node.where
    content = cc.content(node.args)

    def cat(r: Render) -> list[str]:
        return [joined(content(r), r, where)]

    return cat


def build_line(node: Node, cc: Compiler) -> ValueFn:
    where = node.where
    if "ts" not in node.parts:
        content = cc.content(node.args)

        def line_(r: Render) -> list[str]:
            return [joined(content(r), r, where, "\n")]

        return line_
    # Segments in order: a tab stop (an int function and its <ts>) or content (a list function).
    segments: list[tuple[Where | None, Callable]] = []
    for child in node.children:
        if not isinstance(child, str) and child.tag == "ts":
            ts = cc.node(child, node.tag)[0]
            segments.append((ts.where, number_fn(cc, ts.args, ts.where)))
        else:
            segments.append((None, cc.value(child)))

    def line(r: Render) -> list[str]:
        parts: list[str] = []
        column = 0
        for tab_stop, fn in segments:
            if tab_stop:
                stop = fn(r)
                if column < stop:
                    r.reserve(stop - column, tab_stop)
                    parts.append(" " * (stop - column))
                    column = stop
                continue
            for text in fn(r):
                parts.append(text)
                newline = text.rfind("\n")
                column = len(text) - newline - 1 if newline >= 0 else column + len(text)
        return [joined(parts, r, where, "\n")]

    return line


def build_select(node: Node, cc: Compiler) -> ValueFn:
    index_node = cc.part(node, "index")
    index = number_fn(cc, index_node.args, index_node.where)
    content = cc.content(node.args)

    def select(r: Render) -> list[str]:
        i = index(r)
        strings = content(r)
        return [strings[i]] if 0 <= i < len(strings) else EMPTY

    return select


def build_indexof(node: Node, cc: Compiler) -> ValueFn:
    pattern, strings = cc.value(node.args[0]), cc.value(node.args[1])

    def indexof(r: Render) -> list[str]:
        wanted = first(pattern(r))
        for i, text in enumerate(strings(r)):
            if text == wanted:
                return [str(i)]
        return EMPTY

    return indexof


def build_numstrings(node: Node, cc: Compiler) -> ValueFn:
    content = cc.content(node.args)
    return lambda r: [str(len(content(r)))]


def truncating_div(a: int, b: int) -> int:
    quotient = abs(a) // abs(b)
    return -quotient if (a < 0) != (b < 0) else quotient


def build_arithmetic(op: Callable[[int, int], int]):
    """plus, minus, mul, div: two integers in, one integer string out."""

    def build(node: Node, cc: Compiler) -> ValueFn:
        where = node.where
        left, right = (number_fn(cc, [child], where) for child in node.args)

        def arithmetic(r: Render) -> list[str]:
            a, b = left(r), right(r)
            if op is truncating_div and b == 0:
                raise error("division by zero", where)
            return [str(op(a, b))]

        return arithmetic

    return build


def build_substitute(node: Node, cc: Compiler) -> ValueFn:
    where = node.where
    pattern_node = cc.part(node, "pattern")
    pattern = regex_fn(cc, pattern_node.args, pattern_node.where)
    string, replacement = cc.value(node.args[0]), cc.value(node.args[1])

    def substitute(r: Render) -> list[str]:
        strings = string(r)
        if not strings:
            return EMPTY
        text = strings[0]
        compiled = pattern(r)
        match = search(compiled, text, where, r)
        if match is None:
            return [text]
        parts = expand_tokens(first(replacement(r)), match, where)
        start, end = match.span()
        size = len(text) - (end - start)
        for part in parts:
            size += len(part) if isinstance(part, str) else part[1] - part[0]
        r.reserve(size, where)
        replaced = "".join(p if isinstance(p, str) else text[p[0] : p[1]] for p in parts)
        return [text[:start] + replaced + text[end:]]

    return substitute


def expand_tokens(template: str, match: re.Match, where: Where) -> list[str | tuple[int, int]]:
    """The replacement in parts: text, or the span of the match a token stands for (\\0 the
    whole match, \\1 to \\9 its groups); every other character stays as written."""
    if "\\" not in template:
        return [template]
    parts: list[str | tuple[int, int]] = []
    position = 0
    for token in TOKEN_RE.finditer(template):
        group = int(token[1])
        if group > match.re.groups:
            raise error(f"\\{group} but the pattern has {match.re.groups} groups", where)
        parts.append(template[position : token.start()])
        start, end = match.span(group)
        parts.append((0, 0) if start < 0 else (start, end))  # (-1, -1): the group did not take part
        position = token.end()
    parts.append(template[position:])
    return parts


def build_unique(node: Node, cc: Compiler) -> ValueFn:
    content = cc.content(node.args)
    return lambda r: list(dict.fromkeys(content(r)))


def build_sorted(node: Node, cc: Compiler) -> ValueFn:
    content = cc.content(node.args)
    return lambda r: sorted(content(r))


def build_comparison(equal: bool):
    """equal and noteq: the first strings of two arguments; invalid when one has none."""

    def build(node: Node, cc: Compiler) -> TestFn:
        left, right = cc.value(node.args[0]), cc.value(node.args[1])

        def compare(r: Render) -> bool | None:
            a, b = left(r), right(r)
            if not a or not b:
                return None
            return (a[0] == b[0]) is equal

        return compare

    return build


def build_hasvalue(node: Node, cc: Compiler) -> TestFn:
    strings, value = cc.value(node.args[0]), cc.value(node.args[1])

    def hasvalue(r: Render) -> bool | None:
        wanted = value(r)
        return wanted[0] in strings(r) if wanted else None

    return hasvalue


def build_match(node: Node, cc: Compiler) -> TestFn:
    pattern_node = cc.part(node, "pattern")
    pattern = regex_fn(cc, pattern_node.args, pattern_node.where)
    content = cc.content(node.args)

    def match(r: Render) -> bool | None:
        strings = content(r)
        return search(pattern(r), strings[0], node.where, r) is not None if strings else None

    return match


ARITHMETIC = {
    "plus": operator.add,
    "minus": operator.sub,
    "mul": operator.mul,
    "div": truncating_div,
}
