"""Validation of variable values against their definitions (the guide's var_defs rules)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.db import connection

from .choices import EnumerationKind, Widget
from .mirror import is_plain_name
from .models import Entity, EntityType, Value, VariableDefinition
from .patterns import describe
from .reading import committed_seq
from .value_checks import checked_variables, normalised, normalised_variables, value_problem

# The most one value may hold, in bytes of UTF-8 (docs/configuration-database.md): room for a
# managed file's content, far below what a request body, a mirror file or an agent can carry.
MAX_VALUE_BYTES = 1024 * 1024


def check_name(kind: str, name: str) -> str | None:
    """A message when name cannot name a type, variable or entity (it names a mirror file)."""
    if not is_plain_name(name or ""):
        return (
            f"{kind} name {name!r} may hold only ASCII letters, digits and . _ @ + - "
            "and may not start with a dot"
        )
    return None


def expected(definition: VariableDefinition) -> str:
    """What a value of definition must look like, in words, with its tooltip when it has one
    (the regex itself only when no words are known for it)."""
    words = describe(definition.regex)
    return f"{words} ({definition.tooltip})" if definition.tooltip else words


def quoted(definition: VariableDefinition, value: str) -> str:
    """value as a message quotes it: a secret variable's value never appears in a message,
    which may reach a page, a log or an import's report."""
    return "(secret)" if definition.secret else repr(value)


def beside_field(message: str, variable: str) -> str:
    """A message of `Validator.check` without the entity and variable it starts with, for
    the row of the form that already names them; other messages unchanged."""
    _, found, problem = message.partition(f": variable {variable!r} ")
    return problem if found else message


@lru_cache(maxsize=512)
def _compiled(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


# The sorted choices of each values enumeration, (enum type id, enum variable) -> (the change
# sequence number they were read at, choices). Any committed change moves the number, so a
# drop-down reads every client's room again (9,500 rows on gendata's campus) only after one.
_values_choices: dict[tuple[int, str], tuple[int, list[str]]] = {}


class Validator:
    """Checks values for one user action; caches the names and values it looks up.

    `pending` holds entity names created earlier in the same action, so an import can make
    an entity and a reference to it together."""

    def __init__(self) -> None:
        self._names: dict[int, set[str]] = {}
        self._enum_values: dict[tuple[int, str], set[str]] = {}
        self._type_names: dict[int, str] = {}
        self.pending: dict[int, set[str]] = {}

    def type_name(self, definition: VariableDefinition) -> str:
        type_id = definition.entity_type_id
        if type_id not in self._type_names:
            self._type_names[type_id] = EntityType.objects.get(pk=type_id).name
        return self._type_names[type_id]

    def app_problem(self, definition: VariableDefinition, value: str) -> str | None:
        """What a check an app registered (entities.value_checks) says of value; the type's
        name is looked up only for a variable some check is registered for."""
        if definition.name not in checked_variables():
            return None
        return value_problem(self.type_name(definition), definition.name, value)

    def normalise(self, definition: VariableDefinition, value: str) -> str:
        """value as it is stored: trimmed unless the definition keeps whitespace, then as a
        normaliser an app registered (entities.value_checks) writes it."""
        if not definition.keep_whitespace:
            value = value.strip()
        if definition.name in normalised_variables():
            value = normalised(self.type_name(definition), definition.name, value)
        return value

    def _stored_names(self, type_id: int) -> set[str]:
        if type_id not in self._names:
            self._names[type_id] = set(
                Entity.objects.filter(entity_type_id=type_id).values_list("name", flat=True)
            )
        return self._names[type_id]

    def names_of(self, type_id: int) -> set[str]:
        return self._stored_names(type_id) | self.pending.get(type_id, set())

    def read_names(self, type_ids: Iterable[int]) -> None:
        """Read the entity names of several types in one query (a form's drop-downs)."""
        if missing := set(type_ids) - self._names.keys():
            for type_id in missing:
                self._names[type_id] = set()
            for type_id, name in (
                Entity.objects.filter(entity_type_id__in=missing)
                .order_by()
                .values_list("entity_type_id", "name")
            ):
                self._names[type_id].add(name)

    def is_name(self, type_id: int, name: str) -> bool:
        """Whether an entity of the type has that name (names_of without copying the sets:
        an import checks hundreds of thousands of references)."""
        return name in self._stored_names(type_id) or name in self.pending.get(type_id, ())

    def _values_of(self, definition: VariableDefinition) -> set[str]:
        key = (definition.enum_type_id, definition.enum_variable)
        if key not in self._enum_values:
            # Distinct in SQL: a campus's thousands of clients share a few hundred rooms.
            self._enum_values[key] = set(
                Value.objects.filter(
                    variable__entity_type_id=definition.enum_type_id,
                    variable__name=definition.enum_variable,
                )
                .order_by()
                .values_list("value", flat=True)
                .distinct()
            )
        return self._enum_values[key]

    def choices(self, definition: VariableDefinition) -> list[str] | None:
        """The enumeration of a variable, sorted; None when it has none."""
        kind = definition.enumeration
        if kind == EnumerationKind.STATIC:
            return list(definition.enum_values)
        if kind == EnumerationKind.ENTITIES and definition.enum_type_id:
            return sorted(self.names_of(definition.enum_type_id))
        if kind == EnumerationKind.VALUES and definition.enum_type_id:
            return self._values_choices(definition)
        return None

    def _values_choices(self, definition: VariableDefinition) -> list[str]:
        # Only outside a transaction, where the sequence number names what the values are: a
        # transaction's own uncommitted writes (or a rolled-back number, which the next
        # commit reuses) must never be kept.
        if connection.in_atomic_block:
            return sorted(self._values_of(definition))
        key = (definition.enum_type_id, definition.enum_variable)
        seq = committed_seq()  # before the values: they are never older than the number
        held = _values_choices.get(key)
        if held is None or held[0] != seq:
            held = _values_choices[key] = (seq, sorted(self._values_of(definition)))
        return list(held[1])

    def _enumerates(self, definition: VariableDefinition) -> Callable[[str], bool] | None:
        """Whether a value is among choices(definition), without building the sorted list;
        None when the variable has no enumeration."""
        kind = definition.enumeration
        if kind == EnumerationKind.STATIC:
            return set(definition.enum_values).__contains__
        if kind == EnumerationKind.ENTITIES and definition.enum_type_id:
            return lambda value: self.is_name(definition.enum_type_id, value)
        if kind == EnumerationKind.VALUES and definition.enum_type_id:
            return self._values_of(definition).__contains__
        return None

    def check(self, label: str, definition: VariableDefinition, values: list[str]) -> list[str]:
        """Messages for every value of `values` that `definition` refuses; empty when valid.

        Each message names the entity (label), the variable and the value, except that a value
        too long or secret is not quoted."""
        return self.checker(definition)(label, values) if values else []

    def checker(self, definition: VariableDefinition) -> Callable[[str, list[str]], list[str]]:
        """check() for one definition, with what it asks of a value worked out once: an
        import checks 470,000 lists of values, most of them one short value."""
        name = definition.name
        multi = definition.is_multi
        fullmatch = _compiled(definition.regex).fullmatch if definition.regex else None
        app_checked = name in checked_variables()
        enforced = definition.widget != Widget.SELECT
        enumerates = self._enumerates(definition) if enforced else None
        reference_type_id = definition.reference_type_id
        is_name = self.is_name

        def check(label: str, values: list[str]) -> list[str]:
            where = f"{label}: variable {name!r}"
            # A character takes at most 4 bytes: only a longer string needs encoding to know.
            if values and max(map(len, values)) > MAX_VALUE_BYTES // 4:
                sizes = (len(v.encode(errors="surrogatepass")) for v in values)
                if oversized := [
                    f"{where} value of {size:,} bytes is longer than the {MAX_VALUE_BYTES:,} "
                    "bytes a value may hold"
                    for size in sizes
                    if size > MAX_VALUE_BYTES
                ]:
                    return oversized
            if len(values) > 1 and not multi:
                shown = "(secret)" if definition.secret else repr(values)
                return [f"{where} takes one value, not {len(values)}: {shown}"]
            errors = []
            for value in values:
                if "\x00" in value:
                    problem = "contains a NUL character"
                elif fullmatch is not None and fullmatch(value) is None:
                    problem = f"is not {expected(definition)}"
                elif app_checked and (found := self.app_problem(definition, value)):
                    errors.append(f"{where} {found}")
                    continue
                elif enumerates is not None and not enumerates(value):
                    problem = "is not one of its enumerated values"
                elif reference_type_id and not is_name(reference_type_id, value):
                    problem = f"is not the name of a {definition.reference_type.name} entity"
                else:
                    continue
                errors.append(f"{where} value {quoted(definition, value)} {problem}")
            return errors

        return check


def check_regex(regex: str) -> str | None:
    try:
        _compiled(regex)
    except re.error as exc:
        return f"regular expression {regex!r} is invalid: {exc}"
    return None
