"""Reusable view test cases fed declarative data (the shape of NetBox's ViewTestCases), and
query budgets: a new page gets its suite in a few lines.

    class TestTypeList(PageTestCase):
        url = "/types/"
        status = {"viewer": 403, "editor": 403, "admin": 200}
        contains = ["Entity Type Maintenance"]

The test module (or the class) defines a `page_data` fixture that builds what the page shows
(the root conftest's builds nothing); `url` may use the fields it returns:
`url = "/files/{file}/"` with page_data returning {"file": "motd"}."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.permissions import NOT_ALLOWED, ROLES

from .clients import signed_in


class PageTestCase:
    """GET of one page by each role and by an anonymous visitor; with `form`, a POST too.

    status: role -> status code of a GET (roles left out are not tried)
    anonymous: the status an anonymous visitor gets (302: to the sign-in page)
    contains: texts a role that gets 200 sees on the page
    form, post_status: the form a POST sends, and role -> the status it answers
    post_url: where the page's form posts (None: to the page itself)
    max_queries: the most queries the page may make; required of a page that answers 200"""

    url: str
    status: dict[str, int] = dict.fromkeys(ROLES, 200)
    anonymous = 302
    contains: list[str] = []
    form: dict | None = None
    post_status: dict[str, int] = {}
    post_url: str | None = None
    max_queries: int | None = None

    def page_url(self, page_data) -> str:
        return self.url.format(**(page_data or {}))

    def test_each_role_gets_what_it_may(self, page_data):
        for role, status in self.status.items():
            answer = signed_in(role).get(self.page_url(page_data))
            assert answer.status_code == status, role
            page = answer.content.decode()
            if status == 200:
                for text in self.contains:
                    assert text in page, (role, text)
            elif status == 403:
                assert NOT_ALLOWED in page, role  # the site's 403 page with the reason

    def test_an_anonymous_visitor_is_sent_to_sign_in(self, page_data):
        answer = Client().get(self.page_url(page_data))
        assert answer.status_code == self.anonymous
        if self.anonymous == 302:
            assert answer.url.startswith(settings.LOGIN_URL)

    def test_each_role_posts_what_it_may(self, page_data):
        if not self.post_status:
            pytest.skip("the page declares no form")
        for role, status in self.post_status.items():
            url = (self.post_url or self.url).format(**(page_data or {}))
            answer = signed_in(role).post(url, self.form or {})
            assert answer.status_code == status, role
            if status == 403:
                assert NOT_ALLOWED in answer.content.decode(), role

    def test_the_page_keeps_its_query_budget(self, page_data, django_assert_max_num_queries):
        shown = [role for role, status in self.status.items() if status == 200]
        if not shown:
            pytest.skip("no role gets the page itself (a redirect or a refusal has no budget)")
        assert self.max_queries is not None, f"{type(self).__name__} declares no max_queries"
        client = signed_in(shown[0])
        with django_assert_max_num_queries(self.max_queries):
            assert client.get(self.page_url(page_data)).status_code == 200


def count_queries(client: Client, url: str) -> int:
    """The queries one GET of url makes; the page must answer 200."""
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url)
    assert answer.status_code == 200, url
    return len(captured)


def assert_queries_do_not_grow(client: Client, urls: list[str], grow: Callable[[], object]):
    """Each page makes as many queries after grow() added data as before (no N+1)."""
    before = {url: count_queries(client, url) for url in urls}
    grow()
    assert {url: count_queries(client, url) for url in urls} == before
