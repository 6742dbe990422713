"""A configuration source that remembers what a rendering read, variable by variable, so a
later change re-renders only the files that read what changed, and the web server learns
which hosts a change affects."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping

from filemgr.templating import ConfigSource

ANY = "*"
# The "variable" read when a rendering asked whether an entity exists (or listed a type):
# only the entity's creation or deletion (or a definition change) can change that.
EXISTS = ""
Entity = tuple[str, str]  # (type, name); name ANY: the entities of the type, listed or searched
# A changed key: (type, name, variable); ANY for the name or the variable is any of them
# (a created, deleted or downloaded entity; a type's definitions).
Key = tuple[str, str, str]
# What one file's rendering read: the variables of each entity (ANY: all of them).
Reads = dict[Entity, frozenset[str]]


class RecordedValues(Mapping[str, list[str]]):
    """An entity's values that note which variables were read (templates use get)."""

    __slots__ = ("values", "read")

    def __init__(self, values: Mapping[str, list[str]], read: set[str]):
        self.values = values
        self.read = read

    def get(self, variable: str, default=None):
        self.read.add(variable)
        return self.values.get(variable, default)

    def __getitem__(self, variable: str) -> list[str]:
        self.read.add(variable)
        return self.values[variable]

    def __contains__(self, variable: object) -> bool:
        self.read.add(str(variable))
        return variable in self.values

    def __iter__(self) -> Iterator[str]:
        self.read.add(ANY)
        return iter(self.values)

    def __len__(self) -> int:
        self.read.add(ANY)
        return len(self.values)


class RecordingSource:
    """Wraps a source; reads() tells, per entity read, which of its variables were; listing
    or searching a type is read as (type, ANY)."""

    def __init__(self, source: ConfigSource):
        self.source = source
        # The variables read of each entity (None: it does not exist). Only these are held,
        # not the values: a template may read every host of a campus, one after the other.
        self._entities: dict[Entity, set[str] | None] = {}
        self._types: dict[str, set[str]] = {}

    def entity_values(self, entity_type: str, name: str) -> Mapping[str, list[str]] | None:
        key = (entity_type, name)
        values = self.source.entity_values(entity_type, name)
        if values is None:
            self._entities.setdefault(key, None)
            return None
        read = self._entities.get(key)
        if read is None:
            read = self._entities[key] = set()
        return RecordedValues(values, read)

    def entity_names(self, entity_type: str) -> list[str]:
        self._types.setdefault(entity_type, set()).add(EXISTS)
        return self.source.entity_names(entity_type)

    def entities_where(self, entity_type: str, variable: str, values: Collection[str]) -> set[str]:
        self._types.setdefault(entity_type, set()).add(variable)
        return self.source.entities_where(entity_type, variable, values)

    def entity_types(self) -> list[str]:
        return self.source.entity_types()

    def reads(self) -> Reads:
        # One frozenset for each distinct set of variables: a template that reads the same
        # few variables of 10,000 hosts keeps one set, not 10,000 equal ones.
        shared: dict[frozenset[str], frozenset[str]] = {}
        found: Reads = {}
        for key, read in self._entities.items():
            variables = frozenset(read or (EXISTS,))
            found[key] = shared.setdefault(variables, variables)
        for entity_type, variables in self._types.items():
            found[(entity_type, ANY)] = frozenset(variables)
        return found


def merge(*reads: Reads) -> Reads:
    """Everything any of reads read."""
    merged: dict[Entity, frozenset[str]] = {}
    for one in reads:
        for entity, variables in one.items():
            held = merged.get(entity)
            merged[entity] = variables if held is None else held | variables
    return merged


def meets(reads: Reads, key: Key) -> bool:
    """Whether a change of key can change what a rendering that read reads produced."""
    entity_type, name, variable = key
    if name == ANY:  # the type's definitions
        return any(t == entity_type for t, _ in reads)
    for entity in ((entity_type, name), (entity_type, ANY)):
        variables = reads.get(entity)
        if variables is not None and (variable == ANY or variable in variables or ANY in variables):
            return True
    return False
