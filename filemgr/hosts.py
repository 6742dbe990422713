"""Every host's resolution facts from the database, in one query (for the file webtool)."""

from __future__ import annotations

from collections import defaultdict

from entities.models import Entity, Value

from .resolution import (
    APPSERVER_VARIABLE,
    CLIENT,
    FILE_GROUP,
    FILE_ID,
    SERVER,
    HostFacts,
    host_facts,
)

FACT_VARIABLES = ("dept", "site", APPSERVER_VARIABLE, FILE_ID, FILE_GROUP)


def all_host_facts() -> list[HostFacts]:
    values: dict[int, dict[str, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
    for entity_id, variable, indx, text in Value.objects.filter(
        entity__entity_type__name__in=(CLIENT, SERVER), variable__name__in=FACT_VARIABLES
    ).values_list("entity_id", "variable__name", "indx", "value"):
        values[entity_id][variable][indx] = text
    facts = []
    for pk, name, kind in Entity.objects.filter(entity_type__name__in=(CLIENT, SERVER)).values_list(
        "pk", "name", "entity_type__name"
    ):
        by_var = values.get(pk, {})
        rows = max((max(by_var[v]) for v in (FILE_ID, FILE_GROUP) if by_var.get(v)), default=0)
        lists = {
            v: [by_var[v][i] for i in sorted(by_var[v])]
            for v in by_var
            if v not in (FILE_ID, FILE_GROUP)
        }
        for v in (FILE_ID, FILE_GROUP):
            lists[v] = [by_var.get(v, {}).get(i, "") for i in range(1, rows + 1)]
        facts.append(host_facts(name, kind, lists))
    return sorted(facts, key=lambda f: (f.kind, f.name))
