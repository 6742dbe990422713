"""A Modify form built at one point of the change log is stored only if its entity has not
changed since: checked in the write's transaction, under the lock that orders changes, so two
editors submitting at the same moment never both overwrite."""

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse

from entities import services
from entities.forms import EntityValuesForm
from entities.models import Change
from entities.reading import entity_contents, latest_seq
from testing import factories
from testing.clients import signed_in


@pytest.fixture
def room(db):
    return factories.entity(factories.entity_type("room", building={}, seats={}), "EN1018")


def building_of(entity) -> list[str]:
    return entity_contents(entity).values.get("building", [])


def test_a_write_expecting_an_older_seq_is_refused_and_stores_nothing(room):
    seen = latest_seq("room", ["EN1018"])
    services.do_set_values(room, {"seats": ["40"]}, user="bob")
    before = Change.objects.count()
    with pytest.raises(services.ChangedSince, match="room/EN1018 changed since"):
        services.do_set_values(room, {"building": ["EN"]}, user="alice", expected_seq=seen)
    assert Change.objects.count() == before and building_of(room) == []
    now = latest_seq("room", ["EN1018"])
    assert services.do_set_values(room, {"building": ["EN"]}, expected_seq=now) == 1


def test_a_change_committed_while_the_form_is_read_is_noticed(room, monkeypatch):
    # The other editor's change lands after the view has read the form and before it writes:
    # a check made before the write's transaction lets both through.
    url = reverse("entities:modify", args=["room", "EN1018"])
    seen = latest_seq("room", ["EN1018"])
    changes = EntityValuesForm.changes

    def other_editor_first(form):
        services.do_set_values(room, {"building": ["CS"]}, user="bob")
        return changes(form)

    monkeypatch.setattr(EntityValuesForm, "changes", other_editor_first)
    answer = signed_in("editor").post(url, {"seq": seen, "v-building": "EN", "v-seats": ""})
    assert answer.status_code == 409
    assert "was changed by bob (building) after you opened this form" in answer.content.decode()
    assert building_of(room) == ["CS"]


def submit_at_once(room, start: threading.Barrier, seen: int, building: str, stored: list):
    """One editor's submit of a form built at seen, begun when every editor is ready."""
    try:
        start.wait()
        services.do_set_values(room, {"building": [building]}, expected_seq=seen)
        stored.append(building)
    except services.ChangedSince:
        pass
    finally:
        connections.close_all()


@pytest.mark.mariadb
@pytest.mark.skipif(connection.vendor != "mysql", reason="needs MariaDB")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_editors_submitting_at_the_same_moment_are_not_both_stored():
    room = factories.entity(factories.entity_type("room", building={}), "EN1018")
    for attempt in range(5):
        seen = latest_seq("room", ["EN1018"])
        start = threading.Barrier(2)
        stored: list[str] = []
        editors = [
            threading.Thread(
                target=submit_at_once, args=(room, start, seen, f"B{attempt}{n}", stored)
            )
            for n in (1, 2)
        ]
        for thread in editors:
            thread.start()
        for thread in editors:
            thread.join()
        assert len(stored) == 1, attempt
        assert building_of(room) == stored
