"""Helpers the element builders share."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable

# Unlike re, the regex module can stop a search: a pathological pattern (catastrophic
# backtracking) fails the render instead of holding the worker forever.
import regex as regex_engine

from .. import context
from ..compiler import Compiler, Generator
from ..context import Render, Where, error, quoted
from ..nodes import Child

NUMBER_RE = re.compile(r"\s*[-+]?[0-9]+\s*")
BACKTRACKING_RE = re.compile(r"[*+?{|]")
LINEAR_LENGTH = 100


def constant_text(children: list[Child]) -> str | None:
    """The text of children made only of text, known when compiling; None otherwise."""
    if all(isinstance(c, str) for c in children):
        return "".join(children)  # type: ignore[arg-type]
    return None


def number(text: str, where: Where, quote: Callable[[str], str] = quoted) -> int:
    """The integer text holds; quote shows text in an error (a render passes Render.quote)."""
    if not NUMBER_RE.fullmatch(text):
        raise error(f"{quote(text)} is not a number", where)
    if len(text.strip().lstrip("+-")) > context.MAX_DIGITS:
        raise error(f"a number has at most {context.MAX_DIGITS} digits", where)
    return int(text)


def number_fn(cc: Compiler, children: list[Child], where: Where) -> Callable[[Render], int]:
    """An integer argument: checked when compiling if it is constant text."""
    text = constant_text(children)
    if text is not None:
        value = number(text, where)
        return lambda r: value
    content = cc.content(children)
    return lambda r: number_in(content(r), where, r)


def number_code(src: Generator, children: list[Child], where: Where) -> str:
    """The source of an integer argument: checked when compiling if it is constant text."""
    text = constant_text(children)
    if text is not None:
        return repr(number(text, where))
    strings = src.content(children).strings
    return f"{src.constant(number_in)}({strings}, {src.where(where)}, r)"


def number_in(strings: list[str], where: Where, r: Render) -> int:
    """The integer of the first string, which must be there."""
    if not strings:
        raise error("needs a number, got nothing", where)
    return number(strings[0], where, r.quote)


def regex_fn(
    cc: Compiler, children: list[Child], where: Where
) -> Callable[[Render], regex_engine.Pattern]:
    """A regular expression: compiled once when it is constant text."""
    text = constant_text(children)
    if text is not None:
        pattern = regex(text, where)
        return lambda r: pattern
    content = cc.content(children)
    return lambda r: regex(first(content(r)), where, r)


def regex(text: str, where: Where, r: Render | None = None) -> regex_engine.Pattern:
    """text compiled; r is None when text is the template's own (compiled with it)."""
    if len(text) > context.MAX_PATTERN:
        # Compiling is not bounded by the rendering's time: a long pattern is refused first.
        raise error(f"regular expression longer than {context.MAX_PATTERN} characters", where)
    try:
        return regex_engine.compile(text)
    except regex_engine.error as exc:
        if r is not None and not r.spells(text):
            # The engine's message can quote parts of the pattern.
            raise error(f"bad regular expression {r.quote(text)}", where) from None
        raise error(f"bad regular expression {quoted(text)}: {exc}", where) from None


def search(
    pattern: regex_engine.Pattern, text: str, where: Where, r: Render
) -> regex_engine.Match | None:
    """The first match of pattern in text, within what is left of the rendering's time for
    searches and for all its work."""
    if linear(pattern.pattern):
        return pattern.search(text)
    r.check_time(where)
    start = time.monotonic()
    left = r.regex_seconds
    timeout = min(left, r.deadline - start)
    try:
        if timeout <= 0:
            raise TimeoutError
        return pattern.search(text, timeout=timeout)
    except TimeoutError:
        if timeout < left:
            r.check_time(where)
        limit = f"{context.REGEX_SECONDS:g} s"
        raise error(
            f"regular expression {r.quote(pattern.pattern)} ran longer than {limit}"
            " (the time all searches of one rendering share)",
            where,
        ) from None
    finally:
        r.regex_seconds -= time.monotonic() - start


@functools.lru_cache(maxsize=256)
def linear(pattern: str) -> bool:
    """Whether a pattern is short and has neither repetition nor alternation (no *, +, ?, {
    or |): it cannot backtrack, each position costs at most its length, so its search is
    bounded by the text's (itself bounded by the rendering's budget) and needs neither a
    timeout nor the clock, each of which costs more than the search of a short value."""
    return len(pattern) <= LINEAR_LENGTH and not BACKTRACKING_RE.search(pattern)


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
