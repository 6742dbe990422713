"""One entity with all its values, shaped as the webtool and the API show it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, connections, router
from django.db.models import Max

from core.rows import rows_of, value_lists

from .models import Change, ChangeSequence, Entity, EntityType, Value, VariableDefinition

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


@functools.cache
def _read_entity_sql() -> tuple[str, str]:
    """The two statements of entity_data, written once per process."""
    q = connection.ops.quote_name
    entities, types, definitions, values = (
        q(model._meta.db_table) for model in (Entity, EntityType, VariableDefinition, Value)
    )
    name, table, type_id = q("name"), q("table"), q("entity_type_id")
    return (
        f"SELECT t.{name}, e.{name}, e.active, e.id, d.id, d.{name}, d.{table}, d.secret, "
        f"d.mandatory FROM {entities} e JOIN {types} t ON t.id = e.{type_id} "
        f"JOIN {definitions} d ON d.{type_id} = t.id "
        f"WHERE t.{name} = %s AND e.{name} = %s ORDER BY d.display_order, d.{name}",
        # Apart: joined to the definitions, MariaDB may read a variable's values of every
        # entity (before its index statistics are collected) instead of one entity's.
        f"SELECT variable_id, indx, value FROM {values} WHERE entity_id = %s ORDER BY indx",
    )


def entity_data(
    entity_type: str, name: str, shows_secrets: Callable[[], bool]
) -> dict[str, object] | None:
    """The API's view of one entity (type, name, active, values, tables, missing) in two
    queries, as entity_contents shapes it; None when there is no such entity, or its type has
    no variables (entity_contents then reads it). shows_secrets is asked only when the entity
    holds a secret value: deciding it costs queries (a host's token, the user's roles)."""
    definitions_sql, values_sql = _read_entity_sql()
    # Through the router, as an ORM read would go: a read that may lag goes to the replica.
    with connections[router.db_for_read(Value)].cursor() as cursor:
        cursor.execute(definitions_sql, [entity_type, name])
        definitions = cursor.fetchall()
        if not definitions:
            return None
        cursor.execute(values_sql, [definitions[0][3]])
        values = cursor.fetchall()
    by_id = {row[4]: row[5:] for row in definitions}
    mask = any(by_id[variable_id][2] for variable_id, _, _ in values) and not shows_secrets()
    held = []
    for variable_id, indx, text in values:
        variable, _, secret, _ = by_id[variable_id]
        held.append((variable, indx, SECRET_MASK if secret and mask else text))
    table_of = {variable: table for variable, table, _, _ in by_id.values() if table}
    lists = value_lists(held, table_of)
    tables: dict[str, list[dict[str, str]]] = {}
    for variable in lists:
        if (table := table_of.get(variable)) and table not in tables:
            columns = [v for v, t, _, _ in by_id.values() if t == table]
            tables[table] = rows_of(lists, columns)
    filled = {variable for variable, _, _ in held}
    return {
        "type": definitions[0][0],
        "name": definitions[0][1],
        "active": bool(definitions[0][2]),
        "values": {v: texts for v, texts in lists.items() if v not in table_of},
        "tables": tables,
        "missing": [v for v, _, _, required in by_id.values() if required and v not in filled],
    }


def committed_seq() -> int:
    """The sequence number of the newest committed change (DESIGN.md contract 3)."""
    return ChangeSequence.objects.values_list("last_seq", flat=True).get(pk=1)


def changed_since(entity_type: str, names: Iterable[str], seq: int) -> bool:
    """Whether one of the named entities has a change after seq. The newest changes come by
    the primary key (seq > N), so this reads only what happened since, however long the
    entities' history: the maximum over a thousand entities' changes read all of them."""
    changes = Change.objects.filter(seq__gt=seq, entity_type=entity_type)
    return changes.filter(entity__in=list(names)).exists()


def latest_seq(entity_type: str, names: Iterable[str]) -> int:
    """The sequence number of the latest change of the named entities: a form carries it to
    notice that someone else changed them while the form was open."""
    return (
        Change.objects.filter(entity_type=entity_type, entity__in=list(names)).aggregate(
            seq=Max("seq")
        )["seq"]
        or 0
    )
