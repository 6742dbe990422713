"""A configuration source that remembers what a rendering read, so a later change re-renders
only the files that read what changed, and the web server learns which hosts a change
affects."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from filemgr.templating import ConfigSource

Key = tuple[str, str]
ANY = "*"


class RecordingSource:
    """Wraps a source; reads collects (type, name) per entity read and (type, "*") when a
    rendering listed or searched the entities of a type."""

    def __init__(self, source: ConfigSource):
        self.source = source
        self.reads: set[Key] = set()

    def entity_values(self, entity_type: str, name: str) -> Mapping[str, list[str]] | None:
        self.reads.add((entity_type, name))
        return self.source.entity_values(entity_type, name)

    def entity_names(self, entity_type: str) -> list[str]:
        self.reads.add((entity_type, ANY))
        return self.source.entity_names(entity_type)

    def entities_where(self, entity_type: str, variable: str, values: Collection[str]) -> set[str]:
        self.reads.add((entity_type, ANY))
        return self.source.entities_where(entity_type, variable, values)

    def entity_types(self) -> list[str]:
        return self.source.entity_types()
