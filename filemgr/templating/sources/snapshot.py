"""An in-memory copy of the configuration: the fastest source, built in bulk."""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from core.rows import value_lists
from entities.mirror import MirrorEntity, MirrorEntityType, iter_mirror

Data = dict[str, dict[str, dict[str, list[str]]]]


class SnapshotSource:
    """Entities held as {type: {name: {variable: [values]}}}."""

    def __init__(self, data: Data):
        self.data = data
        self._index: dict[tuple[str, str], dict[str, set[str]]] = {}

    @classmethod
    def from_mirror(cls, directory: Path | str) -> SnapshotSource:
        return cls.from_items(iter_mirror(directory))

    @classmethod
    def from_items(cls, items: Iterable[MirrorEntity | MirrorEntityType]) -> SnapshotSource:
        """From parsed mirror files, each type's definitions before its entities."""
        tables: dict[str, dict[str, str]] = {}
        data: Data = {}
        for item in items:
            if isinstance(item, MirrorEntityType):
                tables[item.name] = {d.name: d.table for d in item.variables if d.table}
            else:
                data.setdefault(item.entity_type, {})[item.name] = mirror_values(item, tables)
        return cls(data)

    def entity_values(self, entity_type: str, name: str) -> Mapping[str, list[str]] | None:
        return self.data.get(entity_type, {}).get(name)

    def entity_names(self, entity_type: str) -> list[str]:
        return sorted(self.data.get(entity_type, ()))

    def entities_where(self, entity_type: str, variable: str, values: Collection[str]) -> set[str]:
        index = self._index.get((entity_type, variable))
        if index is None:
            index = {}
            for name, variables in self.data.get(entity_type, {}).items():
                for text in variables.get(variable, ()):
                    index.setdefault(text, set()).add(name)
            self._index[entity_type, variable] = index
        found: set[str] = set()
        for value in values:
            found |= index.get(value, set())
        return found

    def entity_types(self) -> list[str]:
        return sorted(self.data)


def mirror_values(
    entity: MirrorEntity, tables: Mapping[str, Mapping[str, str]]
) -> dict[str, list[str]]:
    rows: list[tuple[str, int, str]] = []
    for var, values in entity.variables.items():
        name = sys.intern(var)  # an agent keeps hundreds of parsed entities of one type
        rows += [(name, v.indx, v.text) for v in values]
    return value_lists(rows, tables.get(entity.entity_type, {}))
