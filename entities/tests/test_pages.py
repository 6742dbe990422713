"""The webtool's list, choose and delete pages by role, through the reusable page tests."""

import pytest

from testing import factories
from testing.views import PageTestCase


@pytest.fixture
def page_data(standalone):
    factories.entity(standalone, "discovery", domain="cs.example.edu", ip_address="192.0.2.10")


class TestEntityTypeMaintenance(PageTestCase):
    url = "/types/"
    status = {"viewer": 403, "editor": 403, "admin": 200}
    contains = ['<a href="?sort=entity_count">entities</a>', "<strong>standalone</strong>"]
    form = {"name": "printer", "description": "Printers"}
    post_status = {"editor": 403, "admin": 302}
    max_queries = 6


class TestVariableMaintenance(PageTestCase):
    url = "/variables/standalone/?sort=-display_order&columns=name&columns=secret"
    status = {"editor": 403, "admin": 200}
    contains = ['href="/variables/standalone/iscsi_password/"', "<th", "secret"]
    max_queries = 7


class TestEntityCreationChoosesAType(PageTestCase):
    url = "/create/?type=standalone"
    status = {"viewer": 403, "editor": 302}


class TestEntityRemoval(PageTestCase):
    url = "/entity/standalone/discovery/delete/"
    status = {"viewer": 403, "editor": 200}
    contains = ["Remove standalone/discovery?"]
    post_status = {"viewer": 403, "editor": 302}
    max_queries = 7
