"""Filters of the value editors: a variable's regex as the browser's `pattern` and in words."""

from django import template

from ..models import VariableDefinition
from ..patterns import browser_pattern as _browser_pattern
from ..validation import expected as _expected

register = template.Library()


@register.filter
def browser_pattern(definition: VariableDefinition) -> str | None:
    return _browser_pattern(definition.regex) if definition.regex else None


@register.filter
def expected(definition: VariableDefinition) -> str:
    return _expected(definition)
