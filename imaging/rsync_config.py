"""The replication configuration read from the database as imaging.replication's plain data:
three queries, whatever the number of servers and rows."""

from __future__ import annotations

from dataclasses import dataclass

from core.rows import value_lists
from entities.models import Entity, Value

from .replication import (
    FILTER_ACTION,
    FILTER_PATTERN,
    IMAGE_TYPE,
    RSYNC_COLUMNS,
    RSYNC_TABLE,
    SERVER_TYPE,
    Derivation,
    Image,
    RsyncRow,
    derive,
    image_from_values,
    rows_from_values,
)

_FILTER_TABLE = "Rsync_Filter_Tab"


@dataclass
class Configuration:
    images: list[Image]
    rows: list[RsyncRow]
    servers: set[str]

    def derive(self) -> Derivation:
        return derive(self.images, self.rows, self.servers)

    def with_rows(self, changed: list[RsyncRow]) -> Configuration:
        """The configuration once the changed rows replace theirs."""
        by_key = {r.key: r for r in self.rows} | {r.key: r for r in changed}
        return Configuration(self.images, list(by_key.values()), self.servers)


def _values_by_entity(entity_type: str, variables: dict[str, str]) -> dict[str, dict]:
    held: dict[str, list[tuple[str, int, str]]] = {}
    for entity, variable, indx, text in Value.objects.filter(
        entity__entity_type__name=entity_type, variable__name__in=list(variables)
    ).values_list("entity__name", "variable__name", "indx", "value"):
        held.setdefault(entity, []).append((variable, indx, text))
    tables = {v: t for v, t in variables.items() if t}
    return {entity: value_lists(values, tables) for entity, values in held.items()}


def configuration() -> Configuration:
    """Every rsyncImage, every server's Rsync rows, and the server names."""
    servers = set(
        Entity.objects.filter(entity_type__name=SERVER_TYPE).values_list("name", flat=True)
    )
    rows = [
        row
        for server, values in _values_by_entity(
            SERVER_TYPE, dict.fromkeys(RSYNC_COLUMNS, RSYNC_TABLE)
        ).items()
        for row in rows_from_values(server, values)
    ]
    image_variables = {"host": "", "directory": ""} | dict.fromkeys(
        (FILTER_ACTION, FILTER_PATTERN), _FILTER_TABLE
    )
    images = [
        image_from_values(name, values)
        for name, values in _values_by_entity(IMAGE_TYPE, image_variables).items()
    ]
    return Configuration(images, rows, servers)
