"""Every host's resolution facts from the database, in one query (for the file webtool)."""

from __future__ import annotations

from collections import defaultdict

from core.hosts import HOST_TYPES
from core.rows import value_lists
from entities.models import Entity, Value

from .resolution import (
    APPSERVER_VARIABLE,
    CONFIG_FILES_TABLE,
    FILE_GROUP,
    FILE_ID,
    HostFacts,
    host_facts,
)

FACT_VARIABLES = ("dept", "site", APPSERVER_VARIABLE, FILE_ID, FILE_GROUP)
GROUP_TABLE = {FILE_ID: CONFIG_FILES_TABLE, FILE_GROUP: CONFIG_FILES_TABLE}


def all_host_facts() -> list[HostFacts]:
    values: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    for entity_id, variable, indx, text in Value.objects.filter(
        entity__entity_type__name__in=HOST_TYPES, variable__name__in=FACT_VARIABLES
    ).values_list("entity_id", "variable__name", "indx", "value"):
        values[entity_id].append((variable, indx, text))
    facts = [
        host_facts(name, kind, value_lists(values.get(pk, ()), GROUP_TABLE))
        for pk, name, kind in Entity.objects.filter(entity_type__name__in=HOST_TYPES).values_list(
            "pk", "name", "entity_type__name"
        )
    ]
    return sorted(facts, key=lambda f: (f.kind, f.name))
