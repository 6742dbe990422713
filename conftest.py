"""Shared fixtures: the guide's standalone type with its domain and servers, and a signed-in
client per role."""

import pytest

from testing import factories
from testing.clients import signed_in

# The browser tests' fixtures (browser, page).
pytest_plugins = ["testing.browser"]

TRANSACTIONAL = {"transactional_db", "live_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that commits for real must put the roles and content types back: the flush at
    its end empties every table, and the tests after it (in any app) need the rows the data
    migrations made. Refuse one that does not ask for serialized_rollback."""
    unsafe = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = TRANSACTIONAL & set(getattr(item, "fixturenames", ())) or (
            marker and marker.kwargs.get("transaction")
        )
        if transactional and not (marker and marker.kwargs.get("serialized_rollback")):
            unsafe.append(item.nodeid)
    if unsafe:
        raise pytest.UsageError(
            "transactional tests without django_db(serialized_rollback=True): " + ", ".join(unsafe)
        )


@pytest.fixture
def standalone(db):
    standalone = factories.standalone_type()
    domain = standalone.variables.get(name="domain").enum_type
    factories.entity(domain, "cs.example.edu")
    factories.entity(domain, "library.example.edu")
    server = standalone.variables.get(name="server").reference_type
    factories.entity(server, "odie")
    factories.entity(server, "nermal")
    return standalone


@pytest.fixture
def viewer(db):
    """A test client signed in as a viewer (testing.clients.signed_in for more)."""
    return signed_in("viewer")


@pytest.fixture
def editor(db):
    return signed_in("editor")


@pytest.fixture
def admin(db):
    return signed_in("admin")


@pytest.fixture
def page_data(db):
    """What a testing.views.PageTestCase's page shows; a test class overrides it."""
    return None
