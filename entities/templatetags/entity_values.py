"""Filters and tags of the value editors: a variable's regex as the browser's `pattern` and in
words, the options of its drop-down."""

from collections.abc import Iterable
from functools import lru_cache
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from ..links import entity_urls
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


# A client's Modify page offers every server and printer in several drop-downs, and a search
# for 24 rooms shows the room drop-down 25 times: thousands of options, joined here in one
# pass (format_html or a template loop costs microseconds each) and kept for the next select
# of the same choices.
@register.simple_tag
def options(choices: Iterable[str], value: str = "") -> SafeString:
    """A select's <option>s, the one equal to value selected."""
    text = escape(value)
    return mark_safe(
        _unselected_options(tuple(choices)).replace(
            f'<option value="{text}" >', f'<option value="{text}" selected>'
        )
    )


@lru_cache(maxsize=64)
def _unselected_options(choices: tuple[str, ...]) -> str:
    return "".join(
        f'<option value="{text}" >{text}</option>' for text in (escape(c) for c in choices)
    )


@register.simple_tag
def datalist_options(choices: Iterable[str]) -> SafeString:
    """A datalist's <option>s."""
    return mark_safe("".join(f'<option value="{escape(choice)}"></option>' for choice in choices))


@register.simple_tag
def chips(labels: Iterable[str]) -> SafeString:
    """A chip list's items: a batch edit names its thousand entities."""
    return mark_safe("".join(f"<li>{escape(label)}</li>" for label in labels))


def _joined(values: Iterable[str]) -> str:
    return escape(", ".join(values)) or "—"


# A batch edit's preview lists every value that changes, and a search's results every match:
# a row per entity (and variable), a thousand or more, joined here in one pass as the template
# loops wrote them.
@register.simple_tag
def preview_rows(rows: Iterable[tuple]) -> SafeString:
    """The preview table's rows: (entity, label, [(variable, old values, new values)]), all of
    one entity type."""
    html = []
    url_of = None
    for entity, label, diffs in rows:
        url_of = url_of or entity_urls(entity.entity_type.name)
        link = f'<a href="{escape(url_of(entity.name))}">{escape(str(label))}</a>'
        for number, (name, old, new) in enumerate(diffs):
            first = f'<td rowspan="{len(diffs)}">{link}</td>' if number == 0 else ""
            html.append(
                f"<tr>{first}<td><code>{escape(name)}</code></td>"
                f'<td class="old">{_joined(old)}</td><td class="arrow">→</td>'
                f'<td class="new">{_joined(new)}</td></tr>'
            )
    return mark_safe("\n".join(html))


@register.simple_tag
def result_rows(results: Iterable[tuple], type_name: str, modify: bool) -> SafeString:
    """The search results' rows: ((entity id, name, active), [values of each shown variable]),
    each with its check box and a button to the entity's Modify page, or its view page when
    not modify."""
    url_of = entity_urls(type_name, "entities:modify" if modify else "entities:entity")
    html = []
    for (entity_id, entity_name, active), values in results:
        name = escape(entity_name)
        inactive = "" if active else ' <span class="badge warn">inactive</span>'
        cells = "".join(f"<td>{_joined(v)}</td>" for v in values)
        html.append(
            f'<tr><td class="check"><input type="checkbox" name="entity" value="{entity_id:d}"'
            f' checked aria-label="include {name}"></td>'
            f'<td><a class="button small entity-button" href="{escape(url_of(entity_name))}">'
            f"{name}</a>{inactive}</td>{cells}</tr>"
        )
    return mark_safe("\n".join(html))
