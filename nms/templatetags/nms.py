"""Small filters of the NMS pages."""

from datetime import timedelta

from django import template

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


@register.filter
def levels_text(levels) -> str:
    """The levels as a sentence: "warning > 85, critical > 95 percent"."""
    sign = ">" if levels.compare == "greater" else "="
    parts = [
        f"{name} {sign} {' or '.join(values)}"
        for name, values in (("warning", levels.warning), ("critical", levels.critical))
        if values
    ]
    text = ", ".join(parts) or "no levels"
    return f"{text} ({levels.units})" if levels.units and parts else text
