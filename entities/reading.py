"""One entity with all its values, shaped as the webtool and the API show it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max

from core.rows import rows_of, value_lists

from .models import Change, ChangeSequence, Entity, Value, VariableDefinition

SECRET_MASK = "********"


@dataclass
class EntityContents:
    entity: Entity
    definitions: list[VariableDefinition]
    values: dict[str, list[str]]
    tables: dict[str, list[dict[str, str]]]
    missing: list[str]

    @property
    def columns(self) -> dict[str, list[VariableDefinition]]:
        """Each table's column definitions in display order."""
        columns: dict[str, list[VariableDefinition]] = {}
        for definition in self.definitions:
            if definition.table:
                columns.setdefault(definition.table, []).append(definition)
        return columns


def entity_contents(entity: Entity, show_secrets: bool = False) -> EntityContents:
    """Two queries: the type's definitions and the entity's values."""
    definitions = list(
        VariableDefinition.objects.filter(entity_type_id=entity.entity_type_id).select_related(
            "reference_type", "enum_type"
        )
    )
    by_id = {d.pk: d for d in definitions}
    held = []
    for variable_id, indx, text in (
        Value.objects.filter(entity=entity)
        .order_by("indx")
        .values_list("variable_id", "indx", "value")
    ):
        definition = by_id[variable_id]
        if definition.secret and not show_secrets:
            text = SECRET_MASK
        held.append((definition.name, indx, text))
    table_of = {d.name: d.table for d in definitions if d.table}
    lists = value_lists(held, table_of)
    values = {name: texts for name, texts in lists.items() if name not in table_of}
    tables: dict[str, list[dict[str, str]]] = {}
    for name in lists:
        if (table := table_of.get(name)) and table not in tables:
            tables[table] = rows_of(lists, [d.name for d in definitions if d.table == table])
    filled = {name for name, _, _ in held}
    missing = [d.name for d in definitions if d.mandatory and d.name not in filled]
    return EntityContents(entity, definitions, values, tables, missing)


def committed_seq() -> int:
    """The sequence number of the newest committed change (DESIGN.md contract 3)."""
    return ChangeSequence.objects.values_list("last_seq", flat=True).get(pk=1)


def latest_seq(entity_type: str, names: Iterable[str]) -> int:
    """The sequence number of the latest change of the named entities: a form carries it to
    notice that someone else changed them while the form was open."""
    return (
        Change.objects.filter(entity_type=entity_type, entity__in=list(names)).aggregate(
            seq=Max("seq")
        )["seq"]
        or 0
    )
