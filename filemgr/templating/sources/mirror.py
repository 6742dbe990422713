"""Reading the XML mirror lazily, file by file: what a host agent renders from."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from entities.mirror import VAR_DEFS_DIR, is_plain_name, read_entity_file, read_var_defs_file

from .base import CachingSource
from .snapshot import mirror_values


class MirrorSource(CachingSource):
    """The mirror at directory; files are read on first use and kept for the source's life."""

    def __init__(self, directory: Path | str):
        super().__init__()
        self.directory = Path(directory)

    def _read(self, entity_type: str, name: str) -> Mapping[str, list[str]] | None:
        # Names come from templates: only plain names may become a path.
        if not (is_plain_name(entity_type) and is_plain_name(name)):
            return None
        path = self.directory / entity_type / name
        if not path.is_file():
            return None
        return mirror_values(
            read_entity_file(path), {entity_type: self._table_columns(entity_type)}
        )

    def _read_table_columns(self, entity_type: str) -> dict[str, str]:
        path = self.directory / VAR_DEFS_DIR / entity_type
        definitions = read_var_defs_file(path).variables if path.is_file() else []
        return {d.name: d.table for d in definitions if d.table}

    def entity_names(self, entity_type: str) -> list[str]:
        if not is_plain_name(entity_type):
            return []
        type_dir = self.directory / entity_type
        if not type_dir.is_dir():
            return []
        return sorted(p.name for p in type_dir.iterdir() if not p.name.startswith("."))

    def entities_where(self, entity_type: str, variable: str, values: Collection[str]) -> set[str]:
        found = set()
        for name in self.entity_names(entity_type):
            variables = self.entity_values(entity_type, name) or {}
            if any(text in values for text in variables.get(variable, ())):
                found.add(name)
        return found

    def entity_types(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(
            p.name for p in self.directory.iterdir() if p.is_dir() and not p.name.startswith(".")
        )
