"""The mirror download: what `exportxml` writes, as JSON an agent stores. The whole mirror
comes in pages of entities (by primary key, after a cursor), each streamed as it is read, so
neither the web worker nor the agent ever holds a campus's tens of megabytes at once."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC
from typing import Any

from django.db.models import Q, QuerySet

from entities.exporting import mirror_type
from entities.models import Entity, EntityType, Value, VariableDefinition
from entities.reading import SECRET_MASK, committed_seq
from entities.secret_access import NO_SECRETS, SecretAccess

# Entities per page: an agent asks for PAGE_DEFAULT (about 0.5 MB of JSON on gendata's
# campus); PAGE_MAX bounds what one request may make the web worker read.
PAGE_DEFAULT = 250
PAGE_MAX = 2000
VALUES_CHUNK = 2000  # rows fetched from the database at a time


@dataclass(frozen=True)
class MirrorAnswer:
    """One download: `latest` read before anything else (what follows is at least that new,
    so an agent that replays the feed after it loses nothing) and `next`, the cursor of the
    following page (None on the last page and for a download of named entities)."""

    latest: int
    next: int | None
    types: QuerySet
    entities: list[tuple[int, str, str]]  # (pk, type, name) in pk order
    values: QuerySet
    secrets: SecretAccess

    def chunks(self) -> Iterator[bytes]:
        """The JSON answer, one entity at a time."""
        head = {"latest": self.latest, "next": self.next, "types": self._types()}
        yield json.dumps(head)[:-1].encode() + b', "entities": ['
        rows = self.values.values_list(
            "entity_id", "variable__name", "variable__secret", "indx", "value", "modified"
        ).iterator(chunk_size=VALUES_CHUNK)
        row = next(rows, None)
        for i, (pk, entity_type, name) in enumerate(self.entities):
            # Values of an entity created since the page's list was read are left out: the
            # change feed brings it.
            while row is not None and row[0] < pk:
                row = next(rows, None)
            shows = self.secrets.shows(entity_type, name)
            variables: dict[str, list[list[Any]]] = {}
            while row is not None and row[0] == pk:
                _, variable, secret, indx, text, modified = row
                modified = modified.astimezone(UTC).replace(tzinfo=None).isoformat()
                variables.setdefault(variable, []).append(
                    [indx, SECRET_MASK if secret and not shows else text, modified]
                )
                row = next(rows, None)
            item = {"type": entity_type, "name": name, "variables": variables}
            yield (b", " if i else b"") + json.dumps(item).encode()
        yield b"]}"

    def _types(self) -> list[dict[str, Any]]:
        definitions: dict[int, list[VariableDefinition]] = {}
        for d in VariableDefinition.objects.filter(entity_type__in=self.types).select_related(
            "reference_type", "enum_type"
        ):
            definitions.setdefault(d.entity_type_id, []).append(d)
        return [asdict(mirror_type(t, definitions.get(t.pk, []))) for t in self.types]


def mirror_page(
    after: int | None = None, limit: int = PAGE_DEFAULT, secrets: SecretAccess = NO_SECRETS
) -> MirrorAnswer:
    """The first `limit` entities whose primary key follows `after`; the first page (no
    `after`) carries every type's definitions. Secret values masked but where `secrets`
    shows them."""
    latest = committed_seq()
    types = EntityType.objects.all() if after is None else EntityType.objects.none()
    chosen = Entity.objects.order_by("pk")
    if after is not None:
        chosen = chosen.filter(pk__gt=after)
    entities = list(chosen.values_list("pk", "entity_type__name", "name")[:limit])
    values = Value.objects.none()
    if entities:
        first, last = entities[0][0], entities[-1][0]
        values = Value.objects.filter(entity_id__gte=first, entity_id__lte=last)
    more = len(entities) == limit
    return MirrorAnswer(
        latest, entities[-1][0] if more else None, types, entities, _ordered(values), secrets
    )


def mirror_named(
    entities: Collection[tuple[str, str]],
    types: Collection[str],
    secrets: SecretAccess = NO_SECRETS,
) -> MirrorAnswer:
    """The named entities (type, name) and types' definitions, in one answer."""
    latest = committed_seq()
    query = Q(pk__in=[])
    for entity_type, name in entities:
        query |= Q(entity_type__name=entity_type, name=name)
    found = list(
        Entity.objects.filter(query).order_by("pk").values_list("pk", "entity_type__name", "name")
    )
    values = Value.objects.filter(entity_id__in=[pk for pk, _, _ in found])
    return MirrorAnswer(
        latest,
        None,
        EntityType.objects.filter(name__in=set(types)),
        found,
        _ordered(values),
        secrets,
    )


def _ordered(values: QuerySet) -> QuerySet:
    return values.order_by("entity_id", "variable_id", "indx")
