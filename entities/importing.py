"""Loading an XML mirror into the database, all or nothing (DESIGN.md contract 1).

Each entity in the mirror ends up holding exactly the values of its file; entities the mirror
does not mention are left alone. A new entity is recorded as one `create_entity` change
(a reader of the change feed fetches it whole); an existing one gets a change per value that
differs. The whole load is one batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime

from django.core.exceptions import ValidationError

from .choices import ChangeAction
from .mirror import MirrorEntity, MirrorEntityType, MirrorVariableDefinition
from .models import Entity, EntityType, VariableDefinition
from .services import (
    ChangeBatch,
    Plan,
    apply_plan,
    change_batch,
    check_definition,
    do_save_variable,
    insert_values,
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
    with change_batch(user) as batch:
        types = _load_types(batch, type_defs, entities)
        definitions = _load_definitions(batch, types, type_defs, entities)
        created, changed = _load_entities(batch, types, definitions, entities)
    return {
        "types": len(types),
        "entities_created": created,
        "entities_changed": changed,
        "values": sum(len(v) for e in entities for v in e.variables.values()),
    }


def _load_types(
    batch: ChangeBatch, type_defs: list[MirrorEntityType], entities: list[MirrorEntity]
) -> dict[str, EntityType]:
    types = {t.name: t for t in EntityType.objects.all()}
    descriptions = {t.name: t.description for t in type_defs}
    wanted = set(descriptions) | {e.entity_type for e in entities}
    for definition in (d for t in type_defs for d in t.variables):
        wanted.update(n for n in (definition.reference_type, definition.enum_type) if n)
    new = sorted(wanted - set(types))
    if errors := [m for m in (check_name("entity type", n) for n in new) if m]:
        raise MirrorImportError(errors)
    for name in new:
        types[name] = EntityType.objects.create(name=name, description=descriptions.get(name, ""))
        batch.record(ChangeAction.CREATE_TYPE, name, new_value=descriptions.get(name) or None)
    return types


def _load_definitions(
    batch: ChangeBatch,
    types: dict[str, EntityType],
    type_defs: list[MirrorEntityType],
    entities: list[MirrorEntity],
) -> dict[str, dict[str, VariableDefinition]]:
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
    definitions: dict[str, dict[str, VariableDefinition]] = defaultdict(dict)
    for definition in VariableDefinition.objects.select_related("entity_type", "reference_type"):
        definitions[definition.entity_type.name][definition.name] = definition
    # A variable the mirror uses without defining it gets a plain definition.
    for entity in entities:
        for name, values in entity.variables.items():
            if name not in definitions[entity.entity_type]:
                multi = len(values) > 1 or any(v.indx > 1 for v in values)
                definitions[entity.entity_type][name] = do_save_variable(
                    types[entity.entity_type], name, user=batch.user, multi_valued=multi
                )
    return definitions


VAR_DEFS_LABEL = ".var_defs"


def _definition_fields(mirrored: MirrorVariableDefinition, types: dict[str, EntityType]) -> dict:
    fields = asdict(mirrored)
    fields.pop("name")
    fields["reference_type"] = types.get(mirrored.reference_type)
    fields["enum_type"] = types.get(mirrored.enum_type)
    return fields


def _load_entities(
    batch: ChangeBatch,
    types: dict[str, EntityType],
    definitions: dict[str, dict[str, VariableDefinition]],
    entities: list[MirrorEntity],
) -> tuple[int, int]:
    existing = {
        (e.entity_type.name, e.name): e for e in Entity.objects.select_related("entity_type")
    }
    validator = batch.validator
    for entity in entities:
        validator.pending.setdefault(types[entity.entity_type].pk, set()).add(entity.name)
    errors = []
    seen: set[tuple[str, str]] = set()
    for entity in entities:
        key = (entity.entity_type, entity.name)
        label = f"{entity.entity_type}/{entity.name}"
        if key in seen:
            errors.append(f"{label}: appears twice")
        if message := check_name("entity", entity.name):
            errors.append(f"{label}: {message}")
        seen.add(key)
        type_defs = definitions[entity.entity_type]
        for name, values in entity.variables.items():
            errors.extend(validator.check(label, type_defs[name], [v.text for v in values]))
    if errors:
        raise MirrorImportError(errors)

    mandatory = {
        type_name: {n for n, d in defs.items() if d.mandatory}
        for type_name, defs in definitions.items()
    }
    new = [e for e in entities if (e.entity_type, e.name) not in existing]
    rows = Entity.objects.bulk_create(
        [
            Entity(
                entity_type=types[e.entity_type],
                name=e.name,
                active=mandatory[e.entity_type] <= {n for n, v in e.variables.items() if v},
            )
            for e in new
        ],
        batch_size=2000,
    )
    for mirrored in new:
        batch.record(ChangeAction.CREATE_ENTITY, mirrored.entity_type, mirrored.name)
    insert_values(
        (
            row.pk,
            definitions[m.entity_type][name].pk,
            v.indx,
            v.text,
            _aware(v.modified) or batch.now,
        )
        for m, row in zip(new, rows, strict=True)
        for name, mirrored_values in m.variables.items()
        for v in mirrored_values
    )

    plan: Plan = {}
    for mirrored in entities:
        entity = existing.get((mirrored.entity_type, mirrored.name))
        if entity is None:
            continue
        plan[entity] = {
            definition: {v.indx: v.text for v in mirrored.variables.get(name, [])}
            for name, definition in definitions[mirrored.entity_type].items()
        }
    first_change = len(batch.pending)
    apply_plan(batch, plan)
    return len(new), len({c.entity for c in batch.pending[first_change:]})


def _aware(moment: datetime | None) -> datetime | None:
    """Mirror timestamps are written in UTC without a zone."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment
