"""Checks an app adds to one variable of one entity type, beyond what a definition can say
(a regex cannot say "no '..' segment"). An app registers its checks when it starts
(`AppConfig.ready()`); the validator runs them on every value written, whatever the door
(a form, the API, a batch edit, the admin, importxml), so entities never imports the app.
"""

from __future__ import annotations

from collections.abc import Callable

# A value's problem as a phrase that follows "<entity>: variable '<name>'", or None when the
# value is acceptable; it may quote the value.
ValueCheck = Callable[[str], str | None]

_checks: dict[tuple[str, str], list[ValueCheck]] = {}


def register_value_check(entity_type: str, variable: str, check: ValueCheck) -> None:
    """Run check on every value written to variable of entity_type (by their names)."""
    checks = _checks.setdefault((entity_type, variable), [])
    if check not in checks:
        checks.append(check)


def checked_variables() -> set[str]:
    """The names of the variables some check is registered for, of whatever type."""
    return {variable for _, variable in _checks}


def value_problem(entity_type: str, variable: str, value: str) -> str | None:
    """The first registered check's problem with value, or None."""
    for check in _checks.get((entity_type, variable), ()):
        if (problem := check(value)) is not None:
            return problem
    return None
