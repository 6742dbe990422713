"""Small filters of the NMS pages, and the overview's tiles."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from html import escape
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from ..choices import NO_DATA, Level
from ..overview import Tile

register = template.Library()


@register.simple_tag
def tiles(shown: Iterable[Tile]) -> SafeString:
    """Every host's tile as one string: with 10,000 hosts a template loop, a URL reversed per
    tile and Django's lazy-aware escape cost more than the page's queries."""
    host_url = reverse("nms:host", args=["-"]).removesuffix("-/")
    return mark_safe("".join(_tile(t, host_url) for t in shown))


def _tile(tile: Tile, host_url: str) -> str:
    name, state = escape(tile.name), tile.state
    marks = [m for m, on in (("acked", tile.acknowledged), ("maint", tile.maintenance)) if on]
    flags = ""
    if tile.silent:
        flags = "<i>silent</i>"
    elif tile.problems:
        count = len(tile.problems)
        flags = f"<i>{count} problem{'' if count == 1 else 's'}</i>"
    elif state == NO_DATA:
        flags = "<i>no data</i>"
    flags += "<i>✓ ack</i>" * tile.acknowledged + "<i>maintenance</i>" * tile.maintenance
    title = "" if state in (Level.OK, NO_DATA) else f' title="{escape(tile.summary)}"'
    return (
        f'<a href="{host_url}{escape(quote(tile.name))}/" class="{" ".join([state, *marks])}" '
        f'data-host="{name}" data-state="{state}"{title}><b>{name}</b>'
        f"<small>{tile.kind} · {escape(tile.domain) or 'no domain'}</small>{flags}</a>"
    )


@register.filter
def duration(value: timedelta | None) -> str:
    """A forecast's time left, in the largest unit that says it: "3 days", "5 hours"."""
    if value is None:
        return ""
    hours = value.total_seconds() / 3600
    if hours < 1:
        return "less than an hour"
    if hours < 48:
        return f"{hours:.0f} hours"
    return f"{hours / 24:.0f} days"


def _level(compare: str, value: str) -> str:
    low, dots, high = value.partition("..")
    if dots:
        if low and high:
            return f"{low}–{high}"
        return f"≥ {low}" if low else f"≤ {high}"
    return f"{'>' if compare == 'greater' else '='} {value}"


@register.filter
def levels_text(levels) -> str:
    """The levels as a sentence: "warning > 85, critical > 95 (percent)"."""
    parts = [
        f"{name} {' or '.join(_level(levels.compare, v) for v in values)}"
        for name, values in (("warning", levels.warning), ("critical", levels.critical))
        if values
    ]
    text = ", ".join(parts) or "no levels"
    return f"{text} ({levels.units})" if levels.units and parts else text


@register.filter
def since(value: datetime, now: datetime) -> str:
    """How long ago, in its largest unit only: "4 hours", "2 days"."""
    return timesince(value, now, depth=1)
