"""Revert a change, or a whole batch, of the change log.

A revert is itself an action: it goes through the service layer and is recorded as a new
batch. It is refused rather than guessed at when what it would undo has changed since."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q

from core.rows import rows_of, value_lists

from . import services
from .choices import REVERTIBLE_ACTIONS, ChangeAction
from .models import Change, Entity, EntityType, Value, VariableDefinition

VALUE_ACTIONS = (ChangeAction.SET, ChangeAction.DELETE)

Key = tuple[str, str]


@dataclass
class RevertStep:
    """One thing a revert does: put a value back, remove an entity it created, or re-create
    an entity it deleted with the values recorded just before the deletion."""

    change: Change
    entity: Entity | None
    restores: str | None = None
    entity_type: EntityType | None = None
    values: list[Change] = field(default_factory=list)

    @property
    def removes_entity(self) -> bool:
        return self.change.action == ChangeAction.CREATE_ENTITY

    @property
    def recreates_entity(self) -> bool:
        return self.change.action == ChangeAction.DELETE_ENTITY

    @property
    def label(self) -> str:
        return f"{self.change.entity_type}/{self.change.entity}"


def _entity_key(change: Change) -> Key:
    return change.entity_type, change.entity


def revert_steps(changes: Sequence[Change]) -> list[RevertStep]:
    """What reverting `changes` does, newest first; ValidationError when it cannot be done."""
    if not changes:
        raise ValidationError("There is nothing to revert.")
    _refuse_unrevertible(changes)
    keys = {_entity_key(c) for c in changes}
    created = {_entity_key(c) for c in changes if c.action == ChangeAction.CREATE_ENTITY}
    deletions = [c for c in changes if c.action == ChangeAction.DELETE_ENTITY]
    deleted = {_entity_key(c) for c in deletions}
    entities = _existing(keys)
    if again := sorted(f"{t}/{n}" for t, n in deleted & entities.keys()):
        raise ValidationError(
            f"{', '.join(again)} exists again, so this deletion cannot be reverted; "
            "delete or rename the new entity first."
        )
    if missing := sorted(f"{t}/{n}" for t, n in keys - deleted - entities.keys()):
        raise ValidationError(f"{', '.join(missing)} no longer exists.")
    types = _types_of_deleted(deletions)
    _refuse_changed_since(changes, created | deleted)
    # The values an entity lost with its deletion come back with it, not one by one.
    _refuse_values_changed_since([c for c in changes if _entity_key(c) not in deleted], entities)
    values = _deleted_values(deletions)
    steps = []
    for change in sorted(changes, key=lambda c: -c.seq):
        key = _entity_key(change)
        if change.action == ChangeAction.DELETE_ENTITY:
            steps.append(
                RevertStep(change, None, entity_type=types[change.entity_type], values=values[key])
            )
        elif change.action == ChangeAction.CREATE_ENTITY:
            steps.append(RevertStep(change, entities[key]))
        elif key not in created and key not in deleted:
            steps.append(RevertStep(change, entities[key], change.old_value))
    return steps


def _refuse_unrevertible(changes: Sequence[Change]) -> None:
    refused = [c for c in changes if c.action not in REVERTIBLE_ACTIONS]
    if type_deleted := next((c for c in refused if c.action == ChangeAction.DELETE_TYPE), None):
        raise ValidationError(
            f"Change #{type_deleted.seq} deleted the entity type {type_deleted.entity_type!r} "
            "with its variable definitions and entities; deleting an entity type cannot be "
            "reverted (their values were not recorded). Re-create the type and its entities."
        )
    if refused:
        raise ValidationError(
            f"Change #{refused[0].seq} ({refused[0].get_action_display()}) cannot be reverted "
            "here; only value changes, entity creations and entity deletions can."
        )


def _existing(keys: set[Key]) -> dict[Key, Entity]:
    found = Entity.objects.select_related("entity_type").filter(
        entity_type__name__in={t for t, _ in keys}, name__in={n for _, n in keys}
    )
    return {(e.entity_type.name, e.name): e for e in found if (e.entity_type.name, e.name) in keys}


def _types_of_deleted(deletions: Sequence[Change]) -> dict[str, EntityType]:
    """The types to re-create deleted entities in; refused for a type deleted since."""
    names = {c.entity_type for c in deletions}
    if not names:
        return {}
    types = {t.name: t for t in EntityType.objects.filter(name__in=names)}
    with_type = Change.objects.filter(
        batch__in={c.batch for c in deletions},
        action=ChangeAction.DELETE_TYPE,
        entity_type__in=names,
    ).values_list("entity_type", flat=True)
    if gone := sorted((names - types.keys()) | set(with_type)):
        raise ValidationError(
            f"The entity type {', '.join(gone)} was deleted with these entities; deleting an "
            "entity type cannot be reverted, so neither can the deletion of its entities."
        )
    return types


def _refuse_changed_since(changes: Sequence[Change], keys: set[Key]) -> None:
    """Refused when an entity this revert removes or re-creates was changed afterwards."""
    if not keys:
        return
    later = (
        Change.objects.filter(entity_type__in={t for t, _ in keys}, entity__in={n for _, n in keys})
        .filter(seq__gt=max(c.seq for c in changes))
        .exclude(batch__in={c.batch for c in changes})
        .order_by("seq")
    )
    if since := next((c for c in later if _entity_key(c) in keys), None):
        raise ValidationError(
            f"{since.entity_type}/{since.entity} was changed by {since.user or 'the system'} "
            f"in #{since.seq} after this change; revert that first."
        )


def _refuse_values_changed_since(changes: Sequence[Change], entities: dict[Key, Entity]) -> None:
    value_changes = [c for c in changes if c.action in VALUE_ACTIONS]
    if not value_changes:
        return
    held = _held(entities.values(), {c.variable for c in value_changes})
    for change in value_changes:
        key = (change.entity_type, change.entity, change.variable, change.indx)
        if held.get(key) != change.new_value:
            now = held.get(key)
            shown = "a different value" if change.secret else repr(now)
            raise ValidationError(
                f"{change.entity_type}/{change.entity} {change.variable}[{change.indx}] is now "
                f"{'empty' if now is None else shown}, no longer what change #{change.seq} "
                "made it: it was changed again since; revert that first."
            )


def _deleted_values(deletions: Sequence[Change]) -> dict[Key, list[Change]]:
    """The values each deleted entity held, recorded in its batch just before the deletion."""
    found: dict[Key, list[Change]] = defaultdict(list)
    if not deletions:
        return found
    query = Q()
    for deletion in deletions:
        query |= Q(
            batch=deletion.batch,
            entity_type=deletion.entity_type,
            entity=deletion.entity,
            seq__lt=deletion.seq,
        )
    for change in Change.objects.filter(query, action=ChangeAction.DELETE).order_by("seq"):
        found[_entity_key(change)].append(change)
    return found


def _held(entities: Iterable[Entity], variables: set[str]) -> dict[tuple[str, str, str, int], str]:
    """The values the entities now hold for the named variables, by change-log key."""
    by_id = {e.pk: e for e in entities}
    return {
        (by_id[entity_id].entity_type.name, by_id[entity_id].name, variable, indx): value
        for entity_id, variable, indx, value in Value.objects.filter(
            entity_id__in=by_id, variable__name__in=variables
        ).values_list("entity_id", "variable__name", "indx", "value")
    }


def do_revert(changes: Sequence[Change], *, user: object = None) -> int:
    """Undo `changes` as one new batch; returns the number of changes it records."""
    steps = revert_steps(changes)
    return services.do_revert_changes(
        [_recreation(s) for s in steps if s.recreates_entity],
        _plan([s for s in steps if s.change.action in VALUE_ACTIONS]),
        [s.entity for s in steps if s.removes_entity],
        user=user,
        reverts=changes[0].batch,
    )


def _recreation(step: RevertStep) -> services.Recreation:
    """The deleted entity with the values recorded just before its deletion."""
    table_of = {
        d.name: d.table for d in services.definitions_of(step.entity_type).values() if d.table
    }
    # A variable deleted since stays a plain value, which do_create_entity reports.
    lists = value_lists(((c.variable, c.indx, c.old_value) for c in step.values), table_of)
    tables = {
        table: rows_of(lists, [n for n, t in table_of.items() if t == table])
        for table in {table_of[n] for n in lists if n in table_of}
    }
    values = {name: held for name, held in lists.items() if name not in table_of}
    return step.entity_type, step.change.entity, values, tables


def _plan(steps: Sequence[RevertStep]) -> services.Plan:
    """Each touched variable's current values with the reverted positions put back."""
    if not steps:
        return {}
    entities = {s.entity.pk: s.entity for s in steps}
    definitions = {
        (d.entity_type_id, d.name): d
        for d in VariableDefinition.objects.filter(
            entity_type__in={e.entity_type_id for e in entities.values()},
            name__in={s.change.variable for s in steps},
        ).select_related("reference_type")
    }
    plan: services.Plan = defaultdict(dict)
    held: dict[tuple[int, int], dict[int, str]] = defaultdict(dict)
    for entity_id, variable_id, indx, value in Value.objects.filter(
        entity_id__in=entities, variable__in=definitions.values()
    ).values_list("entity_id", "variable_id", "indx", "value"):
        held[entity_id, variable_id][indx] = value
    for step in steps:
        key = (step.entity.entity_type_id, step.change.variable)
        if key not in definitions:
            raise ValidationError(f"{step.entity} has no variable {step.change.variable!r} now.")
        definition = definitions[key]
        values = plan[step.entity].setdefault(definition, dict(held[step.entity.pk, definition.pk]))
        if step.restores is None:
            values.pop(step.change.indx, None)
        else:
            values[step.change.indx] = step.restores
    return dict(plan)
