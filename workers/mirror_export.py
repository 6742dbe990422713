"""The mirror download: what `exportxml` writes, as one JSON answer an agent stores."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import asdict
from datetime import UTC
from typing import Any

from django.db.models import Q

from entities.exporting import mirror_type
from entities.models import Entity, EntityType, Value, VariableDefinition
from entities.reading import SECRET_MASK, committed_seq
from entities.secret_access import NO_SECRETS, SecretAccess


def mirror_download(
    entities: Collection[tuple[str, str]] = (),
    types: Collection[str] = (),
    secrets: SecretAccess = NO_SECRETS,
) -> dict[str, Any]:
    """Everything when nothing is named; else the named entities and types' definitions;
    secret values masked but where `secrets` shows them.

    `latest` is read first: what follows is at least that new, so an agent that replays the
    feed after it loses nothing."""
    everything = not entities and not types
    latest = committed_seq()
    type_names = None if everything else set(types)
    definitions = defaultdict(list)
    found_types = EntityType.objects.all()
    if type_names is not None:
        found_types = found_types.filter(name__in=type_names)
    for d in VariableDefinition.objects.filter(entity_type__in=found_types).select_related(
        "reference_type", "enum_type"
    ):
        definitions[d.entity_type_id].append(d)
    type_data = [asdict(mirror_type(t, definitions[t.pk])) for t in found_types]

    values = Value.objects.all()
    entity_query = Q()
    for entity_type, name in entities:
        entity_query |= Q(entity_type__name=entity_type, name=name)
    if everything:
        chosen = Entity.objects.all()
    elif entities:
        chosen = Entity.objects.filter(entity_query)
    else:
        chosen = Entity.objects.none()
    result: dict[int, dict[str, Any]] = {
        pk: {"type": entity_type, "name": name, "variables": {}}
        for pk, entity_type, name in chosen.values_list("pk", "entity_type__name", "name")
    }
    if not everything:
        values = values.filter(entity_id__in=list(result))
    for entity_id, variable, secret, indx, text, modified in values.values_list(
        "entity_id", "variable__name", "variable__secret", "indx", "value", "modified"
    ):
        if (item := result.get(entity_id)) is None:
            continue  # an entity created since its list was read: the change feed brings it
        if secret and not secrets.shows(item["type"], item["name"]):
            text = SECRET_MASK
        item["variables"].setdefault(variable, []).append(
            [indx, text, modified.astimezone(UTC).replace(tzinfo=None).isoformat()]
        )
    for item in result.values():
        for values_of in item["variables"].values():
            values_of.sort()
    return {"latest": latest, "types": type_data, "entities": list(result.values())}
