"""Reads that may lag go to the MariaDB replica (LABNET_REPLICA_DATABASE_URL), everything
else to the primary (docs/deployment.md).

A read may lag only in a GET or HEAD request whose view does not say `reads_primary = True`
(the change feed and the other endpoints an agent reads with its last sequence number), from a
client that wrote nothing in the last PIN_SECONDS (so a person sees their own change on the
page a form redirects to), outside a transaction. Writes, management commands and Celery
workers use the primary alone."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "labnet_primary"
# Longer than the replica ever lags behind while it works (under a second on one network).
PIN_SECONDS = 10
SAFE_METHODS = ("GET", "HEAD")

_may_lag: ContextVar[bool] = ContextVar("labnet_reads_may_lag", default=False)


class ReplicaRouter:
    """The database router of a site with a replica."""

    def db_for_read(self, model: type, **hints: object) -> str:
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db  # an object's relations come from where it came from
        if _may_lag.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type, **hints: object) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: object, obj2: object, **hints: object) -> bool:
        return True  # both databases hold the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: object) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica gets its tables by replication


def reads_primary(view: Callable) -> bool:
    """Whether a view (a function, or a class's as_view()) must read the primary."""
    return getattr(getattr(view, "view_class", view), "reads_primary", False)


class ReplicaReadsMiddleware:
    """Lets a request's reads lag when they may (the module's rule), and pins a client that
    wrote to the primary for PIN_SECONDS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Set back once the response is made: a streamed body is read from the primary.
        outside = _may_lag.set(False)
        try:
            response = self.get_response(request)
        finally:
            _may_lag.reset(outside)
        if request.method not in SAFE_METHODS:
            response.set_cookie(PIN_COOKIE, "1", max_age=PIN_SECONDS, httponly=True, samesite="Lax")
        return response

    def process_view(self, request: HttpRequest, view: Callable, *_: object) -> None:
        if (
            request.method in SAFE_METHODS
            and PIN_COOKIE not in request.COOKIES
            and not reads_primary(view)
        ):
            _may_lag.set(True)
