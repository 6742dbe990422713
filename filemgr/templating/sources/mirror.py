"""Reading the XML mirror lazily, file by file: what a host agent renders from."""

from __future__ import annotations

import os
import stat
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from entities.mirror import VAR_DEFS_DIR, is_plain_name, read_entity_file, read_var_defs_file

from .base import CachingSource
from .snapshot import mirror_values

Values = Mapping[str, list[str]]
Search = tuple[str, str, frozenset[str]]  # (type, variable, values) of entities_where
# A search result is kept while these are: the type's directory and its definitions file.
Stamp = tuple[tuple[int, int] | None, tuple[int, int] | None]
MAX_SEARCHES = 1000
# The entity files kept parsed, the least recently read dropped first: an agent's own entity,
# its fileMgr entities and what its templates read often stay, while a template reading every
# host of a campus (ssh_known_hosts) parses them again each time it is rendered rather than
# keep 17,000 entities in memory.
MAX_FILES = 500
# A directory changed this recently may change again within its clock's granularity without
# its modification time moving (git's "racily clean" files): a search of it is not kept.
SETTLED_NS = 2_000_000_000


class ParsedFiles:
    """Entity files already parsed, each kept while it is the same file on disk (inode, size,
    modification time) read with the same table columns, up to max_files of them: an agent's
    pass after the first parses only the files the change feed rewrote, not its thousands of
    hosts again."""

    def __init__(self, max_files: int = MAX_FILES) -> None:
        self._files: OrderedDict[str, tuple[tuple[int, int, int], Mapping[str, str], Values]] = (
            OrderedDict()
        )
        self._max_files = max_files
        self._searches: dict[Search, tuple[Stamp, set[str]]] = {}

    def search(self, key: Search, stamp: Stamp, find: Callable[[], set[str]]) -> set[str]:
        """find()'s entities, kept while stamp (taken before find) stays the same: a mirror
        file is only ever replaced by a rename, which changes its directory's modification
        time. (An appserver asks for its clients on every pass; finding them reads all the
        clients' files.)"""
        held = self._searches.get(key)
        if held is not None and held[0] == stamp:
            return held[1]
        started = time.time_ns()
        found = find()
        if all(s is None or s[1] < started - SETTLED_NS for s in stamp):
            if len(self._searches) >= MAX_SEARCHES:
                self._searches.clear()
            self._searches[key] = (stamp, found)
        return found

    def values(
        self, path: Path, columns: dict[str, str], read: Callable[[], Values]
    ) -> Values | None:
        """path's values, from read() when not held; None when path is not a file."""
        key = str(path)  # a tenth of a Path's size
        try:
            status = os.stat(key)
        except FileNotFoundError:
            status = None
        if status is None or not stat.S_ISREG(status.st_mode):
            self._files.pop(key, None)
            return None
        stamp = (status.st_ino, status.st_size, status.st_mtime_ns)
        held = self._files.get(key)
        if held is None or held[0] != stamp or held[1] != columns:
            # columns is the source's own mapping, never changed: held, not copied.
            held = self._files[key] = (stamp, columns, read())
            if len(self._files) > self._max_files:
                self._files.popitem(last=False)
        self._files.move_to_end(key)
        return held[2]


class MirrorSource(CachingSource):
    """The mirror at directory; files are read on first use and kept for the source's life,
    or, when parsed is given, there alone (within its bound) for as long as they stay
    unchanged."""

    def __init__(self, directory: Path | str, parsed: ParsedFiles | None = None):
        super().__init__()
        self.directory = Path(directory)
        self.parsed = parsed
        self._names: dict[str, list[str]] = {}
        self._where: dict[tuple[str, str, frozenset[str]], set[str]] = {}

    def entity_values(self, entity_type: str, name: str) -> Mapping[str, list[str]] | None:
        if self.parsed is None:
            return super().entity_values(entity_type, name)
        return self._read(entity_type, name)

    def _read(self, entity_type: str, name: str) -> Mapping[str, list[str]] | None:
        # Names come from templates: only plain names may become a path.
        if not (is_plain_name(entity_type) and is_plain_name(name)):
            return None
        path = self.directory / entity_type / name
        columns = self._table_columns(entity_type)

        def read() -> Values:
            return mirror_values(read_entity_file(path), {entity_type: columns})

        if self.parsed is not None:
            return self.parsed.values(path, columns, read)
        return read() if path.is_file() else None

    def _read_table_columns(self, entity_type: str) -> dict[str, str]:
        path = self.directory / VAR_DEFS_DIR / entity_type
        definitions = read_var_defs_file(path).variables if path.is_file() else []
        return {d.name: d.table for d in definitions if d.table}

    def entity_names(self, entity_type: str) -> list[str]:
        if not is_plain_name(entity_type):
            return []
        if entity_type not in self._names:  # listed once: a template may search a type often
            type_dir = self.directory / entity_type
            self._names[entity_type] = (
                sorted(p.name for p in type_dir.iterdir() if not p.name.startswith("."))
                if type_dir.is_dir()
                else []
            )
        return list(self._names[entity_type])

    def entities_where(self, entity_type: str, variable: str, values: Collection[str]) -> set[str]:
        # Searched once: an appserver asks for its clients for every file it renders.
        key = (entity_type, variable, frozenset(values))
        if key not in self._where:
            if self.parsed is not None and is_plain_name(entity_type):
                stamp = (
                    _stamp(self.directory / entity_type),
                    _stamp(self.directory / VAR_DEFS_DIR / entity_type),
                )
                self._where[key] = self.parsed.search(key, stamp, lambda: self._search(key))
            else:
                self._where[key] = self._search(key)
        return set(self._where[key])

    def _search(self, key: Search) -> set[str]:
        entity_type, variable, values = key
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


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns
