"""Revert a change, or a whole batch, of the change log.

A revert is itself an action: it goes through the service layer and is recorded as a new
batch. It is refused rather than guessed at when what it would undo has changed since."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from . import services
from .choices import ChangeAction
from .models import Change, Entity, Value, VariableDefinition

VALUE_ACTIONS = (ChangeAction.SET, ChangeAction.DELETE)
REVERTIBLE = (*VALUE_ACTIONS, ChangeAction.CREATE_ENTITY)


@dataclass
class RevertStep:
    """One thing a revert does: put a value back, or remove an entity it created."""

    change: Change
    entity: Entity
    restores: str | None = None

    @property
    def removes_entity(self) -> bool:
        return self.change.action == ChangeAction.CREATE_ENTITY


def _entity_key(change: Change) -> tuple[str, str]:
    return change.entity_type, change.entity


def revert_steps(changes: Sequence[Change]) -> list[RevertStep]:
    """What reverting `changes` does, newest first; ValidationError when it cannot be done."""
    if not changes:
        raise ValidationError("There is nothing to revert.")
    refused = [c for c in changes if c.action not in REVERTIBLE]
    if refused:
        raise ValidationError(
            f"Change #{refused[0].seq} ({refused[0].get_action_display()}) cannot be reverted "
            "here; only value changes and entity creations can."
        )
    keys = {_entity_key(c) for c in changes}
    types, names = {t for t, _ in keys}, {n for _, n in keys}
    entities = {
        (e.entity_type.name, e.name): e
        for e in Entity.objects.select_related("entity_type").filter(
            entity_type__name__in=types, name__in=names
        )
    }
    entities = {key: e for key, e in entities.items() if key in keys}
    if missing := sorted(f"{t}/{n}" for t, n in keys - entities.keys()):
        raise ValidationError(f"{', '.join(missing)} no longer exists.")
    created = {_entity_key(c) for c in changes if c.action == ChangeAction.CREATE_ENTITY}
    if created:
        later = (
            Change.objects.filter(entity_type__in=types, entity__in=names)
            .filter(seq__gt=max(c.seq for c in changes))
            .exclude(batch__in={c.batch for c in changes})
            .order_by("seq")
        )
        if since := next((c for c in later if _entity_key(c) in created), None):
            raise ValidationError(
                f"{since.entity_type}/{since.entity} was changed by {since.user or 'the system'} "
                f"in #{since.seq} after it was created; revert that first."
            )
    held = _held(entities.values(), {c.variable for c in changes})
    for change in changes:
        key = (change.entity_type, change.entity, change.variable, change.indx)
        if change.action in VALUE_ACTIONS and held.get(key) != change.new_value:
            now = held.get(key)
            shown = "a different value" if change.secret else repr(now)
            raise ValidationError(
                f"{change.entity_type}/{change.entity} {change.variable}[{change.indx}] is now "
                f"{'empty' if now is None else shown}, no longer what change #{change.seq} "
                "made it: it was changed again since; revert that first."
            )
    return [
        RevertStep(c, entities[_entity_key(c)], c.old_value)
        for c in sorted(changes, key=lambda c: -c.seq)
        if c.action == ChangeAction.CREATE_ENTITY or _entity_key(c) not in created
    ]


def _held(entities, variables: set[str]) -> dict[tuple[str, str, str, int], str]:
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
    with services.change_batch(user) as batch:
        steps = revert_steps(changes)
        value_steps = [s for s in steps if not s.removes_entity]
        plan = _plan(value_steps)
        errors = [
            message
            for entity, per_entity in plan.items()
            for definition, held in per_entity.items()
            for message in batch.validator.check(
                str(entity), definition, [held[i] for i in sorted(held)]
            )
        ]
        if errors:
            raise ValidationError(errors)
        count = services.apply_plan(batch, plan)
        for step in steps:
            if step.removes_entity:
                services.do_delete_entity(step.entity, user=user)
                count += 1
    return count


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
