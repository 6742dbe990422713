"""Elements that compute with strings: literal, select, arithmetic, substitute, line, tests."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable

from ..codegen import EMPTY, Value
from ..codegen import text as fixed
from ..compiler import Compiler, Generator, TestFn, ValueFn
from ..context import Render, Where, error
from ..nodes import Node
from .common import constant_text, first, linear, number_code, number_fn, regex, regex_fn, search

TOKEN_RE = re.compile(r"\\([0-9])")


def generate_literal(node: Node, src: Generator) -> Value:
    return fixed(node.children[0])


def generate_cat(node: Node, src: Generator) -> Value:
    return src.joined(node.args, src.where(node.where))


def generate_line(node: Node, src: Generator) -> Value:
    where = src.where(node.where)
    if "ts" not in node.parts:
        return src.joined(node.args, where, "\n")
    parts, column, scanned = src.temp(), src.temp(), src.temp()
    src.emit(f"{parts} = []")
    src.emit(f"{column} = {scanned} = 0")
    for child in node.children:
        if isinstance(child, str) or child.tag != "ts":
            value = src.value(child)
            src.emit(
                f"{parts}.append({value.code})" if value.single else f"{parts} += {value.code}"
            )
            continue
        ts = src.cc.node(child, node.tag)[0]
        stop = src.temp()
        src.emit(f"{stop} = {number_code(src, ts.args, ts.where)}")
        src.emit(f"{column} = {src.constant(column_after)}({parts}, {scanned}, {column})")
        with src.block(f"if {column} < {stop}:"):
            src.emit(f"r.reserve({stop} - {column}, {src.where(ts.where)})")
            src.emit(f"{parts}.append(' ' * ({stop} - {column}))")
            src.emit(f"{column} = {stop}")
        src.emit(f"{scanned} = len({parts})")
    src.emit(f"{parts}.append('\\n')")
    src.charge(f"sum(map(len, {parts}))", where)
    return Value(f"''.join({parts})", single=True)


def column_after(parts: list[str], start: int, column: int) -> int:
    """The column a line is at after parts[start:], from column before them."""
    for part in parts[start:]:
        newline = part.rfind("\n")
        column = len(part) - newline - 1 if newline >= 0 else column + len(part)
    return column


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
        # Two calls, not a generator: each frame counts against the nesting a caller has left.
        left = number_fn(cc, [node.args[0]], where)
        right = number_fn(cc, [node.args[1]], where)

        def arithmetic(r: Render) -> list[str]:
            a, b = left(r), right(r)
            if op is truncating_div and b == 0:
                raise error("division by zero", where)
            return [str(op(a, b))]

        return arithmetic

    return build


def generate_substitute(node: Node, src: Generator) -> Value:
    where = src.where(node.where)
    pattern_node = src.cc.part(node, "pattern")
    text = constant_text(pattern_node.args)
    plain = text is not None and linear(text)
    if plain:
        pattern = src.constant(regex(text, pattern_node.where))
    else:
        pattern = src.constant(regex_fn(src.cc, pattern_node.args, pattern_node.where))
    strings = src.local(src.value(node.args[0]))
    result, match = src.temp(), src.temp()
    with src.block(f"if not {strings}:"):
        src.emit(f"{result} = EMPTY")
    with src.block("else:"):
        if plain:  # what search() does with such a pattern, without its two calls
            src.emit(f"{match} = {pattern}.search({strings}[0])")
        else:
            find = src.constant(search)
            src.emit(f"{match} = {find}({pattern}(r), {strings}[0], {where}, r)")
        with src.block(f"if {match} is None:"):
            src.emit(f"{result} = [{strings}[0]]")
        with src.block("else:"):
            replacement = src.value(node.args[1])
            chosen = replacement.code
            if not replacement.single:
                chosen = f"{src.constant(first)}({chosen})"
            replace = src.constant(replaced)
            src.emit(f"{result} = [{replace}({strings}[0], {match}, {chosen}, {where}, r)]")
    return Value(result)


def replaced(text: str, match: re.Match, replacement: str, where: Where, r: Render) -> str:
    """text with the match replaced, the tokens of replacement expanded."""
    start, end = match.span()
    if "\\" not in replacement:  # the common case (", $" replaced by ""), kept short
        r.reserve(len(text) - (end - start) + len(replacement), where)
        return text[:start] + replacement + text[end:]
    parts = expand_tokens(replacement, match, where, r)
    size = len(text) - (end - start)
    for part in parts:
        size += len(part) if isinstance(part, str) else part[1] - part[0]
    r.reserve(size, where)
    return (
        text[:start]
        + "".join(p if isinstance(p, str) else text[p[0] : p[1]] for p in parts)
        + text[end:]
    )


def expand_tokens(
    template: str, match: re.Match, where: Where, r: Render
) -> list[str | tuple[int, int]]:
    """The replacement in parts: text, or the span of the match a token stands for (\\0 the
    whole match, \\1 to \\9 its groups); every other character stays as written."""
    parts: list[str | tuple[int, int]] = []
    position = 0
    for token in TOKEN_RE.finditer(template):
        group = int(token[1])
        if group > match.re.groups:
            # Even the token's digit is part of a value the template may not have written.
            token_shown = f"\\{group}" if r.spells(template) else "the replacement names a group"
            raise error(f"{token_shown} but the pattern has {match.re.groups} groups", where)
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
