"""One entity with all its values, shaped as the webtool and the API show it."""

from __future__ import annotations

from dataclasses import dataclass

from .models import ChangeSequence, Entity, Value, VariableDefinition

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
    values: dict[str, list[str]] = {}
    cells: dict[str, dict[int, dict[str, str]]] = {}
    for variable_id, indx, text in (
        Value.objects.filter(entity=entity)
        .order_by("indx")
        .values_list("variable_id", "indx", "value")
    ):
        definition = by_id[variable_id]
        if definition.secret and not show_secrets:
            text = SECRET_MASK
        if definition.table:
            cells.setdefault(definition.table, {}).setdefault(indx, {})[definition.name] = text
        else:
            values.setdefault(definition.name, []).append(text)
    tables = {}
    for table, rows in cells.items():
        columns = [d.name for d in definitions if d.table == table]
        tables[table] = [
            {c: rows.get(row, {}).get(c, "") for c in columns} for row in range(1, max(rows) + 1)
        ]
    filled = set(values) | {c for rows in cells.values() for row in rows.values() for c in row}
    missing = [d.name for d in definitions if d.mandatory and d.name not in filled]
    return EntityContents(entity, definitions, values, tables, missing)


def committed_seq() -> int:
    """The sequence number of the newest committed change (DESIGN.md contract 3)."""
    return ChangeSequence.objects.values_list("last_seq", flat=True).get(pk=1)
