"""The only writers of the configuration database.

Every user action (a form submit, an API call, an import) is one `do_*` call: it validates
everything first, then writes in one transaction and records each change in the change log
under one batch id. Views, the API, the admin, the importer, a revert and tasks call these
functions and never save configuration models themselves. A bulk load (`do_load_entities`)
takes the same path with executemany inserts."""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from itertools import islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from core.permissions import PROTECTED_TYPES, allowed

from .choices import ChangeAction, EnumerationKind, Widget
from .kept_tables import keeper_of
from .mirror import MirrorValue
from .models import Change, ChangeSequence, Entity, EntityType, Value, VariableDefinition
from .reading import changed_since
from .validation import Validator, check_name, check_regex, quoted
from .value_checks import plan_checks

# Sent once a batch has committed, with changes=[Change, ...] in sequence order.
changes_committed = Signal()

Values = Mapping[str, Sequence[str]]
Rows = Sequence[Mapping[str, str]]
Tables = Mapping[str, Rows]

_local = threading.local()


def username(user: object) -> str:
    """The name a change is recorded under: a user, a plain string, or '' for the system."""
    if user is None:
        return ""
    if isinstance(user, str):
        return user
    return getattr(user, "get_username", lambda: str(user))()


@dataclass
class ChangeBatch:
    """The changes of one user action, numbered and stored when the action commits."""

    user: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    now: datetime = field(default_factory=timezone.now)
    pending: list[Change] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)
    validator: Validator = field(default_factory=Validator)
    # Who acts, as the action was given it (core.permissions.allowed).
    actor: object = None
    # The table of each (type, variable) whose values this action changes.
    tables: dict[tuple[str, str], str] = field(default_factory=dict)
    # The batch this one undoes, when it is a revert.
    reverts: uuid.UUID | None = None

    def record(self, action: str, entity_type: str, entity: str = "", **details: object) -> None:
        self.check_allowed(entity_type)
        self.pending.append(
            Change(
                batch=self.id,
                user=self.user,
                timestamp=self.now,
                action=action,
                entity_type=entity_type,
                entity=entity,
                reverts=self.reverts,
                **details,
            )
        )

    def check_allowed(self, entity_type: str) -> None:
        """Every change of a protected type (core.permissions.PROTECTED_TYPES) needs its
        permission, whichever door the action came through; refused, the action rolls back."""
        permission = PROTECTED_TYPES.get(entity_type)
        if permission and not allowed(self.actor, permission):
            raise PermissionDenied(f"Your role does not allow changing {entity_type} entities.")

    def lock_sequence(self) -> None:
        """Take the counter's lock now rather than last: until this action commits, no other
        one commits changes, so what it reads of the change log stays the latest."""
        ChangeSequence.objects.select_for_update().get(pk=1)

    def finish(self) -> list[Change]:
        _update_active(self.touched)
        if not self.pending:
            return []
        # Taken last, so the lock on the counter is held only for the final inserts.
        counter = ChangeSequence.objects.select_for_update().get(pk=1)
        for offset, change in enumerate(self.pending, start=1):
            change.seq = counter.last_seq + offset
        counter.last_seq += len(self.pending)
        counter.save(update_fields=["last_seq"])
        _insert_changes(self.pending)
        return self.pending


# The change log's columns, written by _insert_changes in this order.
_CHANGE_FIELDS = list(Change._meta.concrete_fields)


def _insert_changes(changes: Sequence[Change]) -> None:
    """Insert the change log rows without model saves: building a bulk_create's statement for
    a batch edit of 1,000 entities costs more than MariaDB's insert. On MariaDB in multi-row
    INSERTs (as insert_values), elsewhere with the driver's executemany."""
    table = connection.ops.quote_name(Change._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _CHANGE_FIELDS)
    sql = f"INSERT INTO {table} ({columns}) VALUES "
    mysql = connection.vendor == "mysql"
    adapted: dict[tuple[str, object], object] = {}  # a batch shares its id, user and time

    def prepared(field, value: object) -> object:
        key = (field.attname, value)
        if key not in adapted:
            db_value = field.get_db_prep_save(value, connection)
            adapted[key] = _mysql_literal(db_value) if mysql else db_value
        return adapted[key]

    rows = ([prepared(f, getattr(c, f.attname)) for f in _CHANGE_FIELDS] for c in changes)
    with connection.cursor() as cursor:
        if mysql:
            _execute_packed(cursor, sql, (b"(%b)" % b",".join(row) for row in rows))
            return
        marks = "(" + ", ".join(["%s"] * len(_CHANGE_FIELDS)) + ")"
        rows = [tuple(row) for row in rows]
        for start in range(0, len(rows), 2000):
            cursor.executemany(sql + marks, rows[start : start + 2000])


@contextmanager
def change_batch(user: object = None) -> Iterator[ChangeBatch]:
    """One transaction and one batch id; nested calls join the outermost batch."""
    current = getattr(_local, "batch", None)
    if current is not None:
        yield current
        return
    batch = ChangeBatch(username(user), actor=user)
    _local.batch = batch
    try:
        with transaction.atomic():
            yield batch
            committed = batch.finish()
            if committed:
                transaction.on_commit(
                    lambda: changes_committed.send(sender=ChangeBatch, changes=committed)
                )
    finally:
        _local.batch = None


@contextmanager
def keeper_writes() -> Iterator[None]:
    """The writes inside come from the service of the app that keeps their tables
    (entities.kept_tables), or restore them as they were recorded: not a user's edit."""
    outer = getattr(_local, "keeper", False)
    _local.keeper = True
    try:
        yield
    finally:
        _local.keeper = outer


def _refuse_kept_tables(batch: ChangeBatch, changes: Sequence[Change]) -> None:
    """A user's change to a kept table's rows is refused; the system (an import, a task)
    and the keeper's own service write them."""
    if getattr(_local, "keeper", False) or not hasattr(batch.actor, "has_perm"):
        return
    errors: dict[str, list[str]] = defaultdict(list)
    for change in changes:
        if (table := batch.tables.get((change.entity_type, change.variable))) and (
            keeper := keeper_of(change.entity_type, table)
        ):
            message = (
                f"{change.entity_type}/{change.entity}: table {table!r} is kept by {keeper}; "
                "its rows change there"
            )
            if message not in errors[table]:
                errors[table].append(message)
    _raise(errors)


def _update_active(entity_ids: set[int]) -> None:
    """An entity is active exactly when every mandatory variable of its type has a value."""
    ids = sorted(entity_ids)
    for start in range(0, len(ids), 1000):  # a bulk load touches every entity it creates
        _update_active_of(ids[start : start + 1000])


def _update_active_of(entity_ids: list[int]) -> None:
    entities = list(
        Entity.objects.filter(pk__in=entity_ids).order_by().only("pk", "entity_type", "active")
    )
    mandatory: dict[int, set[int]] = defaultdict(set)
    for type_id, var_id in VariableDefinition.objects.filter(
        entity_type__in={e.entity_type_id for e in entities}, mandatory=True
    ).values_list("entity_type_id", "pk"):
        mandatory[type_id].add(var_id)
    present: dict[int, set[int]] = defaultdict(set)
    # Unordered and by variable id: a join (for the definition, or for the default ordering)
    # makes MariaDB walk every value of the entities, a second per thousand entities.
    if variables := set().union(*mandatory.values()):
        for entity_id, var_id in (
            Value.objects.filter(entity_id__in=entity_ids, variable_id__in=variables)
            .order_by()
            .values_list("entity_id", "variable_id")
        ):
            present[entity_id].add(var_id)
    for active in (True, False):
        ids = [
            e.pk
            for e in entities
            if (mandatory[e.entity_type_id] <= present[e.pk]) == active and e.active != active
        ]
        if ids:
            Entity.objects.filter(pk__in=ids).update(active=active)


def _raise(errors: Mapping[str, list[str]]) -> None:
    if errors:
        raise ValidationError({key: messages for key, messages in errors.items()})


# --- values ---------------------------------------------------------------------------------

# What a variable should hold after an action: value by indx (an absent indx holds nothing).
Plan = dict[Entity, dict[VariableDefinition, dict[int, str]]]


def insert_values(rows: Iterable[tuple[int, int, int, str, datetime]]) -> None:
    """Insert (entity_id, variable_id, indx, value, modified) rows in multi-row INSERTs: a
    bulk load spends most of its time building model instances otherwise."""
    table = connection.ops.quote_name(Value._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(Value._meta.get_field(f).column)
        for f in ("entity", "variable", "indx", "value", "modified")
    )
    sql = f"INSERT INTO {table} ({columns}) VALUES "
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            _insert_mysql(cursor, sql, rows)
            return
        adapted: dict[datetime, object] = {}  # a load shares few distinct timestamps
        batch: list[tuple] = []
        for entity_id, variable_id, indx, value, modified in rows:
            if modified not in adapted:
                adapted[modified] = connection.ops.adapt_datetimefield_value(modified)
            batch.append((entity_id, variable_id, indx, value, adapted[modified]))
            if len(batch) == 5000:
                cursor.executemany(sql + "(%s, %s, %s, %s, %s)", batch)
                batch.clear()
        if batch:
            cursor.executemany(sql + "(%s, %s, %s, %s, %s)", batch)


# The most one INSERT of insert_values holds on MariaDB, in bytes: well under the server's
# max_allowed_packet (16 MB by default), though one row alone may pass it by its value (1 MB
# at most, twice that escaped).
STATEMENT_BYTES = 1024 * 1024


def _insert_mysql(cursor, sql: str, rows: Iterable[tuple[int, int, int, str, datetime]]) -> None:
    """insert_values on MariaDB. The driver's executemany quotes each item of each row through
    its generic converters, which took as long as the server's own work on a campus's 600,000
    values: the statement is built here with the driver's string escaping for the text, the
    ids and indx as digits (%d takes numbers only, never text)."""
    stamps: dict[datetime, bytes] = {}

    def row(entity_id: int, variable_id: int, indx: int, value: str, modified: datetime) -> bytes:
        if (stamp := stamps.get(modified)) is None:
            adapted = connection.ops.adapt_datetimefield_value(modified)
            stamp = stamps[modified] = _mysql_literal(str(adapted))
        return b"(%d,%d,%d,%b,%b)" % (entity_id, variable_id, indx, _mysql_literal(value), stamp)

    _execute_packed(cursor, sql, (row(*r) for r in rows))


def _mysql_literal(value: object) -> bytes:
    """A database value as MariaDB SQL: text (and a UUID, which MariaDB stores natively)
    through the driver's string escaping, numbers as digits (%d takes numbers only, never
    text), None as NULL."""
    if value is None:
        return b"NULL"
    if isinstance(value, int):  # bool too
        return b"%d" % value
    if isinstance(value, uuid.UUID):
        value = str(value)
    if isinstance(value, str):
        driver = connection.connection
        return driver.string_literal(value.encode(driver.encoding))
    raise TypeError(f"no MariaDB literal for {type(value).__name__} {value!r}")


def _execute_packed(cursor, sql: str, rows: Iterable[bytes]) -> None:
    """Run `sql` (an INSERT ... VALUES) with rows of SQL text, as many a statement as
    STATEMENT_BYTES allows."""
    prefix = sql.encode(connection.connection.encoding)
    statement = bytearray(prefix)
    for row in rows:
        if len(statement) > len(prefix):
            if len(statement) + len(row) > STATEMENT_BYTES:
                cursor.execute(bytes(statement))
                del statement[len(prefix) :]
            else:
                statement += b","
        statement += row
    if len(statement) > len(prefix):
        cursor.execute(bytes(statement))


def definitions_of(entity_type: EntityType) -> dict[str, VariableDefinition]:
    return {
        d.name: d
        for d in VariableDefinition.objects.filter(entity_type=entity_type).select_related(
            "reference_type"
        )
    }


def _plan_entity(
    batch: ChangeBatch,
    label: str,
    definitions: Mapping[str, VariableDefinition],
    values: Values,
    tables: Tables,
    errors: dict[str, list[str]],
) -> dict[VariableDefinition, dict[int, str]]:
    """Validate one entity's new values and tables; what each variable should then hold.

    Values are trimmed and normalised first (Validator.normalise). An empty string is no
    value: a multi-valued list closes up around it, a table cell is left empty."""
    plan: dict[VariableDefinition, dict[int, str]] = {}
    for name, given in values.items():
        definition = definitions.get(name)
        if definition is None:
            errors[name].append(f"{label}: unknown variable {name!r}")
            continue
        if definition.table:
            errors[name].append(
                f"{label}: variable {name!r} is a column of table {definition.table!r}; "
                "set it as a table row"
            )
            continue
        normalised = (batch.validator.normalise(definition, v) for v in given)
        kept = [v for v in normalised if v != ""]
        errors[name].extend(batch.validator.check(label, definition, kept))
        plan[definition] = {i: v for i, v in enumerate(kept, start=1)}
    for table, rows in tables.items():
        columns = {n: d for n, d in definitions.items() if d.table == table}
        if not columns:
            errors[table].append(f"{label}: unknown table {table!r}")
            continue
        cells: dict[VariableDefinition, dict[int, str]] = {d: {} for d in columns.values()}
        for row_number, row in enumerate(rows, start=1):
            for name, value in row.items():
                if name not in columns:
                    errors[table].append(
                        f"{label}: table {table!r} row {row_number} has no column {name!r}"
                    )
                elif (value := batch.validator.normalise(columns[name], value)) != "":
                    cells[columns[name]][row_number] = value
        for definition, column in cells.items():
            errors[table].extend(
                f"{msg} (table {table!r})"
                for msg in batch.validator.check(label, definition, list(column.values()))
            )
        plan.update(cells)
    return plan


def apply_plan(batch: ChangeBatch, plan: Plan) -> int:
    """Make each planned variable hold exactly its planned values; returns the changes made."""
    # (value id, text) by position, read as rows: a batch edit reads 1,000 entities' values.
    existing: dict[tuple[int, int], dict[int, tuple[int, str]]] = defaultdict(dict)
    entity_ids = [e.pk for e in plan]
    variable_ids = {d.pk for per_entity in plan.values() for d in per_entity}
    for start in range(0, len(entity_ids), 1000):
        # Unordered: the default ordering joins the definitions for every value read.
        for pk, entity_id, variable_id, indx, text in (
            Value.objects.filter(
                entity_id__in=entity_ids[start : start + 1000], variable_id__in=variable_ids
            )
            .order_by()
            .values_list("pk", "entity_id", "variable_id", "indx", "value")
        ):
            existing[entity_id, variable_id][indx] = (pk, text)
    to_create: list[tuple[int, int, int, str, datetime]] = []
    # Updated value ids by new text: a batch edit sets one text on many entities, so one
    # UPDATE per distinct text beats a per-row statement.
    to_update: dict[str, list[int]] = defaultdict(list)
    to_delete: list[int] = []
    before = len(batch.pending)
    for entity, per_entity in plan.items():
        type_name = entity.entity_type.name
        for definition, wanted in per_entity.items():
            have = existing.get((entity.pk, definition.pk), {})
            for indx in sorted(have.keys() | wanted.keys()):
                old, new = have.get(indx), wanted.get(indx)
                old_text = None if old is None else old[1]
                if old_text == new:
                    continue
                if new is None:
                    to_delete.append(old[0])
                elif old is None:
                    to_create.append((entity.pk, definition.pk, indx, new, batch.now))
                else:
                    to_update[new].append(old[0])
                if definition.table:
                    batch.tables[type_name, definition.name] = definition.table
                batch.record(
                    ChangeAction.DELETE if new is None else ChangeAction.SET,
                    type_name,
                    entity.name,
                    variable=definition.name,
                    indx=indx,
                    old_value=old_text,
                    new_value=new,
                    secret=definition.secret,
                )
                # Activity follows the mandatory variables only; a change of which variables
                # are mandatory re-decides every entity of the type (_touch_type).
                if definition.mandatory:
                    batch.touched.add(entity.pk)
    _refuse_kept_tables(batch, batch.pending[before:])
    _refuse_duplicates(
        (entity, definition, wanted.values())
        for entity, per_entity in plan.items()
        for definition, wanted in per_entity.items()
        if definition.unique
    )
    _refuse_plan_checks(plan)
    for start in range(0, len(to_delete), 1000):
        Value.objects.filter(pk__in=to_delete[start : start + 1000]).delete()
    for text, ids in to_update.items():
        for start in range(0, len(ids), 1000):
            Value.objects.filter(pk__in=ids[start : start + 1000]).update(
                value=text, modified=batch.now
            )
    insert_values(to_create)
    return len(batch.pending) - before


def _refuse_duplicates(
    planned: Iterable[tuple[Entity, VariableDefinition, Iterable[str]]],
    alone: Collection[int] = (),
) -> None:
    """A unique variable's value may be held by one entity of its type only: refused, naming
    the entity that holds it, when another one does or when several would. The types whose
    ids are in alone have no entity but the planned ones, so none is looked up."""
    holders: dict[tuple[VariableDefinition, str], list[Entity]] = defaultdict(list)
    for entity, definition, values in planned:
        for value in set(values):
            holders[definition, value].append(entity)
    if not holders:
        return
    errors: dict[str, list[str]] = defaultdict(list)
    by_definition: dict[VariableDefinition, list[str]] = defaultdict(list)
    for definition, value in holders:
        by_definition[definition].append(value)
    for definition, values in by_definition.items():
        if definition.entity_type_id in alone:
            continue
        # The action's entities hold exactly their planned values once it is done.
        planned_ids = {e.pk for v in values for e in holders[definition, v]}
        found: set[tuple[str, str]] = set()
        for start in range(0, len(values), 1000):
            # The planned entities are left out here rather than in SQL: an import plans
            # 17,000, and a NOT IN of them in every query cost seconds to build and run.
            for value, holder_id, holder in (
                Value.objects.filter(variable=definition, value__in=values[start : start + 1000])
                .order_by("entity_id")
                .values_list("value", "entity_id", "entity__name")
            ):
                if holder_id in planned_ids or (value, holder) in found:
                    continue
                found.add((value, holder))
                entity = holders[definition, value][0]
                shown = quoted(definition, value)
                errors[definition.name].append(
                    f"{entity}: variable {definition.name!r} value {shown} is already held "
                    f"by {entity.entity_type.name}/{holder}; it is unique within its type"
                )
    for (definition, value), entities in holders.items():
        if len(entities) > 1:
            names = ", ".join(sorted(e.name for e in entities))
            shown = quoted(definition, value)
            errors[definition.name].append(
                f"variable {definition.name!r} value {shown} would be held by more than one "
                f"of {names}; it is unique within its type"
            )
    _raise(errors)


def _refuse_plan_checks(plan: Plan) -> None:
    """What the checks apps registered over a whole action (entities.value_checks
    register_plan_check) find, beside the variable or table at fault."""
    for variables, check in plan_checks():
        planned = {
            entity: {
                definition.name: [wanted[i] for i in sorted(wanted)]
                for definition, wanted in per_entity.items()
                if definition.name in variables
            }
            for entity, per_entity in plan.items()
        }
        planned = {entity: values for entity, values in planned.items() if values}
        if not planned:
            continue
        tables = {d.name: d.table for per_entity in plan.values() for d in per_entity if d.table}
        errors: dict[str, list[str]] = defaultdict(list)
        for variable, message in check(planned):
            errors[tables.get(variable, variable)].append(message)
        _raise(errors)


class ChangedSince(ValidationError):
    """The entities changed after the change log's `expected_seq` the form was built at:
    nothing was stored."""


def do_set_values(
    entity: Entity,
    values: Values = {},
    tables: Tables = {},
    *,
    user: object = None,
    expected_seq: int | None = None,
) -> int:
    """Replace the given variables' values and the given tables' rows of one entity.

    Returns the number of changes recorded (0 when everything already held these values)."""
    return do_batch_edit([entity], values, tables, user=user, expected_seq=expected_seq)


def do_batch_edit(
    entities: Iterable[Entity],
    values: Values = {},
    tables: Tables = {},
    *,
    user: object = None,
    expected_seq: int | None = None,
) -> int:
    """Set the same values and tables on every entity (all of one type) in one batch.

    With expected_seq (the change log's number the form was built at), refused
    with ChangedSince when one of them changed since: checked under the counter's lock, so
    two editors submitting forms built at the same moment never both overwrite."""
    entities = list(entities)
    if not entities:
        return 0
    types = {e.entity_type_id for e in entities}
    if len(types) != 1:
        raise ValidationError("A batch edit changes entities of one type only.")
    definitions = definitions_of(entities[0].entity_type)
    types_label = f"{entities[0].entity_type.name} entities"
    label = str(entities[0]) if len(entities) == 1 else f"{len(entities)} {types_label}"
    with change_batch(user) as batch:
        if expected_seq is not None:
            batch.lock_sequence()
            names = [e.name for e in entities]
            if changed_since(entities[0].entity_type.name, names, expected_seq):
                raise ChangedSince(f"{label} changed since the form was built.")
        errors: dict[str, list[str]] = defaultdict(list)
        # The values are the same for every entity, so they are validated once.
        shared = _plan_entity(batch, label, definitions, values, tables, errors)
        _raise({k: v for k, v in errors.items() if v})
        return apply_plan(batch, {entity: shared for entity in entities})


def do_create_entity(
    entity_type: EntityType,
    name: str,
    values: Values = {},
    tables: Tables = {},
    *,
    user: object = None,
) -> Entity:
    """A new entity with its first values; refused when the name is taken or invalid."""
    errors: dict[str, list[str]] = defaultdict(list)
    label = f"{entity_type.name}/{name}"
    if message := check_name("entity", name):
        errors["name"].append(f"{label}: {message}")
    with change_batch(user) as batch:
        if Entity.objects.filter(entity_type=entity_type, name=name).exists():
            errors["name"].append(f"{label}: an entity of this type with this name exists")
        plan = _plan_entity(batch, label, definitions_of(entity_type), values, tables, errors)
        _raise({k: v for k, v in errors.items() if v})
        entity = Entity.objects.create(entity_type=entity_type, name=name)
        batch.validator.pending.setdefault(entity_type.pk, set()).add(name)
        batch.record(ChangeAction.CREATE_ENTITY, entity_type.name, name)
        batch.touched.add(entity.pk)
        apply_plan(batch, {entity: plan})
    return entity


def references_to(entity: Entity) -> list[str]:
    """The entities whose values name this one through a reference variable."""
    return sorted(
        f"{entity_type}/{name}.{variable}"
        for entity_type, name, variable in Value.objects.filter(
            variable__reference_type=entity.entity_type, value=entity.name
        ).values_list("entity__entity_type__name", "entity__name", "variable__name")
    )


def do_delete_entity(entity: Entity, *, user: object = None) -> None:
    """Delete an entity with its values, each recorded as a `delete` change; refused while
    other entities refer to it."""
    if referrers := references_to(entity):
        raise ValidationError(f"{entity} is still named by {', '.join(referrers)}")
    with change_batch(user) as batch:
        # Each value is recorded before the deletion, so history shows them and a revert can
        # re-create the entity; a feed reader simply drops the file at delete_entity.
        for value in (
            Value.objects.filter(entity=entity)
            .select_related("variable")
            .order_by("variable__name", "indx")
        ):
            batch.record(
                ChangeAction.DELETE,
                entity.entity_type.name,
                entity.name,
                variable=value.variable.name,
                indx=value.indx,
                old_value=value.value,
                secret=value.variable.secret,
            )
        batch.record(ChangeAction.DELETE_ENTITY, entity.entity_type.name, entity.name)
        batch.touched.discard(entity.pk)
        entity.delete()


# --- entity types and variable definitions --------------------------------------------------


def do_create_type(name: str, description: str = "", *, user: object = None) -> EntityType:
    if message := check_name("entity type", name):
        raise ValidationError({"name": [message]})
    with change_batch(user) as batch:
        if EntityType.objects.filter(name=name).exists():
            raise ValidationError({"name": [f"entity type {name!r} already exists"]})
        entity_type = EntityType.objects.create(name=name, description=description)
        batch.record(ChangeAction.CREATE_TYPE, name, new_value=description or None)
    return entity_type


def type_deletion_summary(entity_type: EntityType) -> dict[str, list[str]]:
    """What deleting a type takes with it, and what stops it (for a confirmation page)."""
    return {
        "entities": list(entity_type.entities.values_list("name", flat=True)),
        "variables": list(entity_type.variables.values_list("name", flat=True)),
        "referenced_by": sorted(
            str(d)
            for d in VariableDefinition.objects.filter(reference_type=entity_type).select_related(
                "entity_type"
            )
            | VariableDefinition.objects.filter(enum_type=entity_type).select_related("entity_type")
            if d.entity_type_id != entity_type.pk
        ),
    }


def do_delete_type(entity_type: EntityType, *, user: object = None) -> None:
    summary = type_deletion_summary(entity_type)
    if summary["referenced_by"]:
        raise ValidationError(
            f"entity type {entity_type.name!r} is still referenced by "
            + ", ".join(summary["referenced_by"])
        )
    with change_batch(user) as batch:
        for name in summary["entities"]:
            batch.record(ChangeAction.DELETE_ENTITY, entity_type.name, name)
        batch.record(ChangeAction.DELETE_TYPE, entity_type.name)
        VariableDefinition.objects.filter(entity_type=entity_type).update(
            reference_type=None, enum_type=None
        )
        entity_type.delete()


VARDEF_FIELDS = (
    "widget",
    "mandatory",
    "multi_valued",
    "table",
    "reference_type",
    "regex",
    "enumeration",
    "enum_values",
    "enum_type",
    "enum_variable",
    "display_order",
    "tooltip",
    "secret",
    "unique",
    "keep_whitespace",
)


def check_definition(definition: VariableDefinition) -> list[str]:
    label = f"variable {definition.entity_type.name}.{definition.name}"
    errors = []
    if message := check_name("variable", definition.name):
        errors.append(message)
    if definition.widget not in Widget.values:
        errors.append(f"{label}: unknown widget {definition.widget!r}")
    if definition.enumeration not in EnumerationKind.values:
        errors.append(f"{label}: unknown enumeration {definition.enumeration!r}")
    if definition.regex and (message := check_regex(definition.regex)):
        errors.append(f"{label}: {message}")
    if definition.table and (message := check_name("table", definition.table)):
        errors.append(f"{label}: {message}")
    if definition.enumeration in (EnumerationKind.ENTITIES, EnumerationKind.VALUES) and not (
        definition.enum_type_id
    ):
        errors.append(f"{label}: an enumeration of {definition.enumeration} needs enum_type")
    if definition.enumeration == EnumerationKind.VALUES and not definition.enum_variable:
        errors.append(f"{label}: an enumeration of values needs enum_variable")
    if not isinstance(definition.enum_values, list) or not all(
        isinstance(v, str) for v in definition.enum_values
    ):
        errors.append(f"{label}: enum_values must be a list of strings")
    return errors


def do_add_variable(
    entity_type: EntityType, name: str, *, user: object = None, **fields: object
) -> VariableDefinition:
    """A new variable definition (Add Variable); refused when the type has one of that name,
    which do_save_variable would change instead."""
    with change_batch(user):
        if VariableDefinition.objects.filter(entity_type=entity_type, name=name).exists():
            raise ValidationError(
                {"name": [f"{entity_type.name} already has a variable named {name!r}"]}
            )
        return do_save_variable(entity_type, name, user=user, **fields)


def do_save_variable(
    entity_type: EntityType, name: str, *, user: object = None, **fields: object
) -> VariableDefinition:
    """Create the variable definition, or change the given fields of an existing one."""
    unknown = set(fields) - set(VARDEF_FIELDS)
    if unknown:
        raise ValidationError(f"unknown variable definition fields: {', '.join(sorted(unknown))}")
    with change_batch(user) as batch:
        definition = VariableDefinition.objects.filter(entity_type=entity_type, name=name).first()
        before = _definition_state(definition) if definition else None
        was_mandatory = bool(definition and definition.mandatory)
        if definition is None:
            definition = VariableDefinition(entity_type=entity_type, name=name)
        for key, value in fields.items():
            setattr(definition, key, value)
        if errors := check_definition(definition):
            raise ValidationError({"__all__": errors})
        after = _definition_state(definition)
        if after != before:
            definition.save()
            if definition.mandatory != was_mandatory:
                _touch_type(batch, entity_type)
            batch.record(
                ChangeAction.SET_VARDEF,
                entity_type.name,
                variable=name,
                old_value=before,
                new_value=after,
            )
    return definition


def _touch_type(batch: ChangeBatch, entity_type: EntityType) -> None:
    """A mandatory variable came or went: every entity of the type may change activity."""
    batch.touched.update(entity_type.entities.values_list("pk", flat=True))


def _definition_state(definition: VariableDefinition) -> str:
    """A stable one-line description of a definition, for the change log."""
    parts = []
    for key in VARDEF_FIELDS:
        value = getattr(definition, key)
        if isinstance(value, EntityType):
            value = value.name
        parts.append(f"{key}={value!r}")
    return " ".join(parts)


def do_delete_variable(definition: VariableDefinition, *, user: object = None) -> None:
    """Delete a definition with every value of it."""
    with change_batch(user) as batch:
        if definition.mandatory:
            _touch_type(batch, definition.entity_type)
        batch.record(
            ChangeAction.DELETE_VARDEF,
            definition.entity_type.name,
            variable=definition.name,
            old_value=_definition_state(definition),
        )
        definition.delete()


def do_set_many(
    edits: Mapping[Entity, tuple[Values, Tables]],
    *,
    user: object = None,
    expected_seq: int | None = None,
) -> int:
    """Set different values and tables on several entities in one batch (a table batch edit,
    a revert); all are validated first and either all are stored or none. With expected_seq,
    refused with ChangedSince as do_batch_edit is."""
    with change_batch(user) as batch:
        if expected_seq is not None:
            batch.lock_sequence()
            names: dict[str, list[str]] = defaultdict(list)
            for entity in edits:
                names[entity.entity_type.name].append(entity.name)
            for type_name, of_type in names.items():
                if changed_since(type_name, of_type, expected_seq):
                    raise ChangedSince(f"{type_name} entities changed since the form was built.")
        errors: dict[str, list[str]] = defaultdict(list)
        definitions: dict[int, dict[str, VariableDefinition]] = {}
        plan: Plan = {}
        for entity, (values, tables) in edits.items():
            if entity.entity_type_id not in definitions:
                definitions[entity.entity_type_id] = definitions_of(entity.entity_type)
            plan[entity] = _plan_entity(
                batch, str(entity), definitions[entity.entity_type_id], values, tables, errors
            )
        _raise({k: v for k, v in errors.items() if v})
        return apply_plan(batch, plan)


# --- revert ---------------------------------------------------------------------------------

# An entity to create again: its type, its name, and the values and tables it held.
Recreation = tuple[EntityType, str, Values, Tables]


def do_revert_changes(
    recreate: Sequence[Recreation],
    restore: Plan,
    remove: Sequence[Entity],
    *,
    user: object = None,
    reverts: uuid.UUID | None = None,
) -> int:
    """Undo changes (of the batch `reverts`) as one batch: create deleted entities again, put
    values back at their positions, remove created entities. Returns the number of changes
    recorded, each marked as a revert of that batch."""
    with change_batch(user) as batch:
        batch.reverts = reverts
        before = len(batch.pending)
        # Created first, so that restored values may name them; with the kept tables they
        # had, as recorded.
        for entity_type, name, values, tables in recreate:
            try:
                with keeper_writes():
                    do_create_entity(entity_type, name, values, tables, user=user)
            except ValidationError as refused:
                raise ValidationError(
                    [
                        f"{entity_type.name}/{name} cannot be re-created as it was: {m}"
                        for m in refused.messages
                    ]
                ) from refused
        errors = [
            message
            for entity, per_entity in restore.items()
            for definition, held in per_entity.items()
            for message in batch.validator.check(
                str(entity), definition, [held[i] for i in sorted(held)]
            )
        ]
        if errors:
            raise ValidationError(errors)
        apply_plan(batch, restore)
        for entity in remove:
            do_delete_entity(entity, user=user)
        return len(batch.pending) - before


# --- bulk load ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntityLoad:
    """One entity of a bulk load with every value it should hold, by variable name."""

    entity_type: EntityType
    name: str
    values: Mapping[str, Sequence[MirrorValue]]


# Loads validated, then (while none was refused) stored, at a time: an import's thread parses
# the next files while the database stores these (the driver lets go of the GIL meanwhile).
LOAD_CHUNK = 500


def do_load_entities(
    loads: Iterable[EntityLoad],
    *,
    user: object = None,
    names: Mapping[EntityType, Collection[str]] | None = None,
) -> tuple[int, int]:
    """Make each entity hold exactly its load's values, creating the entities that do not
    exist; entities not named are left alone. Returns (created, changed).

    A new entity is bulk-inserted and recorded as one `create_entity` change (a reader of the
    change feed fetches it whole); an existing one gets a change per value that differs.

    loads may come as they are read (an import parsing its files): then names holds, by type,
    the name of every entity they will bring, so that a load may refer to a later one. The new
    entities of each LOAD_CHUNK loads are stored as soon as they are checked; once a load is
    refused nothing more is stored, the rest are still checked so that every problem of every
    load is reported at once, and the refusal rolls back what was stored."""
    if names is None:
        loads = list(loads)
        names = defaultdict(set)
        for load in loads:
            names[load.entity_type].add(load.name)
    loads = iter(loads)
    with change_batch(user) as batch:
        types = {entity_type.pk: entity_type for entity_type in names}
        definitions = {pk: definitions_of(entity_type) for pk, entity_type in types.items()}
        existing = {
            (e.entity_type_id, e.name): e
            for e in Entity.objects.filter(entity_type__in=types).select_related("entity_type")
        }
        validator = batch.validator
        for entity_type, held in names.items():
            validator.pending.setdefault(entity_type.pk, set()).update(held)
        # Every checker is made before the first insert: an enumeration of a variable's values
        # reads them when its checker is made, and must not read the load's own.
        checkers = {
            pk: {name: validator.checker(d) for name, d in defs.items()}
            for pk, defs in definitions.items()
        }
        mandatory = {
            pk: {n for n, d in defs.items() if d.mandatory} for pk, defs in definitions.items()
        }
        errors: list[str] = []
        seen: set[tuple[int, str]] = set()
        created: list[tuple[EntityLoad, Entity]] = []
        to_apply: list[tuple[Entity, EntityLoad]] = []
        while chunk := list(islice(loads, LOAD_CHUNK)):
            errors += _refusals(validator, chunk, definitions, checkers, seen)
            new = []
            for load in chunk:
                entity = existing.get((load.entity_type.pk, load.name))
                if entity is None:
                    new.append(load)
                else:
                    to_apply.append((entity, load))
            if errors:
                continue
            # A new entity holds exactly its load's values, so the activity rule
            # (_update_active) is decided here: reading them back costs MariaDB seconds on a
            # whole campus.
            rows = Entity.objects.bulk_create(
                [
                    Entity(
                        entity_type=load.entity_type,
                        name=load.name,
                        active=mandatory[load.entity_type.pk]
                        <= {n for n, v in load.values.items() if v},
                    )
                    for load in new
                ],
                batch_size=2000,
            )
            created += zip(new, rows, strict=True)
            insert_values(_value_rows(batch, zip(new, rows, strict=True), definitions))
        if errors:
            raise ValidationError(errors)
        for load, _ in created:
            batch.record(ChangeAction.CREATE_ENTITY, load.entity_type.name, load.name)
        unique = {pk: [d for d in defs.values() if d.unique] for pk, defs in definitions.items()}
        _refuse_duplicates(
            (
                (row, definition, [v.text for v in load.values.get(definition.name, [])])
                for load, row in created
                for definition in unique[load.entity_type.pk]
            ),
            # A type with no entity before the load: only the load's own can hold a value.
            alone=types.keys() - {type_id for type_id, _ in existing},
        )
        plan: Plan = {
            entity: {
                definition: {v.indx: v.text for v in load.values.get(name, [])}
                for name, definition in definitions[load.entity_type.pk].items()
            }
            for entity, load in to_apply
        }
        first_change = len(batch.pending)
        apply_plan(batch, plan)
        return len(created), len({c.entity for c in batch.pending[first_change:]})


def _value_rows(
    batch: ChangeBatch,
    created: Iterable[tuple[EntityLoad, Entity]],
    definitions: Mapping[int, Mapping[str, VariableDefinition]],
) -> Iterator[tuple[int, int, int, str, datetime]]:
    """insert_values' rows for the values of new entities (a campus has 600,000)."""
    stamp = cache(lambda moment: _aware(moment) or batch.now)  # a load shares few timestamps
    for load, row in created:
        by_name = definitions[load.entity_type.pk]
        for name, values in load.values.items():
            variable_id = by_name[name].pk
            for value in values:
                yield row.pk, variable_id, value.indx, value.text, stamp(value.modified)


def _refusals(
    validator: Validator,
    loads: Sequence[EntityLoad],
    definitions: dict[int, dict[str, VariableDefinition]],
    checkers: dict[int, dict[str, Callable[[str, list[str]], list[str]]]],
    seen: set[tuple[int, str]],
) -> list[str]:
    """Every problem of the loads: a bad or repeated name (seen holds the earlier loads'), an
    unknown variable, a value its definition refuses."""
    errors = []
    for load in loads:
        key = (load.entity_type.pk, load.name)
        label = f"{load.entity_type.name}/{load.name}"
        if key in seen:
            errors.append(f"{label}: appears twice")
        if message := check_name("entity", load.name):
            errors.append(f"{label}: {message}")
        seen.add(key)
        checks = checkers[key[0]]
        for name, values in load.values.items():
            if (check := checks.get(name)) is None:
                # Made while the loads came (an import's plain definitions, no enumeration).
                definitions[key[0]] = definitions_of(load.entity_type)
                if (definition := definitions[key[0]].get(name)) is None:
                    errors.append(f"{label}: unknown variable {name!r}")
                    continue
                check = checks[name] = validator.checker(definition)
            if values:
                errors.extend(check(label, [v.text for v in values]))
    return errors


def _aware(moment: datetime | None) -> datetime | None:
    """Mirror timestamps are written in UTC without a zone."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment
