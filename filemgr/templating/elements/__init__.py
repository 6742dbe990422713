"""The language: every element, what builds it and the argument shape it takes.

Adding an element is adding its generator (Python source) or builder (a closure) and one row
here."""

from __future__ import annotations

from ..compiler import Element
from .control import (
    build_and,
    build_or,
    generate_getvalue,
    generate_if,
    generate_item,
    generate_iterate,
    generate_setvalue,
    generate_template,
)
from .data import (
    build_confval,
    build_getentitylist,
    build_is_entity,
    build_search,
    build_varval,
    generate_def_entity,
    generate_def_type,
    generate_self,
    generate_selftype,
    generate_setdefaults,
    generate_varval,
)
from .text import (
    ARITHMETIC,
    build_arithmetic,
    build_comparison,
    build_hasvalue,
    build_indexof,
    build_match,
    build_numstrings,
    build_select,
    build_sorted,
    build_unique,
    generate_cat,
    generate_line,
    generate_literal,
    generate_substitute,
)

ANY = (0, None)
ONE = (1, 1)
OPTIONAL = (0, 1)
SOME = (1, None)
TWO = (2, 2)


def part(*within: str, args: tuple[int, int | None] = ANY, **parts) -> Element:
    """A syntactic element: content for the element(s) it sits in, never a value by itself."""
    return Element(args=args, parts=parts, within=within)


ELEMENTS: dict[str, Element] = {
    "Template": Element(generate=generate_template, args=ANY),
    "literal": Element(generate=generate_literal, args=ONE, text_only=True),
    "self": Element(generate=generate_self),
    "selftype": Element(generate=generate_selftype),
    "setvalue": Element(generate=generate_setvalue, args=TWO),
    "getvalue": Element(generate=generate_getvalue, args=ONE),
    "setdefaults": Element(
        generate=generate_setdefaults, args=ANY, parts={"type": OPTIONAL, "entity": OPTIONAL}
    ),
    "varVal": Element(
        build_varval,
        generate_varval,
        args=SOME,
        parts={"type": OPTIONAL, "entity": OPTIONAL},
    ),
    "confVal": Element(build_confval, args=SOME, parts={"entity": OPTIONAL}),
    "def_entity": Element(generate=generate_def_entity),
    "def_type": Element(generate=generate_def_type),
    "is_entity": Element(build_is_entity, args=(1, 2), condition=True),
    "OR_expr": Element(
        build_search(lambda sets: set().union(*sets)),
        parts={"type": OPTIONAL, "var": SOME, "val": SOME},
    ),
    "AND_expr": Element(
        build_search(lambda sets: set.intersection(*sets)),
        parts={"type": OPTIONAL, "var": SOME, "val": SOME},
    ),
    "iterateOverLists": Element(generate=generate_iterate, args=ANY, parts={"iteratorList": SOME}),
    "item": Element(generate=generate_item, args=OPTIONAL, attrs=frozenset({"level"})),
    "select": Element(build_select, args=SOME, parts={"index": ONE}),
    "indexof": Element(build_indexof, args=TWO),
    "numStrings": Element(build_numstrings, args=ANY),
    **{name: Element(build_arithmetic(op), args=TWO) for name, op in ARITHMETIC.items()},
    "if": Element(
        generate=generate_if, args=ONE, parts={"then": ONE, "elseif": ANY, "else": OPTIONAL}
    ),
    "equal": Element(build_comparison(True), args=TWO, condition=True),
    "noteq": Element(build_comparison(False), args=TWO, condition=True),
    "hasvalue": Element(build_hasvalue, args=TWO, condition=True),
    "match": Element(build_match, args=SOME, parts={"pattern": ONE}, condition=True),
    "or": Element(build_or, args=SOME, condition=True),
    "and": Element(build_and, args=SOME, condition=True),
    "substitute": Element(generate=generate_substitute, args=TWO, parts={"pattern": ONE}),
    "getentitylist": Element(build_getentitylist, args=ANY),
    "unique": Element(build_unique, args=ANY),
    "sorted": Element(build_sorted, args=ANY),
    "line": Element(generate=generate_line, args=ANY, parts={"ts": ANY}),
    "cat": Element(generate=generate_cat, args=ANY),
    # Syntactic elements.
    "type": part("varVal", "setdefaults", "OR_expr", "AND_expr", args=SOME),
    "entity": part("varVal", "confVal", "setdefaults", args=SOME),
    "var": part("OR_expr", "AND_expr", args=SOME),
    "val": part("OR_expr", "AND_expr"),
    "iteratorList": part("iterateOverLists"),
    "index": part("select", args=SOME),
    "pattern": part("match", "substitute", args=SOME),
    "then": part("if", "elseif"),
    "elseif": part("if", args=ONE, then=ONE),
    "else": part("if"),
    "ts": part("line", args=SOME),
}
