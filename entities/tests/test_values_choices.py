"""A drop-down of an enumeration of values (the rooms every host has) is read from the
database again only after a committed change, not on every page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from entities import services
from entities.models import Entity
from testing import factories

URL = "/entity/standalone/ws0/modify/"


def rooms_of_rooms(standalone) -> None:
    """room offers the rooms of every standalone, as the demo's client type does."""
    factories.variable(
        standalone,
        "room",
        widget="select",
        enumeration="values",
        enum_type=standalone,
        enum_variable="room",
    )


def modify_page(admin) -> tuple[str, int]:
    """The page, and how many times it read the rooms."""
    with CaptureQueriesContext(connection) as captured:
        html = admin.get(URL).content.decode()
    return html, sum("DISTINCT" in q["sql"] for q in captured)


# Committed for real: the kept list is used only outside a transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rooms_are_read_again_only_after_a_committed_change(standalone, admin):
    rooms_of_rooms(standalone)
    factories.entity(standalone, "ws0", domain="cs.example.edu", room="EN1018")
    factories.entity(standalone, "ws1", domain="cs.example.edu", room="EN2036")
    html, reads = modify_page(admin)
    assert 'value="EN2036"' in html and reads == 1
    html, reads = modify_page(admin)
    assert 'value="EN2036"' in html and reads == 0
    services.do_set_values(Entity.objects.get(name="ws1"), {"room": ["EN3000"]}, user="tests")
    html, reads = modify_page(admin)
    assert 'value="EN3000"' in html and 'value="EN2036"' not in html and reads == 1


def test_inside_a_transaction_the_rooms_are_read_each_time(standalone, admin):
    rooms_of_rooms(standalone)
    factories.entity(standalone, "ws0", domain="cs.example.edu", room="EN1018")
    assert [modify_page(admin)[1] for _ in range(2)] == [1, 1]
