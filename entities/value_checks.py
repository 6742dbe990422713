"""Checks and normalisers an app adds to one variable of one entity type, beyond what a
definition can say (a regex cannot say "no '..' segment"). An app registers its checks when it
starts (`AppConfig.ready()`); the validator runs them on every value written, whatever the door
(a form, the API, a batch edit, the admin, importxml), so entities never imports the app.
A normaliser rewrites a value the user meant into the form it is stored in (an upper-case MAC
address into lower case) before the value is checked; it leaves a value it cannot read alone,
so the definition's checks still name what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Entity

# A value's problem as a phrase that follows "<entity>: variable '<name>'", or None when the
# value is acceptable; it may quote the value.
ValueCheck = Callable[[str], str | None]

# The value as it is stored; given what the user typed, already trimmed.
ValueNormaliser = Callable[[str], str]

_checks: dict[tuple[str, str], list[ValueCheck]] = {}
# The variable names of _checks' keys: the validator asks for every value it checks.
_variables: set[str] = set()
_normalisers: dict[tuple[str, str], ValueNormaliser] = {}


def register_value_check(entity_type: str, variable: str, check: ValueCheck) -> None:
    """Run check on every value written to variable of entity_type (by their names)."""
    checks = _checks.setdefault((entity_type, variable), [])
    _variables.add(variable)
    if check not in checks:
        checks.append(check)


def checked_variables() -> set[str]:
    """The names of the variables some check is registered for, of whatever type."""
    return _variables


def value_problem(entity_type: str, variable: str, value: str) -> str | None:
    """The first registered check's problem with value, or None."""
    for check in _checks.get((entity_type, variable), ()):
        if (problem := check(value)) is not None:
            return problem
    return None


def register_value_normaliser(entity_type: str, variable: str, normaliser: ValueNormaliser) -> None:
    """Store every value written to variable of entity_type as normaliser makes it."""
    _normalisers[entity_type, variable] = normaliser


def normalised_variables() -> set[str]:
    """The names of the variables some normaliser is registered for, of whatever type."""
    return {variable for _, variable in _normalisers}


def normalised(entity_type: str, variable: str, value: str) -> str:
    """value as the registered normaliser stores it (unchanged without one)."""
    normaliser = _normalisers.get((entity_type, variable))
    return value if normaliser is None else normaliser(value)


# What one action (an edit, a creation, a batch edit, a revert) would leave in some entities,
# for a check that needs more than one value: for each entity written, the variables the check
# was registered for that the action sets, with their values in indx order. It returns the
# problems as (variable, sentence naming the entity and the other one at fault).
PlanCheck = Callable[[Mapping["Entity", Mapping[str, list[str]]]], list[tuple[str, str]]]

_plan_checks: list[tuple[frozenset[str], PlanCheck]] = []


def register_plan_check(variables: Iterable[str], check: PlanCheck) -> None:
    """Run check on every action that sets one of variables (by name, of any type), before
    anything is written; a problem refuses the whole action (a clash between two hosts'
    names or addresses, workers.clashes)."""
    entry = (frozenset(variables), check)
    if entry not in _plan_checks:
        _plan_checks.append(entry)


def plan_checks() -> list[tuple[frozenset[str], PlanCheck]]:
    return _plan_checks
