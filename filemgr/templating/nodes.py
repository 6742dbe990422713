"""The checked tree of a template: each element's children, split into arguments and parts."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .context import Where, error

Child = etree._Element | str  # an element, or text that is not only whitespace


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
