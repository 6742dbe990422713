"""Shared fixtures: the guide's standalone type with its domain and servers."""

import pytest

from testing import factories


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
