"""A check an app registers for one variable of one type refuses values whatever the door,
and leaves the same variable name of other types alone."""

import pytest
from django.core.exceptions import ValidationError

from entities import services, value_checks
from entities.reading import entity_contents
from testing import factories


def no_spaces(value: str) -> str | None:
    return f"value {value!r} holds a space" if " " in value else None


@pytest.fixture
def checked(db, monkeypatch):
    """printer.queue carries the check; room.queue does not."""
    monkeypatch.setattr(value_checks, "_checks", {})
    value_checks.register_value_check("printer", "queue", no_spaces)
    value_checks.register_value_check("printer", "queue", no_spaces)  # once is enough
    printer = factories.entity(factories.entity_type("printer", queue={}), "lj1", queue="lj1")
    room = factories.entity(factories.entity_type("room", queue={}), "EN1018")
    return printer, room


def test_a_registered_check_refuses_a_value_naming_entity_and_variable(checked):
    printer, room = checked
    with pytest.raises(ValidationError) as refused:
        services.do_set_values(printer, {"queue": ["lj 1"]}, user="tests")
    assert refused.value.messages == ["printer/lj1: variable 'queue' value 'lj 1' holds a space"]
    assert entity_contents(printer).values["queue"] == ["lj1"]
    assert services.do_set_values(room, {"queue": ["front desk"]}, user="tests") == 1
