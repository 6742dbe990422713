"""The configuration source interface and what every source shares."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Protocol

from ..errors import UnknownHost

# Entity types searched, in order, for a host whose type is not given.
HOST_TYPES = ("client", "server")


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
    others = [t for t in source.entity_types() if t not in HOST_TYPES]
    for entity_type in (*HOST_TYPES, *others):
        if source.entity_values(entity_type, host) is not None:
            return entity_type
    raise UnknownHost(f"no host named {host!r} in the configuration")


def value_lists(
    rows: Iterable[tuple[str, int, str]], tables: Mapping[str, str]
) -> dict[str, list[str]]:
    """(variable, indx, text) rows -> each variable's values in indx order.

    Columns of one table (tables maps a column variable to its table) are aligned on the row
    number: a row missing in one column reads as "", so iterating over several columns of a
    table pairs the values of the same row."""
    by_var: dict[str, dict[int, str]] = {}
    for variable, indx, text in rows:
        by_var.setdefault(variable, {})[indx] = text
    table_rows: dict[str, int] = {}
    for variable, values in by_var.items():
        table = tables.get(variable)
        if table:
            table_rows[table] = max(table_rows.get(table, 0), max(values))
    lists: dict[str, list[str]] = {}
    for variable, values in by_var.items():
        table = tables.get(variable)
        if table:
            lists[variable] = [values.get(i, "") for i in range(1, table_rows[table] + 1)]
        else:
            lists[variable] = [values[i] for i in sorted(values)]
    for variable, table in tables.items():
        if variable not in lists and table in table_rows:
            lists[variable] = [""] * table_rows[table]
    return lists
