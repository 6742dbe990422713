"""The configuration source interface and what every source shares."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol

from core.hosts import HOST_TYPES, host_kind

from ..errors import UnknownHost


class ConfigSource(Protocol):
    """Read-only access to the configuration database, whatever holds it."""

    def entity_values(self, entity_type: str, name: str) -> Mapping[str, list[str]] | None:
        """Every variable of one entity with its values in indx order; None if no such entity.

        Callers never mutate the lists."""

    def entity_names(self, entity_type: str) -> list[str]:
        """The names of the entities of a type, sorted."""

    def entities_where(self, entity_type: str, variable: str, values: Collection[str]) -> set[str]:
        """The entities of a type having a value of variable equal to one of values."""

    def entity_types(self) -> list[str]:
        """Every entity type name, sorted."""


class CachingSource:
    """What a source that reads one entity at a time shares: each entity and each type's
    table columns are read once and kept for the source's life."""

    def __init__(self) -> None:
        self._entities: dict[tuple[str, str], Mapping[str, list[str]] | None] = {}
        self._tables: dict[str, dict[str, str]] = {}

    def entity_values(self, entity_type: str, name: str) -> Mapping[str, list[str]] | None:
        key = (entity_type, name)
        if key not in self._entities:
            self._entities[key] = self._read(entity_type, name)
        return self._entities[key]

    def _table_columns(self, entity_type: str) -> dict[str, str]:
        """Each table column variable of the type, mapped to its table."""
        if entity_type not in self._tables:
            self._tables[entity_type] = self._read_table_columns(entity_type)
        return self._tables[entity_type]

    def _read(self, entity_type: str, name: str) -> Mapping[str, list[str]] | None:
        raise NotImplementedError

    def _read_table_columns(self, entity_type: str) -> dict[str, str]:
        raise NotImplementedError


def host_type(source: ConfigSource, host: str) -> str:
    """The type of the host entity: client, then server, then any other type."""
    if kind := host_kind(source, host):
        return kind
    for entity_type in source.entity_types():
        if entity_type not in HOST_TYPES and source.entity_values(entity_type, host) is not None:
            return entity_type
    raise UnknownHost(f"no host named {host!r} in the configuration")
