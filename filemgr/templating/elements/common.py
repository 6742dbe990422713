"""Helpers the element builders share."""

from __future__ import annotations

import re
from collections.abc import Callable

# Unlike re, the regex module can stop a search: a pathological pattern (catastrophic
# backtracking) fails the render instead of holding the worker forever.
import regex as regex_engine

from ..compiler import Child, Compiler, ValueFn
from ..context import Render, Where, error

NUMBER_RE = re.compile(r"\s*[-+]?[0-9]+\s*")


def constant_text(children: list[Child]) -> str | None:
    """The text of children made only of text, known when compiling; None otherwise."""
    if all(isinstance(c, str) for c in children):
        return "".join(children)  # type: ignore[arg-type]
    return None


def number(text: str, where: Where) -> int:
    if not NUMBER_RE.fullmatch(text):
        raise error(f"{text!r} is not a number", where)
    return int(text)


def number_fn(cc: Compiler, children: list[Child], where: Where) -> Callable[[Render], int]:
    """An integer argument: checked when compiling if it is constant text."""
    text = constant_text(children)
    if text is not None:
        value = number(text, where)
        return lambda r: value
    content = cc.content(children)

    def evaluate(r: Render) -> int:
        strings = content(r)
        if not strings:
            raise error("needs a number, got nothing", where)
        return number(strings[0], where)

    return evaluate


REGEX_TIMEOUT = 1.0


def regex_fn(
    cc: Compiler, children: list[Child], where: Where
) -> Callable[[Render], regex_engine.Pattern]:
    """A regular expression: compiled once when it is constant text."""
    text = constant_text(children)
    if text is not None:
        pattern = regex(text, where)
        return lambda r: pattern
    content = cc.content(children)
    return lambda r: regex(first(content(r)), where)


def regex(text: str, where: Where) -> regex_engine.Pattern:
    try:
        return regex_engine.compile(text)
    except regex_engine.error as exc:
        raise error(f"bad regular expression {text!r}: {exc}", where) from None


def search(pattern: regex_engine.Pattern, text: str, where: Where) -> regex_engine.Match | None:
    try:
        return pattern.search(text, timeout=REGEX_TIMEOUT)
    except TimeoutError:
        raise error(
            f"regular expression {pattern.pattern!r} ran longer than {REGEX_TIMEOUT:g} s", where
        ) from None


def first(strings: list[str]) -> str:
    """The one string used where the guide takes a single value: the zeroth, or ""."""
    return strings[0] if strings else ""


def names_fn(cc: Compiler, children: list[Child]) -> Callable[[Render], list[str]]:
    """Names (variables, entities): every string stripped, empty ones dropped."""
    text = constant_text(children)
    if text is not None:
        constant = [text.strip()] if text.strip() else []
        return lambda r: constant
    content = cc.content(children)
    return lambda r: [s.strip() for s in content(r) if s.strip()]


def const(strings: list[str]) -> ValueFn:
    return lambda r: strings
