"""The agent's XML mirror of the whole database (DESIGN.md contract 1) kept current from the
change feed (contract 3), each file replaced atomically, the last applied sequence number
stored beside it.

The agent stores that number only once a pass over the files has used the changes (and its
report is queued): a pass that did not finish pulls the same changes again. Applying a change
again is harmless, and it names its keys as changed whether or not the mirror's files still
differ, so the files the unfinished pass did not install are rendered again."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.files import write_atomic
from core.hosts import CLIENT, SERVED_BY
from entities.mirror import (
    VAR_DEFS_DIR,
    MirrorEntity,
    MirrorEntityType,
    MirrorValue,
    MirrorVariableDefinition,
    entity_xml,
    is_plain_name,
    read_entity_file,
    var_defs_xml,
)

from .client import ApiClient, ApiUnavailable

# A changed key: (type, entity name, variable); variable "*" when the entity came or went
# whole, name and variable "*" when the type's definitions changed.
Key = tuple[str, str, str]
Entity = tuple[str, str]
ANY = "*"
FEED_PAGE = 5000
# Entities per page of the whole mirror's download: up to 0.5 MB of JSON on gendata's campus
# (a page of servers, 150 values each), a few MB once parsed; 100 made a client's agent peak
# 6 MB higher (the web server takes at most 2,000).
MIRROR_PAGE = 50
# A page is gathered by a web server that may be loaded: more than the usual timeout.
MIRROR_PAGE_TIMEOUT = 120.0
# Pages of one download at most (250,000 entities, about 0.5 GB spooled): a web server that
# never says the last page has come is not followed for ever.
MAX_MIRROR_PAGES = 5000


def _timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    # The mirror's timestamps are UTC without a zone, as exportxml writes them.
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def entity_from_json(item: Mapping[str, Any]) -> MirrorEntity:
    entity = MirrorEntity(item["type"], item["name"])
    for variable, values in item["variables"].items():
        entity.variables[variable] = [
            MirrorValue(indx, text, _timestamp(modified)) for indx, text, modified in values
        ]
    return entity


def type_from_json(item: Mapping[str, Any]) -> MirrorEntityType:
    return MirrorEntityType(
        item["name"],
        item.get("description", ""),
        [MirrorVariableDefinition(**definition) for definition in item["variables"]],
    )


class LocalMirror:
    """The mirror directory LABNET_ETC and the sequence number it is current to."""

    def __init__(self, directory: Path, last_seq_file: Path):
        self.directory = directory
        self.last_seq_file = last_seq_file
        # The whole mirror's pages wait here, beside the agent's other files, until the
        # last one has arrived.
        self.spool = last_seq_file.parent / "download"

    def last_seq(self) -> int | None:
        try:
            return int(self.last_seq_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def set_last_seq(self, seq: int) -> None:
        write_atomic(self.last_seq_file, f"{seq}\n".encode())

    def _entity_path(self, entity_type: str, name: str) -> Path | None:
        if not (is_plain_name(entity_type) and is_plain_name(name)):
            return None
        return self.directory / entity_type / name

    def read(self, entity_type: str, name: str) -> MirrorEntity:
        path = self._entity_path(entity_type, name)
        if path is None or not path.is_file():
            return MirrorEntity(entity_type, name)
        return read_entity_file(path)

    def write(self, entity: MirrorEntity, sync: bool = True) -> bool:
        path = self._entity_path(entity.entity_type, entity.name)
        return path is not None and write_atomic(path, entity_xml(entity), sync=sync)

    def remove(self, entity_type: str, name: str) -> bool:
        path = self._entity_path(entity_type, name)
        if path is None or not path.exists():
            return False
        path.unlink()
        return True

    def write_type(self, entity_type: MirrorEntityType) -> bool:
        if not is_plain_name(entity_type.name):
            return False
        (self.directory / entity_type.name).mkdir(parents=True, exist_ok=True)
        return write_atomic(
            self.directory / VAR_DEFS_DIR / entity_type.name, var_defs_xml(entity_type)
        )

    def remove_type(self, name: str) -> None:
        if is_plain_name(name):
            shutil.rmtree(self.directory / name, ignore_errors=True)
            (self.directory / VAR_DEFS_DIR / name).unlink(missing_ok=True)

    def store(self, data: Mapping[str, Any]) -> set[Key]:
        """Write the types and entities of a download of named ones. Returns the keys whose
        files changed."""
        changed = self._store_types(data.get("types", []))
        for item in data.get("entities", []):
            entity = entity_from_json(item)
            if self.write(entity):
                changed.add((entity.entity_type, entity.name, ANY))
        return changed

    def store_whole(self, pages: Iterable[Mapping[str, Any]]) -> bool:
        """Write the pages of a whole-mirror download (the first one holds every type), then
        remove every entity and type they do not hold. Returns whether any file changed
        (the caller re-renders everything after a whole download: no need to hold 17,000
        changed keys)."""
        changed = False
        type_names: set[str] = set()
        kept: set[str] = set()  # "type/name", one string an entity
        for page in pages:
            types = page.get("types", [])
            type_names.update(t["name"] for t in types)
            changed |= bool(self._store_types(types))
            for item in page["entities"]:
                kept.add(f"{item['type']}/{item['name']}")
                # Synced once below: two fsyncs a file make a whole campus take minutes.
                changed |= self.write(entity_from_json(item), sync=False)
            # Released before the next page is parsed, not after: one parsed page at a time.
            del page, types
        if changed:
            os.sync()  # before the caller stores the sequence number these files are current to
        for type_dir in self.directory.iterdir():
            if type_dir.name.startswith(".") or not type_dir.is_dir():
                continue
            if type_dir.name not in type_names:
                self.remove_type(type_dir.name)
                changed = True
                continue
            for path in type_dir.iterdir():
                if not path.name.startswith(".") and f"{type_dir.name}/{path.name}" not in kept:
                    path.unlink()
                    changed = True
        return changed

    def _store_types(self, types: Iterable[Mapping[str, Any]]) -> set[Key]:
        return {(t["name"], ANY, ANY) for t in types if self.write_type(type_from_json(t))}

    def apply(self, changes: Sequence[Mapping[str, Any]]) -> tuple[set[Key], set[Entity], set[str]]:
        """Apply feed changes in order. Returns (the keys the changes name, entities to
        download whole, types whose definitions to download)."""
        changed: set[Key] = set()
        fetch_entities: set[Entity] = set()
        fetch_types: set[str] = set()
        loaded: dict[Entity, MirrorEntity] = {}
        dirty: dict[Entity, set[str]] = {}  # the variables changed in each loaded entity
        for change in changes:
            action, entity_type, name = change["action"], change["entity_type"], change["entity"]
            key = (entity_type, name)
            if action in ("set", "delete"):
                entity = loaded.get(key) or loaded.setdefault(key, self.read(entity_type, name))
                values = [v for v in entity.variables.get(change["variable"], [])]
                values = [v for v in values if v.indx != change["indx"]]
                if action == "set":
                    values.append(
                        MirrorValue(
                            change["indx"], change["new_value"], _timestamp(change["timestamp"])
                        )
                    )
                if values:
                    entity.variables[change["variable"]] = sorted(values, key=lambda v: v.indx)
                else:
                    entity.variables.pop(change["variable"], None)
                dirty.setdefault(key, set()).add(change["variable"])
                if entity_type == CLIENT and change["variable"] in SERVED_BY:
                    # The client may have come to this host, whose mirror holds its secrets
                    # masked: the download brings them when they are now this host's to read.
                    fetch_entities.add(key)
            elif action == "create_entity":
                loaded.setdefault(key, MirrorEntity(entity_type, name))
                dirty.setdefault(key, set()).add(ANY)
                fetch_entities.add(key)
            elif action == "delete_entity":
                loaded.pop(key, None)
                dirty.pop(key, None)
                fetch_entities.discard(key)
                self.remove(entity_type, name)
                changed.add((*key, ANY))
            elif action == "delete_type":
                self._flush(loaded, dirty, changed)
                self.remove_type(entity_type)
                fetch_types.discard(entity_type)
                changed.add((entity_type, ANY, ANY))
            elif action == "delete_vardef":
                self._flush(loaded, dirty, changed)
                self._drop_variable(entity_type, change["variable"], changed)
                fetch_types.add(entity_type)
                changed.add((entity_type, ANY, ANY))
            else:  # create_type, set_vardef
                fetch_types.add(entity_type)
                changed.add((entity_type, ANY, ANY))
        self._flush(loaded, dirty, changed)
        return changed, fetch_entities, fetch_types

    def _flush(
        self,
        loaded: dict[Entity, MirrorEntity],
        dirty: dict[Entity, set[str]],
        changed: set[Key],
    ) -> None:
        for key, variables in dirty.items():
            self.write(loaded[key])
            changed.update((*key, variable) for variable in variables)
        loaded.clear()
        dirty.clear()

    def _drop_variable(self, entity_type: str, variable: str, changed: set[Key]) -> None:
        """A deleted definition takes its values along without a change per value."""
        type_dir = self.directory / entity_type
        if not is_plain_name(entity_type) or not type_dir.is_dir():
            return
        for path in type_dir.iterdir():
            if path.name.startswith("."):
                continue
            entity = read_entity_file(path)
            if entity.variables.pop(variable, None) is not None and self.write(entity):
                changed.add((entity_type, entity.name, variable))


def download(
    client: ApiClient, entities: Iterable[Entity] = (), types: Iterable[str] = ()
) -> dict[str, Any]:
    """The named entities and types' definitions, in one answer."""
    params = [("entity", f"{t}/{n}") for t, n in sorted(entities)]
    params += [("type", t) for t in sorted(types)]
    return client.get("mirror/", params)


def download_whole(client: ApiClient, mirror: LocalMirror) -> int:
    """Download the whole mirror page by page into mirror.spool, and only once every page
    has arrived, store them one by one: a download cut short leaves the mirror as it was,
    and no more than a page is held in memory. Returns the sequence number the mirror is
    now at least as new as (the first page's)."""
    shutil.rmtree(mirror.spool, ignore_errors=True)  # what an interrupted download left
    mirror.spool.mkdir(parents=True)
    try:
        latest, after, count = None, None, 0
        while True:
            params = {"limit": MIRROR_PAGE, **({} if after is None else {"after": after})}
            raw = client.get_bytes("mirror/", params, timeout=MIRROR_PAGE_TIMEOUT)
            try:
                page = json.loads(raw)
            except ValueError:
                # A web server that failed while it streamed the page ends it early.
                raise ApiUnavailable(f"mirror page {count + 1} cut short") from None
            latest = page["latest"] if latest is None else latest
            after = page["next"]
            # Released before the next page arrives (a server's page is about 1 MB of JSON,
            # several once parsed): one page in memory at a time.
            del page
            (mirror.spool / f"{count:06d}.json").write_bytes(raw)
            del raw
            count += 1
            if after is None:
                break
            if count >= MAX_MIRROR_PAGES:
                raise ApiUnavailable(f"mirror download: no last page after {count} pages")
        mirror.store_whole(json.loads(p.read_bytes()) for p in sorted(mirror.spool.iterdir()))
        return latest
    finally:
        shutil.rmtree(mirror.spool, ignore_errors=True)


def pull(client: ApiClient, mirror: LocalMirror) -> tuple[int, set[Key]]:
    """Bring the mirror up to the newest change: the whole mirror the first time, the change
    feed after. Returns the sequence number now applied and the changed keys; the caller
    stores that number (mirror.set_last_seq) once it has used them."""
    since = mirror.last_seq()
    if since is None:
        return download_whole(client, mirror), {(ANY, ANY, ANY)}
    changed: set[Key] = set()
    while True:
        feed = client.get("changes/", {"since": since, "limit": FEED_PAGE})
        applied, entities, types = mirror.apply(feed["changes"])
        changed |= applied
        if entities or types:
            changed |= mirror.store(download(client, entities, types))
        if feed["changes"]:
            since = feed["changes"][-1]["seq"]
        if not feed["more"]:
            break
    return since, changed
