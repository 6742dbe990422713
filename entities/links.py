"""Links to many entities' pages from one reverse(): a search's results and a batch edit's
preview link a thousand entities, and reverse() costs tens of microseconds each."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS

# Stands for the entity's name in the one reverse(): no type name holds it (check_name).
_PLACEHOLDER = "\x00"


def entity_urls(type_name: str, view: str = "entities:entity") -> Callable[[str], str]:
    """The URL of `view` (entities:entity or entities:modify) for an entity of type_name by its
    name, as reverse() gives it."""
    before, after = reverse(view, args=[type_name, _PLACEHOLDER]).split(quote(_PLACEHOLDER))
    # How reverse() quotes each argument (django.urls.resolvers).
    safe = RFC3986_SUBDELIMS + "/~:@"
    return lambda name: f"{before}{quote(name, safe=safe)}{after}"
