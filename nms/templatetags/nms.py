"""Small filters of the NMS pages."""

from datetime import datetime, timedelta

from django import template
from django.utils.timesince import timesince

register = template.Library()


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
