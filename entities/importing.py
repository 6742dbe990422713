"""Loading an XML mirror into the database, all or nothing (DESIGN.md contract 1).

This module maps the mirror onto service actions: unknown types and variables are created,
then `services.do_load_entities` makes each entity in the mirror hold exactly the values of
its file; entities the mirror does not mention are left alone. The whole load is one batch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

from django.core.exceptions import ValidationError

from .mirror import MirrorEntity, MirrorEntityType, MirrorVariableDefinition
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
    try:
        with change_batch(user) as batch:
            types = _load_types(batch, type_defs, entities)
            _load_definitions(batch, types, type_defs, entities)
            created, changed = do_load_entities(
                [EntityLoad(types[e.entity_type], e.name, e.variables) for e in entities],
                user=batch.user,
            )
    except ValidationError as refused:
        raise MirrorImportError(refused.messages) from None
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
        types[name] = do_create_type(name, descriptions.get(name, ""), user=batch.user)
    return types


def _load_definitions(
    batch: ChangeBatch,
    types: dict[str, EntityType],
    type_defs: list[MirrorEntityType],
    entities: list[MirrorEntity],
) -> None:
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
    defined = set(VariableDefinition.objects.values_list("entity_type__name", "name"))
    # A variable the mirror uses without defining it gets a plain definition.
    for entity in entities:
        for name, values in entity.variables.items():
            if (entity.entity_type, name) not in defined:
                multi = len(values) > 1 or any(v.indx > 1 for v in values)
                do_save_variable(
                    types[entity.entity_type], name, user=batch.user, multi_valued=multi
                )
                defined.add((entity.entity_type, name))


VAR_DEFS_LABEL = ".var_defs"


def _definition_fields(mirrored: MirrorVariableDefinition, types: dict[str, EntityType]) -> dict:
    fields = asdict(mirrored)
    fields.pop("name")
    fields["reference_type"] = types.get(mirrored.reference_type)
    fields["enum_type"] = types.get(mirrored.enum_type)
    return fields
