"""Where a request's reads go on a site with a replica (core.replica): the router's answer in
each kind of request the middleware lets through. The replica itself, with real lag, is
workers/tests/test_nodes.py's."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from core.replica import PIN_COOKIE, PIN_SECONDS, ReplicaReadsMiddleware, ReplicaRouter
from entities.api.views import ChangeFeed
from entities.models import Entity
from filemgr.api.views import InstanceContent
from workers.api.views import MirrorDownload

router = ReplicaRouter()


def read_from(request: HttpRequest, view=None) -> tuple[str, HttpResponse]:
    """The database the router names for a read made while the middleware serves request
    with view (a plain page view when None), and the middleware's answer."""
    seen = []

    def page(request: HttpRequest) -> HttpResponse:
        seen.append(router.db_for_read(Entity))
        return HttpResponse("ok")

    def handler(request: HttpRequest) -> HttpResponse:
        # Django's: each middleware's process_view with the resolved view, then the view.
        middleware.process_view(request, view or page, (), {})
        return page(request)

    middleware = ReplicaReadsMiddleware(handler)
    response = middleware(request)
    return seen[0], response


def test_a_page_read_may_lag_and_nothing_after_the_request_does():
    where, response = read_from(RequestFactory().get("/entity/server/odie/"))
    assert where == "replica"
    assert PIN_COOKIE not in response.cookies
    assert router.db_for_read(Entity) == "default"  # a streamed body's reads, for one


@pytest.mark.parametrize("view", [ChangeFeed, MirrorDownload, InstanceContent])
def test_what_agents_read_with_their_sequence_number_comes_from_the_primary(view):
    where, _ = read_from(RequestFactory().get("/api/v1/changes/?since=1"), view.as_view())
    assert where == "default"


def test_a_write_pins_its_client_to_the_primary_for_a_while():
    where, response = read_from(RequestFactory().post("/entity/server/odie/modify/"))
    assert where == "default"
    assert response.cookies[PIN_COOKIE]["max-age"] == PIN_SECONDS
    pinned = RequestFactory().get("/entity/server/odie/")
    pinned.COOKIES[PIN_COOKIE] = "1"
    assert read_from(pinned)[0] == "default"


@pytest.mark.django_db
def test_reads_in_a_transaction_come_from_the_primary():
    with transaction.atomic():
        assert read_from(RequestFactory().get("/entity/server/odie/"))[0] == "default"


def test_writes_and_migrations_go_to_the_primary_only():
    assert router.db_for_write(Entity) == "default"
    assert router.allow_migrate("default", "entities")
    assert not router.allow_migrate("replica", "entities")
