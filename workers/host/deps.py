"""`.agent/deps.json`: what each managed file's last rendering read, variable by variable, so
a sync re-renders only the files a change meets; and the entities the web server is told the
host reads (its fan-out works per entity)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from core.files import write_atomic

from .recording import ANY, Entity, Reads

Deps = dict[str, Reads]


class DepsFile:
    """deps.json, kept parsed while it is the same file on disk: with hosts templates it
    names tens of thousands of variables, too many to parse and write again on every push."""

    def __init__(self, path: Path):
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._deps: Deps = {}

    def load(self) -> Deps:
        """A copy the caller may change; a file unreadable or missing is no reads at all."""
        stamp = self._file_stamp()
        if stamp is None:
            self._deps = {}
        elif stamp != self._stamp:
            try:
                self._deps = parse(json.loads(self.path.read_text()))
            except (ValueError, TypeError):
                self._deps = {}
        self._stamp = stamp
        return dict(self._deps)

    def save(self, deps: Deps) -> None:
        # One file's reads turned into lists at a time, not the whole copy at once: a
        # client's is tens of thousands of lists, a few MB at the agent's peak.
        parts = [
            json.dumps(name)
            + ": "
            + json.dumps([[t, n, sorted(variables)] for (t, n), variables in sorted(reads.items())])
            for name, reads in sorted(deps.items())
        ]
        write_atomic(self.path, ("{" + ", ".join(parts) + "}").encode())
        del parts
        self._deps = dict(deps)
        self._stamp = self._file_stamp()

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return None
        return status.st_ino, status.st_size, status.st_mtime_ns


def parse(stored: dict) -> Deps:
    """deps.json's contents; an older agent's [type, name] pairs read as every variable.
    Equal sets of variables are one frozenset (thousands of hosts read the same few)."""
    shared: dict[frozenset[str], frozenset[str]] = {}

    def variables(key: list) -> frozenset[str]:
        found = frozenset(key[2]) if len(key) > 2 else frozenset((ANY,))
        return shared.setdefault(found, found)

    return {
        name: {(key[0], key[1]): variables(key) for key in keys} for name, keys in stored.items()
    }


def entity_reads(deps: Deps) -> tuple[list[list[str]], str]:
    """The [type, name] of every entity a file read (name ANY: any of the type), as a report
    carries them, and their digest."""
    entities: set[Entity] = {e for reads in deps.values() for e in reads if e[0] != ANY}
    listed = [list(e) for e in sorted(entities)]
    return listed, hashlib.sha256(json.dumps(listed).encode()).hexdigest()
