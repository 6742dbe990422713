"""Loading an XML mirror into the database, all or nothing (DESIGN.md contract 1).

This module maps the mirror onto service actions: unknown types and variables are created,
then `services.do_load_entities` makes each entity in the mirror hold exactly the values of
its file; entities the mirror does not mention are left alone. The whole load is one batch."""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path

from django.core.exceptions import ValidationError

from .mirror import (
    MirrorEntity,
    MirrorEntityType,
    MirrorVariableDefinition,
    mirror_files,
    read_entity_file,
    read_var_defs_file,
)
from .models import EntityType, VariableDefinition
from .services import (
    ChangeBatch,
    EntityLoad,
    change_batch,
    check_definition,
    do_create_type,
    do_load_entities,
    do_save_variable,
)
from .validation import check_name


class MirrorImportError(ValidationError):
    """The mirror was refused; every message names the file or entity at fault."""


def do_load_mirror(
    items: Iterable[MirrorEntity | MirrorEntityType], *, user: object = None
) -> dict:
    """Load parsed mirror files; returns counts of what was created and changed."""
    type_defs = [i for i in items if isinstance(i, MirrorEntityType)]
    entities = [i for i in items if isinstance(i, MirrorEntity)]
    names: dict[str, set[str]] = defaultdict(set)
    for entity in entities:
        names[entity.entity_type].add(entity.name)
    return _load(type_defs, names, entities, user)


def do_load_mirror_directory(directory: Path | str, *, user: object = None) -> dict:
    """do_load_mirror of a mirror's files, each entity file's values stored while the next
    files are parsed (read_ahead); a file that cannot be parsed stops the load, all of it."""
    var_defs, entity_files = mirror_files(directory)
    type_defs = [read_var_defs_file(path) for path in var_defs]
    # A file's directory and name are its entity's type and name (read_entity_file checks).
    names: dict[str, set[str]] = defaultdict(set)
    for path in entity_files:
        names[path.parent.name].add(path.name)
    entities = read_ahead(entity_files)
    try:
        return _load(type_defs, names, entities, user)
    finally:
        entities.close()  # after a database error, the parsing thread stops too


def read_ahead(paths: Sequence[Path]) -> Iterator[MirrorEntity]:
    """The entity files parsed in a thread of their own, in order: while the caller waits on
    the database (the driver lets go of the GIL), the next files are parsed. The parsed
    entities are handed over as they are, which processes would have to pickle."""
    parsed: queue.SimpleQueue[MirrorEntity | Exception | None] = queue.SimpleQueue()
    stop = threading.Event()

    def parse() -> None:
        try:
            for path in paths:
                if stop.is_set():
                    return
                parsed.put(read_entity_file(path))
        except Exception as exc:  # raised again in the caller's thread
            parsed.put(exc)
            return
        parsed.put(None)

    thread = threading.Thread(target=parse, name="read_ahead", daemon=True)
    thread.start()
    try:
        while (item := parsed.get()) is not None:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _load(
    type_defs: list[MirrorEntityType],
    names: dict[str, set[str]],
    entities: Iterable[MirrorEntity],
    user: object,
) -> dict:
    counts = {"values": 0}
    try:
        with change_batch(user) as batch:
            types = _load_types(batch, type_defs, names)
            defined = _load_definitions(batch, types, type_defs)
            created, changed = do_load_entities(
                _entity_loads(batch, types, defined, entities, counts),
                user=batch.user,
                names={types[name]: held for name, held in names.items()},
            )
    except ValidationError as refused:
        raise MirrorImportError(refused.messages) from None
    return {
        "types": len(types),
        "entities_created": created,
        "entities_changed": changed,
        "values": counts["values"],
    }


def _entity_loads(
    batch: ChangeBatch,
    types: dict[str, EntityType],
    defined: set[tuple[str, str]],
    entities: Iterable[MirrorEntity],
    counts: dict[str, int],
) -> Iterator[EntityLoad]:
    """The entities as loads; a variable the mirror uses without defining it gets a plain
    definition when it first appears, multi-valued if it holds several values there."""
    for entity in entities:
        for name, values in entity.variables.items():
            counts["values"] += len(values)
            if (entity.entity_type, name) not in defined:
                multi = len(values) > 1 or any(v.indx > 1 for v in values)
                do_save_variable(
                    types[entity.entity_type], name, user=batch.user, multi_valued=multi
                )
                defined.add((entity.entity_type, name))
        yield EntityLoad(types[entity.entity_type], entity.name, entity.variables)


def _load_types(
    batch: ChangeBatch, type_defs: list[MirrorEntityType], entity_types: Iterable[str]
) -> dict[str, EntityType]:
    types = {t.name: t for t in EntityType.objects.all()}
    descriptions = {t.name: t.description for t in type_defs}
    wanted = set(descriptions) | set(entity_types)
    for definition in (d for t in type_defs for d in t.variables):
        wanted.update(n for n in (definition.reference_type, definition.enum_type) if n)
    new = sorted(wanted - set(types))
    if errors := [m for m in (check_name("entity type", n) for n in new) if m]:
        raise MirrorImportError(errors)
    for name in new:
        types[name] = do_create_type(name, descriptions.get(name, ""), user=batch.user)
    return types


def _load_definitions(
    batch: ChangeBatch, types: dict[str, EntityType], type_defs: list[MirrorEntityType]
) -> set[tuple[str, str]]:
    """The var_defs files' definitions; returns every (type, variable) then defined."""
    errors = []
    for type_def in type_defs:
        for mirrored in type_def.variables:
            fields = _definition_fields(mirrored, types)
            candidate = VariableDefinition(entity_type=types[type_def.name], name=mirrored.name)
            for key, value in fields.items():
                setattr(candidate, key, value)
            if problems := check_definition(candidate):
                errors.extend(f"{VAR_DEFS_LABEL}/{type_def.name}: {p}" for p in problems)
                continue
            do_save_variable(types[type_def.name], mirrored.name, user=batch.user, **fields)
    if errors:
        raise MirrorImportError(errors)
    return set(VariableDefinition.objects.values_list("entity_type__name", "name"))


VAR_DEFS_LABEL = ".var_defs"


def _definition_fields(mirrored: MirrorVariableDefinition, types: dict[str, EntityType]) -> dict:
    fields = asdict(mirrored)
    fields.pop("name")
    fields["reference_type"] = types.get(mirrored.reference_type)
    fields["enum_type"] = types.get(mirrored.enum_type)
    return fields
