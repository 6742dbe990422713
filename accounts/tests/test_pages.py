"""The account webtool's pages: who gets them, what they show, their query budgets."""

import pytest

from accounts import services
from testing.views import PageTestCase, assert_queries_do_not_grow

ADMIN_ONLY = {"viewer": 403, "editor": 403, "admin": 200}


@pytest.fixture
def page_data(directory):
    services.do_create_account(
        "tests", uid="alice", sn="Liddell", given_name="Alice", groups=["users"]
    )
    services.do_set_expiry("tests", "alice", None)
    return {"uid": "alice"}


class TestSearch(PageTestCase):
    url = "/ldap/?q=ali"
    status = ADMIN_ONLY
    contains = ["Labnet accounts", "alice", "Alice Liddell"]
    max_queries = 6


class TestCreate(PageTestCase):
    url = "/ldap/create/"
    status = ADMIN_ONLY
    contains = ["Create account", "users"]
    form = {"uid": "bob", "sn": "Builder", "kind": "person"}
    post_status = {"viewer": 403, "editor": 403, "admin": 200}
    max_queries = 6


class TestBatch(PageTestCase):
    url = "/ldap/batch/"
    status = ADMIN_ONLY
    contains = ["Create a batch of temporary accounts"]
    max_queries = 6


class TestAccount(PageTestCase):
    url = "/ldap/{uid}/"
    status = ADMIN_ONLY
    contains = ["alice", "Alice Liddell", "History", "Created", "users"]
    max_queries = 7


class TestModify(PageTestCase):
    url = "/ldap/{uid}/modify/"
    status = ADMIN_ONLY
    contains = ["Modify alice", "Liddell"]
    form = {"sn": "Liddell", "given_name": "Alicia", "kind": "person"}
    post_status = {"viewer": 403, "editor": 403, "admin": 302}
    max_queries = 6


class TestPasswordChange(PageTestCase):
    url = "/ldap/password/"
    status = {"viewer": 200, "editor": 200, "admin": 200}
    anonymous = 200
    contains = ["Change your Labnet password"]
    max_queries = 6


def test_account_page_queries_do_not_grow_with_history(page_data, admin):
    def grow():
        for _ in range(5):
            services.do_lock("tests", "alice")
            services.do_unlock("tests", "alice")

    assert_queries_do_not_grow(admin, ["/ldap/alice/", "/ldap/?q="], grow)
